// A MobileNetV2 training step (SGD, batch 32, 96², 1000 classes: the bench's row) on the wasm backend, per kernel and
// per kind of convolution (1×1, depthwise, full) and pass, in the steady state (3 steps first, not counted). Run two
// trees in turn for a before/after: `node --experimental-wasm-relaxed-simd --import tsx bench/profile-mobile-step.ts
// [steps=6] [threads=2]` from each tree's root.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import { makeTrainStep, profileSteps } from "./profile-step.js";
import type { ConvGeometry } from "../src/backends/backend.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

const steps = Number(process.argv[2] ?? 6);
await initWasm({ threads: Number(process.argv[3] ?? 2), relaxed: true });
const byKind = new Map<string, number>();
const kernels = wasmBackend.kernels as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of ["conv2d", "conv2dBackwardInput", "conv2dBackwardWeight"]) {
  const f = kernels[name]!;
  kernels[name] = (...a: unknown[]) => {
    const t = performance.now();
    try { return f(...a); } finally {
      const g = a[name === "conv2d" ? 3 : 2] as ConvGeometry;
      const kind = g.groups > 1 && g.groups === g.cIn ? "depthwise" : g.kh === 1 && g.kw === 1 ? "1×1" : "full";
      const key = `${name} ${kind}`;
      byKind.set(key, (byKind.get(key) ?? 0) + performance.now() - t);
    }
  };
}
const step = makeTrainStep(models.mobilenet_v2() as unknown as Module<[Tensor], Tensor>, [32, 3, 96, 96], 1000);
for (let i = 0; i < 3; i++) step(1000 + i);
byKind.clear();
profileSteps(step, 32, 0, steps);
console.log("--- convolutions by kind (ms a step)");
for (const [k, v] of [...byKind.entries()].sort((a, b) => b[1] - a[1])) console.log(`${k.padEnd(36)} ${(v / steps).toFixed(1)} ms`);
