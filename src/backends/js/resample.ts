// Reference resampling kernels: bilinear interpolation of each [h,w] plane and its gradient.
// Coordinates follow PyTorch 1.13 (area_pixel_compute_source_index in UpSample.h).
import type { HostKernels } from "../backend.js";

/** The two source taps and their weights for each output coordinate along one axis.
 *  alignCorners: src = o·(in−1)/(out−1) (corner pixels' centres coincide);
 *  otherwise src = (o + 0.5)·scale − 0.5, clamped at 0 (pixel areas align), where scale = source pixels per
 *  output pixel (in/out, or 1/scaleFactor when the user gave one). The left tap is floor(src), the right tap the
 *  next pixel unless that would leave the input; the weights are the distances to the opposite tap. */
function linearTaps(size: number, out: number, alignCorners: boolean, scale: number) {
  const lo = new Int32Array(out), hi = new Int32Array(out);
  const wLo = new Float64Array(out), wHi = new Float64Array(out);
  const step = alignCorners ? (out > 1 ? (size - 1) / (out - 1) : 0) : scale;
  for (let o = 0; o < out; o++) {
    const src = alignCorners ? o * step : Math.max((o + 0.5) * step - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    const frac = Math.min(Math.max(src - i0, 0), 1);
    lo[o] = i0;
    hi[o] = i0 < size - 1 ? i0 + 1 : i0;
    wLo[o] = 1 - frac;
    wHi[o] = frac;
  }
  return { lo, hi, wLo, wHi };
}

export const resampleKernels: Pick<HostKernels, "bilinear2d" | "bilinear2dBackward"> = {
  bilinear2d(x, planes, h, w, outH, outW, alignCorners, scaleH, scaleW, y) {
    const r = linearTaps(h, outH, alignCorners, scaleH);
    const c = linearTaps(w, outW, alignCorners, scaleW);
    const inPlane = h * w, outPlane = outH * outW;
    for (let p = 0; p < planes; p++) {
      const xp = p * inPlane, yp = p * outPlane;
      for (let oh = 0; oh < outH; oh++) {
        const top = xp + r.lo[oh]! * w, bottom = xp + r.hi[oh]! * w; // start of the two source rows
        const wt = r.wLo[oh]!, wb = r.wHi[oh]!;
        const yr = yp + oh * outW;
        for (let ow = 0; ow < outW; ow++) {
          const left = c.lo[ow]!, right = c.hi[ow]!, wl = c.wLo[ow]!, wr = c.wHi[ow]!;
          y[yr + ow] = wt * (wl * x[top + left]! + wr * x[top + right]!) + wb * (wl * x[bottom + left]! + wr * x[bottom + right]!);
        }
      }
    }
  },

  bilinear2dBackward(dy, planes, h, w, outH, outW, alignCorners, scaleH, scaleW, dx) {
    // The transpose of the forward: each output's gradient goes back to its four taps with the same weights.
    const r = linearTaps(h, outH, alignCorners, scaleH);
    const c = linearTaps(w, outW, alignCorners, scaleW);
    const inPlane = h * w, outPlane = outH * outW;
    dx.fill(0);
    for (let p = 0; p < planes; p++) {
      const xp = p * inPlane, yp = p * outPlane;
      for (let oh = 0; oh < outH; oh++) {
        const top = xp + r.lo[oh]! * w, bottom = xp + r.hi[oh]! * w;
        const wt = r.wLo[oh]!, wb = r.wHi[oh]!;
        const yr = yp + oh * outW;
        for (let ow = 0; ow < outW; ow++) {
          const left = c.lo[ow]!, right = c.hi[ow]!, wl = c.wLo[ow]!, wr = c.wHi[ow]!;
          const g = dy[yr + ow]!;
          dx[top + left] += wt * wl * g;
          dx[top + right] += wt * wr * g;
          dx[bottom + left] += wb * wl * g;
          dx[bottom + right] += wb * wr * g;
        }
      }
    }
  },
};
