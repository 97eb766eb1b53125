// Float64 finite-difference checks of every differentiable core op's backward (central differences of Σ out·g).
import { gradcheck, gradcheckTest, rand64 } from "../helpers/gradcheck.js";
import {
  Tensor, add, sub, mul, div, pow, maximum, minimum, neg, exp, log, log1p, expm1, sqrt, rsqrt, abs, sin, cos, tanh,
  sigmoid, relu, square, reciprocal, clamp, where, sum, mean, max, min, variance, reshape, permute, transpose,
  flatten, squeeze, unsqueeze, expand, slice, select, flip, cat, stack, pad, matmul, tensor, clone,
} from "../../src/index.js";
import { leakyRelu, floor, ceil, round, sign } from "../../src/ops/elementwise.js";
import { logsumexp } from "../../src/ops/reduce.js";
import { chunk, gather, indexSelect, repeat, split, t as transpose2d } from "../../src/ops/movement.js";

/** Values kept away from 0 by at least `gap` (for ops with a kink or a pole at 0). */
function away(shape: number[], seed: number, gap = 0.2): Tensor {
  const t = rand64(shape, seed);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sign(t.data[i]!) * (Math.abs(t.data[i]!) + gap);
  return t;
}
/** Distinct values (no ties, at least 0.05 apart), shuffled into `shape`. */
function distinct(shape: number[], seed: number): Tensor {
  const t = rand64(shape, seed);
  const order = [...t.data.keys()].sort((p, q) => t.data[p]! - t.data[q]!);
  order.forEach((k, rank) => (t.data[k] = rank * 0.1 - order.length * 0.05 + (t.data[k]! % 0.01)));
  return t;
}
const positive = (shape: number[], seed: number): Tensor => rand64(shape, seed).abs().add(0.3);
const f64 = (data: number[], shape: number[]): Tensor => tensor(data, shape, { dtype: "float64" });

