// Ops that move elements without arithmetic: reshape/view, permute, transpose, flatten, squeeze, unsqueeze,
// expand, slice/select/flip, cat, stack, pad, split/chunk, repeat, and the indexing ops indexSelect, gather, oneHot.
// All but reshape and the gathers go through one strided-copy kernel, and so does every backward: the gradient of a
// strided read is a strided (accumulating) write. The table ops are defined here; the rest are compositions of them.
import { Tensor } from "../tensor/tensor.js";
import { checkInt, fmtShape, normDim, sizeOf, type Shape } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { emptyLike, hostZeros } from "./util.js";
import { apply, defineOp, type OnnxEmitter, type OnnxForm } from "./op.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";

/** A strided read's attributes: x read through (offset, strides) into a contiguous tensor of `shape`; `op` fixes its
 *  ONNX form (permute's perm, slice's range, expand's shape), recorded alongside. */
interface StridedAttrs {
  offset: number;
  strides: readonly number[];
  shape: readonly number[];
}

/** A table op reading its input through strides (permute, expand, slice, clone); the backward is the strided
 *  (accumulating) write back. */
function stridedOp<A extends StridedAttrs>(name: string, onnx: OnnxForm<A> | null) {
  return defineOp<A>({
    name,
    overwrites: true,
    shape: (_x, a) => [...a.shape],
    forward: ([x], a, y) => {
      kernel("copyStrided", x!.operand)(x!.operand, a.offset, a.strides, a.shape, y.operand, 0, y.strides, false);
    },
    backward: (g, [x], _y, a) => {
      const gx = emptyLike(g.dtype, x!.shape);
      kernel("copyStrided", g.operand)(g.operand, 0, g.strides, a.shape, gx.operand, a.offset, a.strides, true);
      return [gx];
    },
    onnx,
  });
}

export const permuteOp = stridedOp<StridedAttrs & { dims: number[] }>("permute", { export: (e, [x], a) => e.node("Transpose", [x!], { perm: { ints: a.dims } }) });
export const expandOp = stridedOp("expand", { export: (e, [x], a) => e.node("Expand", [x!, e.intConstant(a.shape, "shape")]) });
export const cloneOp = stridedOp("clone", { export: (e, [x]) => e.node("Identity", [x!]) });
export const sliceOp = stridedOp<StridedAttrs & { dim: number; start: number; length: number; step: number }>("slice", {
  export: (e, [x], a) => {
    // ONNX reads a negative end as counted from the back: past the front of a reversed slice is "−∞"
    const end = a.start + a.length * a.step;
    const ends = a.step < 0 && end < 0 ? -2147483648 : end;
    return e.node("Slice", [x!, e.intConstant([a.start], "starts"), e.intConstant([ends], "ends"), e.intConstant([a.dim], "axes"), e.intConstant([a.step], "steps")]);
  },
});

/** Same elements, another shape: a view of the input's storage. */
export const reshapeOp = defineOp<{ shape: readonly number[] }>({
  name: "reshape",
  view: true,
  shape: (_x, a) => [...a.shape],
  forward: () => undefined,
  backward: (g, [x]) => [reshape(g, x!.shape)],
  onnx: { export: (e, [x], a) => e.node("Reshape", [x!, e.intConstant(a.shape, "shape")]) },
});

