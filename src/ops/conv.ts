// Convolutions: conv2d (cross-correlation, as every deep-learning library computes it), convTranspose2d (the
// up-convolution) and convolve2d (true convolution with a flipped kernel, for image filtering), with the classic
// filter kernels by name. Shapes follow torch.nn.functional; sizes come from ./arithmetic.ts.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, pair, checkInt, sizeOf, type Shape } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { ConvGeometry } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { emptyLike, hostZeros } from "./util.js";
import { convOutputSize, convTransposeOutputSize, samePadding, transposedFieldAxis, windowFieldAxis } from "./arithmetic.js";
import { apply, defineOp, type OnnxAttr } from "./op.js";
import { batchNormScaleShift, fusedActivation, type BatchNormActivation } from "./fusion.js";
import { batchNorm } from "./norm.js";
import { ones, zeros } from "../tensor/creation.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { DTypeError, ShapeError, ValueError } from "../errors.js";

/** A number (all sides), [h, w] (top = bottom = h, left = right = w), [top, bottom, left, right] (asymmetric, e.g. from
 *  ONNX), 'valid' (none) or 'same' (output size = input size at stride 1; an odd extra pixel goes bottom/right). */
export type Conv2dPadding =
  | number
  | readonly [number, number]
  | readonly [number, number, number, number]
  | "same"
  | "valid";

/** Options of conv2d (PyTorch's defaults). */
export interface Conv2dOptions {
  /** Step between windows: a number or [sh, sw] (default 1). */
  stride?: number | readonly [number, number];
  /** Zero padding (default 0). */
  padding?: Conv2dPadding;
  /** Spacing between the kernel's taps (default 1). */
  dilation?: number | readonly [number, number];
  /** Channel groups: each sees Cin/groups inputs (default 1). */
  groups?: number;
  /** A batch norm in evaluation after the convolution (its running statistics), applied to each value as the
   *  convolution writes it, as scale·(x ⋆ w) + shift per channel (onnxruntime's folding: the values of batchNorm
   *  after conv2d up to float32 rounding). Default none. */
  batchNorm?: Conv2dBatchNorm | null;
  /** A tensor of the output's shape added after the batch norm, before the activation (a residual block's shortcut:
   *  relu(bn(conv(x)) + identity)), as the convolution writes each value. Default none. */
  residual?: Tensor | null;
  /** An activation applied to each value last, as the convolution writes it (TF.js's fused conv2d): the values of
   *  the activation's op after it. Default none. */
  activation?: BatchNormActivation | null;
}

