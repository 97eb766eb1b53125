// Reductions over dims with keepdim: sum, mean, max, min, argmax, argmin, var; each with its backward.
import { Tensor } from "../tensor/tensor.js";
import { normDim, sizeOf } from "../tensor/shape.js";
import type { ArgReduceOp, ReduceOp } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { ValueError } from "../errors.js";

/** Split a shape around `dim` into the [outer, size, inner] view the kernels reduce over. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim]!, sizeOf(shape.slice(dim + 1))];
}

function reduceDimRaw(op: ReduceOp, x: Tensor, dim: number): Tensor {
  const [outer, size, inner] = around(x.shape, dim);
  if (size === 0 && op !== "sum" && op !== "prod") throw new ValueError(`${op}: cannot reduce an empty dim ${dim} of shape [${x.shape.join(",")}]`);
  const shape = x.shape.map((d, i) => (i === dim ? 1 : d));
  const out = emptyLike(x.dtype, shape);
  kernel("reduce", x.data)(op, x.data, outer, size, inner, out.data);
  return out;
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
  let r = x.detach();
  for (const d of dims) r = reduceDimRaw("sum", r, d);
  const out = r.reshape(keptShape(x, dims, keepdim));
  const result = new Tensor(out.data, out.shape);
  if (needsGrad(x)) {
    const kept = keptShape(x, dims, true);
    record(result, "sum", [x], (g) => [g.reshape(kept).expand(x.shape)]);
  }
  return result;
}

/** Mean over `dim` (all dims if omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = dimsOf("mean", x, dim);
  const count = dims.reduce((n, d) => n * x.shape[d]!, 1);
  return sum(x, dim, keepdim).div(count);
}

function extremum(op: "max" | "min", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (x.size === 0) throw new ValueError(`${op}: the tensor is empty`);
  if (dim === undefined) {
    // Whole-tensor extremum: the gradient is shared evenly between ties, as PyTorch 1.13 does.
    const flat = x.detach().reshape([x.size]);
    const v = reduceDimRaw(op, flat, 0).reshape([]);
    const result = new Tensor(v.data, []);
    if (needsGrad(x)) {
      record(result, op, [x], (g) => {
        const mask = x.detach().eq(result.detach());
        return [mask.mul(g.div(mask.sum()))];
      });
    }
    return result;
  }
  const d = normDim(op, dim, x.ndim);
  const values = reduceDimRaw(op, x.detach(), d);
  const result = new Tensor(values.data, keptShape(x, [d], keepdim));
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
  if (x.size === 0) throw new ValueError(`${op}: the tensor is empty`);
  if (dim === undefined) return argReduce(op, x.detach().reshape([x.size]), 0, false).reshape(keepdim ? x.shape.map(() => 1) : []);
  const d = normDim(op, dim, x.ndim);
  const [outer, size, inner] = around(x.shape, d);
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
  const n = dims.reduce((c, d) => c * x.shape[d]!, 1);
  const centered = x.sub(mean(x, dims, true));
  return sum(centered.square(), dims, keepdim).div(Math.max(n - correction, 0));
}
