// Activations beyond the elementwise basics (relu, leakyRelu, sigmoid, tanh live in elementwise.ts): softmax and
// log-softmax, dropout and channel dropout, relu6, hardtanh, elu, softplus, gelu, silu, hardswish, hardsigmoid — as
// torch.nn.functional. The primitives are table ops (op.ts); relu6 is hardtanh, elu and softplus are made of other ops.
// hardtanh, hardswish, hardsigmoid and silu run on the activation kernels, forward and backward (one pass each).
import { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, broadcastStrides, fmtShape, normDim, shapeEquals, sizeOf } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { allocate } from "../tensor/dtype.js";
import { kernel } from "../backends/registry.js";
import { GELU_TANH } from "../backends/js/special.js";
import { emptyLike, hostZeros } from "./util.js";
import { activationGrad, expm1, where, type NoAttrs } from "./elementwise.js";
import { apply, defineOp, OnnxExportError, type OnnxEmitter, type OpDef } from "./op.js";
import { ShapeError, ValueError } from "../errors.js";

/** softmax's and logSoftmax's attribute: the (non-negative) dim they normalise along. */
export interface SoftmaxAttrs {
  /** The dim normalised along. */
  dim: number;
}

function softmaxDef(name: "softmax" | "logSoftmax", log: boolean): OpDef<SoftmaxAttrs> {
  return defineOp<SoftmaxAttrs>({
    name,
    overwrites: true,
    shape: ([x]) => [...x!],
    forward: ([x], a, y) => {
      const shape = x!.ndim === 0 ? [1] : x!.shape;
      const outer = sizeOf(shape.slice(0, a.dim)), size = shape[a.dim]!, inner = sizeOf(shape.slice(a.dim + 1));
      kernel("softmax", x!.operand)(x!.operand, outer, size, inner, log, y.operand);
    },
    backward: (g, _x, out, a) => {
      const y = out.detach();
      const rd = y.ndim === 0 ? undefined : a.dim;
      // y = x − logΣexp x  ⇒  dx = g − softmax(x)·Σg
      if (log) return [g.sub(y.exp().mul(g.sum(rd, true)))];
      // y = softmax(x)  ⇒  dx = y·(g − Σ g·y)
      return [y.mul(g.sub(g.mul(y).sum(rd, true)))];
    },
    onnx: { export: (e, [x], a) => e.node(log ? "LogSoftmax" : "Softmax", [x!], { axis: { int: a.dim } }) },
  });
}

/** The op-table definition of softmax. */
export const softmaxOp = softmaxDef("softmax", false);
/** The op-table definition of logSoftmax. */
export const logSoftmaxOp = softmaxDef("logSoftmax", true);

function softmaxLike(op: OpDef<SoftmaxAttrs>, x: Tensor, dim: number): Tensor {
  if (typeof dim !== "number") throw new ValueError(`${op.name}: dim is required (a number), got ${String(dim)}`);
  return apply(op, [x], { dim: normDim(op.name, dim, x.ndim) });
}

/** Softmax along `dim`: exp(x) / Σ exp(x), computed with the max subtracted. x: any shape → same shape. */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxLike(softmaxOp, x, dim);

/** log(softmax(x)) along `dim`, computed as x − max − log Σ exp(x − max) (never log of a rounded-to-zero value). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxLike(logSoftmaxOp, x, dim);

/** Options of dropout and dropout2d. */
export interface DropoutOptions {
  /** Probability of zeroing an element (a channel for dropout2d), in [0, 1]. Default 0.5. */
  p?: number;
  /** Only training mode drops; evaluation returns the input unchanged. Default true. */
  training?: boolean;
  /** Source of the random mask; the global default generator if omitted. */
  generator?: Generator;
}

/** A dropout's attributes as the tape records them (training is always true there: evaluation records nothing). */
export interface DropoutAttrs {
  /** The drop probability. */
  p: number;
  /** Always true on the tape. */
  training: boolean;
}

/** x times a mask (the second input, broadcast to x: 0 or 1/(1−p) per element, or per channel for dropout2d). The
 *  mask is drawn by the public function, so the op itself is deterministic. */
