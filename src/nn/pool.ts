// Pooling layers, like torch.nn.MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d, plus
// MinPool2d (the lecture's min pooling). No parameters.
import type { Tensor } from "../tensor/tensor.js";
import { fmtShape, pair } from "../tensor/shape.js";
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d, maxUnpool2d, minPool2d, type AdaptiveSize } from "../ops/pool.js";
import { convOutputSize } from "../ops/arithmetic.js";
import { ShapeError, ValueError } from "../errors.js";
import { Module } from "./module.js";
import { pyBool, pyTuple } from "./repr.js";
import type { IntPair } from "./conv.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** Options of MaxPool2d and MinPool2d (PyTorch's defaults). */
export interface PoolOptions {
  /** Default: the kernel size. */
  stride?: IntPair | null;
  /** Implicit padding on each side, at most half the window (default 0). */
  padding?: IntPair;
  /** Spacing between the window's taps (default 1). */
  dilation?: IntPair;
  /** Round the output size up instead of down, so that a partial window at the end counts (default false). */
  ceilMode?: boolean;
}

function spatial(op: string, s: readonly number[]): [number, number] {
  if (s.length !== 3 && s.length !== 4) throw new ShapeError(`${op}: expects [N,C,H,W] or [C,H,W], got ${fmtShape(s)}`);
  return [s[s.length - 2]!, s[s.length - 1]!];
}

/** Settings shared by the windowed pools. */
abstract class WindowPool<Out = Tensor> extends Module<[Tensor], Out> {
  /** The window, [kh, kw]. */
  readonly kernelSize: [number, number];
  /** [sh, sw]. */
  readonly stride: [number, number];
  /** [ph, pw]. */
  readonly padding: [number, number];
  /** [dh, dw]. */
  readonly dilation: [number, number];
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;

  /**
   * @param kernelSize The window's size.
   * @param opts Stride, padding, dilation and ceilMode.
   */
  constructor(kernelSize: IntPair, opts: PoolOptions = {}) {
    super();
    const op = new.target.name;
    this.kernelSize = pair(op, "kernelSize", kernelSize, 1);
    this.stride = opts.stride === undefined || opts.stride === null ? [...this.kernelSize] : pair(op, "stride", opts.stride, 1);
    this.padding = pair(op, "padding", opts.padding ?? 0, 0);
    this.dilation = pair(op, "dilation", opts.dilation ?? 1, 1);
    this.ceilMode = opts.ceilMode ?? false;
  }