/** The batch norm conv2d applies after it (Conv2dOptions.batchNorm): batchNorm's evaluation inputs. */
export interface Conv2dBatchNorm {
  /** Running mean [Cout]. */
  runningMean: Tensor;
  /** Running variance [Cout]. */
  runningVar: Tensor;
  /** Per-channel scale γ [Cout] (default ones). */
  weight?: Tensor | null;
  /** Per-channel shift β [Cout] (default zeros). */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Options of convTranspose2d (PyTorch's defaults). */
export interface ConvTranspose2dOptions {
  /** The upsampling factor: a number or [sh, sw] (default 1). */
  stride?: number | readonly [number, number];
  /** Removed from each side of the full transposed output: number, [h, w] or [top, bottom, left, right]. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Extra rows/columns at the bottom/right; each must be smaller than the stride or the dilation of its axis. */
  outputPadding?: number | readonly [number, number];
  /** Spacing between the kernel's taps (default 1). */
  dilation?: number | readonly [number, number];
  /** Channel groups (default 1). */
  groups?: number;
  /** Wanted output [H, W] (or a full shape, of which the last two count); chooses outputPadding like PyTorch. */
  outputSize?: readonly number[];
}

/** Options of convolve2d. */
export interface Convolve2dOptions {
  /** Step between windows (default 1). */
  stride?: number | readonly [number, number];
  /** Default 0 ('valid'); 'same' keeps the image size. */
  padding?: Conv2dPadding;
  /** Spacing between the kernel's taps (default 1). */
  dilation?: number | readonly [number, number];
  /** Only for a full [Cout, Cin/groups, kh, kw] kernel; a 2-D kernel is applied to each channel separately. */
  groups?: number;
  /** 'convolve' (default) flips the kernel: true convolution. 'correlate' does not: what conv2d computes. */
  mode?: "convolve" | "correlate";
}

/** Padding as [top, bottom, left, right]. */
type Pads4 = [number, number, number, number];

function checkTensorArg(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${t === null ? "null" : typeof t}`);
}

/** t (when given) has x's dtype. Per tensor, without a record of them: this runs on every convolution call. */
function checkSameDType(op: string, x: Tensor, name: string, t: Tensor | null): void {
  if (t && t.dtype !== x.dtype) throw new DTypeError(`${op}: input is ${x.dtype} but ${name} is ${t.dtype}; convert one with .to()`);
}

/** Explicit padding (number, [h, w], or [top, bottom, left, right]) as [top, bottom, left, right]. */
function explicitPads(op: string, padding: unknown): Pads4 {
  if (typeof padding === "number") {
    checkInt(op, "padding", padding, 0);
    return [padding, padding, padding, padding];
  }
  if (Array.isArray(padding) && padding.length === 2) {
    const [ph, pw] = pair(op, "padding", padding as [number, number], 0);
    return [ph, ph, pw, pw];
  }
  if (Array.isArray(padding) && padding.length === 4) {
    const names = ["top", "bottom", "left", "right"];
    padding.forEach((p, i) => checkInt(op, `padding ${names[i]}`, p as number, 0));
    return [padding[0], padding[1], padding[2], padding[3]] as Pads4;
  }
  throw new ValueError(`${op}: padding must be a number, [h, w], [top, bottom, left, right], 'same' or 'valid', got ${JSON.stringify(padding)}`);
}

/** Resolve conv padding (including 'same'/'valid') to [top, bottom, left, right]. */
function convPads(op: string, padding: Conv2dPadding, stride: [number, number], k: [number, number], dilation: [number, number]): Pads4 {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding === "same") {
    // PyTorch allows 'same' only at stride 1: with a stride no padding makes the output as large as the input
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new ValueError(`${op}: padding 'same' needs stride 1, got stride ${fmtShape(stride)}; give explicit padding for strided convolutions`);
    }
    const [top, bottom] = samePadding(k[0], dilation[0]);
    const [left, right] = samePadding(k[1], dilation[1]);
    return [top, bottom, left, right];
  }
  if (typeof padding === "string") throw new ValueError(`${op}: unknown padding '${padding}' (expected a number, [h, w], [top, bottom, left, right], 'same' or 'valid')`);
  return explicitPads(op, padding);
}

/** x [N,C,H,W] or unbatched [C,H,W] (or [H,W] where allowed) → 4-D, and a function restoring the caller's rank. */
function batched(op: string, x: Tensor, allow2d = false): [Tensor, (y: Tensor) => Tensor] {
  if (x.ndim === 4) return [x, (y) => y];
  if (x.ndim === 3) return [x.reshape([1, ...x.shape]), (y) => y.reshape(y.shape.slice(1))];
  if (x.ndim === 2 && allow2d) return [x.reshape([1, 1, ...x.shape]), (y) => y.reshape(y.shape.slice(2))];
  throw new ShapeError(`${op}: input must be [N,C,H,W] or unbatched [C,H,W]${allow2d ? " or a single plane [H,W]" : ""}, got ${fmtShape(x.shape)}`);
}

function checkBias(op: string, bias: Shape | undefined, channels: number, weight: Shape): void {
  if (bias === undefined) return;
  if (bias.length !== 1 || bias[0] !== channels) {
    throw new ShapeError(`${op}: bias must be [${channels}] (one per output channel of weight ${fmtShape(weight)}), got ${fmtShape(bias)}`);
  }
}

/** A convolution's attributes as the tape records them: pads in ONNX's order [top, left, bottom, right]. */
export interface Conv2dAttrs {
  /** [sh, sw]. */
  stride: [number, number];
  /** [top, left, bottom, right]. */
  pads: [number, number, number, number];
  /** [dh, dw]. */
  dilation: [number, number];
  /** Channel groups. */
  groups: number;
}
/** A transposed convolution's attributes: a convolution's and the output padding. */
export interface ConvTranspose2dAttrs extends Conv2dAttrs {
  /** Extra [rows, columns] at the bottom and right. */
  outputPadding: [number, number];
}

/** The kernels' geometry of a convolution x:[n,cIn,h,w] * w:[cOut,cIn/groups,kh,kw] → y:[n,cOut,outH,outW]. */
function convGeometry(x: Shape, w: Shape, y: Shape, a: Conv2dAttrs): ConvGeometry {
  const [n, cIn, h, wd] = x as [number, number, number, number];
  return {
    n, cIn, h, w: wd, cOut: y[1]!, kh: w[2]!, kw: w[3]!, strideH: a.stride[0], strideW: a.stride[1], padTop: a.pads[0], padLeft: a.pads[1],
    dilationH: a.dilation[0], dilationW: a.dilation[1], groups: a.groups, outH: y[2]!, outW: y[3]!,
  };
}

/** The bias [C] added to every position of y: [n, c, h, w], written into `into` (which may be y). */
function addChannelBias(y: Tensor, bias: Tensor, into: Tensor): void {
  // bias [C] read with strides [0, 1, 0, 0]: the same value over n, h and w
  kernel("binary", y.operand)("add", y.operand, y.strides, bias.operand, [0, 1, 0, 0], y.shape, into.operand);
}

const convOnnx = (a: Conv2dAttrs, w: Shape): Record<string, OnnxAttr> => ({
  kernel_shape: { ints: w.slice(2) }, strides: { ints: a.stride }, pads: { ints: a.pads }, dilations: { ints: a.dilation }, group: { int: a.groups },
});

/** 2-D convolution (cross-correlation) of x: [N,Cin,H,W] with weight [Cout, Cin/groups, kh, kw] and optional bias [Cout]. */
export const conv2dOp = defineOp<Conv2dAttrs>({
  name: "conv2d",
  overwrites: true,
  shape: ([x, w, b], a, op) => {
    if (w!.length !== 4) throw new ShapeError(`${op}: weight must be [Cout, Cin/groups, kh, kw], got ${fmtShape(w!)}`);
    const [, c, h, wd] = x as [number, number, number, number];
    const [cOut, cInG, kh, kw] = w as [number, number, number, number];
    if (kh < 1 || kw < 1) throw new ShapeError(`${op}: weight ${fmtShape(w!)} has an empty kernel`);
    if (c !== cInG * a.groups) throw new ShapeError(`${op}: input has ${c} channels but weight ${fmtShape(w!)} expects ${cInG} (× groups ${a.groups})`);
    if (cOut % a.groups !== 0) throw new ShapeError(`${op}: weight ${fmtShape(w!)} has ${cOut} output channels, which groups ${a.groups} does not divide`);
    checkBias(op, b, cOut, w!);
    const outH = convOutputSize(h, kh, { stride: a.stride[0], padding: [a.pads[0], a.pads[2]], dilation: a.dilation[0], op });
    const outW = convOutputSize(wd, kw, { stride: a.stride[1], padding: [a.pads[1], a.pads[3]], dilation: a.dilation[1], op });
    return [x![0]!, cOut, outH, outW];
  },
  forward: ([x, w, b], a, y) => {
    kernel("conv2d", x!.operand)(x!.operand, w!.operand, b ? b.operand : null, convGeometry(x!.shape, w!.shape, y.shape, a), y.operand);
  },
  backward: (g, [x, w, b], y, a) => {
    const geom = convGeometry(x!.shape, w!.shape, y.shape, a);
    let dx: Tensor | null = null, dw: Tensor | null = null;
    if (x!.requiresGrad) {
      // the gradient of a convolution with respect to its input is the transposed convolution of g with w
      dx = emptyLike(x!.dtype, x!.shape);
      kernel("conv2dBackwardInput", g.operand)(g.operand, w!.operand, geom, dx.operand);
    }
    if (w!.requiresGrad) {
      // each weight was used at every output position: its gradient sums them (weight sharing)
      dw = emptyLike(w!.dtype, w!.shape);
      kernel("conv2dBackwardWeight", x!.operand)(x!.operand, g.operand, geom, dw.operand);
    }
    return b ? [dx, dw, b.requiresGrad ? g.sum([0, 2, 3]) : null] : [dx, dw];
  },
  onnx: { export: (e, ins, a, [, w]) => e.node("Conv", ins, convOnnx(a, w!)) },
  macs: ([, w], a, y) => sizeOf(y) * w![1]! * w![2]! * w![3]!,
  field: (f, [, w], a, y) => [
    windowFieldAxis(f[0], w![2]!, a.stride[0], a.dilation[0], y[2]!), windowFieldAxis(f[1], w![3]!, a.stride[1], a.dilation[1], y[3]!),
  ],
});

/** A convolution with what follows it folded into its kernel call (Conv2dOptions' batchNorm, residual, activation). */
export interface Conv2dFusedAttrs extends Conv2dAttrs {
  /** Whether the bias [Cout] is an input (after the weight). */
  bias: boolean;
  /** The batch norm's eps, its γ, β, mean and variance the inputs after the bias; null: no batch norm. */
  eps: number | null;
  /** Whether the residual (the output's shape) is the last input. */
  residual: boolean;
  /** The activation applied last; null: none. */
  activation: BatchNormActivation | null;
}

/** conv2d → batchNorm (evaluation) → + residual → activation as one kernel call: inputs x, weight, [bias], [γ, β, mean,
 *  var], [residual]. */
export const conv2dFusedOp = defineOp<Conv2dFusedAttrs>({
  name: "conv2dFused",
  overwrites: true,
  shape: (s, a, op) => {
    const k = a.bias ? 3 : 2, y = conv2dOp.shape(s.slice(0, k), a, op);
    const stats = a.eps === null ? [] : s.slice(k, k + 4);
    stats.forEach((t, i) => {
      if (t.length !== 1 || t[0] !== y[1]) throw new ShapeError(`${op}: batchNorm.${BN_FIELDS[i]} ${fmtShape(t)} must be [${y[1]}], one per output channel`);
    });
    const r = a.residual ? s[s.length - 1]! : null;
    if (r && (r.length !== y.length || r.some((d, i) => d !== y[i]))) throw new ShapeError(`${op}: residual ${fmtShape(r)} must have the output's shape ${fmtShape(y)}`);
    return y;
  },
  forward: (x, a, y) => {
    const [xi, w] = x as [Tensor, Tensor];
    const bias = a.bias ? x[2]! : null, k = a.bias ? 3 : 2;
    const folded = a.eps === null ? null : batchNormScaleShift(x[k]!, x[k + 1]!, x[k + 2]!, x[k + 3]!, a.eps, bias);
    const act = a.activation ? fusedActivation("conv2d", a.activation) : null;
    const residual = a.residual ? x[x.length - 1]!.operand : null;
    kernel("conv2d", xi.operand)(xi.operand, w.operand, folded ? folded.shift : bias?.operand ?? null, convGeometry(xi.shape, w.shape, y.shape, a),
      y.operand, folded?.scale ?? null, act?.op ?? null, act?.lo ?? 0, act?.hi ?? 0, residual);
  },
  // never recorded: a gradient, an ONNX export or a summary (which read the tape) get conv2d's three ops instead
  backward: null,
  onnx: null,
});
const BN_FIELDS = ["weight", "bias", "runningMean", "runningVar"] as const;

