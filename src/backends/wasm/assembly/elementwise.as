// Elementwise ops on contiguous or row-broadcast operands: relu and its mask, add, sub, mul, div and reluGrad; the
// activations (hardtanh, hardswish, hardsigmoid, silu, sigmoid, gelu in both forms) and their gradients as a task split
// over threads.
import { arg, imin, copyFloats } from "./common";
import { Activation, Epilogue } from "./args";

/** Unary ops that pay in SIMD: 0 relu (max(v, 0): NaN stays NaN, −0 → 0, as the reference), 1 reluMask (v > 0 ? 1 : 0). */
export function unaryOp(op: i32, x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  if (op == 0) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      // pmax-style select keeps NaN (v ≠ v) and maps −0 and negatives to +0
      v128.store(y + off, v128.bitselect(zero, v, f32x4.le(v, zero)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      store<f32>(y + (<usize>i << 2), v <= 0 ? 0 : v);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(y + off, v128.and(f32x4.gt(v128.load(x + off), zero), one));
    }
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) > 0 ? 1 : 0);
  }
}

/** y[r*inner + i] = a[r*aRow + i*aStep] op b[r*bRow + i*bStep] over rows × inner (steps 0 or 1: broadcast or
 *  contiguous); ops 0 add, 1 sub, 2 mul, 3 div, 4 reluGrad (0 where b ≤ 0, else a). Each lane computes exactly the
 *  scalar expression. */
export function binaryOp(op: i32, a: usize, aRow: i32, aStep: i32, b: usize, bRow: i32, bStep: i32, rows: i32, inner: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>r * <usize>aRow) << 2), br = b + ((<usize>r * <usize>bRow) << 2);
    const yr = y + ((<usize>r * <usize>inner) << 2);
    const as = <usize>aStep << 2, bs = <usize>bStep << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const off = <usize>i << 2;
      const va = aStep != 0 ? v128.load(ar + off) : v128.load32_splat(ar);
      const vb = bStep != 0 ? v128.load(br + off) : v128.load32_splat(br);
      let v: v128;
      if (op == 0) v = f32x4.add(va, vb);
      else if (op == 1) v = f32x4.sub(va, vb);
      else if (op == 2) v = f32x4.mul(va, vb);
      else if (op == 3) v = f32x4.div(va, vb);
      else v = v128.andnot(va, f32x4.le(vb, f32x4.splat(0))); // reluGrad: +0 where b ≤ 0 (NaN compares false), else a
      v128.store(yr + off, v);
    }
    for (; i < inner; i++) {
      const p = load<f32>(ar + <usize>i * as), q = load<f32>(br + <usize>i * bs);
      store<f32>(yr + (<usize>i << 2), op == 0 ? p + q : op == 1 ? p - q : op == 2 ? p * q : op == 3 ? p / q : q <= 0 ? <f32>0 : p);
    }
  }
}

// The constants of the exp below as a table in the module's static data, each read with load32_splat (one broadcast
// load). V8 does not hoist loop-invariant code: a constant written as f32x4.splat(c) (v128.const once optimised) is
// rebuilt from immediates at each use, three or four instructions each: the sigmoid's dozen of them cost a tenth of
// its time (SiLU 2.06 → 1.81 ns an element, one thread, `bench/ab-trees.ts … activations 1`; the same bits,
// bench/activation-bits.ts).
const EXP = memory.data<f32>([
  -104, 1.44269504088896341, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1, 12582912.0, 3, 6, 0.5, <f32>(1.0 / 6.0), -0.0,
]);
/** expConst indices of the other activations' constants. */
const ONE = 10, THREE = 12, SIX = 13, HALF = 14, SIXTH = 15, NEG_ZERO = 16;
const EXP_BIAS = memory.data<i32>([127]);
@inline function expConst(i: i32): v128 { return v128.load32_splat(EXP + (<usize>i << 2)); }

