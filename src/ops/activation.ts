// Activations beyond the elementwise basics (relu, leakyRelu, sigmoid, tanh live in elementwise.ts): softmax and
// log-softmax, dropout and channel dropout, relu6, hardtanh, elu, softplus, gelu, silu — as torch.nn.functional.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, normDim, sizeOf } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { allocate } from "../tensor/dtype.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { expm1, where } from "./elementwise.js";
import { ShapeError, ValueError } from "../errors.js";

function softmaxOp(name: "softmax" | "logSoftmax", x: Tensor, dim: number, log: boolean): Tensor {
  if (typeof dim !== "number") throw new ValueError(`${name}: dim is required (a number), got ${String(dim)}`);
  const d = normDim(name, dim, x.ndim);
  const shape = x.ndim === 0 ? [1] : x.shape;
  const outer = sizeOf(shape.slice(0, d)), size = shape[d]!, inner = sizeOf(shape.slice(d + 1));
  const out = emptyLike(x.dtype, x.shape);
  kernel("softmax", x.data)(x.data, outer, size, inner, log, out.data);
  if (needsGrad(x)) {
    const y = out.detach();
    const rd = x.ndim === 0 ? undefined : d;
    record(out, name, [x], (g) => {
      if (log) {
        // y = x − logΣexp x  ⇒  dx = g − softmax(x)·Σg
        return [g.sub(y.exp().mul(g.sum(rd, true)))];
      }
      // y = softmax(x)  ⇒  dx = y·(g − Σ g·y)
      return [y.mul(g.sub(g.mul(y).sum(rd, true)))];
    }, { dim: d });
  }
  return out;
}

/** Softmax along `dim`: exp(x) / Σ exp(x), computed with the max subtracted. x: any shape → same shape. */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxOp("softmax", x, dim, false);

/** log(softmax(x)) along `dim`, computed as x − max − log Σ exp(x − max) (never log of a rounded-to-zero value). */
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxOp("logSoftmax", x, dim, true);

export interface DropoutOptions {
  /** Probability of zeroing an element (a channel for dropout2d), in [0, 1]. Default 0.5. */
  p?: number;
  /** Only training mode drops; evaluation returns the input unchanged. Default true. */
  training?: boolean;
  /** Source of the random mask; the global default generator if omitted. */
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
}

/** Zero a random fraction p of the elements of `groups` groups of `groupSize` consecutive elements; scale the rest by 1/(1−p). */
function dropoutMasked(op: string, x: Tensor, p: number, groups: number, groupSize: number, gen: Generator): Tensor {
  // inverted dropout: E[out] = x, so evaluation needs no rescaling
  const keepScale = p === 1 ? 0 : 1 / (1 - p);
  const mask = new Tensor(allocate(x.dtype, x.size), x.shape);
  for (let gi = 0; gi < groups; gi++) {
    const keep = gen.random() >= p ? keepScale : 0;
    if (keep !== 0) mask.data.fill(keep, gi * groupSize, (gi + 1) * groupSize);
  }
  const out = emptyLike(x.dtype, x.shape);
  kernel("binary", x.data)("mul", x.data, x.strides, mask.data, mask.strides, x.shape, out.data);
  if (needsGrad(x)) record(out, op, [x], (g) => [g.mul(mask)], { p, training: true });
  return out;
}

/** Inverted dropout: in training each element is zeroed with probability p and the kept ones scaled by 1/(1−p);
 *  in evaluation (or with p = 0) the input itself is returned, as PyTorch does. x: any shape → same shape. */
export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, generator = defaultGenerator } = opts;
  checkP("dropout", p);
  if (!training || p === 0 || x.size === 0) return x;
  return dropoutMasked("dropout", x, p, x.size, 1, generator);
}

/** Channel dropout: zeroes whole feature maps x[n, c] with probability p (kept ones scaled by 1/(1−p)).
 *  x: [N,C,H,W] (or [N,C,L], which PyTorch 1.13 also treats as batched) → same shape. */