/** Transposed convolution of x: [N,Cin,H,W] with weight [Cin, Cout/groups, kh, kw] and optional bias [Cout]: the same
 *  kernels as conv2d with the roles swapped (this op's output is the input of a conv2d whose output is x). */
export const convTranspose2dOp = defineOp<ConvTranspose2dAttrs>({
  name: "convTranspose2d",
  shape: ([x, w, b], a, op) => {
    if (w!.length !== 4) throw new ShapeError(`${op}: weight must be [Cin, Cout/groups, kh, kw], got ${fmtShape(w!)}`);
    const [, cIn, h, wd] = x as [number, number, number, number];
    const [wIn, cOutG, kh, kw] = w as [number, number, number, number];
    if (kh < 1 || kw < 1) throw new ShapeError(`${op}: weight ${fmtShape(w!)} has an empty kernel`);
    if (cIn !== wIn) throw new ShapeError(`${op}: input has ${cIn} channels but weight ${fmtShape(w!)} expects ${wIn} (its first dim)`);
    if (cIn % a.groups !== 0) throw new ShapeError(`${op}: input channels ${cIn} are not divisible by groups ${a.groups}`);
    const cOut = cOutG * a.groups;
    checkBias(op, b, cOut, w!);
    const size = (i: number, k: number, axis: 0 | 1): number => convTransposeOutputSize(i, k, {
      stride: a.stride[axis], padding: [a.pads[axis], a.pads[axis + 2]!], outputPadding: a.outputPadding[axis], dilation: a.dilation[axis], op,
    });
    return [x![0]!, cOut, size(h, kh, 0), size(wd, kw, 1)];
  },
  forward: ([x, w, b], a, y) => {
    const geom = convGeometry(y.shape, w!.shape, x!.shape, a);
    kernel("conv2dBackwardInput", x!.operand)(x!.operand, w!.operand, geom, y.operand);
    if (b) addChannelBias(y, b, y);
  },
  backward: (g, [x, w, b], y, a) => {
    const geom = convGeometry(y.shape, w!.shape, x!.shape, a);
    let dx: Tensor | null = null, dw: Tensor | null = null;
    if (x!.requiresGrad) {
      // the transpose of a transposed convolution is the convolution itself
      dx = emptyLike(x!.dtype, x!.shape);
      kernel("conv2d", g.operand)(g.operand, w!.operand, null, geom, dx.operand);
    }
    if (w!.requiresGrad) {
      dw = emptyLike(w!.dtype, w!.shape);
      kernel("conv2dBackwardWeight", g.operand)(g.operand, x!.operand, geom, dw.operand);
    }
    return b ? [dx, dw, b.requiresGrad ? g.sum([0, 2, 3]) : null] : [dx, dw];
  },
  onnx: { export: (e, ins, a, [, w]) => e.node("ConvTranspose", ins, { ...convOnnx(a, w!), output_padding: { ints: a.outputPadding } }) },
  macs: ([x, w], a) => sizeOf(x!) * w![1]! * w![2]! * w![3]!,
  field: (f, [, w], a, y) => [
    transposedFieldAxis(f[0], w![2]!, a.stride[0], a.dilation[0], y[2]!), transposedFieldAxis(f[1], w![3]!, a.stride[1], a.dilation[1], y[3]!),
  ],
});

