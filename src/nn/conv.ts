// Convolution layers, like torch.nn.Conv2d and ConvTranspose2d: weights [Cout, Cin/groups, kh, kw] and
// [Cin, Cout/groups, kh, kw], PyTorch's default initialisation (kaiming_uniform_(a=√5), bias U(±1/√fan_in)).
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { fmtShape, pair } from "../tensor/shape.js";
import type { Generator } from "../tensor/random.js";
import { conv2d, convTranspose2d, type Conv2dBatchNorm } from "../ops/conv.js";
import type { BatchNormActivation } from "../ops/fusion.js";
import { convOutputSize, convTransposeOutputSize, samePadding } from "../ops/arithmetic.js";
import { ShapeError, ValueError } from "../errors.js";
import { Module } from "./module.js";
import { defaultLayerInit_ } from "./init.js";
import { pyTuple } from "./repr.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** A size for both spatial dimensions (3), or [height, width] ([3, 5]). */
export type IntPair = number | readonly [number, number];

/** Options of Conv2d (PyTorch's defaults). */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: IntPair;
  /** A number, an [h, w] pair, 'valid' (0) or 'same' (output size = input size; stride 1 only). */
  padding?: IntPair | "same" | "valid";
  /** Spacing between the kernel's taps (default 1). */
  dilation?: IntPair;
  /** Channel groups: each sees inChannels/groups inputs (default 1; inChannels for a depthwise convolution). */
  groups?: number;
  /** Learn a per-channel bias. Default true. */
  bias?: boolean;
  /** Source of the initial weights (the global default generator if omitted). */
  generator?: Generator;
}

