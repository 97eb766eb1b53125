// LeNet-5 training steps with the kernels on 1 thread and on 2, alternating in one process that has both threads (so
// the machine's drift hits both alike): step time, time inside kernels, and per-call medians of the conv kernels.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-threads-lenet.ts [blocks] [steps per block]`.
import { WasmRuntime } from "../src/backends/wasm/runtime.js";
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import type { ConvGeometry } from "../src/backends/backend.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep } from "./profile-step.js";

const blocks = Number(process.argv[2] ?? 12), steps = Number(process.argv[3] ?? 20);
let oneThread = false;
const run = WasmRuntime.prototype.run;
WasmRuntime.prototype.run = function (task, args, nth) { run.call(this, task, args, oneThread ? 1 : nth); };
await initWasm({ threads: 2 });

type Mode = "1 thread" | "2 threads";
let mode: Mode = "1 thread", inKernels = 0;
const calls = new Map<string, number[]>();
const kernels = wasmBackend.kernels as Record<string, unknown>;
for (const [name, f] of Object.entries(kernels)) {
  if (typeof f !== "function") continue;
  kernels[name] = (...a: unknown[]) => {
    const t = performance.now();
    try { return (f as (...x: unknown[]) => unknown)(...a); } finally {
      const ms = performance.now() - t;
      inKernels += ms;
      const g = a.find((v) => typeof v === "object" && v !== null && "cIn" in v) as ConvGeometry | undefined;
      if (g && name.startsWith("conv2d")) {
        const key = `${mode}: ${name} ${g.cIn}→${g.cOut} ${g.h}²`;
        calls.set(key, [...(calls.get(key) ?? []), ms]);
      }
    }
  };
}
const step = makeTrainStep(models.lenet5() as unknown as Module<[Tensor], Tensor>, [64, 1, 32, 32]);
for (let i = 0; i < 20; i++) step(i);
calls.clear();
const stepMs: Record<Mode, number[]> = { "1 thread": [], "2 threads": [] }, kernelMs: Record<Mode, number[]> = { "1 thread": [], "2 threads": [] };
for (let b = 0; b < blocks; b++) for (const m of ["1 thread", "2 threads"] as const) {
  mode = m; oneThread = m === "1 thread"; inKernels = 0;
  const t = performance.now();
  for (let i = 0; i < steps; i++) step(i);
  stepMs[m].push((performance.now() - t) / steps);
  kernelMs[m].push(inKernels / steps);
}
const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1]!;
for (const m of ["1 thread", "2 threads"] as const)
  console.log(`${m}: step median ${median(stepMs[m]).toFixed(2)} ms (best block ${Math.min(...stepMs[m]).toFixed(2)}), in kernels ${median(kernelMs[m]).toFixed(2)} ms`);
for (const [k, v] of [...calls].sort()) console.log(`${k.padEnd(48)} per-call median ${median(v).toFixed(3)} ms`);
