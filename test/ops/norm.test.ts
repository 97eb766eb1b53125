// batchNorm and localResponseNorm against PyTorch fixtures (including the in-place running-stat update),
// float64 gradchecks in training and evaluation mode, and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, DTypeError, ShapeError, ValueError, randn, ones, zeros, tensor } from "../../src/index.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, rand64, gradcheckTest } from "../helpers/gradcheck.js";

const copy = (t: Tensor | undefined): Tensor | null => (t ? new Tensor(Float32Array.from(t.data), t.shape) : null);

test("batchNorm matches PyTorch: train/eval, affine or not, with/without running stats, 2-D to 4-D", () => {
  const cases = loadCases("nn_ops", "batchNorm");
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    checkCase(c, ({ x, runningMean, runningVar, weight, bias }) => {
      const rm = copy(runningMean), rv = copy(runningVar);
      const y = F.batchNorm(x!, rm, rv, {
        weight: c.args.affine ? weight! : null, bias: c.args.affine ? bias! : null,
        training: c.args.training as boolean, momentum: c.args.momentum as number, eps: c.args.eps as number,
      });
      // the running stats after the (in-place) update are the extra outputs
      return rm && rv ? [y, rm, rv] : y;
    });
  }
});

test("localResponseNorm matches PyTorch (3-D, 4-D, 5-D; sizes 1–6)", () => {
  const cases = loadCases("nn_ops", "localResponseNorm");
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const a = c.args as { size: number; alpha: number; beta: number; k: number };
    checkCase(c, ({ x }) => F.localResponseNorm(x!, a.size, { alpha: a.alpha, beta: a.beta, k: a.k }));
  }
});

test("layerNorm and groupNorm match PyTorch", () => {
  for (const c of loadCases("nn_ops", "layerNorm")) {
    const a = c.args as { normalizedShape: number[]; eps: number; affine: boolean };
    checkCase(c, ({ x, weight, bias }) => F.layerNorm(x!, a.normalizedShape, { weight: a.affine ? weight! : null, bias: a.affine ? bias! : null, eps: a.eps }));
  }
  for (const c of loadCases("nn_ops", "groupNorm")) {
    const a = c.args as { numGroups: number; eps: number; affine: boolean };
    checkCase(c, ({ x, weight, bias }) => F.groupNorm(x!, a.numGroups, { weight: a.affine ? weight! : null, bias: a.affine ? bias! : null, eps: a.eps }));
  }
});

gradcheckTest("gradcheck (float64): layerNorm, groupNorm", () => {
  gradcheck((x, w, b) => F.layerNorm(x, [3, 2], { weight: w, bias: b }), [rand64([2, 3, 2], 1), rand64([3, 2], 2), rand64([3, 2], 3)]);
  gradcheck((x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }), [rand64([2, 4, 3], 4), rand64([4], 5), rand64([4], 6)]);
});

gradcheckTest("gradcheck (float64): batchNorm in training (paths through mean and var) and evaluation", () => {
  const rm = () => rand64([3], 20).mul(0.1), rv = () => rand64([3], 21).abs().add(0.5);
  gradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [rand64([4, 3, 2, 2], 1), rand64([3], 2), rand64([3], 3)]);
  gradcheck((x) => F.batchNorm(x, rm(), rv(), { training: true, eps: 1e-3 }), [rand64([5, 3], 4)]);
  gradcheck((x, w, b) => F.batchNorm(x, rm(), rv(), { weight: w, bias: b, training: false }), [rand64([2, 3, 4], 5), rand64([3], 6), rand64([3], 7)]);
  gradcheck((x, w) => F.batchNorm(x, null, null, { weight: w, training: true }), [rand64([2, 3, 3], 8), rand64([3], 9)]);
});

gradcheckTest("gradcheck (float64): localResponseNorm", () => {
  gradcheck((x) => F.localResponseNorm(x, 3, { alpha: 0.5, beta: 0.75, k: 1 }), [rand64([2, 5, 2, 2], 1)]);
  gradcheck((x) => F.localResponseNorm(x, 4, { alpha: 0.3, beta: 1.2, k: 2 }), [rand64([1, 6, 3], 2)]);
});

test("batchNorm training: output has per-channel mean 0 and variance 1; running stats use the unbiased variance", () => {
  const x = tensor([[1, 10], [3, 20], [5, 60]]);
  const rm = zeros([2]), rv = ones([2]);
  const y = F.batchNorm(x, rm, rv, { training: true, momentum: 0.5, eps: 0 });
  // channel 0: mean 3, biased var 8/3, unbiased var 4
  assert.ok(Math.abs(y.data[0]! + 2 / Math.sqrt(8 / 3)) < 1e-5);
  assert.ok(Math.abs(rm.data[0]! - 1.5) < 1e-6 && Math.abs(rv.data[0]! - (0.5 + 0.5 * 4)) < 1e-5);
  // evaluation uses the running stats and leaves them alone
  const before = [...rm.data, ...rv.data];
  const e = F.batchNorm(tensor([[1.5, 0]]), rm, rv, { eps: 0 });
  assert.ok(Math.abs(e.data[0]!) < 1e-6);
  assert.deepEqual([...rm.data, ...rv.data], before);
});

