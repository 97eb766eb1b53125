// Elementwise ops with NumPy/PyTorch broadcasting, unary math and comparisons: table ops (op.ts), one definition each,
// from two factories (binary with broadcasting, unary with an optional scalar such as leakyRelu's slope).
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { broadcastShapes, broadcastStrides, fmtShape, shapeEquals, type Shape } from "../tensor/shape.js";
import type { ActivationOp, BinaryOp, UnaryOp } from "../backends/backend.js";
import { kernel } from "../backends/registry.js";
import type { KernelArray } from "../tensor/memory.js";
import { needsGrad } from "../autograd/graph.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { emptyLike, lift, sumTo } from "./util.js";
import { apply, defineOp, type OnnxEmitter, type OpDef } from "./op.js";
import { GradError, ShapeError, ValueError } from "../errors.js";

/** The attributes of the binary ops: none. */
export type NoAttrs = Readonly<Record<string, never>>;
const NONE: NoAttrs = Object.freeze({});

/** Gradients of a binary op's inputs at the broadcast shape (null: none); the table op sums them back to each input's shape. */
type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** An ONNX form through a single node type (comparisons add a Cast: ONNX's give booleans, ours 1/0 floats). */
const onnxNode = (type: string, cast = false, negate = false) => ({
  export: (e: OnnxEmitter, ins: readonly string[]): string => {
    let out = e.node(type, ins);
    if (negate) out = e.node("Not", [out]);
    return cast ? e.node("Cast", [out], { to: { int: 1 } }) : out;
  },
});

function binaryOp(op: BinaryOp, grad: BinaryGrad | null, onnx: ReturnType<typeof onnxNode> | null): OpDef<NoAttrs> {
  return defineOp<NoAttrs>({
    name: op,
    overwrites: true,
    shape: ([a, b], _attrs, caller) => (shapeEquals(a!, b!) ? [...a!] : broadcastShapes(caller, a!, b!)),
    forward: ([a, b], _attrs, y) => {
      kernel("binary", a!.operand)(op, a!.operand, broadcastStrides(a!.shape, y.shape), b!.operand, broadcastStrides(b!.shape, y.shape), y.shape, y.operand);
    },
    backward: grad && ((g, [a, b], y) => {
      const [ga, gb] = grad(g, a!, b!, y);
      return [ga && a!.requiresGrad ? sumTo(ga, a!.shape) : null, gb && b!.requiresGrad ? sumTo(gb, b!.shape) : null];
    }),
    onnx,
  });
}

/** A unary op's attribute: leakyRelu's slope or powScalar's exponent (0 for the others). */
export interface UnaryAttrs {
  alpha: number;
}

function unaryOp(
  op: UnaryOp, grad: ((g: Tensor, x: Tensor, out: Tensor, alpha: number) => Tensor) | null,
  onnx: ((e: OnnxEmitter, x: string, alpha: number) => string) | null,
): OpDef<UnaryAttrs> {
  return defineOp<UnaryAttrs>({
    name: op,
    overwrites: true,
    shape: ([x]) => [...x!],
    forward: ([x], a, y) => {
      kernel("unary", x!.operand)(op, x!.operand, y.operand, a.alpha);
    },
    backward: grad && ((g, [x], y, a) => [grad(g, x!, y, a.alpha)]),
    onnx: onnx && { export: (e, [x], a) => onnx(e, x!, a.alpha) },
  });
}

/** The kernels' own elementwise ops outside the tape (gradients use them on values the tape does not need). */
function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return noGrad(() => apply(BINARY[op], [a, b], NONE));
}
function unaryRaw(op: "sigmoid" | "leakyReluGrad", x: Tensor, alpha = 0): Tensor {
  return noGrad(() => apply(op === "sigmoid" ? UNARY.sigmoid : LEAKY_RELU_GRAD, [x], { alpha }));
}
/** leakyRelu's derivative (1 or the slope), for its gradient only. */
const LEAKY_RELU_GRAD = unaryOp("leakyReluGrad", null, null);

/** The activation-gradient kernel's attributes: which activation, and hardtanh's bounds (0 for the others). */
export interface ActivationGradAttrs {
  /** The activation whose gradient is taken. */
  op: ActivationOp;
  /** hardtanh's lower bound. */
  lo: number;
  /** hardtanh's upper bound. */
  hi: number;
}

