// The ONNX operators convkit imports, each written with convkit's differentiable ops (F.*, Tensor methods), so an
// imported graph trains like a hand-built model. Semantics follow the ONNX operator spec, per opset (older forms down to opset 6 where the tests use them).
import { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, sizeOf } from "../tensor/shape.js";
import { tensor, ones, zeros } from "../tensor/creation.js";
import * as F from "../ops/functional.js";
import { getBackend, setBackend } from "../backends/registry.js";
import type { Conv2dBatchNorm } from "../ops/conv.js";
import { fusedActivation, type BatchNormActivation } from "../ops/fusion.js";
import { cat, pad as padOp, expand } from "../ops/movement.js";
import { maximum, minimum, where } from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { copyInto } from "../ops/util.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { FormatError } from "../errors.js";
import { AttrType, int64Clamped, type AttributeProto, type NodeProto } from "./onnx-proto.js";
import { IntTensor, tensorFromProto, type IntDType, type Value } from "./onnx-tensor.js";

/** What an op implementation sees besides its inputs. */
export interface OpContext {
  readonly node: NodeProto;
  readonly attrs: Attrs;
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** The importing module's training flag (BatchNormalization statistics, Dropout). */
  readonly training: boolean;
  /** Names this node's outputs; outputs[i] === "" means the output is not wanted. */
  readonly outputs: readonly string[];
  /** "file: onnx: node 3 (Conv 'conv1')", for errors. */
  readonly where: string;
  /** Refuses (FormatError naming the node) a new value of `bytes` that the run's budget for live values has no room
   *  for; called before the value is allocated. */
  readonly reserve: (bytes: number) => void;
}

export type OpImpl = (inputs: readonly (Value | null)[], ctx: OpContext) => (Value | null)[];

/** A node's attributes by name, with typed getters that refuse a wrong attribute type. */
export class Attrs {
  private readonly map = new Map<string, AttributeProto>();
  constructor(list: readonly AttributeProto[] | undefined, private readonly where: string) {
    for (const a of list ?? []) if (a.name) this.map.set(a.name, a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  private get(name: string, type: number): AttributeProto | undefined {
    const a = this.map.get(name);
    if (a && a.type !== undefined && a.type !== 0 && a.type !== type) throw new FormatError(`${this.where}: attribute ${name} has the wrong type`);
    return a;
  }
  int(name: string, def: number): number {
    const a = this.get(name, AttrType.INT);
    return a ? int64Clamped(a.i ?? 0) : def;
  }
  ints(name: string, def: readonly number[] | null): number[] | null {
    const a = this.get(name, AttrType.INTS);
    return a ? (a.ints ?? []).map(int64Clamped) : def === null ? null : [...def];
  }
  float(name: string, def: number): number {
    const a = this.get(name, AttrType.FLOAT);
    return a ? a.f ?? 0 : def;
  }
  floats(name: string): number[] | null {
    const a = this.get(name, AttrType.FLOATS);
    return a ? [...(a.floats ?? [])] : null;
  }
  string(name: string, def: string): string {
    const a = this.get(name, AttrType.STRING);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : def;
  }
  tensor(name: string, file?: string): Value | null {
    const a = this.get(name, AttrType.TENSOR);
    return a?.t ? tensorFromProto(a.t, file) : null;
  }
}

// ---- value helpers ----

/** The most elements one op may create: a hostile graph can ask for any size (huge pads, strides, shapes), and is
 *  refused before the allocation rather than exhausting memory. 2^26 float32s are 256 MB. */
export const MAX_VALUE_ELEMENTS = 2 ** 26;

/** Refuse, before it is allocated, a value of `shape` beyond MAX_VALUE_ELEMENTS or the run's live-value budget. */
function checkSize(ctx: OpContext, shape: readonly number[], bytesPerElement = 4): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(ctx, `would create a tensor of shape [${shape.join(",")}]`);
    n *= d;
  }
  if (n > MAX_VALUE_ELEMENTS) fail(ctx, `would create a tensor of shape [${shape.join(",")}] (${n} elements, limit ${MAX_VALUE_ELEMENTS})`);
  ctx.reserve(n * bytesPerElement);
}

/** Bytes per element of a value: integers are held as doubles. */
function elementBytes(v: Value): number {
  return v instanceof IntTensor || v.dtype === "float64" ? 8 : 4;
}

function fail(ctx: OpContext, problem: string): never {
  throw new FormatError(`${ctx.where}: ${problem}`);
}

/** Input i as a float tensor (integers convert, as ONNX type inference would have required a float there). */
function floatIn(inputs: readonly (Value | null)[], i: number, ctx: OpContext): Tensor {
  const v = inputs[i];
  if (!v) return fail(ctx, `input ${i} is required`);
  return v instanceof IntTensor ? v.toFloat() : v;
}
function optFloat(inputs: readonly (Value | null)[], i: number, ctx: OpContext): Tensor | null {
  return inputs[i] ? floatIn(inputs, i, ctx) : null;
}
/** Input i as integers (shapes, axes, indices). */
function intsIn(inputs: readonly (Value | null)[], i: number, ctx: OpContext): number[] {
  const v = inputs[i];
  if (!v) return fail(ctx, `input ${i} is required`);
  const data = [...v.data];
  if (data.some((x) => !Number.isInteger(x))) fail(ctx, `input ${i} must hold integers`);
  return data;
}
function optInts(inputs: readonly (Value | null)[], i: number, ctx: OpContext): number[] | null {
  return inputs[i] ? intsIn(inputs, i, ctx) : null;
}
function scalarIn(inputs: readonly (Value | null)[], i: number, ctx: OpContext): number | null {
  const v = inputs[i];
  if (!v) return null;
  if (v.size !== 1) fail(ctx, `input ${i} must be a scalar, got shape [${v.shape.join(",")}]`);
  return v.data[0]!;
}
function normAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) fail(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

// ---- integer arithmetic (shape computations) ----

function intBroadcast(a: IntTensor, b: IntTensor, fn: (x: number, y: number) => number, dtype: IntDType, ctx: OpContext): IntTensor {
  let shape: number[];
  try {
    shape = broadcastShapes(ctx.node.opType ?? "", a.shape, b.shape);
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  checkSize(ctx, shape, 8);
  const out = new Float64Array(sizeOf(shape));
  const idxOf = (s: readonly number[], flat: number): number => {
    let r = 0, stride = 1, rem = flat;
    const coords: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) { coords[d] = rem % shape[d]!; rem = Math.floor(rem / shape[d]!); }
    for (let d = s.length - 1; d >= 0; d--) {
      const c = s[d] === 1 ? 0 : coords[d + shape.length - s.length]!;
      r += c * stride;
      stride *= s[d]!;
    }
    return r;
  };
  for (let i = 0; i < out.length; i++) out[i] = fn(a.data[idxOf(a.shape, i)]!, b.data[idxOf(b.shape, i)]!);
  return new IntTensor(out, shape, dtype);
}

/** Wrap an integer result into its type's range, as fixed-width integer arithmetic does. */
function wrapInt(v: number, dtype: IntDType): number {
  const bits: Partial<Record<IntDType, [number, boolean]>> = { int8: [8, true], uint8: [8, false], int16: [16, true], uint16: [16, false], int32: [32, true], uint32: [32, false] };
  const b = bits[dtype];
  if (!b) return v;
  const m = 2 ** b[0];
  let r = ((v % m) + m) % m;
  if (b[1] && r >= m / 2) r -= m;
  return r;
}

type Binary = "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Max" | "Min";
function binary(kind: Binary, a: Value, b: Value, ctx: OpContext): Value {
  if (a instanceof IntTensor && b instanceof IntTensor) {
    const dt = a.dtype;
    const fns: Record<Binary, (x: number, y: number) => number> = {
      Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Pow: (x, y) => x ** y,
      // integer division by zero gives 0 (as numpy does) rather than failing a run
      Div: (x, y) => (y === 0 ? 0 : Math.trunc(x / y)), Max: Math.max, Min: Math.min,
    };
    return intBroadcast(a, b, (x, y) => wrapInt(fns[kind](x, y), dt), dt, ctx);
  }
  // Pow keeps the base's type: an integer base gives integers, an integer exponent simply converts
  if (kind === "Pow" && a instanceof IntTensor) {
    const exp = new IntTensor(Float64Array.from(b.data), b.shape, a.dtype);
    return intBroadcast(a, exp, (x, y) => wrapInt(Math.trunc(x ** y), a.dtype), a.dtype, ctx);
  }
  const x = a instanceof IntTensor ? a.toFloat((b as Tensor).dtype) : a;
  const y = b instanceof IntTensor ? b.toFloat(x.dtype) : b;
  switch (kind) {
    case "Add": return x.add(y);
    case "Sub": return x.sub(y);
    case "Mul": return x.mul(y);
    case "Div": return x.div(y);
    case "Pow": return x.pow(y);
    case "Max": return maximum(x, y);
    case "Min": return minimum(x, y);
  }
}

// ---- padding and spatial helpers ----

/** Begin/end pads per spatial axis from pads or auto_pad (SAME_UPPER puts the odd pixel at the end). */
function spatialPads(ctx: OpContext, inSize: readonly number[], kernel: readonly number[], strides: readonly number[], dil: readonly number[]): [number[], number[]] {
  const n = inSize.length;
  const autoPad = ctx.attrs.string("auto_pad", "NOTSET");
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const b: number[] = [], e: number[] = [];
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(inSize[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dil[i]! + 1 - inSize[i]!);
      const small = Math.floor(total / 2);
      b.push(autoPad === "SAME_UPPER" ? small : total - small);
      e.push(total - b[i]!);
    }
    return [b, e];
  }
  if (autoPad === "VALID") return [new Array<number>(n).fill(0), new Array<number>(n).fill(0)];
  if (autoPad !== "NOTSET") fail(ctx, `unknown auto_pad '${autoPad}'`);
  const pads = ctx.attrs.ints("pads", new Array<number>(2 * n).fill(0))!;
  if (pads.length !== 2 * n) fail(ctx, `pads has ${pads.length} values, expected ${2 * n}`);
  if (pads.some((p) => p < 0)) fail(ctx, `negative pads [${pads.join(",")}]`);
  return [pads.slice(0, n), pads.slice(n)];
}

/** Run a 2-D op on a 1-D ([N,C,L]) input by treating it as [N,C,1,L]. Other ranks are refused. */
function spatialRank(ctx: OpContext, x: Tensor, what: string): 1 | 2 {
  const sp = x.ndim - 2;
  if (sp !== 1 && sp !== 2) fail(ctx, `${what} on a ${x.ndim}-D input is not supported (convkit is 1-D/2-D: [N,C,L] or [N,C,H,W])`);
  return sp;
}
const lift2 = (v: readonly number[], fill: number): number[] => (v.length === 1 ? [fill, v[0]!] : [...v]);

function kernelAttrs(ctx: OpContext, x: Tensor, kernelDefault: readonly number[] | null) {
  const sp = x.ndim - 2;
  const kernel = ctx.attrs.ints("kernel_shape", kernelDefault);
  if (!kernel || kernel.length !== sp) return fail(ctx, `kernel_shape must have ${sp} values`);
  const strides = ctx.attrs.ints("strides", new Array<number>(sp).fill(1))!;
  const dil = ctx.attrs.ints("dilations", new Array<number>(sp).fill(1))!;
  if (strides.length !== sp || dil.length !== sp) fail(ctx, `strides/dilations must have ${sp} values`);
  if ([...kernel, ...strides, ...dil].some((v) => v < 1)) fail(ctx, "kernel_shape, strides and dilations must be ≥ 1");
  const [b, e] = spatialPads(ctx, x.shape.slice(2), kernel, strides, dil);
  return { kernel, strides, dil, b, e };
}

// ---- the operators ----

/** What the importer folds into a Conv in an inference: the BatchNormalization after it (its four tensors and eps),
 *  the other input of an Add after that (a residual block's shortcut), and the activation after those (Relu, Clip to
 *  [0, 6], HardSigmoid, HardSwish, x·Sigmoid(x)). */
