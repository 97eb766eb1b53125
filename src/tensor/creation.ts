// Creating tensors: from nested arrays or typed arrays, zeros/ones/full, arange, linspace, eye, rand/randn with a seedable generator.
import { Tensor, type NestedArray } from "./tensor.js";
import { allocate, type DataArray, type DType } from "./dtype.js";
export { getMaxElements, setMaxElements } from "./dtype.js";
import { checkInt, checkShape, fmtShape, sizeOf, type Shape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { ShapeError, ValueError } from "../errors.js";

/** Typed arrays of numbers other than the two float dtypes; tensor() converts them. */
export type NumericArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Options of the creation functions. */
export interface TensorOptions {
  /** Element type (default float32). */
  dtype?: DType;
  /** Whether gradients flow to the new tensor (a leaf); default false. */
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** Source of the random numbers; the global default generator if omitted. */
  generator?: Generator;
}

/** A tensor from nested arrays (shape inferred), a number (a scalar), or a flat typed/plain array with an explicit shape.
 *  A Float32Array/Float64Array of the requested dtype is used without copying. */
export function tensor(data: NestedArray | DataArray | NumericArray | readonly number[], shape?: Shape, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? (data instanceof Float64Array ? "float64" : "float32");
  let flat: DataArray;
  let inferred: number[];
  if (data instanceof Float32Array || data instanceof Float64Array) {
    flat = (dtype === "float64") === data instanceof Float64Array ? data : dtype === "float64" ? Float64Array.from(data) : Float32Array.from(data);
    inferred = [data.length];
  } else if (ArrayBuffer.isView(data)) {
    // other typed arrays (Uint8Array pixels, Int32Array labels…) are converted
    if (data instanceof DataView || data instanceof BigInt64Array || data instanceof BigUint64Array) {
      throw new ValueError("tensor: a DataView or BigInt array cannot be read as numbers; convert it first");
    }
    flat = allocate(dtype, data.length, "tensor");
    flat.set(data);
    inferred = [data.length];
  } else {
    const values: number[] = [];
    inferred = inferShape(data, values);
    flat = allocate(dtype, values.length, "tensor");
    flat.set(values);
  }
  const finalShape = shape ? checkShape("tensor", shape) : inferred;
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  return new Tensor(flat, finalShape, opts.requiresGrad ?? false);
}

function inferShape(data: NestedArray | readonly number[], out: number[]): number[] {
  if (typeof data === "number") {
    out.push(data);
    return [];
  }
  if (!Array.isArray(data)) throw new ValueError(`tensor: expected numbers or nested arrays of numbers, got ${typeof data}`);
  const shapes = data.map((d) => inferShape(d as NestedArray, out));
  const first = shapes[0] ?? [];
  shapes.forEach((s, i) => {
    if (s.length !== first.length || s.some((v, k) => v !== first[k])) {
      throw new ShapeError(`tensor: ragged nested array: element ${i} has shape ${fmtShape(s)} but element 0 has ${fmtShape(first)}`);
    }
  });
  return [data.length, ...first];
}

/** A tensor of `shape` filled with `value`; `op` names the public function in errors. */
function filled(op: string, shape: Shape, value: number, opts: TensorOptions): Tensor {
  const s = checkShape(op, shape);
  const data = allocate(opts.dtype ?? "float32", sizeOf(s), op, s);
  if (value !== 0) data.fill(value);
  return new Tensor(data, s, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value` (torch.full). */
export const full = (shape: Shape, value: number, opts: TensorOptions = {}): Tensor => filled("full", shape, value, opts);
/** A tensor of `shape` filled with 0. */
export const zeros = (shape: Shape, opts: TensorOptions = {}): Tensor => filled("zeros", shape, 0, opts);
/** A tensor of `shape` filled with 1. */
export const ones = (shape: Shape, opts: TensorOptions = {}): Tensor => filled("ones", shape, 1, opts);
/** Zeros with t's shape and dtype. */
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => filled("zerosLike", t.shape, 0, { dtype: t.dtype, ...opts });
/** Ones with t's shape and dtype. */
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => filled("onesLike", t.shape, 1, { dtype: t.dtype, ...opts });
/** `value` everywhere, with t's shape and dtype. */
export const fullLike = (t: Tensor, value: number, opts: TensorOptions = {}): Tensor => filled("fullLike", t.shape, value, { dtype: t.dtype, ...opts });

/** Values start, start+step, … below end (like torch.arange); arange(n) is 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) {
    throw new ValueError(`arange: start ${start}, end ${end} and a non-zero step ${step} must be finite`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(opts.dtype ?? "float32", n, "arange", [n]);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], opts.requiresGrad ?? false);
}

/** `steps` values evenly spaced from start to end, both included (torch.linspace). */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be an integer ≥ 0, got ${steps}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ValueError(`linspace: start ${start} and end ${end} must be finite`);
  const data = allocate(opts.dtype ?? "float32", steps, "linspace", [steps]);
  // PyTorch's formula: from the start for the first half, from the end for the second, so both ends are exact
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? start : i < half ? start + step * i : end - step * (steps - i - 1);
  return new Tensor(data, [steps], opts.requiresGrad ?? false);
}

/** The n×m identity matrix: ones on the diagonal (m defaults to n). */
export function eye(n: number, m: number | null = n, opts: TensorOptions = {}): Tensor {
  if (m === null) m = n;
  const t = filled("eye", [n, m], 0, opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

/** Uniform in [0, 1). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const t = filled("rand", shape, 0, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = g.random();
  return t;
}

/** Standard normal. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const t = filled("randn", shape, 0, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = g.normal();
  return t;
}

/** Uniform integers in [low, high). */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: low ${low} and high ${high} must be integers with low < high`);
  }
  const g = opts.generator ?? defaultGenerator;
  const t = filled("randint", shape, 0, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = low + g.int(high - low);
  return t;
}

/** A random permutation of 0..n-1 (Fisher–Yates). */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  checkInt("randperm", "n", n, 0);
  const g = opts.generator ?? defaultGenerator;
  const t = arange(n, undefined, 1, opts);
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(i + 1);
    const v = t.data[i]!;
    t.data[i] = t.data[j]!;
    t.data[j] = v;
  }
  return t;
}