/** Same elements, new shape (one dim may be -1). Shares the storage: a view. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const dims = [...shape];
  const infer = dims.indexOf(-1);
  if (infer !== dims.lastIndexOf(-1)) throw new ValueError(`reshape: only one dim can be -1, got ${fmtShape(shape)}`);
  dims.forEach((d, i) => i !== infer && checkInt("reshape", `size of dim ${i}`, d, 0));
  if (infer >= 0) {
    const known = sizeOf(dims.filter((_, i) => i !== infer));
    if (known === 0 || x.size % known !== 0) throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    dims[infer] = x.size / known;
  }
  if (sizeOf(dims) !== x.size) throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${sizeOf(dims)} elements)`);
  return apply(reshapeOp, [x], { shape: dims });
}

/** The dims reordered: out's dim i is x's dim dims[i] (torch.permute). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new ShapeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of rank ${x.ndim}`);
  const norm = dims.map((d) => normDim("permute", d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ValueError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  return apply(permuteOp, [x], { offset: 0, strides: norm.map((d) => x.strides[d]!), shape: norm.map((d) => x.shape[d]!), dims: norm });
}

/** Dims d0 and d1 swapped. */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const dims = x.shape.map((_, i) => i);
  const a = normDim("transpose", d0, x.ndim), b = normDim("transpose", d1, x.ndim);
  [dims[a], dims[b]] = [dims[b]!, dims[a]!];
  return permute(x, dims);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError(`t: expects a tensor of rank ≤ 2, got ${fmtShape(x.shape)}; use transpose(d0, d1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Merge dims startDim..endDim into one. A view. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim("flatten", startDim, x.ndim), e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Drop size-1 dims (only `dim` if given). A view. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const d = normDim("squeeze", dim, x.ndim);
  return x.shape[d] === 1 ? reshape(x, x.shape.filter((_, i) => i !== d)) : x;
}

/** Insert a size-1 dim at `dim`. A view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Repeat size-1 dims (and new leading dims) to `shape`; -1 keeps a dim. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) throw new ShapeError(`expand: target ${fmtShape(shape)} has fewer dims than the tensor ${fmtShape(x.shape)}`);
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead]! : d));
  const strides = target.map((d, i) => {
    checkInt("expand", `size of dim ${i}`, d, 0);
    if (i < lead) return 0;
    const own = x.shape[i - lead]!;
    if (own === d) return x.strides[i - lead]!;
    if (own === 1) return 0;
    throw new ShapeError(`expand: dim ${i} of size ${own} cannot become ${d} (only size-1 dims expand); ${fmtShape(x.shape)} → ${fmtShape(shape)}`);
  });
  return apply(expandOp, [x], { offset: 0, strides, shape: target });
}

/** Elements start, start+step, … before end along `dim` (Python slice rules; negative indices count from the end). */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  if (x.ndim === 0) throw new ShapeError("slice: cannot slice a zero-dimensional tensor");
  const d = normDim("slice", dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(step) || step === 0) throw new ValueError(`slice: step must be a non-zero integer, got ${step}`);
  for (const [name, v] of [["start", start], ["end", end]] as const) {
    if (v !== undefined && v !== null && !Number.isInteger(v)) throw new ValueError(`slice: ${name} must be an integer, got ${v}`);
  }
  if (start === null) start = undefined;
  if (end === null) end = undefined;
  const clampIdx = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  let s: number, e: number;
  if (step > 0) {
    s = start === undefined ? 0 : clampIdx(start, 0, n);
    e = end === undefined ? n : clampIdx(end, 0, n);
  } else {
    s = start === undefined ? n - 1 : clampIdx(start, -1, n - 1);
    e = end === undefined ? -1 : end < -n ? -1 : clampIdx(end, -1, n - 1);
  }
  const len = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return stepSlice(x, d, s, len, step);
}

/** `len` elements along dim d from absolute index `start`, `step` apart (step may be negative). */
function stepSlice(x: Tensor, d: number, start: number, len: number, step: number): Tensor {
  const shape = x.shape.map((v, i) => (i === d ? len : v));
  const strides = x.strides.map((v, i) => (i === d ? v * step : v));
  return apply(sliceOp, [x], { offset: len > 0 ? start * x.strides[d]! : 0, strides, shape, dim: d, start, length: len, step });
}

/** The `index`-th entry along `dim`, with that dim removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new ShapeError("select: cannot select from a zero-dimensional tensor");
  const d = normDim("select", dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) throw new ValueError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  const i = index < 0 ? index + n : index;
  return squeeze(slice(x, d, i, i + 1), d);
}

/** Reverse the order along each of `dims`. */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  const norm = dims.map((d) => normDim("flip", d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ValueError(`flip: dims ${fmtShape(dims)} repeat a dim`);
  if (x.ndim === 0) return clone(x);
  let r = x;
  for (const dim of dims) r = slice(r, dim, undefined, undefined, -1);
  return r === x ? clone(x) : r;
}

/** A copy with its own storage; gradients flow back. */
export function clone(x: Tensor): Tensor {
  return apply(cloneOp, [x], { offset: 0, strides: x.strides, shape: x.shape });
}

/** cat's attribute: the dim it joins along (non-negative). */
export interface CatAttrs {
  dim: number;
}

/** Tensors joined along `dim`: each is copied into its stretch of the output, and gets back that stretch of the
 *  gradient. */
export const catOp = defineOp<CatAttrs>({
  name: "cat",
  overwrites: true,
  shape: (xs, a, op) => {
    xs.forEach((s, k) => {
      if (s.length === 0) throw new ShapeError(`${op}: tensor ${k} is zero-dimensional and cannot be concatenated; use stack`);
    });
    const first = xs[0]!;
    xs.forEach((s, k) => {
      if (s.length !== first.length || s.some((v, i) => i !== a.dim && v !== first[i])) {
        throw new ShapeError(`${op}: tensor ${k} has shape ${fmtShape(s)} but tensor 0 has ${fmtShape(first)}; all dims except dim ${a.dim} must match`);
      }
    });
    return first.map((v, i) => (i === a.dim ? xs.reduce((n, s) => n + s[i]!, 0) : v));
  },
  forward: (xs, a, y) => {
    let at = 0;
    for (const t of xs) {
      kernel("copyStrided", t.operand)(t.operand, 0, t.strides, t.shape, y.operand, at * y.strides[a.dim]!, y.strides, false);
      at += t.shape[a.dim]!;
    }
  },
  backward: (g, xs, _y, a) => {
    let at = 0;
    return xs.map((t) => {
      const offset = at * g.strides[a.dim]!;
      at += t.shape[a.dim]!;
      if (!t.requiresGrad) return null;
      const gt = emptyLike(g.dtype, t.shape);
      kernel("copyStrided", g.operand)(g.operand, offset, g.strides, t.shape, gt.operand, 0, gt.strides, false);
      return gt;
    });
  },
  onnx: { export: (e, xs, a) => e.node("Concat", xs, { axis: { int: a.dim } }) },
});

/** Join tensors along `dim`; all other dims must agree. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("cat: needs at least one tensor");
  const first = tensors[0]!;
  const d = normDim("cat", dim, first.ndim);
  tensors.forEach((t, k) => {
    if (t.dtype !== first.dtype) throw new DTypeError(`cat: tensor ${k} is ${t.dtype}, tensor 0 is ${first.dtype}; convert one with .to()`);
  });
  // a copy: the caller may keep pushing onto its array (DenseNet does), which must not change the tape
  return apply(catOp, [...tensors], { dim: d });
}

/** Join tensors of equal shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("stack: needs at least one tensor");
  const first = tensors[0]!;
  tensors.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((v, i) => v !== first.shape[i])) {
      throw new ShapeError(`stack: tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; stack needs equal shapes`);
    }
  });
  const d = normDim("stack", dim, first.ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** How pad fills: a constant, the mirror image without the edge (reflect), or the edge repeated (replicate). */
export type PadMode = "constant" | "reflect" | "replicate";

/** Pad the last dims like torch.nn.functional.pad: `pads` = [left, right, top, bottom, front, back…] from the last dim
 *  backwards. Negative pads crop. 'reflect' mirrors without repeating the edge, 'replicate' repeats the edge. */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ValueError(`pad: pads must hold (before, after) pairs for at most ${x.ndim} dims, got ${fmtShape(pads)}`);
  }
  pads.forEach((p, i) => {
    if (!Number.isInteger(p)) throw new ValueError(`pad: pads[${i}] must be an integer, got ${p}`);
  });
  if (!["constant", "reflect", "replicate"].includes(mode)) throw new ValueError(`pad: unknown mode '${mode}' (constant, reflect, replicate)`);
  let r = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const dim = x.ndim - 1 - k;
    const before = pads[2 * k]!, after = pads[2 * k + 1]!;
    r = padDim(r, dim, before, after, mode, value);
  }
  return r === x ? clone(x) : r;
}

function padDim(x: Tensor, dim: number, before: number, after: number, mode: PadMode, value: number): Tensor {
  if (before === 0 && after === 0) return x;
  const n = x.shape[dim]!;
  // negative padding crops first
  if (before < 0 || after < 0) {
    const s = Math.max(0, -before), e = n - Math.max(0, -after);
    if (e <= s) throw new ShapeError(`pad: cropping ${-Math.min(before, 0)}+${-Math.min(after, 0)} from dim ${dim} of size ${n} leaves nothing`);
    return padDim(slice(x, dim, s, e), dim, Math.max(before, 0), Math.max(after, 0), mode, value);
  }
  if (mode === "reflect" && (before >= n || after >= n)) {
    throw new ShapeError(`pad: reflect padding (${before}, ${after}) of dim ${dim} must be smaller than its size ${n}`);
  }
  if (mode === "replicate" && n === 0) throw new ShapeError(`pad: cannot replicate-pad an empty dim ${dim}`);
  const side = (count: number, front: boolean): Tensor => {
    const shape = x.shape.map((v, i) => (i === dim ? count : v));
    if (mode === "constant") {
      // a meta input gets a meta side: the shape pass allocates and fills nothing
      if (x.isMeta) return Tensor.meta(shape, x.dtype);
      const c = hostZeros(x.dtype, shape);
      if (value !== 0) c.data.fill(value);
      return c;
    }
    if (mode === "replicate") return expand(front ? slice(x, dim, 0, 1) : slice(x, dim, n - 1, n), shape);
    // reflect: x[count], …, x[1] in front; x[n-2], …, x[n-1-count] behind
    return front ? stepSlice(x, dim, count, count, -1) : stepSlice(x, dim, n - 2, count, -1);
  };
  const parts: Tensor[] = [];
  if (before > 0) parts.push(side(before, true));
  parts.push(x);
  if (after > 0) parts.push(side(after, false));
  return cat(parts, dim);
}

/** Integer positions from a float index tensor, each checked to lie in [0, size) (negative ones count from the end). */
function positions(op: string, index: Tensor, size: number, dim: number): Int32Array {
  if (index.isOnDevice) throw new ValueError(`${op}: the index is a GPU tensor (an op's result), whose values cannot be checked and read synchronously; make the index from JavaScript values (tensor([...]))`);
  const out = new Int32Array(index.size);
  for (let i = 0; i < index.size; i++) {
    const v = index.data[i]!;
    if (!Number.isInteger(v) || v < -size || v >= size) {
      throw new ValueError(`${op}: index ${v} (element ${i} of the index) is not an integer in [${-size}, ${size}) for dim ${dim} of size ${size}`);
    }
    out[i] = v < 0 ? v + size : v;
  }
  return out;
}

/** The attribute of indexSelect and gather: the dim they index along (non-negative). The index is their second input,
 *  read (and checked) by the forward, which saves its integer positions for the backward; it gets no gradient. */
export interface IndexAttrs {
  dim: number;
}

/** ONNX's gathers take int64 indices (ONNX type 7); ours are float tensors. */
const int64Index = (e: OnnxEmitter, index: string): string => e.node("Cast", [index], { to: { int: 7 } });

/** x: [..., n, ...], index: [k] → [..., k, ...]: one strided copy per selected entry (the [outer, inner] slab at its
 *  position along dim); the backward adds each entry's gradient back, so repeated entries sum. */
export const indexSelectOp = defineOp<IndexAttrs, Int32Array>({
  name: "indexSelect",
  shape: ([x, index], a, op) => {
    if (index!.length > 1) throw new ShapeError(`${op}: index must be 1-D, got shape ${fmtShape(index!)}`);
    if (x!.length > 0) return x!.map((v, i) => (i === a.dim ? sizeOf(index!) : v));
    if (sizeOf(index!) !== 1) throw new ShapeError(`${op}: a zero-dimensional input takes an index of one element, got shape ${fmtShape(index!)}`);
    return [];
  },
  forward: ([x, index], a, y) => {
    const pos = positions("indexSelect", index!, x!.shape[a.dim] ?? 1, a.dim);
    const { slab, src, dst } = slabs(x!.shape, a.dim, pos.length);
    const copy = kernel("copyStrided", x!.operand);
    pos.forEach((p, j) => copy(x!.operand, p * slab[1]!, src, slab, y.operand, j * slab[1]!, dst, false));
    return pos;
  },
  backward: (g, [x], _y, a, pos) => {
    if (!x!.requiresGrad) return [null, null];
    const { slab, src, dst } = slabs(x!.shape, a.dim, pos.length);
    const gx = emptyLike(g.dtype, x!.shape);
    const acc = kernel("copyStrided", g.operand);
    pos.forEach((p, j) => acc(g.operand, j * slab[1]!, dst, slab, gx.operand, p * slab[1]!, src, true));
    return [gx, null];
  },
  onnx: { export: (e, [x, index], a) => e.node("Gather", [x!, int64Index(e, index!)], { axis: { int: a.dim } }) },
});

/** indexSelect's [outer, inner] slab at one position along dim, and its strides in x ([..., n, ...]) and in the
 *  output ([..., k, ...]). */
function slabs(x: Shape, dim: number, k: number): { slab: number[]; src: number[]; dst: number[] } {
  const inner = sizeOf(x.slice(dim + 1));
  return { slab: [sizeOf(x.slice(0, dim)), inner], src: [(x[dim] ?? 1) * inner, 1], dst: [k * inner, 1] };
}

/** The entries `index` (1-D, integer values, repeats allowed) along `dim`, like torch.index_select.
 *  x: [..., n, ...], index: [k] → [..., k, ...]; the backward sums the gradient of repeated entries. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return apply(indexSelectOp, [x, index], { dim: normDim("indexSelect", dim, x.ndim) });
}

/** `list` with entries `dim` and the last swapped (a swap is its own inverse). */
function swapLast<T>(list: readonly T[], dim: number): T[] {
  const r = [...list];
  if (r.length > 0) [r[dim], r[r.length - 1]] = [r[r.length - 1]!, r[dim]!];
  return r;
}

/** t's values cropped to `extent` (from the start of each dim) with dims `dim` and last swapped, contiguous: one
 *  strided copy. */
function dimLast(t: Tensor, dim: number, extent: Shape): Tensor {
  const out = emptyLike(t.dtype, swapLast(extent, dim));
  kernel("copyStrided", t.operand)(t.operand, 0, swapLast(t.strides, dim), out.shape, out.operand, 0, out.strides, false);
  return out;
}

/** The values of a row-major `shape` in the order of its view with `dim` swapped with the last dim (dimLast's order). */
function swapLastOnHost(values: Int32Array, shape: Shape, dim: number): Int32Array {
  const last = shape.length - 1;
  if (dim === last || last < 0) return values;
  const outShape = swapLast(shape, dim);
  const strides = swapLast(shape.map((_, i) => sizeOf(shape.slice(i + 1))), dim);
  const out = new Int32Array(values.length);
  const at = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let i = 0; i < at.length; i++) src += at[i]! * strides[i]!;
    out[k] = values[src]!;
    for (let i = at.length - 1; i >= 0; i--) {
      if (++at[i]! < outShape[i]!) break;
      at[i] = 0;
    }
  }
  return out;
}

