// Activations against PyTorch fixtures, float64 gradchecks, dropout's statistics and bad input; hardswish's ONNX form
// in onnxruntime.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { F, Generator, Tensor, ShapeError, ValueError, io, noGrad, randn, tensor } from "../../src/index.js";
import { erfScalar as erf, normalCdf } from "../../src/backends/js/special.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, gradcheckTest, rand64 } from "../helpers/gradcheck.js";

type Run = (x: Tensor, args: Record<string, unknown>) => Tensor;
const fixtureOps: Record<string, Run> = {
  relu: (x) => F.relu(x),
  leakyRelu: (x, a) => F.leakyRelu(x, a.negativeSlope as number),
  sigmoid: (x) => F.sigmoid(x),
  tanh: (x) => F.tanh(x),
  softmax: (x, a) => F.softmax(x, a.dim as number),
  logSoftmax: (x, a) => F.logSoftmax(x, a.dim as number),
  dropout: (x, a) => F.dropout(x, { p: a.p as number, training: a.training as boolean }),
  relu6: (x) => F.relu6(x),
  hardtanh: (x, a) => F.hardtanh(x, { minVal: a.minVal as number, maxVal: a.maxVal as number }),
  elu: (x, a) => F.elu(x, { alpha: a.alpha as number }),
  softplus: (x, a) => F.softplus(x, { beta: a.beta as number, threshold: a.threshold as number }),
  gelu: (x, a) => F.gelu(x, { approximate: a.approximate as "none" | "tanh" }),
  silu: (x) => F.silu(x),
  hardswish: (x) => F.hardswish(x),
};

for (const [op, run] of Object.entries(fixtureOps)) {
  test(`${op} matches PyTorch (forward and grad)`, () => {
    const cases = loadCases(op === "hardswish" ? "added_ops" : "nn_ops", op);
    assert.ok(cases.length >= (["relu6", "hardtanh", "elu", "softplus", "gelu", "silu"].includes(op) ? 10 : 20));
    for (const c of cases) checkCase(c, ({ x }) => run(x!, c.args));
  });
}

gradcheckTest("gradcheck (float64): softmax, logSoftmax along every dim", () => {
  for (const dim of [0, 1, -1]) {
    gradcheck((x) => F.softmax(x, dim), [rand64([3, 4, 2], 1 + dim)]);
    gradcheck((x) => F.logSoftmax(x, dim), [rand64([3, 4, 2], 5 + dim)]);
  }
  gradcheck((x) => F.logSoftmax(x.mul(10), 1), [rand64([2, 5], 9)]);
});

gradcheckTest("gradcheck (float64): relu6, hardtanh, elu, softplus, gelu, erf, silu, hardswish, and relu/leakyRelu/sigmoid/tanh", () => {
  const x = () => rand64([3, 5], 3).mul(3);
  gradcheck((v) => F.relu6(v.mul(3)), [rand64([4, 5], 11)]);
  gradcheck((v) => F.hardtanh(v, { minVal: -0.5, maxVal: 2 }), [x()]);
  gradcheck((v) => F.elu(v, { alpha: 1.5 }), [x()]);
  gradcheck((v) => F.softplus(v, { beta: 2, threshold: 3 }), [x()]);
  gradcheck((v) => F.gelu(v), [x()]);
  gradcheck((v) => F.gelu(v, { approximate: "tanh" }), [x()]);
  gradcheck((v) => F.erf(v), [x()]);
  gradcheck((v) => F.silu(v), [x()]);
  gradcheck((v) => F.hardswish(v.mul(2)), [x()]);
  gradcheck((v) => F.relu(v), [x()]);
  gradcheck((v) => F.leakyRelu(v, 0.2), [x()]);
  gradcheck((v) => F.sigmoid(v), [x()]);
  gradcheck((v) => F.tanh(v), [x()]);
});

gradcheckTest("gradcheck (float64): dropout in training (fixed seed, so the mask repeats)", () => {
  gradcheck((v) => F.dropout(v, { p: 0.4, generator: new Generator(3) }), [rand64([4, 6], 2)]);
  gradcheck((v) => F.dropout2d(v, { p: 0.5, generator: new Generator(4) }), [rand64([2, 3, 2, 2], 2)]);
});

test("softmax: rows sum to 1, large logits do not overflow, logSoftmax = log(softmax)", () => {
  const x = tensor([[1000, 1001, 1002], [-5, 0, 5]]);
  const s = F.softmax(x, 1);
  const e = [Math.exp(-2), Math.exp(-1), 1];
  const z = e[0]! + e[1]! + e[2]!;
  assert.ok(Math.abs(s.data[0]! - e[0]! / z) < 1e-6 && Math.abs(s.data[2]! - 1 / z) < 1e-6);
  const ls = F.logSoftmax(x, 1);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(Math.exp(ls.data[i]!) - s.data[i]!) < 1e-6);
  assert.ok(Number.isFinite(F.logSoftmax(tensor([[-1e4, 0]]), 1).data[0]!)); // log(softmax) would be −∞
});