/** The shared conv2d entry; `op` names the public function in error messages. */
function conv2dImpl(op: string, xIn: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions, allow2d = false): Tensor {
  checkTensorArg(op, "input", xIn);
  checkTensorArg(op, "weight", weight);
  if (bias !== null) checkTensorArg(op, "bias", bias);
  const [x, restore] = batched(op, xIn, allow2d);
  if (weight.ndim !== 4) throw new ShapeError(`${op}: weight must be [Cout, Cin/groups, kh, kw], got ${fmtShape(weight.shape)}`);
  checkSameDType(op, x, "weight", weight);
  checkSameDType(op, x, "bias", bias);
  const groups = checkInt(op, "groups", opts.groups ?? 1, 1);
  const stride = pair(op, "stride", opts.stride ?? 1, 1);
  const dilation = pair(op, "dilation", opts.dilation ?? 1, 1);
  const [top, bottom, left, right] = convPads(op, opts.padding ?? 0, stride, [weight.shape[2]!, weight.shape[3]!], dilation);
  const a: Conv2dAttrs = { stride, pads: [top, left, bottom, right], dilation, groups };
  const { batchNorm: bn = null, activation = null, residual = null } = opts;
  if (!bn && !activation && !residual) return restore(apply(conv2dOp, bias ? [x, weight, bias] : [x, weight], a, { caller: op }));
  const act = activation === null ? null : fusedActivation(op, activation);
  const c = weight.shape[0]!;
  const stats = bn ? [bn.weight ?? ones([c], { dtype: x.dtype }), bn.bias ?? zeros([c], { dtype: x.dtype }), bn.runningMean, bn.runningVar] : [];
  for (let i = 0; i < stats.length; i++) {
    const t = stats[i];
    if (!(t instanceof Tensor) || t.dtype !== x.dtype) {
      checkTensorArg(op, `batchNorm.${BN_FIELDS[i]!}`, t);
      checkSameDType(op, x, `batchNorm.${BN_FIELDS[i]!}`, t);
    }
  }
  if (residual !== null) {
    checkTensorArg(op, "residual", residual);
    checkSameDType(op, x, "residual", residual);
  }
  // the residual has the output's shape: unbatched with an unbatched input, batched here as the input is
  const res = residual === null || x === xIn ? residual : residual.reshape([1, ...residual.shape]);
  const inputs = [x, weight, ...(bias ? [bias] : []), ...stats, ...(res ? [res] : [])];
  // a gradient wanted (or a shape-only pass, whose tape summaries walk): the ops one by one, each recorded
  if (inputs.some((t) => t.isMeta) || (isGradEnabled() && inputs.some((t) => t.requiresGrad))) {
    let y = apply(conv2dOp, bias ? [x, weight, bias] : [x, weight], a, { caller: op });
    if (bn) y = batchNorm(y, bn.runningMean, bn.runningVar, { weight: bn.weight, bias: bn.bias, eps: bn.eps, activation: res ? null : activation });
    if (res) y = y.add(res);
    if (act && (res || !bn)) y = act.alone(y);
    return restore(y);
  }
  const eps = bn ? bn.eps ?? 1e-5 : null;
  if (eps !== null && !(typeof eps === "number" && eps >= 0 && Number.isFinite(eps))) throw new ValueError(`${op}: batchNorm.eps must be a finite number ≥ 0, got ${String(eps)}`);
  // a literal, not { ...a, … }: V8 spends ~1.5 µs on each property added after a spread, on every call
  const fused: Conv2dFusedAttrs = { stride, pads: a.pads, dilation, groups, bias: bias !== null, eps, residual: res !== null, activation };
  return restore(apply(conv2dFusedOp, inputs, fused, { caller: op }));
}

