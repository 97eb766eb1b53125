// The Tensor's arithmetic methods (x.add(y), x.sum(1), x.reshape(…)), as calls of the op table's functions: installed
// on the class here, above the tensor layer, which imports no op (src/index.ts loads this module).
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { toDType } from "./convert.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import * as mv from "./movement.js";
import { matmul } from "./matmul.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    // ---- elementwise ----
    /** this + o, broadcasting (torch.add). */
    add(o: TensorLike): Tensor;
    /** this − o, broadcasting. */
    sub(o: TensorLike): Tensor;
    /** this · o elementwise, broadcasting. */
    mul(o: TensorLike): Tensor;
    /** this / o elementwise, broadcasting. */
    div(o: TensorLike): Tensor;
    /** this raised to o elementwise. */
    pow(o: TensorLike): Tensor;
    /** The larger of this and o, elementwise (NaN wins, as in PyTorch). */
    maximum(o: TensorLike): Tensor;
    /** The smaller of this and o, elementwise (NaN wins). */
    minimum(o: TensorLike): Tensor;
    /** 1 where this = o, else 0. */
    eq(o: TensorLike): Tensor;
    /** 1 where this ≠ o, else 0. */
    ne(o: TensorLike): Tensor;
    /** 1 where this < o, else 0. */
    lt(o: TensorLike): Tensor;
    /** 1 where this ≤ o, else 0. */
    le(o: TensorLike): Tensor;
    /** 1 where this > o, else 0. */
    gt(o: TensorLike): Tensor;
    /** 1 where this ≥ o, else 0. */
    ge(o: TensorLike): Tensor;
    /** −this. */
    neg(): Tensor;
    /** eˣ elementwise. */
    exp(): Tensor;
    /** Natural logarithm elementwise. */
    log(): Tensor;
    /** log(1 + x), accurate near 0. */
    log1p(): Tensor;
    /** √x elementwise. */
    sqrt(): Tensor;
    /** 1/√x elementwise. */
    rsqrt(): Tensor;
    /** |x| elementwise. */
    abs(): Tensor;
    /** −1, 0 or 1 by the sign of each element. */
    sign(): Tensor;
    /** sin x elementwise. */
    sin(): Tensor;
    /** cos x elementwise. */
    cos(): Tensor;
    /** tanh x elementwise. */
    tanh(): Tensor;
    /** 1/(1 + e⁻ˣ) elementwise. */
    sigmoid(): Tensor;
    /** max(0, x) elementwise. */
    relu(): Tensor;
    /** x² elementwise. */
    square(): Tensor;
    /** 1/x elementwise. */
    reciprocal(): Tensor;
    /** Rounded down. */
    floor(): Tensor;
    /** Rounded up. */
    ceil(): Tensor;
    /** Rounded to the nearest integer, halves to even (as PyTorch). */
    round(): Tensor;
    /** Each element limited to [min, max] (null: no bound on that side). */
    clamp(min: number | null, max?: number | null): Tensor;
    /** |this − o| ≤ atol + rtol·|o| elementwise, as 1/0 (torch.isclose). */
    isclose(o: TensorLike, opts?: ew.CloseOptions): Tensor;
    /** Whether every element is close to o (torch.allclose). */
    allclose(o: TensorLike, opts?: ew.CloseOptions): boolean;

    // ---- in place, unrecorded (optimisers, initialisers): refused while grad mode is on and this requires grad ----
    /** this += alpha·o (o broadcast to this shape). */
    add_(o: TensorLike, alpha?: number): this;
    /** this −= alpha·o. */
    sub_(o: TensorLike, alpha?: number): this;
    /** this ·= o. */
    mul_(o: TensorLike): this;
    /** this /= o. */
    div_(o: TensorLike): this;
    /** Overwrite the values with o's (broadcast, converted to this dtype). */
    copy_(o: TensorLike): this;
    /** Set every element to value. */
    fill_(value: number): this;
    /** Set every element to 0. */
    zero_(): this;
    /** max(0, this) over this tensor's own buffer. */
    relu_(): this;

    // ---- reductions ----
    /** Sum over `dim` (all elements when omitted); keepdim keeps the reduced dims as size 1. */
    sum(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Mean over `dim` (all elements when omitted). */
    mean(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** Maximum over `dim` (of all elements when omitted). */
    max(dim?: number, keepdim?: boolean): Tensor;
    /** Minimum over `dim` (of all elements when omitted). */
    min(dim?: number, keepdim?: boolean): Tensor;
    /** Index of the maximum along `dim` (of the flattened tensor when omitted). */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** Index of the minimum along `dim` (of the flattened tensor when omitted). */
    argmin(dim?: number, keepdim?: boolean): Tensor;
    /** Variance over `dim` (unbiased unless opts.correction says otherwise). */
    var(dim?: number | readonly number[], opts?: red.VarOptions): Tensor;
    /** log Σ exp over `dim`, computed stably. */
    logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor;
    /** 1 where every element (along `dim`) is non-zero, else 0. */
    all(dim?: number, keepdim?: boolean): Tensor;
    /** 1 where any element (along `dim`) is non-zero, else 0. */
    any(dim?: number, keepdim?: boolean): Tensor;
    /** Standard deviation over `dim` (the square root of var). */
    std(dim?: number | readonly number[], opts?: red.VarOptions): Tensor;

    // ---- movement ----
    /** The same elements in another shape (one dim may be −1: inferred); a view sharing the storage. */
    reshape(shape: readonly number[]): Tensor;
    /** reshape (the tensor is contiguous, so it is always a view). */
    view(shape: readonly number[]): Tensor;
    /** The dims reordered: out's dim i is this's dim dims[i]. */
    permute(dims: readonly number[]): Tensor;
    /** Dims d0 and d1 swapped. */
    transpose(d0: number, d1: number): Tensor;
    /** Transpose of a matrix (rank ≤ 2). */
    t(): Tensor;
    /** Dims startDim..endDim merged into one (default all). */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Size-1 dims removed (only `dim` when given). */
    squeeze(dim?: number): Tensor;
    /** A size-1 dim inserted at `dim`. */
    unsqueeze(dim: number): Tensor;
    /** Size-1 dims repeated to `shape` (torch.Tensor.expand). */
    expand(shape: readonly number[]): Tensor;
    /** Elements start..end (exclusive) by step along `dim`, like x[start:end:step]. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** The `index`-th entry along `dim`, that dim removed. */
    select(dim: number, index: number): Tensor;
    /** Reversed along `dims`. */
    flip(dims: readonly number[]): Tensor;
    /** out[…i…] = this[…index[…i…]… along dim] (torch.gather); `index` holds integer values. */
    gather(dim: number, index: Tensor): Tensor;
    /** Pieces along `dim`: of `sizes` entries each (torch.split). */
    split(sizes: number | readonly number[], dim?: number): Tensor[];
    /** `chunks` near-equal pieces along `dim` (torch.chunk). */
    chunk(chunks: number, dim?: number): Tensor[];
    /** Tiled `reps[i]` times along each dim (torch.Tensor.repeat). */
    repeat(reps: readonly number[]): Tensor;
    /** The entries `index` (a 1-D tensor of integers) along `dim` (torch.index_select). */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** A copy with its own storage (gradients flow back). */
    clone(): Tensor;
    /** A copy with another dtype; gradients flow back converted. */
    to(dtype: DType): Tensor;
    /** Matrix product, batched and broadcast over leading dims (torch.matmul). */
    matmul(o: Tensor): Tensor;

  }
}

