// The kernel interface: every computation an op needs, as plain functions over flat arrays — typed arrays on the CPU
// backends, device arrays (GPU buffers) on a device backend. The reference backend (js/) implements all of them; a fast
// CPU backend (wasm/) implements what pays and falls back to the reference, visibly (see kernelFallbacks()), for the
// rest; a device backend must have every kernel its tensors meet (their values cannot be read synchronously).
import type { DataArray } from "../tensor/dtype.js";
import type { DeviceArray, IndexArray, KernelArray, TensorMemory } from "../tensor/memory.js";

/** Geometry of a 2-D convolution x:[n,cIn,h,w] * w:[cOut,cIn/groups,kh,kw] → y:[n,cOut,outH,outW].
 *  Positions outside the input (padding) read as zero; bottom/right padding is implied by outH/outW. */
export interface ConvGeometry {
  /** Batch size. */
  n: number;
  /** Input channels. */
  cIn: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Output channels. */
  cOut: number;
  /** Kernel height. */
  kh: number;
  /** Kernel width. */
  kw: number;
  /** Vertical stride. */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Zero rows above the input. */
  padTop: number;
  /** Zero columns left of the input. */
  padLeft: number;
  /** Vertical spacing of the kernel's taps. */
  dilationH: number;
  /** Horizontal spacing of the kernel's taps. */
  dilationW: number;
  /** Channel groups: each sees cIn/groups input channels and makes cOut/groups outputs. */
  groups: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
}

/** Geometry of a 2-D pooling window over x:[n,c,h,w] → y:[n,c,outH,outW]. */
export interface PoolGeometry {
  /** Batch size. */
  n: number;
  /** Channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Window height. */
  kh: number;
  /** Window width. */
  kw: number;
  /** Vertical stride. */
  strideH: number;
  /** Horizontal stride. */
  strideW: number;
  /** Padded rows above the input. */
  padTop: number;
  /** Padded columns left of the input. */
  padLeft: number;
  /** Vertical spacing of the window's taps. */
  dilationH: number;
  /** Horizontal spacing of the window's taps. */
  dilationW: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
}

/** How average pooling divides. */
export interface AvgPoolOptions {
  /** Count padded zeros in the divisor (PyTorch count_include_pad). */
  countIncludePad: boolean;
  /** Fixed divisor instead of the window size (PyTorch divisor_override). */
  divisorOverride: number | null;
}

/** Batched matrix product out[b] = op(A[b]) · op(B[b]); out is [batch, m, n] contiguous and is overwritten.
 *  A[b] starts at b*aBatchStride and is [m,k] row-major, or [k,m] when transA; B likewise [k,n] or [n,k] when transB.
 *  A batch stride of 0 broadcasts that operand over the batch. */
export interface MatmulParams {
  /** Number of products. */
  batch: number;
  /** Rows of each product. */
  m: number;
  /** Columns of each product. */
  n: number;
  /** The shared dimension. */
  k: number;
  /** Elements between consecutive A matrices (0: one A for the whole batch). */
  aBatchStride: number;
  /** Elements between consecutive B matrices (0: one B for the whole batch). */
  bBatchStride: number;
  /** A is stored [k,m] (transposed). */
  transA: boolean;
  /** B is stored [n,k] (transposed). */
  transB: boolean;
}

/** The hyper-parameters of one sgdStep. */
export interface SgdStepParams {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (0: no buffer). */
  momentum: number;
  /** Dampening of the gradient in the momentum buffer. */
  dampening: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** L2 weight decay added to the gradient. */
  weightDecay: number;
  /** The first step with momentum: the buffer starts as the gradient. */
  first: boolean;
}

/** The hyper-parameters of one adamStep, with this step's bias corrections folded in. */
export interface AdamStepParams {
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to the denominator. */
  eps: number;
  /** Weight decay (L2 on the gradient, or decoupled). */
  weightDecay: number;
  /** AdamW: the decay multiplies the weights (decay = 1 − lr·weightDecay) instead of adding to the gradient. */
  decoupled: boolean;
  /** 1 − lr·weightDecay (used when decoupled). */
  decay: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** √(1 − β2^t). */
  bc2Sqrt: number;
}

/** The hyper-parameters of one rmspropStep. */
export interface RmspropStepParams {
  /** Learning rate. */
  lr: number;
  /** Smoothing constant of the running means. */
  alpha: number;
  /** Added to the denominator. */
  eps: number;
  /** L2 weight decay added to the gradient. */
  weightDecay: number;
  /** Momentum factor (used with a momentum buffer). */
  momentum: number;
}

