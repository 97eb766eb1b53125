// Peak memory of ResNet-18 batch-1 inference (eval, noGrad) on the wasm backend against the bound:
// 1.5 × (weights + largest live activations). `node --expose-gc --import tsx bench/memory-resnet.ts [threads]`.
import { initWasm, wasmInfo } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { randn } from "../src/tensor/creation.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

const MiB = 2 ** 20;
await initWasm({ threads: Number(process.argv[2] ?? 2) });
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
gc();
const before = process.memoryUsage();
const net = models.resnet18() as unknown as Module<[Tensor], Tensor>;
net.eval();
let weights = 0;
for (const p of net.parameters()) weights += p.data.byteLength;
for (const b of (net as unknown as { buffers(): Iterable<Tensor> }).buffers?.() ?? []) weights += b.data.byteLength;
const x = randn([1, 3, 224, 224]);
gc();
const built = process.memoryUsage();
// Largest live activations: a layer's input and output together (the stem conv's 64×112² output and its input).
const largest = (3 * 224 * 224 + 64 * 112 * 112) * 4;
let peakRss = 0;
const sample = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };
const timer = setInterval(sample, 1);
for (let i = 0; i < 3; i++) { noGrad(() => net.call(x)); sample(); }
clearInterval(timer);
const after = process.memoryUsage();
const wasmBytes = after.arrayBuffers;
const bound = weights + largest;
console.log(`weights ${(weights / MiB).toFixed(1)} MiB + largest activations ${(largest / MiB).toFixed(1)} MiB = ${(bound / MiB).toFixed(1)} MiB`);
console.log(`RSS growth (peak sampled after each forward) ${((peakRss - before.rss) / MiB).toFixed(1)} MiB = ${((peakRss - before.rss) / bound).toFixed(2)}×; at the end ${((after.rss - before.rss) / MiB).toFixed(1)} MiB`);
console.log(`array buffers as Node counts them (not the wasm memory) growth ${((wasmBytes - before.arrayBuffers) / MiB).toFixed(1)} MiB; wasm memory ${(wasmInfo().memoryBytes / MiB).toFixed(1)} MiB`);
console.log(`heapTotal ${((after.heapTotal - before.heapTotal) / MiB).toFixed(1)} MiB, heapUsed ${((after.heapUsed - before.heapUsed) / MiB).toFixed(1)} MiB, external ${((after.external - before.external) / MiB).toFixed(1)} MiB`);
console.log(`after building the model: RSS +${((built.rss - before.rss) / MiB).toFixed(1)} MiB, array buffers +${((built.arrayBuffers - before.arrayBuffers) / MiB).toFixed(1)} MiB`);
gc();
console.log(`after gc at the end: RSS +${((process.memoryUsage().rss - before.rss) / MiB).toFixed(1)} MiB`);