  /** The settings, as the pooling functions take them. */
  protected options(): {
    /** [kh, kw]. */
    kernelSize: [number, number];
    /** [sh, sw]. */
    stride: [number, number];
    /** [ph, pw]. */
    padding: [number, number];
    /** [dh, dw]. */
    dilation: [number, number];
    /** Whether the output size rounds up. */
    ceilMode: boolean;
  } {
    return { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  /** kernel_size, stride, padding, dilation and ceil_mode, as PyTorch prints them. */
  override extraRepr(): string {
    // PyTorch prints a square max-pool's settings as plain numbers, as they were given
    const one = (p: [number, number]): string => (p[0] === p[1] ? String(p[0]) : pyTuple(p));
    return `kernel_size=${one(this.kernelSize)}, stride=${one(this.stride)}, padding=${one(this.padding)}, dilation=${one(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Max over each window. x: [N,C,H,W] → [N,C,Hout,Wout]. */
export class MaxPool2d extends WindowPool {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options());
  }
  /** Values and the flat h·W + w index of each maximum in its input plane (for MaxUnpool2d). */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return maxPool2d(x, { returnIndices: true, ...this.options() });
  }
}

/** Min over each window (the lecture's min pooling; padding reads as +∞). */
export class MinPool2d extends WindowPool {
  forward(x: Tensor): Tensor {
    return minPool2d(x, this.options());
  }
}

/** Options of AvgPool2d (PyTorch's defaults). */
export interface AvgPoolOptions {
  /** Default: the kernel size. */
  stride?: IntPair | null;
  /** Implicit zero padding on each side, at most half the window (default 0). */
  padding?: IntPair;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor. Default true. */
  countIncludePad?: boolean;
  /** Divide by this instead of the window's size (default null). */
  divisorOverride?: number | null;
}

/** Mean over each window. */
export class AvgPool2d extends WindowPool {
  /** Whether padded zeros count in the divisor. */
  readonly countIncludePad: boolean;
  /** The divisor instead of the window's size, or null. */
  readonly divisorOverride: number | null;
  /**
   * @param kernelSize The window's size.
   * @param opts Stride, padding, ceilMode, countIncludePad and divisorOverride.
   */
  constructor(kernelSize: IntPair, opts: AvgPoolOptions = {}) {
    super(kernelSize, { stride: opts.stride ?? null, padding: opts.padding ?? 0, ceilMode: opts.ceilMode ?? false });
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }
  override extraRepr(): string {
    const one = (p: [number, number]): string => (p[0] === p[1] ? String(p[0]) : pyTuple(p));
    return `kernel_size=${one(this.kernelSize)}, stride=${one(this.stride)}, padding=${one(this.padding)}`;
  }
}

function adaptiveShape(op: string, s: readonly number[], size: AdaptiveSize): number[] {
  const [h, w] = spatial(op, s);
  const [oh, ow] = typeof size === "number" ? [size, size] : size;
  return [...s.slice(0, -2), oh ?? h, ow ?? w];
}

function checkAdaptive(op: string, size: AdaptiveSize): AdaptiveSize {
  const parts = typeof size === "number" ? [size] : Array.isArray(size) && size.length === 2 ? size : null;
  if (!parts || parts.some((v) => v !== null && (!Number.isInteger(v) || v < 1))) {
    throw new ValueError(`${op}: outputSize must be an integer ≥ 1 or an [h, w] pair (null keeps a dim), got ${JSON.stringify(size)}`);
  }
  return typeof size === "number" ? size : [size[0], size[1]];
}

function adaptiveRepr(size: AdaptiveSize): string {
  if (typeof size === "number") return `output_size=${size}`;
  return `output_size=(${size.map((v) => (v === null ? "None" : String(v))).join(", ")})`;
}

/** Average pooling to a fixed output size: window i covers [floor(i·H/out), ceil((i+1)·H/out)). */
export class AdaptiveAvgPool2d extends Module {
  /** The output's [height, width] (null keeps the input's). */
  readonly outputSize: AdaptiveSize;
  /** @param outputSize The output's size: a number for a square, or [height, width] with null to keep one. */
  constructor(outputSize: AdaptiveSize) {
    super();
    this.outputSize = checkAdaptive("AdaptiveAvgPool2d", outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return adaptiveRepr(this.outputSize);
  }
}

/** Max pooling to a fixed output size, with AdaptiveAvgPool2d's windows. */
export class AdaptiveMaxPool2d extends Module {
  /** The output's [height, width] (null keeps the input's). */
  readonly outputSize: AdaptiveSize;
  /** @param outputSize The output's size: a number for a square, or [height, width] with null to keep one. */
  constructor(outputSize: AdaptiveSize) {
    super();
    this.outputSize = checkAdaptive("AdaptiveMaxPool2d", outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `${adaptiveRepr(this.outputSize)}, return_indices=False`;
  }
}

/** Inverse of max pooling (SegNet): puts each value back where MaxPool2d's indices say, zeros elsewhere.
 *  x, indices: [N,C,H,W] → [N,C,(H−1)s − 2p + k, …] unless an outputSize is given to forward. */
export class MaxUnpool2d extends Module<[Tensor, Tensor, (readonly number[])?], Tensor> {
  /** The pooling's window, [kh, kw]. */
  readonly kernelSize: [number, number];
  /** The pooling's stride. */
  readonly stride: [number, number];
  /** The pooling's padding. */
  readonly padding: [number, number];
  /**
   * @param kernelSize The window of the pooling being inverted.
   * @param opts Its stride (default the window) and padding.
   */
  constructor(kernelSize: IntPair, opts: {
    /** The pooling's stride (default the window). */
    stride?: IntPair | null;
    /** The pooling's padding (default 0). */
    padding?: IntPair;
  } = {}) {
    super();
    this.kernelSize = pair("MaxUnpool2d", "kernelSize", kernelSize, 1);
    this.stride = opts.stride === undefined || opts.stride === null ? [...this.kernelSize] : pair("MaxUnpool2d", "stride", opts.stride, 1);
    this.padding = pair("MaxUnpool2d", "padding", opts.padding ?? 0, 0);
  }
  forward(x: Tensor, indices: Tensor, outputSize?: readonly number[]): Tensor {
    return maxUnpool2d(x, indices, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, outputSize: outputSize ?? null });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

markKeepsNoTensors(MaxPool2d, MinPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d);