/**
 * 2-D convolution as deep learning means it: cross-correlation y[n,o] = b[o] + Σ_c w[o,c] ⋆ x[n, c], like
 * torch.nn.functional.conv2d.
 *
 * x: [N,Cin,H,W] (or unbatched [Cin,H,W]), weight: [Cout, Cin/groups, kh, kw], bias: [Cout] | null
 * → [N,Cout,Hout,Wout] with Hout = floor((H + padTop + padBottom − dh(kh−1) − 1)/sh) + 1 (convOutputSize), same for W.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dImpl("conv2d", x, weight, bias, opts);
}

/** The output size PyTorch's output_size argument asks for, turned into outputPadding per axis. */
function outputPaddingFor(
  op: string, outputSize: readonly number[], inSize: [number, number], k: [number, number], stride: [number, number],
  pads: Pads4, dilation: [number, number],
): [number, number] {
  if (!Array.isArray(outputSize) || outputSize.length < 2 || outputSize.length > 4) {
    throw new ValueError(`${op}: outputSize must be [H, W] (or a shape ending in them), got ${JSON.stringify(outputSize)}`);
  }
  const wanted = outputSize.slice(-2);
  return [0, 1].map((a) => {
    const size = checkInt(op, `outputSize[${outputSize.length - 2 + a}]`, wanted[a]!, 1);
    const min = convTransposeOutputSize(inSize[a]!, k[a]!, {
      stride: stride[a]!, padding: a === 0 ? [pads[0], pads[1]] : [pads[2], pads[3]], dilation: dilation[a]!, op,
    });
    const max = min + stride[a]! - 1;
    if (size < min || size > max) {
      throw new ValueError(`${op}: requested output size ${JSON.stringify(wanted)} but valid sizes for ${a === 0 ? "height" : "width"} range from ${min} to ${max} (for input ${inSize[a]})`);
    }
    return size - min;
  }) as [number, number];
}

