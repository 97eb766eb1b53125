// Convolution arithmetic (Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", 2016): output sizes,
// 'same' padding, receptive fields and parameter counts. The conv and pooling ops compute their shapes with these.
import { ShapeError, ValueError } from "../errors.js";

/** Padding of one axis: the same on both sides, or [before, after]. */
export type AxisPadding = number | readonly [number, number];

/** Options of convOutputSize. */
export interface ConvOutputSizeOptions {
  /** Step between window starts (s ≥ 1). Default 1. */
  stride?: number;
  /** Zero padding per side p ≥ 0, or [before, after]. Default 0. */
  padding?: AxisPadding;
  /** Spacing between kernel taps d ≥ 1; the window spans d(k−1)+1 inputs. Default 1. */
  dilation?: number;
  /** Round up like PyTorch's pooling ceil_mode; the last window must still start inside the input or the left padding. */
  ceilMode?: boolean;
  /** Op named in error messages. Default 'convOutputSize'. */
  op?: string;
}

/** Options of convTransposeOutputSize. */
export interface ConvTransposeOutputSizeOptions {
  /** The upsampling factor s ≥ 1. Default 1. */
  stride?: number;
  /** Padding p removed from each side of the full transposed output, or [before, after]. Default 0. */
  padding?: AxisPadding;
  /** Extra rows/columns added at the bottom/right (0 ≤ outputPadding < stride or < dilation). Default 0. */
  outputPadding?: number;
  /** Spacing between kernel taps d ≥ 1. Default 1. */
  dilation?: number;
  /** Op named in error messages. Default 'convTransposeOutputSize'. */
  op?: string;
}

