// Reductions over dims with keepdim. Table ops: sum, max/min (along a dim or over every element), argmax/argmin; mean,
// var, logsumexp, all and any are compositions of them.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, normDim, sizeOf, type Shape } from "../tensor/shape.js";
import { allocateOutput, type DataArray } from "../tensor/dtype.js";
import type { KernelArray } from "../tensor/memory.js";
import type { ArgReduceOp, ReduceOp } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { emptyLike } from "./util.js";
import { where } from "./elementwise.js";
import { arange } from "../tensor/creation.js";
import { apply, defineOp, type OpDef } from "./op.js";
import { ValueError } from "../errors.js";

/** Split a shape around `dim` into the [outer, size, inner] view the kernels reduce over. */
function around(shape: Shape, dim: number): [number, number, number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim] ?? 1, sizeOf(shape.slice(dim + 1))];
}

/** Reduces the sorted `dims` of x into y (x's shape with those dims reduced), one kernel pass per run of consecutive
 *  dims, the last one straight into y; no dims: a copy. */
function reduceInto(op: ReduceOp, x: Tensor, dims: readonly number[], y: KernelArray): void {
  if (dims.length === 0) {
    kernel("copyStrided", x.operand)(x.operand, 0, x.strides, x.shape, y, 0, x.strides, false);
    return;
  }
  let shape: Shape = x.shape, data = x.operand;
  for (let j = dims.length - 1; j >= 0; ) {
    const last = dims[j]!;
    let first = last;
    while (j > 0 && dims[j - 1] === first - 1) first = dims[--j]!;
    j--;
    const outer = sizeOf(shape.slice(0, first)), size = sizeOf(shape.slice(first, last + 1)), inner = sizeOf(shape.slice(last + 1));
    shape = shape.map((d, i) => (i >= first && i <= last ? 1 : d));
    const out = j < 0 ? y : allocateOutput(x.dtype, sizeOf(shape), "reduce");
    kernel("reduce", data)(op, data, outer, size, inner, out);
    data = out;
  }
}

