// Normalisation: batch norm (training statistics with in-place running-stat updates, or evaluation with the running
// stats), local response norm (AlexNet/GoogLeNet), layer norm and group norm, exactly as torch.nn.functional's.
import { Tensor } from "../tensor/tensor.js";
import { checkInt, fmtShape, sizeOf } from "../tensor/shape.js";
import { ones, zeros } from "../tensor/creation.js";
import { kernel } from "../backends/registry.js";
import { noGrad } from "../autograd/grad-mode.js";
import { emptyLike, lift } from "./util.js";
import { activationGrad } from "./elementwise.js";
import { pad, slice } from "./movement.js";
import { defineOp, OnnxExportError, run } from "./op.js";
import { fusedActivation, inverseStd, type BatchNormActivation } from "./fusion.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";

/** Options of batchNorm (PyTorch's defaults). */
export interface BatchNormOptions {
  /** Per-channel scale γ: [C]. */
  weight?: Tensor | null;
  /** Per-channel shift β: [C]. */
  bias?: Tensor | null;
  /** Normalise with the batch's statistics (and update the running ones) instead of the running ones. Default false. */
  training?: boolean;
  /** Weight of the new batch in the running-stat update. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** An activation applied to the result in the same pass over the data (the same values as calling it after):
   *  what nn.Sequential fuses in an inference. Default none. */
  activation?: BatchNormActivation | null;
}

/** batchNorm's attributes as the tape records them. */
export interface BatchNormAttrs {
  /** Added to the variance. */
  eps: number;
  /** Weight of the batch in the running statistics' update. */
  momentum: number;
  /** Whether the batch's statistics are used. */
  training: boolean;
  /** The activation applied in the same pass; null: none. */
  activation: BatchNormActivation | null;
}

export type { BatchNormActivation } from "./fusion.js";

/** What batchNorm's forward keeps: the statistics it normalised with (copies, so a later in-place update of the
 *  running statistics cannot change this call's backward), and in training the batch's biased variance. */
export interface BatchNormSaved {
  /** The per-channel mean normalised with. */
  mean: Tensor;
  /** 1/√(variance + eps) per channel. */
  invStd: Tensor;
  /** The batch's biased variance (training only), or null. */
  variance: Tensor | null;
}

const BN_INPUTS = ["input", "weight", "bias", "runningMean", "runningVar"] as const;

/** Batch normalisation over dim 1 of x: [N,C,…]. Inputs in ONNX BatchNormalization's order: x, weight [C], bias [C]
 *  (batchNorm fills absent ones with ones and zeros) and, when given, runningMean [C] and runningVar [C] — required in
 *  evaluation; in training the batch's statistics are used and the running ones are read by nobody here (batchNorm
 *  updates them from what the forward saves). */
export const batchNormOp = defineOp<BatchNormAttrs, BatchNormSaved>({
  name: "batchNorm",
  overwrites: true,
  shape: ([x, ...per], a, op) => {
    if (x!.length < 2) throw new ShapeError(`${op}: input must be [N,C,…] with at least 2 dims, got ${fmtShape(x!)}`);
    const c = x![1]!;
    per.forEach((s, i) => {
      if (s.length !== 1 || s[0] !== c) throw new ShapeError(`${op}: ${BN_INPUTS[i + 1]} ${fmtShape(s)} must be [${c}] for input ${fmtShape(x!)} with ${c} channels`);
    });
    if (a.training && x![0]! * sizeOf(x!.slice(2)) <= 1) throw new ValueError(`${op}: expected more than 1 value per channel when training, got input ${fmtShape(x!)}`);
    if (!a.training && per.length < 4) throw new ValueError(`${op}: runningMean and runningVar must be given in evaluation mode (training: false)`);
    return [...x!];
  },
  forward: ([x, weight, bias, runningMean, runningVar], a, y) => {
    const n = x!.shape[0]!, c = x!.shape[1]!, hw = sizeOf(x!.shape.slice(2));
    let mean: Tensor, variance: Tensor | null = null;
    if (a.training) {
      mean = emptyLike(x!.dtype, [c]);
      variance = emptyLike(x!.dtype, [c]);
      kernel("channelMoments", x!.operand)(x!.operand, n, c, hw, mean.operand, variance.operand);
    } else mean = runningMean!.clone(); // a copy: the backward reads it, and the running stats may change in place
    const invStd = inverseStd(a.training ? variance! : runningVar!, a.eps);
    const act = a.activation ? fusedActivation("batchNorm", a.activation) : null;
    kernel("channelAffine", x!.operand)(x!.operand, n, c, hw, mean.operand, invStd.operand, weight!.operand, bias!.operand, y.operand, act?.op ?? null, act?.lo ?? 0, act?.hi ?? 0);
    return { mean, invStd, variance };
  },
  backward: (gy, [x, weight, bias, ...stats], y, a, { mean, invStd }) => {
    const n = x!.shape[0]!, c = x!.shape[1]!, hw = sizeOf(x!.shape.slice(2));
    // through the activation first, at the normalised values (made again: the forward kept only the activation's)
    let g = gy;
    if (a.activation) {
      const act = fusedActivation("batchNorm", a.activation), z = emptyLike(x!.dtype, x!.shape);
      kernel("channelAffine", x!.operand)(x!.operand, n, c, hw, mean.operand, invStd.operand, weight!.operand, bias!.operand, z.operand, null, 0, 0);
      g = activationGrad(act.op, z, gy, act.lo, act.hi);
    }
    // one kernel: per-channel Σg (dBias) and Σg·x̂ (dWeight) with x̂ = (x − mean)·invStd, and dx when x needs it
    // (training: y depends on x directly and through mean and var, dx = γ·invStd·(g − mean(g) − x̂·mean(g·x̂));
    // evaluation: the running stats are constants, dx = γ·invStd·g)
    const sumG = emptyLike(x!.dtype, [c]), sumGXhat = emptyLike(x!.dtype, [c]);
    const dx = x!.requiresGrad ? emptyLike(x!.dtype, x!.shape) : null;
    kernel("channelNormBackward", x!.operand)(x!.operand, g.operand, n, c, hw, mean.operand, invStd.operand, weight!.operand, a.training, dx?.operand ?? null, sumG.operand, sumGXhat.operand);
    return [dx, weight!.requiresGrad ? sumGXhat : null, bias!.requiresGrad ? sumG : null, ...stats.map(() => null)];
  },
  onnx: {
    export: (e, ins, a) => {
      if (a.training) throw new OnnxExportError("ONNX export: batchNorm with batch statistics (training, or a BatchNorm without running statistics) has no ONNX form; export in eval mode with running statistics");
      const y = e.node("BatchNormalization", ins, { epsilon: { float: a.eps } });
      return a.activation ? fusedActivation("batchNorm", a.activation).onnx(e, y) : y;
    },
  },
});

