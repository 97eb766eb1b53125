// Elementwise kernels on the GPU (Kernels['unary'], ['binary'], ['where'], ['fill'], ['activation'],
// ['activationGrad']): one invocation per output element, the op's expression written into the shader's text (so each
// op is its own cached pipeline). Special values follow the reference kernels (js/elementwise.ts): relu keeps NaN,
// maximum/minimum propagate NaN, round is half to even (WGSL's round is), pow is Math.pow's (a negative base takes
// integer exponents), reluGrad is threshold_backward, the activations keep NaN and take PyTorch's float32 steps.
// Float != is written as !(==) and NaN found by isNan (SwiftShader's != is false when an operand is NaN).
import type { ActivationOp, BinaryOp, UnaryOp } from "../../backend.js";
import { ValueError } from "../../../errors.js";
import { coalesce } from "../../js/memory.js";
import type { WebGPUDevice } from "../device.js";
import { AT8, CLAMP_NAN, IS_NAN, MATH, grid, linearMain, paramBlock } from "../wgsl.js";

/** Each unary op as a WGSL expression of v (and the parameter P.alpha). */
const UNARY: Record<UnaryOp, string> = {
  neg: "-v",
  exp: "exp(v)",
  log: "log(v)",
  sqrt: "sqrt(v)",
  rsqrt: "1.0 / sqrt(v)",
  abs: "abs(v)",
  sign: "select(select(select(v, 0.0, v == 0.0), -1.0, v < 0.0), 1.0, v > 0.0)",
  // WGSL's sin and cos need only be within 2^-11 absolutely (SwiftShader's are): float32-accurate ones instead
  sin: "sincos(v, 0)",
  cos: "sincos(v, 1)",
  // tanh from e^(−2|v|), which never overflows (a builtin may give NaN for large |v|)
  tanh: "tanh_(v)",
  sigmoid: "select(exp(v) / (1.0 + exp(v)), 1.0 / (1.0 + exp(-v)), v >= 0.0)",
  relu: "select(0.0, v, v > 0.0 || isNan(v))",
  leakyRelu: "select(v * P.alpha, v, v > 0.0)",
  square: "v * v",
  reciprocal: "1.0 / v",
  floor: "floor(v)",
  ceil: "ceil(v)",
  round: "round(v)",
  log1p: "log1p_(v)",
  expm1: "expm1_(v)",
  powScalar: "jspow(v, P.alpha)",
  reluMask: "select(0.0, 1.0, v > 0.0)",
  leakyReluGrad: "select(P.alpha, 1.0, v > 0.0)",
};

/** tanh, log1p and expm1 accurate near 0 (Kahan's forms: the rounding of 1 + v cancels out); sin and cos (shift 1)
 *  reduced by π/2 in three parts (Cody and Waite) to [−π/4, π/4], where Cephes' sinf and cosf polynomials hold. */
const UNARY_FNS = `fn sincos(v: f32, shift: i32) -> f32 {
  let k = round(v * 0.63661977236758134);
  let r = ((v - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let q = (i32(k) + shift) & 3;
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
fn tanh_(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, v < 0.0);
}
fn log1p_(v: f32) -> f32 {
  let u = 1.0 + v;
  if (u == 1.0) { return v; }
  return log(u) * v / (u - 1.0);
}
fn expm1_(v: f32) -> f32 {
  if (abs(v) > 0.5) { return exp(v) - 1.0; }
  let u = exp(v);
  if (u == 1.0) { return v; }
  return (u - 1.0) * v / log(u);
}
`;

const UNARY_PARAMS = paramBlock({ count: "i32", alpha: "f32" });

/** y = op(x) over the first `count` elements (by default all of y); `alpha` is leakyRelu's slope or powScalar's exponent. */
export function unary(dev: WebGPUDevice, op: UnaryOp, x: GPUBuffer, y: GPUBuffer, alpha: number, count = dev.lengthOf(y)): void {
  if (count === 0) return;
  const code = `${UNARY_PARAMS.wgsl}${MATH}${UNARY_FNS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let v = X[i];
  Y[i] = ${UNARY[op]};
}`;
  dev.dispatch(code, UNARY_PARAMS.pack({ count, alpha }), [x, y], grid(count));
}

/** Each binary op as a WGSL expression of p (from a) and q (from b). */
const BINARY: Record<BinaryOp, string> = {
  add: "p + q",
  sub: "p - q",
  mul: "p * q",
  div: "p / q",
  pow: "jspow(p, q)",
  maximum: "select(select(q, p, p > q), nan(), isNan(p) || isNan(q))",
  minimum: "select(select(q, p, p < q), nan(), isNan(p) || isNan(q))",
  eq: "select(0.0, 1.0, p == q)",
  ne: "select(1.0, 0.0, p == q)",
  lt: "select(0.0, 1.0, p < q)",
  le: "select(0.0, 1.0, p <= q)",
  gt: "select(0.0, 1.0, p > q)",
  ge: "select(0.0, 1.0, p >= q)",
  reluGrad: "select(p, 0.0, q <= 0.0)",
};