const cases: Record<string, () => void> = {
  add: () => gradcheck(add, [rand64([2, 3, 4], 1), rand64([3, 1], 2)]),
  sub: () => gradcheck(sub, [rand64([4, 1], 1), rand64([2, 1, 3], 2)]),
  mul: () => gradcheck(mul, [rand64([2, 3], 1), rand64([3], 2)]),
  div: () => gradcheck(div, [rand64([3, 4], 1), away([1, 4], 2, 0.5)]),
  pow: () => gradcheck(pow, [positive([3, 2], 1), rand64([2], 2)]),
  powScalar: () => gradcheck((x) => pow(x, 2.5), [positive([5], 1)]),
  scalarPow: () => gradcheck((x) => pow(1.7, x), [rand64([5], 1)]),
  maximum: () => gradcheck(maximum, [distinct([3, 4], 1), distinct([4], 2)]),
  minimum: () => gradcheck(minimum, [distinct([2, 1, 3], 1), distinct([4, 1], 2)]),
  neg: () => gradcheck(neg, [rand64([6], 1)]),
  exp: () => gradcheck(exp, [rand64([2, 3], 1)]),
  log: () => gradcheck(log, [positive([2, 3], 1)]),
  log1p: () => gradcheck(log1p, [positive([5], 1)]),
  expm1: () => gradcheck(expm1, [rand64([5], 1)]),
  sqrt: () => gradcheck(sqrt, [positive([5], 1)]),
  rsqrt: () => gradcheck(rsqrt, [positive([5], 1)]),
  abs: () => gradcheck(abs, [away([6], 1)]),
  sin: () => gradcheck(sin, [rand64([6], 1)]),
  cos: () => gradcheck(cos, [rand64([6], 1)]),
  tanh: () => gradcheck(tanh, [rand64([8], 1).mul(3)]),
  sigmoid: () => gradcheck(sigmoid, [rand64([8], 1).mul(4)]),
  relu: () => gradcheck((x) => relu(x), [away([8], 1)]),
  leakyRelu: () => gradcheck((x) => leakyRelu(x, 0.2), [away([8], 1)]),
  square: () => gradcheck(square, [rand64([5], 1)]),
  reciprocal: () => gradcheck(reciprocal, [away([5], 1, 0.5)]),
  floor: () => gradcheck(floor, [away([5], 1).add(0.31)]),
  ceil: () => gradcheck(ceil, [away([5], 1).add(0.31)]),
  round: () => gradcheck(round, [away([5], 1).add(0.17)]),
  sign: () => gradcheck(sign, [away([5], 1)]),
  clamp: () => gradcheck((x) => clamp(x, -0.5, 0.7), [distinct([10], 1).add(0.013)]),
  where: () => gradcheck((a, b) => where(f64([1, 0, 1], [3]), a, b), [rand64([2, 3], 1), rand64([2, 1], 2)]),
  sum: () => gradcheck((x) => sum(x, [0, -1], true), [rand64([2, 3, 4], 1)]),
  mean: () => gradcheck((x) => mean(x, 1), [rand64([2, 3, 4], 1)]),
  maxAll: () => gradcheck((x) => max(x), [distinct([3, 4], 1)]),
  maxDim: () => gradcheck((x) => max(x, -1, true), [distinct([3, 4], 1)]),
  minDim: () => gradcheck((x) => min(x, 0), [distinct([3, 4], 1)]),
  variance: () => gradcheck((x) => variance(x, [0, 2], { correction: 1, keepdim: true }), [rand64([3, 2, 4], 1)]),
  std: () => gradcheck((x) => x.std(1, { correction: 0 }), [rand64([3, 5], 1)]),
  view: () => gradcheck((x) => x.view([3, 2]).mul(x.reshape([3, 2])), [rand64([2, 3], 1)]),
  logsumexp: () => gradcheck((x) => logsumexp(x, [1]), [rand64([3, 4, 2], 1).mul(3)]),
  reshape: () => gradcheck((x) => reshape(x, [4, -1]), [rand64([2, 3, 2], 1)]),
  permute: () => gradcheck((x) => permute(x, [2, 0, 1]), [rand64([2, 3, 4], 1)]),
  transpose: () => gradcheck((x) => transpose(x, 0, -1), [rand64([2, 3, 4], 1)]),
  t: () => gradcheck((x) => transpose2d(x), [rand64([2, 5], 1)]),
  flatten: () => gradcheck((x) => flatten(x, 1), [rand64([2, 3, 4], 1)]),
  squeeze: () => gradcheck((x) => squeeze(x), [rand64([2, 1, 3], 1)]),
  unsqueeze: () => gradcheck((x) => unsqueeze(x, -1), [rand64([2, 3], 1)]),
  expand: () => gradcheck((x) => expand(x, [2, 3, -1]), [rand64([3, 1], 1)]),
  slice: () => gradcheck((x) => slice(x, 1, 5, 0, -2), [rand64([2, 7], 1)]),
  select: () => gradcheck((x) => select(x, -1, 2), [rand64([2, 4], 1)]),
  flip: () => gradcheck((x) => flip(x, [0, 2]), [rand64([2, 3, 2], 1)]),
  cat: () => gradcheck((a, b) => cat([a, b, a], 1), [rand64([2, 3], 1), rand64([2, 1], 2)]),
  stack: () => gradcheck((a, b) => stack([a, b], -1), [rand64([2, 3], 1), rand64([2, 3], 2)]),
  padConstant: () => gradcheck((x) => pad(x, [1, -1, 2, 0], "constant", 0.5), [rand64([1, 2, 3, 4], 1)]),
  padReflect: () => gradcheck((x) => pad(x, [2, 1, 1, 2], "reflect"), [rand64([1, 2, 3, 4], 1)]),
  padReplicate: () => gradcheck((x) => pad(x, [3, 1], "replicate"), [rand64([2, 2, 3], 1)]),
  matmul: () => gradcheck(matmul, [rand64([2, 1, 3, 4], 1), rand64([3, 4, 2], 2)]),
  matmulVector: () => gradcheck(matmul, [rand64([4], 1), rand64([2, 4, 3], 2)]),
  matvec: () => gradcheck(matmul, [rand64([3, 4], 1), rand64([4], 2)]),
  gather: () => gradcheck((x) => gather(x, 1, f64([0, 2, 2, 1, 0, 0], [2, 3])), [rand64([3, 4], 1)]),
  indexSelect: () => gradcheck((x) => indexSelect(x, 0, f64([2, 0, 2], [3])), [rand64([3, 2], 1)]),
  clone: () => gradcheck(clone, [rand64([3, 2], 1)]),
  split: () => gradcheck((x) => { const [a, b] = split(x, [1, 3], 1); return a!.mul(b!.sum(1, true)); }, [rand64([2, 4], 1)]),
  chunk: () => gradcheck((x) => { const p = chunk(x, 3, 0); return p[0]!.sub(p[2]!.square()); }, [rand64([5, 2], 1)]),
  repeat: () => gradcheck((x) => repeat(x, [2, 1, 3]), [rand64([2, 2], 1)]),
  composite: () => gradcheck((x, w) => sum(relu(matmul(x, w)).mul(x.sum(-1, true)), -1), [away([3, 4], 1), rand64([4, 5], 2)]),
};

for (const [name, run] of Object.entries(cases)) gradcheckTest(`gradcheck ${name}`, run);
