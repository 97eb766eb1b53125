// Exports zoo models (all by default, or those named on the command line) at small input sizes, runs each file in
// onnxruntime-node and prints the largest difference from convkit's own logits, relative to their largest magnitude.
// Usage: node --import tsx scripts/io/export-zoo-check.ts [resnet34 vgg16 …]
import * as ort from "onnxruntime-node";
import { models, randn, manualSeed, noGrad, type Tensor } from "../../src/index.js";
import { exportOnnx } from "../../src/io/onnx-export.js";

const SMALL: Record<string, number[]> = { lenet5: [1, 1, 32, 32], unet: [1, 1, 32, 32], vgg6_bn: [1, 1, 28, 28], googlenet: [1, 3, 64, 64], alexnet: [1, 3, 64, 64] };

async function check(name: string): Promise<string> {
  manualSeed(0);
  const shape = SMALL[name] ?? [1, 3, 32, 32];
  const m = models.create(name, name === "lenet5" || name === "unet" ? {} : { numClasses: 10 });
  m.eval();
  const x = randn(shape);
  const ours = noGrad(() => m.call(x)) as Tensor;
  const t0 = Date.now();
  const bytes = exportOnnx(m as never, x);
  const session = await ort.InferenceSession.create(bytes);
  const out = (await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), shape) })).output!.data as Float32Array;
  let scale = 0, worst = 0;
  for (const v of ours.data) scale = Math.max(scale, Math.abs(v));
  out.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.data[i]!))));
  return `${name.padEnd(12)} input ${shape.join("×")}  ${(bytes.length / 2 ** 20).toFixed(1)} MB  max |ort − convkit| / max|logit| = ${(worst / scale).toExponential(2)}  (${Date.now() - t0} ms)`;
}

for (const name of process.argv.length > 2 ? process.argv.slice(2) : models.names()) {
  try {
    console.log(await check(name));
  } catch (e) {
    console.log(`${name.padEnd(12)} FAILED: ${(e as Error).message}`);
  }
}