export interface ConvFolds {
  /** The BatchNormalization's tensors and epsilon, or null. */
  batchNorm: Conv2dBatchNorm | null;
  /** The Add's other operand, or null. */
  residual: Value | null;
  /** The activation, or null. */
  activation: BatchNormActivation | null;
  /** A per-channel gate [1, C, 1, 1] that the Mul before the Conv did not apply (splitGate): the weights are scaled
   *  by it per input channel, or null. */
  gate?: Tensor | null;
}

const conv: OpImpl = (inputs, ctx) => convFused(inputs, ctx, null);

/** The Conv operator, with what follows it folded in (F.conv2d's batchNorm and activation). */
export function convFused(inputs: readonly (Value | null)[], ctx: OpContext, folds: ConvFolds | null): Value[] {
  let x = floatIn(inputs, 0, ctx), w = floatIn(inputs, 1, ctx);
  if (folds?.gate) w = w.mul(folds.gate.reshape([1, folds.gate.size, 1, 1]));
  const bias = optFloat(inputs, 2, ctx);
  const sp = spatialRank(ctx, x, "Conv");
  if (w.ndim !== x.ndim) fail(ctx, `weight [${w.shape.join(",")}] must have the input's rank ${x.ndim}`);
  const { strides, dil, b, e } = kernelAttrs(ctx, x, w.shape.slice(2));
  const k = w.shape.slice(2), out = [x.shape[0]!, w.shape[0]!, ...x.shape.slice(2).map((v, i) => Math.floor((v + b[i]! + e[i]! - (k[i]! - 1) * dil[i]! - 1) / strides[i]!) + 1)];
  checkSize(ctx, out, elementBytes(x));
  if (sp === 1) { x = x.unsqueeze(2); w = w.unsqueeze(2); }
  // the residual in the convolution's epilogue when it has the output's shape; added with ONNX's broadcasting otherwise
  const r = folds?.residual ? floatIn([folds.residual], 0, ctx) : null;
  const inEpilogue = r !== null && r.ndim === out.length && r.shape.every((d, i) => d === out[i]);
  const [bb, ee] = [lift2(b, 0), lift2(e, 0)];
  let y = F.conv2d(x, w, bias, {
    stride: lift2(strides, 1) as [number, number], dilation: lift2(dil, 1) as [number, number], groups: ctx.attrs.int("group", 1),
    padding: [bb[0]!, ee[0]!, bb[1]!, ee[1]!], batchNorm: folds?.batchNorm ?? null,
    residual: inEpilogue ? (sp === 1 ? r.unsqueeze(2) : r) : null, activation: r && !inEpilogue ? null : folds?.activation ?? null,
  });
  if (sp === 1) y = y.squeeze(2);
  if (r && !inEpilogue) {
    y = y.add(r);
    if (folds?.activation) y = fusedActivation("Conv", folds.activation).alone(y);
  }
  return [y];
}

/** The factors of a Mul that a Conv with one group alone reads, split into the map and the gate where one is a
 *  per-channel gate [1, C, 1, 1] (squeeze-and-excitation's) of a map [1, C, H, W] (float, the Mul's output shape) and
 *  the Conv's weights w [Cout, C, kh, kw] are fewer than the map's values (Cout·kh·kw < H·W): the Conv then scales its
 *  weights by the gate instead of the Mul scaling the map. Null otherwise (the Mul runs as written). */
export function splitGate(factors: readonly (Value | null)[], w: Value | null): { map: Tensor; gate: Tensor } | null {
  const [a, b] = factors;
  if (!(a instanceof Tensor) || !(b instanceof Tensor) || !(w instanceof Tensor) || a.dtype !== b.dtype) return null;
  const gateOf = (g: Tensor, m: Tensor): boolean => g.ndim === 4 && m.ndim === 4 && w.ndim === 4 && m.shape[0] === 1
    && g.shape[0] === 1 && g.shape[1] === m.shape[1] && g.shape[2] === 1 && g.shape[3] === 1 && w.shape[1] === m.shape[1]
    && w.shape[0]! * w.shape[2]! * w.shape[3]! < m.shape[2]! * m.shape[3]!;
  if (gateOf(b, a)) return { map: a, gate: b };
  if (gateOf(a, b)) return { map: b, gate: a };
  return null;
}

const convTranspose: OpImpl = (inputs, ctx) => {
  let x = floatIn(inputs, 0, ctx), w = floatIn(inputs, 1, ctx);
  const bias = optFloat(inputs, 2, ctx);
  const sp = spatialRank(ctx, x, "ConvTranspose");
  if (w.ndim !== x.ndim) fail(ctx, `weight [${w.shape.join(",")}] must have the input's rank ${x.ndim}`);
  const kernel = ctx.attrs.ints("kernel_shape", w.shape.slice(2))!;
  const strides = ctx.attrs.ints("strides", new Array<number>(sp).fill(1))!;
  const dil = ctx.attrs.ints("dilations", new Array<number>(sp).fill(1))!;
  const outPad = ctx.attrs.ints("output_padding", new Array<number>(sp).fill(0))!;
  const group = ctx.attrs.int("group", 1);
  const inSize = x.shape.slice(2);
  const outShape = ctx.attrs.ints("output_shape", null);
  const autoPad = ctx.attrs.string("auto_pad", "NOTSET");
  let b: number[], e: number[];
  if (outShape || autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    // ONNX: total_padding = s(in−1) + output_padding + (k−1)d + 1 − out; SAME_UPPER puts the larger half at the end
    const wanted = outShape ? outShape.slice(-sp) : inSize.map((v, i) => v * strides[i]!);
    b = []; e = [];
    for (let i = 0; i < sp; i++) {
      const total = strides[i]! * (inSize[i]! - 1) + outPad[i]! + (kernel[i]! - 1) * dil[i]! + 1 - wanted[i]!;
      const half = Math.floor(total / 2);
      if (autoPad === "SAME_UPPER") { b.push(half); e.push(total - half); } else { b.push(total - half); e.push(half); }
    }
  } else {
    [b, e] = spatialPads(ctx, inSize, kernel, strides, dil);
  }
  checkSize(ctx, [x.shape[0]!, w.shape[1]! * group, ...inSize.map((v, i) => strides[i]! * (v - 1) + outPad[i]! + (kernel[i]! - 1) * dil[i]! + 1 + Math.max(0, -b[i]!) + Math.max(0, -e[i]!))], elementBytes(x));
  if (sp === 1) { x = x.unsqueeze(2); w = w.unsqueeze(2); }
  const [s2, d2, op2, b2, e2] = [lift2(strides, 1), lift2(dil, 1), lift2(outPad, 0), lift2(b, 0), lift2(e, 0)];
  let y: Tensor;
  const direct = [...b2, ...e2].every((p) => p >= 0) && op2.every((p, i) => p < Math.max(s2[i]!, d2[i]!));
  if (direct) {
    y = F.convTranspose2d(x, w, bias, {
      stride: s2 as [number, number], dilation: d2 as [number, number], groups: group, outputPadding: op2 as [number, number],
      padding: [b2[0]!, e2[0]!, b2[1]!, e2[1]!],
    });
  } else {
    // The full transposed output, then cropped (positive pads) or zero-extended (negative pads, large output_padding).
    y = F.convTranspose2d(x, w, null, { stride: s2 as [number, number], dilation: d2 as [number, number], groups: group });
    y = padOp(y, [-b2[1]!, -e2[1]! + op2[1]!, -b2[0]!, -e2[0]! + op2[0]!]);
    if (bias) y = y.add(bias.reshape([1, bias.size, 1, 1]));
  }
  return [sp === 1 ? y.squeeze(2) : y];
};

/** Max/average pooling with ONNX's padding rules; pads F.*Pool2d cannot express are applied explicitly. */
function pool(kind: "max" | "avg"): OpImpl {
  return (inputs, ctx) => {
    let x = floatIn(inputs, 0, ctx);
    const sp = spatialRank(ctx, x, kind === "max" ? "MaxPool" : "AveragePool");
    const { kernel, strides, dil, b, e } = kernelAttrs(ctx, x, null);
    const ceilMode = ctx.attrs.int("ceil_mode", 0) === 1;
    checkSize(ctx, [...x.shape.slice(0, 2), ...x.shape.slice(2).map((v, i) => v + b[i]! + e[i]! + 1)], elementBytes(x));
    if (sp === 1) x = x.unsqueeze(2);
    const [k2, s2, d2, b2, e2] = [lift2(kernel, 1), lift2(strides, 1), lift2(dil, 1), lift2(b, 0), lift2(e, 0)];
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const native = b2.every((p, i) => p === e2[i] && p <= Math.floor(k2[i]! / 2));
    const pads = native ? [b2[0]!, b2[1]!] as [number, number] : [0, 0] as [number, number];
    const xp = native ? x : padOp(x, [b2[1]!, e2[1]!, b2[0]!, e2[0]!], "constant", kind === "max" ? -Infinity : 0);
    let y: Tensor;
    let indices: IntTensor | null = null;
    if (kind === "max") {
      const wantIdx = (ctx.outputs[1] ?? "") !== "";
      const opts = { kernelSize: k2 as [number, number], stride: s2 as [number, number], padding: pads, dilation: d2 as [number, number], ceilMode };
      if (!wantIdx) y = F.maxPool2d(xp, opts);
      else {
        const [out, idx] = F.maxPool2d(xp, { returnIndices: true, ...opts });
        y = out;
        // ONNX indices count over the whole flattened input (row-major, or column-major with storage_order=1)
        const colMajor = ctx.attrs.int("storage_order", 0) === 1;
        const wp = xp.shape[3]!, plane = idx.size / Math.max(n * c, 1);
        const flat = new Float64Array(idx.size);
        for (let i = 0; i < idx.size; i++) {
          const p = Math.floor(i / plane), v = idx.data[i]!;
          const row = Math.floor(v / wp) - (native ? 0 : b2[0]!), col = (v % wp) - (native ? 0 : b2[1]!);
          flat[i] = p * h * w + (colMajor ? col * h + row : row * w + col);
        }
        indices = new IntTensor(flat, idx.shape, "int64");
      }
    } else {
      const includePad = ctx.attrs.int("count_include_pad", 0) === 1;
      const opts = { kernelSize: k2 as [number, number], stride: s2 as [number, number], ceilMode };
      if (d2.some((d) => d !== 1)) fail(ctx, "AveragePool with dilations is not supported");
      if (native || includePad) {
        y = F.avgPool2d(xp, { padding: pads, countIncludePad: includePad, ...opts });
      } else {
        // mean over the real elements only: window sums of x divided by window sums of a mask of ones
        const mask = noGrad(() => padOp(ones([1, 1, h, w], { dtype: x.dtype }), [b2[1]!, e2[1]!, b2[0]!, e2[0]!]));
        const count = noGrad(() => F.avgPool2d(mask, { countIncludePad: true, ...opts }));
        y = F.avgPool2d(xp, { countIncludePad: true, ...opts }).div(count);
      }
    }
    if (sp === 1) {
      y = y.squeeze(2);
      if (indices) indices = new IntTensor(indices.data, [indices.shape[0]!, indices.shape[1]!, indices.shape[3]!], "int64");
    }
    return [y, indices];
  };
}