/** exp(v) for v ≤ 0 (the sigmoids need no more), Cephes' expf: v = n·ln2 + r with |r| ≤ ln2/2, a degree-5 polynomial
 *  for e^r, and 2^n made in two halves so that it stays a normal number down to n = −150 (results into the
 *  subnormals, −∞ → 0). NaN stays NaN. Within 2 ulp of the correctly rounded value; plain mul + add (no fma), so
 *  the relaxed build gives the same bits. */
@inline function expNonPositive(v: v128): v128 {
  return expNonPositiveSplit(v, v, false);
}

/** exp(v + lo) with lo small beside v (|lo| ≤ 2⁻¹⁰·|v|) added to the reduced argument, where v + lo is not a float32
 *  (GELU's −x²/2, whose rounding would cost up to 2e-6 of e^{−x²/2} at x = 8); withLo false: exp(v). */
@inline function expNonPositiveSplit(v: v128, lo: v128, withLo: bool): v128 {
  // below −104, e^v rounds to 0 anyway; keeps n ≥ −150 (pmax: one instruction, and a NaN passes as through max)
  v = f32x4.pmax(v, expConst(0));
  const n = f32x4.nearest(f32x4.mul(v, expConst(1)));
  let r = f32x4.sub(v, f32x4.mul(n, expConst(2)));
  r = f32x4.sub(r, f32x4.mul(n, expConst(3)));
  if (withLo) r = f32x4.add(r, lo);
  let p = expConst(4);
  p = f32x4.add(f32x4.mul(p, r), expConst(5));
  p = f32x4.add(f32x4.mul(p, r), expConst(6));
  p = f32x4.add(f32x4.mul(p, r), expConst(7));
  p = f32x4.add(f32x4.mul(p, r), expConst(8));
  p = f32x4.add(f32x4.mul(p, r), expConst(9));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), expConst(10));
  // n is a whole number in [−150, 0]: adding 1.5·2²³ puts it in the low bits of the mantissa, read as an integer
  // by subtracting the constant's bits (two instructions; trunc_sat's saturating takes ~8 on x86). A NaN gives
  // some k, and the NaN of e the result.
  const magic = expConst(11);
  const k = i32x4.sub(f32x4.add(n, magic), magic), k1 = i32x4.shr_s(k, 1), k2 = i32x4.sub(k, k1);
  const bias = v128.load32_splat(EXP_BIAS);
  return f32x4.mul(f32x4.mul(e, i32x4.shl(i32x4.add(k1, bias), 23)), i32x4.shl(i32x4.add(k2, bias), 23));
}

// GELU's normal CDF Φ(x) = erfc(−x/√2)/2 from erfc(z) = t·P(t)·e^{−z²}, t = 1/(1 + z/2), z ≥ 0: P of degree 10
// fitted (least squares in the relative error, scripts/fit-erfc.py) to within 1.1e-8 of erfc(z)·e^{z²}/t over all z
// ≥ 0, so that Φ keeps its relative accuracy in the far left tail (where 1 + erf(x/√2) would cancel), about 1e-6 in
// float32. Then 1/√2, 1/√(2π), and the tanh form's 2·√(2/π) and 2·√(2/π)·0.044715.
const GELU = memory.data<f32>([
  0.28209479566234186, 0.2820937175190179, 0.24688567905327838, 0.17530219843235154, 0.093550363437477,
  -0.05953492040954832, 0.13290419825312222, -0.455988053383713, 0.49455132850733, -0.23513466844384134,
  0.043275366126059776,
  0.7071067811865476, 0.3989422804014327, 1.5957691216057308, 0.0713548162726009,
]);
const SQRT_HALF = 11, INV_SQRT_2PI = 12, TANH_C1 = 13, TANH_C3 = 14;
@inline function geluConst(i: i32): v128 { return v128.load32_splat(GELU + (<usize>i << 2)); }

/** z = |v|/√2, whose e^{−z²} (= √(2π)·φ(v)) normalCdf takes. */
@inline function geluZ(v: v128): v128 { return f32x4.mul(f32x4.abs(v), geluConst(SQRT_HALF)); }

