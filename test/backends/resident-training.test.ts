// Tensors that live in the wasm memory, in training: a LeNet-5 and a ResNet-20 step copy nothing between JavaScript
// arrays and the memory (counted), give the reference backend's losses, keep the memory flat over many steps without
// any dispose, peak within 1.3× of what the step holds at the end of its forward, and refuse a second backward
// through a graph whose memory the first one released.
import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { initWasm, measureWasm, wasmInfo, wasmStats } from "../../src/backends/wasm/index.js";
import { setBackend } from "../../src/backends/registry.js";
import { WasmRuntime } from "../../src/backends/wasm/runtime.js";
import { F, manualSeed, models, nn, optim, randn, tensor, type Tensor } from "../../src/index.js";
import type { Module } from "../../src/nn/module.js";
import { allocateFloat32, withPlainArrays } from "../../src/tensor/memory.js";
import { Tensor as TensorClass } from "../../src/tensor/tensor.js";

await initWasm({ threads: 2 });

interface Setup { net: Module<[Tensor], Tensor>; opt: optim.SGD; x: Tensor; y: Tensor }

/** A model, SGD with momentum and one fixed batch made in the current backend's memory (zeros, then filled). */
function setup(name: "lenet5" | "resnet20", batch: number): Setup {
  manualSeed(3);
  const net = models.create(name, { numClasses: 10 }) as unknown as Module<[Tensor], Tensor>;
  const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const [c, hw] = name === "lenet5" ? [1, 32] : [3, 32];
  // in the backend's memory, as a DataLoader's batch buffers are (a tensor made outside the library's scopes is a
  // plain array, which the collector frees at once)
  const x = new TensorClass(allocateFloat32(batch * c * hw * hw, true), [batch, c, hw, hw]);
  x.data.set(Float32Array.from({ length: x.size }, (_, i) => Math.sin(i * 0.37)));
  const y = tensor(Float32Array.from({ length: batch }, (_, i) => (i * 7) % 10));
  return { net, opt, x, y };
}

function step({ net, opt, x, y }: Setup): number {
  opt.zeroGrad();
  const loss = F.crossEntropy(net.call(x), y);
  loss.backward();
  opt.step();
  return loss.item();
}

