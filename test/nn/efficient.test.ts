// The layers of the efficient CNNs (src/nn/efficient.ts) against PyTorch 1.13 / torchvision 0.14
// (test/fixtures/efficient.json, made by scripts/fixtures/efficient.py): Hardsigmoid, ChannelShuffle,
// SqueezeExcitation (parameter gradients included) and StochasticDepth, forward and backward; stochastic depth's random
// masks by their statistics; bad arguments; the printed forms; ONNX export of each in onnxruntime.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { F, Generator, ShapeError, Tensor, ValueError, io, nn, noGrad, ones, randn } from "../../src/index.js";
import { assertClose, checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, gradcheckTest, rand64 } from "../helpers/gradcheck.js";

test("Hardsigmoid matches PyTorch (forward and grad, the kinks at ±3 included)", () => {
  const cases = loadCases("efficient", "hardsigmoid");
  assert.equal(cases.length, 20);
  const layer = new nn.Hardsigmoid();
  for (const c of cases) checkCase(c, ({ x }) => layer.call(x!));
});

test("ChannelShuffle matches torchvision's channel_shuffle (forward and grad)", () => {
  const cases = loadCases("efficient", "channelShuffle");
  assert.equal(cases.length, 20);
  for (const c of cases) checkCase(c, ({ x }) => new nn.ChannelShuffle(c.args.groups as number).call(x!));
});

test("StochasticDepth matches torchvision in evaluation and at p = 0 and p = 1 in training", () => {
  const cases = loadCases("efficient", "stochasticDepth");
  assert.equal(cases.length, 20);
  for (const c of cases) {
    const layer = new nn.StochasticDepth(c.args.p as number, c.args.mode as "row" | "batch");
    checkCase(c, ({ x }) => (c.args.training ? layer.train() : layer.eval()).call(x!));
  }
});

test("SqueezeExcitation matches torchvision.ops.SqueezeExcitation (output, input and parameter gradients)", () => {
  const cases = loadCases("efficient", "squeezeExcitation");
  assert.equal(cases.length, 20);
  for (const c of cases) {
    const x = c.inputs.x!, w1 = c.inputs.fc1_weight!;
    const se = new nn.SqueezeExcitation(x.shape[1]!, w1.shape[0]!, {
      activation: c.args.activation === "silu" ? () => new nn.SiLU({ inplace: true }) : () => new nn.ReLU(),
      scaleActivation: c.args.scale === "hardsigmoid" ? () => new nn.Hardsigmoid() : () => new nn.Sigmoid(),
    });
    const keys = { "fc1.weight": "fc1_weight", "fc1.bias": "fc1_bias", "fc2.weight": "fc2_weight", "fc2.bias": "fc2_bias" } as const;
    se.loadStateDict(new Map(Object.entries(keys).map(([k, v]) => [k, c.inputs[v]!])));
    const xin = new Tensor(x.data, x.shape, true);
    const y = se.call(xin);
    assertClose(y, c.outputs[0]!, undefined, `${c.name} output`);
    y.mul(c.upstream[0]!).sum().backward();
    assertClose(xin.grad!, c.grads.x!, undefined, `${c.name} grad x`);
    const params = new Map(se.namedParameters());
    for (const [k, v] of Object.entries(keys)) assertClose(params.get(k)!.grad!, c.grads[v]!, undefined, `${c.name} grad ${k}`);
  }
});

gradcheckTest("gradcheck (float64): hardsigmoid, channel shuffle, stochastic depth with a fixed mask", () => {
  gradcheck((v) => F.hardsigmoid(v.mul(4)), [rand64([3, 5], 1)]);
  gradcheck((v) => F.channelShuffle(v, 3), [rand64([2, 6, 2, 3], 2)]);
  gradcheck((v) => F.stochasticDepth(v, 0.5, "row", true, new Generator(3)), [rand64([6, 2, 3], 3)]);
});