/** e^{−v²/2} to float32 accuracy: v = h + l with h's 12 leading bits (h² exact) and l the rest, so −v²/2 is the exact
 *  −h²/2 plus the small −(h·l + l²/2), added after exp's range reduction. */
@inline function expHalfSquare(v: v128): v128 {
  const h = v128.and(v, i32x4.splat(0xfffff000)), l = f32x4.sub(v, h);
  const hi = f32x4.mul(f32x4.mul(h, h), expConst(HALF));
  const p = f32x4.mul(l, f32x4.add(h, f32x4.mul(l, expConst(HALF))));
  const lo = v128.and(p, f32x4.eq(p, p)); // v = ±∞ makes it NaN (∞ − ∞): 0, and exp(−∞) is 0
  return expNonPositiveSplit(f32x4.neg(hi), f32x4.neg(lo), true);
}

/** e^{−v²} to float32 accuracy, the square split as in expHalfSquare. */
@inline function expNegSquare(v: v128): v128 {
  const h = v128.and(v, i32x4.splat(0xfffff000)), l = f32x4.sub(v, h);
  const hi = f32x4.mul(h, h);
  const p = f32x4.mul(l, f32x4.add(f32x4.add(h, h), l));
  const lo = v128.and(p, f32x4.eq(p, p)); // v = ±∞: 0 (exp(−∞) is 0)
  return expNonPositiveSplit(f32x4.neg(hi), f32x4.neg(lo), true);
}

/** erfc(z) for z ≥ 0 from ez = e^{−z²}: t·P(t)·ez, t = 1/(1 + z/2). */
@inline function erfcNonNegative(z: v128, ez: v128): v128 {
  const t = f32x4.div(expConst(ONE), f32x4.add(expConst(ONE), f32x4.mul(z, expConst(HALF))));
  let p = geluConst(10);
  p = f32x4.add(f32x4.mul(p, t), geluConst(9)); p = f32x4.add(f32x4.mul(p, t), geluConst(8));
  p = f32x4.add(f32x4.mul(p, t), geluConst(7)); p = f32x4.add(f32x4.mul(p, t), geluConst(6));
  p = f32x4.add(f32x4.mul(p, t), geluConst(5)); p = f32x4.add(f32x4.mul(p, t), geluConst(4));
  p = f32x4.add(f32x4.mul(p, t), geluConst(3)); p = f32x4.add(f32x4.mul(p, t), geluConst(2));
  p = f32x4.add(f32x4.mul(p, t), geluConst(1)); p = f32x4.add(f32x4.mul(p, t), geluConst(0));
  return f32x4.mul(f32x4.mul(t, p), ez);
}

/** Φ(v) from z = |v|/√2 and ez = e^{−z²}: erfc(z)/2 for v < 0, 1 − erfc(z)/2 above. */
@inline function normalCdf(v: v128, z: v128, ez: v128): v128 {
  const half = f32x4.mul(erfcNonNegative(z, ez), expConst(HALF));
  return v128.bitselect(f32x4.sub(expConst(ONE), half), half, f32x4.ge(v, f32x4.splat(0)));
}

// erf below ½: its odd series 2/√π·(x − x³/3 + x⁵/10 − x⁷/42 + x⁹/216 − x¹¹/1320), within 3e-8 of erf there (where
// 1 − erfc would lose the small values' relative precision); 2/√π for the slope; where erfc and the slope are taken
// as 0 (4 and 9.3, below).
const ERF = memory.data<f32>([
  1.1283791670955126, -0.3761263890318375, 0.11283791670955126, -0.02686617064513125, 0.005223977625442187,
  -0.0008548327023450852, 4, 9.3,
]);
@inline function erfConst(i: i32): v128 { return v128.load32_splat(ERF + (<usize>i << 2)); }

