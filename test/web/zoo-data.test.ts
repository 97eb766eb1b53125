// The data the playground ships, in Node: web/zoo-data.ts (nn.summarize of the architectures, made by
// web/tools/make-zoo-data.ts) against the library today, with the published parameter counts; what the diagram and the
// complexity chart make of it; and the digit files of web/tools/make-mnist.ts, read back with convkit's parseIdx.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data } from "../../src/index.js";
import { loadBuiltinMnist } from "../../src/node.js";
import { ZOO_DATA } from "../../web/zoo-data.js";
import { ZOO_MODELS } from "../../web/zoo-protocol.js";
import { zooSummary } from "../../web/zoo-summary.js";
import { MNIST_FILES, writeMnistIdx } from "../../web/tools/make-mnist.js";

/** torchvision's parameter counts (and U-Net's, from src/models/unet.ts). */
const PUBLISHED: Record<string, number> = {
  lenet5: 61_706, alexnet: 61_100_840, vgg16: 138_357_544, vgg19: 143_667_240, googlenet: 6_624_904,
  resnet18: 11_689_512, resnet50: 25_557_032, resnet152: 60_192_808, densenet121: 7_978_856, unet: 31_030_658,
};

function shipped(name: string) {
  const s = ZOO_DATA.find((z) => z.name === name);
  assert.ok(s, `web/zoo-data.ts has no ${name}: run node --import tsx web/tools/make-zoo-data.ts`);
  return s;
}

test("web/zoo-data.ts holds every architecture with its published parameter count", () => {
  assert.deepEqual(ZOO_DATA.map((z) => z.name), [...ZOO_MODELS]);
  for (const name of ZOO_MODELS) {
    const s = shipped(name);
    assert.equal(s.params, PUBLISHED[name], `${name} parameters`);
    assert.equal(s.layers.reduce((a, l) => a + l[3], 0), s.params, `${name}: its layers' parameters add up to the total`);
    assert.equal(s.layers.reduce((a, l) => a + l[4], 0), s.macs, `${name}: its layers' MACs add up to the total`);
  }
});

test("web/zoo-data.ts equals nn.summarize today (the cheap models; regenerate with web/tools/make-zoo-data.ts)", () => {
  for (const name of ["lenet5", "resnet18", "densenet121"]) {
    assert.deepEqual(shipped(name), zooSummary(name), `${name}: the shipped summary is stale`);
  }
});

test("the diagram's rows and the chart's split: VGG-16 halves its maps and doubles its channels, its FC layers hold 89 % of it", async () => {
  // arch-section.ts touches the DOM only when constructed; its pure helpers import fine in Node
  const { costSplit, diagramRows } = await import("../../web/arch-section.js");
  const vgg = shipped("vgg16");
  const rows = diagramRows(vgg);
  const spatial = rows.filter((r) => r.shape.length === 3).map((r) => `${r.shape[0]}@${r.shape[1]}`);
  // a 2×2 pooling halves the maps, the next convolutions double the channels (the pooling merges into the row of
  // the convolutions after it when they keep its shape)
  assert.deepEqual(spatial, ["64@224", "64@112", "128@112", "128@56", "256@56", "256@28", "512@28", "512@14", "512@7"]);
  assert.equal(rows.reduce((a, r) => a + r.params, 0), vgg.params, "every parameter lands in one row");
  assert.equal(rows.reduce((a, r) => a + r.macs, 0), vgg.macs, "every MAC lands in one row");
  const split = costSplit(vgg);
  assert.equal(split.params[1], 102_764_544 + 16_781_312 + 4_097_000, "VGG-16's three Linear layers");
  assert.ok(split.params[1] / vgg.params > 0.89);
  // ResNet-18: 4 stages of 2 blocks each, merged into one row per stage
  const res = diagramRows(shipped("resnet18")).map((r) => r.types.join("+"));
  assert.ok(res.includes("BasicBlock+BasicBlock"), `rows: ${res.join(" | ")}`);
  // U-Net calls its pooling four times: each call is a row, its (zero) parameters counted once
  const unet = shipped("unet");
  assert.equal(diagramRows(unet).reduce((a, r) => a + r.params, 0), unet.params);
});

test("web/tools/make-mnist.ts writes the built-in split as gzipped IDX files that parseIdx reads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-mnist-"));
  try {
    writeMnistIdx(dir);
    const { train, test: held } = loadBuiltinMnist();
    for (const [split, ds] of [["train", train], ["test", held]] as const) {
      const images = data.parseIdx(new Uint8Array(readFileSync(join(dir, MNIST_FILES[split].images))));
      const labels = data.parseIdx(new Uint8Array(readFileSync(join(dir, MNIST_FILES[split].labels))));
      assert.deepEqual(images.dims, [ds.length, 28, 28]);
      assert.deepEqual(labels.dims, [ds.length]);
      assert.ok(Buffer.compare(images.data, ds.pixels as Uint8Array) === 0, `${split} pixels`);
      assert.deepEqual([...labels.data], [...ds.labels], `${split} labels`);
    }
    assert.deepEqual([train.length, held.length], [8004, 1996]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
