// Pooling on the GPU (Kernels['pool2d'], ['avgPool2dBackward']): one invocation per output (forward) or per input
// (average pooling's gradient, gathered from the windows that cover it, so no two invocations write one element).
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
      if (${better} || v != v) { best = v; at = idx; }
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