/** x cropped to the index in every dim but `dim`: the part gather reads. */
const gatherCrop = (x: Shape, index: Shape, dim: number): number[] => x.map((v, i) => (i === dim ? v : index[i]!));

/** out[i₀…i_dim…] = x[i₀…index[i₀…i_dim…]…]. With `dim` moved last and x cropped to the index, a row-wise gather of
 *  planes (planeGather); the backward scatters (adds) the gradient back the same way. */
export const gatherOp = defineOp<IndexAttrs, Int32Array>({
  name: "gather",
  shape: ([x, index], a, op) => {
    if (index!.length !== x!.length) throw new ShapeError(`${op}: index ${fmtShape(index!)} must have the rank of the input ${fmtShape(x!)}`);
    index!.forEach((v, i) => {
      if (i !== a.dim && v > x![i]!) {
        throw new ShapeError(`${op}: index ${fmtShape(index!)} is larger than the input ${fmtShape(x!)} in dim ${i} (only dim ${a.dim} may differ)`);
      }
    });
    return [...index!];
  },
  forward: ([x, index], a, y) => {
    const d = a.dim, n = x!.shape[d] ?? 1, k = index!.shape[d] ?? 1;
    const xs = dimLast(x!, d, gatherCrop(x!.shape, index!.shape, d));
    // the index is read on the host (checked, and as positions), in the order of its dim-last view
    const pos = swapLastOnHost(positions("gather", index!, n, d), index!.shape, d);
    const out = emptyLike(y.dtype, swapLast(index!.shape, d));
    kernel("planeGather", xs.operand)(xs.operand, n, pos, true, sizeOf(out.shape.slice(0, -1)), k, out.operand);
    kernel("copyStrided", out.operand)(out.operand, 0, swapLast(out.strides, d), y.shape, y.operand, 0, y.strides, false);
    return pos;
  },
  backward: (g, [x, index], _y, a, pos) => {
    if (!x!.requiresGrad) return [null, null];
    const d = a.dim, n = x!.shape[d] ?? 1, k = index!.shape[d] ?? 1;
    const crop = gatherCrop(x!.shape, index!.shape, d);
    const gs = dimLast(g, d, g.shape);
    const gxs = emptyLike(g.dtype, swapLast(crop, d));
    kernel("planeScatter", gs.operand)(gs.operand, k, pos, true, sizeOf(gs.shape.slice(0, -1)), gxs.operand, n, true);
    // back into x's order and size: the cropped-away entries get no gradient
    const gx = emptyLike(g.dtype, x!.shape);
    kernel("copyStrided", gxs.operand)(gxs.operand, 0, swapLast(gxs.strides, d), crop, gx.operand, 0, gx.strides, false);
    return [gx, null];
  },
  onnx: { export: (e, [x, index], a) => e.node("GatherElements", [x!, int64Index(e, index!)], { axis: { int: a.dim } }) },
});