/** dx = dy·op'(x) in one pass (inputs x, dy of one shape): the activations' backward, outside the tape (no gradient of
 *  its own, as reluGrad). */
export const activationGradOp = defineOp<ActivationGradAttrs>({
  name: "activationGrad",
  shape: ([x, g], a, caller) => {
    if (!shapeEquals(x!, g!)) throw new ShapeError(`${caller}: ${a.op}'s input ${fmtShape(x!)} and gradient ${fmtShape(g!)} must have one shape`);
    return [...x!];
  },
  forward: ([x, g], a, y) => {
    kernel("activationGrad", x!.operand)(a.op, x!.operand, g!.operand, y.operand, a.lo, a.hi);
  },
  backward: null,
  onnx: null,
});

/** The gradient of activation `op` at x given the output's gradient g (hardtanh's bounds lo, hi). */
export function activationGrad(op: ActivationOp, x: Tensor, g: Tensor, lo = 0, hi = 0): Tensor {
  return noGrad(() => apply(activationGradOp, [x, g], { op, lo, hi }));
}

/** The binary table ops, by kernel op. */
export const BINARY: Record<BinaryOp, OpDef<NoAttrs>> = {
  add: binaryOp("add", (g) => [g, g], onnxNode("Add")),
  sub: binaryOp("sub", (g) => [g, g.neg()], onnxNode("Sub")),
  mul: binaryOp("mul", (g, x, y) => [g.mul(y), g.mul(x)], onnxNode("Mul")),
  div: binaryOp("div", (g, x, y) => [g.div(y), y.requiresGrad ? g.mul(x).neg().div(y.mul(y)) : null], onnxNode("Div")),
  pow: binaryOp("pow", (g, x, y, out) => [
    g.mul(y).mul(x.pow(y.sub(1))),
    // d/dy x^y = x^y ln x, taken as 0 where x = 0 (PyTorch's convention)
    g.mul(out).mul(where(x.eq(0), 0, x.log())),
  ], onnxNode("Pow")),
  maximum: binaryOp("maximum", (g, x, y) => {
    // ties split the gradient evenly, as PyTorch does
    const gt = x.gt(y), eqm = x.eq(y).mul(0.5);
    return [g.mul(gt.add(eqm)), g.mul(y.gt(x).add(eqm))];
  }, onnxNode("Max")),
  minimum: binaryOp("minimum", (g, x, y) => {
    const lt = x.lt(y), eqm = x.eq(y).mul(0.5);
    return [g.mul(lt.add(eqm)), g.mul(y.lt(x).add(eqm))];
  }, onnxNode("Min")),
  // comparisons give 1/0 float tensors and carry no gradient
  eq: binaryOp("eq", null, onnxNode("Equal", true)),
  ne: binaryOp("ne", null, onnxNode("Equal", true, true)),
  lt: binaryOp("lt", null, onnxNode("Less", true)),
  le: binaryOp("le", null, onnxNode("LessOrEqual", true)),
  gt: binaryOp("gt", null, onnxNode("Greater", true)),
  ge: binaryOp("ge", null, onnxNode("GreaterOrEqual", true)),
  // ReLU's backward (0 where the input ≤ 0): used by relu's gradient only
  reluGrad: binaryOp("reluGrad", null, null),
};

function binary(op: BinaryOp, aIn: TensorLike, bIn: TensorLike): Tensor {
  const a = typeof aIn === "number" ? lift(op, aIn, bIn as Tensor) : aIn;
  const b = lift(op, bIn, a);
  return apply(BINARY[op], [a, b], NONE);
}

