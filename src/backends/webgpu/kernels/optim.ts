// The optimizers' updates on the GPU (Kernels['sgdStep'], ['adamStep'], ['rmspropStep']): one invocation per element of
// the parameter, in place, the reference's steps (js/optim.ts) in float32 (the reference computes each element in
// double). The factors 1 − dampening, 1 − β1, 1 − β2 and 1 − α are formed in double here and passed as float32; the choices that change
// from step to step (SGD's first step) are parameters, so a training run compiles each pipeline once.
import type { AdamStepParams, RmspropStepParams, SgdStepParams } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { grid, linearMain, paramBlock } from "../wgsl.js";

const SGD = paramBlock({ count: "i32", lr: "f32", momentum: "f32", keep: "f32", weightDecay: "f32", nesterov: "i32", first: "i32" });

/** SGD's update of x by its gradient g: d = g + weightDecay·x; with a momentum buffer, buf = first ? d :
 *  momentum·buf + (1 − dampening)·d and x −= lr·(nesterov ? d + momentum·buf : buf); without (buf null), x −= lr·d. */
export function sgdStep(dev: WebGPUDevice, x: GPUBuffer, g: GPUBuffer, buf: GPUBuffer | null, p: SgdStepParams): void {
  const count = dev.lengthOf(x);
  if (count === 0) return;
  const body = buf
    ? `let d = G[i] + P.weightDecay * v;
  var b = d;
  if (P.first == 0) { b = P.momentum * B[i] + P.keep * d; }
  B[i] = b;
  X[i] = v - P.lr * select(b, d + P.momentum * b, P.nesterov != 0);`
    : "X[i] = v - P.lr * (G[i] + P.weightDecay * v);";
  const code = `${SGD.wgsl}
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
${buf ? "@group(0) @binding(3) var<storage, read_write> B: array<f32>;" : ""}
${linearMain()}
  if (i >= P.count) { return; }
  let v = X[i];
  ${body}
}`;
  const values = SGD.pack({
    count, lr: p.lr, momentum: p.momentum, keep: 1 - p.dampening, weightDecay: p.weightDecay, nesterov: +p.nesterov, first: +p.first,
  });
  dev.dispatch(code, values, buf ? [x, g, buf] : [x, g], grid(count));
}

const ADAM = paramBlock({
  count: "i32", beta1: "f32", beta2: "f32", keep1: "f32", keep2: "f32", eps: "f32", weightDecay: "f32", decoupled: "i32",
  decay: "f32", stepSize: "f32", bc2Sqrt: "f32",
});

/** Adam's update (AdamW's when decoupled) of x by its gradient g, with the moments m, v and, for amsgrad, the running
 *  maximum vmax of v (see Kernels['adamStep']). */
export function adamStep(dev: WebGPUDevice, x: GPUBuffer, g: GPUBuffer, m: GPUBuffer, v: GPUBuffer, vmax: GPUBuffer | null, p: AdamStepParams): void {
  const count = dev.lengthOf(x);
  if (count === 0) return;
  const code = `${ADAM.wgsl}
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> M: array<f32>;
@group(0) @binding(4) var<storage, read_write> V: array<f32>;
${vmax ? "@group(0) @binding(5) var<storage, read_write> VMax: array<f32>;" : ""}
${linearMain()}
  if (i >= P.count) { return; }
  var x = X[i];
  var g = G[i];
  if (P.decoupled != 0) { x = x * P.decay; } else { g = g + P.weightDecay * x; }
  let m = P.beta1 * M[i] + P.keep1 * g;
  let v = P.beta2 * V[i] + P.keep2 * g * g;
  M[i] = m;
  V[i] = v;
  ${vmax ? "let second = max(VMax[i], v);\n  VMax[i] = second;" : "let second = v;"}
  X[i] = x - P.stepSize * m / (sqrt(second) / P.bc2Sqrt + P.eps);
}`;
  const values = ADAM.pack({
    count, beta1: p.beta1, beta2: p.beta2, keep1: 1 - p.beta1, keep2: 1 - p.beta2, eps: p.eps, weightDecay: p.weightDecay,
    decoupled: +p.decoupled, decay: p.decay, stepSize: p.stepSize, bc2Sqrt: p.bc2Sqrt,
  });
  dev.dispatch(code, values, vmax ? [x, g, m, v, vmax] : [x, g, m, v], grid(count));
}

const RMSPROP = paramBlock({ count: "i32", lr: "f32", alpha: "f32", keep: "f32", eps: "f32", weightDecay: "f32", momentum: "f32" });

/** RMSprop's update of x by its gradient g, with the running mean v of g², and, when given, the running mean m of g
 *  (centered) and the momentum buffer buf (see Kernels['rmspropStep']). */
export function rmspropStep(dev: WebGPUDevice, x: GPUBuffer, g: GPUBuffer, v: GPUBuffer, m: GPUBuffer | null, buf: GPUBuffer | null, p: RmspropStepParams): void {
  const count = dev.lengthOf(x);
  if (count === 0) return;
  const bound = [x, g, v, ...(m ? [m] : []), ...(buf ? [buf] : [])];
  const code = `${RMSPROP.wgsl}
@group(0) @binding(1) var<storage, read_write> X: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
${m ? "@group(0) @binding(4) var<storage, read_write> M: array<f32>;" : ""}
${buf ? `@group(0) @binding(${bound.length}) var<storage, read_write> B: array<f32>;` : ""}
${linearMain()}
  if (i >= P.count) { return; }
  let x = X[i];
  let g = G[i] + P.weightDecay * x;
  let v = P.alpha * V[i] + P.keep * g * g;
  V[i] = v;
  ${m ? "let m = P.alpha * M[i] + P.keep * g;\n  M[i] = m;\n  let d = sqrt(v - m * m) + P.eps;" : "let d = sqrt(v) + P.eps;"}
  ${buf ? "let b = P.momentum * B[i] + g / d;\n  B[i] = b;\n  X[i] = x - P.lr * b;" : "X[i] = x - P.lr * g / d;"}
}`;
  const values = RMSPROP.pack({ count, lr: p.lr, alpha: p.alpha, keep: 1 - p.alpha, eps: p.eps, weightDecay: p.weightDecay, momentum: p.momentum });
  dev.dispatch(code, values, bound, grid(count));
}