/** erf(v): the series below ½, 1 − erfc(|v|) with v's sign above (NaN stays NaN, ±∞ gives ±1). */
@inline function erfValue(v: v128): v128 {
  const a = f32x4.abs(v), x2 = f32x4.mul(v, v);
  let s = erfConst(5);
  s = f32x4.add(f32x4.mul(s, x2), erfConst(4)); s = f32x4.add(f32x4.mul(s, x2), erfConst(3));
  s = f32x4.add(f32x4.mul(s, x2), erfConst(2)); s = f32x4.add(f32x4.mul(s, x2), erfConst(1));
  s = f32x4.add(f32x4.mul(s, x2), erfConst(0));
  // past 4, erfc < 1.6e-8 and 1 − erfc rounds to 1: clamped there, e^{−a²} never reaches the subnormals, whose
  // arithmetic is ~100× slower on x86 (a tenth of uniform(−10, 10) inputs did before)
  const a4 = f32x4.pmin(a, erfConst(6));
  const large = f32x4.sub(expConst(ONE), erfcNonNegative(a4, expNegSquare(a4)));
  const signed = v128.or(large, v128.and(v, expConst(NEG_ZERO)));
  return v128.bitselect(f32x4.mul(v, s), signed, f32x4.lt(a, expConst(HALF)));
}

/** The activations' codes: 0 hardtanh, 1 hardswish, 2 hardsigmoid, 3 silu, 4 sigmoid, 5 gelu (x·Φ(x)), 6 gelu's tanh
 *  form (x·σ(2u), u = √(2/π)(x + 0.044715x³): ½(1 + tanh u) is σ(2u)), 7 erf. Each is written in f32x4 in the reference
 *  kernel's float32 steps (the sigmoids with the exp above; gelu, computed in double by the reference, to ~1e-6), and
 *  the scalar tail runs the same code in lane 0, so that every element gets the same bits wherever it falls. */
@inline export function activationForward(op: i32, v: v128, lo: v128, hi: v128): v128 {
  const zero = f32x4.splat(0), one = expConst(ONE), three = expConst(THREE), six = expConst(SIX);
  // pmax/pmin are an instruction each on x86 where max/min take ~8 (their NaN and −0 rules): the clamps cost as much
  // as the rest of a convolution's epilogue. A NaN passes through them as through max/min (each keeps its first
  // operand when the comparison fails); the one case they differ in, −0 against a lower bound of +0, is made +0 by
  // adding +0 (any other value is unchanged by it, and adding −0 to the others changes nothing, −0 included). v + 3
  // is never −0, so hardswish and hardsigmoid need no such step.
  if (op == 0) {
    const z = v128.andnot(f32x4.splat(-0.0), i32x4.eq(lo, i32x4.splat(0)));
    return f32x4.add(f32x4.pmin(f32x4.pmax(v, lo), hi), z);
  }
  if (op == 1) return f32x4.div(f32x4.mul(v, f32x4.pmin(f32x4.pmax(f32x4.add(v, three), zero), six)), six);
  if (op == 2) return f32x4.div(f32x4.pmin(f32x4.pmax(f32x4.add(v, three), zero), six), six);
  if (op == 5) return f32x4.mul(v, normalCdf(v, geluZ(v), expHalfSquare(v)));
  if (op == 7) return erfValue(v);
  // σ(w) = 1/(1 + e) for w ≥ 0 and e/(1 + e) below, with e = exp(−|w|) (−|w|: w with its sign bit set, NaN kept);
  // w = v, or 2u for gelu's tanh form
  const w = op == 6 ? f32x4.mul(v, f32x4.add(geluConst(TANH_C1), f32x4.mul(geluConst(TANH_C3), f32x4.mul(v, v)))) : v;
  const e = expNonPositive(v128.or(w, expConst(NEG_ZERO))), d = f32x4.div(one, f32x4.add(one, e));
  const s = v128.bitselect(d, f32x4.mul(e, d), f32x4.ge(w, zero));
  return op == 3 || op == 6 ? f32x4.mul(v, s) : s;
}

