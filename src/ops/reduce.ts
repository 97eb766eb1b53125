// Reductions over dims with keepdim: sum, mean, max, min, argmax, argmin, var; each with its backward.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, normDim, sizeOf } from "../tensor/shape.js";
import type { ArgReduceOp, ReduceOp } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { ValueError } from "../errors.js";

/** Split a shape around `dim` into the [outer, size, inner] view the kernels reduce over. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim] ?? 1, sizeOf(shape.slice(dim + 1))];
}

function reduceDimRaw(op: ReduceOp, x: Tensor, dim: number): Tensor {
  return reduceRun(op, x, dim, dim);
}

/** Reduce the consecutive dims first..last of x in one kernel pass; they stay as size-1 dims. */
function reduceRun(op: ReduceOp, x: Tensor, first: number, last: number): Tensor {
  const outer = sizeOf(x.shape.slice(0, first)), size = sizeOf(x.shape.slice(first, last + 1)), inner = sizeOf(x.shape.slice(last + 1));
  if (size === 0 && op !== "sum" && op !== "prod") throw new ValueError(`${op}: cannot reduce over the empty ${first === last ? `dim ${first}` : `dims ${first}..${last}`} of shape ${fmtShape(x.shape)}`);
  const shape = x.shape.map((d, i) => (i >= first && i <= last ? 1 : d));
  const out = emptyLike(x.dtype, shape);
  kernel("reduce", x.data)(op, x.data, outer, size, inner, out.data);
  return out;
}

/** Reduce the sorted `dims` of x (kept as size-1 dims), one kernel pass per run of consecutive dims. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: readonly number[]): Tensor {
  let r = x.detach();
  for (let j = dims.length - 1; j >= 0; ) {
    const last = dims[j]!;
    let first = last;
    while (j > 0 && dims[j - 1] === first - 1) first = dims[--j]!;
    j--;
    r = reduceRun(op, r, first, last);
  }
  return r;
}

function dimsOf(op: string, x: Tensor, dim: number | readonly number[] | undefined): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === "number" ? [dim] : [...dim];
  const norm = list.map((d) => normDim(op, d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ValueError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`);
  return norm.sort((a, b) => a - b);
}

function keptShape(x: Tensor, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((d, i) => (dims.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !dims.includes(i));
}

/** Sum over `dim` (all dims if omitted). x: any shape → reduced shape. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = dimsOf("sum", x, dim);
  const r = reduceRaw("sum", x, dims);
  const result = new Tensor(r.storage, keptShape(x, dims, keepdim));
  if (needsGrad(x)) {
    const kept = keptShape(x, dims, true);
    record(result, "sum", [x], (g) => [g.reshape(kept).expand(x.shape)], { dim: dims, keepdim });
  }
  return result;
}

/** Mean over `dim` (all dims if omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = dimsOf("mean", x, dim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  return sum(x, dim, keepdim).div(count);
}

function extremum(op: "max" | "min", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) {
    if (x.size === 0) throw new ValueError(`${op}: the tensor is empty`);
    // Whole-tensor extremum: the gradient is shared evenly between ties, as PyTorch 1.13 does.
    const flat = x.detach().reshape([x.size]);
    const v = reduceDimRaw(op, flat, 0).reshape([]);
    const result = new Tensor(v.storage, []);
    if (needsGrad(x)) {
      record(result, op, [x], (g) => {
        const xd = x.detach(), m = result.detach();
        const mask = Number.isNaN(m.data[0]!) ? xd.ne(xd) : xd.eq(m); // a NaN result comes from the NaNs
        return [mask.mul(g.div(mask.sum()))];
      });
    }
    return result;
  }
  const d = normDim(op, dim, x.ndim);
  const values = reduceDimRaw(op, x.detach(), d);
  const result = new Tensor(values.storage, keptShape(x, [d], keepdim));
  if (needsGrad(x)) {
    // Along a dim, the gradient goes to the index the op returns (the first extremum).
    const idx = argReduce(op === "max" ? "argmax" : "argmin", x.detach(), d, true);
    record(result, op, [x], (g) => [oneHotAlong(idx, x.shape, d).mul(g.reshape(idx.shape))]);
  }
  return result;
}

/** 1 at position idx[...] along `dim` of `shape`, 0 elsewhere. */
function oneHotAlong(idx: Tensor, shape: readonly number[], dim: number): Tensor {
  const [outer, size, inner] = around(shape, dim);
  const out = emptyLike(idx.dtype, shape);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.data[(o * size + idx.data[o * inner + i]!) * inner + i] = 1;
  return out;
}

