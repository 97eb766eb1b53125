// Shape arithmetic shared by every op: sizes, contiguous strides, broadcasting, dim normalisation, argument checks.
import { ShapeError, ValueError } from "../errors.js";

/** A tensor's shape: the size of each dimension. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-contiguous) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** NumPy/PyTorch broadcasting: align trailing dims; each pair must be equal or one of them 1. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i} from the left of the result: ${da} vs ${db}; each pair must be equal or one of them 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides to read a tensor of `shape` as if it had `target` shape (0 stride on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = contiguousStrides(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 ? 0 : own[i]!;
  return out;
}

/** Normalise a possibly negative dim into [0, rank). */
export function normDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim)) throw new ValueError(`${op}: dim must be an integer, got ${dim}`);
  // a scalar accepts dim 0 and -1, like PyTorch's reductions
  const d = dim < 0 ? dim + Math.max(rank, 1) : dim;
  if (d < 0 || d >= Math.max(rank, 1)) {
    throw new ValueError(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-Math.max(rank, 1)}..${Math.max(rank, 1) - 1})`);
  }
  return d;
}

/** Reject NaN, non-integer and negative sizes. `min` is the smallest allowed value (0 for sizes, 1 for strides/kernels). */
export function checkInt(op: string, name: string, v: number, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

export function checkShape(op: string, shape: Shape): number[] {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  shape.forEach((d, i) => checkInt(op, `size of dim ${i}`, d, 0));
  return [...shape];
}

/** A number or an [h, w] pair, checked and expanded to a pair. */
export function pair(op: string, name: string, v: number | readonly [number, number], min = 0): [number, number] {
  if (typeof v === "number") {
    checkInt(op, name, v, min);
    return [v, v];
  }
  if (!Array.isArray(v) || v.length !== 2) throw new ValueError(`${op}: ${name} must be a number or an [h, w] pair, got ${JSON.stringify(v)}`);
  checkInt(op, `${name}[0]`, v[0], min);
  checkInt(op, `${name}[1]`, v[1], min);
  return [v[0], v[1]];
}