/** dx from x (v) and dy (g) for the codes above, as the reference's activationGrad. */
@inline function activationBackward(op: i32, v: v128, g: v128, lo: v128, hi: v128): v128 {
  const zero = f32x4.splat(0), one = expConst(ONE), three = expConst(THREE);
  // +0 where x ≤ lo or x ≥ hi (a NaN compares false: dy passes)
  if (op == 0) return v128.andnot(g, v128.or(f32x4.le(v, lo), f32x4.ge(v, hi)));
  if (op == 1) {
    const inner = f32x4.mul(g, f32x4.add(f32x4.div(v, three), expConst(HALF)));
    return v128.andnot(v128.bitselect(inner, g, f32x4.le(v, three)), f32x4.lt(v, f32x4.neg(three)));
  }
  if (op == 2) return v128.and(f32x4.mul(g, expConst(SIXTH)), v128.and(f32x4.gt(v, f32x4.neg(three)), f32x4.lt(v, three)));
  // erf: 2/√π·e^{−x²}, 0 past |x| = 9.3 (below 3e-38 there; computed on a clamped x, which keeps the arithmetic out
  // of the slow subnormals); NaN kept
  if (op == 7) {
    const a = f32x4.abs(v), far = f32x4.gt(a, erfConst(7));
    return f32x4.mul(g, v128.andnot(f32x4.mul(erfConst(0), expNegSquare(f32x4.pmin(a, erfConst(7)))), far));
  }
  // gelu: Φ(x) + x·φ(x)
  if (op == 5) {
    const ez = expHalfSquare(v);
    return f32x4.mul(g, f32x4.add(normalCdf(v, geluZ(v), ez), f32x4.mul(v, f32x4.mul(ez, geluConst(INV_SQRT_2PI)))));
  }
  const w = op == 6 ? f32x4.mul(v, f32x4.add(geluConst(TANH_C1), f32x4.mul(geluConst(TANH_C3), f32x4.mul(v, v)))) : v;
  const e = expNonPositive(v128.or(w, expConst(NEG_ZERO))), d = f32x4.div(one, f32x4.add(one, e)), ed = f32x4.mul(e, d);
  const pos = f32x4.ge(w, zero);
  const s = v128.bitselect(d, ed, pos), sn = v128.bitselect(ed, d, pos);
  const gs = f32x4.mul(g, s);
  // gelu's tanh form: σ(w) + x·σ(w)σ(−w)·w′, w′ = c1 + 3·c3·x²
  if (op == 6) {
    const slope = f32x4.add(geluConst(TANH_C1), f32x4.mul(f32x4.mul(three, geluConst(TANH_C3)), f32x4.mul(v, v)));
    return f32x4.mul(gs, f32x4.add(one, f32x4.mul(f32x4.mul(v, sn), slope)));
  }
  return op == 3 ? f32x4.mul(gs, f32x4.add(one, f32x4.mul(v, sn))) : f32x4.mul(gs, sn);
}

/** Elements [i0, i1) of one activation (grad: its gradient, reading dy). Inlined with op a constant, so each op gets
 *  its own loop. */
@inline function activationRange(op: i32, grad: bool, x: usize, dy: usize, y: usize, lo: v128, hi: v128, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const off = <usize>i << 2;
    const v = v128.load(x + off);
    v128.store(y + off, grad ? activationBackward(op, v, v128.load(dy + off), lo, hi) : activationForward(op, v, lo, hi));
  }
  for (; i < i1; i++) {
    const off = <usize>i << 2;
    const v = f32x4.splat(load<f32>(x + off));
    const r = grad ? activationBackward(op, v, f32x4.splat(load<f32>(dy + off)), lo, hi) : activationForward(op, v, lo, hi);
    store<f32>(y + off, f32x4.extract_lane(r, 0));
  }
}

/** y = op(x), or with grad dx = dy·op'(x) into y, over n elements; the threads take runs of whole cache lines (16
 *  elements). bounds: hardtanh's lo and hi (two f32). */
