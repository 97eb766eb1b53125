// 2-D convolution forward, input gradient and weight gradient on the GPU (Kernels['conv2d'…]), each one implicit
// GEMM per group on the tiled kernel of gemm.ts; the im2col matrix is never stored, its elements are computed from the
// image (or dy) as the GEMM stages its panels, and positions in the padding read as zeros.
//   forward          y[g]  = W[g] [cOutG, cInG·kh·kw]   · im2col(x)[g] [cInG·kh·kw, n·outH·outW]   (+ bias)
//   input gradient   dx[g] = W[g]ᵀ [cInG, cOutG·kh·kw]  · the taps of dy that reach each input [cOutG·kh·kw, n·h·w]
//   weight gradient  dw[g] = dy[g] [cOutG, n·outH·outW] · im2col(x)[g]ᵀ [n·outH·outW, cInG·kh·kw]
// Index conventions as in js/conv.ts: input row of output row oy through tap ky is oy·strideH − padTop + ky·dilationH.
import type { ConvGeometry, FusedActivation } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { paramBlock } from "../wgsl.js";
import { ACTIVATION, ACTIVATION_FNS } from "./elementwise.js";
import { gemm, type GemmSpec } from "./gemm.js";

const PARAMS = paramBlock({
  M: "i32", N: "i32", K: "i32", n: "i32", cIn: "i32", h: "i32", w: "i32", cOut: "i32", kh: "i32", kw: "i32",
  sH: "i32", sW: "i32", pT: "i32", pL: "i32", dH: "i32", dW: "i32", outH: "i32", outW: "i32", cInG: "i32", cOutG: "i32",
  lo: "f32", hi: "f32",
});

type ConvValues = Parameters<typeof PARAMS.pack>[0];

function values(g: ConvGeometry, m: number, n: number, k: number): ConvValues {
  return {
    M: m, N: n, K: k, n: g.n, cIn: g.cIn, h: g.h, w: g.w, cOut: g.cOut, kh: g.kh, kw: g.kw, sH: g.strideH, sW: g.strideW,
    pT: g.padTop, pL: g.padLeft, dH: g.dilationH, dW: g.dilationW, outH: g.outH, outW: g.outW,
    cInG: g.cIn / g.groups, cOutG: g.cOut / g.groups, lo: 0, hi: 0,
  };
}

/** x[img, g·cInG + icg, iy, ix] at output (oy, ox) through tap t = ky·kw + kx, or 0 in the padding. */
const IM2COL = `fn im2col(g: i32, icg: i32, t: i32, img: i32, oy: i32, ox: i32) -> f32 {
  let iy = oy * P.sH - P.pT + (t / P.kw) * P.dH;
  let ix = ox * P.sW - P.pL + (t % P.kw) * P.dW;
  if (iy < 0 || iy >= P.h || ix < 0 || ix >= P.w) { return 0.0; }
  return X[((img * P.cIn + g * P.cInG + icg) * P.h + iy) * P.w + ix];
}`;

const bind = (i: number, name: string, write = false) =>
  `@group(0) @binding(${i}) var<storage, ${write ? "read_write" : "read"}> ${name}: array<f32>;\n`;

/** y = x ⋆ w (+ bias): cross-correlation with stride, padding, dilation and groups; with an epilogue (Kernels.conv2d),
 *  act(scale[oc]·sum + bias[oc] + residual) as each value is stored. */
export function conv2d(
  dev: WebGPUDevice, x: GPUBuffer, w: GPUBuffer, bias: GPUBuffer | null, g: ConvGeometry, y: GPUBuffer,
  scale: GPUBuffer | null = null, act: FusedActivation | null = null, lo = 0, hi = 0, residual: GPUBuffer | null = null,
): void {
  const cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups, taps = g.kh * g.kw;
  const buffers = [x, w, y];
  let decls = bind(1, "X") + bind(2, "Wt") + bind(3, "Y", true);
  if (bias) { decls += bind(buffers.length + 1, "Bias"); buffers.push(bias); }
  if (scale) { decls += bind(buffers.length + 1, "Scale"); buffers.push(scale); }
  if (residual) { decls += bind(buffers.length + 1, "Res"); buffers.push(residual); }
  const spec: GemmSpec = {
    params: PARAMS.wgsl,
    decls,
    fns: `${act ? ACTIVATION_FNS : ""}${IM2COL}
fn loadA(g: i32, row: i32, k: i32) -> f32 { return Wt[(g * P.cOutG + row) * P.K + k]; }
fn loadB(g: i32, k: i32, col: i32) -> f32 {
  let plane = P.outH * P.outW;
  let s = col % plane;
  return im2col(g, k / (P.kh * P.kw), k % (P.kh * P.kw), col / plane, s / P.outW, s % P.outW);
}
fn store(g: i32, row: i32, col: i32, sum: f32) {
  let plane = P.outH * P.outW;
  let oc = g * P.cOutG + row;
  let at = ((col / plane) * P.cOut + oc) * plane + col % plane;
  let v = sum${scale ? " * Scale[oc]" : ""}${bias ? " + Bias[oc]" : ""}${residual ? " + Res[at]" : ""};
  Y[at] = ${act ? ACTIVATION[act] : "v"};
}`,
  };
  const n = g.n * g.outH * g.outW;
  const v = values(g, cOutG, n, cInG * taps);
  if (act === "hardtanh") { v.lo = lo; v.hi = hi; }
  gemm(dev, spec, PARAMS, v, buffers, g.groups, cOutG, n);
}