const maxUnpool: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const idx = inputs[1];
  if (!(idx instanceof IntTensor)) return fail(ctx, "indices (input 1) must be an integer tensor");
  if (x.ndim !== 4) fail(ctx, "MaxUnpool supports [N,C,H,W] inputs only");
  const { kernel, strides, b, e } = kernelAttrs(ctx, x, null);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  // ONNX: values go to their indices in the default-size output (h−1)·s + k − pads; output_shape only pads at the end
  const oh = (h - 1) * strides[0]! + kernel[0]! - b[0]! - e[0]!, ow = (w - 1) * strides[1]! + kernel[1]! - b[1]! - e[1]!;
  let [fh, fw] = [oh, ow];
  const outShape = optInts(inputs, 2, ctx);
  if (outShape) {
    if (outShape.length !== 4 || outShape[0] !== n || outShape[1] !== c) fail(ctx, `output_shape [${outShape.join(",")}] must be [${n},${c},H,W]`);
    [fh, fw] = [outShape[2]!, outShape[3]!];
    if (fh < oh || fw < ow) fail(ctx, `output_shape [${outShape.join(",")}] is smaller than the unpooled size [${oh},${ow}]`);
  }
  // ONNX indices count over the whole output tensor; F.maxUnpool2d wants them within each plane
  const plane = oh * ow, inPlane = h * w;
  const local = new Float32Array(idx.size);
  for (let i = 0; i < idx.size; i++) {
    const v = idx.data[i]! - Math.floor(i / inPlane) * plane;
    if (v < 0 || v >= plane) fail(ctx, `index ${idx.data[i]} at position ${i} lies outside its output plane`);
    local[i] = v;
  }
  // F.maxUnpool2d derives the plane size from kernel/stride; give it a kernel that makes (h−1)s + k equal the output
  const kh = oh - (h - 1) * strides[0]!, kw = ow - (w - 1) * strides[1]!;
  if (kh < 1 || kw < 1) fail(ctx, `output size [${oh},${ow}] is too small for input [${h},${w}] with strides [${strides.join(",")}]`);
  checkSize(ctx, [n, c, fh, fw], elementBytes(x));
  const y = F.maxUnpool2d(x, new Tensor(local, idx.shape), { kernelSize: [kh, kw], stride: [strides[0]!, strides[1]!] });
  return [fh === oh && fw === ow ? y : padOp(y, [0, fw - ow, 0, fh - oh])];
};

/** Separable resampling as two matrix products out = Rh · x · Rwᵀ, the matrices holding the ONNX reference's
 *  interpolation weights (nearest with any rounding, linear, cubic; every coordinate transformation). */
function resizeWith(ctx: OpContext, x: Tensor, outSize: [number, number], scale: [number, number], mode: string, coord: string, nearestMode: string, cubicA: number, excludeOutside: boolean, roi: number[] | null, extrapolation: number): Tensor {
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  checkSize(ctx, [x.shape[0]!, x.shape[1]!, ...outSize], elementBytes(x));
  checkSize(ctx, [outSize[0] + outSize[1], Math.max(h, w)]);
  const mats: { m: Tensor; valid: Float32Array }[] = [0, 1].map((axis) => {
    const len = axis === 0 ? h : w, out = outSize[axis]!, s = scale[axis]!;
    const m = zeros([out, len], { dtype: x.dtype });
    const valid = new Float32Array(out).fill(1);
    for (let o = 0; o < out; o++) {
      const outLen = s * len;
      let xo: number;
      switch (coord) {
        case "align_corners": xo = outLen === 1 ? 0 : (o * (len - 1)) / (outLen - 1); break;
        case "asymmetric": xo = o / s; break;
        case "pytorch_half_pixel": xo = outLen === 1 ? -0.5 : (o + 0.5) / s - 0.5; break;
        case "tf_half_pixel_for_nn": xo = (o + 0.5) / s; break;
        case "half_pixel": xo = (o + 0.5) / s - 0.5; break;
        case "tf_crop_and_resize": {
          if (!roi) return fail(ctx, "tf_crop_and_resize needs roi");
          const [start, end] = [roi[axis + 2]!, roi[axis + 2 + 4]!];
          xo = outLen > 1 ? start * (len - 1) + (o * (end - start) * (len - 1)) / (outLen - 1) : 0.5 * (start + end) * (len - 1);
          if (xo < 0 || xo > len - 1) { valid[o] = 0; continue; }
          break;
        }
        default: return fail(ctx, `unknown coordinate_transformation_mode '${coord}'`);
      }
      const base = Math.floor(xo);
      const ratio = Number.isInteger(xo) ? 1 : xo - base;
      let coeffs: number[];
      if (mode === "nearest") {
        if (Number.isInteger(xo)) coeffs = [0, 1];
        else if (nearestMode === "round_prefer_floor") coeffs = [ratio <= 0.5 ? 1 : 0, ratio > 0.5 ? 1 : 0];
        else if (nearestMode === "round_prefer_ceil") coeffs = [ratio < 0.5 ? 1 : 0, ratio >= 0.5 ? 1 : 0];
        else if (nearestMode === "floor") coeffs = [1, 0];
        else if (nearestMode === "ceil") coeffs = [0, 1];
        else return fail(ctx, `unknown nearest_mode '${nearestMode}'`);
      } else if (mode === "linear") {
        coeffs = [1 - ratio, ratio];
      } else if (mode === "cubic") {
        const A = cubicA, r = ratio;
        coeffs = [
          ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
          ((A + 2) * r - (A + 3)) * r * r + 1,
          ((A + 2) * (1 - r) - (A + 3)) * (1 - r) * (1 - r) + 1,
          ((A * (2 - r) - 5 * A) * (2 - r) + 8 * A) * (2 - r) - 4 * A,
        ];
      } else {
        return fail(ctx, `unknown mode '${mode}'`);
      }
      // the reference picks the n points of the edge-padded signal nearest xo (ties to the lower index)
      const nPts = coeffs.length, padW = Math.ceil(nPts / 2);
      const cand: number[] = [];
      for (let i = base - nPts - 1; i <= base + nPts + 1; i++) if (i >= -padW && i < len + padW) cand.push(i);
      cand.sort((p, q) => Math.abs(xo - p) - Math.abs(xo - q) || p - q);
      const pts = cand.slice(0, nPts).sort((p, q) => p - q);
      if (excludeOutside) {
        pts.forEach((p, i) => { if (p < 0 || p >= len) coeffs[i] = 0; });
        const sum = coeffs.reduce((a, v) => a + v, 0);
        coeffs = coeffs.map((v) => v / sum);
      }
      pts.forEach((p, i) => { m.data[o * len + Math.min(Math.max(p, 0), len - 1)] += coeffs[i]!; });
    }
    return { m, valid };
  });
  let y = matmul(mats[1]!.m, matmul(mats[0]!.m, x).transpose(2, 3)).transpose(2, 3);
  if (coord === "tf_crop_and_resize") {
    const [vh, vw] = [mats[0]!.valid, mats[1]!.valid];
    const fill = zeros([1, 1, outSize[0], outSize[1]], { dtype: x.dtype });
    for (let i = 0; i < outSize[0]; i++) for (let j = 0; j < outSize[1]; j++) fill.data[i * outSize[1] + j] = vh[i]! && vw[j]! ? 0 : extrapolation;
    y = y.add(fill);
  }
  return y;
}

/** Bilinear resizing computed as onnxruntime computes it, so that a graph which quantizes the result afterwards
 *  (DynamicQuantizeLinear takes the range of its input) sees the same float32 values: source coordinates in float32,
 *  clamped to the image; two neighbours per axis with weights |c − c₁| and |c − c₂| (½ each at the last pixel);
 *  y = w₂₂'·X₁₁ + w₁₂'·X₂₁ + w₂₁'·X₁₂ + w₁₁'·X₂₂ with each weight a float32 product dx·dy, summed in that order.
 *  Differentiable: gathers of x (indexSelect) times constant weight maps. */
function bilinear(ctx: OpContext, x: Tensor, outSize: [number, number], scale: [number, number], coord: string, fromSizes: boolean): Tensor {
  const f = Math.fround;
  checkSize(ctx, [x.shape[0]!, x.shape[1]!, ...outSize], elementBytes(x));
  const axes = [0, 1].map((axis) => {
    const len = x.shape[axis + 2]!, out = outSize[axis]!, s = f(scale[axis]!);
    const i1 = new Float32Array(out), i2 = new Float32Array(out), d1 = new Float32Array(out), d2 = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      let c: number;
      if (s === 1) c = o;
      else if (coord === "half_pixel") c = f(f(f(o + 0.5) / s) - 0.5);
      else if (coord === "pytorch_half_pixel") c = out > 1 ? f(f(f(o + 0.5) / s) - 0.5) : 0;
      else if (coord === "asymmetric") c = f(o / s);
      else if (coord === "tf_half_pixel_for_nn") c = f(f(o + 0.5) / s);
      else if (coord === "align_corners") {
        // the output's length: its size where sizes were given (as onnxruntime), scale·length where scales were (as
        // the ONNX reference; onnxruntime uses the rounded-down size there too)
        const resized = fromSizes ? out : s * len;
        c = resized === 1 ? 0 : f(f(o * (len - 1)) / (resized - 1));
      }
      else return fail(ctx, `unknown coordinate_transformation_mode '${coord}'`);
      c = Math.max(0, Math.min(c, len - 1));
      const a = Math.min(Math.trunc(c), len - 1), b = Math.min(a + 1, len - 1);
      i1[o] = a; i2[o] = b;
      [d1[o], d2[o]] = a === b ? [0.5, 0.5] : [f(Math.abs(c - a)), f(Math.abs(c - b))];
    }
    return { i1: new Tensor(i1, [out]), i2: new Tensor(i2, [out]), d1, d2 };
  });
  const [ys, xs] = axes as [typeof axes[0], typeof axes[0]];
  const [oh, ow] = outSize;
  const weight = (dx: Float32Array, dy: Float32Array): Tensor => {
    const w = new Float32Array(oh * ow);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) w[i * ow + j] = dx[j]! * dy[i]!;
    return new Tensor(w, [1, 1, oh, ow]).to(x.dtype);
  };
  const row1 = x.indexSelect(2, ys.i1), row2 = x.indexSelect(2, ys.i2);
  return weight(xs.d2, ys.d2).mul(row1.indexSelect(3, xs.i1))
    .add(weight(xs.d1, ys.d2).mul(row1.indexSelect(3, xs.i2)))
    .add(weight(xs.d2, ys.d1).mul(row2.indexSelect(3, xs.i1)))
    .add(weight(xs.d1, ys.d1).mul(row2.indexSelect(3, xs.i2)));
}

function resizeFromScalesOrSizes(ctx: OpContext, x: Tensor, scales: number[] | null, sizes: number[] | null): { out: [number, number]; scale: [number, number] } {
  if (x.ndim !== 4) fail(ctx, `resizing supports [N,C,H,W] inputs only, got rank ${x.ndim}`);
  if (sizes && sizes.length > 0) {
    if (sizes.length !== 4 || sizes[0] !== x.shape[0] || sizes[1] !== x.shape[1]) fail(ctx, `sizes [${sizes.join(",")}] may only change H and W`);
    return { out: [sizes[2]!, sizes[3]!], scale: [sizes[2]! / x.shape[2]!, sizes[3]! / x.shape[3]!] };
  }
  if (!scales || scales.length !== 4) return fail(ctx, "needs 4 scales or 4 sizes");
  if (scales[0] !== 1 || scales[1] !== 1) fail(ctx, `scales [${scales.join(",")}] may only change H and W`);
  if (!(scales[2]! > 0 && scales[3]! > 0)) fail(ctx, `scales must be positive, got [${scales.join(",")}]`);
  return { out: [Math.floor(x.shape[2]! * scales[2]!), Math.floor(x.shape[3]! * scales[3]!)], scale: [scales[2]!, scales[3]!] };
}

