// The main job on built-in data: train LeNet-5 on the built-in MNIST digits (exactly `npx convkit train lenet5`),
// then draw its curves, its first-layer filters and a digit's feature maps, and classify the sample digits.
// Run: npm run demo   (a finished run in runs/lenet5-mnist is reused; pass --fresh to train again)
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { noGrad, F } from "../src/index.js";
import { runTraining, TRAIN_DEFAULTS } from "../src/train/node.js";
import { decodeCheckpoint } from "../src/train/checkpoint.js";
import { filterGrid, featureMaps } from "../src/viz/plots.js";
import { writePng } from "../src/viz/node.js";
import { Conv2d } from "../src/nn/conv.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { assetsDir, loadModelFile, readModelInput, setupBackend, teardownBackend } from "../src/cli/common.js";
import { logitsOf } from "../src/train/metrics.js";

const out = TRAIN_DEFAULTS.out;
const last = join(out, "last.safetensors");
const backend = await setupBackend("auto");
try {
  if (process.argv.includes("--fresh")) rmSync(out, { recursive: true, force: true });
  const finished = existsSync(last) && decodeCheckpoint(new Uint8Array(readFileSync(last))).meta.epoch >= TRAIN_DEFAULTS.epochs;
  if (finished) console.log(`reusing the finished run in ${out} (npm run demo -- --fresh trains again)`);
  else {
    console.log(`1. training LeNet-5 on the built-in MNIST digits with the defaults of \`npx convkit train lenet5\` (${backend} backend)`);
    const t0 = performance.now();
    const r = await runTraining({ ...TRAIN_DEFAULTS, model: "lenet5" }, { resume: existsSync(last) });
    console.log(`   held-out accuracy ${(100 * r.final.valAccuracy!).toFixed(2)}% in ${((performance.now() - t0) / 1000).toFixed(0)} s (training at ${r.imagesPerSecond.toFixed(0)} images/s)`);
  }
  console.log(`2. curves: ${join(out, "curves.png")} (loss and accuracy per epoch; the numbers in metrics.jsonl and metrics.csv)`);

  const m = loadModelFile(last);
  const conv1 = m.model.getSubmodule("features.0") as unknown as Conv2d;
  writePng(join(out, "filters.png"), filterGrid(conv1.weight, { title: "LeNet-5 C1: 6 learned 5x5 filters" }));
  console.log(`3. the first layer's 6 filters: ${join(out, "filters.png")}`);

  const seven = join(assetsDir(), "digits", "7.png");
  let maps: Tensor | null = null;
  const hook = m.model.getSubmodule("features.1").registerForwardHook((_m, _in, o) => {
    maps = o as Tensor;
    return undefined;
  });
  noGrad(() => m.model.call(readModelInput(m, seven)));
  hook.remove();
  writePng(join(out, "features.png"), featureMaps(maps!, { title: "C1 feature maps of a 7 (after ReLU)" }));
  console.log(`4. what those filters see in a 7: ${join(out, "features.png")}`);

  console.log("5. predictions for the sample digits in assets/digits:");
  for (let d = 0; d < 10; d++) {
    const x = readModelInput(m, join(assetsDir(), "digits", `${d}.png`));
    const p = noGrad(() => F.softmax(logitsOf(m.model.call(x)), 1));
    let best = 0;
    for (let i = 1; i < 10; i++) if (p.data[i]! > p.data[best]!) best = i;
    console.log(`   ${d}.png → ${best} (${(100 * p.data[best]!).toFixed(1)}%)`);
  }
  console.log(`next: npx convkit predict ${last} assets/digits/3.png --top 3`);
  console.log(`      npx convkit neighbors ${last} --query 0 -o neighbors.png`);
} finally {
  await teardownBackend();
}
