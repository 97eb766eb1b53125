// Losses as torch.nn.functional 1.13 computes them: crossEntropy (class indices or probabilities, label smoothing,
// class weights, ignoreIndex), nllLoss, mseLoss, binaryCrossEntropy and binaryCrossEntropyWithLogits.
import { Tensor } from "../tensor/tensor.js";
import type { DataArray } from "../tensor/dtype.js";
import { kernel } from "../backends/registry.js";
import { broadcastShapes, fmtShape, shapeEquals, sizeOf, type Shape } from "../tensor/shape.js";
import { copyInto, emptyLike, hostZeros } from "./util.js";
import { logSoftmax } from "./activation.js";
import { where, type NoAttrs } from "./elementwise.js";
import { apply, defineOp } from "./op.js";
import { graphScope } from "../autograd/graph.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";

/** How a loss reduces its per-element values: their mean, their sum, or none (the values themselves). */
export type Reduction = "mean" | "sum" | "none";

/** Options of nllLoss (PyTorch's defaults). */
export interface NllLossOptions {
  /** 'mean' (default: divided by the summed weights of the counted targets), 'sum' or 'none' (per-sample losses). */
  reduction?: Reduction;
  /** Per-class rescaling weight: [C]. */
  weight?: Tensor | null;
  /** Targets with this value contribute nothing (and are not counted by 'mean'). Default -100. */
  ignoreIndex?: number;
}

/** Options of crossEntropy: nllLoss's and label smoothing. */
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
interface IndexLayout { c: number; targetShape: number[] }

/** The class-index target shape for input [N,C,d1,…] (or [C]): [N,d1,…] (or []), checked against the target's. */
function targetShapeOf(op: string, input: Shape, target: Shape): number[] {
  if (input.length === 0) throw new ShapeError(`${op}: input must be [N,C,…] or [C], got a scalar`);
  const expected = input.length === 1 ? [] : [input[0]!, ...input.slice(2)];
  if (!shapeEquals(target, expected)) {
    throw new ShapeError(`${op}: target ${fmtShape(target)} does not fit input ${fmtShape(input)}: class indices must be ${fmtShape(expected)} (the input without its class dim 1)`);
  }
  return expected;
}

function indexLayout(op: string, input: Tensor, target: Tensor): IndexLayout {
  const targetShape = targetShapeOf(op, input.shape, target.shape);
  return { c: input.ndim === 1 ? input.shape[0]! : input.shape[1]!, targetShape };
}

/** The counted targets of a class-index problem: 1 at each position of the target [N,d1,…] that is not ignored (for
 *  label smoothing), their summed class weights and their number. */
interface Targets { mask: Tensor; weightSum: number; counted: number }

/** Check the class indices (ignored ones may hold anything) and count them. A meta target has no values: nothing to
 *  check, and the counts only scale a meta result. */
function targets(op: string, target: Tensor, lay: IndexLayout, weight: Tensor | null, ignoreIndex: number): Targets {
  if (target.isMeta || weight?.isMeta) return { mask: Tensor.meta(lay.targetShape, target.dtype), weightSum: 1, counted: 1 };
  const { c } = lay;
  const mask = hostZeros(target.dtype, lay.targetShape);
  let weightSum = 0, counted = 0;
  for (let pos = 0; pos < target.size; pos++) {
    const t = target.data[pos]!;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t)) throw new ValueError(`${op}: target ${t} at position ${pos} is not an integer class index (${c} classes)`);
    if (t < 0 || t >= c) throw new ValueError(`${op}: target ${t} at position ${pos} is out of range for ${c} classes (expected 0..${c - 1} or ignoreIndex ${ignoreIndex})`);
    mask.data[pos] = 1;
    weightSum += weight ? weight.data[t]! : 1;
    counted++;
  }
  return { mask, weightSum, counted };
}

/** nllPick's attribute: the target value that is skipped. */
export interface NllPickAttrs {
  /** The target value skipped. */
  ignoreIndex: number;
}

/** What nllPick's kernels need from the targets, read on the host (the public function checked them there): each
 *  target's flat index into logProbs [N,C,inner] (an ignored one points at class 0 of its own position, which no other
 *  target reads), −weight[t] (0 where ignored), and which targets count (null when all do). */
export interface Picks {
  /** Each target's flat index into logProbs. */
  at: Int32Array;
  /** −weight[t], 0 where ignored. */
  negWeight: DataArray;
  /** 1 where the target counts, 0 where ignored; null when all count. */
  counted: DataArray | null;
}

