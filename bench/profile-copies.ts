// Time in strided copies (copyStrided: cat, channel shuffles, permutes; the wasm kernel and the reference's it hands
// cases to, counted once) per batch-1 inference of a zoo model or an ONNX file, on the wasm backend. Run it from two
// trees in turn for a before/after: `node --experimental-wasm-relaxed-simd --import tsx bench/profile-copies.ts
// <model | onnx:file> [threads=1] [runs=40]`.
import { readFileSync } from "node:fs";
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { jsBackend } from "../src/backends/js/index.js";
import * as ck from "../src/index.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

const [name = "shufflenet_v2_x1_0", threads = "1", runs = "40"] = process.argv.slice(2);
await initWasm({ threads: Number(threads), relaxed: true });
const net = (name.startsWith("onnx:") ? ck.io.loadOnnx(new Uint8Array(readFileSync(name.slice(5)))) : ck.models.create(name).eval()) as unknown as Module<[Tensor], Tensor>;
const x = ck.randn([1, 3, 224, 224]);
let ms = 0, depth = 0, calls = 0;
for (const kernels of [wasmBackend.kernels, jsBackend.kernels] as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>[]) {
  const f = kernels.copyStrided;
  if (!f) continue; // a tree whose wasm backend has no copyStrided: the reference's runs
  kernels.copyStrided = (...a: unknown[]) => {
    const t = performance.now();
    depth++;
    try { return f(...a); } finally { if (--depth === 0) { ms += performance.now() - t; calls++; } }
  };
}
const infer = (): void => void ck.noGrad(() => net.call(x)).data;
for (let i = 0; i < 5; i++) infer();
ms = 0; calls = 0;
const t = performance.now();
for (let i = 0; i < Number(runs); i++) infer();
console.log(`${name} t${threads}: ${((performance.now() - t) / Number(runs)).toFixed(2)} ms an inference, ${(ms / Number(runs)).toFixed(3)} ms in ${calls / Number(runs)} strided copies`);
