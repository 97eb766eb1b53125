// Shared by the profile scripts and the benchmark: an SGD training step on random batches, and a per-kernel timer that
// wraps every kernel of the wasm and reference backends. A wasm kernel that hands a case to the reference one
// (e.g. unary 'neg') is counted under both names.
import { jsBackend } from "../src/backends/js/index.js";
import { wasmBackend } from "../src/backends/wasm/index.js";
import { randn, randint } from "../src/tensor/creation.js";
import * as F from "../src/ops/functional.js";
import { SGD } from "../src/optim/index.js";
import type { Module } from "../src/nn/module.js";
import { Tensor as TensorClass, type Tensor } from "../src/tensor/tensor.js";
import { allocateFloat32 } from "../src/tensor/memory.js";

/** A training step (SGD lr 0.01 momentum 0.9, cross-entropy) cycling over 4 random batches of `inputShape`. */
export function makeTrainStep(net: Module<[Tensor], Tensor>, inputShape: readonly number[], classes = 10): (i: number) => void {
  const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  // the images in the backend's memory where it has one, as a DataLoader's batch buffers are (PyTorch's are in its own)
  const onBackend = (t: Tensor): Tensor => {
    const a = allocateFloat32(t.size, true);
    a.set(t.data);
    return new TensorClass(a, t.shape);
  };
  const batches = Array.from({ length: 4 }, () => [onBackend(randn(inputShape)), randint(0, classes, [inputShape[0]!])] as const);
  return (i) => {
    const [xb, yb] = batches[i % batches.length]!;
    opt.zeroGrad();
    F.crossEntropy(net.call(xb), yb).backward();
    opt.step();
  };
}

/** Time `steps` calls of `step` after `warmup`, with every kernel timed; prints one row per kernel and the totals. */
export function profileSteps(step: (i: number) => void, batch: number, warmup: number, steps: number): void {
  const acc = new Map<string, number>();
  const wrap = (kernels: Record<string, unknown>, tag: string): void => {
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
  };
  wrap(wasmBackend.kernels as Record<string, unknown>, "wasm");
  wrap(jsBackend.kernels as Record<string, unknown>, "js");
  for (let i = 0; i < warmup; i++) step(i);
  acc.clear();
  const t = performance.now();
  for (let i = 0; i < steps; i++) step(i);
  const total = (performance.now() - t) / steps;
  let inKernels = 0;
  for (const [k, v] of [...acc.entries()].sort((a, b) => b[1] - a[1])) {
    inKernels += v / steps;
    console.log(`${k.padEnd(36)} ${(v / steps).toFixed(3)} ms`);
  }
  console.log(`step ${total.toFixed(2)} ms (${((batch * 1000) / total).toFixed(0)} img/s); kernels ${inKernels.toFixed(2)} ms; other ${(total - inKernels).toFixed(2)} ms`);
}