function dropoutDef(name: "dropout" | "dropout2d"): OpDef<DropoutAttrs> {
  return defineOp<DropoutAttrs>({
    name,
    shape: ([x, m], _a, caller) => {
      if (!shapeEquals(broadcastShapes(caller, x!, m!), x!)) throw new ShapeError(`${caller}: mask ${fmtShape(m!)} must broadcast to the input's shape ${fmtShape(x!)}`);
      return [...x!];
    },
    forward: ([x, m], _a, y) => {
      kernel("binary", x!.operand)("mul", x!.operand, x!.strides, m!.operand, broadcastStrides(m!.shape, y.shape), y.shape, y.operand);
    },
    backward: (g, [, m]) => [g.mul(m!), null],
    onnx: {
      export: () => {
        throw new OnnxExportError(`ONNX export: ${name} recorded in training mode; export runs the model in eval mode, so call F.${name} with training: this.training`);
      },
    },
  });
}

/** The op-table definition of dropout. */
export const dropoutOp = dropoutDef("dropout");
/** The op-table definition of dropout2d. */
export const dropout2dOp = dropoutDef("dropout2d");

function checkP(op: string, p: number): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
}

/** Drops each element of a mask of `maskShape` (broadcast over x) with probability p, scaling the kept ones by 1/(1−p). */
function dropoutMasked(op: OpDef<DropoutAttrs>, x: Tensor, p: number, maskShape: readonly number[], gen: Generator): Tensor {
  let mask: Tensor;
  if (x.isMeta) mask = Tensor.meta(maskShape, x.dtype);
  else {
    // inverted dropout: E[out] = x, so evaluation needs no rescaling
    const keepScale = p === 1 ? 0 : 1 / (1 - p);
    mask = new Tensor(allocate(x.dtype, sizeOf(maskShape)), maskShape);
    for (let i = 0; i < mask.size; i++) mask.data[i] = gen.random() >= p ? keepScale : 0;
  }
  return apply(op, [x, mask], { p, training: true });
}

/** Inverted dropout: in training each element is zeroed with probability p and the kept ones scaled by 1/(1−p);
 *  in evaluation (or with p = 0) the input itself is returned, as PyTorch does. x: any shape → same shape. */
export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, generator = defaultGenerator } = opts;
  checkP("dropout", p);
  if (!training || p === 0 || x.size === 0) return x;
  return dropoutMasked(dropoutOp, x, p, x.shape, generator);
}

/** Channel dropout: zeroes whole feature maps x[n, c] with probability p (kept ones scaled by 1/(1−p)).
 *  x: [N,C,H,W] (or [N,C,L], which PyTorch 1.13 also treats as batched) → same shape. */
