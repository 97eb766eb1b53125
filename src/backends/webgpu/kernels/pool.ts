// Pooling on the GPU (Kernels['pool2d'], ['avgPool2dBackward'], ['adaptivePool2d'], ['adaptiveAvgPool2dBackward']): one
// invocation per output (forward) or per input (average pooling's gradients, gathered from the windows that cover it,
// so no two invocations write one element).
// The rules are the reference's (js/pool.ts, after PyTorch 1.13): a window's real taps are the contiguous range of
// taps inside the input; max/min take the first strict extremum (a NaN always takes over) and record its flat index
// ih·w + iw in the plane; avg divides by the window clipped to the padded input (countIncludePad), to the real input,
// or by the fixed override.
import type { AvgPoolOptions, PoolGeometry, PoolMode } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { MATH, grid, linearMain, paramBlock } from "../wgsl.js";

const PARAMS = paramBlock({
  count: "i32", h: "i32", w: "i32", kh: "i32", kw: "i32", sH: "i32", sW: "i32", pT: "i32", pL: "i32", dH: "i32", dW: "i32",
  outH: "i32", outW: "i32", includePad: "i32", divisor: "f32",
});

function values(g: PoolGeometry, count: number, avg: AvgPoolOptions | null) {
  return {
    count, h: g.h, w: g.w, kh: g.kh, kw: g.kw, sH: g.strideH, sW: g.strideW, pT: g.padTop, pL: g.padLeft,
    dH: g.dilationH, dW: g.dilationW, outH: g.outH, outW: g.outW,
    includePad: avg?.countIncludePad ? 1 : 0, divisor: avg?.divisorOverride ?? 0,
  };
}

/** The taps [first, end) of one window axis starting at input coordinate `start` whose coordinate lies in [0, limit),
 *  and the average's divisor of an output (oy, ox). */
const WINDOW = `fn taps(start: i32, k: i32, d: i32, limit: i32) -> vec2<i32> {
  var first = 0;
  while (first < k && start + first * d < 0) { first++; }
  var end = first;
  while (end < k && start + end * d < limit) { end++; }
  return vec2<i32>(first, end);
}
fn divisor(oy: i32, ox: i32) -> f32 {
  if (P.divisor != 0.0) { return P.divisor; }
  let y0 = oy * P.sH - P.pT;
  let x0 = ox * P.sW - P.pL;
  if (P.includePad != 0) {
    return f32(taps(y0, P.kh, P.dH, P.h + P.pT).y * taps(x0, P.kw, P.dW, P.w + P.pL).y);
  }
  let r = taps(y0, P.kh, P.dH, P.h);
  let c = taps(x0, P.kw, P.dW, P.w);
  return f32((r.y - r.x) * (c.y - c.x));
}
`;

/** Max/min/avg pooling of every [h,w] plane; for max/min, `indices` (if given) receives each output's flat index. */
export function pool2d(
  dev: WebGPUDevice, mode: PoolMode, x: GPUBuffer, g: PoolGeometry, avg: AvgPoolOptions, y: GPUBuffer, indices: GPUBuffer | null,
): void {
  const count = g.n * g.c * g.outH * g.outW;
  if (count === 0) return;
  const better = mode === "max" ? "v > best" : "v < best";
  const body = mode === "avg"
    ? `var total = 0.0;
  for (var a = r.x; a < r.y; a++) {
    for (var b = c.x; b < c.y; b++) { total += X[base + (y0 + a * P.dH) * P.w + x0 + b * P.dW]; }
  }
  Y[i] = select(0.0, total / divisor(oy, ox), r.x < r.y && c.x < c.y);`
    : `var best = ${mode === "max" ? "-inf()" : "inf()"};
  var at = (y0 + r.x * P.dH) * P.w + x0 + c.x * P.dW;
  for (var a = r.x; a < r.y; a++) {
    for (var b = c.x; b < c.y; b++) {
      let idx = (y0 + a * P.dH) * P.w + x0 + b * P.dW;
      let v = X[base + idx];
      if (${better} || isNan(v)) { best = v; at = idx; }
    }
  }
  Y[i] = best;${indices ? "\n  I[i] = at;" : ""}`;
  const code = `${PARAMS.wgsl}${MATH}${WINDOW}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${indices ? "@group(0) @binding(3) var<storage, read_write> I: array<i32>;" : ""}
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.outH * P.outW;
  let s = i % plane;
  let oy = s / P.outW;
  let ox = s % P.outW;
  let base = (i / plane) * P.h * P.w;
  let y0 = oy * P.sH - P.pT;
  let x0 = ox * P.sW - P.pL;
  let r = taps(y0, P.kh, P.dH, P.h);
  let c = taps(x0, P.kw, P.dW, P.w);
  ${body}
}`;
  dev.dispatch(code, PARAMS.pack(values(g, count, avg)), indices ? [x, y, indices] : [x, y], grid(count));
}