/** Batch normalisation over dim 1: y = (x − mean[c]) / √(var[c] + eps) · weight[c] + bias[c].
 *  x: [N,C], [N,C,L] or [N,C,H,W] (any rank ≥ 2) → same shape.
 *  training: mean/var are the batch's (biased variance, over N and every spatial position), and runningMean/runningVar,
 *  if given, are updated IN PLACE: running = (1 − momentum)·running + momentum·batch, with the unbiased batch variance.
 *  evaluation: mean/var are runningMean/runningVar, which are then required. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5, activation = null } = opts;
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`batchNorm: input is ${x.dtype} but ${name} is ${t.dtype}`);
  }
  if (!(typeof eps === "number" && eps >= 0 && Number.isFinite(eps))) throw new ValueError(`batchNorm: eps must be a finite number ≥ 0, got ${String(eps)}`);
  if (!(typeof momentum === "number" && Number.isFinite(momentum))) throw new ValueError(`batchNorm: momentum must be a finite number, got ${String(momentum)}`);
  if ((runningMean === null) !== (runningVar === null)) throw new ValueError("batchNorm: give both runningMean and runningVar, or neither");
  if (activation !== null) fusedActivation("batchNorm", activation);
  // an absent γ or β is its identity, so the op's inputs are always ONNX's (x, scale, B[, mean, var])
  const c = x.ndim >= 2 ? x.shape[1]! : 0;
  const inputs = [x, weight ?? ones([c], { dtype: x.dtype }), bias ?? zeros([c], { dtype: x.dtype })];
  if (runningMean && runningVar) inputs.push(runningMean, runningVar);
  const { y, saved } = run(batchNormOp, inputs, { eps, momentum, training, activation }, { keepSaved: training && runningMean !== null });
  if (training && runningMean && runningVar && saved) {
    const count = x.shape[0]! * sizeOf(x.shape.slice(2));
    const unbias = count / (count - 1);
    // in place, on the backend holding them (running = (1 − momentum)·running + momentum·batch)
    noGrad(() => {
      runningMean.mul_(1 - momentum).add_(saved.mean, momentum);
      runningVar.mul_(1 - momentum).add_(saved.variance!, momentum * unbias);
    });
  }
  return y;
}

/** Options of localResponseNorm (PyTorch's defaults). */
export interface LocalResponseNormOptions {
  /** Scale of the window's sum of squares. Default 1e-4. */
  alpha?: number;
  /** Exponent of the divisor. Default 0.75. */
  beta?: number;
  /** Additive constant of the divisor. Default 1. */
  k?: number;
}

/** Local response normalisation across channels (AlexNet §3.3), as torch.nn.functional.local_response_norm:
 *  y[n,c] = x[n,c] / (k + alpha/size · Σ_{c' ∈ window(c)} x[n,c']²)^beta, the window being channels
 *  c − ⌊size/2⌋ … c + ⌊(size−1)/2⌋ with zeros beyond the edges. x: [N,C,…] with at least 3 dims → same shape.
 *  Composed from pad, slices and elementwise ops, so autograd supplies the backward. */
