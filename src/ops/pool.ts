// Pooling: max/min/avg windows (stride, padding, dilation, ceil mode), adaptive and global pooling, max unpooling.
// Shapes, checks and index conventions follow torch.nn.functional in PyTorch 1.13; minPool2d is −maxPool2d(−x).
import { Tensor } from "../tensor/tensor.js";
import { allocateIndexArray, type IndexArray } from "../tensor/memory.js";
import type { DType } from "../tensor/dtype.js";
import { checkInt, fmtShape, pair, type Shape } from "../tensor/shape.js";
import type { AvgPoolOptions, PoolGeometry } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { emptyLike } from "./util.js";
import { adaptiveWindow, resampleFieldAxis, windowFieldAxis, windowOutputSize } from "./arithmetic.js";
import { apply, defineOp, OnnxExportError, run, type Field, type OnnxAttr, type OnnxEmitter, type OpDef } from "./op.js";
import { ShapeError, ValueError } from "../errors.js";

/** A size for both spatial dimensions, or [height, width]. */
export type IntPair = number | readonly [number, number];

/** Options of maxPool2d and minPool2d (PyTorch's defaults). */
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

/** Options of avgPool2d (PyTorch's defaults). */
export interface AvgPool2dOptions {
  /** Window size: a number or [h, w]. */
  kernelSize: IntPair;
  /** Step between windows; defaults to kernelSize. */
  stride?: IntPair | null;
  /** Implicit zero padding on every side; at most half the kernel. Default 0. */
  padding?: IntPair;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Count the padded zeros in each window's divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}

/** Options of adaptiveMaxPool2d. */
export interface AdaptiveMaxPool2dOptions {
  /** Also return the flat index h·W + w of each chosen element within its input plane. */
  returnIndices?: boolean;
}

/** Options of maxUnpool2d: the settings of the max pooling being inverted. */
export interface MaxUnpool2dOptions {
  /** The pooling's kernel size. */
  kernelSize: IntPair;
  /** The pooling's stride (default kernelSize). */
  stride?: IntPair | null;
  /** The pooling's padding (default 0). */
  padding?: IntPair;
  /** [h, w] or the full output shape; must lie strictly within one stride of the default (i−1)·s − 2p + k. */
  outputSize?: readonly number[] | null;
}

/** An adaptive output size: a number, or [h, w] where null keeps that input dim. */
export type AdaptiveSize = number | readonly [number | null, number | null];

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


// ---- the ops ----

/** A window pooling's attributes, as the tape records them: pads in ONNX's order [top, left, bottom, right]. */
export interface WindowPoolAttrs {
  /** [kh, kw]. */
  kernelSize: [number, number];
  /** [sh, sw]. */
  stride: [number, number];
  /** [top, left, bottom, right]. */
  pads: [number, number, number, number];
  /** [dh, dw]. */
  dilation: [number, number];
  /** Whether the output size rounds up. */
  ceilMode: boolean;
}
/** Average pooling's attributes: the window's and the divisor's. */
export interface AvgPoolAttrs extends WindowPoolAttrs {
  /** Whether padded zeros count in the divisor. */
  countIncludePad: boolean;
  /** The divisor instead of the window's size, or null. */
  divisorOverride: number | null;
}
/** Adaptive pooling's attributes. */
export interface AdaptivePoolAttrs {
  /** The output's [h, w]. */
  outputSize: [number, number];
}
/** Max unpooling's attributes. */
export interface MaxUnpoolAttrs {
  /** The pooling's [kh, kw]. */
  kernelSize: [number, number];
  /** The pooling's [sh, sw]. */
  stride: [number, number];
  /** The pooling's [top, left, bottom, right]. */
  pads: [number, number, number, number];
  /** The output's [h, w]. */
  outputSize: [number, number];
}

const sp = (s: Shape): [number, number] => [s[s.length - 2]!, s[s.length - 1]!];

/** Window attributes from the public options, checked (padding at most half the kernel, as PyTorch). */
function windowAttrs(op: string, kernelSize: IntPair, stride: IntPair | null | undefined, padding: IntPair, dilation: IntPair, ceilMode: boolean): WindowPoolAttrs {
  const [kh, kw] = pair(op, "kernelSize", kernelSize, 1);
  const [sh, sw] = stride === undefined || stride === null ? [kh, kw] : pair(op, "stride", stride, 1);
  const [ph, pw] = pair(op, "padding", padding, 0);
  const [dh, dw] = pair(op, "dilation", dilation, 1);
  if (ph > Math.floor(kh / 2) || pw > Math.floor(kw / 2)) {
    throw new ValueError(`${op}: padding [${ph},${pw}] must be at most half the kernel [${kh},${kw}] (padding ≤ ⌊k/2⌋)`);
  }
  return { kernelSize: [kh, kw], stride: [sh, sw], pads: [ph, pw, ph, pw], dilation: [dh, dw], ceilMode };
}

/** The pooled shape [N,C,Hout,Wout] (convOutputSize's rule, ceil mode as PyTorch's pooling). */
function windowShape(op: string, x: Shape, a: WindowPoolAttrs): number[] {
  const size = (axis: string, i: number, k: number, s: number, p: number, d: number): number => {
    const o = windowOutputSize(i, k, s, p, p, d, a.ceilMode);
    if (o < 1) {
      throw new ShapeError(
        `${op}: kernel ${k} with dilation ${d} (span ${d * (k - 1) + 1}) is larger than padded input ${axis} ${i + 2 * p} (${i} + 2·${p}) of input ${fmtShape(x)}; the output ${axis} would be < 1`,
      );
    }
    return o;
  };
  const [h, w] = sp(x);
  return [...x.slice(0, -2), size("height", h, a.kernelSize[0], a.stride[0], a.pads[0], a.dilation[0]), size("width", w, a.kernelSize[1], a.stride[1], a.pads[1], a.dilation[1])];
}

/** The kernels' geometry of a window pooling of x: [N,C,H,W] → y. */
function geometry(x: Shape, a: WindowPoolAttrs, y: Shape): PoolGeometry {
  const [n, c, h, w] = x as [number, number, number, number];
  return {
    n, c, h, w, kh: a.kernelSize[0], kw: a.kernelSize[1], strideH: a.stride[0], strideW: a.stride[1], padTop: a.pads[0], padLeft: a.pads[1],
    dilationH: a.dilation[0], dilationW: a.dilation[1], outH: y[2]!, outW: y[3]!,
  };
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

/** A window's receptive-field rule. */
function windowField(f: Field, a: WindowPoolAttrs, y: Shape): Field {
  const [gh, gw] = sp(y);
  return [windowFieldAxis(f[0], a.kernelSize[0], a.stride[0], a.dilation[0], gh), windowFieldAxis(f[1], a.kernelSize[1], a.stride[1], a.dilation[1], gw)];
}

const windowOnnx = (a: WindowPoolAttrs): Record<string, OnnxAttr> => ({
  kernel_shape: { ints: a.kernelSize }, strides: { ints: a.stride }, pads: { ints: a.pads }, dilations: { ints: a.dilation }, ceil_mode: { int: a.ceilMode ? 1 : 0 },
});

const NO_AVG: AvgPoolOptions = { countIncludePad: true, divisorOverride: null };

/** Gradient of a pooling that picked one input per output: scatter-add dy through the picked indices. */
function scatterBack(g: Tensor, idx: IndexArray, inShape: readonly number[]): Tensor {
  const planes = inShape[0]! * inShape[1]!;
  const gx = emptyLike(g.dtype, inShape);
  const outPlane = planes === 0 ? 0 : g.size / planes;
  kernel("planeScatter", g.operand)(g.operand, outPlane, idx, true, planes, gx.operand, inShape[2]! * inShape[3]!, true);
  return gx;
}

/** Max or min pooling of [N,C,H,W]; saves the flat h·W + w index of each pick within its input plane. */
function extremumOp(name: string, mode: "max" | "min"): OpDef<WindowPoolAttrs, IndexArray | null> {
  return defineOp<WindowPoolAttrs, IndexArray | null>({
    name,
    overwrites: true,
    shape: ([x], a) => {
      const y = windowShape(name, x!, a);
      checkWindowsHitInput(name, geometry(x!, a, y));
      return y;
    },
    forward: ([x], a, y, save) => {
      const idx = save ? allocateIndexArray(y.size) : null;
      kernel("pool2d", x!.operand)(mode, x!.operand, geometry(x!.shape, a, y.shape), NO_AVG, y.operand, idx);
      return idx;
    },
    backward: (g, [x], _y, _a, idx) => [scatterBack(g, idx!, x!.shape)],
    onnx: {
      export: (e, [x], a) => (mode === "max" ? e.node("MaxPool", [x!], windowOnnx(a)) : e.node("Neg", [e.node("MaxPool", [e.node("Neg", [x!])], windowOnnx(a))])),
    },
    field: (f, _x, a, y) => windowField(f, a, y),
  });
}

/** The op-table definition of maxPool2d. */
export const maxPool2dOp = extremumOp("maxPool2d", "max");
/** The op-table definition of minPool2d. */
export const minPool2dOp = extremumOp("minPool2d", "min");

/** The op-table definition of avgPool2d. */
export const avgPool2dOp = defineOp<AvgPoolAttrs>({
  name: "avgPool2d",
  overwrites: true,
  shape: ([x], a) => windowShape("avgPool2d", x!, a),
  forward: ([x], a, y) => {
    kernel("pool2d", x!.operand)("avg", x!.operand, geometry(x!.shape, a, y.shape), a, y.operand, null);
  },
  backward: (g, [x], y, a) => {
    const gx = emptyLike(g.dtype, x!.shape);
    kernel("avgPool2dBackward", g.operand)(g.operand, geometry(x!.shape, a, y.shape), a, gx.operand);
    return [gx];
  },
  onnx: {
    export: (e, [x], a) => {
      if (a.divisorOverride !== null) throw new OnnxExportError("ONNX export: avgPool2d with divisorOverride has no ONNX equivalent");
      const { dilations: _d, ...attrs } = windowOnnx(a);
      return e.node("AveragePool", [x!], { ...attrs, count_include_pad: { int: a.countIncludePad ? 1 : 0 } });
    },
  },
  field: (f, _x, a, y) => windowField(f, a, y),
});

/** An adaptive pooling's receptive field: its largest window, and the jump scaled by in/out. */
function adaptiveField(f: Field, x: Shape, y: Shape): Field {
  const [ih, iw] = sp(x), [oh, ow] = sp(y);
  const axis = (fa: Field[0], i: number, o: number) => ({ size: fa.size + (adaptiveWindow(i, o) - 1) * fa.jump, jump: (fa.jump * i) / o, grid: o });
  return [axis(f[0], ih, oh), axis(f[1], iw, ow)];
}

/** Adaptive average pooling as ONNX: a global pool, a plain AveragePool when the sizes divide, else two matrix
 *  products with the (separable) averaging matrices. */
function adaptiveAvgOnnx(e: OnnxEmitter, x: string, [h, w]: [number, number], [oh, ow]: [number, number]): string {
  if (oh === 1 && ow === 1) return e.node("GlobalAveragePool", [x]);
  if (h % oh === 0 && w % ow === 0) return e.node("AveragePool", [x], { kernel_shape: { ints: [h / oh, w / ow] }, strides: { ints: [h / oh, w / ow] } });
  const avgMatrix = (n: number, o: number, transposed: boolean): number[] => {
    const m = new Array<number>(o * n).fill(0);
    for (let i = 0; i < o; i++) {
      const s = Math.floor((i * n) / o), end = Math.ceil(((i + 1) * n) / o);
      for (let j = s; j < end; j++) m[transposed ? j * o + i : i * n + j] = 1 / (end - s);
    }
    return m;
  };
  const rows = e.node("MatMul", [e.floatConstant(avgMatrix(h, oh, false), [oh, h], "adaptive_rows"), x]);
  return e.node("MatMul", [rows, e.floatConstant(avgMatrix(w, ow, true), [w, ow], "adaptive_cols")]);
}

function adaptiveAvgOp(name: string): OpDef<AdaptivePoolAttrs> {
  return defineOp<AdaptivePoolAttrs>({
    name,
    shape: ([x], a) => [...x!.slice(0, -2), ...a.outputSize],
    forward: ([x], a, y) => {
      const [n, c, h, w] = x!.shape as [number, number, number, number];
      kernel("adaptivePool2d", x!.operand)("avg", x!.operand, n * c, h, w, a.outputSize[0], a.outputSize[1], y.operand, null);
    },
    backward: (g, [x], _y, a) => {
      const [n, c, h, w] = x!.shape as [number, number, number, number];
      const gx = emptyLike(g.dtype, x!.shape);
      kernel("adaptiveAvgPool2dBackward", g.operand)(g.operand, n * c, h, w, a.outputSize[0], a.outputSize[1], gx.operand);
      return [gx];
    },
    onnx: { export: (e, [x], a, [xs]) => adaptiveAvgOnnx(e, x!, sp(xs!), a.outputSize) },
    field: (f, [x], _a, y) => adaptiveField(f, x!, y),
  });
}

function adaptiveMaxOp(name: string): OpDef<AdaptivePoolAttrs, IndexArray> {
  return defineOp<AdaptivePoolAttrs, IndexArray>({
    name,
    shape: ([x], a) => [...x!.slice(0, -2), ...a.outputSize],
    forward: ([x], a, y) => {
      const [n, c, h, w] = x!.shape as [number, number, number, number];
      const idx = allocateIndexArray(y.size);
      kernel("adaptivePool2d", x!.operand)("max", x!.operand, n * c, h, w, a.outputSize[0], a.outputSize[1], y.operand, idx);
      return idx;
    },
    backward: (g, [x], _y, _a, idx) => [scatterBack(g, idx, x!.shape)],
    onnx: {
      export: (e, [x], a, [xs]) => {
        const [h, w] = sp(xs!), [oh, ow] = a.outputSize;
        if (oh === 1 && ow === 1) return e.node("GlobalMaxPool", [x!]);
        if (h % oh || w % ow) throw new OnnxExportError(`ONNX export: adaptiveMaxPool2d from [${h},${w}] to [${oh},${ow}] (not a whole divisor) has no ONNX equivalent`);
        return e.node("MaxPool", [x!], { kernel_shape: { ints: [h / oh, w / ow] }, strides: { ints: [h / oh, w / ow] } });
      },
    },
    field: (f, [x], _a, y) => adaptiveField(f, x!, y),
  });
}

/** The op-table definition of adaptiveAvgPool2d. */
export const adaptiveAvgPool2dOp = adaptiveAvgOp("adaptiveAvgPool2d");
/** The op-table definition of global average pooling (adaptive to 1×1; ONNX's GlobalAveragePool). */
export const globalAvgPool2dOp = adaptiveAvgOp("globalAvgPool2d");
/** The op-table definition of adaptiveMaxPool2d. */
export const adaptiveMaxPool2dOp = adaptiveMaxOp("adaptiveMaxPool2d");
/** The op-table definition of global max pooling (adaptive to 1×1; ONNX's GlobalMaxPool). */
export const globalMaxPool2dOp = adaptiveMaxOp("globalMaxPool2d");

/** Max unpooling of x: [N,C,H,W] through its indices (the second input, integer values as floats). */
export const maxUnpool2dOp = defineOp<MaxUnpoolAttrs, IndexArray>({
  name: "maxUnpool2d",
  shape: ([x, i], a) => {
    if (i!.length !== x!.length || i!.some((d, k) => d !== x![k])) {
      throw new ShapeError(`maxUnpool2d: indices ${fmtShape(i!)} must have the input's shape ${fmtShape(x!)} (the pooling's output and its indices)`);
    }
    return [...x!.slice(0, -2), ...a.outputSize];
  },
  forward: ([x, indices], a, y) => {
    // Indices as int32, each checked to fall inside its output plane (PyTorch: "Found an invalid max index"); on the
    // GPU the check's error comes with the next read.
    const [oh, ow] = a.outputSize, outPlane = oh * ow;
    const idx = allocateIndexArray(indices!.size);
    kernel("valuesToIndex", indices!.operand)(indices!.operand, outPlane, idx,
      (v, i) => `maxUnpool2d: index ${v} at flat position ${i} is outside the output plane ${oh}×${ow} (valid 0..${outPlane - 1})`);
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    kernel("planeScatter", x!.operand)(x!.operand, h * w, idx, true, n * c, y.operand, outPlane, false);
    return idx;
  },
  backward: (g, [x], _y, a, idx) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const gx = emptyLike(g.dtype, x!.shape);
    kernel("planeGather", g.operand)(g.operand, a.outputSize[0] * a.outputSize[1], idx, true, n * c, h * w, gx.operand);
    return [gx, null];
  },
  // ONNX's MaxUnpool indexes the whole flattened tensor, PyTorch's (and ours) each plane
  onnx: null,
  field: (f, [x], _a, y) => {
    const [ih, iw] = sp(x!), [oh, ow] = sp(y);
    return [resampleFieldAxis(f[0], ih, oh), resampleFieldAxis(f[1], iw, ow)];
  },
});

/** The indices a pooling picked, as a tensor of `dtype` (PyTorch's are int64; ours hold integers as floats), where
 *  the pooling ran (on the GPU for a webgpu pooling). */
function indicesTensor(idx: IndexArray, dtype: DType, shape: readonly number[]): Tensor {
  const t = emptyLike(dtype, shape);
  kernel("indexToValues", t.operand)(idx, t.operand);
  return t;
}

// ---- the public functions ----

/** Max/min pooling of a [N,C,H,W] or [C,H,W] input, optionally with the indices. */
function extremumPool(op: OpDef<WindowPoolAttrs, IndexArray | null>, x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  checkOptions(op.name, opts);
  const { kernelSize, stride, padding = 0, dilation = 1, ceilMode = false, returnIndices = false } = opts;
  const { x4, unbatched } = batched(op.name, x);
  const { y, saved } = run(op, [x4], windowAttrs(op.name, kernelSize, stride, padding, dilation, ceilMode), { keepSaved: returnIndices });
  const out = unbatch(y, unbatched);
  if (!returnIndices) return out;
  const idx = y.isMeta ? Tensor.meta(y.shape, y.dtype) : indicesTensor(saved!, x.dtype, y.shape);
  return [out, unbatch(idx, unbatched)];
}

/** Max pooling, x: [N,C,H,W] (or [C,H,W]) → [N,C,Hout,Wout] with Hout = floor((H + 2p − d(k−1) − 1)/s) + 1
 *  (rounded up in ceilMode). Each channel is pooled separately; there are no parameters. With returnIndices, also the
 *  flat index h·W + w of each maximum within its input plane (the first one on ties; a NaN always wins). */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return extremumPool(maxPool2dOp, x, opts);
}

