// Every core op against PyTorch 1.13: outputs and the gradients of Σ out·g (test/fixtures/core.json, made by
// scripts/fixtures/core.py). Tolerance F32: |Δ| ≤ 1e-5·max|expected| + 1e-4·|expected|.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkCase, loadCases, type FixtureCase } from "../helpers/fixtures.js";
import {
  Tensor, add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, neg, exp, log, log1p, expm1, sqrt, rsqrt,
  abs, sign, sin, cos, tanh, sigmoid, relu, square, reciprocal, floor, ceil, round, clamp, where, sum, mean, max, min,
  argmax, argmin, variance, reshape, permute, transpose, flatten, squeeze, unsqueeze, expand, slice, select, flip, cat,
  stack, pad, matmul, arange, linspace, eye,
} from "../../src/index.js";
import { leakyRelu } from "../../src/ops/elementwise.js";
import { logsumexp, all, any } from "../../src/ops/reduce.js";
import { chunk, gather, indexSelect, oneHot, repeat, split, t as transpose2d } from "../../src/ops/movement.js";

type Run = (x: Record<string, Tensor>, args: Record<string, unknown>) => Tensor | Tensor[];
type Dims = number | number[] | undefined;

const num = (v: unknown): number => v as number;
const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));
const inputs = (x: Record<string, Tensor>): Tensor[] => Object.keys(x).sort((p, q) => Number(p.slice(1)) - Number(q.slice(1))).map((k) => x[k]!);

function binaryRun(fn: (a: Tensor | number, b: Tensor | number) => Tensor): Run {
  return (x, a) => (a.mode === "ts" ? fn(x.a!, num(a.scalar)) : a.mode === "st" ? fn(num(a.scalar), x.b!) : fn(x.a!, x.b!));
}
const unaryRun = (fn: (t: Tensor) => Tensor): Run => (x) => fn(x.x!);

const runners: Record<string, Run> = {
  add: binaryRun(add), sub: binaryRun(sub), mul: binaryRun(mul), div: binaryRun(div), pow: binaryRun(pow),
  maximum: binaryRun(maximum), minimum: binaryRun(minimum),
  eq: binaryRun(eq), ne: binaryRun(ne), lt: binaryRun(lt), le: binaryRun(le), gt: binaryRun(gt), ge: binaryRun(ge),
  neg: unaryRun(neg), exp: unaryRun(exp), log: unaryRun(log), log1p: unaryRun(log1p), expm1: unaryRun(expm1),
  sqrt: unaryRun(sqrt), rsqrt: unaryRun(rsqrt), abs: unaryRun(abs), sign: unaryRun(sign), sin: unaryRun(sin),
  cos: unaryRun(cos), tanh: unaryRun(tanh), sigmoid: unaryRun(sigmoid), relu: unaryRun(relu), square: unaryRun(square),
  reciprocal: unaryRun(reciprocal), floor: unaryRun(floor), ceil: unaryRun(ceil), round: unaryRun(round),
  leakyRelu: (x, a) => leakyRelu(x.x!, num(a.negativeSlope)),
  clamp: (x, a) => clamp(x.x!, a.min as number | null, a.max as number | null),
  where: (x, a) => where(x.cond!, x.a ?? num(a.aScalar), x.b ?? num(a.bScalar)),
  sum: (x, a) => sum(x.x!, opt<Dims>(a.dim), a.keepdim as boolean),
  mean: (x, a) => mean(x.x!, opt<Dims>(a.dim), a.keepdim as boolean),
  variance: (x, a) => variance(x.x!, opt<Dims>(a.dim), { correction: num(a.correction), keepdim: a.keepdim as boolean }),
  max: (x, a) => max(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  min: (x, a) => min(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  argmax: (x, a) => argmax(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  argmin: (x, a) => argmin(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  logsumexp: (x, a) => logsumexp(x.x!, a.dim as number | number[], a.keepdim as boolean),
  all: (x, a) => all(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  any: (x, a) => any(x.x!, opt<number>(a.dim), a.keepdim as boolean),
  reshape: (x, a) => reshape(x.x!, a.shape as number[]),
  permute: (x, a) => permute(x.x!, a.dims as number[]),
  transpose: (x, a) => transpose(x.x!, num(a.dim0), num(a.dim1)),
  t: (x) => transpose2d(x.x!),
  flatten: (x, a) => flatten(x.x!, num(a.startDim), num(a.endDim)),
  squeeze: (x, a) => squeeze(x.x!, opt<number>(a.dim)),
  unsqueeze: (x, a) => unsqueeze(x.x!, num(a.dim)),
  expand: (x, a) => expand(x.x!, a.shape as number[]),
  slice: (x, a) => slice(x.x!, num(a.dim), opt<number>(a.start), opt<number>(a.end), num(a.step)),
  select: (x, a) => select(x.x!, num(a.dim), num(a.index)),
  flip: (x, a) => flip(x.x!, a.dims as number[]),
  cat: (x, a) => cat(inputs(x), num(a.dim)),
  stack: (x, a) => stack(inputs(x), num(a.dim)),
  pad: (x, a) => pad(x.x!, a.pads as number[], a.mode as "constant" | "reflect" | "replicate", num(a.value)),
  split: (x, a) => split(x.x!, a.arg as number | number[], num(a.dim)),
  chunk: (x, a) => chunk(x.x!, num(a.arg), num(a.dim)),
  repeat: (x, a) => repeat(x.x!, a.reps as number[]),
  gather: (x, a) => gather(x.x!, num(a.dim), x.index!),
  indexSelect: (x, a) => indexSelect(x.x!, num(a.dim), x.index!),
  oneHot: (x, a) => oneHot(x.index!, num(a.numClasses)),
  matmul: (x) => matmul(x.a!, x.b!),
  arange: (_x, a) => (a.end === undefined ? arange(num(a.start)) : arange(num(a.start), num(a.end), num(a.step))),
  linspace: (_x, a) => linspace(num(a.start), num(a.end), num(a.steps)),
  eye: (_x, a) => eye(num(a.n), opt<number>(a.m)),
};

for (const [op, run] of Object.entries(runners)) {
  test(`${op} matches PyTorch`, () => {
    const cases: FixtureCase[] = loadCases("core", op);
    assert.ok(cases.length >= 20, `${op}: only ${cases.length} cases`);
    for (const c of cases) checkCase(c, (x) => run(x, c.args));
  });
}

test("printing matches PyTorch's str()", () => {
  const cases = loadCases("core", "format");
  for (const c of cases) assert.equal(c.inputs.x!.toString(), c.args.text as string, c.name);
});
