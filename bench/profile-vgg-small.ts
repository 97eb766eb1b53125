// Per-kernel time of a small VGG-BN training step (28×28 digits, batch 64) on the wasm backend.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-vgg-small.ts [threads] [steps] [js-bn]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import * as nn from "../src/nn/index.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep, profileSteps } from "./profile-step.js";

await initWasm({ threads: Number(process.argv[2] ?? 1) });
// A third argument "js-bn" drops the wasm batch-norm kernels (the reference ones run): the before/after comparison.
if (process.argv[4] === "js-bn") for (const k of ["channelMoments", "channelAffine"] as const) delete wasmBackend.kernels[k];
// Conv3×3 (no bias) + BatchNorm2d + ReLU blocks: [1→32, 32→32] pool [32→64, 64→64] pool [64→128] pool, then a linear head.
const block = (cin: number, cout: number) => [new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU()];
const net = new nn.Sequential(
  ...block(1, 32), ...block(32, 32), new nn.MaxPool2d(2),
  ...block(32, 64), ...block(64, 64), new nn.MaxPool2d(2),
  ...block(64, 128), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1152, 10),
) as unknown as Module<[Tensor], Tensor>;
profileSteps(makeTrainStep(net, [64, 1, 28, 28]), 64, 3, Number(process.argv[3] ?? 5));
