// Batch norm's kernels on the GPU (Kernels['channelMoments'], ['channelAffine'], ['channelNormBackward']) over x
// viewed as [n, c, hw]. The per-channel sums run one workgroup per channel: its threads stride the channel's n·hw
// values, then add their partial sums as a tree in workgroup memory; the mean is known to every thread after that, so
// the variance's second pass (squared deviations, as the reference computes it: no Σx² − (Σx)²/n cancellation) and
// the backward's input gradient run in the same dispatch. Sums are float32 (the reference's are doubles).
import type { WebGPUDevice } from "../device.js";
import type { FusedActivation } from "../../backend.js";
import { grid, linearMain, paramBlock } from "../wgsl.js";
import { ACTIVATION, ACTIVATION_FNS } from "./elementwise.js";

const PARAMS = paramBlock({ n: "i32", c: "i32", hw: "i32", count: "i32" });
const TREE = 256;

/** The workgroup-per-channel frame: `ch`, `t`, and sum(v) adding v over the workgroup (every thread gets the total). */
function channelShader(decls: string, body: string): string {
  return `${PARAMS.wgsl}${decls}
var<workgroup> part: array<f32, ${TREE}>;
var<private> t: i32;
fn sum(v: f32) -> f32 {
  workgroupBarrier();
  part[t] = v;
  workgroupBarrier();
  for (var step = ${TREE / 2}; step > 0; step /= 2) {
    if (t < step) { part[t] += part[t + step]; }
    workgroupBarrier();
  }
  return part[0];
}
// element e (0 … n·hw − 1) of channel ch
fn at(ch: i32, e: i32) -> i32 { return ((e / P.hw) * P.c + ch) * P.hw + e % P.hw; }
@compute @workgroup_size(${TREE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = i32(wid.y * nwg.x + wid.x);
  t = i32(lid);
  let live = ch < P.c;
  let total = P.n * P.hw;
${body}
}`;
}

const bind = (i: number, name: string, write = false) =>
  `@group(0) @binding(${i}) var<storage, ${write ? "read_write" : "read"}> ${name}: array<f32>;\n`;

/** Per-channel mean and biased variance of x:[n,c,hw] (NaN for an empty channel, as the reference). */
export function channelMoments(dev: WebGPUDevice, x: GPUBuffer, n: number, c: number, hw: number, mean: GPUBuffer, variance: GPUBuffer): void {
  if (c === 0) return;
  const code = channelShader(bind(1, "X") + bind(2, "Mean", true) + bind(3, "Var", true), `
  var s = 0.0;
  if (live) { for (var e = t; e < total; e += ${TREE}) { s += X[at(ch, e)]; } }
  let m = sum(s) / f32(total);
  var q = 0.0;
  if (live) { for (var e = t; e < total; e += ${TREE}) { let d = X[at(ch, e)] - m; q += d * d; } }
  let v = sum(q) / f32(total);
  if (live && t == 0) { Mean[ch] = m; Var[ch] = v; }`);
  dev.dispatch(code, PARAMS.pack({ n, c, hw, count: n * hw }), [x, mean, variance], grid(c, 1));
}

const AFFINE_PARAMS = paramBlock({ n: "i32", c: "i32", hw: "i32", count: "i32", lo: "f32", hi: "f32" });

/** y = act((x − mean[c])·invStd[c]·weight[c] + bias[c]) over x:[n,c,hw] (the activation kernel's expression; lo, hi:
 *  hardtanh's bounds; act null: none); a null weight is 1, a null bias 0. */
export function channelAffine(
  dev: WebGPUDevice, x: GPUBuffer, n: number, c: number, hw: number, mean: GPUBuffer, invStd: GPUBuffer,
  weight: GPUBuffer | null, bias: GPUBuffer | null, y: GPUBuffer, act: FusedActivation | null, lo: number, hi: number,
): void {
  const count = n * c * hw;
  if (count === 0) return;
  const buffers = [x, mean, invStd, y];
  let decls = bind(1, "X") + bind(2, "Mean") + bind(3, "InvStd") + bind(4, "Y", true);
  if (weight) { decls += bind(buffers.length + 1, "Wt"); buffers.push(weight); }
  if (bias) { decls += bind(buffers.length + 1, "Bias"); buffers.push(bias); }
  const code = `${AFFINE_PARAMS.wgsl}${act ? ACTIVATION_FNS : ""}${decls}
${linearMain()}
  if (i >= P.count) { return; }
  let ch = (i / P.hw) % P.c;
  // x − mean first: exact for x near the mean, where x·scale − mean·scale would cancel in float32 (the reference
  // folds the two, in doubles)
  let v = (X[i] - Mean[ch]) * InvStd[ch]${weight ? " * Wt[ch]" : ""}${bias ? " + Bias[ch]" : ""};
  Y[i] = ${act ? ACTIVATION[act] : "v"};
}`;
  dev.dispatch(code, AFFINE_PARAMS.pack({ n, c, hw, count, lo: act === "hardtanh" ? lo : 0, hi: act === "hardtanh" ? hi : 0 }), buffers, grid(count));
}

/** Batch norm's backward (see Kernels['channelNormBackward']): sumG = Σg, sumGXhat = Σg·x̂ per channel, and, when dx
 *  is given, dx = γ·invStd·(g − sumG/count − x̂·sumGXhat/count) in training, γ·invStd·g otherwise. */
export function channelNormBackward(
  dev: WebGPUDevice, x: GPUBuffer, g: GPUBuffer, n: number, c: number, hw: number, mean: GPUBuffer, invStd: GPUBuffer,
  weight: GPUBuffer | null, training: boolean, dx: GPUBuffer | null, sumG: GPUBuffer, sumGXhat: GPUBuffer,
): void {
  if (c === 0) return;
  const buffers = [x, g, mean, invStd, sumG, sumGXhat];
  let decls = bind(1, "X") + bind(2, "G") + bind(3, "Mean") + bind(4, "InvStd") + bind(5, "SumG", true) + bind(6, "SumGX", true);
  // the weight scales dx only (a binding the shader does not read would not be in its layout)
  if (weight && dx) { decls += bind(buffers.length + 1, "Wt"); buffers.push(weight); }
  if (dx) { decls += bind(buffers.length + 1, "DX", true); buffers.push(dx); }
  const dxBody = !dx ? "" : `
  let scale = ${weight ? "Wt[ch] * " : ""}is;
  if (live) {
    for (var e = t; e < total; e += ${TREE}) {
      let j = at(ch, e);
      DX[j] = ${training ? "scale * (G[j] - sg / f32(total) - (X[j] - m) * is * sgx / f32(total))" : "scale * G[j]"};
    }
  }`;
  const code = channelShader(decls, `
  var m = 0.0;
  var is = 0.0;
  if (live) { m = Mean[ch]; is = InvStd[ch]; }
  var a = 0.0;
  var b = 0.0;
  if (live) {
    for (var e = t; e < total; e += ${TREE}) {
      let j = at(ch, e);
      a += G[j];
      b += G[j] * ((X[j] - m) * is);
    }
  }
  let sg = sum(a);
  let sgx = sum(b);
  if (live && t == 0) { SumG[ch] = sg; SumGX[ch] = sgx; }${dxBody}`);
  dev.dispatch(code, PARAMS.pack({ n, c, hw, count: n * hw }), buffers, grid(c, 1));
}
