// The efficient CNNs of the zoo (MobileNetV2/V3, SqueezeNet 1.1, ShuffleNetV2, EfficientNet-B0, RegNetY-400MF): exported to ONNX in eval mode, they run in onnxruntime-node with
// convkit's own logits; a training step reaches every parameter. Keys, parameter counts and MACs are checked against
// torchvision in zoo.test.ts, logits in parity.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { Generator, Tensor, io, models, nn, noGrad, randn } from "../../src/index.js";

const EXPORTED = ["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0", "efficientnet_b0", "regnet_y_400mf"] as const;

for (const name of EXPORTED) {
  test(`${name}: the exported ONNX graph runs in onnxruntime-node with our logits (relative ≤ 1e-4)`, async () => {
    const model = models.create(name, { numClasses: 10, generator: new Generator(1) }).eval();
    const x = randn([1, 3, 64, 64], { generator: new Generator(2) });
    const ours = noGrad(() => model.call(x));
    const session = await ort.InferenceSession.create(io.exportOnnx(model, x));
    const r = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) });
    const got = r.output!;
    assert.deepEqual([...got.dims], [1, 10]);
    let scale = 0, worst = 0;
    for (const v of ours.data) scale = Math.max(scale, Math.abs(v));
    (got.data as Float32Array).forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.data[i]!))));
    assert.ok(scale > 0 && worst <= 1e-4 * scale, `${name}: onnxruntime differs by ${worst} (scale ${scale})`);
  });
}

test("mobilenet_v3_small: a training step reaches every parameter and updates batch-norm statistics", () => {
  const m = models.mobilenet_v3_small({ numClasses: 3, generator: new Generator(7) }).train();
  const y = m.call(randn([2, 3, 32, 32], { generator: new Generator(8) }));
  assert.ok(y instanceof Tensor);
  y.square().sum().backward();
  // every parameter gets a gradient; a BN shift followed by conv and BN in training mode (the blocks without a shortcut)
  // is normalised away, so only the weights must be non-zero
  for (const [k, p] of m.namedParameters()) {
    assert.ok(p.grad, `${k} got no gradient`);
    if (k.endsWith("weight")) assert.ok(p.grad.data.some((v) => v !== 0), `${k}: gradient is all zero`);
  }
  for (const [k, b] of m.namedBuffers()) if (k.endsWith("num_batches_tracked")) assert.equal(b.item(), 1, k);
});

test("mobilenets: widthMult scales the channels as torchvision (multiples of 8), bad options are ValueErrors", () => {
  assert.equal(models.makeDivisible(32 * 0.5), 16);
  assert.equal(models.makeDivisible(1280 * 0.35), 448);
  assert.equal(models.makeDivisible(3), 8);
  const half = models.mobilenet_v2({ widthMult: 0.5 });
  assert.deepEqual([...half.features.stateDict().get("0.0.weight")!.shape], [16, 3, 3, 3]);
  assert.equal(half.lastChannel, 1280);
  assert.throws(() => models.mobilenet_v2({ widthMult: 0 }), /mobilenet_v2: widthMult must be a positive number/);
  assert.throws(() => models.mobilenet_v3_large({ dropout: 2 }), /mobilenet_v3_large: dropout must be a probability/);
});

test("efficientnet_b0: stochastic depth rises linearly to 0.2·15/16 over the 16 blocks and is active in training only", () => {
  const m = models.efficientnet_b0({ numClasses: 4, generator: new Generator(3) });
  const depth = [...m.modules()].filter((x): x is nn.StochasticDepth => x instanceof nn.StochasticDepth);
  assert.deepEqual(depth.map((d) => d.p), Array.from({ length: 16 }, (_, i) => (0.2 * i) / 16));
  for (const d of depth) d.generator = new Generator(11);
  const x = randn([4, 3, 32, 32], { generator: new Generator(4) });
  m.eval();
  const a = noGrad(() => m.call(x)), b = noGrad(() => m.call(x));
  assert.deepEqual(a.data, b.data, "evaluation is deterministic");
  // with every block's drop probability at 1 (p is read-only API; set here for the test), training drops the branch of
  // every shortcut block: its weights get no gradient, while a block without shortcut keeps its own
  for (const d of depth) Object.assign(d, { p: 1 });
  m.train();
  m.call(x).sum().backward();
  const grad = (k: string): number[] => Array.from(new Map(m.namedParameters()).get(k)!.grad!.data, Number);
  assert.ok(grad("features.2.1.block.0.0.weight").every((v) => v === 0), "a dropped block gets no gradient");
  assert.ok(grad("features.2.0.block.0.0.weight").some((v) => v !== 0), "a block without shortcut keeps its gradient");
});