function picks(logProbs: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picks {
  const c = logProbs.ndim === 1 ? logProbs.shape[0]! : logProbs.shape[1]!, inner = sizeOf(logProbs.shape.slice(2));
  const n = target.size;
  const at = new Int32Array(n), negWeight = logProbs.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  let counted: DataArray | null = null;
  for (let pos = 0; pos < n; pos++) {
    const t = target.data[pos]!;
    const i = Math.floor(pos / inner), s = pos - i * inner;
    if (t === ignoreIndex) {
      counted ??= logProbs.dtype === "float64" ? new Float64Array(n).fill(1) : new Float32Array(n).fill(1);
      counted[pos] = 0;
      at[pos] = i * c * inner + s;
      continue;
    }
    at[pos] = (i * c + t) * inner + s; // input element (i, t, s) of [N, C, inner]
    negWeight[pos] = -(weight ? weight.data[t]! : 1);
  }
  return { at, negWeight, counted };
}

/** y = y·negWeight, then 0 where a target is ignored (0·−∞ would be NaN there): over flat [n] arrays, in place. */
function weighTargets(y: Tensor, p: Picks): void {
  const n = [y.size], one = [1];
  const out = y.operand;
  kernel("binary", out)("mul", out, one, p.negWeight, one, n, out);
  if (p.counted) kernel("where", out)(p.counted, out, p.negWeight.map(() => 0), out);
}

/** −weight[t]·logProbs[n, t, …] at each counted target t = target[n, …], 0 at ignored ones: [N,d1,…]. Inputs: logProbs
 *  [N,C,d1,…] (or [C]), target [N,d1,…] (class indices as floats; no gradient) and optionally the class weights [C]
 *  (no gradient). A gather of the targets' log-probabilities, whose backward scatters, rather than a product with a
 *  one-hot mask: that mask's zeros would turn a class's −∞ log-probability (a −∞ logit) into NaN. The weight
 *  multiplies as in PyTorch (0·−∞ is NaN there too). ONNX: NegativeLogLikelihoodLoss with reduction 'none'. */
export const nllPickOp = defineOp<NllPickAttrs, Picks>({
  name: "nllPick",
  shape: ([input, target, weight], _a, op) => {
    const shape = targetShapeOf(op, input!, target!);
    const c = input!.length === 1 ? input![0]! : input![1]!;
    if (weight && (weight.length !== 1 || weight[0] !== c)) throw new ShapeError(`${op}: weight ${fmtShape(weight)} must be [${c}], one per class`);
    return shape;
  },
  forward: ([logProbs, target, weight], a, y) => {
    const p = picks(logProbs!, target!, weight, a.ignoreIndex);
    // a gather of each target's log-probability, weighed
    kernel("planeGather", logProbs!.operand)(logProbs!.operand, logProbs!.size, p.at, false, 1, y.size, y.operand);
    weighTargets(y, p);
    return p;
  },
  backward: (g, [logProbs, ...rest], _y, _a, p) => {
    const picked = g.clone();
    weighTargets(picked, p);
    // each counted target's element of logProbs is its own: the scatter's sums are assignments (ignored ones add 0)
    const gx = emptyLike(g.dtype, logProbs!.shape);
    kernel("planeScatter", picked.operand)(picked.operand, picked.size, p.at, false, 1, gx.operand, gx.size, true);
    return [gx, ...rest.map(() => null)];
  },
  onnx: {
    export: (e, [logProbs, target, weight], a, [xs]) => {
      // ONNX wants int64 class indices and a batch dim
      const batched = xs!.length > 1;
      const axes = (): string => e.intConstant([0], "axes");
      let t = e.node("Cast", [target!], { to: { int: 7 } });
      let x = logProbs!;
      if (!batched) [x, t] = [e.node("Unsqueeze", [x, axes()]), e.node("Unsqueeze", [t, axes()])];
      const loss = e.node("NegativeLogLikelihoodLoss", weight ? [x, t, weight] : [x, t], { reduction: { string: "none" }, ignore_index: { int: a.ignoreIndex } });
      return batched ? loss : e.node("Squeeze", [loss, axes()]);
    },
  },
});

/** −weight[t]·logProbs[n, t, …] at each counted target (see nllPickOp). */
function targetNll(logProbs: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): Tensor {
  const inputs = [logProbs, target.detach()];
  if (weight) inputs.push(weight.detach());
  return apply(nllPickOp, inputs, { ignoreIndex });
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
  const perSample = targetNll(logProbs, target, weight, ignoreIndex);
  if (reduction === "none") return perSample;
  const total = perSample.sum();
  return reduction === "sum" ? total : meanOver(total, tg.weightSum);
}

/** Cross entropy of logits against class indices or class probabilities, as torch.nn.functional.cross_entropy 1.13.
 *  input: [N,C,d1,…] (or [C]) raw scores; target: class indices [N,d1,…] (integers as floats), or probabilities
 *  of the input's own shape. Label smoothing ε mixes the target with the uniform distribution; for index targets
 *  that is (1 − ε)·nll + ε/C·Σ_c −weight[c]·logp[c], normalised like the nll part. */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  // its intermediates (log-probabilities, per-sample losses) are the graph's alone
  return graphScope(() => crossEntropyIn(input, target, opts));
}