test("stochastic depth in training: whole rows (or the whole batch) kept with probability 1 − p, scaled by 1/(1 − p)", () => {
  const n = 4000, p = 0.3;
  const x = ones([n, 2, 3]);
  const y = F.stochasticDepth(x, p, "row", true, new Generator(5));
  let kept = 0;
  for (let r = 0; r < n; r++) {
    const row = Array.from(y.data.subarray(r * 6, r * 6 + 6));
    assert.ok(row.every((v) => v === row[0]) && (row[0] === 0 || Math.abs(row[0]! - 1 / (1 - p)) < 1e-6), `row ${r}: ${row.join(",")}`);
    if (row[0] !== 0) kept++;
  }
  assert.ok(Math.abs(kept / n - (1 - p)) < 0.03, `kept ${kept / n}`);
  const batch = F.stochasticDepth(ones([50, 3]), 0.5, "batch", true, new Generator(6));
  assert.ok(batch.data.every((v) => v === batch.data[0]), "batch mode: one draw for the whole batch");
  // same seed, same mask; evaluation returns the input itself
  assert.deepEqual(F.stochasticDepth(x, p, "row", true, new Generator(5)).data, y.data);
  assert.equal(F.stochasticDepth(x, p, "row", false), x);
});

test("bad arguments are ValueErrors or ShapeErrors naming the layer or function", () => {
  assert.throws(() => new nn.StochasticDepth(1.5, "row"), (e: unknown) => e instanceof ValueError && /StochasticDepth: drop probability has to be between 0 and 1/.test(e.message));
  assert.throws(() => new nn.StochasticDepth(0.1, "col" as "row"), (e: unknown) => e instanceof ValueError && /mode has to be either 'batch' or 'row'/.test(e.message));
  assert.throws(() => new nn.ChannelShuffle(0), (e: unknown) => e instanceof ValueError && /ChannelShuffle: groups must be an integer ≥ 1/.test(e.message));
  assert.throws(() => F.channelShuffle(randn([1, 5, 2, 2]), 2), (e: unknown) => e instanceof ShapeError && /channelShuffle: expects \[N,C,H,W\] with C divisible by groups = 2/.test(e.message));
});

test("printed forms follow PyTorch's repr", () => {
  assert.equal(new nn.Hardsigmoid().toString(), "Hardsigmoid()");
  assert.equal(new nn.SiLU({ inplace: true }).toString(), "SiLU(inplace=True)");
  assert.equal(new nn.StochasticDepth(0.2, "row").toString(), "StochasticDepth(p=0.2, mode=row)");
  assert.equal(new nn.ChannelShuffle(2).toString(), "ChannelShuffle(groups=2)");
  assert.equal(new nn.SqueezeExcitation(16, 8).toString(), [
    "SqueezeExcitation(", "  (avgpool): AdaptiveAvgPool2d(output_size=1)", "  (fc1): Conv2d(16, 8, kernel_size=(1, 1), stride=(1, 1))",
    "  (fc2): Conv2d(8, 16, kernel_size=(1, 1), stride=(1, 1))", "  (activation): ReLU()", "  (scale_activation): Sigmoid()", ")",
  ].join("\n"));
  assert.equal(new nn.Conv2dNormActivation(3, 8, 3, { stride: 2 }).toString(), [
    "Conv2dNormActivation(", "  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)",
    "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", "  (2): ReLU(inplace=True)", ")",
  ].join("\n"));
});

test("ONNX export: a block of these layers (evaluation mode) runs in onnxruntime-node with our outputs", async () => {
  const g = new Generator(9);
  const block = new nn.Sequential(
    new nn.Conv2dNormActivation(4, 8, 3, { activationLayer: () => new nn.SiLU({ inplace: true }), generator: g }),
    new nn.SqueezeExcitation(8, 4, { scaleActivation: () => new nn.Hardsigmoid(), generator: g }),
    new nn.ChannelShuffle(2), new nn.StochasticDepth(0.5, "row"), new nn.Hardsigmoid(),
  ).eval();
  const x = randn([2, 4, 7, 5], { generator: g });
  const ours = noGrad(() => block.call(x));
  const session = await ort.InferenceSession.create(io.exportOnnx(block, x));
  const r = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) });
  assertClose(new Tensor(r.output!.data as Float32Array, [...r.output!.dims]), ours, { rtol: 1e-5, atol: 1e-6 }, "onnxruntime");
});