export function activationTask(args: usize, tid: i32, nth: i32): void {
  const op = arg(args, Activation.op), grad = arg(args, Activation.grad) != 0, n = arg(args, Activation.n);
  const x = <usize>arg(args, Activation.x), dy = <usize>arg(args, Activation.dy), y = <usize>arg(args, Activation.y);
  const bounds = <usize>arg(args, Activation.bounds);
  const lo = v128.load32_splat(bounds), hi = v128.load32_splat(bounds + 4);
  const per = (((n + 15) >> 4) + nth - 1) / nth << 4;
  const i0 = imin(n, tid * per), i1 = imin(n, i0 + per);
  if (grad) {
    if (op == 0) activationRange(0, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 1) activationRange(1, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 2) activationRange(2, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 3) activationRange(3, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 4) activationRange(4, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 5) activationRange(5, true, x, dy, y, lo, hi, i0, i1);
    else if (op == 6) activationRange(6, true, x, dy, y, lo, hi, i0, i1);
    else activationRange(7, true, x, dy, y, lo, hi, i0, i1);
  } else {
    if (op == 0) activationRange(0, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 1) activationRange(1, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 2) activationRange(2, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 3) activationRange(3, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 4) activationRange(4, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 5) activationRange(5, false, x, dy, y, lo, hi, i0, i1);
    else if (op == 6) activationRange(6, false, x, dy, y, lo, hi, i0, i1);
    else activationRange(7, false, x, dy, y, lo, hi, i0, i1);
  }
}

/** dst[Σ i_d·dStr_d] (+)= src[Σ i_d·sStr_d] over the index space dims[0..4) (Kernels.copyStrided after merging dims,
 *  padded in front with 1s): the table holds dims, the source strides and the destination strides (12 i32, in
 *  elements, possibly negative or 0). The innermost dim runs as a vector copy (or sum) where both its steps are 1: a
 *  channel shuffle's or a concatenation's plane runs, which JavaScript copied with a typed-array call per run (or an
 *  element loop under 64 floats). */
export function copyStrided(src: usize, dst: usize, table: usize, accumulate: bool): void {
  const t = table;
  const d0 = load<i32>(t), d1 = load<i32>(t, 4), d2 = load<i32>(t, 8), n = load<i32>(t, 12);
  const s0 = load<i32>(t, 16), s1 = load<i32>(t, 20), s2 = load<i32>(t, 24), ss = load<i32>(t, 28);
  const e0 = load<i32>(t, 32), e1 = load<i32>(t, 36), e2 = load<i32>(t, 40), ds = load<i32>(t, 44);
  const runs = ss == 1 && ds == 1;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++) {
        // element offsets may be negative (a flip): two's complement wraps them onto the right byte address
        const sp = src + (<usize>(i0 * s0 + i1 * s1 + i2 * s2) << 2), dp = dst + (<usize>(i0 * e0 + i1 * e1 + i2 * e2) << 2);
        if (runs && !accumulate) { copyFloats(dp, sp, <usize>n << 2); continue; }
        if (runs) {
          let i = 0;
          for (; i + 4 <= n; i += 4) v128.store(dp + (<usize>i << 2), f32x4.add(v128.load(dp + (<usize>i << 2)), v128.load(sp + (<usize>i << 2))));
          for (; i < n; i++) store<f32>(dp + (<usize>i << 2), load<f32>(dp + (<usize>i << 2)) + load<f32>(sp + (<usize>i << 2)));
          continue;
        }
        for (let i = 0; i < n; i++) {
          const a = dp + (<usize>(i * ds) << 2), v = load<f32>(sp + (<usize>(i * ss) << 2));
          store<f32>(a, accumulate ? load<f32>(a) + v : v);
        }
      }
}

/** Zeroes `bytes` bytes at dst: a tensor's new block (TypedArray.fill on a shared memory is ~10× slower). */
export function zeroBytes(dst: usize, bytes: i32): void {
  memory.fill(dst, 0, <usize>bytes);
}