function crossEntropyIn(input: Tensor, target: Tensor, opts: CrossEntropyOptions): Tensor {
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
  const nll = targetNll(logp, target, weight, ignoreIndex);
  let perSample = nll;
  if (labelSmoothing > 0) {
    // every class's (weighted) log-probability, for the uniform part; ignored targets contribute nothing — chosen
    // by a where, not multiplied by a 0/1 mask, so an ignored sample's infinite sum stays out (PyTorch's masked_fill)
    const smooth = where(tg.mask, (weightB ? logp.mul(weightB) : logp).sum(classDim).neg(), 0);
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

/** Options of the losses that take only a reduction. */
export interface ReductionOptions {
  /** "mean" (default), "sum" or "none". */
  reduction?: Reduction;
}

/** Mean squared error: (a − b)², reduced. a and b must have the same shape (PyTorch only warns and broadcasts). */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("mseLoss", opts.reduction ?? "mean");
  if (!shapeEquals(input.shape, target.shape)) {
    throw new ShapeError(`mseLoss: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
  return reduce(input.sub(target).square(), reduction);
}

/** Options of binaryCrossEntropy. */
export interface BceOptions extends ReductionOptions {
  /** Rescaling weight, broadcast against the input. */
  weight?: Tensor | null;
}

/** The binary cross entropies' shape rule: input and target of one shape (and posWeight broadcasting to it). */
function sameShape([input, target, posWeight]: readonly Shape[], _a: NoAttrs, op: string): number[] {
  if (!shapeEquals(input!, target!)) throw new ShapeError(`${op}: target ${fmtShape(target!)} must have the same shape as input ${fmtShape(input!)}`);
  if (posWeight && !shapeEquals(broadcastShapes(op, input!, posWeight), input!)) {
    throw new ShapeError(`${op}: posWeight ${fmtShape(posWeight)} must broadcast to the input's shape ${fmtShape(input!)}`);
  }
  return [...input!];
}

function checkDTypes(op: string, input: Tensor, others: Record<string, Tensor | null>): void {
  for (const [name, t] of Object.entries(others)) if (t && t.dtype !== input.dtype) throw new DTypeError(`${op}: input is ${input.dtype} but ${name} is ${t.dtype}`);
}

/** A weight must broadcast to the input's shape without enlarging it. */
function checkBroadcastWeight(op: string, name: string, w: Tensor | null, input: Tensor): void {
  if (!w) return;
  const shape = broadcastShapes(op, input.shape, w.shape);
  if (!shapeEquals(shape, input.shape)) throw new ShapeError(`${op}: ${name} ${fmtShape(w.shape)} must broadcast to the input's shape ${fmtShape(input.shape)}`);
}

/** −(t·log p + (1 − t)·log(1 − p)) per element, each log clamped at −100 as PyTorch does (so p = 0 or 1 gives a
 *  finite loss); inputs p, t of one shape. Saves the clamped logs for the target's gradient. */
export const binaryCrossEntropyOp = defineOp<NoAttrs, {
  /** log p, clamped at −100. */
  logP: Tensor;
  /** log(1 − p), clamped at −100. */
  log1mP: Tensor;
}>({
  name: "binaryCrossEntropy",
  shape: sameShape,
  forward: ([input, target], _a, y) => {
    const p = input!.detach(), t = target!.detach();
    const logP = p.log().clamp(-100), log1mP = p.neg().add(1).log().clamp(-100);
    copyInto(y, t.mul(logP).add(t.neg().add(1).mul(log1mP)).neg());
    return { logP, log1mP };
  },
  backward: (g, [input, target], _y, _a, { logP, log1mP }) => {
    const p = input!.detach(), t = target!.detach();
    // PyTorch's derivative: (p − t) / max(p·(1 − p), 1e-12)
    const dp = input!.requiresGrad ? g.mul(p.sub(t)).div(p.mul(p.neg().add(1)).clamp(1e-12)) : null;
    const dt = target!.requiresGrad ? g.mul(log1mP.sub(logP)) : null;
    return [dp, dt];
  },
  // a training loss, not an inference graph
  onnx: null,
});

/** (1 − t)·x + (1 + (posWeight − 1)·t)·softplus(−x) per element from the logits x, softplus(−x) = log(1 + e^{−|x|}) +
 *  max(−x, 0); inputs x, t of one shape and optionally posWeight (broadcast; no gradient). */
export const binaryCrossEntropyWithLogitsOp = defineOp<NoAttrs, {
  /** softplus(−x). */
  softplusNeg: Tensor;
  /** 1 + (posWeight − 1)·t, or null without posWeight. */
  logWeight: Tensor | null;
}>({
  name: "binaryCrossEntropyWithLogits",
  shape: sameShape,
  forward: ([input, target, posWeight], _a, y) => {
    const x = input!.detach(), t = target!.detach();
    const softplusNeg = x.abs().neg().exp().log1p().add(x.neg().clamp(0));
    const logWeight = posWeight ? posWeight.detach().sub(1).mul(t).add(1) : null;
    copyInto(y, t.neg().add(1).mul(x).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg));
    return { softplusNeg, logWeight };
  },
  backward: (g, [input, target, pw], _y, _a, { softplusNeg, logWeight }) => {
    const x = input!.detach(), t = target!.detach(), posWeight = pw?.detach();
    const s = x.sigmoid();
    // d/dx = σ(x)·(1 + (pw − 1)·t) − pw·t ; d/dt = −x + (pw − 1)·softplus(−x)
    const dx = input!.requiresGrad ? g.mul(logWeight && posWeight ? s.mul(logWeight).sub(posWeight.mul(t)) : s.sub(t)) : null;
    const dt = target!.requiresGrad ? g.mul(posWeight ? x.neg().add(posWeight.sub(1).mul(softplusNeg)) : x.neg()) : null;
    return pw ? [dx, dt, null] : [dx, dt];
  },
  onnx: null,
});

/** Binary cross entropy of probabilities p ∈ [0,1]: −w·(t·log p + (1 − t)·log(1 − p)), each log clamped at −100 as PyTorch
 *  does (so p = 0 or 1 gives a finite loss). input, target: same shape; weight broadcasts. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  const op = "binaryCrossEntropy";
  const reduction = checkReduction(op, opts.reduction ?? "mean");
  const weight = opts.weight?.detach() ?? null;
  checkDTypes(op, input, { target, weight });
  // (on a device the check would read the values back: it is left to the host, as PyTorch's CUDA asserts on the GPU)
  if (!input.isMeta && !input.isOnDevice) {
    for (let i = 0; i < input.size; i++) {
      const p = input.data[i]!;
      if (!(p >= 0 && p <= 1)) throw new ValueError(`${op}: input ${p} at position ${i} is not a probability (all elements of input must be in [0, 1])`);
    }
  }
  checkBroadcastWeight(op, "weight", weight, input);
  const loss = apply(binaryCrossEntropyOp, [input, target], {});
  return reduce(weight ? loss.mul(weight) : loss, reduction);
}

/** Options of binaryCrossEntropyWithLogits. */
export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of the positive term per class (broadcast against the input's last dim), for unbalanced classes. */
  posWeight?: Tensor | null;
}

/** Sigmoid then binary cross entropy, computed stably from the logits x:
 *  loss = w·((1 − t)·x + (1 + (posWeight − 1)·t)·softplus(−x)), softplus(−x) = log(1 + e^{−|x|}) + max(−x, 0). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = checkReduction(op, opts.reduction ?? "mean");
  const weight = opts.weight?.detach() ?? null;
  const posWeight = opts.posWeight?.detach() ?? null;
  checkDTypes(op, input, { target, weight, posWeight });
  checkBroadcastWeight(op, "weight", weight, input);
  const loss = apply(binaryCrossEntropyWithLogitsOp, posWeight ? [input, target, posWeight] : [input, target], {});
  return reduce(weight ? loss.mul(weight) : loss, reduction);
}
