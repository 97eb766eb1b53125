// Reference kernels that move data: fill, strided copy (permute/slice/expand/cat), plane gather and scatter, indices
// to and from a tensor's values, and the dim-coalescing helper the strided kernels share.
import type { HostKernels } from "../backend.js";
import { ValueError } from "../../errors.js";

/** A strided walk simplified: size-1 dims dropped, and neighbouring dims merged where every operand steps through
 *  them back to back (stride[d] = stride[d+1]·shape[d+1]), e.g. the H and W of an NCHW tensor plus a [1,C,1,1] bias.
 *  Fewer, longer dims mean fewer odometer steps and longer innermost loops. Always returns rank ≥ 1. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const ops = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let k = 0; k < ops; k++) outStrides.push([]);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    // dim `last` (outer) and d (inner) merge if, for every operand, one step of `last` equals n steps of d
    let merge = last >= 0;
    for (let k = 0; k < ops && merge; k++) merge = outStrides[k]![last] === strides[k]![d]! * n;
    if (merge) {
      outShape[last] = outShape[last]! * n;
      for (let k = 0; k < ops; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(n);
      for (let k = 0; k < ops; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let k = 0; k < ops; k++) outStrides[k]!.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

export const memoryKernels: Pick<HostKernels, "fill" | "copyStrided" | "planeGather" | "planeScatter" | "indexToValues" | "valuesToIndex"> = {
  fill(y, value) {
    y.fill(value);
  },

  copyStrided(src, srcOffset, srcStrides, shape, dst, dstOffset, dstStrides, accumulate) {
    for (const d of shape) if (d === 0) return;
    const c = coalesce(shape, [srcStrides, dstStrides]);
    const dims = c.shape, sStr = c.strides[0]!, dStr = c.strides[1]!;
    const rank = dims.length;
    const inner = dims[rank - 1]!;
    const ss = sStr[rank - 1]!;
    const ds = dStr[rank - 1]!;
    // one contiguous run: a block copy
    if (rank === 1 && ss === 1 && ds === 1 && !accumulate) {
      dst.set(src.subarray(srcOffset, srcOffset + inner), dstOffset);
      return;
    }
    let total = 1;
    for (const d of dims) total *= d;
    // Walk the outer dims like an odometer; the innermost dim runs as a tight loop.
    const idx = new Array<number>(rank).fill(0);
    let si = srcOffset;
    let di = dstOffset;
    // contiguous runs of a plane or more (a channel shuffle's, a cat's, a slice of channels'): a native block copy
    // each, ~5× the element loop's speed on a wasm backend's memory
    const blocks = ss === 1 && ds === 1 && !accumulate && inner >= 64;
    for (let done = 0; done < total; done += inner) {
      if (blocks) {
        dst.set(src.subarray(si, si + inner), di);
      } else if (accumulate) {
        for (let i = 0; i < inner; i++) dst[di + i * ds] += src[si + i * ss]!;
      } else if (ss === 1 && ds === 1) {
        for (let i = 0; i < inner; i++) dst[di + i] = src[si + i]!;
      } else {
        for (let i = 0; i < inner; i++) dst[di + i * ds] = src[si + i * ss]!;
      }
      // advance the outer dims: step dim d, and when it wraps, rewind it and carry into d-1
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        si += sStr[d]!;
        di += dStr[d]!;
        if (idx[d]! < dims[d]!) break;
        si -= sStr[d]! * dims[d]!;
        di -= dStr[d]! * dims[d]!;
        idx[d] = 0;
      }
    }
  },

  indexToValues(index, y) {
    y.set(index);
  },

  valuesToIndex(x, limit, index, describe) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= limit) throw new ValueError(describe(v, i));
      index[i] = v;
    }
  },

  planeGather(src, srcPlane, index, perPlane, planes, outPlane, dst) {
    for (let p = 0; p < planes; p++) {
      const s = p * srcPlane;
      const o = p * outPlane;
      const ib = perPlane ? o : 0;
      for (let i = 0; i < outPlane; i++) dst[o + i] = src[s + index[ib + i]!]!;
    }
  },

  planeScatter(src, srcPlane, index, perPlane, planes, dst, dstPlane, accumulate) {
    for (let p = 0; p < planes; p++) {
      const s = p * srcPlane;
      const o = p * dstPlane;
      const ib = perPlane ? s : 0;
      if (accumulate) for (let i = 0; i < srcPlane; i++) dst[o + index[ib + i]!] += src[s + i]!;
      else for (let i = 0; i < srcPlane; i++) dst[o + index[ib + i]!] = src[s + i]!;
    }
  },
};
