// The optimizers on a device, here the 'sim' stand-in (test/helpers/sim-device.ts: values read only asynchronously,
// as a GPU's; the WGSL kernels themselves: test/web). RMSprop steps through its kernel (rmspropStep) with its state on
// the device, equal to the CPU's steps in every variant; an optimizer's state comes to the host with stateDictAsync
// (stateDict refuses in one line naming it), and a snapshot loaded on the device moves there at the next step and
// continues exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, ValueError, optim, tensor, type Tensor } from "../../src/index.js";
import { isDeviceArray } from "../../src/tensor/memory.js";
import { onSim, useSimDevice } from "../helpers/sim-device.js";

useSimDevice();

/** Two parameters (one of odd size) and, for each step, fixed gradients: the same values on every backend. */
function problem(steps: number): { params: () => Tensor[]; grads: Float32Array[][] } {
  const gen = new Generator(11);
  const sizes = [7, 12];
  const init = sizes.map((n) => Float32Array.from({ length: n }, () => gen.normal()));
  const grads = Array.from({ length: steps }, () => sizes.map((n) => Float32Array.from({ length: n }, () => gen.normal() * 0.5)));
  return { params: () => init.map((v) => tensor(v.slice(), [v.length], { requiresGrad: true })), grads };
}

/** Steps `from`…`to` − 1 of `opt` over `params` with the problem's gradients. */
function run(opt: optim.Optimizer, params: Tensor[], grads: Float32Array[][], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    params.forEach((p, i) => (p.grad = tensor(grads[s]![i]!.slice(), [grads[s]![i]!.length])));
    opt.step();
  }
}

const VARIANTS: Partial<optim.RMSpropOptions>[] = [
  {},
  { lr: 0.05, weightDecay: 0.1 },
  { lr: 0.02, momentum: 0.9 },
  { lr: 0.02, centered: true },
  { lr: 0.03, alpha: 0.9, eps: 1e-6, weightDecay: 0.01, momentum: 0.5, centered: true },
];

for (const opts of VARIANTS) {
  test(`RMSprop ${JSON.stringify(opts)} on the device: its kernel, its state there, the CPU's values`, async () => {
    const { params, grads } = problem(4);
    const cpu = params();
    run(new optim.RMSprop(cpu, opts), cpu, grads, 0, 4);
    await onSim(async () => {
      const dev = params();
      const opt = new optim.RMSprop(dev, opts);
      run(opt, dev, grads, 0, 4);
      for (const [i, p] of dev.entries()) {
        assert.ok(p.isOnDevice, "the parameter is on the device");
        for (const [k, v] of Object.entries(opt.state.get(p)!)) if (typeof v !== "number") assert.ok(isDeviceArray(v), `state ${k} on the device`);
        assert.deepEqual([...(await p.valuesAsync())], [...cpu[i]!.data], `parameter ${i}`);
      }
    });
  });
}

test("stateDict on the device refuses in one line naming stateDictAsync; a snapshot restored on the device continues exactly", async () => {
  const opts = { lr: 0.02, momentum: 0.9, centered: true };
  const { params, grads } = problem(5);
  await onSim(async () => {
    const straight = params();
    run(new optim.RMSprop(straight, opts), straight, grads, 0, 5);

    const first = params();
    const opt = new optim.RMSprop(first, opts);
    run(opt, first, grads, 0, 3);
    assert.throws(() => opt.stateDict(), (e: unknown) => {
      assert.ok(e instanceof ValueError);
      assert.match(e.message, /^stateDict: the optimizer state '(squareAvg|gradAvg|momentumBuffer)' is in sim memory, which JavaScript reads only asynchronously; use await optimizer\.stateDictAsync\(\)$/);
      return true;
    });
    const snap = await opt.stateDictAsync();
    assert.ok(snap.state[0]!.squareAvg instanceof Float32Array, "host arrays");
    // a new optimizer over parameters with the same values, restored from the snapshot on the device
    const second = await Promise.all(first.map(async (p) => tensor(Float32Array.from(await p.valuesAsync()), [...p.shape], { requiresGrad: true })));
    const restored = new optim.RMSprop(second, opts);
    restored.loadStateDict(snap);
    run(restored, second, grads, 3, 5);
    for (const [k, v] of Object.entries(restored.state.get(second[0]!)!)) if (typeof v !== "number") assert.ok(isDeviceArray(v), `restored state ${k} moved to the device`);
    for (const [i, p] of second.entries()) assert.deepEqual([...(await p.valuesAsync())], [...(await straight[i]!.valuesAsync())], `parameter ${i}`);
  });
});

test("stateDictAsync on a CPU backend equals stateDict", async () => {
  const { params, grads } = problem(2);
  const p = params();
  const opt = new optim.Adam(p, { lr: 0.01 });
  run(opt, p, grads, 0, 2);
  assert.deepEqual(await opt.stateDictAsync(), opt.stateDict());
});
