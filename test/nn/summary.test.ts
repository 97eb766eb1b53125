// Model summary: totals equal the standard counts on torchvision's models, receptive fields equal the published
// values, and the shape-only pass describes exactly what a real forward does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { models, nn } from "../../src/index.js";

const build = (name: string, opts: Record<string, unknown> = {}): models.ZooModel => nn.init.skipInit(() => models.create(name, opts));
const rfAt = (d: nn.SummaryData, name: string): nn.ReceptiveField => {
  const rows = d.layers.filter((l) => l.name === name);
  assert.ok(rows.length > 0, `no layer ${name}`);
  return rows.at(-1)!.receptiveField!;
};

test("MACs and parameters at 1×3×224×224 equal the standard counts (resnet18, vgg16, alexnet)", () => {
  const expect: Record<string, [number, number]> = {
    resnet18: [11_689_512, 1_814_073_344],
    vgg16: [138_357_544, 15_470_264_320],
    alexnet: [61_100_840, 714_188_480],
  };
  for (const [name, [params, macs]] of Object.entries(expect)) {
    const d = nn.summarize(build(name), [1, 3, 224, 224]);
    assert.equal(d.totals.params, params, `${name} params`);
    assert.equal(d.totals.macs, macs, `${name} MACs`);
    const json = JSON.parse(JSON.stringify(d)) as { totals: { params: number; macs: number } };
    assert.equal(json.totals.macs, macs);
    assert.ok(nn.formatSummary(d).includes(`Total MACs:          ${macs.toLocaleString("en-US")}`));
  }
});

test("receptive fields equal the published ones (Araujo et al., Distill 2019: AlexNet 195, VGG-16 212)", () => {
  assert.deepEqual(rfAt(nn.summarize(build("alexnet"), [1, 3, 224, 224]), "features.12"), { size: [195, 195], jump: [32, 32] });
  assert.deepEqual(rfAt(nn.summarize(build("vgg16"), [1, 3, 224, 224]), "features.30"), { size: [212, 212], jump: [32, 32] });
  // the last ReLU of layer4: the residual sums take the larger field of their two inputs (the main path). Distill's
  // 483 is ResNet-50 v1 (stride on the first 1×1 conv of a block); torchvision's v1.5 strides on the 3×3, so each
  // downsampling block adds (3−1)·j instead of (3−1)·2j: 7 → 11 → 35 → 91 → 267 → 427 (worked out by hand).
  assert.deepEqual(rfAt(nn.summarize(build("resnet50"), [1, 3, 224, 224]), "layer4.2.relu"), { size: [427, 427], jump: [32, 32] });
  assert.deepEqual(rfAt(nn.summarize(build("resnet18"), [1, 3, 224, 224]), "layer4.1.relu"), { size: [435, 435], jump: [32, 32] });
  // three stacked 3×3 convs see 7 pixels (VGG's argument); by hand, VGG-16's third block: 24, 32, 40, then pool 44
  const three = new nn.Sequential(new nn.Conv2d(1, 1, 3), new nn.Conv2d(1, 1, 3), new nn.Conv2d(1, 1, 3));
  assert.deepEqual(rfAt(nn.summarize(three, [1, 1, 9, 9]), "2"), { size: [7, 7], jump: [1, 1] });
  const vgg = nn.summarize(build("vgg16"), [1, 3, 224, 224]);
  assert.deepEqual(["features.10", "features.12", "features.14", "features.16"].map((n) => rfAt(vgg, n).size[0]), [24, 32, 40, 44]);
  // dilation widens the kernel to d(k−1)+1; stride multiplies the jump
  const dil = new nn.Sequential(new nn.Conv2d(1, 1, 3, { dilation: 2, stride: 2 }), new nn.Conv2d(1, 1, 3));
  assert.deepEqual(rfAt(nn.summarize(dil, [1, 1, 15, 15]), "1"), { size: [9, 9], jump: [2, 2] });
  // lenet5's C5 sees the whole 32×32 input
  assert.deepEqual(rfAt(nn.summarize(build("lenet5"), [1, 1, 32, 32]), "features.6"), { size: [32, 32], jump: [4, 4] });
  // U-Net: each up-convolution halves the jump back to 1 at the output
  assert.deepEqual(rfAt(nn.summarize(build("unet", { baseWidth: 4, depth: 2 }), [1, 1, 16, 16]), "head").jump, [1, 1]);
});

test("the shape-only pass lists the same layers, shapes, MACs and fields as a real forward", () => {
  for (const [name, shape, opts] of [
    ["resnet18", [1, 3, 64, 64], {}], ["googlenet", [1, 3, 64, 64], {}], ["densenet121", [1, 3, 32, 32], {}],
    ["unet", [1, 1, 16, 16], { baseWidth: 4, depth: 2, batchNorm: true }], ["lenet5", [2, 1, 32, 32], { variant: "classic" }],
  ] as const) {
    const m = models.create(name, opts);
    const fast = nn.summarize(m, shape), real = nn.summarize(m, shape, { shapeOnly: false });
    assert.equal(real.shapeOnly, false);
    assert.deepEqual(fast.layers, real.layers, name);
    assert.deepEqual(fast.totals, real.totals, name);
  }
});

test("summary rows: own parameters once per layer, activation bytes of the output, training mode restored", () => {
  const m = build("resnet18").train();
  const d = nn.summarize(m, [2, 3, 32, 32]);
  assert.equal(m.training, true);
  const relus = d.layers.filter((l) => l.name === "layer1.0.relu");
  assert.equal(relus.length, 2, "the block's ReLU is called twice");
  assert.equal(d.layers.reduce((n, l) => n + l.params, 0), d.totals.params);
  const conv1 = d.layers[0]!;
  assert.deepEqual(conv1, { name: "conv1", type: "Conv2d", outputShape: [2, 64, 16, 16], params: 9408, macs: 2 * 64 * 16 * 16 * 3 * 49, activationBytes: 2 * 64 * 16 * 16 * 4, receptiveField: { size: [7, 7], jump: [2, 2] } });
  assert.throws(() => nn.summarize(m, [1, 3, 0, 4]), /positive integers/);
});
