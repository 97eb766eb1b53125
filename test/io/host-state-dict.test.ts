// Saving and loading a model that lives on a device, here the 'sim' stand-in (test/helpers/sim-device.ts: values read
// only asynchronously, as a GPU's; the GPU itself: test/web/webgpu-backend.test.ts). hostStateDict brings the weights
// to the host in one awaited call, as they are at the call; the writers take that copy and refuse the device's
// tensors in one line naming it; the copy loads into a model on the CPU and a state dict loads into a model on the
// device, whose parameters are still on the host before their first use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Generator, ValueError, hostStateDict, io, nn, noGrad, optim, tensor, type Tensor } from "../../src/index.js";
import { onSim, useSimDevice } from "../helpers/sim-device.js";

useSimDevice();

/** conv → batch norm → ReLU → linear: weights, biases and batch norm's buffers (running stats, num_batches_tracked). */
function makeNet(seed: number): nn.Sequential {
  const generator = new Generator(seed);
  return new nn.Sequential(new nn.Conv2d(2, 3, 3, { generator }), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 4 * 4, 4, { generator }));
}

const x = (): Tensor => tensor(Float32Array.from({ length: 2 * 2 * 6 * 6 }, (_, i) => Math.sin(i * 0.7)), [2, 2, 6, 6]);

/** One SGD step with momentum (so batch norm's running stats and the weights all move). */
function step(net: nn.Module, opt: optim.Optimizer): void {
  opt.zeroGrad();
  F.crossEntropy(net.call(x()), tensor([1, 3])).backward();
  opt.step();
}

const values = async (t: Tensor): Promise<number[]> => [...(await t.valuesAsync())];

/** A one-line ValueError matching `re`. */
const oneLine = (re: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof ValueError, `expected a ValueError, got ${String(e)}`);
  assert.match(e.message, re);
  assert.doesNotMatch(e.message, /\n/);
  return true;
};

