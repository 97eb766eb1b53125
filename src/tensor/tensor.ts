// The Tensor: a contiguous float32 (or float64) storage with a shape, row-major strides and an autograd record.
// Reshape-like views share the storage; every other op writes a new one. Memory is garbage-collected: no dispose.
// The arithmetic methods (x.add(y), x.sum(), x.reshape(…)) are the op table's, installed on the class by
// src/ops/tensor-methods.ts, and backward() by src/autograd/backward.ts: this layer imports neither.
import type { DataArray, DType } from "./dtype.js";
import { Storage } from "./storage.js";
import type { KernelArray } from "./memory.js";
import { contiguousStrides, fmtShape, normDim, shapeEquals, sizeOf, type Shape } from "./shape.js";
import type { GradFn } from "./grad-fn.js";
import { DTypeError, GradError, ShapeError, ValueError } from "../errors.js";
import { formatTensor } from "./format.js";

export type Scalar = number;
/** A tensor or a plain number, as ops take them for their operands. */
export type TensorLike = Tensor | number;
/** Numbers in nested arrays, as tensor() takes them: 3, [1, 2], [[1, 2], [3, 4]]. */
export type NestedArray = number | NestedArray[];

/** An n-dimensional array of float32 or float64 values with a shape, row-major and contiguous, and an autograd record
 *  (requiresGrad, grad, gradFn). Made by tensor(), zeros(), randn() and the ops; its methods are the ops (x.add(y),
 *  x.conv2d(w)…). */
export class Tensor {
  /** The memory, shared between a tensor and its reshape-like views. */
  readonly storage: Storage;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Row-major strides in elements (tensors are always contiguous). */
  readonly strides: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Whether gradients flow to this tensor; set on leaves by the user, on results by the ops. */
  requiresGrad = false;
  /** d(loss)/d(this) after backward(), for leaves (and tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** How this tensor was computed, for backward; null for leaves. */
  gradFn: GradFn | null = null;
  /** Keep .grad on a non-leaf too. */
  retainsGrad = false;

  /** A tensor over `data` (a typed array, not copied, or another tensor's storage: a view). */
  constructor(data: KernelArray | Storage, shape: Shape, requiresGrad = false) {
    const storage = data instanceof Storage ? data : Storage.of(data);
    if (sizeOf(shape) !== storage.length) {
      throw new ShapeError(`Tensor: ${storage.length} values do not fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(contiguousStrides(shape));
    this.dtype = storage.dtype;
    this.requiresGrad = requiresGrad;
  }

  /** A tensor with a shape and no values (a meta tensor): ops on it run their shape rules only. */
  static meta(shape: Shape, dtype: DType = "float32"): Tensor {
    return new Tensor(Storage.meta(dtype, sizeOf(shape)), shape);
  }

  /** The elements in row-major order, shared with the tensor's views (a meta tensor has none: reading throws). */
  get data(): DataArray {
    return this.storage.data;
  }
  /** The memory as the current backend's kernels take it: the values' typed array, or a device array (a GPU buffer)
   *  on a device backend, to which host values move the first time a kernel takes them. For ops and backends. */
  get operand(): KernelArray {
    return this.storage.operand;
  }
  /** Whether the values are in a device's memory (a GPU's), readable only asynchronously (valuesAsync). */
  get isOnDevice(): boolean {
    return this.storage.isOnDevice;
  }
  /** Whether this tensor has a shape only (see Tensor.meta). */
  get isMeta(): boolean {
    return this.storage.isMeta;
  }

  /** Number of elements (the product of the shape). */
  get size(): number {
    return this.storage.length;
  }
  /** Number of elements, like torch.numel. */
  numel(): number {
    return this.storage.length;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Rank, like torch's x.dim(). */
  dim(): number {
    return this.shape.length;
  }
  /** Size of one dim (negative counts from the end), like torch's x.size(dim); `size` itself is the element count. */
  sizeAt(dim: number): number {
    if (this.ndim === 0) throw new ValueError("sizeAt: a zero-dimensional tensor has no dims");
    return this.shape[normDim("sizeAt", dim, this.ndim)]!;
  }
  /** True for tensors created by the user rather than by an op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  // ---- autograd (backward() is installed by src/autograd/backward.ts) ----
  /** Same data, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape);
  }
  /** Set requiresGrad in place (leaves only), returning this. */
  requiresGrad_(on = true): this {
    if (!this.isLeaf) throw new GradError("requiresGrad_: only leaf tensors can change requiresGrad; use detach() first");
    this.requiresGrad = on;
    return this;
  }
  /** Keep .grad on this non-leaf after backward() (leaves always keep it). */
  retainGrad(): this {
    if (!this.requiresGrad) throw new GradError("retainGrad: the tensor does not require grad, so it will never have one");
    this.retainsGrad = true;
    return this;
  }

  // ---- reading ----
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ValueError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0]!;
  }
  /** Nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) out.push(build(dim + 1, offset + i * this.strides[dim]!));
      return out;
    };
    return build(0, 0);
  }
  /** Nested JavaScript arrays, PyTorch's name for toArray. */
  tolist(): NestedArray {
    return this.toArray();
  }
  /** A copy of the values in row-major order (PyTorch's x.numpy() for a CPU tensor, copied). */
  values(): DataArray {
    return this.data.slice();
  }

  // Reading without blocking: the form every backend can give (a GPU's memory is read back asynchronously); the
  // CPU backends resolve at once. Code meant to run on any backend reads with these.
  /** The single value of a one-element tensor, when the backend has read it. */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) return this.item(); // throws the size error
    return (await this.storage.read())[0]!;
  }
  /** Nested JavaScript arrays, when the backend has read them. */
  async tolistAsync(): Promise<NestedArray> {
    if (!this.isOnDevice) return this.toArray();
    return new Tensor(await this.storage.read(), this.shape).toArray();
  }
  /** A copy of the values, when the backend has read them. */
  async valuesAsync(): Promise<DataArray> {
    return this.isOnDevice ? this.storage.read() : this.values();
  }

  /** The values, formatted as PyTorch prints a tensor. */
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }

}

/** Whether x is a Tensor. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

export function numelOf(shape: Shape): number {
  return sizeOf(shape);
}

/** Moves `t`'s values into another array of the same kind and length (a backend's resident copy of a parameter);
 *  internal. Views of `t` share its storage and see the new array too. */
export function replaceStorage(t: Tensor, data: DataArray): void {
  t.storage.replace(data);
}