/** Reject NaN, non-integer and too-small values with a ValueError naming the op and the argument. */
function int(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${typeof v === "number" ? String(v) : JSON.stringify(v)}`);
  }
  return v;
}

/** Padding of one axis as [before, after], checked. */
export function axisPadding(op: string, padding: AxisPadding, name = "padding"): [number, number] {
  if (typeof padding === "number") {
    int(op, name, padding, 0);
    return [padding, padding];
  }
  if (!Array.isArray(padding) || padding.length !== 2) {
    throw new ValueError(`${op}: ${name} must be a number or a [before, after] pair, got ${JSON.stringify(padding)}`);
  }
  return [int(op, `${name}[0]`, padding[0], 0), int(op, `${name}[1]`, padding[1], 0)];
}

/**
 * Output size of a convolution or pooling window along one axis:
 *
 *   o = floor((i + p_before + p_after − d(k−1) − 1) / s) + 1      (symmetric p: floor((i + 2p − d(k−1) − 1)/s) + 1)
 *
 * With ceilMode the division rounds up, but a last window that would start in the right padding is dropped (PyTorch's
 * pooling rule). Throws a ShapeError when the dilated kernel d(k−1)+1 is larger than the padded input.
 * Example (the lecture): i = 4, k = 3, p = 0, s = 1 → (4 − 3 + 2·0)/1 + 1 = 2.
 */
export function convOutputSize(i: number, k: number, opts: ConvOutputSizeOptions = {}): number {
  const op = opts.op ?? "convOutputSize";
  int(op, "input size", i, 0);
  int(op, "kernel size", k, 1);
  const s = int(op, "stride", opts.stride ?? 1, 1);
  const d = int(op, "dilation", opts.dilation ?? 1, 1);
  const [pb, pa] = axisPadding(op, opts.padding ?? 0);
  const o = windowOutputSize(i, k, s, pb, pa, d, opts.ceilMode ?? false);
  if (o < 1) throw new ShapeError(`${op}: kernel ${k} with dilation ${d} is larger than padded input ${i + pb + pa}`);
  return o;
}

/** convOutputSize's rule without its checks: the count of windows, < 1 when none fits. In ceil mode a last, partial
 *  window counts if it starts inside the input or the left padding (PyTorch's pooling_output_shape). */
export function windowOutputSize(i: number, k: number, s: number, pb: number, pa: number, d: number, ceilMode: boolean): number {
  const room = i + pb + pa - (d * (k - 1) + 1);
  if (!ceilMode) return Math.floor(room / s) + 1;
  let o = Math.floor((room + s - 1) / s) + 1;
  // the last window must start inside the input or the left padding, never entirely in the right padding
  if ((o - 1) * s >= i + pb) o--;
  return o;
}

/**
 * Output size of a transposed convolution along one axis (the inverse map of convOutputSize):
 *
 *   o = (i − 1)s − p_before − p_after + d(k−1) + outputPadding + 1      (symmetric p: (i−1)s − 2p + d(k−1) + op + 1)
 *
 * outputPadding resolves the ambiguity of strided convolutions (several input sizes give the same output size); like
 * PyTorch it must be smaller than the stride or the dilation.
 */
export function convTransposeOutputSize(i: number, k: number, opts: ConvTransposeOutputSizeOptions = {}): number {
  const op = opts.op ?? "convTransposeOutputSize";
  int(op, "input size", i, 1);
  int(op, "kernel size", k, 1);
  const s = int(op, "stride", opts.stride ?? 1, 1);
  const d = int(op, "dilation", opts.dilation ?? 1, 1);
  const [pb, pa] = axisPadding(op, opts.padding ?? 0);
  const outPad = int(op, "outputPadding", opts.outputPadding ?? 0, 0);
  if (outPad >= s && outPad >= d) {
    throw new ValueError(`${op}: outputPadding ${outPad} must be smaller than either stride ${s} or dilation ${d}`);
  }
  const o = (i - 1) * s - pb - pa + d * (k - 1) + outPad + 1;
  if (o < 1) {
    throw new ShapeError(`${op}: output size ${o} is not positive: (${i} − 1)·${s} − ${pb + pa} + ${d}·(${k} − 1) + ${outPad} + 1; the padding is too large`);
  }
  return o;
}

/**
 * Padding [before, after] that keeps the size at stride 1 ('same' convolution): total d(k−1), before = floor(total/2).
 * For odd k this is the lecture's symmetric p = (k−1)/2; for an even kernel the extra one goes after (bottom/right),
 * as in PyTorch.
 */
export function samePadding(k: number, dilation = 1): [number, number] {
  int("samePadding", "kernel size", k, 1);
  int("samePadding", "dilation", dilation, 1);
  const total = dilation * (k - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** One layer of a stack, along one axis. */
export interface ReceptiveFieldLayer {
  /** Kernel (window) size k. */
  kernel: number;
  /** Stride s. Default 1. */
  stride?: number;
  /** Padding before (or [before, after]; only the part before moves the start). Default 0. */
  padding?: AxisPadding;
  /** Dilation d. Default 1. */
  dilation?: number;
}

/** Receptive field after a layer, in input pixels: its size, the jump (input distance between neighbouring outputs)
 *  and the start (input coordinate of the centre of the first output's field; pixel i has centre i). */
export interface ReceptiveFieldInfo {
  /** Input pixels one output sees. */
  size: number;
  /** Input distance between neighbouring outputs. */
  jump: number;
  /** Input coordinate of the centre of the first output's field. */
  start: number;
}

/** receptiveField's result: the field after the stack, and after each layer. */
export interface ReceptiveFieldResult extends ReceptiveFieldInfo {
  /** After each layer, in order; the top-level size/jump/start are those of the last layer. */
  layers: ReceptiveFieldInfo[];
}

/**
 * Receptive field of a stack of conv/pool layers along one axis. Starting from r = 1, j = 1, start = 0:
 *
 *   r_out = r_in + (k−1)·d·j_in,   j_out = j_in·s,   start_out = start_in + ((k−1)·d/2 − p)·j_in
 *
 * E.g. three stacked 3×3 stride-1 convs see 7 pixels, like one 7×7 (the lecture's argument for VGG).
 */
export function receptiveField(layers: readonly ReceptiveFieldLayer[]): ReceptiveFieldResult {
  const op = "receptiveField";
  if (!Array.isArray(layers)) throw new ValueError(`${op}: layers must be an array of { kernel, stride?, padding?, dilation? }`);
  let size = 1, jump = 1, start = 0;
  const out: ReceptiveFieldInfo[] = [];
  layers.forEach((layer, n) => {
    if (typeof layer !== "object" || layer === null) throw new ValueError(`${op}: layer ${n} must be an object { kernel, stride?, padding?, dilation? }`);
    const k = int(op, `layer ${n} kernel`, layer.kernel, 1);
    const s = int(op, `layer ${n} stride`, layer.stride ?? 1, 1);
    const d = int(op, `layer ${n} dilation`, layer.dilation ?? 1, 1);
    const [pb] = axisPadding(op, layer.padding ?? 0, `layer ${n} padding`);
    start += ((k - 1) * d / 2 - pb) * jump;
    size += (k - 1) * d * jump;
    jump *= s;
    out.push({ size, jump, start });
  });
  return { size, jump, start, layers: out };
}

/** Parameters of a fully connected layer: in·out weights (+ out biases). The lecture's 128×128×3 image into 64 units:
 *  64 × 49,152 ≈ 3 million weights. */
export function linearParamCount(inFeatures: number, outFeatures: number, bias = true): number {
  int("linearParamCount", "inFeatures", inFeatures, 1);
  int("linearParamCount", "outFeatures", outFeatures, 1);
  return inFeatures * outFeatures + (bias ? outFeatures : 0);
}

/** Options of conv2dParamCount. */
export interface Conv2dParamCountOptions {
  /** Channel groups (default 1). */
  groups?: number;
  /** Count the biases (default true). */
  bias?: boolean;
}

/** Parameters of a conv layer: cOut · (cIn/groups) · kh · kw weights (+ cOut biases), independent of the image size —
 *  64 filters of 3×3 over RGB need 64 × 27 weights, against 64 × 49,152 for a fully connected layer on 128×128×3. */
export function conv2dParamCount(
  inChannels: number, outChannels: number, kernel: number | readonly [number, number], opts: Conv2dParamCountOptions = {},
): number {
  const op = "conv2dParamCount";
  int(op, "inChannels", inChannels, 1);
  int(op, "outChannels", outChannels, 1);
  const groups = int(op, "groups", opts.groups ?? 1, 1);
  let kh: number, kw: number;
  if (typeof kernel === "number") kh = kw = int(op, "kernel", kernel, 1);
  else if (Array.isArray(kernel) && kernel.length === 2) {
    kh = int(op, "kernel[0]", kernel[0], 1);
    kw = int(op, "kernel[1]", kernel[1], 1);
  } else throw new ValueError(`${op}: kernel must be a number or an [h, w] pair, got ${JSON.stringify(kernel)}`);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ValueError(`${op}: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
  }
  return outChannels * (inChannels / groups) * kh * kw + ((opts.bias ?? true) ? outChannels : 0);
}