/** The element-wise functions of the unary kernel (reluMask and leakyReluGrad: the activations' derivatives). */
export type UnaryOp =
  | "neg" | "exp" | "log" | "sqrt" | "rsqrt" | "abs" | "sign" | "sin" | "cos" | "tanh" | "sigmoid"
  | "relu" | "leakyRelu" | "square" | "reciprocal" | "floor" | "ceil" | "round" | "log1p" | "expm1"
  | "powScalar" | "reluMask" | "leakyReluGrad";

/** reluGrad: 0 where b ≤ 0, else a — ReLU's backward in one pass (a = upstream gradient, b = the input), exactly
 *  PyTorch's threshold_backward: a NaN input passes the gradient, and a NaN gradient at b ≤ 0 gives 0. */
export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "reluGrad";

/** The activations with forward and gradient kernels of their own (MobileNet's and EfficientNet's, and GELU): hardtanh
 *  clamps into [lo, hi] (relu6 is hardtanh(0, 6)), hardswish is x·relu6(x + 3)/6, hardsigmoid relu6(x + 3)/6, silu
 *  x·sigmoid(x), gelu x·Φ(x) (Φ the normal CDF), geluTanh x·(1 + tanh(√(2/π)·(x + 0.044715x³)))/2; sigmoid has a
 *  gradient kernel only (its forward is unary's). */
export type ActivationOp = "hardtanh" | "hardswish" | "hardsigmoid" | "silu" | "sigmoid" | "gelu" | "geluTanh" | "erf";

/** The activations a convolution or channelAffine can apply as it writes (the activation kernel's, sigmoid aside: a
 *  unary op; GELU aside: no network puts it there). */
export type FusedActivation = Exclude<ActivationOp, "sigmoid" | "gelu" | "geluTanh" | "erf">;

/** The reductions of the reduce kernel. */
export type ReduceOp = "sum" | "max" | "min" | "prod";
/** The index reductions of the argReduce kernel. */
export type ArgReduceOp = "argmax" | "argmin";
/** What a pooling window keeps: its maximum, minimum or average. */
export type PoolMode = "max" | "min" | "avg";

/** Every kernel, over arrays `A` and index arrays `I`: typed arrays on the CPU backends (HostKernels), device arrays on
 *  a device backend; ops call them with A/I. Outputs are the last argument and are fully
 *  overwritten unless stated otherwise. */
export interface Kernels<A = KernelArray, I = IndexArray> {
  // --- memory ---
  /** y[i] = value. */
  fill(y: A, value: number): void;
  /** dst[dstOffset + Σ i_d·dstStrides_d] (+)= src[srcOffset + Σ i_d·srcStrides_d] over every index of `shape`.
   *  Covers permute, slicing with steps (also negative), expand (stride 0), cat and their gradients. */
  copyStrided(
    src: A, srcOffset: number, srcStrides: readonly number[], shape: readonly number[],
    dst: A, dstOffset: number, dstStrides: readonly number[], accumulate: boolean,
  ): void;
  /** dst[p*outPlane + i] = src[p*srcPlane + index[(perPlane ? p*outPlane : 0) + i]]. */
  planeGather(src: A, srcPlane: number, index: I, perPlane: boolean, planes: number, outPlane: number, dst: A): void;
  /** dst[p*dstPlane + index[(perPlane ? p*srcPlane : 0) + i]] (+)= src[p*srcPlane + i]; dst is not cleared. */
  planeScatter(src: A, srcPlane: number, index: I, perPlane: boolean, planes: number, dst: A, dstPlane: number, accumulate: boolean): void;
  /** y[i] = index[i]: the indices a kernel wrote (a pooling's) as the values of a tensor. */
  indexToValues(index: I, y: A): void;
  /** index[i] = x[i], each x[i] an integer in [0, limit) (indices held as the values of a tensor, e.g. for max
   *  unpooling). Any other value is an error whose one-line message is describe(value, position): the host backends
   *  throw it as a ValueError; a device backend, which cannot stop at once, writes −1 there (planeGather reads 0 and
   *  planeScatter skips it) and throws the error at its next read. */
  valuesToIndex(x: A, limit: number, index: I, describe: (value: number, position: number) => string): void;