function checkChannels(op: string, inC: number, outC: number, groups: number): void {
  for (const [name, v] of [["inChannels", inC], ["outChannels", outC], ["groups", groups]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: ${name} must be an integer ≥ 1, got ${String(v)}`);
  }
  if (inC % groups !== 0 || outC % groups !== 0) {
    throw new ValueError(`${op}: groups ${groups} must divide inChannels ${inC} and outChannels ${outC}`);
  }
}

function expectNCHW(op: string, shape: readonly number[], channels: number): void {
  if ((shape.length !== 4 && shape.length !== 3) || shape[shape.length - 3] !== channels) {
    throw new ShapeError(`${op}: expected input [N,${channels},H,W] (or [${channels},H,W]), got ${fmtShape(shape)}`);
  }
}

/** 2-D convolution layer. x: [N,Cin,H,W] → [N,Cout,Hout,Wout], Hout = floor((H + 2p − d(k−1) − 1)/s) + 1. */
export class Conv2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** [kh, kw]. */
  readonly kernelSize: [number, number];
  /** [sh, sw]. */
  readonly stride: [number, number];
  /** Zeros added on each side, [ph, pw], or "same". */
  readonly padding: [number, number] | "same";
  /** [dh, dw]. */
  readonly dilation: [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** The kernels [outChannels, inChannels/groups, kh, kw]. */
  readonly weight: Tensor;
  /** One bias per output channel, or null. */
  readonly bias: Tensor | null;

  /**
   * @param inChannels Channels of the input.
   * @param outChannels Channels of the output (kernels).
   * @param kernelSize The kernels' size.
   * @param opts Stride, padding, dilation, groups, bias and the generator of the initial weights.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, opts: Conv2dOptions = {}) {
    super();
    const op = "Conv2d";
    this.groups = opts.groups ?? 1;
    checkChannels(op, inChannels, outChannels, this.groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(op, "kernelSize", kernelSize, 1);
    this.stride = pair(op, "stride", opts.stride ?? 1, 1);
    this.dilation = pair(op, "dilation", opts.dilation ?? 1, 1);
    const p = opts.padding ?? 0;
    if (p === "same" && (this.stride[0] !== 1 || this.stride[1] !== 1)) throw new ValueError(`${op}: padding 'same' needs stride 1, got ${fmtShape(this.stride)}`);
    this.padding = p === "valid" ? [0, 0] : p === "same" ? "same" : pair(op, "padding", p, 0);
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter("weight", zeros([outChannels, inChannels / this.groups, kh, kw]));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : zeros([outChannels]));
    defaultLayerInit_(this.weight, this.bias, opts.generator);
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, null, null);
  }

  /** The forward with a batch norm in evaluation, a residual and an activation applied to each value as the
   *  convolution writes it (F.conv2d's batchNorm, residual and activation): the values of those layers after it, up to
   *  float32 rounding — what Sequential and runLayers run in an inference. `weight` stands in for the layer's own
   *  (its weights scaled per input channel: a channel gate before it folded in). */
  forwardWith(x: Tensor, batchNorm: Conv2dBatchNorm | null, activation: BatchNormActivation | null, residual: Tensor | null = null,
    weight: Tensor = this.weight): Tensor {
    return conv2d(x, weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, batchNorm, residual, activation,
    });
  }

  /** [top, bottom, left, right] padding actually applied. */
  pads(): [number, number, number, number] {
    if (this.padding === "same") {
      const [t, b] = samePadding(this.kernelSize[0], this.dilation[0]);
      const [l, r] = samePadding(this.kernelSize[1], this.dilation[1]);
      return [t, b, l, r];
    }
    return [this.padding[0], this.padding[0], this.padding[1], this.padding[1]];
  }


  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (this.padding === "same") s += ", padding=same";
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    return s;
  }
}

/** Options of ConvTranspose2d (PyTorch's defaults). */
export interface ConvTranspose2dOptions {
  /** The upsampling factor: input step between outputs' windows (default 1). */
  stride?: IntPair;
  /** Rows and columns cut from each side of the output: d(k − 1) − p of implicit padding (default 0). */
  padding?: IntPair;
  /** Extra rows and columns on the bottom and right, to reach a size a stride > 1 leaves ambiguous (default 0). */
  outputPadding?: IntPair;
  /** Spacing between the kernel's taps (default 1). */
  dilation?: IntPair;
  /** Channel groups (default 1). */
  groups?: number;
  /** Learn a per-channel bias. Default true. */
  bias?: boolean;
  /** Source of the initial weights (the global default generator if omitted). */
  generator?: Generator;
}

/** Transposed convolution (up-convolution). x: [N,Cin,H,W] → [N,Cout,Hout,Wout],
 *  Hout = (H − 1)s − 2p + d(k − 1) + outputPadding + 1. Weight [Cin, Cout/groups, kh, kw]. */
export class ConvTranspose2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** [kh, kw]. */
  readonly kernelSize: [number, number];
  /** [sh, sw]. */
  readonly stride: [number, number];
  /** [ph, pw]. */
  readonly padding: [number, number];
  /** [oph, opw]. */
  readonly outputPadding: [number, number];
  /** [dh, dw]. */
  readonly dilation: [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** The kernels [inChannels, outChannels/groups, kh, kw]. */
  readonly weight: Tensor;
  /** One bias per output channel, or null. */
  readonly bias: Tensor | null;

  /**
   * @param inChannels Channels of the input.
   * @param outChannels Channels of the output.
   * @param kernelSize The kernels' size.
   * @param opts Stride, padding, output padding, dilation, groups, bias and the generator of the initial weights.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, opts: ConvTranspose2dOptions = {}) {
    super();
    const op = "ConvTranspose2d";
    this.groups = opts.groups ?? 1;
    checkChannels(op, inChannels, outChannels, this.groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(op, "kernelSize", kernelSize, 1);
    this.stride = pair(op, "stride", opts.stride ?? 1, 1);
    this.padding = pair(op, "padding", opts.padding ?? 0, 0);
    this.outputPadding = pair(op, "outputPadding", opts.outputPadding ?? 0, 0);
    this.dilation = pair(op, "dilation", opts.dilation ?? 1, 1);
    const [kh, kw] = this.kernelSize;
    this.weight = this.registerParameter("weight", zeros([inChannels, outChannels / this.groups, kh, kw]));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : zeros([outChannels]));
    // PyTorch computes the fan from this weight's layout too: fan_in = (Cout/groups)·kh·kw
    defaultLayerInit_(this.weight, this.bias, opts.generator);
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups,
    });
  }


  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=${pyTuple(this.padding)}`;
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    return s;
  }
}

markKeepsNoTensors(Conv2d, ConvTranspose2d);