/** out[i₀…i_dim…] = x[i₀…index[i₀…i_dim…]…], like torch.gather. index has x's rank and no dim larger than x's
 *  (except along `dim`); out has index's shape. The backward scatters (adds) the gradient back. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return apply(gatherOp, [x, index], { dim: normDim("gather", dim, x.ndim) });
}

/** oneHot's attribute: the number of classes (columns). */
export interface OneHotAttrs {
  numClasses: number;
}

/** index [...] → [..., numClasses]: row p gets a 1 at column index[p]. No gradient. */
export const oneHotOp = defineOp<OneHotAttrs>({
  name: "oneHot",
  shape: ([index], a) => [...index!, a.numClasses],
  forward: ([index], a, y) => {
    const c = a.numClasses;
    const pos = positions("oneHot", index!, c, -1);
    for (let i = 0; i < pos.length; i++) {
      if (index!.data[i]! < 0) throw new ValueError(`oneHot: index ${index!.data[i]} is negative; classes are 0..${c - 1}`);
    }
    const ones = hostZeros(y.dtype, [pos.length]);
    ones.data.fill(1);
    kernel("planeScatter", y.operand)(ones.operand, 1, pos, true, pos.length, y.operand, c, false);
  },
  backward: null,
  onnx: {
    export: (e, [index], a) => e.node("OneHot", [index!, e.floatConstant([a.numClasses], [], "depth"), e.floatConstant([0, 1], [2], "values")], { axis: { int: -1 } }),
  },
});

