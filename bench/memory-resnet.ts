// Peak memory of ResNet-18 batch-1 inference (eval, noGrad) on the wasm backend against the issue's bound:
// 1.5 × (weights + largest live activations). Eager: the zoo model called directly (its blocks free their intermediates
// as they return: src/nn/inference-scope.ts). Graph: the same model exported to ONNX and run by OnnxModel, which drops each value after its
// last reader and reuses its buffer. Peak RSS is the kernel's high-water mark (VmHWM, reset through clear_refs after
// the model is built), so the figure is the inference's own growth, with no sampling gaps; Linux only. Run it with
// MALLOC_MMAP_THRESHOLD_=65536 (as `npm run bench` does): otherwise glibc serves large buffers from memory freed while
// the model was built, which is already counted in the baseline, and the growth reads low.
// `MALLOC_MMAP_THRESHOLD_=65536 node --expose-gc --import tsx bench/memory-resnet.ts [threads] [eager|graph]`.
import { readFileSync, writeFileSync } from "node:fs";
import { initWasm, wasmInfo } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { randn } from "../src/tensor/creation.js";
import { exportOnnx } from "../src/io/onnx-export.js";
import { loadOnnx } from "../src/io/onnx-import.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

const MiB = 2 ** 20;
const mib = (b: number) => (b / MiB).toFixed(1);
const mode = process.argv[3] ?? "eager";
await initWasm({ threads: Number(process.argv[2] ?? 2) });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
/** Collects until the array buffers settle (their backing stores are freed after the collection that finds them). */
const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); } };
const vmHwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;

let net = models.resnet18() as unknown as Module<[Tensor], Tensor>;
net.eval();
let weights = 0;
for (const [, t] of net.stateDict()) weights += t.data.byteLength;
const x = randn([1, 3, 224, 224]);
if (mode === "graph") {
  const file = "/tmp/convkit-resnet18.onnx";
  writeFileSync(file, exportOnnx(net, x));
  net = loadOnnx(new Uint8Array(readFileSync(file))) as unknown as Module<[Tensor], Tensor>;
}
await settle();
const built = process.memoryUsage().rss;
writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
// Largest live activations: a layer's input and output together (the stem conv's 64×112² output and its input).
const largest = (3 * 224 * 224 + 64 * 112 * 112) * 4;
const runs = 10;
for (let i = 0; i < runs; i++) noGrad(() => net.call(x));
const growth = vmHwm() - built;
const bound = weights + largest;
console.log(`${mode}: weights ${mib(weights)} MiB + largest activations ${mib(largest)} MiB = ${mib(bound)} MiB`);
console.log(`peak RSS over ${runs} forwards: weights + ${mib(growth)} MiB = ${((weights + growth) / bound).toFixed(2)}× the bound's base (target ≤ 1.5×)`);
console.log(`wasm memory ${mib(wasmInfo().memoryBytes)} MiB${mode === "graph" ? `; buffers held for reuse ${mib((net as unknown as { pooledBytes: number }).pooledBytes)} MiB` : ""}`);
