// Elementwise ops with NumPy/PyTorch broadcasting, unary math and comparisons, each with its backward.
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { broadcastShapes, broadcastStrides, fmtShape, shapeEquals } from "../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { emptyLike, lift, sumTo } from "./util.js";
import { GradError, ShapeError, ValueError } from "../errors.js";

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = shapeEquals(a.shape, b.shape) ? [...a.shape] : broadcastShapes(op, a.shape, b.shape);
  const out = emptyLike(a.dtype, shape);
  kernel("binary", a.data)(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), shape, out.data);
  return out;
}

function unaryRaw(op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const out = emptyLike(x.dtype, x.shape);
  kernel("unary", x.data)(op, x.data, out.data, alpha);
  return out;
}

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function binary(op: BinaryOp, aIn: TensorLike, bIn: TensorLike, grad: BinaryGrad | null): Tensor {
  const a = typeof aIn === "number" ? lift(op, aIn, bIn as Tensor) : aIn;
  const b = lift(op, bIn, a);
  const out = binaryRaw(op, a, b);
  if (grad && needsGrad(a, b)) {
    record(out, op, [a, b], (g) => {
      const [ga, gb] = grad(g, a, b, out);
      return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
    });
  }
  return out;
}

function unary(op: UnaryOp, x: Tensor, grad: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null, alpha = 0): Tensor {
  const out = unaryRaw(op, x, alpha);
  // alpha (leakyRelu's slope, powScalar's exponent) goes on the tape for export
  if (grad && needsGrad(x)) record(out, op, [x], (g) => [grad(g, x, out)], { alpha });
  return out;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary("add", a, b, (g) => [g, g]);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary("sub", a, b, (g) => [g, g.neg()]);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("mul", a, b, (g, x, y) => [g.mul(y), g.mul(x)]);
export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binary("div", a, b, (g, x, y) => [g.div(y), b instanceof Tensor && b.requiresGrad ? g.mul(x).neg().div(y.mul(y)) : null]);
export const pow = (a: TensorLike, b: TensorLike): Tensor => {
  if (typeof b === "number" && a instanceof Tensor) {
    const e = b;
    return unary("powScalar", a, (g, x) => (e === 0 ? g.mul(0) : g.mul(x.pow(e - 1)).mul(e)), e);
  }
  return binary("pow", a, b, (g, x, y, out) => [
    g.mul(y).mul(x.pow(y.sub(1))),
    // d/dy x^y = x^y ln x, taken as 0 where x = 0 (PyTorch's convention)
    g.mul(out).mul(where(x.eq(0), 0, x.log())),
  ]);
};
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binary("maximum", a, b, (g, x, y) => {
    // ties split the gradient evenly, as PyTorch does
    const gt = x.gt(y), eqm = x.eq(y).mul(0.5);
    return [g.mul(gt.add(eqm)), g.mul(y.gt(x).add(eqm))];
  });
export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binary("minimum", a, b, (g, x, y) => {
    const lt = x.lt(y), eqm = x.eq(y).mul(0.5);
    return [g.mul(lt.add(eqm)), g.mul(y.lt(x).add(eqm))];
  });

// Comparisons give 1/0 float tensors and carry no gradient.
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary("eq", a, b, null);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary("ne", a, b, null);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary("lt", a, b, null);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary("le", a, b, null);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary("gt", a, b, null);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary("ge", a, b, null);

export const neg = (x: Tensor): Tensor => unary("neg", x, (g) => g.neg());
export const exp = (x: Tensor): Tensor => unary("exp", x, (g, _x, out) => g.mul(out));
export const log = (x: Tensor): Tensor => unary("log", x, (g, x) => g.div(x));
export const log1p = (x: Tensor): Tensor => unary("log1p", x, (g, x) => g.div(x.add(1)));
export const expm1 = (x: Tensor): Tensor => unary("expm1", x, (g, _x, out) => g.mul(out.add(1)));
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x, (g, _x, out) => g.div(out.mul(2)));
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x, (g, _x, out) => g.mul(out.pow(3)).mul(-0.5));
export const abs = (x: Tensor): Tensor => unary("abs", x, (g, x) => g.mul(x.sign()));
export const sign = (x: Tensor): Tensor => unary("sign", x, (g) => g.mul(0));
export const sin = (x: Tensor): Tensor => unary("sin", x, (g, x) => g.mul(x.cos()));
export const cos = (x: Tensor): Tensor => unary("cos", x, (g, x) => g.mul(x.sin()).neg());
// Saturated tanh/sigmoid: 1 − y² and 1 − y lose their digits when y ≈ ±1 is rounded, so the gradients are
// written with sigmoid(−x) = 1 − sigmoid(x) and 1 − tanh²(x) = 4·sigmoid(2x)·sigmoid(−2x), exact in float32.
export const tanh = (x: Tensor): Tensor =>
  unary("tanh", x, (g, x) => {
    const x2 = x.mul(2);
    return g.mul(unaryRaw("sigmoid", x2)).mul(unaryRaw("sigmoid", x2.neg())).mul(4);
  });
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x, (g, x, out) => g.mul(out).mul(unaryRaw("sigmoid", x.neg())));
/** max(0, x). `inplace` (torch.nn.functional.relu's): overwrite x and return it when no graph is being recorded;
 *  when autograd records, a new tensor (in-place changes are not recorded). */