/**
 * Transposed convolution (the up-convolution, "fractionally strided"): the gradient of conv2d with respect to its
 * input, used as a layer, like torch.nn.functional.conv_transpose2d.
 *
 * x: [N,Cin,H,W] (or [Cin,H,W]), weight: [Cin, Cout/groups, kh, kw], bias: [Cout] | null → [N,Cout,Hout,Wout] with
 * Hout = (H − 1)·sh − padTop − padBottom + dh(kh − 1) + outputPadding + 1 (convTransposeOutputSize), same for W.
 */
export function convTranspose2d(xIn: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = "convTranspose2d";
  checkTensorArg(op, "input", xIn);
  checkTensorArg(op, "weight", weight);
  if (bias !== null) checkTensorArg(op, "bias", bias);
  const [x, restore] = batched(op, xIn);
  if (weight.ndim !== 4) throw new ShapeError(`${op}: weight must be [Cin, Cout/groups, kh, kw], got ${fmtShape(weight.shape)}`);
  checkSameDType(op, x, "weight", weight);
  checkSameDType(op, x, "bias", bias);
  const groups = checkInt(op, "groups", opts.groups ?? 1, 1);
  const stride = pair(op, "stride", opts.stride ?? 1, 1);
  const dilation = pair(op, "dilation", opts.dilation ?? 1, 1);
  const padding = opts.padding ?? 0;
  if (typeof padding === "string") throw new ValueError(`${op}: padding must be a number, [h, w] or [top, bottom, left, right], got '${padding}'`);
  const pads = explicitPads(op, padding);
  const outPad = opts.outputSize !== undefined
    ? outputPaddingFor(op, opts.outputSize, [x.shape[2]!, x.shape[3]!], [weight.shape[2]!, weight.shape[3]!], stride, pads, dilation)
    : pair(op, "outputPadding", opts.outputPadding ?? 0, 0);
  const a: ConvTranspose2dAttrs = { stride, pads: [pads[0], pads[2], pads[1], pads[3]], dilation, groups, outputPadding: outPad };
  return restore(apply(convTranspose2dOp, bias ? [x, weight, bias] : [x, weight], a));
}