  // --- elementwise ---
  /** y = op(x); `alpha` is the slope of leakyRelu or the exponent of powScalar. */
  unary(op: UnaryOp, x: A, y: A, alpha: number): void;
  /** y[i] = op(a[...], b[...]) over outShape, reading a and b with (broadcast) strides; comparisons give 1 or 0. */
  binary(op: BinaryOp, a: A, aStrides: readonly number[], b: A, bStrides: readonly number[], outShape: readonly number[], y: A): void;
  /** y = cond != 0 ? a : b, all of the same length. */
  where(cond: A, a: A, b: A, y: A): void;
  /** y = op(x), in float32 with PyTorch's steps on float32 arrays (hardswish: (x·min(max(x + 3, 0), 6))/6, each step
   *  rounded); NaN stays NaN. lo, hi: hardtanh's bounds, min(max(x, lo), hi) (the others ignore them). */
  activation(op: Exclude<ActivationOp, "sigmoid">, x: A, y: A, lo: number, hi: number): void;
  /** dx = dy·op'(x), as PyTorch's backward kernels: hardtanh passes dy where lo < x < hi (and at NaN x), else 0;
   *  hardswish 0 below −3, dy·(x/3 + ½) up to 3, dy above (and at NaN); hardsigmoid dy·(1/6) strictly inside (−3, 3),
   *  else 0; silu dy·σ(x)·(1 + x·σ(−x)); sigmoid dy·σ(x)·σ(−x). */
  activationGrad(op: ActivationOp, x: A, dy: A, dx: A, lo: number, hi: number): void;

  // --- reductions over the middle axis of an [outer, size, inner] view ---
  /** y[o, i] = op over s of x[o, s, i]. */
  reduce(op: ReduceOp, x: A, outer: number, size: number, inner: number, y: A): void;
  /** Index (as a float) of the first max/min along the axis; NaN counts as the max, like PyTorch. */
  argReduce(op: ArgReduceOp, x: A, outer: number, size: number, inner: number, y: A): void;
  /** Softmax (or log-softmax) along the middle axis of [outer, size, inner]. */
  softmax(x: A, outer: number, size: number, inner: number, log: boolean, y: A): void;

  // --- linear algebra ---
  /** out = A · B for each of the batch's matrices (see MatmulParams). */
  matmul(a: A, b: A, out: A, p: MatmulParams): void;

  // --- convolution ---
  /** y = x ⋆ w (+ bias per output channel): cross-correlation, as every deep-learning library computes it. With an
   *  epilogue, what the convolution writes is act(scale[c]·(x ⋆ w) + bias[c] + residual) (scale null: 1; residual, of
   *  y's shape, null: none; act as the activation kernel applies it, lo and hi hardtanh's bounds): an inference's batch
   *  norm folded into the convolution, a residual block's shortcut and the activation after them, applied as the values
   *  are written instead of in passes of their own. */
  conv2d(x: A, w: A, bias: A | null, g: ConvGeometry, y: A, scale?: A | null, act?: FusedActivation | null, lo?: number, hi?: number, residual?: A | null): void;
  /** dx = gradient of Σ y·dy with respect to x: a transposed convolution of dy with w. */
  conv2dBackwardInput(dy: A, w: A, g: ConvGeometry, dx: A): void;
  /** dw = gradient of Σ y·dy with respect to w: the weight-sharing sum over every output position. */
  conv2dBackwardWeight(x: A, dy: A, g: ConvGeometry, dw: A): void;

  // --- pooling ---
  /** Max/min/avg pooling; for max/min, `indices` (if given) receives the flat h*w index within the input plane. */
  pool2d(mode: PoolMode, x: A, g: PoolGeometry, avg: AvgPoolOptions, y: A, indices: I | null): void;
  /** Gradient of avg pooling: spreads dy over each window with the forward's divisor. */
  avgPool2dBackward(dy: A, g: PoolGeometry, avg: AvgPoolOptions, dx: A): void;
  /** Adaptive pooling: window i covers [floor(i*h/outH), ceil((i+1)*h/outH)). */
  adaptivePool2d(mode: "max" | "avg", x: A, planes: number, h: number, w: number, outH: number, outW: number, y: A, indices: I | null): void;
  /** Gradient of adaptive average pooling: spreads dy over each window. */
  adaptiveAvgPool2dBackward(dy: A, planes: number, h: number, w: number, outH: number, outW: number, dx: A): void;

  // --- resampling ---
  /** Bilinear interpolation of each [h,w] plane to [outH,outW]; src coordinate = alignCorners ? i*(in-1)/(out-1) : (i+0.5)*scale-0.5 clamped at 0. */
  bilinear2d(x: A, planes: number, h: number, w: number, outH: number, outW: number, alignCorners: boolean, scaleH: number, scaleW: number, y: A): void;
  /** Gradient of bilinear2d: each output's gradient back to its four source pixels, with the same weights. */
  bilinear2dBackward(dy: A, planes: number, h: number, w: number, outH: number, outW: number, alignCorners: boolean, scaleH: number, scaleW: number, dx: A): void;