/** a + b elementwise, broadcasting (torch.add). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary("add", a, b);
/** a − b elementwise, broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary("sub", a, b);
/** a · b elementwise, broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("mul", a, b);
/** a / b elementwise, broadcasting. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary("div", a, b);
/** The larger of a and b elementwise (NaN wins, as in PyTorch). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary("maximum", a, b);
/** The smaller of a and b elementwise (NaN wins). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary("minimum", a, b);
/** 1 where a = b, else 0. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary("eq", a, b);
/** 1 where a ≠ b, else 0. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary("ne", a, b);
/** 1 where a < b, else 0. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary("lt", a, b);
/** 1 where a ≤ b, else 0. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary("le", a, b);
/** 1 where a > b, else 0. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary("gt", a, b);
/** 1 where a ≥ b, else 0. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary("ge", a, b);

const node1 = (type: string) => (e: OnnxEmitter, x: string): string => e.node(type, [x]);
const constant = (e: OnnxEmitter, v: number): string => e.floatConstant([v], [], "const");

/** The unary table ops, by kernel op. */
export const UNARY = {
  neg: unaryOp("neg", (g) => g.neg(), node1("Neg")),
  exp: unaryOp("exp", (g, _x, out) => g.mul(out), node1("Exp")),
  log: unaryOp("log", (g, x) => g.div(x), node1("Log")),
  log1p: unaryOp("log1p", (g, x) => g.div(x.add(1)), (e, x) => e.node("Log", [e.node("Add", [x, constant(e, 1)])])),
  expm1: unaryOp("expm1", (g, _x, out) => g.mul(out.add(1)), (e, x) => e.node("Sub", [e.node("Exp", [x]), constant(e, 1)])),
  sqrt: unaryOp("sqrt", (g, _x, out) => g.div(out.mul(2)), node1("Sqrt")),
  rsqrt: unaryOp("rsqrt", (g, _x, out) => g.mul(out.pow(3)).mul(-0.5), (e, x) => e.node("Reciprocal", [e.node("Sqrt", [x])])),
  abs: unaryOp("abs", (g, x) => g.mul(x.sign()), node1("Abs")),
  sign: unaryOp("sign", (g) => g.mul(0), node1("Sign")),
  sin: unaryOp("sin", (g, x) => g.mul(x.cos()), node1("Sin")),
  cos: unaryOp("cos", (g, x) => g.mul(x.sin()).neg(), node1("Cos")),
  // Saturated tanh/sigmoid: 1 − y² and 1 − y lose their digits when y ≈ ±1 is rounded, so the gradients are
  // written with sigmoid(−x) = 1 − sigmoid(x) and 1 − tanh²(x) = 4·sigmoid(2x)·sigmoid(−2x), exact in float32.
  tanh: unaryOp("tanh", (g, x) => {
    const x2 = x.mul(2);
    return g.mul(unaryRaw("sigmoid", x2)).mul(unaryRaw("sigmoid", x2.neg())).mul(4);
  }, node1("Tanh")),
  sigmoid: unaryOp("sigmoid", (g, x) => activationGrad("sigmoid", x, g), node1("Sigmoid")),
  relu: unaryOp("relu", (g, x) => binaryRaw("reluGrad", g, x), node1("Relu")),
  leakyRelu: unaryOp("leakyRelu", (g, x, _out, slope) => g.mul(unaryRaw("leakyReluGrad", x, slope)), (e, x, slope) => e.node("LeakyRelu", [x], { alpha: { float: slope } })),
  square: unaryOp("square", (g, x) => g.mul(x).mul(2), (e, x) => e.node("Mul", [x, x])),
  reciprocal: unaryOp("reciprocal", (g, _x, out) => g.mul(out.square()).neg(), node1("Reciprocal")),
  // piecewise-constant: zero gradient, as in PyTorch
  floor: unaryOp("floor", (g) => g.mul(0), node1("Floor")),
  ceil: unaryOp("ceil", (g) => g.mul(0), node1("Ceil")),
  round: unaryOp("round", (g) => g.mul(0), node1("Round")),
  powScalar: unaryOp("powScalar", (g, x, _out, e) => (e === 0 ? g.mul(0) : g.mul(x.pow(e - 1)).mul(e)), (em, x, e) => em.node("Pow", [x, constant(em, e)])),
} satisfies Partial<Record<UnaryOp, OpDef<UnaryAttrs>>>;

const unary = (op: keyof typeof UNARY, x: Tensor, alpha = 0): Tensor => apply(UNARY[op], [x], { alpha });

/** a raised to b elementwise, broadcasting. */
export const pow = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === "number" && a instanceof Tensor ? unary("powScalar", a, b) : binary("pow", a, b);
/** −x. */
export const neg = (x: Tensor): Tensor => unary("neg", x);
/** eˣ elementwise. */
export const exp = (x: Tensor): Tensor => unary("exp", x);
/** Natural logarithm elementwise. */
export const log = (x: Tensor): Tensor => unary("log", x);
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary("log1p", x);
/** eˣ − 1, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary("expm1", x);
/** √x elementwise. */
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
/** 1/√x elementwise. */
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x);
/** |x| elementwise. */
export const abs = (x: Tensor): Tensor => unary("abs", x);
/** −1, 0 or 1 by the sign of each element. */
export const sign = (x: Tensor): Tensor => unary("sign", x);
/** sin x elementwise. */
export const sin = (x: Tensor): Tensor => unary("sin", x);
/** cos x elementwise. */
export const cos = (x: Tensor): Tensor => unary("cos", x);
/** tanh x elementwise. */
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
/** 1/(1 + e⁻ˣ) elementwise. */
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
/** max(0, x). `inplace` (torch.nn.functional.relu's): overwrite x and return it when no graph is being recorded;
 *  when autograd records, a new tensor (in-place changes are not recorded). */