/** dx = the gradient of Σ y·dy with respect to x: each input gathers the (dy, w) products of the outputs it reached. */
export function conv2dBackwardInput(dev: WebGPUDevice, dy: GPUBuffer, w: GPUBuffer, g: ConvGeometry, dx: GPUBuffer): void {
  const cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups, taps = g.kh * g.kw;
  const spec: GemmSpec = {
    params: PARAMS.wgsl,
    decls: bind(1, "DY") + bind(2, "Wt") + bind(3, "DX", true),
    fns: `fn loadA(g: i32, row: i32, k: i32) -> f32 {
  let taps = P.kh * P.kw;
  return Wt[((g * P.cOutG + k / taps) * P.cInG + row) * taps + k % taps];
}
// dy[img, oc, oy, ox] for the output (oy, ox) that read input (iy, ix) through tap (ky, kx), if there is one
fn loadB(g: i32, k: i32, col: i32) -> f32 {
  let taps = P.kh * P.kw;
  let t = k % taps;
  let plane = P.h * P.w;
  let s = col % plane;
  let ty = s / P.w + P.pT - (t / P.kw) * P.dH;
  let tx = s % P.w + P.pL - (t % P.kw) * P.dW;
  if (ty < 0 || tx < 0 || ty % P.sH != 0 || tx % P.sW != 0) { return 0.0; }
  let oy = ty / P.sH;
  let ox = tx / P.sW;
  if (oy >= P.outH || ox >= P.outW) { return 0.0; }
  return DY[(((col / plane) * P.cOut + g * P.cOutG + k / taps) * P.outH + oy) * P.outW + ox];
}
fn store(g: i32, row: i32, col: i32, v: f32) {
  let plane = P.h * P.w;
  DX[((col / plane) * P.cIn + g * P.cInG + row) * plane + col % plane] = v;
}`,
  };
  const n = g.n * g.h * g.w;
  gemm(dev, spec, PARAMS, values(g, cInG, n, cOutG * taps), [dy, w, dx], g.groups, cInG, n);
}

/** dw = the gradient of Σ y·dy with respect to w: the sum over every image and output position (weight sharing). */
export function conv2dBackwardWeight(dev: WebGPUDevice, x: GPUBuffer, dy: GPUBuffer, g: ConvGeometry, dw: GPUBuffer): void {
  const cInG = g.cIn / g.groups, cOutG = g.cOut / g.groups, taps = g.kh * g.kw;
  const spec: GemmSpec = {
    params: PARAMS.wgsl,
    decls: bind(1, "X") + bind(2, "DY") + bind(3, "DW", true),
    fns: `${IM2COL}
fn loadA(g: i32, row: i32, k: i32) -> f32 {
  let plane = P.outH * P.outW;
  return DY[((k / plane) * P.cOut + g * P.cOutG + row) * plane + k % plane];
}
fn loadB(g: i32, k: i32, col: i32) -> f32 {
  let plane = P.outH * P.outW;
  let s = k % plane;
  let taps = P.kh * P.kw;
  return im2col(g, col / taps, col % taps, k / plane, s / P.outW, s % P.outW);
}
fn store(g: i32, row: i32, col: i32, v: f32) { DW[(g * P.cOutG + row) * P.N + col] = v; }`,
  };
  const k = g.n * g.outH * g.outW;
  gemm(dev, spec, PARAMS, values(g, cOutG, cInG * taps, k), [x, dy, dw], g.groups, cOutG, cInG * taps);
}