  // --- normalisation ---
  /** Per-channel mean and biased variance of x:[n,c,hw]. */
  channelMoments(x: A, n: number, c: number, hw: number, mean: A, variance: A): void;
  /** y = (x - mean[c]) * invStd[c] * weight[c] + bias[c] over x:[n,c,hw], rounded to float32, then `act` applied as
   *  the activation kernel applies it (lo, hi: hardtanh's bounds; null: none): an inference's batch norm and the
   *  ReLU, ReLU6, hardswish, hardsigmoid or SiLU after it in one pass, with the values of the two kernels in turn. */
  channelAffine(x: A, n: number, c: number, hw: number, mean: A, invStd: A, weight: A | null, bias: A | null, y: A, act: FusedActivation | null, lo: number, hi: number): void;
  /** Batch norm's backward in one kernel over x, g:[n,c,hw] (g = dL/dy), with x̂ = (x − mean[c])·invStd[c] and
   *  count = n·hw: sumG[c] = Σ g, sumGXhat[c] = Σ g·x̂ (the bias and weight gradients; accumulated in double), and, when
   *  dx is given, dx = γ[c]·invStd[c]·(g − sumG[c]/count − x̂·sumGXhat[c]/count) if training (mean and variance
   *  depend on x), or dx = γ[c]·invStd[c]·g if not (the running stats are constants); γ = 1 when weight is null. */
  channelNormBackward(x: A, g: A, n: number, c: number, hw: number, mean: A, invStd: A, weight: A | null, training: boolean, dx: A | null, sumG: A, sumGXhat: A): void;

  // --- optimizers (one parameter, in place) ---
  /** SGD's update: d = g + weightDecay·x; with momentum, buf = first ? d : momentum·buf + (1 − dampening)·d and
   *  x −= lr·(nesterov ? d + momentum·buf : buf); without (buf null), x −= lr·d. */
  sgdStep(x: A, g: A, buf: A | null, p: SgdStepParams): void;
  /** Adam's update (AdamW's when decoupled): x ·= decay (decoupled) or g += weightDecay·x; m = β1·m + (1 − β1)·g;
   *  v = β2·v + (1 − β2)·g²; with vmax (amsgrad) vmax = max(vmax, v) is used for v; x −= stepSize·m / (√v / bc2Sqrt + eps). */
  adamStep(x: A, g: A, m: A, v: A, vmax: A | null, p: AdamStepParams): void;
  /** RMSprop's update: g += weightDecay·x; v = α·v + (1 − α)·g²; with m (centered) m = α·m + (1 − α)·g and
   *  d = √(v − m²) + eps, else d = √v + eps; with buf (momentum) buf = momentum·buf + g/d and x −= lr·buf, else
   *  x −= lr·g/d. */
  rmspropStep(x: A, g: A, v: A, m: A | null, buf: A | null, p: RmspropStepParams): void;
}

/** The kernels of a CPU backend, over typed arrays its code reads and writes. */
export type HostKernels = Kernels<DataArray, Int32Array>;

/** The name of a kernel ("conv2d", "matmul"…). */
export type KernelName = keyof Kernels;

/** A backend: a name and the kernels it runs (registerBackend, setBackend). */
export interface Backend {
  /** Its name for setBackend ("js", "wasm"). */
  readonly name: string;
  /** The kernels this backend implements; missing ones run on the reference backend. */
  readonly kernels: Partial<Kernels>;
  /** Whether its kernels take arrays of this kind (a WebAssembly backend takes float32 only). */
  supports(data: KernelArray): boolean;
  /** A copy of `data` kept in the backend's own memory, for long-lived arrays (parameters) that its kernels then read
   *  without copying them in on every call; null where it keeps none (then the array stays where it is). */
  residentCopy?(data: DataArray): DataArray | null;
  /** A zero-filled array of `n` elements in the backend's own memory (a tensor's storage there, which kernels read and
   *  write in place), or null where it has none for this kind (then a plain array is used). */
  allocate?(kind: "float32" | "int32", n: number): Float32Array | Int32Array | null;
  /** Takes back now an array `allocate` (or the device's allocate) returned (its memory is reused); false for any other
   *  array. The caller promises that nothing reads or writes it any more. */
  release?(data: TensorMemory): boolean;
  /** Whether `data` is a view of the backend's own memory. */
  owns?(data: ArrayBufferView): boolean;
  /** A device backend's memory, which JavaScript reads only asynchronously (a GPU's): tensors made while it is in use
   *  live there, and its kernels take device arrays only. */
  readonly device?: DeviceMemoryOps;
}

/** The memory operations of a device backend. */
export interface DeviceMemoryOps {
  /** A zero-filled device array of `n` elements. */
  allocate(kind: "float32" | "int32", n: number): DeviceArray;
  /** A device array holding a copy of `data` (float64 values are rounded to float32). */
  upload(data: DataArray | Int32Array): DeviceArray;
  /** The values of a device array this backend made, after every kernel queued before. */
  read(data: DeviceArray): Promise<Float32Array | Int32Array>;
  /** A one-element float32 array of `value`, shared by every caller (kernels only read it). */
  constant(value: number): DeviceArray;
}