// ---------------------------------------------------------------------------------------------------------------
// Image filtering: true convolution and the classic kernels.

/** The classic filter kernels, by name. */
export const KERNEL_NAMES = ["sharpen", "laplace", "sobel-x", "sobel-y", "box", "gauss", "lecture-example"] as const;
/** The name of a classic kernel (KERNEL_NAMES). */
export type FilterKernelName = (typeof KERNEL_NAMES)[number];

/** Options of namedKernel. */
export interface NamedKernelOptions {
  /** Side of 'box' (default 3) or 'gauss' (default 3, or 2·ceil(3σ)+1 when sigma is given). */
  size?: number;
  /** Standard deviation of a sampled 'gauss'; without it 'gauss' is the binomial (Pascal's triangle) approximation. */
  sigma?: number;
  /** The kernel's element type (default float32). */
  dtype?: DType;
}

const FIXED_KERNELS: Record<string, number[][]> = {
  sharpen: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
  laplace: [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
  "sobel-x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
  "sobel-y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
  // the lecture's "Convolution Example" kernel: centre-weighted, sums to 8
  "lecture-example": [[0, 1, 0], [1, 4, 1], [0, 1, 0]],
};

/**
 * A classic filter kernel as a [k, k] tensor:
 * 'sharpen' [[0,-1,0],[-1,5,-1],[0,-1,0]]; 'laplace' [[0,1,0],[1,-4,1],[0,1,0]]; 'sobel-x' [[1,0,-1],[2,0,-2],[1,0,-1]]
 * (with convolve2d: the derivative along +x, smoothed along y); 'sobel-y' its transpose; 'box' the k×k mean;
 * 'gauss' the normalised binomial 1-2-1 ⊗ 1-2-1 / 16 (or of any size, or a sampled Gaussian with sigma);
 * 'lecture-example' [[0,1,0],[1,4,1],[0,1,0]].
 */
export function namedKernel(name: FilterKernelName, opts: NamedKernelOptions = {}): Tensor {
  const op = "namedKernel";
  const dtype = opts.dtype ?? "float32";
  const fromRows = (rows: number[][]): Tensor => {
    const t = hostZeros(dtype, [rows.length, rows[0]!.length]);
    rows.flat().forEach((v, i) => (t.data[i] = v));
    return t;
  };
  const fixed = FIXED_KERNELS[name];
  if (fixed) {
    if (opts.size !== undefined && opts.size !== 3) throw new ValueError(`${op}: '${name}' is a fixed 3×3 kernel, size ${opts.size} is not available`);
    if (opts.sigma !== undefined) throw new ValueError(`${op}: sigma applies to 'gauss' only, not '${name}'`);
    return fromRows(fixed);
  }
  if (name === "box") {
    if (opts.sigma !== undefined) throw new ValueError(`${op}: sigma applies to 'gauss' only, not 'box'`);
    const k = checkInt(op, "size", opts.size ?? 3, 1);
    return fromRows(Array.from({ length: k }, () => new Array<number>(k).fill(1 / (k * k))));
  }
  if (name === "gauss") {
    let row: number[];
    if (opts.sigma !== undefined) {
      const sigma = opts.sigma;
      if (typeof sigma !== "number" || !Number.isFinite(sigma) || sigma <= 0) throw new ValueError(`${op}: sigma must be a positive finite number, got ${String(sigma)}`);
      const k = checkInt(op, "size", opts.size ?? 2 * Math.ceil(3 * sigma) + 1, 1);
      row = Array.from({ length: k }, (_, i) => Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * sigma * sigma)));
    } else {
      // binomial coefficients C(k−1, i): 1-2-1, 1-4-6-4-1, … approximate a Gaussian with integer weights
      const k = checkInt(op, "size", opts.size ?? 3, 1);
      row = [1];
      for (let i = 1; i < k; i++) row = [...row, 0].map((v, j) => v + (j > 0 ? row[j - 1]! : 0));
    }
    const total = row.reduce((a, b) => a + b, 0);
    return fromRows(row.map((a) => row.map((b) => (a * b) / (total * total))));
  }
  throw new ValueError(`${op}: unknown kernel '${String(name)}' (known: ${KERNEL_NAMES.join(", ")})`);
}

