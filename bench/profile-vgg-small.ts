// Per-kernel time of a small VGG-BN training step (28×28 digits, batch 64) on the wasm backend: wraps every kernel of the wasm and
// reference backends with a timer. `node --experimental-wasm-relaxed-simd --import tsx bench/profile-vgg-small.ts [threads] [steps] [js-bn]`.
// A wasm kernel that hands a case to the reference one (e.g. unary 'neg') is counted under both names.
import { jsBackend } from "../src/backends/js/index.js";
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { randn, randint } from "../src/tensor/creation.js";
import * as F from "../src/ops/functional.js";
import * as nn from "../src/nn/index.js";
import { SGD } from "../src/optim/index.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";

const threads = Number(process.argv[2] ?? 1);
await initWasm({ threads });
const acc = new Map<string, number>();
function wrap(kernels: Record<string, unknown>, tag: string): void {
  for (const [name, f] of Object.entries(kernels)) {
    if (typeof f !== "function") continue;
    kernels[name] = (...a: unknown[]) => {
      const t = performance.now();
      try { return (f as (...x: unknown[]) => unknown)(...a); } finally {
        const key = `${tag}:${name}${name === "unary" || name === "binary" || name === "reduce" || name === "pool2d" ? "." + String(a[0]) : ""}`;
        acc.set(key, (acc.get(key) ?? 0) + performance.now() - t);
      }
    };
  }
}
// A third argument "js-bn" drops the wasm batch-norm kernels (the reference ones run): the before/after comparison.
if (process.argv[4] === "js-bn") for (const k of ["channelMoments", "channelAffine"] as const) delete wasmBackend.kernels[k];
wrap(wasmBackend.kernels as Record<string, unknown>, "wasm");
wrap(jsBackend.kernels as Record<string, unknown>, "js");
// Conv3×3 (no bias) + BatchNorm2d + ReLU blocks: [1→32, 32→32] pool [32→64, 64→64] pool [64→128] pool, then a linear head.
const block = (cin: number, cout: number) => [new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU()];
const net = new nn.Sequential(
  ...block(1, 32), ...block(32, 32), new nn.MaxPool2d(2),
  ...block(32, 64), ...block(64, 64), new nn.MaxPool2d(2),
  ...block(64, 128), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1152, 10),
) as unknown as Module<[Tensor], Tensor>;
const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
const batches = Array.from({ length: 4 }, () => [randn([64, 1, 28, 28]), randint(0, 10, [64])] as const);
const step = (i: number) => {
  const [xb, yb] = batches[i % batches.length]!;
  opt.zeroGrad();
  const loss = F.crossEntropy(net.call(xb), yb);
  loss.backward();
  opt.step();
};
for (let i = 0; i < 3; i++) step(i);
acc.clear();
const steps = Number(process.argv[3] ?? 5);
const t = performance.now();
for (let i = 0; i < steps; i++) step(i);
const total = (performance.now() - t) / steps;
let inKernels = 0;
const rows = [...acc.entries()].sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows) { inKernels += v / steps; console.log(`${k.padEnd(36)} ${(v / steps).toFixed(3)} ms`); }
console.log(`step ${total.toFixed(2)} ms (${(64000 / total).toFixed(0)} img/s); kernels ${inKernels.toFixed(2)} ms; other ${(total - inKernels).toFixed(2)} ms`);
