// Losses as torch.nn.functional 1.13 computes them: crossEntropy (class indices or probabilities, label smoothing,
// class weights, ignoreIndex), nllLoss, mseLoss, binaryCrossEntropy and binaryCrossEntropyWithLogits.
import { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, fmtShape, shapeEquals, sizeOf } from "../tensor/shape.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { logSoftmax } from "./activation.js";
import { where } from "./elementwise.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";

export type Reduction = "mean" | "sum" | "none";

export interface NllLossOptions {
  /** 'mean' (default: divided by the summed weights of the counted targets), 'sum' or 'none' (per-sample losses). */
  reduction?: Reduction;
  /** Per-class rescaling weight: [C]. */
  weight?: Tensor | null;
  /** Targets with this value contribute nothing (and are not counted by 'mean'). Default -100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mix the target with the uniform distribution: (1 − ε)·target + ε/C. Default 0. */
  labelSmoothing?: number;
}

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "mean" ? loss.mean() : reduction === "sum" ? loss.sum() : loss;
}

/** total / count; when nothing was counted, NaN with a zero gradient, as PyTorch's 0/0 mean. */
function meanOver(total: Tensor, count: number): Tensor {
  return count === 0 ? total.mul(0).add(NaN) : total.div(count);
}

function checkWeight(op: string, weight: Tensor | null, c: number, like: Tensor): void {
  if (!weight) return;
  if (weight.ndim !== 1 || weight.shape[0] !== c) throw new ShapeError(`${op}: weight ${fmtShape(weight.shape)} must be [${c}], one per class`);
  if (weight.dtype !== like.dtype) throw new DTypeError(`${op}: input is ${like.dtype} but weight is ${weight.dtype}`);
}

/** Layout of a class-index problem: input [N,C,d1,…] (or [C]) and target [N,d1,…] (or []). */
interface IndexLayout { n: number; c: number; inner: number; targetShape: number[] }

