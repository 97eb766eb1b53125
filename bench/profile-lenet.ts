// Per-kernel time of a LeNet-5 training step (batch 64) on the wasm backend.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-lenet.ts [threads] [steps]` (add --cpu-prof before
// --import, with a few hundred steps, for a CPU profile of the steady state).
import { initWasm } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep, profileSteps } from "./profile-step.js";

await initWasm({ threads: Number(process.argv[2] ?? 1) });
const net = models.lenet5() as unknown as Module<[Tensor], Tensor>;
profileSteps(makeTrainStep(net, [64, 1, 32, 32]), 64, 10, Number(process.argv[3] ?? 40));
