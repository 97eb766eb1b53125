// Pooling: max/min/avg windows (stride, padding, dilation, ceil mode), adaptive and global pooling, max unpooling.
// Shapes, checks and index conventions follow torch.nn.functional in PyTorch 1.13; minPool2d is −maxPool2d(−x).
import { Tensor } from "../tensor/tensor.js";
import { checkInt, fmtShape, pair } from "../tensor/shape.js";
import type { AvgPoolOptions, PoolGeometry } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { ShapeError, ValueError } from "../errors.js";

type IntPair = number | readonly [number, number];

export interface MaxPool2dOptions {
  /** Window size: a number or [h, w]. */
  kernelSize: IntPair;
  /** Step between windows; defaults to kernelSize. */
  stride?: IntPair | null;
  /** Implicit padding on every side, read as −∞ (+∞ for min pooling); at most half the kernel. Default 0. */
  padding?: IntPair;
  /** Spacing between window taps. Default 1. */
  dilation?: IntPair;
  /** Round the output size up instead of down (the last window must still start inside the input or left padding). */
  ceilMode?: boolean;
  /** Also return the flat index h·W + w of each chosen element within its input plane. */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  kernelSize: IntPair;
  stride?: IntPair | null;
  /** Implicit zero padding on every side; at most half the kernel. Default 0. */
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count the padded zeros in each window's divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}

export interface AdaptiveMaxPool2dOptions {
  returnIndices?: boolean;
}

export interface MaxUnpool2dOptions {
  /** The pooling's kernel size, stride (default kernelSize) and padding (default 0). */
  kernelSize: IntPair;
  stride?: IntPair | null;
  padding?: IntPair;
  /** [h, w] or the full output shape; must lie strictly within one stride of the default (i−1)·s − 2p + k. */
  outputSize?: readonly number[] | null;
}

/** An adaptive output size: a number, or [h, w] where null keeps that input dim. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** Pooling output size along one axis (PyTorch's pooling_output_shape):
 *  o = floor((i + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s) + 1, and in ceil mode one less if the last window would
 *  start beyond the input and its left padding ((o−1)·s ≥ i + p). */
function poolOutputSize(i: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  let o = Math.floor((i + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (o - 1) * s >= i + p) o--;
  return o;
}

/** A [N,C,H,W] view of x (a 3-D x is one unbatched [C,H,W] sample). */
function batched(op: string, x: Tensor): { x4: Tensor; unbatched: boolean } {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: input must be a Tensor, got ${String(x)}`);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(`${op}: expects a [N,C,H,W] or unbatched [C,H,W] input, got ${fmtShape(x.shape)}`);
  }
  const s = x.shape;
  if (s.slice(-3).some((d) => d === 0)) throw new ShapeError(`${op}: input ${fmtShape(s)} has an empty channel or spatial dim`);
  return x.ndim === 3 ? { x4: x.reshape([1, ...s]), unbatched: true } : { x4: x, unbatched: false };
}

/** Drop the batch dim again for unbatched input. */
function unbatch(t: Tensor, unbatched: boolean): Tensor {
  return unbatched ? t.reshape(t.shape.slice(1)) : t;
}

function checkOptions(op: string, opts: unknown): void {
  if (typeof opts !== "object" || opts === null || (opts as { kernelSize?: unknown }).kernelSize === undefined) {
    throw new ValueError(`${op}: options { kernelSize, … } are required`);
  }
}

/** Window geometry of a max/min/avg pooling, with PyTorch's checks. */
function poolGeometry(
  op: string, x4: Tensor, kernelSize: IntPair, stride: IntPair | null | undefined, padding: IntPair,
  dilation: IntPair, ceilMode: boolean,
): PoolGeometry {
  const [kh, kw] = pair(op, "kernelSize", kernelSize, 1);
  const [sh, sw] = stride === undefined || stride === null ? [kh, kw] : pair(op, "stride", stride, 1);
  const [ph, pw] = pair(op, "padding", padding, 0);
  const [dh, dw] = pair(op, "dilation", dilation, 1);
  if (ph > Math.floor(kh / 2) || pw > Math.floor(kw / 2)) {
    throw new ValueError(`${op}: padding [${ph},${pw}] must be at most half the kernel [${kh},${kw}] (padding ≤ ⌊k/2⌋)`);
  }
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const outH = poolOutputSize(h, kh, sh, ph, dh, ceilMode);
  const outW = poolOutputSize(w, kw, sw, pw, dw, ceilMode);
  const tooLarge = (axis: string, i: number, k: number, p: number, d: number): never => {
    throw new ShapeError(
      `${op}: kernel ${k} with dilation ${d} (span ${d * (k - 1) + 1}) is larger than padded input ${axis} ${i + 2 * p} (${i} + 2·${p}) of input ${fmtShape(x4.shape)}; the output ${axis} would be < 1`,
    );
  };
  if (outH < 1) tooLarge("height", h, kh, ph, dh);
  if (outW < 1) tooLarge("width", w, kw, pw, dw);
  return { n, c, h, w, kh, kw, strideH: sh, strideW: sw, padTop: ph, padLeft: pw, dilationH: dh, dilationW: dw, outH, outW };
}

/** Max/min pooling needs a real element in every window: with a large dilation a window can hold only padding
 *  (PyTorch then returns −∞ and an index outside the plane); reject that instead. */
function checkWindowsHitInput(op: string, g: PoolGeometry): void {
  const axes = [
    ["row", g.outH, g.h, g.kh, g.strideH, g.padTop, g.dilationH],
    ["column", g.outW, g.w, g.kw, g.strideW, g.padLeft, g.dilationW],
  ] as const;
  for (const [axis, out, size, k, s, p, d] of axes) {
    for (let o = 0; o < out; o++) {
      const start = o * s - p;
      let hit = false;
      for (let t = 0; t < k && !hit; t++) hit = start + t * d >= 0 && start + t * d < size;
      if (!hit) {
        throw new ShapeError(
          `${op}: the window of output ${axis} ${o} (input ${axis}s ${start}..${start + (k - 1) * d} step ${d}) lies entirely in the padding of size ${size}; reduce the dilation or padding`,
        );
      }
    }
  }
}

function poolAttrs(g: PoolGeometry, ceilMode: boolean): Record<string, unknown> {
  return {
    kernelSize: [g.kh, g.kw], stride: [g.strideH, g.strideW],
    pads: [g.padTop, g.padLeft, g.padTop, g.padLeft], dilation: [g.dilationH, g.dilationW], ceilMode,
  };
}

const NO_AVG: AvgPoolOptions = { countIncludePad: true, divisorOverride: null };

/** An index array (Int32) as a tensor of x's dtype, PyTorch's int64 indices as floats. */
function indexTensor(idx: Int32Array, like: Tensor, shape: readonly number[]): Tensor {
  const t = emptyLike(like.dtype, shape);
  t.data.set(idx);
  return t;
}

/** Gradient of a pooling that picked one input per output: scatter-add dy through the picked indices. */
function scatterBack(g: Tensor, idx: Int32Array, inShape: readonly number[], planes: number): Tensor {
  const gx = emptyLike(g.dtype, inShape);
  const outPlane = planes === 0 ? 0 : g.size / planes;
  kernel("planeScatter", g.data)(g.data, outPlane, idx, true, planes, gx.data, inShape[2]! * inShape[3]!, true);
  return gx;
}

function extremumPool(op: string, mode: "max" | "min", x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  checkOptions(op, opts);
  const { kernelSize, stride, padding = 0, dilation = 1, ceilMode = false, returnIndices = false } = opts;
  const { x4, unbatched } = batched(op, x);
  const g = poolGeometry(op, x4, kernelSize, stride, padding, dilation, ceilMode);
  checkWindowsHitInput(op, g);
  const outShape = [g.n, g.c, g.outH, g.outW];
  const out = emptyLike(x.dtype, outShape);
  // the picked indices only when the backward or the caller reads them
  const recorded = needsGrad(x4);
  const idx = recorded || returnIndices ? new Int32Array(out.size) : null;
  kernel("pool2d", x.data)(mode, x4.data, g, NO_AVG, out.data, idx);
  if (recorded) record(out, op, [x4], (dy) => [scatterBack(dy, idx!, x4.shape, g.n * g.c)], poolAttrs(g, ceilMode));
  const y = unbatch(out, unbatched);
  return returnIndices ? [y, unbatch(indexTensor(idx!, x, outShape), unbatched)] : y;
}

/** Max pooling, x: [N,C,H,W] (or [C,H,W]) → [N,C,Hout,Wout] with Hout = floor((H + 2p − d(k−1) − 1)/s) + 1
 *  (rounded up in ceilMode). Each channel is pooled separately; there are no parameters. With returnIndices, also the
 *  flat index h·W + w of each maximum within its input plane (the first one on ties; a NaN always wins). */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return extremumPool("maxPool2d", "max", x, opts);
}

/** Min pooling, the lecture's third pooling: equal to −maxPool2d(−x) (padding reads as +∞), same options and shapes. */
export function minPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function minPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function minPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function minPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return extremumPool("minPool2d", "min", x, opts);
}

/** Average (mean) pooling, x: [N,C,H,W] (or [C,H,W]) → [N,C,Hout,Wout], Hout = floor((H + 2p − k)/s) + 1 (up in
 *  ceilMode). The divisor is the window clipped to the padded input (countIncludePad), to the real input
 *  (countIncludePad false), or divisorOverride. */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const op = "avgPool2d";
  checkOptions(op, opts);
  const { kernelSize, stride, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } = opts;
  if (divisorOverride !== null && (!Number.isInteger(divisorOverride) || divisorOverride === 0)) {
    throw new ValueError(`${op}: divisorOverride must be a non-zero integer, got ${String(divisorOverride)}`);
  }
  const { x4, unbatched } = batched(op, x);
  const g = poolGeometry(op, x4, kernelSize, stride, padding, 1, ceilMode);
  const avg: AvgPoolOptions = { countIncludePad, divisorOverride };
  const out = emptyLike(x.dtype, [g.n, g.c, g.outH, g.outW]);
  kernel("pool2d", x.data)("avg", x4.data, g, avg, out.data, null);
  if (needsGrad(x4)) {
    record(out, op, [x4], (dy) => {
      const gx = emptyLike(dy.dtype, x4.shape);
      kernel("avgPool2dBackward", dy.data)(dy.data, g, avg, gx.data);
      return [gx];
    }, { ...poolAttrs(g, ceilMode), countIncludePad, divisorOverride });
  }
  return unbatch(out, unbatched);
}

function adaptiveSize(op: string, outputSize: AdaptiveSize, h: number, w: number): [number, number] {
  if (typeof outputSize === "number") {
    checkInt(op, "outputSize", outputSize, 1);
    return [outputSize, outputSize];
  }
  if (!Array.isArray(outputSize) || outputSize.length !== 2) {
    throw new ValueError(`${op}: outputSize must be a number or an [h, w] pair (null keeps that dim), got ${JSON.stringify(outputSize)}`);
  }
  const oh = outputSize[0] ?? h, ow = outputSize[1] ?? w;
  checkInt(op, "outputSize[0]", oh, 1);
  checkInt(op, "outputSize[1]", ow, 1);
  return [oh, ow];
}

function adaptiveAvg(op: string, x: Tensor, outputSize: AdaptiveSize): Tensor {
  const { x4, unbatched } = batched(op, x);
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const [oh, ow] = adaptiveSize(op, outputSize, h, w);
  const out = emptyLike(x.dtype, [n, c, oh, ow]);
  kernel("adaptivePool2d", x.data)("avg", x4.data, n * c, h, w, oh, ow, out.data, null);
  if (needsGrad(x4)) {
    record(out, op, [x4], (dy) => {
      const gx = emptyLike(dy.dtype, x4.shape);
      kernel("adaptiveAvgPool2dBackward", dy.data)(dy.data, n * c, h, w, oh, ow, gx.data);
      return [gx];
    }, { outputSize: [oh, ow] });
  }
  return unbatch(out, unbatched);
}

function adaptiveMax(op: string, x: Tensor, outputSize: AdaptiveSize, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const { x4, unbatched } = batched(op, x);
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const [oh, ow] = adaptiveSize(op, outputSize, h, w);
  const outShape = [n, c, oh, ow];
  const out = emptyLike(x.dtype, outShape);
  const idx = new Int32Array(out.size);
  kernel("adaptivePool2d", x.data)("max", x4.data, n * c, h, w, oh, ow, out.data, idx);
  if (needsGrad(x4)) record(out, op, [x4], (dy) => [scatterBack(dy, idx, x4.shape, n * c)], { outputSize: [oh, ow] });
  const y = unbatch(out, unbatched);
  return returnIndices ? [y, unbatch(indexTensor(idx!, x, outShape), unbatched)] : y;
}

/** Adaptive average pooling to a fixed output size, x: [N,C,H,W] (or [C,H,W]) → [N,C,oh,ow]; output cell i averages
 *  input rows [floor(i·H/oh), ceil((i+1)·H/oh)) (columns likewise). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvg("adaptiveAvgPool2d", x, outputSize);
}

/** Adaptive max pooling to a fixed output size (windows as adaptiveAvgPool2d), optionally with the flat indices. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions & { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  return adaptiveMax("adaptiveMaxPool2d", x, outputSize, opts.returnIndices ?? false);
}

/** Global average pooling (GoogLeNet's replacement for fully connected layers): [N,C,H,W] → [N,C,1,1]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  return adaptiveAvg("globalAvgPool2d", x, 1);
}

/** Global max pooling: [N,C,H,W] → [N,C,1,1]. */
export function globalMaxPool2d(x: Tensor): Tensor {
  return adaptiveMax("globalMaxPool2d", x, 1, false) as Tensor;
}

/** Max unpooling (SegNet): each value of x goes back to the position its max pooling took it from, zeros elsewhere.
 *  x, indices: [N,C,H,W] (or [C,H,W]) → [N,C,Hout,Wout] with Hout = (H−1)·s − 2p + k unless outputSize says otherwise.
 *  Where two values share an index the later one wins; the gradient gathers through the indices. */
export function maxUnpool2d(x: Tensor, indices: Tensor, opts: MaxUnpool2dOptions): Tensor {
  const op = "maxUnpool2d";
  checkOptions(op, opts);
  const { x4, unbatched } = batched(op, x);
  if (!(indices instanceof Tensor)) throw new ValueError(`${op}: indices must be a Tensor, got ${String(indices)}`);
  if (indices.ndim !== x.ndim || indices.shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`${op}: indices ${fmtShape(indices.shape)} must have the input's shape ${fmtShape(x.shape)} (the pooling's output and its indices)`);
  }
  const [kh, kw] = pair(op, "kernelSize", opts.kernelSize, 1);
  const [sh, sw] = opts.stride === undefined || opts.stride === null ? [kh, kw] : pair(op, "stride", opts.stride, 1);
  const [ph, pw] = pair(op, "padding", opts.padding ?? 0, 0);
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const defH = (h - 1) * sh - 2 * ph + kh, defW = (w - 1) * sw - 2 * pw + kw;
  let oh = defH, ow = defW;
  if (opts.outputSize !== undefined && opts.outputSize !== null) {
    const size = opts.outputSize;
    if (!Array.isArray(size) || (size.length !== 2 && size.length !== x.ndim)) {
      throw new ValueError(`${op}: outputSize must be [h, w] or the full ${x.ndim}-D output shape, got ${JSON.stringify(size)}`);
    }
    size.forEach((d, i) => checkInt(op, `outputSize[${i}]`, d, 1));
    const lead = size.slice(0, -2);
    if (lead.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(`${op}: outputSize ${fmtShape(size)} must keep the input's leading dims ${fmtShape(x.shape.slice(0, -2))}`);
    }
    [oh, ow] = size.slice(-2) as [number, number];
    if (!(defH - sh < oh && oh < defH + sh) || !(defW - sw < ow && ow < defW + sw)) {
      throw new ValueError(
        `${op}: outputSize ${fmtShape(size)} is invalid: height must lie strictly between ${defH - sh} and ${defH + sh}, width between ${defW - sw} and ${defW + sw} (default (i−1)·s − 2p + k = [${defH},${defW}] ± stride)`,
      );
    }
  }
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: output size [${oh},${ow}] of input ${fmtShape(x.shape)} with kernel [${kh},${kw}], stride [${sh},${sw}], padding [${ph},${pw}] must be ≥ 1`);
  }
  // Indices as Int32, each checked to fall inside its output plane (PyTorch: "Found an invalid max index").
  const outPlane = oh * ow;
  const idx = new Int32Array(indices.size);
  for (let i = 0; i < idx.length; i++) {
    const v = indices.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= outPlane) {
      throw new ValueError(`${op}: index ${v} at flat position ${i} is outside the output plane ${oh}×${ow} (valid 0..${outPlane - 1})`);
    }
    idx[i] = v;
  }
  const planes = n * c, inPlane = h * w;
  const out = emptyLike(x.dtype, [n, c, oh, ow]);
  kernel("planeScatter", x.data)(x4.data, inPlane, idx, true, planes, out.data, outPlane, false);
  if (needsGrad(x4)) {
    record(out, op, [x4], (dy) => {
      const gx = emptyLike(dy.dtype, x4.shape);
      kernel("planeGather", dy.data)(dy.data, outPlane, idx, true, planes, inPlane, gx.data);
      return [gx];
    }, { kernelSize: [kh, kw], stride: [sh, sw], pads: [ph, pw, ph, pw], outputSize: [oh, ow] });
  }
  return unbatch(out, unbatched);
}
