// Per-kernel and per-conv-shape time of a zoo model's (default ResNet-18) batch-1 inference (eval, noGrad) on the wasm backend.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-resnet.ts [threads] [runs] [relaxed|plain] [model]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { randn } from "../src/tensor/creation.js";
import type { ConvGeometry } from "../src/backends/backend.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

await initWasm({ threads: Number(process.argv[2] ?? 2), relaxed: process.argv[4] !== "plain" });
const runs = Number(process.argv[3] ?? 10);
const name = process.argv[5] ?? "resnet18";
const net = models.create(name) as unknown as Module<[Tensor], Tensor>;
net.eval();
const x = randn([1, 3, 224, 224]);

const byKernel = new Map<string, number>();
const byConv = new Map<string, { ms: number; flops: number }>();
const kernels = wasmBackend.kernels as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const [name, f] of Object.entries(kernels)) {
  if (typeof f !== "function") continue;
  kernels[name] = (...a: unknown[]) => {
    const t = performance.now();
    try { return f(...a); } finally {
      const ms = performance.now() - t;
      const key = name === "unary" || name === "binary" || name === "reduce" || name === "pool2d" ? `${name}.${String(a[0])}` : name;
      byKernel.set(key, (byKernel.get(key) ?? 0) + ms);
      if (name === "conv2d") {
        const g = a[3] as ConvGeometry;
        const k = `${g.cIn}→${g.cOut} ${g.h}² k${g.kh} s${g.strideH}`;
        const flops = 2 * g.n * g.cOut * g.outH * g.outW * (g.cIn / g.groups) * g.kh * g.kw;
        const e = byConv.get(k) ?? { ms: 0, flops: 0 };
        byConv.set(k, { ms: e.ms + ms, flops: e.flops + flops });
      }
    }
  };
}
const infer = (): void => { noGrad(() => net.call(x)); };
for (let i = 0; i < 3; i++) infer();
byKernel.clear(); byConv.clear();
const times: number[] = [];
for (let i = 0; i < runs; i++) { const t = performance.now(); infer(); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
let inKernels = 0;
for (const [k, v] of [...byKernel.entries()].sort((a, b) => b[1] - a[1])) { inKernels += v / runs; console.log(`${k.padEnd(28)} ${(v / runs).toFixed(2)} ms`); }
console.log("--- conv2d by shape (ms per inference, GFLOP/s)");
for (const [k, v] of [...byConv.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${k.padEnd(28)} ${(v.ms / runs).toFixed(2)} ms  ${(v.flops / v.ms / 1e6).toFixed(1)} GFLOP/s`);
}
console.log(`median ${times[times.length >> 1]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms; kernels ${inKernels.toFixed(1)} ms (mean)`);