export const relu = (x: Tensor, opts: { inplace?: boolean } = {}): Tensor =>
  opts.inplace && !needsGrad(x) ? relu_(x) : unary("relu", x, (g, x) => binaryRaw("reluGrad", g, x));
/** relu over x's own buffer, returning x (torch.relu_): unrecorded, so refused while grad mode is on and x requires
 *  grad. Inference uses it to keep one activation less alive (nn.ReLU({ inplace: true })). */
export function relu_(x: Tensor): Tensor {
  refuseRecordedInPlace("relu_", x);
  kernel("unary", x.data)("relu", x.data, x.data, 0); // each output element reads only its own input element
  return x;
}
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  unary("leakyRelu", x, (g, x) => g.mul(unaryRaw("leakyReluGrad", x, negativeSlope)), negativeSlope);
export const square = (x: Tensor): Tensor => unary("square", x, (g, x) => g.mul(x).mul(2));
export const reciprocal = (x: Tensor): Tensor => unary("reciprocal", x, (g, _x, out) => g.mul(out.square()).neg());
// Piecewise-constant: zero gradient, as in PyTorch.
export const floor = (x: Tensor): Tensor => unary("floor", x, (g) => g.mul(0));
export const ceil = (x: Tensor): Tensor => unary("ceil", x, (g) => g.mul(0));
export const round = (x: Tensor): Tensor => unary("round", x, (g) => g.mul(0));

/** Clamp into [min, max] (either may be null); min > max gives max everywhere, like torch.clamp.
 *  The gradient passes where min ≤ x ≤ max (bounds included), as in PyTorch. */
export function clamp(x: Tensor, min: number | null, max: number | null = null): Tensor {
  if (min === null && max === null) throw new ValueError("clamp: at least one of min and max must be a number");
  for (const [name, v] of [["min", min], ["max", max]] as const) {
    if (v !== null && typeof v !== "number") throw new ValueError(`clamp: ${name} must be a number or null, got ${String(v)}`);
  }
  let out = x;
  if (min !== null) out = where(x.lt(min), min, out);
  // test the clamped-from-below value, so that min > max ends at max
  if (max !== null) out = where(out.detach().gt(max), max, out);
  return out;
}

/** cond ? a : b, elementwise with broadcasting; the gradient goes to the branch that was taken. */
export function where(cond: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  // a number takes the dtype of the tensor branch (or of cond when both branches are numbers)
  const like = aIn instanceof Tensor ? aIn : bIn instanceof Tensor ? bIn : cond;
  const a = lift("where", aIn, like);
  const b = lift("where", bIn, like);
  let shape: number[];
  try {
    shape = broadcastShapes("where", broadcastShapes("where", cond.shape, a.shape), b.shape);
  } catch {
    throw new ShapeError(`where: condition ${fmtShape(cond.shape)}, a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)} cannot be broadcast together (each dim must be equal or 1)`);
  }
  const [c2, a2, b2] = [cond, a, b].map((t) => (shapeEquals(t.shape, shape) ? t.detach() : t.detach().expand(shape))) as [Tensor, Tensor, Tensor];
  const out = emptyLike(a.dtype, shape);
  kernel("where", out.data)(c2.data, a2.data, b2.data, out.data);
  if (needsGrad(a, b)) {
    record(out, "where", [a, b], (g) => {
      const zero = emptyLike(g.dtype, []);
      return [a.requiresGrad ? sumTo(where(c2, g, zero), a.shape) : null, b.requiresGrad ? sumTo(where(c2, zero, g), b.shape) : null];
    });
  }
  return out;
}