/** Average pooling's gradient: each input gathers dy/divisor from every window that covers it. */
export function avgPool2dBackward(dev: WebGPUDevice, dy: GPUBuffer, g: PoolGeometry, avg: AvgPoolOptions, dx: GPUBuffer): void {
  const count = g.n * g.c * g.h * g.w;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}${WINDOW}
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.h * P.w;
  let s = i % plane;
  let iy = s / P.w;
  let ix = s % P.w;
  let base = (i / plane) * P.outH * P.outW;
  var acc = 0.0;
  // the windows whose tap (a, b) lands on (iy, ix): oy·stride − pad + a·dilation = iy
  for (var a = 0; a < P.kh; a++) {
    let ty = iy + P.pT - a * P.dH;
    if (ty < 0 || ty % P.sH != 0 || ty / P.sH >= P.outH) { continue; }
    let oy = ty / P.sH;
    for (var b = 0; b < P.kw; b++) {
      let tx = ix + P.pL - b * P.dW;
      if (tx < 0 || tx % P.sW != 0 || tx / P.sW >= P.outW) { continue; }
      let ox = tx / P.sW;
      acc += DY[base + oy * P.outW + ox] / divisor(oy, ox);
    }
  }
  DX[i] = acc;
}`;
  dev.dispatch(code, PARAMS.pack(values(g, count, avg)), [dy, dx], grid(count));
}

const ADAPTIVE = paramBlock({ count: "i32", h: "i32", w: "i32", outH: "i32", outW: "i32" });

/** Adaptive window o of `out` over `size` inputs: [floor(o·size/out), ceil((o + 1)·size/out)), in integers. */
const ADAPTIVE_WINDOW = `fn wstart(o: i32, size: i32, out: i32) -> i32 { return (o * size) / out; }
fn wend(o: i32, size: i32, out: i32) -> i32 { return ((o + 1) * size + out - 1) / out; }
`;

/** Adaptive max or average pooling of every [h,w] plane to [outH,outW]; for max, `indices` (if given) receives each
 *  output's flat index ih·w + iw in its plane (the first maximum; a NaN takes over, as in pool2d). */
export function adaptivePool2d(
  dev: WebGPUDevice, mode: "max" | "avg", x: GPUBuffer, planes: number, h: number, w: number, outH: number, outW: number,
  y: GPUBuffer, indices: GPUBuffer | null,
): void {
  const count = planes * outH * outW;
  if (count === 0) return;
  const withIndices = mode === "max" && indices !== null;
  const body = mode === "avg"
    ? `var total = 0.0;
  for (var a = r0; a < r1; a++) {
    for (var b = c0; b < c1; b++) { total += X[base + a * P.w + b]; }
  }
  Y[i] = total / f32((r1 - r0) * (c1 - c0));`
    : `var best = -inf();
  var at = r0 * P.w + c0;
  for (var a = r0; a < r1; a++) {
    for (var b = c0; b < c1; b++) {
      let v = X[base + a * P.w + b];
      if (v > best || isNan(v)) { best = v; at = a * P.w + b; }
    }
  }
  Y[i] = best;${withIndices ? "\n  I[i] = at;" : ""}`;
  const code = `${ADAPTIVE.wgsl}${MATH}${ADAPTIVE_WINDOW}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${withIndices ? "@group(0) @binding(3) var<storage, read_write> I: array<i32>;" : ""}
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.outH * P.outW;
  let oy = (i % plane) / P.outW;
  let ox = i % P.outW;
  let base = (i / plane) * P.h * P.w;
  let r0 = wstart(oy, P.h, P.outH);
  let r1 = wend(oy, P.h, P.outH);
  let c0 = wstart(ox, P.w, P.outW);
  let c1 = wend(ox, P.w, P.outW);
  ${body}
}`;
  dev.dispatch(code, ADAPTIVE.pack({ count, h, w, outH, outW }), withIndices ? [x, y, indices] : [x, y], grid(count));
}

/** Adaptive average pooling's gradient: each input gathers dy/window size from the (one or two per axis) windows
 *  that cover it. */
export function adaptiveAvgPool2dBackward(
  dev: WebGPUDevice, dy: GPUBuffer, planes: number, h: number, w: number, outH: number, outW: number, dx: GPUBuffer,
): void {
  const count = planes * h * w;
  if (count === 0) return;
  const code = `${ADAPTIVE.wgsl}${ADAPTIVE_WINDOW}
@group(0) @binding(1) var<storage, read> DY: array<f32>;
@group(0) @binding(2) var<storage, read_write> DX: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let plane = P.h * P.w;
  let iy = (i % plane) / P.w;
  let ix = i % P.w;
  let base = (i / plane) * P.outH * P.outW;
  var acc = 0.0;
  // windows o with wstart(o) ≤ i < wend(o) are those from floor(i·out/size) to ceil((i + 1)·out/size) − 1
  for (var oy = (iy * P.outH) / P.h; oy < min(((iy + 1) * P.outH + P.h - 1) / P.h, P.outH); oy++) {
    let r0 = wstart(oy, P.h, P.outH);
    let r1 = wend(oy, P.h, P.outH);
    if (iy < r0 || iy >= r1) { continue; }
    for (var ox = (ix * P.outW) / P.w; ox < min(((ix + 1) * P.outW + P.w - 1) / P.w, P.outW); ox++) {
      let c0 = wstart(ox, P.w, P.outW);
      let c1 = wend(ox, P.w, P.outW);
      if (ix < c0 || ix >= c1) { continue; }
      acc += DY[base + oy * P.outW + ox] / f32((r1 - r0) * (c1 - c0));
    }
  }
  DX[i] = acc;
}`;
  dev.dispatch(code, ADAPTIVE.pack({ count, h, w, outH, outW }), [dy, dx], grid(count));
}