for (const [name, batch] of [["lenet5", 64], ["resnet20", 4]] as const) {
  test(`${name}: a training step makes no copies in or out of the wasm memory, and its losses are the reference's`, () => {
    setBackend("wasm");
    const s = setup(name, batch);
    assert.ok(wasmInfo().liveBytes > 0 && s.x.data.buffer instanceof SharedArrayBuffer, "the batch lives in the wasm memory");
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) losses.push(step(s)); // the first step makes the gradients and the momentum
    measureWasm(false);
    for (let i = 0; i < 3; i++) losses.push(step(s));
    const st = wasmStats();
    assert.equal(st.copiesIn + st.copiesOut, 0, `copies in ${st.copiesIn}, out ${st.copiesOut} (${st.copyBytes} bytes)`);
    // the counter sees a copy: the same model on a plain JavaScript batch copies it in
    const plain = new TensorClass(Float32Array.from(s.x.data), s.x.shape);
    measureWasm(false);
    F.crossEntropy(s.net.call(plain), s.y).backward();
    assert.ok(wasmStats().copiesIn >= 1, "a plain batch is copied in");

    // the same kernels on plain arrays (copied in and out on every call, nothing released early): bit for bit
    const copied = withPlainArrays(() => {
      const r = setup(name, batch);
      return Array.from({ length: 5 }, () => step(r));
    });
    assert.deepEqual(losses, copied, "the same losses as the kernels on plain arrays");
    // and the reference backend's, while small-batch training has not yet amplified the kernels' rounding differences
    setBackend("js");
    try {
      const r = setup(name, batch);
      const ref = Array.from({ length: name === "lenet5" ? 5 : 2 }, () => step(r));
      ref.forEach((l, i) => assert.ok(Math.abs(l - losses[i]!) <= 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: wasm ${losses[i]}, reference ${l}`));
    } finally {
      setBackend("wasm");
    }
  });
}

test("the memory stays flat: 10,000 LeNet-5 steps and 1,000 ResNet-20 steps, no dispose anywhere", async () => {
  setBackend("wasm");
  // What escapes a step to the caller (its logits and loss) goes back when the collector has dropped it, at a rhythm
  // of V8's choosing (the fewer JavaScript objects a step makes, the rarer: between 2,000 and 5,600 LeNet-5 steps
  // here, 1.6–4.7 MB of escaped blocks). So the blocks are compared after a collection and its finalizers: a leak
  // stays, the collector's backlog does not.
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const collected = async (): Promise<number> => {
    // two full collections, each followed by turns of the event loop in which the finalizers run (as tasks)
    for (let round = 0; round < 2; round++) {
      gc();
      for (let k = 0; k < 5; k++) await new Promise((r) => setTimeout(r, 5));
    }
    return wasmInfo().blockBytes;
  };
  for (const [name, batch, steps] of [["lenet5", 16, 10_000], ["resnet20", 2, 1_000]] as const) {
    const s = setup(name, batch);
    let settled = 0;
    for (let i = 1; i <= steps; i++) {
      step(s);
      // a training loop that yields to the event loop now and then (as fit does, and any loop reading batches
      // asynchronously), where the collector's finalizers free what escaped to the caller: each step's logits and loss
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      if (i === steps / 5) settled = await collected();
    }
    // kept forever, the escaped blocks would add 7 MB (LeNet-5: 832 bytes a step) over the last 8,000 steps
    const grew = (await collected()) - settled;
    assert.ok(grew < 2 ** 21, `${name}: the blocks grew by ${grew} bytes between step ${steps / 5} and ${steps}`);
  }
});

test("a user's own module (not marked) in a loop that never yields: its activations are plain arrays the collector frees", () => {
  setBackend("wasm");
  manualSeed(4);
  class Net extends nn.Module<[Tensor], Tensor> {
    conv = this.registerModule("conv", new nn.Conv2d(1, 8, 3, { padding: 1 }));
    fc = this.registerModule("fc", new nn.Linear(8 * 16 * 16, 10));
    forward(x: Tensor): Tensor {
      return this.fc.call(F.relu(this.conv.call(x)).flatten(1));
    }
  }
  const net = new Net();
  const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([16, 1, 16, 16]), y = tensor(Float32Array.from({ length: 16 }, (_, i) => i % 10));
  const stepOnce = (): void => {
    opt.zeroGrad();
    F.crossEntropy(net.call(x), y).backward();
    opt.step();
  };
  for (let i = 0; i < 5; i++) stepOnce();
  const before = wasmInfo().liveBytes;
  for (let i = 0; i < 300; i++) stepOnce();
  // each step's loss (a 128-byte block) escapes; its 131 KB of activations would add 39 MB
  const grew = wasmInfo().liveBytes - before;
  assert.ok(grew <= 300 * 192, `live bytes grew by ${grew} over 300 steps`);
});

test("the peak within a step stays within 1.3× of what the step holds at the end of its forward", () => {
  setBackend("wasm");
  for (const [name, batch] of [["lenet5", 64], ["resnet20", 8]] as const) {
    const s = setup(name, batch);
    step(s);
    s.opt.zeroGrad();
    measureWasm(false);
    const logits = s.net.call(s.x);
    const held = wasmInfo().liveBytes;
    F.crossEntropy(logits, s.y).backward();
    s.opt.step();
    const peak = wasmStats().peakLiveBytes;
    assert.ok(peak <= 1.3 * held, `${name}: peak ${peak} bytes against ${held} held after the forward (×${(peak / held).toFixed(2)})`);
  }
});

test("a second backward through a released graph is an error naming retainGraph; retainGraph allows it", () => {
  setBackend("wasm");
  const s = setup("lenet5", 2);
  const kept = F.crossEntropy(s.net.call(s.x), s.y);
  kept.backward(undefined, { retainGraph: true });
  const first = Float32Array.from([...s.net.parameters()][0]!.grad!.data);
  kept.backward(); // through the kept graph again: the gradients add up
  const twice = [...s.net.parameters()][0]!.grad!.data;
  first.forEach((v, i) => assert.ok(Math.abs(twice[i]! - 2 * v) <= 1e-5 * Math.max(1, Math.abs(v)), `gradient ${i}: ${twice[i]} against 2·${v}`));
  assert.throws(() => kept.backward(), /already used by a backward.*retainGraph/);
});

test("a block handed out again after the memory grew is still known as the memory's (read in place, not copied)", () => {
  const rt = WasmRuntime.createSync(false, true);
  const a = rt.allocate(1000)!;
  assert.ok(rt.release(a));
  // the kernels' arena grows the memory: a shared memory's buffer is then a new object
  rt.begin();
  rt.alloc(rt.memory.buffer.byteLength + (1 << 20));
  const b = rt.allocate(1000)!; // the released block, seen through the new buffer
  assert.equal(b.byteOffset, a.byteOffset);
  assert.notEqual(b.buffer, a.buffer);
  const before = rt.stats.copiesIn;
  rt.begin();
  assert.equal(rt.copyIn(b), b.byteOffset, "read in place");
  assert.equal(rt.stats.copiesIn, before);
});
