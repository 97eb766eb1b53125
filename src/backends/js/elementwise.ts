// Reference elementwise kernels: unary math, broadcasting binary ops and comparisons, where.
// The op is chosen once per call (or per row), outside the loops over elements, so every loop body is a plain
// expression V8 compiles tightly; a table of closures would cost an indirect call per element. Data-dependent
// choices are written without branches (+(a > b), (v + |v|)/2): on random signs a branch mispredicts half the
// time, which measured 5–10× slower.
import type { BinaryOp, Kernels, UnaryOp } from "../backend.js";
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

export const elementwiseKernels: Pick<Kernels, "unary" | "binary" | "where"> = {
  unary,

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