export interface CloseOptions {
  /** Relative tolerance (default 1e-5, as torch). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, as torch). */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

/** 1 where |a − b| ≤ atol + rtol·|b| (equal infinities count as close), else 0; broadcasts; no gradient. */
export function isclose(a: Tensor, bIn: TensorLike, opts: CloseOptions = {}): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  if (!(rtol >= 0) || !(atol >= 0)) throw new ValueError(`isclose: rtol ${rtol} and atol ${atol} must be ≥ 0`);
  return noGrad(() => {
    const b = lift("isclose", bIn, a).detach();
    const x = a.detach();
    const diff = x.sub(b).abs();
    // a finite difference within tolerance, or exactly equal (which covers equal infinities)
    const near = diff.le(b.abs().mul(rtol).add(atol)).mul(diff.lt(Infinity));
    let close = maximum(near, x.eq(b));
    if (equalNan) close = maximum(close, x.ne(x).mul(b.ne(b)));
    return close;
  });
}

/** Whether every element of a is close to b (see isclose). */
export function allclose(a: Tensor, b: TensorLike, opts: CloseOptions = {}): boolean {
  const c = isclose(a, b, opts);
  for (let i = 0; i < c.size; i++) if (c.data[i] === 0) return false;
  return true;
}

/** In-place changes are not recorded: the tape would be wrong for a tensor whose gradient is being tracked. */
function refuseRecordedInPlace(op: string, x: Tensor): void {
  if (isGradEnabled() && x.requiresGrad) {
    throw new GradError(`${op}: in-place change of a tensor that requires grad; run it inside noGrad() or on .detach()`);
  }
}

export type InPlaceOp = "add_" | "sub_" | "mul_" | "div_" | "copy_" | "fill_" | "zero_";

/** Change x's buffer in place without recording: x op= alpha·o, with o broadcast to x's shape.
 *  For optimisers and initialisers; refused while grad mode is on and x requires grad (the tape would be wrong). */
export function inPlace(op: InPlaceOp, x: Tensor, oIn: TensorLike, alpha: number): void {
  refuseRecordedInPlace(op, x);
  let o: Tensor;
  if (typeof oIn === "number") o = lift(op, oIn, x);
  else if (op === "copy_" && oIn.dtype !== x.dtype) o = oIn.detach().to(x.dtype);
  else o = lift(op, oIn, x).detach();
  const shape = broadcastShapes(op, x.shape, o.shape);
  if (!shapeEquals(shape, x.shape)) {
    throw new ShapeError(`${op}: ${fmtShape(o.shape)} cannot be broadcast into the tensor's shape ${fmtShape(x.shape)}`);
  }
  const oStrides = broadcastStrides(o.shape, shape);
  if (op === "copy_" || op === "fill_" || op === "zero_") {
    // o may share x's buffer (x.copy_(x.reshape(...))): copy through a scratch buffer then
    const src = o.data === x.data ? o.data.slice() : o.data;
    kernel("copyStrided", x.data)(src, 0, oStrides, shape, x.data, 0, x.strides, false);
    return;
  }
  if ((op === "add_" || op === "sub_") && alpha !== 1) o = noGrad(() => o.mul(op === "sub_" ? -alpha : alpha));
  else if (op === "sub_") o = noGrad(() => o.neg());
  const kop: BinaryOp = op === "mul_" ? "mul" : op === "div_" ? "div" : "add";
  const src = o.data === x.data ? o.data.slice() : o.data;
  // each output element reads only its own x element, so the kernel may write over x
  kernel("binary", x.data)(kop, x.data, x.strides, src, broadcastStrides(o.shape, shape), shape, x.data);
}