export function localResponseNorm(x: Tensor, size: number, opts: LocalResponseNormOptions = {}): Tensor {
  const { alpha = 1e-4, beta = 0.75, k = 1 } = opts;
  checkInt("localResponseNorm", "size", size, 1);
  if (x.ndim < 3) throw new ShapeError(`localResponseNorm: expects an input with at least 3 dims [N,C,…], got ${fmtShape(x.shape)}`);
  for (const [name, v] of [["alpha", alpha], ["beta", beta], ["k", k]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`localResponseNorm: ${name} must be a finite number, got ${String(v)}`);
  }
  const c = x.shape[1]!;
  // zero-pad the channel dim (dim 1) by ⌊size/2⌋ before and ⌊(size−1)/2⌋ after; pad() lists pairs from the last dim back
  const pads = new Array<number>(2 * (x.ndim - 1)).fill(0);
  pads[2 * (x.ndim - 2)] = Math.floor(size / 2);
  pads[2 * (x.ndim - 2) + 1] = Math.floor((size - 1) / 2);
  const sq = pad(x.square(), pads);
  // window sum: channel c of the result adds padded channels c … c + size − 1
  let windowSum = slice(sq, 1, 0, c);
  for (let j = 1; j < size; j++) windowSum = windowSum.add(slice(sq, 1, j, j + c));
  const divisor = windowSum.mul(alpha / size).add(k).pow(beta);
  return x.div(divisor);
}

/** Options of layerNorm and groupNorm. */
export interface AffineNormOptions {
  /** Elementwise scale (layerNorm: normalizedShape; groupNorm: [C]). */
  weight?: Tensor | null;
  /** Elementwise shift, shaped like weight. */
  bias?: Tensor | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/** (x − mean)/√(var + eps) over `dims` (biased variance), composed from differentiable ops. */
function standardise(x: Tensor, dims: number[], eps: number): Tensor {
  const mean = x.mean(dims, true);
  const centered = x.sub(mean);
  return centered.mul(centered.square().mean(dims, true).add(eps).rsqrt());
}

function checkEps(op: string, eps: number): void {
  if (!(typeof eps === "number" && eps >= 0 && Number.isFinite(eps))) throw new ValueError(`${op}: eps must be a finite number ≥ 0, got ${String(eps)}`);
}

function checkAffine(op: string, x: Tensor, shape: readonly number[], weight: Tensor | null, bias: Tensor | null): void {
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (!t) continue;
    if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) throw new ShapeError(`${op}: ${name} ${fmtShape(t.shape)} must be ${fmtShape(shape)}`);
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: input is ${x.dtype} but ${name} is ${t.dtype}`);
  }
}

/** Layer normalisation over the last dims (normalizedShape), as torch.nn.functional.layer_norm.
 *  x: [..., *normalizedShape] → same shape; weight and bias: normalizedShape. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], opts: AffineNormOptions = {}): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = opts;
  const k = normalizedShape.length;
  normalizedShape.forEach((d, i) => checkInt("layerNorm", `normalizedShape[${i}]`, d, 1));
  if (k === 0 || k > x.ndim || normalizedShape.some((d, i) => d !== x.shape[x.ndim - k + i])) {
    throw new ShapeError(`layerNorm: normalizedShape ${fmtShape(normalizedShape)} must be a non-empty suffix of the input shape ${fmtShape(x.shape)}`);
  }
  checkEps("layerNorm", eps);
  checkAffine("layerNorm", x, normalizedShape, weight, bias);
  let y = standardise(x, normalizedShape.map((_, i) => x.ndim - k + i), eps);
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

/** Group normalisation: channels split into numGroups groups, each normalised over its channels and positions,
 *  then a per-channel affine map, as torch.nn.functional.group_norm. x: [N,C,…] → same shape; weight, bias: [C]. */
export function groupNorm(x: Tensor, numGroups: number, opts: AffineNormOptions = {}): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = opts;
  checkInt("groupNorm", "numGroups", numGroups, 1);
  if (x.ndim < 2) throw new ShapeError(`groupNorm: input must be [N,C,…] with at least 2 dims, got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  if (c % numGroups !== 0) throw new ShapeError(`groupNorm: ${c} channels of input ${fmtShape(x.shape)} cannot be split into ${numGroups} groups`);
  checkEps("groupNorm", eps);
  checkAffine("groupNorm", x, [c], weight, bias);
  const grouped = x.reshape([x.shape[0]!, numGroups, -1]);
  let y = standardise(grouped, [2], eps).reshape(x.shape);
  const perChannel = [c, ...x.shape.slice(2).map(() => 1)];
  if (weight) y = y.mul(weight.reshape(perChannel));
  if (bias) y = y.add(bias.reshape(perChannel));
  return y;
}
