// Ops that move elements without arithmetic: reshape/view, permute, transpose, flatten, squeeze, unsqueeze,
// expand, slice/select/flip, cat, stack, pad. All but reshape go through one strided-copy kernel, and so does
// every backward: the gradient of a strided read is a strided (accumulating) write.
import { Tensor } from "../tensor/tensor.js";
import { checkInt, fmtShape, normDim, sizeOf, type Shape } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { apply, defineOp, type OnnxForm } from "./op.js";
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
    shape: (_x, a) => [...a.shape],
    forward: ([x], a, y) => {
      kernel("copyStrided", x!.data)(x!.data, a.offset, a.strides, a.shape, y.data, 0, y.strides, false);
    },
    backward: (g, [x], _y, a) => {
      const gx = emptyLike(g.dtype, x!.shape);
      kernel("copyStrided", g.data)(g.data, 0, g.strides, a.shape, gx.data, a.offset, a.strides, true);
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

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new ShapeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of rank ${x.ndim}`);
  const norm = dims.map((d) => normDim("permute", d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new ValueError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  return apply(permuteOp, [x], { offset: 0, strides: norm.map((d) => x.strides[d]!), shape: norm.map((d) => x.shape[d]!), dims: norm });
}

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

export function clone(x: Tensor): Tensor {
  return apply(cloneOp, [x], { offset: 0, strides: x.strides, shape: x.shape });
}

/** Join tensors along `dim`; all other dims must agree. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError("cat: needs at least one tensor");
  const first = tensors[0]!;
  tensors.forEach((t, k) => {
    if (t.ndim === 0) throw new ShapeError(`cat: tensor ${k} is zero-dimensional and cannot be concatenated; use stack`);
  });
  const d = normDim("cat", dim, first.ndim);
  tensors.forEach((t, k) => {
    if (t.ndim !== first.ndim || t.shape.some((v, i) => i !== d && v !== first.shape[i])) {
      throw new ShapeError(`cat: tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; all dims except dim ${d} must match`);
    }
    if (t.dtype !== first.dtype) throw new DTypeError(`cat: tensor ${k} is ${t.dtype}, tensor 0 is ${first.dtype}; convert one with .to()`);
  });
  const shape = [...first.shape];
  shape[d] = tensors.reduce((n, t) => n + t.shape[d]!, 0);
  const out = emptyLike(first.dtype, shape);
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at * out.strides[d]!);
    kernel("copyStrided", t.data)(t.data, 0, t.strides, t.shape, out.data, at * out.strides[d]!, out.strides, false);
    at += t.shape[d]!;
  }
  if (needsGrad(...tensors)) {
    // a copy: the caller may keep pushing onto its array (DenseNet does), which must not change the tape
    const inputs = [...tensors];
    record(out, "cat", inputs, (g) =>
      inputs.map((t, k) => {
        if (!t.requiresGrad) return null;
        const gt = emptyLike(g.dtype, t.shape);
        kernel("copyStrided", g.data)(g.data, offsets[k]!, g.strides, t.shape, gt.data, 0, gt.strides, false);
        return gt;
      }),
      { dim: d },
    );
  }
  return out;
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
      const c = emptyLike(x.dtype, shape);
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

/** The entries `index` (1-D, integer values, repeats allowed) along `dim`, like torch.index_select.
 *  x: [..., n, ...], index: [k] → [..., k, ...]; the backward sums the gradient of repeated entries. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("indexSelect", dim, x.ndim);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const n = x.shape[d] ?? 1;
  const pos = positions("indexSelect", index, n, d);
  const shape = x.ndim === 0 ? [] : x.shape.map((v, i) => (i === d ? pos.length : v));
  const inner = sizeOf(x.shape.slice(d + 1)), outer = sizeOf(x.shape.slice(0, d));
  // one strided copy per selected entry: the [outer, inner] slab at position p along dim
  const slab = [outer, inner], srcStrides = [n * inner, 1], dstStrides = [pos.length * inner, 1];
  const out = emptyLike(x.dtype, shape);
  const copy = kernel("copyStrided", x.data);
  pos.forEach((p, j) => copy(x.data, p * inner, srcStrides, slab, out.data, j * inner, dstStrides, false));
  if (needsGrad(x)) {
    record(out, "indexSelect", [x], (g) => {
      const gx = emptyLike(g.dtype, x.shape);
      const acc = kernel("copyStrided", g.data);
      pos.forEach((p, j) => acc(g.data, j * inner, dstStrides, slab, gx.data, p * inner, srcStrides, true));
      return [gx];
    }, { dim: d });
  }
  return out;
}

/** out[i₀…i_dim…] = x[i₀…index[i₀…i_dim…]…], like torch.gather. index has x's rank and no dim larger than x's
 *  (except along `dim`); out has index's shape. The backward scatters (adds) the gradient back. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("gather", dim, x.ndim);
  if (index.ndim !== x.ndim) throw new ShapeError(`gather: index ${fmtShape(index.shape)} must have the rank of the input ${fmtShape(x.shape)}`);
  index.shape.forEach((v, i) => {
    if (i !== d && v > x.shape[i]!) {
      throw new ShapeError(`gather: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dim ${i} (only dim ${d} may differ)`);
    }
  });
  if (x.ndim === 0) return indexSelect(x, 0, index.reshape([1])).reshape([]);
  // bring `dim` last and crop the other dims to the index: then it is a row-wise gather of planes
  const last = x.ndim - 1;
  const crop = (t: Tensor): Tensor => index.shape.reduce((r: Tensor, v, i) => (i !== d && v < t.shape[i]! ? slice(r, i, 0, v) : r), t);
  const xs = transpose(crop(x), d, last);
  const idx = transpose(index.detach(), d, last);
  const n = xs.shape[last]!, k = idx.shape[last]!, planes = sizeOf(idx.shape.slice(0, -1));
  const pos = positions("gather", idx, n, d);
  const out = emptyLike(x.dtype, idx.shape);
  kernel("planeGather", xs.data)(xs.data, n, pos, true, planes, k, out.data);
  if (needsGrad(xs)) {
    record(out, "gather", [xs], (g) => {
      const gx = emptyLike(g.dtype, xs.shape);
      kernel("planeScatter", g.data)(g.data, k, pos, true, planes, gx.data, n, true);
      return [gx];
    }, { dim: d });
  }
  return transpose(out, d, last);
}

/** One-hot rows: index [...] of integers in [0, numClasses) → [..., numClasses] of 1/0 (float, no gradient).
 *  numClasses −1 (the default) means max(index) + 1, like torch.nn.functional.one_hot. */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  let c = numClasses;
  if (c === -1) {
    c = 0;
    for (const v of index.data) c = Math.max(c, v + 1);
  }
  checkInt("oneHot", "numClasses", c, 1);
  const pos = positions("oneHot", index, c, -1);
  for (let i = 0; i < pos.length; i++) {
    if (index.data[i]! < 0) throw new ValueError(`oneHot: index ${index.data[i]} is negative; classes are 0..${c - 1}`);
  }
  const out = emptyLike(index.dtype, [...index.shape, c]);
  const ones = emptyLike(index.dtype, [pos.length]).add(1);
  // row p gets a 1 at column pos[p]
  kernel("planeScatter", out.data)(ones.data, 1, pos, true, pos.length, out.data, c, false);
  return out;
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