/**
 * True 2-D convolution (the kernel flipped in both axes), for image filtering — what the lecture calls convolution as
 * distinct from the cross-correlation conv2d computes. `kernel` is a name from KERNEL_NAMES, a [kh, kw] tensor applied
 * to each channel separately (depthwise, groups = C), or a full [Cout, Cin/groups, kh, kw] weight.
 *
 * x: [N,C,H,W], [C,H,W] or (with a 2-D kernel) [H,W] → the same rank, with sizes from convOutputSize (default padding 0: 'valid').
 * mode 'correlate' skips the flip (conv2d's cross-correlation).
 */
export function convolve2d(x: Tensor, kernelArg: Tensor | FilterKernelName, opts: Convolve2dOptions = {}): Tensor {
  const op = "convolve2d";
  checkTensorArg(op, "input", x);
  const mode = opts.mode ?? "convolve";
  if (mode !== "convolve" && mode !== "correlate") throw new ValueError(`${op}: mode must be 'convolve' or 'correlate', got ${JSON.stringify(mode)}`);
  let k: Tensor;
  if (typeof kernelArg === "string") k = namedKernel(kernelArg, { dtype: x.dtype });
  else {
    checkTensorArg(op, "kernel", kernelArg);
    k = kernelArg;
  }
  if (k.dtype !== x.dtype) throw new DTypeError(`${op}: input is ${x.dtype} but kernel is ${k.dtype}; convert one with .to()`);
  const conv = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1 };
  if (mode === "convolve") k = k.ndim >= 2 ? k.flip([k.ndim - 2, k.ndim - 1]) : k;
  if (k.ndim === 2) {
    if (x.ndim < 2 || x.ndim > 4) throw new ShapeError(`${op}: input must be [N,C,H,W], [C,H,W] or [H,W], got ${fmtShape(x.shape)}`);
    const channels = x.ndim === 2 ? 1 : x.shape[x.ndim - 3]!;
    if (opts.groups !== undefined && opts.groups !== channels) {
      throw new ValueError(`${op}: a [kh, kw] kernel is applied to each of the ${channels} channels separately (groups = ${channels}); groups ${opts.groups} needs a [Cout, Cin/groups, kh, kw] kernel`);
    }
    if (k.shape[0]! < 1 || k.shape[1]! < 1) throw new ShapeError(`${op}: kernel ${fmtShape(k.shape)} is empty`);
    // one copy of the kernel per channel; expand's backward sums the copies' gradients into the [kh, kw] kernel
    const weight = k.reshape([1, 1, k.shape[0]!, k.shape[1]!]).expand([channels, 1, k.shape[0]!, k.shape[1]!]);
    return conv2dImpl(op, x, weight, null, { groups: channels, ...conv }, true);
  }
  if (k.ndim === 4) return conv2dImpl(op, x, k, null, { groups: opts.groups ?? 1, ...conv });
  throw new ShapeError(`${op}: kernel must be [kh, kw] or [Cout, Cin/groups, kh, kw], got ${fmtShape(k.shape)}`);
}