/** One-hot rows: index [...] of integers in [0, numClasses) → [..., numClasses] of 1/0 (float, no gradient).
 *  numClasses −1 (the default) means max(index) + 1, like torch.nn.functional.one_hot. */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  let c = numClasses;
  if (c === -1) {
    if (index.isMeta) throw new ValueError("oneHot: numClasses -1 counts the classes in the index's values, which a meta tensor does not have; give numClasses");
    c = 0;
    for (const v of index.data) c = Math.max(c, v + 1);
  }
  checkInt("oneHot", "numClasses", c, 1);
  return apply(oneHotOp, [index], { numClasses: c });
}

/** Pieces of `sizes[i]` entries along `dim` (one number: equal pieces of that size, the last one smaller), like
 *  torch.split. Each piece is a differentiable slice. */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d] ?? 0;
  let list: number[];
  if (typeof sizes === "number") {
    checkInt("split", "split size", sizes, n === 0 ? 0 : 1);
    list = [];
    for (let at = 0; at < n; at += sizes) list.push(Math.min(sizes, n - at));
    if (list.length === 0) list.push(0);
  } else {
    list = sizes.map((v, i) => checkInt("split", `sizes[${i}]`, v, 0));
    const total = list.reduce((a, b) => a + b, 0);
    if (total !== n) throw new ShapeError(`split: sizes ${fmtShape(sizes)} add up to ${total} but dim ${d} of ${fmtShape(x.shape)} has ${n}`);
  }
  let at = 0;
  return list.map((len) => slice(x, d, at, (at += len)));
}