export function dropout2d(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, generator = defaultGenerator } = opts;
  checkP("dropout2d", p);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: expects a [N,C,H,W] or [N,C,L] input, got ${fmtShape(x.shape)}`);
  if (!training || p === 0 || x.size === 0) return x;
  const groups = x.shape[0]! * x.shape[1]!;
  return dropoutMasked("dropout2d", x, p, groups, x.size / groups, generator);
}

export interface HardtanhOptions { minVal?: number; maxVal?: number }

/** clamp(x, minVal, maxVal); the gradient passes only strictly inside (minVal, maxVal), like PyTorch. */
export function hardtanh(x: Tensor, opts: HardtanhOptions = {}): Tensor {
  const { minVal = -1, maxVal = 1 } = opts;
  if (!(minVal <= maxVal)) throw new ValueError(`hardtanh: minVal ${minVal} must not exceed maxVal ${maxVal}`);
  const xd = x.detach();
  const inside = xd.gt(minVal).mul(xd.lt(maxVal));
  const out = where(xd.lt(minVal), minVal, where(xd.gt(maxVal), maxVal, xd));
  const result = new Tensor(out.storage, out.shape);
  if (needsGrad(x)) record(result, "hardtanh", [x], (g) => [g.mul(inside)], { minVal, maxVal });
  return result;
}

/** min(max(x, 0), 6), as in MobileNet. */
export const relu6 = (x: Tensor): Tensor => hardtanh(x, { minVal: 0, maxVal: 6 });

/** x for x > 0, alpha·(exp(x) − 1) otherwise. */
export function elu(x: Tensor, opts: { alpha?: number } = {}): Tensor {
  const { alpha = 1 } = opts;
  return where(x.gt(0), x, expm1(x.clamp(null, 0)).mul(alpha));
}

export interface SoftplusOptions { beta?: number; threshold?: number }

/** log(1 + exp(beta·x)) / beta, and x itself where beta·x > threshold (for stability), as PyTorch. */
export function softplus(x: Tensor, opts: SoftplusOptions = {}): Tensor {
  const { beta = 1, threshold = 20 } = opts;
  if (!(beta !== 0 && Number.isFinite(beta))) throw new ValueError(`softplus: beta must be a non-zero finite number, got ${beta}`);
  const bx = x.mul(beta);
  // clamp before exp so the unused branch never overflows (its gradient would be 0·∞ = NaN)
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return where(bx.gt(threshold), x, soft);
}

/** x·sigmoid(x) (a.k.a. swish). */
export const silu = (x: Tensor): Tensor => x.mul(x.sigmoid());

/** erf of a number, to double precision: the positive series erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) below 3, the erfc continued fraction above. */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    let term = ax, total = ax;
    for (let n = 0; term > total * 1e-17; n++) {
      term *= (2 * ax * ax) / (2 * n + 3);
      total += term;
    }
    r = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * total;
  } else if (ax < 6) {
    // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail
    let f = ax;
    for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}

export interface GeluOptions { approximate?: "none" | "tanh" }

/** x·Φ(x) with the exact normal CDF Φ(x) = (1 + erf(x/√2))/2, or PyTorch's tanh approximation. */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  const { approximate = "none" } = opts;
  if (approximate === "tanh") {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(inner.tanh().add(1)).mul(0.5);
  }
  if (approximate !== "none") throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  // The kernel interface has no erf, so the reference computes it here; d/dx = Φ(x) + x·φ(x).
  const out = emptyLike(x.dtype, x.shape);
  const slope = needsGrad(x) ? emptyLike(x.dtype, x.shape) : null;
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i]!;
    const cdf = 0.5 * (1 + erfScalar(v / Math.SQRT2));
    out.data[i] = v * cdf;
    if (slope) slope.data[i] = cdf + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
  }
  if (slope) record(out, "gelu", [x], (g) => [g.mul(slope)], { approximate });
  return out;
}