test("batchNorm records eps, momentum and training for export", () => {
  const y = F.batchNorm(randn([2, 3], { requiresGrad: true }), zeros([3]), ones([3]), { eps: 1e-3 });
  assert.equal(y.gradFn?.name, "batchNorm");
  assert.deepEqual(y.gradFn?.attrs, { eps: 1e-3, momentum: 0.1, training: false, activation: null });
});

test("batchNorm with an activation fused equals the activation after it, forward and backward, train and eval", () => {
  for (const training of [false, true]) {
    for (const [activation, act] of [["relu6", F.relu6], ["relu", F.relu], ["hardswish", F.hardswish], ["hardsigmoid", F.hardsigmoid], ["silu", F.silu]] as const) {
      const x = randn([2, 3, 5, 4]), w = randn([3]).mul(6), b = randn([3]), g = randn([2, 3, 5, 4]);
      const run = (fused: boolean) => {
        const [xl, wl, bl] = [x, w, b].map((t) => t.detach().requiresGrad_());
        const opts = { weight: wl!, bias: bl!, training, eps: 1e-5 };
        const y = fused ? F.batchNorm(xl!, zeros([3]), ones([3]), { ...opts, activation }) : act(F.batchNorm(xl!, zeros([3]), ones([3]), opts));
        y.backward(g);
        return [y, xl!.grad!, wl!.grad!, bl!.grad!];
      };
      const fused = run(true), plain = run(false);
      ["y", "dx", "dweight", "dbias"].forEach((name, i) => {
        assert.deepEqual(fused[i]!.data, plain[i]!.data, `${name}, ${activation}, training ${training}`);
      });
      if (activation === "relu6") assert.ok(fused[0]!.data.some((v) => v === 0) && fused[0]!.data.some((v) => v === 6), "both clamps reached");
    }
  }
  // @ts-expect-error: not one of the fused activations
  assert.throws(() => F.batchNorm(randn([2, 3]), zeros([3]), ones([3]), { activation: "gelu" }), /batchNorm: activation must be one of relu, relu6, hardswish, hardsigmoid, silu, got "gelu"/);
});

test("bad input: typed errors naming the op, the shapes and the rule", () => {
  const x = randn([4, 3, 2, 2]);
  assert.throws(() => F.batchNorm(x, zeros([4]), ones([4])), (e: Error) => e instanceof ShapeError && /batchNorm: runningMean \[4\] must be \[3\] for input \[4,3,2,2\] with 3 channels/.test(e.message));
  assert.throws(() => F.batchNorm(x, null, null, { weight: ones([2]) }), (e: Error) => e instanceof ShapeError && /batchNorm: weight \[2\] must be \[3\]/.test(e.message));
  assert.throws(() => F.batchNorm(x, null, null), (e: Error) => e instanceof ValueError && /runningMean and runningVar must be given in evaluation mode/.test(e.message));
  assert.throws(() => F.batchNorm(randn([1, 3]), null, null, { training: true }), (e: Error) => e instanceof ValueError && /batchNorm: expected more than 1 value per channel when training, got input \[1,3\]/.test(e.message));
  assert.throws(() => F.batchNorm(randn([3]), null, null, { training: true }), (e: Error) => e instanceof ShapeError && /at least 2 dims, got \[3\]/.test(e.message));
  assert.throws(() => F.batchNorm(x, zeros([3]), null, { training: true }), (e: Error) => e instanceof ValueError && /both runningMean and runningVar/.test(e.message));
  assert.throws(() => F.batchNorm(x, null, null, { training: true, eps: -1 }), (e: Error) => e instanceof ValueError && /eps must be a finite number ≥ 0, got -1/.test(e.message));
  assert.throws(() => F.batchNorm(x, zeros([3], { dtype: "float64" }), ones([3], { dtype: "float64" })), (e: Error) => e instanceof DTypeError);
  assert.throws(() => F.localResponseNorm(randn([2, 3]), 2), (e: Error) => e instanceof ShapeError && /localResponseNorm: expects an input with at least 3 dims \[N,C,…\], got \[2,3\]/.test(e.message));
  assert.throws(() => F.localResponseNorm(x, 0), (e: Error) => e instanceof ValueError && /localResponseNorm: size must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => F.localResponseNorm(x, 2.5), (e: Error) => e instanceof ValueError && /size must be an integer/.test(e.message));
  assert.throws(() => F.layerNorm(x, [3, 2]), (e: Error) => e instanceof ShapeError && /layerNorm: normalizedShape \[3,2\] must be a non-empty suffix of the input shape \[4,3,2,2\]/.test(e.message));
  assert.throws(() => F.groupNorm(x, 2), (e: Error) => e instanceof ShapeError && /groupNorm: 3 channels of input \[4,3,2,2\] cannot be split into 2 groups/.test(e.message));
  assert.throws(() => F.groupNorm(x, 3, { weight: ones([4]) }), (e: Error) => e instanceof ShapeError && /groupNorm: weight \[4\] must be \[3\]/.test(e.message));
  assert.throws(() => F.localResponseNorm(x, 3, { beta: NaN }), (e: Error) => e instanceof ValueError && /beta must be a finite number/.test(e.message));
});
