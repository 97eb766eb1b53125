// Reference elementwise kernels: unary math, broadcasting binary ops and comparisons, where, and the activations
// with kernels of their own (hardtanh, hardswish, hardsigmoid, silu, gelu in both forms) forward and backward.
// The op is chosen once per call (or per row), outside the loops over elements, so every loop body is a plain
// expression V8 compiles tightly; a table of closures would cost an indirect call per element. Data-dependent
// choices are written without branches (+(a > b), (v + |v|)/2): on random signs a branch mispredicts half the
// time, which measured 5–10× slower.
import { erfScalar, gelu, geluSlope } from "./special.js";
import type { ActivationOp, BinaryOp, HostKernels, UnaryOp } from "../backend.js";
import type { DataArray } from "../../tensor/dtype.js";
import { coalesce } from "./memory.js";

/** PyTorch's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function unary(op: UnaryOp, x: DataArray, y: DataArray, alpha: number): void {
  const n = x.length;
  switch (op) {
    case "neg": for (let i = 0; i < n; i++) y[i] = -x[i]!; return;
    case "exp": for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]!); return;
    case "log": for (let i = 0; i < n; i++) y[i] = Math.log(x[i]!); return;
    case "sqrt": for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]!); return;
    case "rsqrt": for (let i = 0; i < n; i++) y[i] = 1 / Math.sqrt(x[i]!); return;
    case "abs": for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]!); return;
    // NaN stays NaN and −0 becomes 0, as in torch.sign
    case "sign": for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN; } return;
    case "sin": for (let i = 0; i < n; i++) y[i] = Math.sin(x[i]!); return;
    case "cos": for (let i = 0; i < n; i++) y[i] = Math.cos(x[i]!); return;
    case "tanh": for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!); return;
    case "sigmoid":
      // written so that exp never overflows: for x < 0, e^x / (1 + e^x)
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          y[i] = e / (1 + e);
        }
      }
      return;
    // (v + |v|)/2 is max(v, 0) exactly and has no data-dependent branch; it gives NaN only for NaN (kept, as torch.relu
    // does) and −∞ (→ 0), which the r === r test (always true on ordinary data, so well predicted) sorts out
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!, r = (v + Math.abs(v)) * 0.5;
        y[i] = r === r ? r : v === v ? 0 : v;
      }
      return;
    // positive part + slope · negative part, both exact; ±∞ and NaN take the plain formula
    case "leakyRelu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!, p = (v + Math.abs(v)) * 0.5, r = p + (v - p) * alpha;
        y[i] = r === r ? r : v > 0 ? v : v * alpha;
      }
      return;
    case "square": for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v * v; } return;
    case "reciprocal": for (let i = 0; i < n; i++) y[i] = 1 / x[i]!; return;
    case "floor": for (let i = 0; i < n; i++) y[i] = Math.floor(x[i]!); return;
    case "ceil": for (let i = 0; i < n; i++) y[i] = Math.ceil(x[i]!); return;
    case "round": for (let i = 0; i < n; i++) y[i] = roundHalfEven(x[i]!); return;
    case "log1p": for (let i = 0; i < n; i++) y[i] = Math.log1p(x[i]!); return;
    case "expm1": for (let i = 0; i < n; i++) y[i] = Math.expm1(x[i]!); return;
    case "powScalar":
      if (alpha === 2) for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = v * v; }
      else for (let i = 0; i < n; i++) y[i] = Math.pow(x[i]!, alpha);
      return;
    case "reluMask": for (let i = 0; i < n; i++) y[i] = +(x[i]! > 0); return;
    case "leakyReluGrad": for (let i = 0; i < n; i++) { const m = +(x[i]! > 0); y[i] = m + (1 - m) * alpha; } return;
  }
}

/** One row of a binary op: y[yi + i] = op(a[ai + i·as], b[bi + i·bs]) for i < n. The output row is contiguous. */
function binaryRow(op: BinaryOp, a: DataArray, ai: number, as: number, b: DataArray, bi: number, bs: number, y: DataArray, yi: number, n: number): void {
  switch (op) {
    case "add": for (let i = 0; i < n; i++) y[yi + i] = a[ai + i * as]! + b[bi + i * bs]!; return;
    case "sub": for (let i = 0; i < n; i++) y[yi + i] = a[ai + i * as]! - b[bi + i * bs]!; return;
    case "mul": for (let i = 0; i < n; i++) y[yi + i] = a[ai + i * as]! * b[bi + i * bs]!; return;
    case "div": for (let i = 0; i < n; i++) y[yi + i] = a[ai + i * as]! / b[bi + i * bs]!; return;
    case "pow": for (let i = 0; i < n; i++) y[yi + i] = Math.pow(a[ai + i * as]!, b[bi + i * bs]!); return;
    // NaN propagates, like torch.maximum/minimum
    case "maximum":
      for (let i = 0; i < n; i++) {
        const p = a[ai + i * as]!, q = b[bi + i * bs]!;
        y[yi + i] = p !== p || q !== q ? NaN : p > q ? p : q;
      }
      return;
    case "minimum":
      for (let i = 0; i < n; i++) {
        const p = a[ai + i * as]!, q = b[bi + i * bs]!;
        y[yi + i] = p !== p || q !== q ? NaN : p < q ? p : q;
      }
      return;
    case "eq": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as] === b[bi + i * bs]); return;
    case "ne": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as] !== b[bi + i * bs]); return;
    case "lt": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as]! < b[bi + i * bs]!); return;
    case "le": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as]! <= b[bi + i * bs]!); return;
    case "gt": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as]! > b[bi + i * bs]!); return;
    case "ge": for (let i = 0; i < n; i++) y[yi + i] = +(a[ai + i * as]! >= b[bi + i * bs]!); return;
    case "reluGrad": for (let i = 0; i < n; i++) y[yi + i] = b[bi + i * bs]! <= 0 ? 0 : a[ai + i * as]!; return;
  }
}