export function dropout2d(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, generator = defaultGenerator } = opts;
  checkP("dropout2d", p);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: expects a [N,C,H,W] or [N,C,L] input, got ${fmtShape(x.shape)}`);
  if (!training || p === 0 || x.size === 0) return x;
  // one draw per map: a [N, C, 1, …] mask
  return dropoutMasked(dropout2dOp, x, p, x.shape.map((d, i) => (i < 2 ? d : 1)), generator);
}

/** Options of hardtanh. */
export interface HardtanhOptions {
  /** The lower bound (default −1). */
  minVal?: number;
  /** The upper bound (default 1). */
  maxVal?: number;
}

/** The op-table definition of hardtanh. */
export const hardtanhOp = defineOp<Required<HardtanhOptions>>({
  name: "hardtanh",
  overwrites: true,
  shape: ([x]) => [...x!],
  // min(max(x, minVal), maxVal): NaN stays NaN, as PyTorch's clamp
  forward: ([x], a, y) => kernel("activation", x!.operand)("hardtanh", x!.operand, y.operand, a.minVal, a.maxVal),
  // the gradient passes only strictly inside (minVal, maxVal), like PyTorch
  backward: (g, [x], _y, a) => [activationGrad("hardtanh", x!, g, a.minVal, a.maxVal)],
  onnx: { export: (e, [x], a) => e.node("Clip", [x!, e.floatConstant([a.minVal], [], "clip_min"), e.floatConstant([a.maxVal], [], "clip_max")]) },
});

/** clamp(x, minVal, maxVal); the gradient passes only strictly inside (minVal, maxVal), like PyTorch. */
export function hardtanh(x: Tensor, opts: HardtanhOptions = {}): Tensor {
  const { minVal = -1, maxVal = 1 } = opts;
  if (!(minVal <= maxVal)) throw new ValueError(`hardtanh: minVal ${minVal} must not exceed maxVal ${maxVal}`);
  return apply(hardtanhOp, [x], { minVal, maxVal });
}

/** min(max(x, 0), 6), as in MobileNet. */
export const relu6 = (x: Tensor): Tensor => hardtanh(x, { minVal: 0, maxVal: 6 });

/** x for x > 0, alpha·(exp(x) − 1) otherwise. */
export function elu(x: Tensor, opts: { alpha?: number } = {}): Tensor {
  const { alpha = 1 } = opts;
  return where(x.gt(0), x, expm1(x.clamp(null, 0)).mul(alpha));
}

/** Options of softplus. */
export interface SoftplusOptions {
  /** The sharpness (default 1). */
  beta?: number;
  /** Above beta·x = threshold, x itself is returned (default 20). */
  threshold?: number;
}

/** log(1 + exp(beta·x)) / beta, and x itself where beta·x > threshold (for stability), as PyTorch. */
export function softplus(x: Tensor, opts: SoftplusOptions = {}): Tensor {
  const { beta = 1, threshold = 20 } = opts;
  if (!(beta !== 0 && Number.isFinite(beta))) throw new ValueError(`softplus: beta must be a non-zero finite number, got ${beta}`);
  const bx = x.mul(beta);
  // clamp before exp so the unused branch never overflows (its gradient would be 0·∞ = NaN)
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return where(bx.gt(threshold), x, soft);
}

/** An activation with a kernel of its own, forward and backward (no attributes). */
function activationDef(name: "hardswish" | "hardsigmoid" | "silu" | "erf", onnx: (e: OnnxEmitter, x: string) => string): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name,
    overwrites: true,
    shape: ([x]) => [...x!],
    forward: ([x], _a, y) => kernel("activation", x!.operand)(name, x!.operand, y.operand, 0, 0),
    backward: (g, [x]) => [activationGrad(name, x!, g)],
    onnx: { export: (e, [x]) => onnx(e, x!) },
  });
}

/** The op-table definition of silu: x·sigmoid(x), exported as x·Sigmoid(x) (ONNX has no SiLU). */
export const siluOp = activationDef("silu", (e, x) => e.node("Mul", [x, e.node("Sigmoid", [x])]));

/** x·sigmoid(x) (a.k.a. swish). x: any shape → same shape. */
export const silu = (x: Tensor): Tensor => apply(siluOp, [x], {});

/** The op-table definition of erf (ONNX's Erf). */
export const erfOp = activationDef("erf", (e, x) => e.node("Erf", [x]));

/** The error function erf(x) = 2/√π·∫₀ˣ e^{−t²} dt, elementwise (torch.erf), on the activation kernels ("erf"): within
 *  ~1e-7 of its value in float32 (odd: small arguments keep their relative precision). x: any shape → same shape. */
export const erf = (x: Tensor): Tensor => apply(erfOp, [x], {});

/** Options of gelu. */
export interface GeluOptions {
  /** "none": the exact erf form (default); "tanh": the tanh approximation. */
  approximate?: "none" | "tanh";
}

/** x·Φ(x) with Φ the normal CDF (1 + erf(x/√2))/2 — or, approximate 'tanh', x·(1 + tanh(√(2/π)·(x + 0.044715x³)))/2 —
 *  as PyTorch's gelu, on the activation kernels ("gelu", "geluTanh"); ONNX before opset 20 has no Gelu, so it is
 *  written with Erf (or Tanh). */
export const geluOp = defineOp<Required<GeluOptions>>({
  name: "gelu",
  overwrites: true,
  shape: ([x]) => [...x!],
  forward: ([x], a, y) => kernel("activation", x!.operand)(a.approximate === "tanh" ? "geluTanh" : "gelu", x!.operand, y.operand, 0, 0),
  backward: (g, [x], _y, a) => [activationGrad(a.approximate === "tanh" ? "geluTanh" : "gelu", x!, g)],
  onnx: {
    export: (e, [x], a) => {
      const c = (v: number): string => e.floatConstant([v], [], "gelu_const");
      const half = e.node("Mul", [x!, c(0.5)]);
      const inner = a.approximate === "none"
        ? e.node("Erf", [e.node("Div", [x!, c(Math.SQRT2)])])
        : e.node("Tanh", [e.node("Mul", [e.node("Add", [x!, e.node("Mul", [e.node("Mul", [e.node("Mul", [x!, x!]), x!]), c(GELU_TANH.cubic)])]), c(GELU_TANH.scale)])]);
      return e.node("Mul", [half, e.node("Add", [inner, c(1)])]);
    },
  },
});

/** x·Φ(x) with the exact normal CDF Φ(x) = (1 + erf(x/√2))/2, or PyTorch's tanh approximation. */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  const { approximate = "none" } = opts;
  if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  return apply(geluOp, [x], { approximate });
}

/** x·relu6(x + 3)/6 (MobileNetV3), as PyTorch's hardswish: slope 0 below −3, x/3 + ½ on [−3, 3], 1 above.
 *  ONNX's HardSwish needs opset 14 (the exporter writes 13), so it is exported as x·HardSigmoid(x) with
 *  alpha = 1/6, beta = ½: HardSigmoid is max(0, min(1, x/6 + ½)) = relu6(x + 3)/6. */
export const hardswishOp = activationDef("hardswish",
  (e, x) => e.node("Mul", [x, e.node("HardSigmoid", [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })]));

/** x·relu6(x + 3)/6: 0 at x ≤ −3, x at x ≥ 3, smooth-ish in between (MobileNetV3's hard swish). x: any shape → same shape. */
export const hardswish = (x: Tensor): Tensor => apply(hardswishOp, [x], {});

/** The op-table definition of hardsigmoid, exported as ONNX's HardSigmoid with alpha = 1/6, beta = ½. */
export const hardsigmoidOp = activationDef("hardsigmoid",
  (e, x) => e.node("HardSigmoid", [x], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }));

/** relu6(x + 3)/6, as PyTorch's hardsigmoid (its float32 steps, so the same values; the slope 1/6 strictly inside
 *  (−3, 3), 0 outside). x: any shape → same shape. */
export const hardsigmoid = (x: Tensor): Tensor => apply(hardsigmoidOp, [x], {});

/** Whether stochastic depth drops per sample ("row") or the whole batch at once ("batch"). */
export type StochasticDepthMode = "row" | "batch";

/** Stochastic depth's argument checks, shared with nn.StochasticDepth's constructor. */
export function checkDepthArgs(op: string, p: number, mode: string): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: drop probability has to be between 0 and 1, but got ${String(p)}`);
  if (mode !== "row" && mode !== "batch") throw new ValueError(`${op}: mode has to be either 'batch' or 'row', but got ${String(mode)}`);
}

/**
 * Stochastic depth (Huang et al. 2016) as torchvision.ops.stochastic_depth: in training, drops the whole residual
 * branch with probability p, per sample ('row') or for the whole batch ('batch'), scaling the kept ones by 1/(1−p);
 * in evaluation (or with p = 0) the input itself. x: [N, …] → same shape.
 */
export function stochasticDepth(x: Tensor, p: number, mode: StochasticDepthMode, training = true, generator: Generator = defaultGenerator): Tensor {
  checkDepthArgs("stochasticDepth", p, mode);
  if (!training || p === 0) return x;
  const shape = x.shape.map((d, i) => (mode === "row" && i === 0 ? d : 1));
  let mask: Tensor;
  if (x.isMeta) mask = Tensor.meta(shape, x.dtype);
  else {
    const survival = 1 - p;
    // bernoulli(survival), divided by survival when it is positive (p = 1 leaves zeros), as torchvision
    mask = new Tensor(allocate(x.dtype, shape.reduce((a, b) => a * b, 1)), shape);
    for (let i = 0; i < mask.size; i++) mask.data[i] = generator.random() < survival ? 1 / survival : 0;
  }
  return x.mul(mask);
}