function indexLayout(op: string, input: Tensor, target: Tensor): IndexLayout {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must be [N,C,…] or [C], got a scalar`);
  const c = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (!shapeEquals(target.shape, expected)) {
    throw new ShapeError(`${op}: target ${fmtShape(target.shape)} does not fit input ${fmtShape(input.shape)}: class indices must be ${fmtShape(expected)} (the input without its class dim 1)`);
  }
  const n = input.ndim === 1 ? 1 : input.shape[0]!;
  return { n, c, inner: sizeOf(input.shape.slice(2)), targetShape: expected };
}

/** The counted targets of a class-index problem, per position of the target [N,d1,…]: the flat index into the input
 *  [N,C,d1,…] of its target's log-probability (−1 where ignored) and its class weight; their weight sum and number. */
interface Targets { at: Float64Array; weight: Float64Array; weightSum: number; counted: number }

/** Check the class indices (ignored ones may hold anything) and locate each counted target in the input. */
function targets(op: string, target: Tensor, lay: IndexLayout, weight: Tensor | null, ignoreIndex: number): Targets {
  const { n, c, inner } = lay;
  const at = new Float64Array(n * inner).fill(-1), w = new Float64Array(n * inner);
  let weightSum = 0, counted = 0;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < inner; s++) {
      const pos = i * inner + s;
      const t = target.data[pos]!;
      if (t === ignoreIndex) continue;
      if (!Number.isInteger(t)) throw new ValueError(`${op}: target ${t} at position ${pos} is not an integer class index (${c} classes)`);
      if (t < 0 || t >= c) throw new ValueError(`${op}: target ${t} at position ${pos} is out of range for ${c} classes (expected 0..${c - 1} or ignoreIndex ${ignoreIndex})`);
      at[pos] = (i * c + t) * inner + s; // input element (i, t, s) of [N, C, inner]
      w[pos] = weight ? weight.data[t]! : 1;
      weightSum += w[pos]!;
      counted++;
    }
  }
  return { at, weight: w, weightSum, counted };
}

/** −weight[t]·logProbs[n, t, …] at each counted target, 0 at ignored ones ([N,d1,…]). A gather of the targets'
 *  log-probabilities, whose backward scatters, rather than a product with a one-hot mask: that mask's zeros would
 *  turn a class's −∞ log-probability (a −∞ logit) into NaN. The weight multiplies as in PyTorch (0·−∞ is NaN there too). */
function targetNll(logProbs: Tensor, tg: Targets, shape: readonly number[]): Tensor {
  const out = emptyLike(logProbs.dtype, shape);
  for (let i = 0; i < tg.at.length; i++) if (tg.at[i]! >= 0) out.data[i] = -tg.weight[i]! * logProbs.data[tg.at[i]!]!;
  record(out, "nllPick", [logProbs], (g) => {
    const gx = emptyLike(g.dtype, logProbs.shape);
    for (let i = 0; i < tg.at.length; i++) if (tg.at[i]! >= 0) gx.data[tg.at[i]!] = -tg.weight[i]! * g.data[i]!;
    return [gx];
  });
  return out;
}

/** Negative log-likelihood of class-index targets: loss[n,…] = −weight[t]·logProbs[n, t, …] with t = target[n,…].
 *  logProbs: [N,C,d1,…] or [C]; target: [N,d1,…] or [] holding integer class indices (as floats).
 *  'mean' divides by the summed weights of the non-ignored targets (NaN when every target is ignored, as PyTorch). */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100 } = opts;
  const reduction = checkReduction("nllLoss", opts.reduction ?? "mean");
  const lay = indexLayout("nllLoss", logProbs, target);
  checkWeight("nllLoss", weight, lay.c, logProbs);
  const tg = targets("nllLoss", target, lay, weight, ignoreIndex);
  const perSample = targetNll(logProbs, tg, lay.targetShape);
  if (reduction === "none") return perSample;
  const total = perSample.sum();
  return reduction === "sum" ? total : meanOver(total, tg.weightSum);
}

/** Cross entropy of logits against class indices or class probabilities, as torch.nn.functional.cross_entropy 1.13.
 *  input: [N,C,d1,…] (or [C]) raw scores; target: class indices [N,d1,…] (integers as floats), or probabilities
 *  of the input's own shape. Label smoothing ε mixes the target with the uniform distribution; for index targets
 *  that is (1 − ε)·nll + ε/C·Σ_c −weight[c]·logp[c], normalised like the nll part. */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, labelSmoothing = 0 } = opts;
  const reduction = checkReduction("crossEntropy", opts.reduction ?? "mean");
  if (!(typeof labelSmoothing === "number" && labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new ValueError(`crossEntropy: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  if (input.ndim === 0) throw new ShapeError("crossEntropy: input must be [N,C,…] or [C], got a scalar");
  if (target.dtype !== input.dtype) throw new DTypeError(`crossEntropy: input is ${input.dtype} but target is ${target.dtype}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[classDim]!;
  checkWeight("crossEntropy", weight, c, input);
  const logp = logSoftmax(input, classDim);
  // weight laid along the class dim, for broadcasting against [N,C,d1,…]
  const weightB = weight ? weight.detach().reshape(input.shape.map((d, i) => (i === classDim ? d : 1))) : null;

  if (shapeEquals(target.shape, input.shape)) {
    // class probabilities
    if (ignoreIndex !== -100) throw new ValueError(`crossEntropy: ignoreIndex (${ignoreIndex}) is not supported for class-probability targets`);
    const soft = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / c) : target;
    const weighted = weightB ? logp.mul(weightB) : logp;
    const perSample = weighted.mul(soft).sum(classDim).neg();
    if (reduction === "none") return perSample;
    const total = perSample.sum();
    // 'mean' divides by the number of samples (N·d1·…), not by weights
    return reduction === "sum" ? total : total.div(input.size / Math.max(c, 1));
  }

  const lay = indexLayout("crossEntropy", input, target);
  const tg = targets("crossEntropy", target, lay, weight, ignoreIndex);
  const nll = targetNll(logp, tg, lay.targetShape);
  let perSample = nll;
  if (labelSmoothing > 0) {
    // every class's (weighted) log-probability, for the uniform part; ignored targets contribute nothing — chosen
    // by a where, not multiplied by a 0/1 mask, so an ignored sample's infinite sum stays out (PyTorch's masked_fill)
    const counted = emptyLike(input.dtype, lay.targetShape);
    tg.at.forEach((a, i) => { if (a >= 0) counted.data[i] = 1; });
    const smooth = where(counted, (weightB ? logp.mul(weightB) : logp).sum(classDim).neg(), 0);
    perSample = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / c));
    // PyTorch 1.13 divides the uniform part by the weight sum (weighted) or the number of counted targets (unweighted)
    if (reduction === "mean" && !weight) {
      return meanOver(nll.sum(), tg.weightSum).mul(1 - labelSmoothing).add(meanOver(smooth.sum(), tg.counted).mul(labelSmoothing / c));
    }
  }
  if (reduction === "none") return perSample;
  const total = perSample.sum();
  return reduction === "sum" ? total : meanOver(total, tg.weightSum);
}

export interface ReductionOptions { reduction?: Reduction }

/** Mean squared error: (a − b)², reduced. a and b must have the same shape (PyTorch only warns and broadcasts). */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("mseLoss", opts.reduction ?? "mean");
  if (!shapeEquals(input.shape, target.shape)) {
    throw new ShapeError(`mseLoss: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
  return reduce(input.sub(target).square(), reduction);
}

export interface BceOptions extends ReductionOptions {
  /** Rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapeEquals(input.shape, target.shape)) {
    throw new ShapeError(`${op}: target ${fmtShape(target.shape)} must have the same shape as input ${fmtShape(input.shape)}`);
  }
  if (input.dtype !== target.dtype) throw new DTypeError(`${op}: input is ${input.dtype} but target is ${target.dtype}`);
}

/** A weight must broadcast to the input's shape without enlarging it. */
function checkBroadcastWeight(op: string, name: string, w: Tensor | null, input: Tensor): void {
  if (!w) return;
  if (w.dtype !== input.dtype) throw new DTypeError(`${op}: input is ${input.dtype} but ${name} is ${w.dtype}`);
  const shape = broadcastShapes(op, input.shape, w.shape);
  if (!shapeEquals(shape, input.shape)) throw new ShapeError(`${op}: ${name} ${fmtShape(w.shape)} must broadcast to the input's shape ${fmtShape(input.shape)}`);
}

/** Binary cross entropy of probabilities p ∈ [0,1]: −w·(t·log p + (1 − t)·log(1 − p)), each log clamped at −100 as PyTorch
 *  does (so p = 0 or 1 gives a finite loss). input, target: same shape; weight broadcasts. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  const reduction = checkReduction("binaryCrossEntropy", opts.reduction ?? "mean");
  const weight = opts.weight?.detach() ?? null;
  checkSameShape("binaryCrossEntropy", input, target);
  checkBroadcastWeight("binaryCrossEntropy", "weight", weight, input);
  for (let i = 0; i < input.size; i++) {
    const p = input.data[i]!;
    if (!(p >= 0 && p <= 1)) throw new ValueError(`binaryCrossEntropy: input ${p} at position ${i} is not a probability (all elements of input must be in [0, 1])`);
  }
  const p = input.detach(), t = target.detach();
  const logP = p.log().clamp(-100), log1mP = p.neg().add(1).log().clamp(-100);
  let loss = t.mul(logP).add(t.neg().add(1).mul(log1mP)).neg();
  if (weight) loss = loss.mul(weight);
  const elementwise = new Tensor(loss.data, loss.shape);
  if (needsGrad(input, target)) {
    record(elementwise, "binaryCrossEntropy", [input, target], (g) => {
      const gw = weight ? g.mul(weight) : g;
      // PyTorch's derivative: (p − t) / max(p·(1 − p), 1e-12)
      const dp = input.requiresGrad ? gw.mul(p.sub(t)).div(p.mul(p.neg().add(1)).clamp(1e-12)) : null;
      const dt = target.requiresGrad ? gw.mul(log1mP.sub(logP)) : null;
      return [dp, dt];
    });
  }
  return reduce(elementwise, reduction);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term per class (broadcast against the input's last dim), for unbalanced classes. */
  posWeight?: Tensor | null;
}

/** Sigmoid then binary cross entropy, computed stably from the logits x:
 *  loss = w·((1 − t)·x + (1 + (posWeight − 1)·t)·softplus(−x)), softplus(−x) = log(1 + e^{−|x|}) + max(−x, 0). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const reduction = checkReduction("binaryCrossEntropyWithLogits", opts.reduction ?? "mean");
  const weight = opts.weight?.detach() ?? null;
  const posWeight = opts.posWeight?.detach() ?? null;
  checkSameShape("binaryCrossEntropyWithLogits", input, target);
  checkBroadcastWeight("binaryCrossEntropyWithLogits", "weight", weight, input);
  checkBroadcastWeight("binaryCrossEntropyWithLogits", "posWeight", posWeight, input);
  const x = input.detach(), t = target.detach();
  const softplusNeg = x.abs().neg().exp().log1p().add(x.neg().clamp(0));
  const logWeight = posWeight ? posWeight.sub(1).mul(t).add(1) : null;
  let loss = t.neg().add(1).mul(x).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg);
  if (weight) loss = loss.mul(weight);
  const elementwise = new Tensor(loss.data, loss.shape);
  if (needsGrad(input, target)) {
    record(elementwise, "binaryCrossEntropyWithLogits", [input, target], (g) => {
      const gw = weight ? g.mul(weight) : g;
      const s = x.sigmoid();
      // d/dx = σ(x)·(1 + (pw − 1)·t) − pw·t ; d/dt = −x + (pw − 1)·softplus(−x)
      const dx = input.requiresGrad ? gw.mul(logWeight && posWeight ? s.mul(logWeight).sub(posWeight.mul(t)) : s.sub(t)) : null;
      const dt = target.requiresGrad ? gw.mul(posWeight ? x.neg().add(posWeight.sub(1).mul(softplusNeg)) : x.neg()) : null;
      return [dx, dt];
    });
  }
  return reduce(elementwise, reduction);
}