const resize: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  let scales: number[] | null, sizes: number[] | null = null, roi: number[] | null = null;
  if (ctx.opset < 11) {
    scales = inputs[1] ? [...inputs[1].data] : null;
  } else {
    roi = inputs[1] && inputs[1].size > 0 ? [...inputs[1].data] : null;
    scales = inputs[2] && inputs[2].size > 0 ? [...inputs[2].data] : null;
    sizes = inputs[3] && inputs[3].size > 0 ? intsIn(inputs, 3, ctx) : null;
  }
  const { out, scale } = resizeFromScalesOrSizes(ctx, x, scales, sizes);
  const mode = ctx.attrs.string("mode", "nearest");
  const coord = ctx.opset < 11 ? "asymmetric" : ctx.attrs.string("coordinate_transformation_mode", "half_pixel");
  if (mode === "linear" && coord !== "tf_crop_and_resize") return [bilinear(ctx, x, out, scale, coord, sizes !== null && sizes.length > 0)];
  const nearestMode = ctx.opset < 11 ? "floor" : ctx.attrs.string("nearest_mode", "round_prefer_floor");
  const y = resizeWith(ctx, x, out, scale, mode, coord, nearestMode, ctx.attrs.float("cubic_coeff_a", -0.75),
    ctx.attrs.int("exclude_outside", 0) === 1, roi, ctx.attrs.float("extrapolation_value", 0));
  return [y];
};

const upsample: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const scales = ctx.attrs.floats("scales") ?? (inputs[1] ? [...inputs[1].data] : null);
  const { out, scale } = resizeFromScalesOrSizes(ctx, x, scales, null);
  const mode = ctx.attrs.string("mode", "nearest");
  return [resizeWith(ctx, x, out, scale, mode === "bilinear" ? "linear" : mode, "asymmetric", "floor", -0.75, false, null, 0)];
};

const batchNormalization: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => floatIn(inputs, i, ctx)) as [Tensor, Tensor, Tensor, Tensor];
  const eps = ctx.attrs.float("epsilon", 1e-5);
  const momentum = ctx.attrs.float("momentum", 0.9);
  const trainingMode = ctx.attrs.int("training_mode", 0) === 1 || (ctx.opset < 14 && ctx.outputs.filter((o) => o !== "").length > 1);
  if (!trainingMode && !ctx.training) return [F.batchNorm(x, mean, variance, { weight: scale, bias, eps })];
  // batch statistics; ONNX's running outputs blend with the population (biased) variance
  const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  const bMean = x.mean(dims), bVar = x.var(dims, { correction: 0 });
  const y = F.batchNorm(x, null, null, { weight: scale, bias, eps, training: true });
  const runMean = mean.detach().mul(momentum).add(bMean.detach().mul(1 - momentum));
  const runVar = variance.detach().mul(momentum).add(bVar.detach().mul(1 - momentum));
  if (ctx.training && !trainingMode) {
    // a training-mode import updates the running statistics in place, like nn.BatchNorm2d (through a kernel: on a
    // device backend they are the device's)
    copyInto(mean, runMean);
    copyInto(variance, runVar);
  }
  return ctx.opset < 14 ? [y, runMean, runVar, bMean, bVar] : [y, runMean, runVar];
};

/** ONNX LRN: the window is channels c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉ (PyTorch's differs for even sizes). */
const lrn: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const size = ctx.attrs.int("size", 0);
  if (size < 1) fail(ctx, "LRN needs size ≥ 1");
  if (x.ndim < 3) fail(ctx, "LRN needs an input of rank ≥ 3");
  const alpha = ctx.attrs.float("alpha", 1e-4), beta = ctx.attrs.float("beta", 0.75), bias = ctx.attrs.float("bias", 1);
  const c = x.shape[1]!;
  // window reach past the first or last channel beyond c − 1 adds only zeros of the padding: clamped, a hostile size
  // costs neither memory nor time
  const reach = Math.max(c - 1, 0);
  const before = Math.min(Math.floor((size - 1) / 2), reach), after = Math.min(Math.ceil((size - 1) / 2), reach);
  const pads = new Array<number>(2 * (x.ndim - 1)).fill(0);
  pads[2 * (x.ndim - 2)] = before;
  pads[2 * (x.ndim - 2) + 1] = after;
  const sq = padOp(x.square(), pads);
  let sum = sq.slice(1, 0, c);
  for (let j = 1; j <= before + after; j++) sum = sum.add(sq.slice(1, j, j + c));
  return [x.div(sum.mul(alpha / size).add(bias).pow(beta))];
};

const gemm: OpImpl = (inputs, ctx) => {
  let a = floatIn(inputs, 0, ctx), b = floatIn(inputs, 1, ctx);
  const c = optFloat(inputs, 2, ctx);
  if (a.ndim !== 2 || b.ndim !== 2) fail(ctx, `Gemm needs 2-D A and B, got [${a.shape.join(",")}] and [${b.shape.join(",")}]`);
  const transA = ctx.attrs.int("transA", 0) !== 0, transB = ctx.attrs.int("transB", 0) !== 0;
  const alpha = ctx.attrs.float("alpha", 1), beta = ctx.attrs.float("beta", 1);
  // A fully connected layer (exported nn.Linear): B read transposed in place rather than copied per call
  if (!transA && transB && alpha === 1 && (!c || (beta === 1 && c.ndim === 1 && c.shape[0] === b.shape[0]))) return [F.linear(a, b, c)];
  if (transA) a = a.t();
  if (transB) b = b.t();
  let y = matmul(a, b);
  if (alpha !== 1) y = y.mul(alpha);
  if (c && beta !== 0) y = y.add(beta === 1 ? c : c.mul(beta));
  return [y];
};

function softmaxLike(log: boolean): OpImpl {
  return (inputs, ctx) => {
    const x = floatIn(inputs, 0, ctx);
    const fn = log ? F.logSoftmax : F.softmax;
    if (ctx.opset >= 13) return [fn(x, normAxis(ctx, ctx.attrs.int("axis", -1), x.ndim))];
    // before opset 13 the input is coerced to 2-D [∏ dims < axis, ∏ dims ≥ axis] and normalised over the second
    const axis = normAxis(ctx, ctx.attrs.int("axis", 1), x.ndim);
    const flat = x.reshape([sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
    return [fn(flat, 1).reshape(x.shape)];
  };
}

/** An elementwise op on floats; integers only where `onInt` says what it does to one (Neg, Abs, Sign…). */
function unary(fn: (x: Tensor, ctx: OpContext) => Tensor, onInt?: (v: number) => number): OpImpl {
  return (inputs, ctx) => {
    const v = inputs[0];
    if (v instanceof IntTensor) {
      if (!onInt) fail(ctx, `integer input (${v.dtype}) is not supported: convkit tensors are floating point`);
      return [new IntTensor(Float64Array.from(v.data, (x) => wrapInt(onInt(x), v.dtype)), v.shape, v.dtype)];
    }
    return [fn(floatIn(inputs, 0, ctx), ctx)];
  };
}

function binaryOp(kind: Binary): OpImpl {
  return (inputs, ctx) => {
    const a = inputs[0], b = inputs[1];
    if (!a || !b) fail(ctx, "needs two inputs");
    const shape = rhsShape(a!, b!, ctx);
    return [binary(kind, a!, shape === b!.shape ? b! : reshapeValue(b!, shape), ctx)];
  };
}

/** The shape a binary op reads its second operand as: its own, or before opset 7 with broadcast=1 and an axis,
 *  legacy broadcasting's (b's dims align with a's starting at `axis`). */
function rhsShape(a: Value, b: Value, ctx: OpContext): readonly number[] {
  if (!(ctx.opset < 7 && ctx.attrs.int("broadcast", 0) === 1 && ctx.attrs.has("axis"))) return b.shape;
  const axis = normAxis(ctx, ctx.attrs.int("axis", 0), a.ndim);
  return [...new Array<number>(axis).fill(1), ...b.shape, ...new Array<number>(Math.max(0, a.ndim - axis - b.ndim)).fill(1)];
}

function variadic(kind: "Max" | "Min" | "Sum" | "Mean"): OpImpl {
  return (inputs, ctx) => {
    const vals = inputs.filter((v): v is Value => v !== null);
    if (vals.length === 0) fail(ctx, "needs at least one input");
    let acc: Value = vals[0]!;
    for (const v of vals.slice(1)) acc = binary(kind === "Sum" || kind === "Mean" ? "Add" : kind, acc, v, ctx);
    if (kind === "Mean") acc = binary("Div", acc, tensor(vals.length), ctx);
    return [vals.length === 1 && acc instanceof Tensor ? acc.clone() : acc];
  };
}

/** Reshape an int or float value (ints are plain data; floats use the differentiable view). */
function reshapeValue(v: Value, shape: readonly number[]): Value {
  return v instanceof IntTensor ? new IntTensor(v.data, shape, v.dtype) : v.reshape(shape);
}

const concat: OpImpl = (inputs, ctx) => {
  const vals = inputs.filter((v): v is Value => v !== null);
  if (vals.length === 0) fail(ctx, "needs at least one input");
  const axis = normAxis(ctx, ctx.attrs.int("axis", 0), vals[0]!.ndim);
  if (vals.every((v) => v instanceof IntTensor)) {
    const ints = vals as IntTensor[];
    const outer = sizeOf(ints[0]!.shape.slice(0, axis));
    const shape = [...ints[0]!.shape];
    shape[axis] = ints.reduce((s, t) => s + t.shape[axis]!, 0);
    ints.forEach((t) => { if (t.ndim !== shape.length || t.shape.some((d, i) => i !== axis && d !== shape[i])) fail(ctx, "Concat inputs differ in shape outside the axis"); });
    const out: number[] = [];
    for (let o = 0; o < outer; o++) for (const t of ints) { const chunk = t.size / Math.max(outer, 1); out.push(...t.data.subarray(o * chunk, (o + 1) * chunk)); }
    return [new IntTensor(Float64Array.from(out), shape, ints[0]!.dtype)];
  }
  const ts = vals.map((v) => (v instanceof IntTensor ? v.toFloat() : v));
  return [cat(ts, axis)];
};

const flatten: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const axis = ctx.attrs.int("axis", 1);
  const a = axis < 0 ? axis + v.ndim : axis;
  if (a < 0 || a > v.ndim) fail(ctx, `axis ${axis} is out of range for rank ${v.ndim}`);
  return [reshapeValue(v, [sizeOf(v.shape.slice(0, a)), sizeOf(v.shape.slice(a))])];
};

const reshape: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const shape = ctx.opset < 5 ? ctx.attrs.ints("shape", [])! : intsIn(inputs, 1, ctx);
  const allowZero = ctx.attrs.int("allowzero", 0) === 1;
  const dims = shape.map((d, i) => (d === 0 && !allowZero ? (i < v.ndim ? v.shape[i]! : fail(ctx, `shape dim ${i} is 0 (copy) beyond the input's rank`)) : d));
  if (dims.filter((d) => d === -1).length > 1 || dims.some((d) => d < -1)) fail(ctx, `invalid target shape [${shape.join(",")}]`);
  const known = dims.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const full = dims.map((d) => (d === -1 ? (known === 0 ? 0 : v.size / known) : d));
  if (sizeOf(full) !== v.size || full.some((d) => !Number.isInteger(d))) fail(ctx, `cannot reshape [${v.shape.join(",")}] (${v.size} elements) into [${shape.join(",")}]`);
  return [reshapeValue(v, full)];
};

/** Runs `f`, which computes on integer values held as float64 tensors, on the reference backend: such values stay on
 *  the host whatever backend runs the graph (a device's kernels take float32 only; the importer reads shapes and
 *  indices on the host anyway). */
function onHost<T>(f: () => T): T {
  const b = getBackend();
  if (!b.device) return f();
  setBackend("js");
  try {
    return f();
  } finally {
    setBackend(b.name);
  }
}

function permuteValue(v: Value, perm: readonly number[]): Value {
  if (v instanceof Tensor) return v.permute(perm);
  return onHost(() => {
    const t = new Tensor(v.data, v.shape).permute(perm);
    return new IntTensor(Float64Array.from(t.data), t.shape, v.dtype);
  });
}

const transpose: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const perm = ctx.attrs.ints("perm", v.shape.map((_, i) => v.ndim - 1 - i))!;
  if (perm.length !== v.ndim || new Set(perm).size !== perm.length || perm.some((p) => p < 0 || p >= v.ndim)) fail(ctx, `perm [${perm.join(",")}] is not a permutation of ${v.ndim} dims`);
  return [permuteValue(v, perm)];
};