/** Min pooling, the lecture's third pooling: equal to −maxPool2d(−x) (padding reads as +∞), same options and shapes. */
export function minPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function minPool2d(x: Tensor, opts: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function minPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function minPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return extremumPool(minPool2dOp, x, opts);
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
  // (the own fields before the spread: V8 spends ~1.5 µs on each property added after one)
  const a: AvgPoolAttrs = { countIncludePad, divisorOverride, ...windowAttrs(op, kernelSize, stride, padding, 1, ceilMode) };
  return unbatch(apply(avgPool2dOp, [x4], a), unbatched);
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

function adaptive<S>(op: OpDef<AdaptivePoolAttrs, S>, x: Tensor, outputSize: AdaptiveSize, keepSaved: boolean): { y: Tensor; saved: S | undefined; unbatched: boolean } {
  const { x4, unbatched } = batched(op.name, x);
  const [h, w] = sp(x4.shape);
  const { y, saved } = run(op, [x4], { outputSize: adaptiveSize(op.name, outputSize, h, w) }, { keepSaved });
  return { y, saved, unbatched };
}

function adaptiveMaxWith(op: OpDef<AdaptivePoolAttrs, IndexArray>, x: Tensor, outputSize: AdaptiveSize, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const { y, saved, unbatched } = adaptive(op, x, outputSize, returnIndices);
  const out = unbatch(y, unbatched);
  if (!returnIndices) return out;
  const idx = y.isMeta ? Tensor.meta(y.shape, y.dtype) : indicesTensor(saved!, x.dtype, y.shape);
  return [out, unbatch(idx, unbatched)];
}

/** Adaptive average pooling to a fixed output size, x: [N,C,H,W] (or [C,H,W]) → [N,C,oh,ow]; output cell i averages
 *  input rows [floor(i·H/oh), ceil((i+1)·H/oh)) (columns likewise). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const { y, unbatched } = adaptive(adaptiveAvgPool2dOp, x, outputSize, false);
  return unbatch(y, unbatched);
}

/** Adaptive max pooling to a fixed output size (windows as adaptiveAvgPool2d), optionally with the flat indices. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions & { returnIndices?: false }): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  return adaptiveMaxWith(adaptiveMaxPool2dOp, x, outputSize, opts.returnIndices ?? false);
}

/** Global average pooling (GoogLeNet's replacement for fully connected layers): [N,C,H,W] → [N,C,1,1]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  const { y, unbatched } = adaptive(globalAvgPool2dOp, x, 1, false);
  return unbatch(y, unbatched);
}

/** Global max pooling: [N,C,H,W] → [N,C,1,1]. */
export function globalMaxPool2d(x: Tensor): Tensor {
  return adaptiveMaxWith(globalMaxPool2dOp, x, 1, false) as Tensor;
}

/** A max unpooling's attributes; its output [h, w] is the default (i−1)·s − 2p + k, or `outputSize` within one stride of it. */
function maxUnpoolAttrs(op: string, inShape: Shape, opts: MaxUnpool2dOptions): MaxUnpoolAttrs {
  const [kh, kw] = pair(op, "kernelSize", opts.kernelSize, 1);
  const [sh, sw] = opts.stride === undefined || opts.stride === null ? [kh, kw] : pair(op, "stride", opts.stride, 1);
  const [ph, pw] = pair(op, "padding", opts.padding ?? 0, 0);
  const [h, w] = sp(inShape);
  const defH = (h - 1) * sh - 2 * ph + kh, defW = (w - 1) * sw - 2 * pw + kw;
  let oh = defH, ow = defW;
  if (opts.outputSize !== undefined && opts.outputSize !== null) {
    const size = opts.outputSize;
    if (!Array.isArray(size) || (size.length !== 2 && size.length !== inShape.length)) {
      throw new ValueError(`${op}: outputSize must be [h, w] or the full ${inShape.length}-D output shape, got ${JSON.stringify(size)}`);
    }
    size.forEach((d, i) => checkInt(op, `outputSize[${i}]`, d, 1));
    const lead = size.slice(0, -2);
    if (lead.some((d, i) => d !== inShape[i])) {
      throw new ShapeError(`${op}: outputSize ${fmtShape(size)} must keep the input's leading dims ${fmtShape(inShape.slice(0, -2))}`);
    }
    [oh, ow] = size.slice(-2) as [number, number];
    if (!(defH - sh < oh && oh < defH + sh) || !(defW - sw < ow && ow < defW + sw)) {
      throw new ValueError(
        `${op}: outputSize ${fmtShape(size)} is invalid: height must lie strictly between ${defH - sh} and ${defH + sh}, width between ${defW - sw} and ${defW + sw} (default (i−1)·s − 2p + k = [${defH},${defW}] ± stride)`,
      );
    }
  }
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: output size [${oh},${ow}] of input ${fmtShape(inShape)} with kernel [${kh},${kw}], stride [${sh},${sw}], padding [${ph},${pw}] must be ≥ 1`);
  }
  return { kernelSize: [kh, kw], stride: [sh, sw], pads: [ph, pw, ph, pw], outputSize: [oh, ow] };
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
  return unbatch(apply(maxUnpool2dOp, [x4, indices.reshape(x4.shape)], maxUnpoolAttrs(op, x.shape, opts)), unbatched);
}
