// Training steps with tensors in the wasm memory against the same kernels on plain arrays (copied in and out on every
// call, as before tensors lived there), alternating in one process since the machine is noisy: images/s, copies per
// step, and the ratio. node --import tsx bench/resident-step.ts [rounds]
import { F, manualSeed, models, optim, tensor, Tensor } from "../src/index.js";
import { initWasm, measureWasm, wasmStats } from "../src/backends/wasm/index.js";
import { allocateFloat32, withPlainArrays } from "../src/tensor/memory.js";
import type { Module } from "../src/nn/module.js";

await initWasm({ threads: 2 });
const rounds = Number(process.argv[2] ?? 7);

function trainer(name: "lenet5" | "resnet20", batch: number) {
  manualSeed(1);
  const net = models.create(name, { numClasses: 10 }) as unknown as Module<[Tensor], Tensor>;
  const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const c = name === "lenet5" ? 1 : 3;
  // the batch in the backend's memory where it has one, as a DataLoader's batch buffers are
  const x = new Tensor(allocateFloat32(batch * c * 32 * 32, true), [batch, c, 32, 32]);
  x.data.set(Float32Array.from({ length: x.size }, (_, i) => Math.sin(i * 0.37)));
  const y = tensor(Float32Array.from({ length: batch }, (_, i) => i % 10));
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(net.call(x), y);
    loss.backward();
    opt.step();
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
for (const [name, batch, steps] of [["lenet5", 64, 150], ["resnet20", 32, 8]] as const) {
  // each mode builds its model inside its own allocation regime
  const resident = trainer(name, batch);
  const plain = withPlainArrays(() => trainer(name, batch));
  const rate = { resident: [] as number[], plain: [] as number[] };
  const copies = { resident: 0, plain: 0 };
  for (let r = 0; r < rounds + 1; r++) {
    for (const mode of ["resident", "plain"] as const) {
      const run = () => {
        measureWasm(false);
        const t0 = performance.now();
        for (let i = 0; i < steps; i++) (mode === "resident" ? resident : plain)();
        const ms = performance.now() - t0;
        const st = wasmStats();
        copies[mode] = (st.copiesIn + st.copiesOut) / steps;
        return (steps * batch) / (ms / 1000);
      };
      const v = mode === "plain" ? withPlainArrays(run) : run();
      if (r > 0) rate[mode].push(v); // round 0 warms up
      await new Promise((res) => setImmediate(res));
    }
  }
  const a = median(rate.resident), b = median(rate.plain);
  console.log(`${name} b${batch}: resident ${a.toFixed(0)} img/s (${copies.resident} copies/step), plain arrays ${b.toFixed(0)} img/s (${copies.plain} copies/step), ×${(a / b).toFixed(2)}; rounds: resident ${rate.resident.map((v) => v.toFixed(0)).join(" ")} | plain ${rate.plain.map((v) => v.toFixed(0)).join(" ")}`);
}
