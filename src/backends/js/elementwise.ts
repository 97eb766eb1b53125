// Reference elementwise kernels: unary math, broadcasting binary ops and comparisons, where.
import type { BinaryOp, Kernels, UnaryOp } from "../backend.js";

type Fn1 = (x: number, alpha: number) => number;
const unaryFns: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  // written to avoid overflow of exp for large |x|
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x > 0 ? x : x !== x ? x : 0),
  leakyRelu: (x, a) => (x > 0 ? x : x * a),
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  floor: Math.floor,
  ceil: Math.ceil,
  // round half to even, as PyTorch does
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  log1p: Math.log1p,
  expm1: Math.expm1,
  powScalar: (x, a) => Math.pow(x, a),
  reluMask: (x) => (x > 0 ? 1 : 0),
  leakyReluGrad: (x, a) => (x > 0 ? 1 : a),
};

type Fn2 = (a: number, b: number) => number;
const binaryFns: Record<BinaryOp, Fn2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  // NaN propagates, like torch.maximum
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

export const elementwiseKernels: Pick<Kernels, "unary" | "binary" | "where"> = {
  unary(op, x, y, alpha) {
    const f = unaryFns[op];
    for (let i = 0; i < x.length; i++) y[i] = f(x[i]!, alpha);
  },

  binary(op, a, aStrides, b, bStrides, outShape, y) {
    const f = binaryFns[op];
    const rank = outShape.length;
    const total = y.length;
    if (total === 0) return;
    // fast path: both operands contiguous with the output's shape
    if (a.length === total && b.length === total) {
      for (let i = 0; i < total; i++) y[i] = f(a[i]!, b[i]!);
      return;
    }
    if (rank === 0) {
      y[0] = f(a[0]!, b[0]!);
      return;
    }
    const inner = outShape[rank - 1]!;
    const as = aStrides[rank - 1]!;
    const bs = bStrides[rank - 1]!;
    const idx = new Array<number>(rank).fill(0);
    let ai = 0;
    let bi = 0;
    for (let o = 0; o < total; o += inner) {
      for (let i = 0; i < inner; i++) y[o + i] = f(a[ai + i * as]!, b[bi + i * bs]!);
      for (let d = rank - 2; d >= 0; d--) {
        idx[d]!++;
        ai += aStrides[d]!;
        bi += bStrides[d]!;
        if (idx[d]! < outShape[d]!) break;
        ai -= aStrides[d]! * outShape[d]!;
        bi -= bStrides[d]! * outShape[d]!;
        idx[d] = 0;
      }
    }
  },

  where(cond, a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = cond[i] !== 0 ? a[i]! : b[i]!;
  },
};