export const relu = (x: Tensor, opts: { inplace?: boolean } = {}): Tensor =>
  opts.inplace && !needsGrad(x) && !x.isMeta ? relu_(x) : unary("relu", x);
/** relu over x's own buffer, returning x (torch.relu_): unrecorded, so refused while grad mode is on and x requires
 *  grad. Inference uses it to keep one activation less alive (nn.ReLU({ inplace: true })). */
export function relu_(x: Tensor): Tensor {
  refuseRecordedInPlace("relu_", x);
  if (x.isMeta) return x;
  kernel("unary", x.operand)("relu", x.operand, x.operand, 0); // each output element reads only its own input element
  return x;
}
/** x for x ≥ 0, negativeSlope·x otherwise (default slope 0.01). */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => unary("leakyRelu", x, negativeSlope);
/** x² elementwise. */
export const square = (x: Tensor): Tensor => unary("square", x);
/** 1/x elementwise. */
export const reciprocal = (x: Tensor): Tensor => unary("reciprocal", x);
/** Rounded down. */
export const floor = (x: Tensor): Tensor => unary("floor", x);
/** Rounded up. */
export const ceil = (x: Tensor): Tensor => unary("ceil", x);
/** Rounded to the nearest integer, halves to even (as PyTorch). */
export const round = (x: Tensor): Tensor => unary("round", x);

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

/** cond ? a : b over same-shaped operands (broadcast by the caller); the gradient goes to the branch that was taken. */
export const whereOp = defineOp<NoAttrs>({
  name: "where",
  shape: ([c, a, b]) => {
    if (!shapeEquals(c!, a!) || !shapeEquals(a!, b!)) throw new ShapeError(`where: condition ${fmtShape(c!)}, a ${fmtShape(a!)} and b ${fmtShape(b!)} must have one shape`);
    return [...a!];
  },
  forward: ([c, a, b], _attrs, y) => {
    kernel("where", y.operand)(c!.operand, a!.operand, b!.operand, y.operand);
  },
  backward: (g, [c]) => {
    const zero = emptyLike(g.dtype, []);
    return [null, where(c!, g, zero), where(c!, zero, g)];
  },
  onnx: { export: (e, [c, a, b]) => e.node("Where", [e.node("Cast", [c!], { to: { int: 9 } }), a!, b!]) },
});

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
  // expand's backward sums a broadcast branch's gradient back to its shape
  const [c2, a2, b2] = [cond.detach(), a, b].map((t) => (shapeEquals(t.shape, shape) ? t : t.expand(shape))) as [Tensor, Tensor, Tensor];
  return apply(whereOp, [c2, a2, b2], NONE);
}

/** Tolerances of isclose and allclose: |a − b| ≤ atol + rtol·|b|. */
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

/** o's memory for a kernel that writes x: a copy when they share it on the host (x.copy_(x.reshape(…)) reads what it
 *  overwrites); a device backend copies such an operand itself (a buffer cannot be bound for reading and writing). */
function readable(o: Tensor, x: Tensor): KernelArray {
  return o.storage.memory === x.storage.memory && !o.isOnDevice ? o.data.slice() : o.operand;
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
    const src = readable(o, x);
    kernel("copyStrided", x.operand)(src, 0, oStrides, shape, x.operand, 0, x.strides, false);
    return;
  }
  if ((op === "add_" || op === "sub_") && alpha !== 1) o = noGrad(() => o.mul(op === "sub_" ? -alpha : alpha));
  else if (op === "sub_") o = noGrad(() => o.neg());
  const kop: BinaryOp = op === "mul_" ? "mul" : op === "div_" ? "div" : "add";
  const src = readable(o, x);
  // each output element reads only its own x element, so the kernel may write over x
  kernel("binary", x.operand)(kop, x.operand, x.strides, src, broadcastStrides(o.shape, shape), shape, x.operand);
}