// A convolution's epilogue (Kernels.conv2d's scale, bias, residual and activation), applied by its fast paths to the
// values they have just written, while those are in the cache, instead of in passes over the whole output of their
// own. The block at ep: [0] the activation's code above (i32, −1: none), [4] lo and [8] hi (f32, hardtanh's bounds),
// [12] scale and [16] bias (one f32 per output channel; 0: none), [20] residual (y's layout; 0: none) and [24] y
// (the residual's value for the output at p is at residual + (p − y)). A kernel given an epilogue leaves the bias to it.

/** count values at p in place: act(v·s + t + r) with r the residual's at rp (affine false: no s, t; res false: no r),
 *  in f32 steps; the tail in lane 0. */
@inline function epilogueValues(op: i32, affine: bool, res: bool, p: usize, rp: usize, count: i32, s: v128, t: v128, lo: v128, hi: v128): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    let v = v128.load(p + o);
    if (affine) v = f32x4.add(f32x4.mul(v, s), t);
    if (res) v = f32x4.add(v, v128.load(rp + o));
    if (op >= 0) v = activationForward(op, v, lo, hi);
    v128.store(p + o, v);
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    let v = f32x4.splat(load<f32>(p + o));
    if (affine) v = f32x4.add(f32x4.mul(v, s), t);
    if (res) v = f32x4.add(v, f32x4.splat(load<f32>(rp + o)));
    if (op >= 0) v = activationForward(op, v, lo, hi);
    store<f32>(p + o, f32x4.extract_lane(v, 0));
  }
}

/** epilogueValues with the activation's code a constant in each loop. */
@inline function epilogueOp(op: i32, affine: bool, res: bool, p: usize, rp: usize, count: i32, s: v128, t: v128, lo: v128, hi: v128): void {
  if (op < 0) epilogueValues(-1, affine, res, p, rp, count, s, t, lo, hi);
  else if (op == 0) epilogueValues(0, affine, res, p, rp, count, s, t, lo, hi);
  else if (op == 1) epilogueValues(1, affine, res, p, rp, count, s, t, lo, hi);
  else if (op == 2) epilogueValues(2, affine, res, p, rp, count, s, t, lo, hi);
  else epilogueValues(3, affine, res, p, rp, count, s, t, lo, hi);
}

/** Applies the epilogue block at ep to count values at p, all of output channel ch. */
export function applyEpilogue(ep: usize, ch: i32, p: usize, count: i32): void {
  const op = load<i32>(ep), lo = v128.load32_splat(ep + 4), hi = v128.load32_splat(ep + 8);
  const scale = <usize>load<u32>(ep + 12), bias = <usize>load<u32>(ep + 16), residual = <usize>load<u32>(ep + 20);
  const rp = residual ? residual + (p - <usize>load<u32>(ep + 24)) : 0;
  const s = scale ? v128.load32_splat(scale + (<usize>ch << 2)) : f32x4.splat(1);
  const t = bias ? v128.load32_splat(bias + (<usize>ch << 2)) : f32x4.splat(0);
  const affine = scale != 0 || bias != 0;
  if (affine && residual) epilogueOp(op, true, true, p, rp, count, s, t, lo, hi);
  else if (affine) epilogueOp(op, true, false, p, rp, count, s, t, lo, hi);
  else if (residual) epilogueOp(op, false, true, p, rp, count, s, t, lo, hi);
  else if (op >= 0) epilogueOp(op, false, false, p, rp, count, s, t, lo, hi);
}

/** The epilogue block over the planes of y, in place: units are planes, in contiguous blocks per thread. */
export function epilogueTask(args: usize, tid: i32, nth: i32): void {
  const y = <usize>arg(args, Epilogue.y), planes = arg(args, Epilogue.planes), c = arg(args, Epilogue.c);
  const hw = arg(args, Epilogue.hw), ep = <usize>arg(args, Epilogue.epilogue);
  const per = (planes + nth - 1) / nth, p0 = imin(planes, tid * per), p1 = imin(planes, p0 + per);
  for (let p = p0; p < p1; p++) applyEpilogue(ep, p % c, y + ((<usize>p * <usize>hw) << 2), hw);
}