/** Receptive field of one axis after a layer: the size one position sees, the input distance between neighbouring
 *  positions and the map's positions along the axis (see op.ts's Field). */
export interface FieldAxisInfo {
  /** Input pixels one position sees. */
  size: number;
  /** Input distance between neighbouring positions. */
  jump: number;
  /** Positions along the axis. */
  grid: number;
}

/** After a window (conv, pooling) of kernel k, stride s, dilation d: r + d(k−1)·j, j·s (the receptiveField rule). */
export function windowFieldAxis(f: FieldAxisInfo, k: number, s: number, d: number, grid: number): FieldAxisInfo {
  return { size: f.size + d * (k - 1) * f.jump, jump: f.jump * s, grid };
}

/** After a transposed convolution: each output reaches ceil((d(k−1)+1)/s) inputs, and the jump is divided by s. */
export function transposedFieldAxis(f: FieldAxisInfo, k: number, s: number, d: number, grid: number): FieldAxisInfo {
  return { size: f.size + (Math.ceil((d * (k - 1) + 1) / s) - 1) * f.jump, jump: f.jump / s, grid };
}

/** After resampling from `inGrid` to `grid` positions (upsampling, unpooling): the jump scales by in/out; `extra`
 *  more input steps are seen (1 for bilinear interpolation, which blends neighbours). */
export function resampleFieldAxis(f: FieldAxisInfo, inGrid: number, grid: number, extra = 0): FieldAxisInfo {
  return { size: f.size + extra * f.jump, jump: (f.jump * inGrid) / grid, grid };
}

/** Largest adaptive-pooling window from `inSize` to `outSize` positions: windows are [floor(j·in/out), ceil((j+1)·in/out)). */
export function adaptiveWindow(inSize: number, outSize: number): number {
  let k = 0;
  for (let j = 0; j < outSize; j++) k = Math.max(k, Math.ceil(((j + 1) * inSize) / outSize) - Math.floor((j * inSize) / outSize));
  return k;
}