/** `chunks` pieces along `dim`, each of ceil(n / chunks) entries (the last may be smaller, and there may be fewer
 *  pieces), like torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkInt("chunk", "chunks", chunks, 1);
  const n = x.shape[normDim("chunk", dim, x.ndim)] ?? 0;
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

/** Tile x `reps[i]` times along each dim, like torch.Tensor.repeat; reps may have more dims than x (added in front). */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim) throw new ShapeError(`repeat: ${reps.length} repetitions ${fmtShape(reps)} for a tensor of rank ${x.ndim}; give one per dim`);
  reps.forEach((r, i) => checkInt("repeat", `reps[${i}]`, r, 0));
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  // [.., s, ..] → [.., 1, s, ..] expanded to [.., r, s, ..] → reshaped to [.., r·s, ..]
  const interleaved = shape.flatMap((s) => [1, s]);
  const expanded = shape.flatMap((s, i) => [reps[i]!, s]);
  return reshape(expand(reshape(x, interleaved), expanded), shape.map((s, i) => s * reps[i]!));
}

/** ShuffleNet's channel shuffle: [N, g·k, H, W] viewed as [N, g, k, H, W], the two channel axes swapped, back to
 *  [N, k·g, H, W] — channel i·k + j moves to j·g + i. x: [N,C,H,W] with C divisible by groups → same shape. */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`channelShuffle: groups must be an integer ≥ 1, got ${String(groups)}`);
  if (x.ndim !== 4 || x.shape[1]! % groups !== 0) throw new ShapeError(`channelShuffle: expects [N,C,H,W] with C divisible by groups = ${groups}, got ${fmtShape(x.shape)}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return x.reshape([n, groups, c / groups, h, w]).transpose(1, 2).reshape([n, c, h, w]);
}