const BINARY_PARAMS = paramBlock({ shape: "i32x8", aStr: "i32x8", bStr: "i32x8", count: "i32", rank: "i32" });

/** y[i] = op(a[…], b[…]) over outShape (y contiguous), a and b read through their (broadcast: 0) strides. */
export function binary(
  dev: WebGPUDevice, op: BinaryOp, a: GPUBuffer, aStrides: readonly number[], b: GPUBuffer, bStrides: readonly number[],
  outShape: readonly number[], y: GPUBuffer,
): void {
  const count = outShape.reduce((s, d) => s * d, 1);
  if (count === 0) return;
  const yStrides: number[] = [];
  for (let d = outShape.length - 1, s = 1; d >= 0; d--) {
    yStrides[d] = s;
    s *= outShape[d]!;
  }
  // merged dims (an NCHW tensor plus a [1,C,1,1] bias walks as [N, C, HW]): fewer divisions per element
  const c = coalesce(outShape, [aStrides, bStrides, yStrides]);
  if (c.shape.length > 8) throw new ValueError(`webgpu binary: ${c.shape.length} dims after merging, at most 8`);
  const code = `${BINARY_PARAMS.wgsl}${MATH}${AT8}
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  var rest = i;
  var ai = 0;
  var bi = 0;
  for (var d = P.rank - 1; d >= 0; d--) {
    let n = at8(P.shape, d);
    let j = rest % n;
    rest = rest / n;
    ai += j * at8(P.aStr, d);
    bi += j * at8(P.bStr, d);
  }
  let p = A[ai];
  let q = B[bi];
  Y[i] = ${BINARY[op]};
}`;
  dev.dispatch(code, BINARY_PARAMS.pack({ shape: c.shape, aStr: c.strides[0]!, bStr: c.strides[1]!, count, rank: c.shape.length }), [a, b, y], grid(count));
}

const COUNT_PARAMS = paramBlock({ count: "i32", value: "f32" });

/** y = cond != 0 ? a : b, all of y's length. */
export function where(dev: WebGPUDevice, cond: GPUBuffer, a: GPUBuffer, b: GPUBuffer, y: GPUBuffer): void {
  const count = dev.lengthOf(y);
  if (count === 0) return;
  const code = `${COUNT_PARAMS.wgsl}
@group(0) @binding(1) var<storage, read> C: array<f32>;
@group(0) @binding(2) var<storage, read> A: array<f32>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  Y[i] = select(A[i], B[i], C[i] == 0.0);
}`;
  dev.dispatch(code, COUNT_PARAMS.pack({ count, value: 0 }), [cond, a, b, y], grid(count));
}

/** y[i] = value. */
export function fill(dev: WebGPUDevice, y: GPUBuffer, value: number): void {
  const count = dev.lengthOf(y);
  if (count === 0) return;
  const code = `${COUNT_PARAMS.wgsl}
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  Y[i] = P.value;
}`;
  dev.dispatch(code, COUNT_PARAMS.pack({ count, value }), [y], grid(count));
}

/** erfc(z)·e^{z²}/t for z ≥ 0 as a polynomial in t = 1/(1 + z/2), degree 10, fitted to within 1.1e-8 relative
 *  (scripts/fit-erfc.py; the wasm kernels use the same): GELU's Φ keeps its relative accuracy in the left tail. */
const ERFC_POLY = [0.28209479566234186, 0.2820937175190179, 0.24688567905327838, 0.17530219843235154, 0.093550363437477,
  -0.05953492040954832, 0.13290419825312222, -0.455988053383713, 0.49455132850733, -0.23513466844384134, 0.043275366126059776];