const padNode: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const pads = ctx.opset < 11 ? ctx.attrs.ints("pads", [])! : intsIn(inputs, 1, ctx);
  const value = ctx.opset < 11 ? ctx.attrs.float("value", 0) : scalarIn(inputs, 2, ctx) ?? 0;
  const mode = ctx.attrs.string("mode", "constant");
  if (pads.length !== 2 * x.ndim) fail(ctx, `pads has ${pads.length} values, expected ${2 * x.ndim}`);
  // ONNX lists all begins then all ends, first dim first; F.pad takes (begin, end) pairs from the last dim backwards
  checkSize(ctx, x.shape.map((v, d) => v + Math.max(0, pads[d]!) + Math.max(0, pads[d + x.ndim]!)), elementBytes(x));
  const pairs: number[] = [];
  for (let d = x.ndim - 1; d >= 0; d--) pairs.push(pads[d]!, pads[d + x.ndim]!);
  const m = mode === "edge" ? "replicate" : mode;
  if (m !== "constant" && m !== "reflect" && m !== "replicate") fail(ctx, `unsupported pad mode '${mode}'`);
  return [padOp(x, pairs, m, value)];
};

const clip: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const lo = ctx.opset < 11 ? ctx.attrs.float("min", -Infinity) : scalarIn(inputs, 1, ctx) ?? -Infinity;
  const hi = ctx.opset < 11 ? ctx.attrs.float("max", Infinity) : scalarIn(inputs, 2, ctx) ?? Infinity;
  // ONNX: min(max(x, lo), hi), so hi wins when lo > hi. Hardtanh is that function in one kernel (MobileNets' ReLU6);
  // its gradient stops at the bounds, clamp's passes there: used when nothing is differentiated
  if (lo <= hi && !isGradEnabled()) return [F.hardtanh(x, { minVal: lo, maxVal: hi })];
  let y = x.clone();
  if (lo !== -Infinity) y = y.clamp(lo, null);
  if (hi !== Infinity) y = y.clamp(null, hi);
  return [y];
};

const dropout: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const ratio = ctx.opset >= 12 ? scalarIn(inputs, 1, ctx) ?? 0.5 : ctx.attrs.float("ratio", 0.5);
  const trainingInput = ctx.opset >= 12 ? scalarIn(inputs, 2, ctx) ?? 0 : 0;
  const train = trainingInput !== 0 || (ctx.training && ratio > 0);
  const y = train ? F.dropout(x, { p: ratio, training: true }) : x;
  const wantMask = (ctx.outputs[1] ?? "") !== "";
  const mask = wantMask ? new IntTensor(Float64Array.from(y.data, (v, i) => (!train || v !== 0 || x.data[i] === 0 ? 1 : 0)), x.shape, "bool") : null;
  return [y === x ? x.clone() : y, mask];
};

const identity: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  return [v];
};

const constant: OpImpl = (_inputs, ctx) => {
  const a = ctx.attrs;
  const t = a.tensor("value");
  if (t) return [t];
  if (a.has("value_float")) return [tensor(a.float("value_float", 0))];
  if (a.has("value_floats")) { const f = a.floats("value_floats")!; return [tensor(f, [f.length])]; }
  if (a.has("value_int")) return [new IntTensor(Float64Array.of(a.int("value_int", 0)), [], "int64")];
  if (a.has("value_ints")) { const i = a.ints("value_ints", [])!; return [new IntTensor(Float64Array.from(i), [i.length], "int64")]; }
  return fail(ctx, "Constant has no supported value attribute (sparse and string constants are not supported)");
};

const constantOfShape: OpImpl = (inputs, ctx) => {
  const shape = intsIn(inputs, 0, ctx);
  const v = ctx.attrs.tensor("value");
  checkSize(ctx, shape, v instanceof IntTensor || v?.dtype === "float64" ? 8 : 4);
  const fill = v ? v.data[0] ?? 0 : 0;
  if (v instanceof IntTensor) return [new IntTensor(new Float64Array(sizeOf(shape)).fill(fill), shape, v.dtype)];
  const t = zeros(shape, { dtype: v?.dtype ?? "float32" });
  if (fill !== 0) t.data.fill(fill);
  return [t];
};

const shapeOp: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const r = v.ndim;
  const clampAxis = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(ctx.attrs.int("start", 0)), end = clampAxis(ctx.attrs.int("end", r));
  const dims = v.shape.slice(start, Math.max(start, end));
  return [new IntTensor(Float64Array.from(dims), [dims.length], "int64")];
};

const gather: OpImpl = (inputs, ctx) => {
  const data = inputs[0], idxV = inputs[1];
  if (!data || !idxV) return fail(ctx, "needs data and indices");
  if (!(idxV instanceof IntTensor)) return fail(ctx, "indices must be integers");
  const axis = normAxis(ctx, ctx.attrs.int("axis", 0), data.ndim);
  const n = data.shape[axis]!;
  const idx = [...idxV.data].map((i) => (i < 0 ? i + n : i));
  if (idx.some((i) => i < 0 || i >= n)) fail(ctx, `an index is out of range for axis ${axis} of size ${n}`);
  const outShape = [...data.shape.slice(0, axis), ...idxV.shape, ...data.shape.slice(axis + 1)];
  checkSize(ctx, outShape, elementBytes(data));
  if (data instanceof IntTensor) {
    const outer = sizeOf(data.shape.slice(0, axis)), inner = sizeOf(data.shape.slice(axis + 1));
    const out = new Float64Array(outer * idx.length * inner);
    for (let o = 0; o < outer; o++) for (let k = 0; k < idx.length; k++) for (let i = 0; i < inner; i++) out[(o * idx.length + k) * inner + i] = data.data[(o * n + idx[k]!) * inner + i]!;
    return [new IntTensor(out, outShape, data.dtype)];
  }
  // differentiable: one slice per index, joined along the axis
  if (idx.length === 0) return [zeros(outShape, { dtype: data.dtype })];
  const parts = idx.map((i) => data.slice(axis, i, i + 1));
  return [(parts.length === 1 ? parts[0]! : cat(parts, axis)).reshape(outShape)];
};

function axesOf(inputs: readonly (Value | null)[], ctx: OpContext, inputSince: number): number[] | null {
  return ctx.opset >= inputSince ? optInts(inputs, 1, ctx) : ctx.attrs.ints("axes", null);
}

const unsqueeze: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const axes = axesOf(inputs, ctx, 13);
  if (!axes) return fail(ctx, "axes are required");
  const r = v.ndim + axes.length;
  const norm = axes.map((a) => normAxis(ctx, a, r));
  if (new Set(norm).size !== norm.length) fail(ctx, "repeated axes");
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : v.shape[k++]!);
  return [reshapeValue(v, shape)];
};

const squeeze: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const axes = axesOf(inputs, ctx, 13);
  const norm = axes ? axes.map((a) => normAxis(ctx, a, v.ndim)) : v.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
  norm.forEach((a) => { if (v.shape[a] !== 1) fail(ctx, `cannot squeeze axis ${a} of size ${v.shape[a]}`); });
  return [reshapeValue(v, v.shape.filter((_, i) => !norm.includes(i)))];
};

function reduce(kind: "mean" | "sum" | "max" | "min" | "sumSquare" | "l2" | "logSumExp"): OpImpl {
  return (inputs, ctx) => {
    let x = floatIn(inputs, 0, ctx);
    const axesAsInput = kind === "sum" ? 13 : 18;
    if (kind === "sumSquare" || kind === "l2") x = x.square();
    let axes = axesOf(inputs, ctx, axesAsInput);
    if (!axes || axes.length === 0) {
      if (ctx.attrs.int("noop_with_empty_axes", 0) === 1) return [x.clone()];
      axes = x.shape.map((_, i) => i);
    }
    const keep = ctx.attrs.int("keepdims", 1) === 1;
    const dims = [...new Set(axes.map((a) => normAxis(ctx, a, x.ndim)))].sort((a, b) => b - a);
    if (x.ndim === 0) return [x.clone()];
    if (kind === "mean") return [x.mean(dims, keep)];
    if (kind === "sum" || kind === "sumSquare") return [x.sum(dims, keep)];
    if (kind === "l2") return [x.sum(dims, keep).sqrt()];
    if (kind === "logSumExp") {
      // log Σ exp(x − m) + m with m the (constant) maximum, so large inputs do not overflow
      let m = x.detach();
      for (const d of dims) m = m.max(d, true);
      const r = x.sub(m).exp().sum(dims, true).log().add(m);
      return [keep ? r : r.reshape(x.shape.filter((_, i) => !dims.includes(i)))];
    }
    let y = x;
    for (const d of dims) y = kind === "max" ? y.max(d, true) : y.min(d, true);
    return [keep ? y : y.reshape(x.shape.filter((_, i) => !dims.includes(i)))];
  };
}

const slice: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  if (v instanceof IntTensor) return onHost(() => slice([new Tensor(v.data, v.shape), ...inputs.slice(1)], ctx).map((r) => r && new IntTensor(Float64Array.from(r.data), r.shape, v.dtype)));
  const starts = ctx.opset < 10 ? ctx.attrs.ints("starts", [])! : intsIn(inputs, 1, ctx);
  const ends = ctx.opset < 10 ? ctx.attrs.ints("ends", [])! : intsIn(inputs, 2, ctx);
  const axes = (ctx.opset < 10 ? ctx.attrs.ints("axes", null) : optInts(inputs, 3, ctx)) ?? starts.map((_, i) => i);
  const steps = (ctx.opset < 10 ? null : optInts(inputs, 4, ctx)) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) fail(ctx, "starts, ends, axes and steps differ in length");
  let t: Tensor = v;
  axes.forEach((a, i) => {
    const ax = normAxis(ctx, a, v.ndim), n = t.shape[ax]!;
    const step = steps[i]!;
    if (step === 0) fail(ctx, "slice step 0");
    const clampI = (x: number, lo: number, hi: number): number => Math.min(Math.max(x < 0 ? x + n : x, lo), hi);
    const s = step > 0 ? clampI(starts[i]!, 0, n) : clampI(starts[i]!, -1, n - 1);
    const e = step > 0 ? clampI(ends[i]!, 0, n) : ends[i]! < -n ? -1 : clampI(ends[i]!, -1, n - 1);
    t = step > 0 ? t.slice(ax, s, e, step) : e < 0 ? t.slice(ax, s, undefined, step) : t.slice(ax, s, e, step);
  });
  return [t];
};

const CAST_TARGETS: Record<number, IntDType | "float32" | "float64"> = { 1: "float32", 10: "float32", 16: "float32", 11: "float64", 7: "int64", 6: "int32", 5: "int16", 3: "int8", 2: "uint8", 4: "uint16", 12: "uint32", 13: "uint64", 9: "bool" };
const cast: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const to = CAST_TARGETS[ctx.attrs.int("to", 0)];
  if (!to) return fail(ctx, `unsupported Cast target type ${ctx.attrs.int("to", 0)}`);
  if (to === "float32" || to === "float64") return [v instanceof IntTensor ? v.toFloat(to) : v.to(to)];
  const out = Float64Array.from(v.data, (x) => (to === "bool" ? (x !== 0 ? 1 : 0) : wrapInt(Math.trunc(x), to)));
  return [new IntTensor(out, v.shape, to)];
};

const expandOp: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const shape = intsIn(inputs, 1, ctx);
  let target: number[];
  try {
    target = broadcastShapes("Expand", x.shape, shape);
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
  checkSize(ctx, target, elementBytes(x));
  return [expand(x.reshape([...new Array<number>(target.length - x.ndim).fill(1), ...x.shape]), target)];
};

const globalPool = (kind: "avg" | "max"): OpImpl => (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  if (x.ndim < 3) fail(ctx, "needs an input [N,C,…] with spatial dims");
  const dims = x.shape.slice(2).map((_, i) => i + 2);
  if (kind === "avg") return [x.mean(dims, true)];
  let y = x;
  for (const d of dims) y = y.max(d, true);
  return [y];
};