test("a model trained on the device: hostStateDict's copy saves (safetensors, .pth) and loads into a CPU model with equal outputs", async () => {
  const { saved, pth, want, keys } = await onSim(async () => {
    const net = makeNet(1);
    step(net, new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 }));
    net.eval();
    const y = noGrad(() => net.call(x()));
    assert.ok(y.isOnDevice && [...net.parameters()].every((p) => p.isOnDevice), "trained on the device");
    const sd = await hostStateDict(net);
    for (const t of sd.values()) assert.ok(!t.isOnDevice, "the copy is on the host");
    return { saved: io.saveSafetensors(sd), pth: io.savePth(sd), want: await values(y), keys: [...net.stateDict().keys()] };
  });
  for (const [name, sd] of [["safetensors", io.loadSafetensors(saved).tensors], ["pth", io.loadPth(pth)]] as const) {
    assert.deepEqual([...sd.keys()], keys, name);
    const cpu = makeNet(2);
    cpu.loadStateDict(sd);
    cpu.eval();
    const got = [...noGrad(() => cpu.call(x())).data];
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${name}: output ${i} is ${v}, ${want[i]} on the device`));
  }
});

test("hostStateDict is a snapshot of the call: the steps after it change the model, not the copy", async () => {
  await onSim(async () => {
    const net = makeNet(3);
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    step(net, opt);
    const pending = hostStateDict(net); // not awaited before the next step
    const before = await values(net.stateDict().get("0.weight")!);
    step(net, opt);
    const copy = await pending;
    assert.deepEqual([...copy.get("0.weight")!.data], before);
    assert.notDeepEqual(await values(net.stateDict().get("0.weight")!), before);
  });
});

test("the synchronous writers refuse a device's tensors in one line naming hostStateDict; exportOnnx names the CPU copy", async () => {
  await onSim(() => {
    const net = makeNet(4);
    step(net, new optim.SGD(net.parameters(), { lr: 0.1 }));
    const sd = net.stateDict();
    assert.throws(() => io.saveSafetensors(sd), oneLine(/^saveSafetensors: '0\.weight' is in sim memory, which JavaScript reads only asynchronously; save await hostStateDict\(model\) instead$/));
    assert.throws(() => io.savePth(sd), oneLine(/^savePth: '0\.weight' is in sim memory, .*; save await hostStateDict\(model\) instead$/));
    assert.throws(() => io.exportOnnx(net, x()), oneLine(/^exportOnnx: the model or its inputs are on the GPU, .*; use await exportOnnxAsync\(model, inputs\)$/));
  });
});

test("exportOnnxAsync traces a model on the device and writes exportOnnx's bytes for its CPU copy; the file runs on both", async () => {
  const { bytes, state, want, onDevice } = await onSim(async () => {
    const net = makeNet(8);
    step(net, new optim.SGD(net.parameters(), { lr: 0.1 }));
    net.eval();
    const want = await values(noGrad(() => net.call(x())));
    const bytes = await io.exportOnnxAsync(net, x());
    return { bytes, state: await hostStateDict(net), want, onDevice: await values(noGrad(() => io.loadOnnx(bytes).call(x()))) };
  });
  onDevice.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `output ${i}: ${v} from the file on the device, ${want[i]} from the model`));
  const copy = makeNet(9);
  copy.loadStateDict(state);
  assert.deepEqual(bytes, io.exportOnnx(copy, x()));
  const got = [...noGrad(() => io.loadOnnx(bytes).call(x())).data];
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `output ${i}: ${v} from the file, ${want[i]} on the device`));
});

test("loadStateDict on the device: host weights into a model used there, and a device model's weights into a new model", async () => {
  const source = makeNet(5);
  const sdHost = source.stateDict();
  source.eval();
  const want = [...noGrad(() => source.call(x())).data];
  await onSim(async () => {
    const used = makeNet(6);
    step(used, new optim.SGD(used.parameters(), { lr: 0.1 })); // its tensors are on the device now
    used.loadStateDict(sdHost);
    used.eval();
    // a new model's parameters are on the host until their first use; the state dict's are on the device
    const fresh = makeNet(7);
    fresh.loadStateDict(used.stateDict());
    fresh.eval();
    for (const [name, net] of [["used", used], ["fresh", fresh]] as const) {
      const got = await values(noGrad(() => net.call(x())));
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${name}: output ${i} is ${v}, ${want[i]} on the CPU`));
    }
  });
});

test("an imported graph trained a step updates its batch norm's running statistics, on the host and on the device", async () => {
  const net = makeNet(10);
  net.eval();
  const bytes = io.exportOnnx(net, x());
  net.train();
  noGrad(() => net.call(x()));
  // the running mean as nn.BatchNorm2d's (ONNX blends the biased batch variance into the running one, PyTorch the
  // unbiased: the variances are compared between host and device)
  const wantMean = [...net.stateDict().get("1.running_mean")!.data];
  const stats = async (m: nn.Module): Promise<number[][]> => {
    const buffers = new Map(m.namedBuffers());
    return Promise.all(["1.running_mean", "1.running_var"].map(async (k) => values(buffers.get(k)!)));
  };
  const onHost = io.loadOnnx(bytes);
  onHost.train();
  noGrad(() => onHost.call(x()));
  const [hostMean, hostVar] = await stats(onHost);
  const [deviceMean, deviceVar] = await onSim(async () => {
    const m = io.loadOnnx(bytes);
    m.train();
    noGrad(() => m.call(x()));
    return stats(m);
  });
  const close = (what: string, got: number[], want: number[]): void =>
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-6, `${what}[${i}]: ${v}, want ${want[i]}`));
  close("host running mean against nn.BatchNorm2d's", hostMean!, wantMean);
  assert.notDeepEqual(hostMean, [...io.loadOnnx(bytes).namedBuffers()].find(([k]) => k === "1.running_mean")![1].data, "the running mean did not move");
  close("device running mean", deviceMean!, hostMean!);
  close("device running var", deviceVar!, hostVar!);
});
