import { initWasm } from "../src/backends/wasm/index.js";
import * as models from "../src/models/index.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep } from "./profile-step.js";
await initWasm({ threads: 2 });
const step = makeTrainStep(models.lenet5() as unknown as Module<[Tensor], Tensor>, [64, 1, 32, 32]);
for (let i = 0; i < 20; i++) step(i);
const t = performance.now(); for (let i = 0; i < 150; i++) step(i); console.log(((performance.now() - t) / 150).toFixed(2), "ms/step");