/** The activations in the steps PyTorch's CPU kernels take: on a float32 array each step is rounded to float32 (f),
 *  so the fast kernels can give the same bits; on a float64 array nothing is rounded. */
function activation(op: Exclude<ActivationOp, "sigmoid">, x: DataArray, y: DataArray, lo: number, hi: number): void {
  const n = x.length;
  const f = y instanceof Float64Array ? (v: number) => v : Math.fround;
  switch (op) {
    // Math.max/min: NaN stays NaN, and +0 is above −0 (as WebAssembly's f32x4.max/min)
    case "hardtanh": for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i]!, lo), hi); return;
    case "hardswish":
      for (let i = 0; i < n; i++) { const v = x[i]!; y[i] = f(v * Math.min(Math.max(f(v + 3), 0), 6)) / 6; }
      return;
    case "hardsigmoid": for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(f(x[i]! + 3), 0), 6) / 6; return;
    // in double, rounded once: x·σ(x), σ from e = exp(−|x|) as unary's sigmoid (no overflow)
    case "silu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!, e = Math.exp(-Math.abs(v));
        y[i] = v * (v >= 0 ? 1 / (1 + e) : e / (1 + e));
      }
      return;
    // in double (erf to double precision), rounded once
    case "erf": for (let i = 0; i < n; i++) y[i] = erfScalar(x[i]!); return;
    case "gelu": case "geluTanh": {
      const tanh = op === "geluTanh";
      for (let i = 0; i < n; i++) y[i] = gelu(x[i]!, tanh);
      return;
    }
  }
}

function activationGrad(op: ActivationOp, x: DataArray, dy: DataArray, dx: DataArray, lo: number, hi: number): void {
  const n = x.length;
  const f = dx instanceof Float64Array ? (v: number) => v : Math.fround;
  switch (op) {
    // as PyTorch's comparisons fall: a NaN input passes the gradient (hardtanh, hardswish) or stops it (hardsigmoid)
    case "hardtanh": for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v <= lo || v >= hi ? 0 : dy[i]!; } return;
    case "hardswish":
      for (let i = 0; i < n; i++) { const v = x[i]!, g = dy[i]!; dx[i] = v < -3 ? 0 : v <= 3 ? g * f(f(v / 3) + 0.5) : g; }
      return;
    case "hardsigmoid": {
      const sixth = f(1 / 6);
      for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = v > -3 && v < 3 ? dy[i]! * sixth : 0; }
      return;
    }
    // in double, rounded once, with e = exp(−|x|) (never overflows): σ(x) and σ(−x) are 1/(1 + e) and e/(1 + e), the
    // order by x's sign; silu: dy·σ(x)·(1 + x·σ(−x)), PyTorch's dy·s·(1 + x·(1 − s)) without 1 − s's cancellation
    case "silu":
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = x[i]!, e = Math.exp(-Math.abs(v)), d = 1 / (1 + e);
        const s = v >= 0 ? d : e * d, sn = v >= 0 ? e * d : d;
        dx[i] = op === "silu" ? dy[i]! * s * (1 + v * sn) : dy[i]! * s * sn;
      }
      return;
    // erf′(x) = 2/√π·e^{−x²}, in double, rounded once
    case "erf": for (let i = 0; i < n; i++) { const v = x[i]!; dx[i] = dy[i]! * (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v); } return;
    case "gelu": case "geluTanh": {
      const tanh = op === "geluTanh";
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * geluSlope(x[i]!, tanh);
      return;
    }
  }
}

export const elementwiseKernels: Pick<HostKernels, "unary" | "binary" | "where" | "activation" | "activationGrad"> = {
  unary,
  activation,
  activationGrad,

  binary(op, a, aStrides, b, bStrides, outShape, y) {
    const total = y.length;
    if (total === 0) return;
    // y is contiguous; merge the dims that all three walk back to back (a bias [1,C,1,1] on [N,C,H,W] → [N,C,HW])
    const yStrides: number[] = new Array<number>(outShape.length);
    for (let d = outShape.length - 1, s = 1; d >= 0; d--) {
      yStrides[d] = s;
      s *= outShape[d]!;
    }
    const c = coalesce(outShape, [aStrides, bStrides, yStrides]);
    const dims = c.shape, aStr = c.strides[0]!, bStr = c.strides[1]!;
    const rank = dims.length;
    const inner = dims[rank - 1]!;
    const as = aStr[rank - 1]!;
    const bs = bStr[rank - 1]!;
    // odometer over the outer dims; each step runs one contiguous output row
    const idx = new Array<number>(rank).fill(0);
    let ai = 0;
    let bi = 0;
    for (let o = 0; o < total; o += inner) {
      binaryRow(op, a, ai, as, b, bi, bs, y, o, inner);
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        ai += aStr[d]!;
        bi += bStr[d]!;
        if (idx[d]! < dims[d]!) break;
        ai -= aStr[d]! * dims[d]!;
        bi -= bStr[d]! * dims[d]!;
        idx[d] = 0;
      }
    }
  },

  where(cond, a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = cond[i] !== 0 ? a[i]! : b[i]!;
  },
};
