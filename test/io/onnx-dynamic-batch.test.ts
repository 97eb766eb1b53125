// ONNX export with a dynamic batch dimension (issue 16): one file, traced at one batch size, runs in onnxruntime-node
// at batches 1, 3 and 8 with convkit's own outputs at each; without the option every dim stays as traced.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { Tensor, manualSeed, models, nn, noGrad, randn } from "../../src/index.js";
import { exportOnnx } from "../../src/io/onnx-export.js";
import { decodeModel } from "../../src/io/onnx-proto.js";
import { loadOnnx } from "../../src/io/onnx-import.js";

const ZOO: [string, number[], Record<string, unknown>][] = [
  ["lenet5", [1, 32, 32], {}], ["resnet18", [3, 32, 32], { numClasses: 10 }], ["googlenet", [3, 64, 64], { numClasses: 10 }],
  ["unet", [1, 32, 32], { baseWidth: 8 }],
];

for (const [name, chw, opts] of ZOO) {
  test(`export dynamicBatch: ${name} traced at batch 2 runs in onnxruntime at batches 1, 3 and 8`, async () => {
    manualSeed(3);
    const m = models.create(name, opts) as nn.Module<[Tensor], Tensor>;
    m.eval();
    const bytes = exportOnnx(m, randn([2, ...chw]), { dynamicBatch: true });
    const g = decodeModel(bytes).graph!;
    for (const io of [...g.input!, ...g.output!]) assert.equal(io.type!.tensorType!.shape!.dim![0]!.dimParam, "batch", `${io.name} dim 0`);
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const back = loadOnnx(bytes);
    for (const n of [1, 3, 8]) {
      const x = randn([n, ...chw]);
      const ours = noGrad(() => m.call(x));
      const r = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) });
      assert.deepEqual([...r.output!.dims], [...ours.shape], `batch ${n}: shape`);
      let scale = 0, worst = 0;
      for (const v of ours.data) scale = Math.max(scale, Math.abs(v));
      (r.output!.data as Float32Array).forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.data[i]!))));
      assert.ok(worst <= 1e-4 * scale, `batch ${n}: onnxruntime differs by ${worst} (scale ${scale})`);
      assert.deepEqual([...noGrad(() => back.call(x)).shape], [...ours.shape], `batch ${n}: convkit's importer`);
    }
  });
}

test("export without dynamicBatch keeps the traced batch", () => {
  const bytes = exportOnnx(models.create("lenet5"), randn([2, 1, 32, 32]));
  const dim = decodeModel(bytes).graph!.input![0]!.type!.tensorType!.shape!.dim!;
  assert.equal(Number(dim[0]!.dimValue), 2);
});