const leakyRelu: OpImpl = (inputs, ctx) => [F.leakyRelu(floatIn(inputs, 0, ctx), ctx.attrs.float("alpha", 0.01))];

const whereOp: OpImpl = (inputs, ctx) => {
  const c = inputs[0];
  if (!c) return fail(ctx, "needs a condition");
  const a = floatIn(inputs, 1, ctx), b = floatIn(inputs, 2, ctx);
  const shape = broadcastShapes("Where", broadcastShapes("Where", c.shape, a.shape), b.shape);
  const cond = expand((c instanceof IntTensor ? c.toFloat(a.dtype) : c).reshape([...new Array<number>(shape.length - c.ndim).fill(1), ...c.shape]), shape);
  return [where(cond, expand(a.reshape([...new Array<number>(shape.length - a.ndim).fill(1), ...a.shape]), shape), expand(b.reshape([...new Array<number>(shape.length - b.ndim).fill(1), ...b.shape]), shape))];
};

const negPart = (x: Tensor): Tensor => minimum(x, zeros([], { dtype: x.dtype }));

const instanceNorm: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx), scale = floatIn(inputs, 1, ctx), bias = floatIn(inputs, 2, ctx);
  if (x.ndim < 3) fail(ctx, "InstanceNormalization needs [N,C,…] with spatial dims");
  const dims = x.shape.slice(2).map((_, i) => i + 2);
  const perChannel = [1, x.shape[1]!, ...dims.map(() => 1)];
  const centered = x.sub(x.mean(dims, true));
  const y = centered.div(centered.square().mean(dims, true).add(ctx.attrs.float("epsilon", 1e-5)).sqrt());
  return [y.mul(scale.reshape(perChannel)).add(bias.reshape(perChannel))];
};

/** Let a data-movement op (padding, pooling, selection) take integer tensors: run it on float64 copies of the
 *  integer inputs in `slots`, and turn float results back into integers of the first such input's type. Exact, since
 *  the op only moves or compares values. */
function acceptInts(impl: OpImpl, slots: readonly number[] = [0]): OpImpl {
  return (inputs, ctx) => {
    const intIn = slots.map((s) => inputs[s]).find((v): v is IntTensor => v instanceof IntTensor);
    if (!intIn) return impl(inputs, ctx);
    const conv = inputs.map((v, i) => (slots.includes(i) && v instanceof IntTensor ? v.toFloat("float64") : v));
    return onHost(() => impl(conv, ctx).map((r, k) => (r instanceof Tensor && k === 0 ? new IntTensor(Float64Array.from(r.data), r.shape, intIn.dtype) : r)));
  };
}

// ---- ops of exported transformers, detectors and segmenters (composites of the library's public ops) ----

/** Like acceptInts, for ops with several outputs: every float output made from integer inputs goes back to integers. */
function acceptIntsAll(impl: OpImpl): OpImpl {
  return (inputs, ctx) => {
    const intIn = inputs[0];
    if (!(intIn instanceof IntTensor)) return impl(inputs, ctx);
    const conv = inputs.map((v, i) => (i === 0 && v instanceof IntTensor ? v.toFloat("float64") : v));
    return onHost(() => impl(conv, ctx).map((r) => (r instanceof Tensor ? new IntTensor(Float64Array.from(r.data), r.shape, intIn.dtype) : r)));
  };
}

const split: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const axis = normAxis(ctx, ctx.attrs.int("axis", 0), x.ndim);
  const n = x.shape[axis]!, count = ctx.outputs.length;
  let sizes = ctx.opset >= 13 ? optInts(inputs, 1, ctx) : ctx.attrs.ints("split", null);
  if (!sizes) {
    // equal parts; since opset 18 num_outputs may leave a smaller last part
    const parts = ctx.attrs.int("num_outputs", count);
    if (parts < 1) fail(ctx, `num_outputs ${parts} must be ≥ 1`);
    const each = Math.ceil(n / parts);
    if (ctx.opset < 18 && n % parts !== 0) fail(ctx, `axis ${axis} of size ${n} cannot be split into ${parts} equal parts`);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, n - i * each)));
  }
  if (sizes.length !== count) fail(ctx, `split has ${sizes.length} parts for ${count} outputs`);
  if (sizes.some((s) => s < 0) || sizes.reduce((a, s) => a + s, 0) !== n) fail(ctx, `split [${sizes.join(",")}] does not add up to ${n} (axis ${axis})`);
  let at = 0;
  return sizes.map((s) => x.slice(axis, at, (at += s)));
};

const tile: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const reps = intsIn(inputs, 1, ctx);
  if (reps.length !== x.ndim || reps.some((r) => r < 0)) fail(ctx, `repeats [${reps.join(",")}] must be ${x.ndim} non-negative counts`);
  checkSize(ctx, x.shape.map((d, i) => d * reps[i]!), elementBytes(x));
  return [x.repeat(reps)];
};

const range: OpImpl = (inputs, ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => scalarIn(inputs, i, ctx) ?? fail(ctx, `input ${i} is required`)) as [number, number, number];
  if (delta === 0) fail(ctx, "delta is 0");
  const count = Math.max(Math.ceil((limit - start) / delta), 0);
  checkSize(ctx, [count], 8);
  const first = inputs[0]!;
  if (first instanceof IntTensor) return [new IntTensor(Float64Array.from({ length: count }, (_, i) => wrapInt(start + i * delta, first.dtype)), [count], first.dtype)];
  // the reference adds delta count times in the input's precision
  const out = first.dtype === "float64" ? new Float64Array(count) : new Float32Array(count);
  let v = start;
  for (let i = 0; i < count; i++) { out[i] = v; v = first.dtype === "float64" ? v + delta : Math.fround(v + delta); }
  return [new Tensor(out, [count])];
};

/** Comparisons and logic: booleans (an IntTensor of 0/1) from two broadcast operands of any type. */
function compareOp(fn: (a: number, b: number) => boolean): OpImpl {
  return (inputs, ctx) => {
    const [a, b] = [inputs[0], inputs[1]];
    if (!a || !b) return fail(ctx, "needs two inputs");
    const asInt = (v: Value): IntTensor => (v instanceof IntTensor ? v : new IntTensor(Float64Array.from(v.data), v.shape, "int64"));
    return [intBroadcast(asInt(a), asInt(b), (x, y) => (fn(x, y) ? 1 : 0), "bool", ctx)];
  };
}

const notOp: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  return [new IntTensor(Float64Array.from(v.data, (x) => (x === 0 ? 1 : 0)), v.shape, "bool")];
};

/** ArgMax/ArgMin: int64 indices; ties go to the first index, or the last with select_last_index. */
function argReduce(kind: "max" | "min"): OpImpl {
  return (inputs, ctx) => {
    const v = inputs[0];
    if (!v) return fail(ctx, "input 0 is required");
    const axis = normAxis(ctx, ctx.attrs.int("axis", 0), v.ndim);
    const keep = ctx.attrs.int("keepdims", 1) === 1, last = ctx.attrs.int("select_last_index", 0) === 1;
    const n = v.shape[axis]!, inner = sizeOf(v.shape.slice(axis + 1)), outer = sizeOf(v.shape.slice(0, axis));
    if (n === 0) fail(ctx, `cannot reduce axis ${axis} of size 0`);
    const out = new Float64Array(outer * inner);
    const better = kind === "max" ? (x: number, y: number) => x > y || (last && x === y) : (x: number, y: number) => x < y || (last && x === y);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0, bv = v.data[o * n * inner + i]!;
        for (let k = 1; k < n; k++) {
          const x = v.data[(o * n + k) * inner + i]!;
          // NaN wins, as in numpy
          if (!Number.isNaN(bv) && (Number.isNaN(x) || better(x, bv))) { best = k; bv = x; }
        }
        out[o * inner + i] = best;
      }
    }
    const shape = keep ? v.shape.map((d, i) => (i === axis ? 1 : d)) : v.shape.filter((_, i) => i !== axis);
    return [new IntTensor(out, shape, "int64")];
  };
}

/** TopK: the k largest (or smallest) along an axis, sorted; equal values keep their order (the lower index first).
 *  The values are a differentiable gather of the input. */
const topK: OpImpl = (inputs, ctx) => {
  const v = inputs[0];
  if (!v) return fail(ctx, "input 0 is required");
  const k = ctx.opset >= 10 ? scalarIn(inputs, 1, ctx) ?? fail(ctx, "K is required") : ctx.attrs.int("k", -1);
  const axis = normAxis(ctx, ctx.attrs.int("axis", -1), v.ndim);
  const largest = ctx.attrs.int("largest", 1) === 1;
  const n = v.shape[axis]!, inner = sizeOf(v.shape.slice(axis + 1)), outer = sizeOf(v.shape.slice(0, axis));
  if (!Number.isInteger(k) || k < 0 || k > n) fail(ctx, `K ${k} is out of range for axis ${axis} of size ${n}`);
  const shape = v.shape.map((d, i) => (i === axis ? k : d));
  checkSize(ctx, shape, 8);
  const idx = new Float64Array(sizeOf(shape));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number): number => v.data[(o * n + j) * inner + i]!;
      order.sort((p, q) => (largest ? at(q) - at(p) : at(p) - at(q)) || p - q);
      for (let j = 0; j < k; j++) idx[(o * k + j) * inner + i] = order[j]!;
    }
  }
  const indices = new IntTensor(idx, shape, "int64");
  if (v instanceof IntTensor) {
    const vals = Float64Array.from(idx, (j, flat) => v.data[(Math.floor(flat / (k * inner)) * n + j) * inner + (flat % inner)]!);
    return [new IntTensor(vals, shape, v.dtype), indices];
  }
  return [v.gather(axis, new Tensor(Float32Array.from(idx), shape)), indices];
};

/** DepthToSpace (DCR: depth as [b, b, C'], CRD: [C', b, b]) and SpaceToDepth, as reshape → permute → reshape. */
const depthToSpace: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const b = ctx.attrs.int("blocksize", 0);
  if (x.ndim !== 4 || b < 1 || x.shape[1]! % (b * b) !== 0) fail(ctx, `needs [N,C,H,W] with C divisible by blocksize² (blocksize ${b}, input [${x.shape.join(",")}])`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const crd = ctx.attrs.string("mode", "DCR") === "CRD";
  const y = crd ? x.reshape([n, c / (b * b), b, b, h, w]).permute([0, 1, 4, 2, 5, 3]) : x.reshape([n, b, b, c / (b * b), h, w]).permute([0, 3, 4, 1, 5, 2]);
  return [y.reshape([n, c / (b * b), h * b, w * b])];
};
const spaceToDepth: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  const b = ctx.attrs.int("blocksize", 0);
  if (x.ndim !== 4 || b < 1 || x.shape[2]! % b !== 0 || x.shape[3]! % b !== 0) fail(ctx, `needs [N,C,H,W] with H and W divisible by blocksize (blocksize ${b}, input [${x.shape.join(",")}])`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return [x.reshape([n, c, h / b, b, w / b, b]).permute([0, 3, 5, 1, 2, 4]).reshape([n, c * b * b, h / b, w / b])];
};

/** LayerNormalization (opset 17): normalised over the dims from `axis` on, then Scale and B broadcast; the optional
 *  outputs Mean and InvStdDev keep the normalised dims as 1s. */
const layerNormalization: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx), scale = floatIn(inputs, 1, ctx), bias = optFloat(inputs, 2, ctx);
  const axis = normAxis(ctx, ctx.attrs.int("axis", -1), x.ndim);
  const eps = ctx.attrs.float("epsilon", 1e-5);
  const normShape = x.shape.slice(axis);
  const exact = (t: Tensor | null): boolean => !t || (t.ndim === normShape.length && t.shape.every((d, i) => d === normShape[i]));
  let y: Tensor;
  if (exact(scale) && exact(bias)) y = F.layerNorm(x, normShape, { weight: scale, bias, eps });
  else {
    y = F.layerNorm(x, normShape, { eps }).mul(scale);
    if (bias) y = y.add(bias);
  }
  const wantStats = (ctx.outputs[1] ?? "") !== "" || (ctx.outputs[2] ?? "") !== "";
  if (!wantStats) return [y];
  const dims = normShape.map((_, i) => axis + i);
  const mean = x.mean(dims, true);
  return [y, mean, x.sub(mean).square().mean(dims, true).add(eps).rsqrt()];
};

