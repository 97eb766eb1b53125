// Bilinear resampling on the GPU (Kernels['bilinear2d'], ['bilinear2dBackward']), with the reference's taps (js/resample.ts,
// after PyTorch 1.13's area_pixel_compute_source_index): the forward is one invocation per output; the backward one
// per input pixel, which gathers the gradient of every output that has it among its taps (so no two invocations
// write one element), with the forward's weights.
import type { WebGPUDevice } from "../device.js";
import { grid, linearMain, paramBlock } from "../wgsl.js";

const PARAMS = paramBlock({
  count: "i32", h: "i32", w: "i32", outH: "i32", outW: "i32", align: "i32", scaleH: "f32", scaleW: "f32", stepH: "f32", stepW: "f32",
});

/** The taps of output o along an axis of `size` inputs: the left one lo = floor(src), the right one hi (lo again at
 *  the last input) and the right one's weight f (the left one's is 1 − f). With alignCorners, src = o·(size − 1)/
 *  (out − 1) in integers (exact, as the reference's double is at the taps); otherwise (o + 0.5)·scale − 0.5, clamped
 *  at 0. */
const TAP = `struct Tap { lo: i32, hi: i32, f: f32 }
fn tap(o: i32, size: i32, out: i32, scale: f32) -> Tap {
  var lo = 0;
  var f = 0.0;
  if (P.align != 0) {
    if (out > 1) {
      let num = o * (size - 1);
      lo = num / (out - 1);
      f = f32(num % (out - 1)) / f32(out - 1);
    }
  } else {
    let src = max((f32(o) + 0.5) * scale - 0.5, 0.0);
    lo = min(i32(floor(src)), size - 1);
    f = clamp(src - f32(lo), 0.0, 1.0);
  }
  return Tap(lo, select(lo, lo + 1, lo < size - 1), f);
}
`;

function values(count: number, h: number, w: number, outH: number, outW: number, alignCorners: boolean, scaleH: number, scaleW: number) {
  // source pixels per output pixel along each axis (the backward's search for the outputs that read an input)
  const step = (size: number, out: number, scale: number) => (alignCorners ? (out > 1 ? (size - 1) / (out - 1) : 0) : scale);
  return PARAMS.pack({
    count, h, w, outH, outW, align: +alignCorners, scaleH, scaleW, stepH: step(h, outH, scaleH), stepW: step(w, outW, scaleW),
  });
}

/** Bilinear interpolation of each [h,w] plane of x to [outH,outW] (see Kernels['bilinear2d']). */
export function bilinear2d(
  dev: WebGPUDevice, x: GPUBuffer, planes: number, h: number, w: number, outH: number, outW: number, alignCorners: boolean,
  scaleH: number, scaleW: number, y: GPUBuffer,
): void {
  const count = planes * outH * outW;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}${TAP}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.outH * P.outW;
  let r = tap((i % plane) / P.outW, P.h, P.outH, P.scaleH);
  let c = tap(i % P.outW, P.w, P.outW, P.scaleW);
  let base = (i / plane) * P.h * P.w;
  let top = base + r.lo * P.w;
  let bottom = base + r.hi * P.w;
  let wl = 1.0 - c.f;
  Y[i] = (1.0 - r.f) * (wl * X[top + c.lo] + c.f * X[top + c.hi]) + r.f * (wl * X[bottom + c.lo] + c.f * X[bottom + c.hi]);
}`;
  dev.dispatch(code, values(count, h, w, outH, outW, alignCorners, scaleH, scaleW), [x, y], grid(count));
}

/** The gradient of bilinear2d: dx[i] = Σ dy[o]·(the weight of input i in output o) over the outputs o that read i. */
export function bilinear2dBackward(
  dev: WebGPUDevice, dy: GPUBuffer, planes: number, h: number, w: number, outH: number, outW: number, alignCorners: boolean,
  scaleH: number, scaleW: number, dx: GPUBuffer,
): void {
  const count = planes * h * w;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}${TAP}
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
// the outputs [o0, o1) that may read input i along an axis: src(o) = (o + off)·step − off rises with o, and o
// reads i only where i − 1 ≤ src(o) < i + 1 (any src(o) ≥ i at the last input; src clamped to 0 below input 2);
// widened by one each side for float32 rounding; the taps are checked exactly in the loop
fn outputs(i: i32, size: i32, out: i32, step: f32) -> vec2<i32> {
  if (step <= 0.0) { return vec2<i32>(0, out); }
  let off = select(0.5, 0.0, P.align != 0);
  var o0 = i32(floor((f32(i - 1) + off) / step - off)) - 1;
  var o1 = i32(ceil((f32(i + 1) + off) / step - off)) + 2;
  if (i <= 1) { o0 = 0; }
  if (i == size - 1) { o1 = out; }
  return vec2<i32>(max(o0, 0), min(o1, out));
}
// the weight of input i in the taps t (both taps when they are the same input, at the last one)
fn weight(t: Tap, i: i32) -> f32 { return select(0.0, 1.0 - t.f, t.lo == i) + select(0.0, t.f, t.hi == i); }
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.h * P.w;
  let iy = (i % plane) / P.w;
  let ix = i % P.w;
  let base = (i / plane) * P.outH * P.outW;
  let rows = outputs(iy, P.h, P.outH, P.stepH);
  let cols = outputs(ix, P.w, P.outW, P.stepW);
  var acc = 0.0;
  for (var oy = rows.x; oy < rows.y; oy++) {
    let r = tap(oy, P.h, P.outH, P.scaleH);
    if (r.lo != iy && r.hi != iy) { continue; }
    let wy = weight(r, iy);
    for (var ox = cols.x; ox < cols.y; ox++) {
      let c = tap(ox, P.w, P.outW, P.scaleW);
      if (c.lo != ix && c.hi != ix) { continue; }
      acc += wy * weight(c, ix) * DY[base + oy * P.outW + ox];
    }
  }
  DX[i] = acc;
}`;
  dev.dispatch(code, values(count, h, w, outH, outW, alignCorners, scaleH, scaleW), [dy, dx], grid(count));
}