test("erf is accurate to double precision", () => {
  // reference values of erf (Abramowitz & Stegun table 7.1 / mpmath)
  const known: [number, number][] = [[0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [2, 0.9953222650189527], [3, 0.9999779095030014], [4, 0.9999999845827421], [-1.5, -0.9661051464753108]];
  for (const [x, v] of known) assert.ok(Math.abs(erf(x) - v) < 1e-15, `erf(${x}) = ${erf(x)}, expected ${v}`);
  // small arguments keep their relative precision (Python's math.erf)
  const small: [number, number][] = [[1e-10, 1.1283791670955126e-10], [1e-3, 0.0011283787909692365], [-2e-5, -2.256758333890124e-5]];
  for (const [x, v] of small) assert.ok(Math.abs(erf(x) / v - 1) < 1e-14, `erf(${x}) = ${erf(x)}, expected ${v}`);
});

test("F.erf (torch.erf) on the backend's kernels: erf's values in float32, odd, ±1 at ±∞, NaN kept; its slope 2/√π·e^{−x²}", () => {
  // Python's math.erf; small arguments keep their relative precision (the series below ½)
  const known: [number, number][] = [[0, 0], [1e-10, 1.1283791670955126e-10], [-2e-5, -2.256758333890124e-5], [0.1, 0.1124629160182849],
    [0.4999, 0.5204119951613866], [0.5, 0.5204998778130465], [-1, -0.8427007929497149], [2, 0.9953222650189527], [3.5, 0.9999992569016276],
    [6, 1], [Infinity, 1], [-Infinity, -1]];
  // repeated to 1,040 values: arrays this long run on the wasm backend's kernel (short ones on the reference's)
  const row = [...known.map(([v]) => v), NaN], reps = 80;
  const x = tensor(Float32Array.from({ length: row.length * reps }, (_, i) => row[i % row.length]!), [reps, row.length]).requiresGrad_();
  const y = F.erf(x);
  y.sum().backward();
  for (let r = 0; r < reps; r++) {
    const at = r * row.length;
    known.forEach(([v, want], i) => assert.ok(Math.abs(y.data[at + i]! - want) <= 2e-7 * Math.abs(want) + 1e-37, `erf(${v}) = ${y.data[at + i]}, want ${want}`));
    assert.ok(Number.isNaN(y.data[at + known.length]!), "erf(NaN)");
    known.forEach(([v], i) => {
      const want = (2 / Math.sqrt(Math.PI)) * Math.exp(-(Math.fround(v) ** 2));
      assert.ok(Math.abs(x.grad!.data[at + i]! - want) <= 1e-6 * want + 1e-37, `erf′(${v}) = ${x.grad!.data[at + i]}, want ${want}`);
    });
  }
});

test("the normal CDF keeps its relative precision in the left tail (gelu's reference): Python's erfc/2", () => {
  const known: [number, number][] = [[-10, 7.619853024160593e-24], [-6.6, 2.055788909399524e-11], [-3, 0.0013498980316300957]];
  for (const [x, v] of known) assert.ok(Math.abs(normalCdf(x) / v - 1) < 1e-13, `Φ(${x}) = ${normalCdf(x)}, expected ${v}`);
});

test("dropout in training: fraction kept ≈ 1−p, kept values scaled by 1/(1−p), gradient uses the same mask", () => {
  for (const p of [0.2, 0.5, 0.8]) {
    const n = 20000;
    const x = new Tensor(new Float32Array(n).fill(2), [100, 200], true);
    const y = F.dropout(x, { p, generator: new Generator(42) });
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const v = y.data[i]!;
      if (v !== 0) {
        kept++;
        assert.ok(Math.abs(v - 2 / (1 - p)) < 1e-5, `kept value ${v}, expected ${2 / (1 - p)}`);
      }
    }
    // binomial: 5 standard deviations
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sd, `p=${p}: kept ${kept} of ${n}`);
    y.sum().backward();
    for (let i = 0; i < n; i++) {
      const expected = y.data[i] === 0 ? 0 : 1 / (1 - p);
      assert.ok(Math.abs(x.grad!.data[i]! - expected) < 1e-5, "gradient mask differs from the forward mask");
    }
  }
});

test("dropout: same seed → same mask; another seed → another; p = 1 → zeros; eval and p = 0 → the input", () => {
  const x = new Tensor(new Float32Array(500).fill(1), [500]);
  const a = F.dropout(x, { p: 0.5, generator: new Generator(7) });
  const b = F.dropout(x, { p: 0.5, generator: new Generator(7) });
  const c = F.dropout(x, { p: 0.5, generator: new Generator(8) });
  assert.deepEqual([...a.data], [...b.data]);
  assert.notDeepEqual([...a.data], [...c.data]);
  assert.ok(F.dropout(x, { p: 1 }).data.every((v) => v === 0));
  assert.equal(F.dropout(x, { p: 0.7, training: false }), x);
  assert.equal(F.dropout(x, { p: 0 }), x);
});