/** GroupNormalization: scale and bias per channel (opset 21), or per group (opset 18's form, [num_groups]). */
const groupNormalization: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  let scale = floatIn(inputs, 1, ctx), bias = floatIn(inputs, 2, ctx);
  const groups = ctx.attrs.int("num_groups", 0);
  if (x.ndim < 3 || groups < 1 || x.shape[1]! % groups !== 0) fail(ctx, `needs [N,C,…] with C divisible by num_groups (${groups}), got [${x.shape.join(",")}]`);
  const c = x.shape[1]!;
  const perChannel = (t: Tensor): Tensor => (t.size === c ? t.reshape([c]) : t.size === groups ? t.reshape([groups, 1]).expand([groups, c / groups]).reshape([c]) : fail(ctx, `scale and bias must have ${c} (or ${groups}) values, got ${t.size}`));
  scale = perChannel(scale);
  bias = perChannel(bias);
  return [F.groupNorm(x, groups, { weight: scale, bias, eps: ctx.attrs.float("epsilon", 1e-5) })];
};

// ---- quantized operators (uint8/int8, per tensor or per axis), on onnxruntime's integer path ----

/** The 8-bit range of an integer type, for saturation. */
function quantRange(ctx: OpContext, dtype: IntDType): [number, number] {
  if (dtype === "uint8") return [0, 255];
  if (dtype === "int8") return [-128, 127];
  if (dtype === "int32") return [-(2 ** 31), 2 ** 31 - 1];
  return fail(ctx, `quantized type ${dtype} is not supported (uint8, int8)`);
}

/** round half to even, as onnxruntime's float → integer conversions round. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A scale or zero point broadcast along `axis` of a value of `shape`: the per-element lookup of a scalar (per tensor)
 *  or a 1-D tensor of shape[axis] values (per axis). */
function perAxis(ctx: OpContext, what: string, v: Value | null, shape: readonly number[], axisAttr: number, fill: number): (flat: number) => number {
  if (!v || v.size === 1) {
    const c = v ? v.data[0]! : fill;
    return () => c;
  }
  const axis = normAxis(ctx, axisAttr, shape.length);
  if (v.ndim !== 1 || v.size !== shape[axis]) fail(ctx, `${what} has shape [${v.shape.join(",")}]: per-axis values must be 1-D of size ${shape[axis]} (axis ${axis})`);
  const inner = sizeOf(shape.slice(axis + 1)), n = shape[axis]!;
  return (flat) => v.data[Math.floor(flat / inner) % n]!;
}

/** The zero point's integer type, or uint8 when it is absent (the ONNX default). */
function zeroPointType(ctx: OpContext, zp: Value | null): IntDType {
  if (!zp) return "uint8";
  if (!(zp instanceof IntTensor)) return fail(ctx, "the zero point must be an integer tensor");
  return zp.dtype;
}

/** QuantizeLinear: y = saturate(round(x / scale) + zero_point), the division and rounding in float32 as
 *  onnxruntime's MlasQuantizeLinear. */
const quantizeLinear: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx), scale = floatIn(inputs, 1, ctx), zp = inputs[2] ?? null;
  const dtype = zeroPointType(ctx, zp);
  const [lo, hi] = quantRange(ctx, dtype);
  const axis = ctx.attrs.int("axis", 1);
  const s = perAxis(ctx, "y_scale", scale, x.shape, axis, 1), z = perAxis(ctx, "y_zero_point", zp, x.shape, axis, 0);
  const out = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) out[i] = Math.min(hi, Math.max(lo, roundEven(Math.fround(x.data[i]! / s(i))) + z(i)));
  return [new IntTensor(out, x.shape, dtype)];
};

/** DequantizeLinear: y = (x − zero_point)·scale in float32 (int32 inputs too, with a zero point of 0). */
const dequantizeLinear: OpImpl = (inputs, ctx) => {
  const x = inputs[0], scale = floatIn(inputs, 1, ctx), zp = inputs[2] ?? null;
  if (!(x instanceof IntTensor)) return fail(ctx, "input 0 must be an integer tensor");
  const axis = ctx.attrs.int("axis", 1);
  const s = perAxis(ctx, "x_scale", scale, x.shape, axis, 1), z = perAxis(ctx, "x_zero_point", zp, x.shape, axis, 0);
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) out[i] = (x.data[i]! - z(i)) * s(i);
  return [new Tensor(out, x.shape)];
};

/** DynamicQuantizeLinear: uint8 with the scale and zero point of the input's range widened to hold 0, computed in
 *  float32 as onnxruntime's GetQuantizationParameter: scale = (max − min)/255, zero point = round(0 − min/scale). */
const dynamicQuantizeLinear: OpImpl = (inputs, ctx) => {
  const x = floatIn(inputs, 0, ctx);
  let min = 0, max = 0;
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const f = Math.fround;
  const scale = max === min ? 1 : f(f(max - min) / 255);
  const zp = roundEven(Math.max(0, Math.min(255, f(0 - f(min / scale)))));
  const out = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) out[i] = Math.min(255, Math.max(0, roundEven(f(x.data[i]! / scale)) + zp));
  return [new IntTensor(out, x.shape, "uint8"), tensor(scale), new IntTensor(Float64Array.of(zp), [], "uint8")];
};

/** v − zero point (per tensor, or per `axis` for a 1-D zero point) as float32 values: exact, the results lie in
 *  [−255, 255]. Also the largest magnitude, which bounds the integer sums computed from it. */
function centered(ctx: OpContext, what: string, v: Value | null, zp: Value | null, axis: number): { t: Tensor; maxAbs: number } {
  if (!(v instanceof IntTensor)) return fail(ctx, `${what} must be an integer tensor`);
  const z = perAxis(ctx, `${what}'s zero point`, zp, v.shape, axis, 0);
  const out = new Float32Array(v.size);
  let maxAbs = 0;
  for (let i = 0; i < v.size; i++) {
    const c = v.data[i]! - z(i);
    out[i] = c;
    if (Math.abs(c) > maxAbs) maxAbs = Math.abs(c);
  }
  return { t: new Tensor(out, v.shape), maxAbs };
}

/** Sums of products of integers computed with float32 kernels, exactly: a float32 sum of integers is exact while
 *  every partial sum stays below 2^24, which `terms`·max|a|·max|b| bounds. Past that bound `a` is split into base-2^s
 *  digits small enough for each product to stay exact, and the partial results are recombined in float64.
 *  `product` must be linear in its first argument and form its sums by multiply-adds only. */
function exactIntegerProduct(ctx: OpContext, a: { t: Tensor; maxAbs: number }, bMaxAbs: number, terms: number, product: (a: Tensor) => Tensor): IntTensor {
  const LIMIT = 2 ** 24;
  if (terms * a.maxAbs * bMaxAbs < LIMIT) {
    const y = product(a.t);
    return new IntTensor(Float64Array.from(y.data), y.shape, "int32");
  }
  const s = Math.floor(Math.log2((LIMIT - 1) / Math.max(1, terms * bMaxAbs)));
  if (s < 1) return fail(ctx, `${terms} products per sum are too many to sum exactly`);
  const base = 2 ** s;
  let acc: Float64Array | null = null, shape: readonly number[] = [], scale = 1;
  let rest = a.t;
  // low digits in [0, base), the top one signed: a = Σ digit_k · base^k
  while (true) {
    const high = rest.div(base).floor();
    const low = rest.sub(high.mul(base));
    const done = high.abs().max().item() * terms * bMaxAbs < LIMIT;
    const parts = done ? [[low, scale], [high, scale * base]] as const : [[low, scale]] as const;
    for (const [digit, w] of parts) {
      const y = product(digit);
      acc ??= new Float64Array(y.size);
      shape = y.shape;
      for (let i = 0; i < y.size; i++) acc[i] += y.data[i]! * w;
    }
    if (done) return new IntTensor(acc!, shape, "int32");
    rest = high;
    scale *= base;
  }
}

/** The integer convolution Σ (x − x_zp)(w − w_zp) of ConvInteger and QLinearConv, exact (exactIntegerProduct). Output
 *  channels go through F.conv2d at most 31 at a time: the wasm backend computes 3×3 convolutions with ≥ 32 channels
 *  by Winograd transforms, which round; with fewer it forms plain sums of products. */
function integerConv(ctx: OpContext, x: Value | null, w: Value | null, xZp: Value | null, wZp: Value | null): IntTensor {
  const xs = centered(ctx, "x", x, xZp, 1), ws = centered(ctx, "w", w, wZp, 0);
  const cOut = ws.t.shape[0]!;
  const chunks = Math.ceil(cOut / 31), per = Math.ceil(cOut / Math.max(chunks, 1));
  const weights = Array.from({ length: chunks }, (_, i) => ws.t.slice(0, i * per, Math.min(cOut, (i + 1) * per)));
  const terms = sizeOf(ws.t.shape.slice(1));
  const run = (xt: Tensor): Tensor => {
    const parts = weights.map((wt) => conv([xt, wt], ctx)[0] as Tensor);
    return parts.length === 1 ? parts[0]! : cat(parts, 1);
  };
  return noGrad(() => exactIntegerProduct(ctx, xs, ws.maxAbs, terms, run));
}

/** The integer matrix product Σ (a − a_zp)(b − b_zp) of MatMulInteger and QLinearMatMul, exact (a_zp per row of a,
 *  b_zp per column of b where they are 1-D). */
function integerMatMul(ctx: OpContext, a: Value | null, b: Value | null, aZp: Value | null, bZp: Value | null): IntTensor {
  if (!a || !b) return fail(ctx, "needs two integer inputs");
  const as = centered(ctx, "A", a, aZp, Math.max(a.ndim - 2, 0)), bs = centered(ctx, "B", b, bZp, b.ndim - 1);
  return noGrad(() => exactIntegerProduct(ctx, as, bs.maxAbs, b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!, (at) => matmul(at, bs.t)));
}

const convInteger: OpImpl = (inputs, ctx) => [integerConv(ctx, inputs[0] ?? null, inputs[1] ?? null, inputs[2] ?? null, inputs[3] ?? null)];
const matMulInteger: OpImpl = (inputs, ctx) => [integerMatMul(ctx, inputs[0] ?? null, inputs[1] ?? null, inputs[2] ?? null, inputs[3] ?? null)];

/** The integer result of QLinearConv/QLinearMatMul requantized as onnxruntime's MlasRequantizeOutput: float32(acc) ×
 *  (x_scale·w_scale/y_scale, per output channel on `axis`, in float32), rounded half to even, plus y_zero_point,
 *  saturated. */
function requantize(ctx: OpContext, acc: IntTensor, aScale: Tensor, bScale: Tensor, yScale: Tensor, yZp: Value | null, axis: number): IntTensor {
  const f = Math.fround;
  const dtype = zeroPointType(ctx, yZp);
  const [lo, hi] = quantRange(ctx, dtype);
  const as = aScale.data[0]!, ys = yScale.data[0]!;
  const bs = perAxis(ctx, "the weight scale", bScale, acc.shape, axis, 1);
  const z = yZp ? yZp.data[0]! : 0;
  const out = new Float64Array(acc.size);
  for (let i = 0; i < acc.size; i++) out[i] = Math.min(hi, Math.max(lo, roundEven(f(f(acc.data[i]!) * f(f(as * bs(i)) / ys))) + z));
  return new IntTensor(out, acc.shape, dtype);
}