const methods: ThisType<Tensor> & Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  add(this: Tensor, o: TensorLike): Tensor { return ew.add(this, o); },
  sub(this: Tensor, o: TensorLike): Tensor { return ew.sub(this, o); },
  mul(this: Tensor, o: TensorLike): Tensor { return ew.mul(this, o); },
  div(this: Tensor, o: TensorLike): Tensor { return ew.div(this, o); },
  pow(this: Tensor, o: TensorLike): Tensor { return ew.pow(this, o); },
  maximum(this: Tensor, o: TensorLike): Tensor { return ew.maximum(this, o); },
  minimum(this: Tensor, o: TensorLike): Tensor { return ew.minimum(this, o); },
  eq(this: Tensor, o: TensorLike): Tensor { return ew.eq(this, o); },
  ne(this: Tensor, o: TensorLike): Tensor { return ew.ne(this, o); },
  lt(this: Tensor, o: TensorLike): Tensor { return ew.lt(this, o); },
  le(this: Tensor, o: TensorLike): Tensor { return ew.le(this, o); },
  gt(this: Tensor, o: TensorLike): Tensor { return ew.gt(this, o); },
  ge(this: Tensor, o: TensorLike): Tensor { return ew.ge(this, o); },
  neg(this: Tensor): Tensor { return ew.neg(this); },
  exp(this: Tensor): Tensor { return ew.exp(this); },
  log(this: Tensor): Tensor { return ew.log(this); },
  log1p(this: Tensor): Tensor { return ew.log1p(this); },
  sqrt(this: Tensor): Tensor { return ew.sqrt(this); },
  rsqrt(this: Tensor): Tensor { return ew.rsqrt(this); },
  abs(this: Tensor): Tensor { return ew.abs(this); },
  sign(this: Tensor): Tensor { return ew.sign(this); },
  sin(this: Tensor): Tensor { return ew.sin(this); },
  cos(this: Tensor): Tensor { return ew.cos(this); },
  tanh(this: Tensor): Tensor { return ew.tanh(this); },
  sigmoid(this: Tensor): Tensor { return ew.sigmoid(this); },
  relu(this: Tensor): Tensor { return ew.relu(this); },
  square(this: Tensor): Tensor { return ew.square(this); },
  reciprocal(this: Tensor): Tensor { return ew.reciprocal(this); },
  floor(this: Tensor): Tensor { return ew.floor(this); },
  ceil(this: Tensor): Tensor { return ew.ceil(this); },
  round(this: Tensor): Tensor { return ew.round(this); },
  clamp(this: Tensor, min: number | null, max: number | null = null): Tensor { return ew.clamp(this, min, max); },
  isclose(this: Tensor, o: TensorLike, opts: ew.CloseOptions = {}): Tensor { return ew.isclose(this, o, opts); },
  allclose(this: Tensor, o: TensorLike, opts: ew.CloseOptions = {}): boolean { return ew.allclose(this, o, opts); },
  add_(this: Tensor, o: TensorLike, alpha = 1): Tensor { ew.inPlace("add_", this, o, alpha); return this; },
  sub_(this: Tensor, o: TensorLike, alpha = 1): Tensor { ew.inPlace("sub_", this, o, alpha); return this; },
  mul_(this: Tensor, o: TensorLike): Tensor { ew.inPlace("mul_", this, o, 1); return this; },
  div_(this: Tensor, o: TensorLike): Tensor { ew.inPlace("div_", this, o, 1); return this; },
  copy_(this: Tensor, o: TensorLike): Tensor { ew.inPlace("copy_", this, o, 1); return this; },
  fill_(this: Tensor, value: number): Tensor { ew.inPlace("fill_", this, value, 1); return this; },
  zero_(this: Tensor): Tensor { ew.inPlace("zero_", this, 0, 1); return this; },
  relu_(this: Tensor): Tensor { ew.relu_(this); return this; },
  sum(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return red.sum(this, dim, keepdim); },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false): Tensor { return red.mean(this, dim, keepdim); },
  max(this: Tensor, dim?: number, keepdim = false): Tensor { return red.max(this, dim, keepdim); },
  min(this: Tensor, dim?: number, keepdim = false): Tensor { return red.min(this, dim, keepdim); },
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); },
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); },
  var(this: Tensor, dim?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.variance(this, dim, opts); },
  logsumexp(this: Tensor, dim: number | readonly number[], keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); },
  all(this: Tensor, dim?: number, keepdim = false): Tensor { return red.all(this, dim, keepdim); },
  any(this: Tensor, dim?: number, keepdim = false): Tensor { return red.any(this, dim, keepdim); },
  std(this: Tensor, dim?: number | readonly number[], opts: red.VarOptions = {}): Tensor { return red.variance(this, dim, opts).sqrt(); },
  reshape(this: Tensor, shape: readonly number[]): Tensor { return mv.reshape(this, shape); },
  view(this: Tensor, shape: readonly number[]): Tensor { return mv.reshape(this, shape); },
  permute(this: Tensor, dims: readonly number[]): Tensor { return mv.permute(this, dims); },
  transpose(this: Tensor, d0: number, d1: number): Tensor { return mv.transpose(this, d0, d1); },
  t(this: Tensor): Tensor { return mv.t(this); },
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return mv.flatten(this, startDim, endDim); },
  squeeze(this: Tensor, dim?: number): Tensor { return mv.squeeze(this, dim); },
  unsqueeze(this: Tensor, dim: number): Tensor { return mv.unsqueeze(this, dim); },
  expand(this: Tensor, shape: readonly number[]): Tensor { return mv.expand(this, shape); },
  slice(this: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor { return mv.slice(this, dim, start, end, step); },
  select(this: Tensor, dim: number, index: number): Tensor { return mv.select(this, dim, index); },
  flip(this: Tensor, dims: readonly number[]): Tensor { return mv.flip(this, dims); },
  gather(this: Tensor, dim: number, index: Tensor): Tensor { return mv.gather(this, dim, index); },
  split(this: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] { return mv.split(this, sizes, dim); },
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] { return mv.chunk(this, chunks, dim); },
  repeat(this: Tensor, reps: readonly number[]): Tensor { return mv.repeat(this, reps); },
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor { return mv.indexSelect(this, dim, index); },
  clone(this: Tensor): Tensor { return mv.clone(this); },
  to(this: Tensor, dtype: DType): Tensor { return toDType(this, dtype); },
  matmul(this: Tensor, o: Tensor): Tensor { return matmul(this, o); },
};
for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