test("dropout2d zeroes whole channels, scaled by 1/(1−p)", () => {
  const x = new Tensor(new Float32Array(8 * 16 * 3 * 3).fill(1), [8, 16, 3, 3]);
  const y = F.dropout2d(x, { p: 0.5, generator: new Generator(5) });
  let zeroed = 0;
  for (let plane = 0; plane < 8 * 16; plane++) {
    const vals = [...y.data.subarray(plane * 9, plane * 9 + 9)];
    assert.ok(vals.every((v) => v === vals[0]), `channel ${plane} is partly dropped`);
    assert.ok(vals[0] === 0 || vals[0] === 2);
    if (vals[0] === 0) zeroed++;
  }
  assert.ok(zeroed > 32 && zeroed < 96, `${zeroed} of 128 channels dropped`);
});

test("bad input: typed errors naming the op and the rule", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => F.softmax(x, 2), (e: Error) => e instanceof ValueError && /softmax: dim 2 is out of range for a tensor of rank 2/.test(e.message));
  assert.throws(() => F.logSoftmax(x, -3), (e: Error) => e instanceof ValueError && /logSoftmax: dim -3/.test(e.message));
  assert.throws(() => F.softmax(x, 0.5), (e: Error) => e instanceof ValueError && /dim must be an integer/.test(e.message));
  assert.throws(() => F.dropout(x, { p: 1.5 }), (e: Error) => e instanceof ValueError && /dropout: dropout probability has to be between 0 and 1, but got 1.5/.test(e.message));
  assert.throws(() => F.dropout(x, { p: -0.1 }), (e: Error) => e instanceof ValueError && /between 0 and 1/.test(e.message));
  assert.throws(() => F.dropout(x, { p: NaN }), (e: Error) => e instanceof ValueError && /NaN/.test(e.message));
  assert.throws(() => F.dropout2d(x, { p: 0.5 }), (e: Error) => e instanceof ShapeError && /dropout2d: expects a \[N,C,H,W\] or \[N,C,L\] input, got \[2,2\]/.test(e.message));
  assert.throws(() => F.hardtanh(x, { minVal: 2, maxVal: 1 }), (e: Error) => e instanceof ValueError && /hardtanh: minVal 2 must not exceed maxVal 1/.test(e.message));
  assert.throws(() => F.softplus(x, { beta: 0 }), (e: Error) => e instanceof ValueError && /softplus: beta/.test(e.message));
  assert.throws(() => F.gelu(x, { approximate: "erf" as "none" }), (e: Error) => e instanceof ValueError && /gelu: approximate must be 'none' or 'tanh'/.test(e.message));
});

test("relu's gradient at NaN, 0, −∞ and with a NaN upstream gradient is PyTorch's threshold_backward", () => {
  // /usr/bin/python3 (torch 1.13): x = [nan, -1, 2, 0, -inf, 3] (64 copies, so the wasm kernel runs), relu(x).backward(g)
  // with g = [1, nan, 3, 4, 5, nan] → x.grad = [1, 0, 3, 0, 0, nan]: the gradient passes wherever x ≤ 0 is false
  const xs = [NaN, -1, 2, 0, -Infinity, 3], gs = [1, NaN, 3, 4, 5, NaN], want = [1, 0, 3, 0, 0, NaN];
  const rep = <T>(v: T[]): T[] => Array.from({ length: 64 * v.length }, (_, i) => v[i % v.length]!);
  const x = tensor(rep(xs)).requiresGrad_();
  F.relu(x).backward(tensor(rep(gs)));
  const grad = [...x.grad!.data];
  grad.forEach((v, i) => assert.ok(Object.is(v, rep(want)[i]), `element ${i}: ${v}, PyTorch ${rep(want)[i]}`));
});

test("hardswish exports as x·HardSigmoid(x; 1/6, 1/2) (opset 13 has no HardSwish), which onnxruntime runs with our values", async () => {
  const x = randn([3, 4, 5]).mul(4);
  const ours = noGrad(() => F.hardswish(x));
  const session = await ort.InferenceSession.create(io.exportOnnx((v: Tensor) => F.hardswish(v), x));
  const got = (await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) })).output!;
  assert.deepEqual([...got.dims], [...ours.shape]);
  (got.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - ours.data[i]!) <= 1e-6 * Math.max(1, Math.abs(ours.data[i]!)), `element ${i}: onnxruntime ${v}, ours ${ours.data[i]}`));
});
