// The Tensor: a contiguous float32 (or float64) storage with a shape, row-major strides and an autograd record.
// Reshape-like views share the storage; every other op writes a new one. Memory is garbage-collected: no dispose.
import type { DataArray, DType } from "./dtype.js";
import { Storage } from "./storage.js";
import { contiguousStrides, fmtShape, normDim, shapeEquals, sizeOf, type Shape } from "./shape.js";
import type { GradFn } from "../autograd/graph.js";
import { runBackward } from "../autograd/backward.js";
import { DTypeError, GradError, ShapeError, ValueError } from "../errors.js";
import * as ew from "../ops/elementwise.js";
import * as red from "../ops/reduce.js";
import * as mv from "../ops/movement.js";
import { matmul } from "../ops/matmul.js";
import { formatTensor } from "./format.js";
import { toDType } from "./convert.js";

export type Scalar = number;
export type TensorLike = Tensor | number;
export type NestedArray = number | NestedArray[];

export class Tensor {
  /** The memory, shared between a tensor and its reshape-like views. */
  readonly storage: Storage;
  readonly shape: readonly number[];
  /** Row-major strides in elements (tensors are always contiguous). */
  readonly strides: readonly number[];
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
  constructor(data: DataArray | Storage, shape: Shape, requiresGrad = false) {
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
  /** Whether this tensor has a shape only (see Tensor.meta). */
  get isMeta(): boolean {
    return this.storage.isMeta;
  }

  get size(): number {
    return this.storage.length;
  }
  /** Number of elements, like torch.numel. */
  numel(): number {
    return this.storage.length;
  }
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

  // ---- autograd ----
  /** Backpropagate from this tensor. A scalar needs no argument; otherwise pass d(loss)/d(this). */
  backward(grad?: Tensor): void {
    if (!this.requiresGrad) throw new GradError("backward: this tensor does not require grad (no input of the computation had requiresGrad)");
    if (!grad) {
      if (this.size !== 1) throw new GradError(`backward: grad can be implicit only for a scalar output, this one has shape [${this.shape.join(",")}]`);
      grad = this.isMeta ? Tensor.meta(this.shape, this.dtype) : new Tensor(this.dtype === "float64" ? new Float64Array([1]) : new Float32Array([1]), this.shape);
    }
    if (!shapeEquals(grad.shape, this.shape)) throw new ShapeError(`backward: grad has shape ${fmtShape(grad.shape)} but the tensor has ${fmtShape(this.shape)}`);
    if (grad.dtype !== this.dtype) throw new DTypeError(`backward: grad is ${grad.dtype} but the tensor is ${this.dtype}`);
    runBackward(this, grad);
  }
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
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }

  // ---- elementwise ----
  add(o: TensorLike): Tensor { return ew.add(this, o); }
  sub(o: TensorLike): Tensor { return ew.sub(this, o); }
  mul(o: TensorLike): Tensor { return ew.mul(this, o); }
  div(o: TensorLike): Tensor { return ew.div(this, o); }
  pow(o: TensorLike): Tensor { return ew.pow(this, o); }
  maximum(o: TensorLike): Tensor { return ew.maximum(this, o); }
  minimum(o: TensorLike): Tensor { return ew.minimum(this, o); }
  eq(o: TensorLike): Tensor { return ew.eq(this, o); }
  ne(o: TensorLike): Tensor { return ew.ne(this, o); }
  lt(o: TensorLike): Tensor { return ew.lt(this, o); }
  le(o: TensorLike): Tensor { return ew.le(this, o); }
  gt(o: TensorLike): Tensor { return ew.gt(this, o); }
  ge(o: TensorLike): Tensor { return ew.ge(this, o); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  clamp(min: number | null, max: number | null = null): Tensor { return ew.clamp(this, min, max); }
  /** |this − o| ≤ atol + rtol·|o| elementwise, as 1/0 (torch.isclose). */
  isclose(o: TensorLike, opts: ew.CloseOptions = {}): Tensor { return ew.isclose(this, o, opts); }
  /** Whether every element is close to o (torch.allclose). */
  allclose(o: TensorLike, opts: ew.CloseOptions = {}): boolean { return ew.allclose(this, o, opts); }

  // ---- in place, unrecorded (optimisers, initialisers): refused while grad mode is on and this requires grad ----
  /** this += alpha·o (o broadcast to this shape). */
  add_(o: TensorLike, alpha = 1): this { ew.inPlace("add_", this, o, alpha); return this; }
  /** this −= alpha·o. */
  sub_(o: TensorLike, alpha = 1): this { ew.inPlace("sub_", this, o, alpha); return this; }
  mul_(o: TensorLike): this { ew.inPlace("mul_", this, o, 1); return this; }
  div_(o: TensorLike): this { ew.inPlace("div_", this, o, 1); return this; }
  /** Overwrite the values with o's (broadcast, converted to this dtype). */
  copy_(o: TensorLike): this { ew.inPlace("copy_", this, o, 1); return this; }
  fill_(value: number): this { ew.inPlace("fill_", this, value, 1); return this; }
  zero_(): this { ew.inPlace("zero_", this, 0, 1); return this; }
  /** max(0, this) over this tensor's own buffer. */
  relu_(): this { ew.relu_(this); return this; }

  // ---- reductions ----
  sum(dim?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  max(dim?: number, keepdim = false): Tensor { return red.max(this, dim, keepdim); }
  min(dim?: number, keepdim = false): Tensor { return red.min(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }
  var(dim?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.variance(this, dim, opts); }
  /** log Σ exp over `dim`, computed stably. */
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }
  /** 1 where every element (along `dim`) is non-zero, else 0. */
  all(dim?: number, keepdim = false): Tensor { return red.all(this, dim, keepdim); }
  /** 1 where any element (along `dim`) is non-zero, else 0. */
  any(dim?: number, keepdim = false): Tensor { return red.any(this, dim, keepdim); }
  std(dim?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.variance(this, dim, opts).sqrt(); }

  // ---- movement ----
  reshape(shape: readonly number[]): Tensor { return mv.reshape(this, shape); }
  view(shape: readonly number[]): Tensor { return mv.reshape(this, shape); }
  permute(dims: readonly number[]): Tensor { return mv.permute(this, dims); }
  transpose(d0: number, d1: number): Tensor { return mv.transpose(this, d0, d1); }
  /** Transpose of a matrix (rank ≤ 2). */
  t(): Tensor { return mv.t(this); }
  flatten(startDim = 0, endDim = -1): Tensor { return mv.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return mv.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  expand(shape: readonly number[]): Tensor { return mv.expand(this, shape); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return mv.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return mv.select(this, dim, index); }
  flip(dims: readonly number[]): Tensor { return mv.flip(this, dims); }
  /** out[…i…] = this[…index[…i…]… along dim] (torch.gather); `index` holds integer values. */
  gather(dim: number, index: Tensor): Tensor { return mv.gather(this, dim, index); }
  /** Pieces along `dim`: of `sizes` entries each (torch.split). */
  split(sizes: number | readonly number[], dim = 0): Tensor[] { return mv.split(this, sizes, dim); }
  /** `chunks` near-equal pieces along `dim` (torch.chunk). */
  chunk(chunks: number, dim = 0): Tensor[] { return mv.chunk(this, chunks, dim); }
  /** Tiled `reps[i]` times along each dim (torch.Tensor.repeat). */
  repeat(reps: readonly number[]): Tensor { return mv.repeat(this, reps); }
  /** The entries `index` (a 1-D tensor of integers) along `dim` (torch.index_select). */
  indexSelect(dim: number, index: Tensor): Tensor { return mv.indexSelect(this, dim, index); }
  clone(): Tensor { return mv.clone(this); }
  /** A copy with another dtype; gradients flow back converted. */
  to(dtype: DType): Tensor { return toDType(this, dtype); }
  matmul(o: Tensor): Tensor { return matmul(this, o); }
}

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