const qLinearConv: OpImpl = (inputs, ctx) => {
  const [x, , xZp, w, , wZp, , yZp, bias] = inputs;
  let acc = integerConv(ctx, x ?? null, w ?? null, xZp ?? null, wZp ?? null);
  if (bias) {
    const b = bias;
    const plane = sizeOf(acc.shape.slice(2)), c = acc.shape[1]!;
    if (b.size !== c) fail(ctx, `bias has ${b.size} values for ${c} output channels`);
    acc = new IntTensor(Float64Array.from(acc.data, (v, i) => v + b.data[Math.floor(i / plane) % c]!), acc.shape, "int32");
  }
  return [requantize(ctx, acc, floatIn(inputs, 1, ctx), floatIn(inputs, 4, ctx), floatIn(inputs, 6, ctx), yZp ?? null, 1)];
};

const qLinearMatMul: OpImpl = (inputs, ctx) => {
  const [a, , aZp, b, , bZp, , yZp] = inputs;
  const acc = integerMatMul(ctx, a ?? null, b ?? null, aZp ?? null, bZp ?? null);
  return [requantize(ctx, acc, floatIn(inputs, 1, ctx), floatIn(inputs, 4, ctx), floatIn(inputs, 6, ctx), yZp ?? null, acc.ndim - 1)];
};

// ---- output sizes known from the input shapes ----

/** The broadcast of several shapes, or null when they do not broadcast (the op then says so itself). */
function broadcastAll(shapes: readonly (readonly number[])[]): number[] | null {
  try {
    return shapes.reduce<number[]>((acc, s) => broadcastShapes("", acc, s), []);
  } catch {
    return null;
  }
}

type SizeRule = (inputs: readonly (Value | null)[], ctx: OpContext) => (readonly number[])[];

const broadcasting: SizeRule = (inputs) => {
  const shape = broadcastAll(inputs.filter((v): v is Value => v !== null).map((v) => v.shape));
  return shape ? [shape] : [];
};
const binaryBroadcasting: SizeRule = ([a, b], ctx) => {
  const shape = a && b ? broadcastAll([a.shape, rhsShape(a, b, ctx)]) : null;
  return shape ? [shape] : [];
};

/** Batch dims broadcast, and an operand whose batch is neither the whole batch nor one matrix is materialised
 *  expanded (bmmRaw): its expanded size counts as well. */
const matmulSizes: SizeRule = ([a, b]) => {
  if (!a || !b || a.ndim === 0 || b.ndim === 0) return [];
  const as = a.ndim === 1 ? [1, a.shape[0]!] : a.shape, bs = b.ndim === 1 ? [b.shape[0]!, 1] : b.shape;
  const [m, k, n] = [as[as.length - 2]!, as[as.length - 1]!, bs[bs.length - 1]!];
  const batch = broadcastAll([as.slice(0, -2), bs.slice(0, -2)]);
  if (!batch) return [];
  const shapes = [[...batch, m, n]];
  const expanded = (own: readonly number[]): boolean => sizeOf(own) !== 1 && sizeOf(own) !== sizeOf(batch);
  if (expanded(as.slice(0, -2))) shapes.push([...batch, m, k]);
  if (expanded(bs.slice(0, -2))) shapes.push([...batch, k, n]);
  return shapes;
};

/** For the ops whose output can outgrow every input without an attribute saying how large it will be (broadcasting,
 *  matrix products, Concat), the shapes of what they will allocate, from the input shapes alone. Ops sized by
 *  attributes or input data (Conv, Pad, Resize, Expand, ConstantOfShape…) check theirs as they read them; the others
 *  make values no larger than an input. */
const SIZE_RULES: Readonly<Record<string, SizeRule>> = {
  Equal: broadcasting, Less: broadcasting, Greater: broadcasting, LessOrEqual: broadcasting, GreaterOrEqual: broadcasting,
  And: broadcasting, Or: broadcasting, Xor: broadcasting, MatMulInteger: matmulSizes, QLinearMatMul: (inputs, ctx) => matmulSizes([inputs[0] ?? null, inputs[3] ?? null], ctx),
  Add: binaryBroadcasting, Sub: binaryBroadcasting, Mul: binaryBroadcasting, Div: binaryBroadcasting, Pow: binaryBroadcasting,
  Max: broadcasting, Min: broadcasting, Sum: broadcasting, Mean: broadcasting, Where: broadcasting, PRelu: broadcasting,
  MatMul: matmulSizes,
  Gemm: ([a, b, c], ctx) => {
    if (!a || !b || a.ndim !== 2 || b.ndim !== 2) return [];
    const m = a.shape[ctx.attrs.int("transA", 0) !== 0 ? 1 : 0]!, n = b.shape[ctx.attrs.int("transB", 0) !== 0 ? 0 : 1]!;
    const shape = c && ctx.attrs.float("beta", 1) !== 0 ? broadcastAll([[m, n], c.shape]) : [m, n];
    return shape ? [shape] : [];
  },
  Concat: (inputs, ctx) => {
    const vals = inputs.filter((v): v is Value => v !== null);
    if (vals.length === 0) return [];
    const axis = normAxis(ctx, ctx.attrs.int("axis", 0), vals[0]!.ndim);
    const shape = [...vals[0]!.shape];
    shape[axis] = vals.reduce((s, v) => s + (v.shape[axis] ?? 0), 0);
    return [shape];
  },
};

/** Runs one node's operator with its sizes checked: where the input shapes alone fix how large its results will be
 *  (SIZE_RULES), before any kernel allocates them; the ops sized by attributes check as they read them; and every
 *  result once made, so that no operator escapes the per-value limit. */
export function runOp(inputs: readonly (Value | null)[], ctx: OpContext): (Value | null)[] {
  const op = ctx.node.opType ?? "";
  const rule = Object.hasOwn(SIZE_RULES, op) ? SIZE_RULES[op] : undefined;
  if (rule) {
    const vals = inputs.filter((v): v is Value => v !== null);
    const bytes = vals.every((v) => v instanceof IntTensor) ? 8 : Math.max(4, ...vals.filter((v) => v instanceof Tensor).map(elementBytes));
    for (const shape of rule(inputs, ctx)) checkSize(ctx, shape, bytes);
  }
  const results = OPS[op]!(inputs, ctx);
  for (const v of results) {
    if (v && v.size > MAX_VALUE_ELEMENTS) fail(ctx, `made a tensor of shape [${v.shape.join(",")}] (${v.size} elements, limit ${MAX_VALUE_ELEMENTS})`);
  }
  return results;
}

/** Every supported operator of the default domain, by op_type. */
export const OPS: Readonly<Record<string, OpImpl>> = {
  Conv: conv, ConvTranspose: convTranspose,
  MaxPool: acceptInts(pool("max")), AveragePool: pool("avg"), GlobalAveragePool: globalPool("avg"), GlobalMaxPool: globalPool("max"),
  MaxUnpool: maxUnpool, Resize: resize, Upsample: upsample,
  BatchNormalization: batchNormalization, LRN: lrn,
  Gemm: gemm, MatMul: (inputs, ctx) => [matmul(floatIn(inputs, 0, ctx), floatIn(inputs, 1, ctx))],
  Add: binaryOp("Add"), Sub: binaryOp("Sub"), Mul: binaryOp("Mul"), Div: binaryOp("Div"), Pow: binaryOp("Pow"),
  Max: variadic("Max"), Min: variadic("Min"), Sum: variadic("Sum"), Mean: variadic("Mean"),
  Relu: unary((x) => x.relu()), LeakyRelu: leakyRelu, Sigmoid: unary((x) => x.sigmoid()), Tanh: unary((x) => x.tanh()),
  Exp: unary((x) => x.exp()), Log: unary((x) => x.log()), Sqrt: unary((x) => x.sqrt()), Neg: unary((x) => x.neg(), (v) => -v),
  Abs: unary((x) => x.abs(), Math.abs), Reciprocal: unary((x) => x.reciprocal()), Floor: unary((x) => x.floor(), (v) => v), Ceil: unary((x) => x.ceil(), (v) => v),
  Softmax: softmaxLike(false), LogSoftmax: softmaxLike(true),
  Concat: concat, Flatten: flatten, Reshape: reshape, Transpose: transpose, Pad: acceptInts(padNode), Clip: acceptInts(clip),
  Dropout: dropout, Identity: identity, Constant: constant, ConstantOfShape: constantOfShape, Shape: shapeOp,
  Gather: gather, Unsqueeze: unsqueeze, Squeeze: squeeze, Slice: slice, Cast: cast, Where: acceptInts(whereOp, [1, 2]),
  ReduceMean: reduce("mean"), ReduceSum: reduce("sum"), ReduceMax: reduce("max"), ReduceMin: reduce("min"),
  ReduceSumSquare: reduce("sumSquare"), ReduceL2: reduce("l2"), ReduceLogSumExp: reduce("logSumExp"),
  PRelu: (inputs, ctx) => {
    const x = floatIn(inputs, 0, ctx);
    let slope = floatIn(inputs, 1, ctx);
    // before opset 7 a 1-D slope of C values is per channel (dim 1)
    if (ctx.opset < 7 && slope.ndim === 1 && x.ndim > 2 && slope.size === x.shape[1]) slope = slope.reshape([slope.size, ...new Array<number>(x.ndim - 2).fill(1)]);
    return [x.relu().add(negPart(x).mul(slope))];
  },
  Elu: unary((x, ctx) => x.relu().add(negPart(x).exp().sub(1).mul(ctx.attrs.float("alpha", 1)))),
  Selu: unary((x, ctx) => x.relu().add(negPart(x).exp().sub(1).mul(ctx.attrs.float("alpha", 1.67326319217681884765625))).mul(ctx.attrs.float("gamma", 1.05070102214813232421875))),
  Softplus: unary((x) => F.softplus(x)),
  Softsign: unary((x) => x.div(x.abs().add(1))),
  HardSigmoid: unary((x, ctx) => {
    const alpha = ctx.attrs.float("alpha", 0.2), beta = ctx.attrs.float("beta", 0.5);
    // PyTorch's hardsigmoid (alpha 1/6 as a float32, beta 1/2) has a kernel of its own
    return alpha === Math.fround(1 / 6) && beta === 0.5 ? F.hardsigmoid(x) : x.mul(alpha).add(beta).clamp(0, 1);
  }),
  HardSwish: unary((x) => F.hardswish(x)),
  Sin: unary((x) => x.sin()), Cos: unary((x) => x.cos()), Sign: unary((x) => x.sign(), Math.sign),
  InstanceNormalization: instanceNorm,
  Round: unary((x) => x.round(), (v) => v), Size: (inputs, ctx) => [new IntTensor(Float64Array.of(inputs[0]?.size ?? fail(ctx, "input 0 is required")), [], "int64")],
  Split: acceptIntsAll(split), Tile: acceptInts(tile), Range: range, Expand: acceptInts(expandOp),
  Erf: unary((x) => F.erf(x)), Gelu: unary((x, ctx) => F.gelu(x, { approximate: ctx.attrs.string("approximate", "none") === "tanh" ? "tanh" : "none" })),
  Equal: compareOp((a, b) => a === b), Less: compareOp((a, b) => a < b), Greater: compareOp((a, b) => a > b),
  LessOrEqual: compareOp((a, b) => a <= b), GreaterOrEqual: compareOp((a, b) => a >= b),
  And: compareOp((a, b) => a !== 0 && b !== 0), Or: compareOp((a, b) => a !== 0 || b !== 0), Xor: compareOp((a, b) => (a !== 0) !== (b !== 0)), Not: notOp,
  ArgMax: argReduce("max"), ArgMin: argReduce("min"), TopK: topK,
  DepthToSpace: depthToSpace, SpaceToDepth: spaceToDepth,
  LayerNormalization: layerNormalization, GroupNormalization: groupNormalization,
  QuantizeLinear: quantizeLinear, DequantizeLinear: dequantizeLinear, DynamicQuantizeLinear: dynamicQuantizeLinear,
  ConvInteger: convInteger, MatMulInteger: matMulInteger, QLinearConv: qLinearConv, QLinearMatMul: qLinearMatMul,
};

