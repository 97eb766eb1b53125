// Reference kernels that move data: fill, strided copy (permute/slice/expand/cat), plane gather and scatter.
import type { Kernels } from "../backend.js";

export const memoryKernels: Pick<Kernels, "fill" | "copyStrided" | "planeGather" | "planeScatter"> = {
  fill(y, value) {
    y.fill(value);
  },

  copyStrided(src, srcOffset, srcStrides, shape, dst, dstOffset, dstStrides, accumulate) {
    const rank = shape.length;
    let total = 1;
    for (const d of shape) total *= d;
    if (total === 0) return;
    if (rank === 0) {
      dst[dstOffset] = accumulate ? dst[dstOffset]! + src[srcOffset]! : src[srcOffset]!;
      return;
    }
    // Walk the index like an odometer; the innermost dim runs as a tight loop.
    const idx = new Array<number>(rank).fill(0);
    const inner = shape[rank - 1]!;
    const ss = srcStrides[rank - 1]!;
    const ds = dstStrides[rank - 1]!;
    let si = srcOffset;
    let di = dstOffset;
    for (let done = 0; done < total; done += inner) {
      if (accumulate) for (let i = 0; i < inner; i++) dst[di + i * ds] += src[si + i * ss]!;
      else for (let i = 0; i < inner; i++) dst[di + i * ds] = src[si + i * ss]!;
      // advance the outer dims
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        si += srcStrides[d]!;
        di += dstStrides[d]!;
        if (idx[d]! < shape[d]!) break;
        si -= srcStrides[d]! * shape[d]!;
        di -= dstStrides[d]! * shape[d]!;
        idx[d] = 0;
      }
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