const GELU_C1 = 2 * Math.sqrt(2 / Math.PI), GELU_C3 = GELU_C1 * 0.044715;
/** erf below ½ as its odd series x·Σ cₖx²ᵏ (cₖ = 2/√π·(−1)ᵏ/(k!(2k + 1))), within 3e-8 there; 1 − erfc above. */
const ERF_SERIES = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216, -1 / 1320].map((c) => (2 / Math.sqrt(Math.PI)) * c);
const wgslFloat = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** clampNan, isNan, the sigmoids σ(v), σ(−v) from e = e^(−|v|), which never overflows, GELU's Φ(v) and φ(v), and
 *  erf and its slope (NaN kept explicitly: SwiftShader's exp(NaN) is ∞). */
export const ACTIVATION_FNS = `${CLAMP_NAN}${IS_NAN}fn sigmoids(v: f32) -> vec2<f32> {
  let e = exp(-abs(v));
  let d = 1.0 / (1.0 + e);
  return select(vec2<f32>(e * d, d), vec2<f32>(d, e * d), v >= 0.0);
}
fn erfcScaled(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  var p = ${wgslFloat(ERFC_POLY[10]!)};
${ERFC_POLY.slice(0, 10).reverse().map((c) => `  p = p * t + ${wgslFloat(c)};`).join("\n")}
  return t * p;
}
fn normalCdfPdf(v: f32) -> vec2<f32> {
  let z = abs(v) * 0.7071067811865476;
  let ez = exp(-z * z);
  let half = erfcScaled(z) * ez * 0.5;
  return vec2<f32>(select(half, 1.0 - half, v >= 0.0), ez * 0.3989422804014327);
}
fn erfSlope(v: f32) -> f32 { return select(1.1283791670955126 * exp(-v * v), v, isNan(v)); }
fn erfValue(v: f32) -> f32 {
  if (isNan(v)) { return v; }
  let a = abs(v);
  let x2 = v * v;
  let small = v * (${ERF_SERIES.map((c, k) => (k === 0 ? wgslFloat(c) : ` + x2 * (${wgslFloat(c)}`)).join("")}${")".repeat(ERF_SERIES.length - 1)});
  let large = 1.0 - erfcScaled(a) * exp(-a * a);
  return select(select(-large, large, v >= 0.0), small, a < 0.5);
}
fn geluSlope(v: f32) -> f32 {
  let c = normalCdfPdf(v);
  return c.x + v * c.y;
}
fn geluTanhArg(v: f32) -> f32 { return v * (${wgslFloat(GELU_C1)} + ${wgslFloat(GELU_C3)} * v * v); }
fn geluTanhSlope(v: f32) -> f32 {
  let s = sigmoids(geluTanhArg(v));
  return s.x * (1.0 + v * s.y * (${wgslFloat(GELU_C1)} + ${wgslFloat(3 * GELU_C3)} * v * v));
}
`;

/** Each activation as a WGSL expression of v (and P.lo, P.hi): PyTorch's float32 steps, each rounded. */
export const ACTIVATION: Record<Exclude<ActivationOp, "sigmoid">, string> = {
  hardtanh: "clampNan(v, P.lo, P.hi)",
  hardswish: "(v * clampNan(v + 3.0, 0.0, 6.0)) / 6.0",
  hardsigmoid: "clampNan(v + 3.0, 0.0, 6.0) / 6.0",
  silu: "v * sigmoids(v).x",
  gelu: "v * normalCdfPdf(v).x",
  geluTanh: "v * sigmoids(geluTanhArg(v)).x",
  erf: "erfValue(v)",
};

/** Each activation's dx as a WGSL expression of v (the input), g (dy) and P.lo, P.hi; the comparisons fall for a NaN
 *  input as PyTorch's do (hardtanh and hardswish pass g, hardsigmoid gives 0). */
const ACTIVATION_GRAD: Record<ActivationOp, string> = {
  hardtanh: "select(g, 0.0, v <= P.lo || v >= P.hi)",
  hardswish: "select(select(g, g * (v / 3.0 + 0.5), v <= 3.0), 0.0, v < -3.0)",
  hardsigmoid: "select(0.0, g * (1.0 / 6.0), v > -3.0 && v < 3.0)",
  silu: "g * sigmoids(v).x * (1.0 + v * sigmoids(v).y)",
  sigmoid: "g * sigmoids(v).x * sigmoids(v).y",
  gelu: "g * geluSlope(v)",
  geluTanh: "g * geluTanhSlope(v)",
  erf: "g * erfSlope(v)",
};

const ACTIVATION_PARAMS = paramBlock({ count: "i32", lo: "f32", hi: "f32" });

/** y = op(x) over the first `count` elements (by default all of y); lo, hi: hardtanh's bounds. */
export function activation(
  dev: WebGPUDevice, op: Exclude<ActivationOp, "sigmoid">, x: GPUBuffer, y: GPUBuffer, lo: number, hi: number, count = dev.lengthOf(y),
): void {
  if (count === 0) return;
  const code = `${ACTIVATION_PARAMS.wgsl}${ACTIVATION_FNS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let v = X[i];
  Y[i] = ${ACTIVATION[op]};
}`;
  dev.dispatch(code, ACTIVATION_PARAMS.pack({ count, lo, hi }), [x, y], grid(count));
}

/** dx = dy·op′(x) over the first `count` elements (by default all of dx), as PyTorch's backward kernels. */
export function activationGrad(
  dev: WebGPUDevice, op: ActivationOp, x: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, lo: number, hi: number, count = dev.lengthOf(dx),
): void {
  if (count === 0) return;
  const code = `${ACTIVATION_PARAMS.wgsl}${ACTIVATION_FNS}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> DY: array<f32>;
@group(0) @binding(3) var<storage, read_write> DX: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let v = X[i];
  let g = DY[i];
  DX[i] = ${ACTIVATION_GRAD[op]};
}`;
  dev.dispatch(code, ACTIVATION_PARAMS.pack({ count, lo, hi }), [x, dy, dx], grid(count));
}