export const max = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum("max", x, dim, keepdim);
export const min = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum("min", x, dim, keepdim);

function argReduce(op: ArgReduceOp, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined && x.size === 0) throw new ValueError(`${op}: the tensor is empty`);
  if (dim === undefined) return argReduce(op, x.detach().reshape([x.size]), 0, false).reshape(keepdim ? x.shape.map(() => 1) : []);
  const d = normDim(op, dim, x.ndim);
  const [outer, size, inner] = around(x.shape, d);
  if (size === 0) throw new ValueError(`${op}: cannot reduce over the empty dim ${d} of shape ${fmtShape(x.shape)}`);
  const out = emptyLike(x.dtype, keptShape(x, [d], keepdim));
  kernel("argReduce", x.data)(op, x.data, outer, size, inner, out.data);
  return out;
}

/** Index of the first maximum along `dim` (of the flattened tensor if omitted), as a float tensor. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce("argmax", x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce("argmin", x, dim, keepdim);

export interface VarOptions {
  /** Subtracted from the count in the divisor: 1 (the default) is the unbiased estimate, 0 the population variance. */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over `dim` (all if omitted), Σ(x − mean)² / (n − correction). */
export function variance(x: Tensor, dim?: number | readonly number[], opts: VarOptions = {}): Tensor {
  const { correction = 1, keepdim = false } = opts;
  const dims = dimsOf("var", x, dim);
  const n = dims.reduce((c, d) => c * (x.shape[d] ?? 1), 1);
  const centered = x.sub(mean(x, dims, true));
  return sum(centered.square(), dims, keepdim).div(Math.max(n - correction, 0));
}

/** log Σ exp(x) over `dim`, shifted by the max so that exp never overflows; the gradient is softmax(x). */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const dims = dimsOf("logsumexp", x, dim);
  if (x.size === 0) return sum(x, dims, keepdim).log();
  // the shift is a constant for autograd: d/dx [log Σ exp(x − m) + m] = softmax(x) whatever m is
  const m = reduceRaw("max", x, dims);
  for (let i = 0; i < m.size; i++) if (!Number.isFinite(m.data[i]!)) m.data[i] = 0; // all −inf (or inf) rows: no shift
  const out = x.sub(m).exp().sum(dims, true).log().add(m);
  return keepdim ? out : out.reshape(keptShape(x, dims, false));
}

function truth(op: "all" | "any", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : [normDim(op, dim, x.ndim)];
  const nonzero = x.detach().ne(0);
  // all = min over the 1/0 flags (1 for an empty reduction), any = max (0 for an empty reduction)
  if (nonzero.size === 0 || dims.some((d) => x.shape[d] === 0)) {
    return emptyLike(x.dtype, keptShape(x, dims, dim === undefined ? false : keepdim)).add(op === "all" ? 1 : 0);
  }
  const r = reduceRaw(op === "all" ? "min" : "max", nonzero, dims);
  return new Tensor(r.storage, keptShape(x, dims, dim === undefined ? false : keepdim));
}

/** 1 if every element (along `dim`) is non-zero, else 0; NaN counts as non-zero. No gradient. */
export const all = (x: Tensor, dim?: number, keepdim = false): Tensor => truth("all", x, dim, keepdim);
/** 1 if any element (along `dim`) is non-zero, else 0. No gradient. */
export const any = (x: Tensor, dim?: number, keepdim = false): Tensor => truth("any", x, dim, keepdim);