function dimsOf(op: string, x: Tensor, dim: number | readonly number[] | undefined): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === "number" ? [dim] : [...dim];
  const norm = list.map((d) => normDim(op, d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ValueError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`);
  return norm.sort((a, b) => a - b);
}

function keptShape(x: Shape, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? x.map((d, i) => (dims.includes(i) ? 1 : d)) : x.filter((_, i) => !dims.includes(i));
}

/** sum's attributes: the reduced dims (sorted, non-negative) and whether they stay as size-1 dims. */
export interface SumAttrs {
  dim: number[];
  keepdim: boolean;
}

/** Σ over dims; the backward spreads the gradient back over them (an expand). */
export const sumOp = defineOp<SumAttrs>({
  name: "sum",
  shape: ([x], a) => keptShape(x!, a.dim, a.keepdim),
  forward: ([x], a, y) => reduceInto("sum", x!, a.dim, y.operand),
  backward: (g, [x], _y, a) => [g.reshape(keptShape(x!.shape, a.dim, true)).expand(x!.shape)],
  onnx: {
    export: (e, [x], a) => e.node("ReduceSum", [x!, e.intConstant(a.dim, "axes")], {
      keepdims: { int: a.keepdim ? 1 : 0 },
      // ONNX reads no axes as every axis; ours is no reduction
      ...(a.dim.length === 0 ? { noop_with_empty_axes: { int: 1 } } : {}),
    }),
  },
});

/** Sum over `dim` (all dims if omitted). x: any shape → reduced shape. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return apply(sumOp, [x], { dim: dimsOf("sum", x, dim), keepdim });
}

/** Mean over `dim` (all dims if omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const dims = dimsOf("mean", x, dim);
  const count = dims.reduce((n, d) => n * (x.shape[d] ?? 1), 1);
  return sum(x, dim, keepdim).div(count);
}

/** The attributes of max, min, argmax and argmin: the dim (non-negative; null: every element, as if flattened) and
 *  whether it stays as a size-1 dim (always false for max/min over every element, as PyTorch). */
export interface ExtremumAttrs {
  dim: number | null;
  keepdim: boolean;
}

/** The output shape of max/min/argmax/argmin; none reduces over nothing. */
function extremumShape(op: string, x: Shape, a: ExtremumAttrs): number[] {
  if (a.dim === null) {
    if (sizeOf(x) === 0) throw new ValueError(`${op}: the tensor is empty`);
    return a.keepdim ? x.map(() => 1) : [];
  }
  if ((x[a.dim] ?? 1) === 0) throw new ValueError(`${op}: cannot reduce over the empty dim ${a.dim} of shape ${fmtShape(x)}`);
  return keptShape(x, [a.dim], a.keepdim);
}

/** The [outer, size, inner] view an extremum reduces over. */
const extremumView = (x: Tensor, a: ExtremumAttrs): [number, number, number] => (a.dim === null ? [1, x.size, 1] : around(x.shape, a.dim));

/** Max or min over a dim or every element. Along a dim the gradient goes to the index argmax/argmin returns (the
 *  first extremum), which the forward saves; over every element it is shared evenly between ties, as PyTorch 1.13. */
function extremumOp(op: "max" | "min"): OpDef<ExtremumAttrs, Tensor | null> {
  return defineOp<ExtremumAttrs, Tensor | null>({
    name: op,
    shape: ([x], a, caller) => extremumShape(caller, x!, a),
    forward: ([x], a, y, save) => {
      const [outer, size, inner] = extremumView(x!, a);
      kernel("reduce", x!.operand)(op, x!.operand, outer, size, inner, y.operand);
      if (!save || a.dim === null) return null;
      const idx = emptyLike(x!.dtype, y.shape);
      kernel("argReduce", x!.operand)(op === "max" ? "argmax" : "argmin", x!.operand, outer, size, inner, idx.operand);
      return idx;
    },
    backward: (g, [x], y, a, idx) => {
      if (a.dim === null) {
        const xd = x!.detach(), m = y.detach();
        // the ties of the result, or, when it is NaN, the NaNs it came from (the two never both hold)
        const mask = xd.eq(m).add(xd.ne(xd).mul(m.ne(m)));
        return [mask.mul(g.div(mask.sum()))];
      }
      const kept = keptShape(x!.shape, [a.dim], true);
      return [oneHotAlong(idx!, x!.shape, a.dim).mul(g.reshape(kept))];
    },
    onnx: null,
  });
}

export const maxOp = extremumOp("max");
export const minOp = extremumOp("min");

/** 1 at position idx[...] along `dim` of `shape`, 0 elsewhere. */
function oneHotAlong(idx: Tensor, shape: readonly number[], dim: number): Tensor {
  // position k along dim equals the index: a comparison the backend's kernels make where idx lives
  const size = around(shape, dim)[1]; // a scalar is one position
  const positions = arange(size, undefined, 1, { dtype: idx.dtype }).reshape(shape.map((d, i) => (i === dim ? d : 1)));
  return idx.reshape(keptShape(shape, [dim], true)).eq(positions);
}

function extremum(op: "max" | "min", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const a: ExtremumAttrs = dim === undefined ? { dim: null, keepdim: false } : { dim: normDim(op, dim, x.ndim), keepdim };
  return apply(op === "max" ? maxOp : minOp, [x], a);
}

/** Largest element along `dim` (of the whole tensor if omitted, as a scalar). */
export const max = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum("max", x, dim, keepdim);
/** Smallest element along `dim` (of the whole tensor if omitted, as a scalar). */
export const min = (x: Tensor, dim?: number, keepdim = false): Tensor => extremum("min", x, dim, keepdim);

/** The index of the first max/min (as a float) along a dim or of the flattened tensor. No gradient. */
function argReduceOp(op: ArgReduceOp): OpDef<ExtremumAttrs> {
  return defineOp<ExtremumAttrs>({
    name: op,
    shape: ([x], a, caller) => extremumShape(caller, x!, a),
    forward: ([x], a, y) => {
      const [outer, size, inner] = extremumView(x!, a);
      kernel("argReduce", x!.operand)(op, x!.operand, outer, size, inner, y.operand);
    },
    backward: null,
    onnx: {
      export: (e, [x], a, _x, y) => {
        const type = op === "argmax" ? "ArgMax" : "ArgMin";
        // ONNX gives int64 indices, ours are floats; over every element: of the flattened tensor, then y's shape
        const idx = a.dim === null
          ? e.node("Reshape", [e.node(type, [e.node("Reshape", [x!, e.intConstant([-1], "shape")])], { axis: { int: 0 }, keepdims: { int: 1 } }), e.intConstant(y, "shape")])
          : e.node(type, [x!], { axis: { int: a.dim }, keepdims: { int: a.keepdim ? 1 : 0 } });
        return e.node("Cast", [idx], { to: { int: 1 } });
      },
    },
  });
}

export const argmaxOp = argReduceOp("argmax");
export const argminOp = argReduceOp("argmin");

function argReduce(op: ArgReduceOp, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return apply(op === "argmax" ? argmaxOp : argminOp, [x], { dim: dim === undefined ? null : normDim(op, dim, x.ndim), keepdim });
}

/** Index of the first maximum along `dim` (of the flattened tensor if omitted), as a float tensor. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce("argmax", x, dim, keepdim);
/** Index of the minimum along `dim` (of the flattened tensor when omitted); the first one on ties. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argReduce("argmin", x, dim, keepdim);

/** Options of variance and std. */
export interface VarOptions {
  /** Subtracted from the count in the divisor: 1 (the default) is the unbiased estimate, 0 the population variance. */
  correction?: number;
  /** Keep the reduced dims as size 1 (default false). */
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
  const kept = keptShape(x.shape, dims, true);
  let m: Tensor;
  if (x.isMeta) m = Tensor.meta(kept, x.dtype);
  else {
    m = emptyLike(x.dtype, kept);
    reduceInto("max", x, dims, m.operand);
    m = where(m.sub(m).eq(0), m, 0); // all −inf (or inf) rows: no shift (m − m is NaN there)
  }
  const out = x.sub(m).exp().sum(dims, true).log().add(m);
  return keepdim ? out : out.reshape(keptShape(x.shape, dims, false));
}

/** all = the min of the 1/0 flags x ≠ 0, any = their max; an empty reduction gives 1 (all) or 0 (any). */
function truth(op: "all" | "any", x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : [normDim(op, dim, x.ndim)];
  if (x.size === 0 || dims.some((d) => x.shape[d] === 0)) {
    return emptyLike(x.dtype, keptShape(x.shape, dims, dim === undefined ? false : keepdim)).add(op === "all" ? 1 : 0);
  }
  return extremum(op === "all" ? "min" : "max", x.detach().ne(0), dim, keepdim);
}

/** 1 if every element (along `dim`) is non-zero, else 0; NaN counts as non-zero. No gradient. */
export const all = (x: Tensor, dim?: number, keepdim = false): Tensor => truth("all", x, dim, keepdim);
/** 1 if any element (along `dim`) is non-zero, else 0. No gradient. */
export const any = (x: Tensor, dim?: number, keepdim = false): Tensor => truth("any", x, dim, keepdim);
