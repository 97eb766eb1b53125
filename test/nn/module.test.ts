// nn.Module mechanics: registration order, traversal, modes, state dicts (strict and lenient loading), hooks, init.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor, zeros, ones, nn, ShapeError, ValueError, Generator } from "../../src/index.js";

/** A hand-made module whose state-dict keys are known in advance. */
class Block extends nn.Module {
  readonly conv = this.registerModule("conv", new nn.Conv2d(2, 3, 3, { padding: 1 }));
  readonly bn = this.registerModule("bn", new nn.BatchNorm2d(3));
  readonly scale = this.registerParameter("scale", ones([1]));
  readonly step = this.registerBuffer("step", zeros([1]));
  readonly cache = this.registerBuffer("cache", zeros([2]), false);
  readonly absent = this.registerModule("absent", null);
  forward(x: Tensor): Tensor {
    return this.bn.call(this.conv.call(x)).mul(this.scale);
  }
}

class Net extends nn.Module {
  readonly block = this.registerModule("block", new Block());
  readonly head = this.registerModule("head", new nn.Sequential(new nn.Flatten(), new nn.Linear(3 * 4 * 4, 2)));
  forward(x: Tensor): Tensor {
    return this.head.call(this.block.call(x));
  }
}

test("state-dict keys: per module its parameters, then its buffers, then its children, depth first", () => {
  const net = new Net();
  assert.deepEqual([...net.stateDict().keys()], [
    "block.scale", "block.step",
    "block.conv.weight", "block.conv.bias",
    "block.bn.weight", "block.bn.bias", "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked",
    "head.1.weight", "head.1.bias",
  ]);
  assert.deepEqual([...net.namedParameters()].map(([k]) => k), [
    "block.scale", "block.conv.weight", "block.conv.bias", "block.bn.weight", "block.bn.bias", "head.1.weight", "head.1.bias",
  ]);
  // non-persistent buffers are buffers, but not state
  assert.deepEqual([...net.namedBuffers()].map(([k]) => k), [
    "block.step", "block.cache", "block.bn.running_mean", "block.bn.running_var", "block.bn.num_batches_tracked",
  ]);
  assert.deepEqual([...net.namedModules()].map(([k, m]) => `${k}:${m.typeName}`), [
    ":Net", "block:Block", "block.conv:Conv2d", "block.bn:BatchNorm2d", "head:Sequential", "head.0:Flatten", "head.1:Linear",
  ]);
  assert.deepEqual([...net.children()].map((m) => m.typeName), ["Block", "Sequential"]);
  assert.equal(net.numParameters(), 1 + 2 * 3 * 9 + 3 + 3 + 3 + 48 * 2 + 2);
  for (const p of net.parameters()) assert.equal(p.requiresGrad, true);
  assert.equal(net.getSubmodule("head.1").typeName, "Linear");
  assert.throws(() => net.getSubmodule("head.7"), ValueError);
});

test("registering a taken or dotted name is refused", () => {
  class Bad extends nn.Module {
    constructor(name: string) {
      super();
      this.registerParameter("w", zeros([1]));
      this.registerBuffer(name, zeros([1]));
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.throws(() => new Bad("w"), /already registered/);
  assert.throws(() => new Bad("a.b"), /without '\.'/);
});

test("a shared layer is listed once", () => {
  const lin = new nn.Linear(2, 2);
  const seq = new nn.Sequential(lin, new nn.ReLU(), lin);
  assert.deepEqual([...seq.namedParameters()].map(([k]) => k), ["0.weight", "0.bias"]);
  assert.equal(seq.numParameters(), 6);
});

test("train/eval reach every descendant; apply visits children first; zeroGrad clears", () => {
  const net = new Net();
  net.eval();
  for (const m of net.modules()) assert.equal(m.training, false);
  net.train();
  for (const m of net.modules()) assert.equal(m.training, true);
  const order: string[] = [];
  net.apply((m) => order.push(m.typeName));
  assert.deepEqual(order, ["Conv2d", "BatchNorm2d", "Block", "Flatten", "Linear", "Sequential", "Net"]);
  const y = net.call(ones([2, 2, 4, 4]));
  y.sum().backward();
  for (const p of net.parameters()) assert.ok(p.grad, "every parameter got a gradient");
  const grads = [...net.parameters()].map((p) => p.grad);
  net.zeroGrad();
  [...net.parameters()].forEach((p, i) => {
    assert.equal(p.grad, grads[i], "zeroed in place");
    assert.ok(p.grad!.data.every((v) => v === 0));
  });
  net.zeroGrad(true);
  for (const p of net.parameters()) assert.equal(p.grad, null);
});

test("loadStateDict copies by key into the existing tensors", () => {
  const a = new Net(), b = new Net();
  const w = b.block.conv.weight;
  const res = b.loadStateDict(a.stateDict());
  assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] });
  assert.equal(b.block.conv.weight, w, "the parameter object is kept");
  assert.deepEqual([...w.data], [...a.block.conv.weight.data]);
  assert.notEqual(w.data, a.block.conv.weight.data, "values are copied, not shared");
  // a plain object works too
  b.loadStateDict(Object.fromEntries(a.stateDict()));
});

test("strict loading names every missing, unexpected and mis-shaped key, and changes nothing", () => {
  const net = new Net();
  const sd = new Map(new Net().stateDict());
  sd.delete("block.bn.running_var");
  sd.delete("head.1.bias");
  sd.set("block.extra", zeros([1]));
  sd.set("head.1.weight", zeros([3, 48]));
  const before = [...net.block.conv.weight.data];
  assert.throws(() => net.loadStateDict(sd), (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    for (const k of ["block.bn.running_var", "head.1.bias", "block.extra", "head.1.weight", "[2,48]", "[3,48]"]) assert.match(e.message, new RegExp(k.replace(/[[\].]/g, "\\$&")));
    return true;
  });
  assert.deepEqual([...net.block.conv.weight.data], before, "nothing copied after a failed strict load");
  const res = net.loadStateDict(sd, { strict: false });
  assert.deepEqual(res.missingKeys, ["block.bn.running_var", "head.1.bias"]);
  assert.deepEqual(res.unexpectedKeys, ["block.extra"]);
  assert.deepEqual(res.shapeMismatches, [{ key: "head.1.weight", expected: [2, 48], got: [3, 48] }]);
  assert.deepEqual([...net.block.conv.weight.data], [...sd.get("block.conv.weight")!.data], "matching keys copied when lenient");
});

test("forward hooks see inputs and output, can replace the output, and can be removed", () => {
  const lin = new nn.Linear(2, 2);
  const seen: string[] = [];
  const h = lin.registerForwardHook((m, inputs, out) => {
    seen.push(`${m.typeName} ${(inputs[0] as Tensor).shape} ${(out as Tensor).shape}`);
  });
  const h2 = lin.registerForwardHook(() => zeros([1]));
  assert.deepEqual([...lin.call(ones([3, 2])).shape], [1]);
  assert.deepEqual(seen, ["Linear 3,2 3,2"]);
  h.remove();
  h2.remove();
  assert.deepEqual([...lin.call(ones([3, 2])).shape], [3, 2]);
  assert.equal(seen.length, 1);
});

test("toString prints a tree like PyTorch's repr", () => {
  assert.equal(new Net().toString(), [
    "Net(",
    "  (block): Block(",
    "    (conv): Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
    "    (bn): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
    "  )",
    "  (head): Sequential(",
    "    (0): Flatten(start_dim=1, end_dim=-1)",
    "    (1): Linear(in_features=48, out_features=2, bias=True)",
    "  )",
    ")",
  ].join("\n"));
});

test("ModuleList and ModuleDict register children by index and key", () => {
  const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 2)]);
  assert.deepEqual([...list.stateDict().keys()], ["0.weight", "0.bias", "1.weight", "1.bias"]);
  assert.equal(list.at(-1), [...list][1]);
  assert.throws(() => list.at(2), ValueError);
  const dict = new nn.ModuleDict([["b", new nn.Linear(1, 1)], ["a", new nn.Linear(1, 1, { bias: false })]]);
  assert.deepEqual([...dict.stateDict().keys()], ["b.weight", "b.bias", "a.weight"]);
  const seq = new nn.Sequential([["first", new nn.ReLU()], ["second", new nn.Linear(2, 2)]]);
  assert.deepEqual([...seq.stateDict().keys()], ["second.weight", "second.bias"]);
  assert.deepEqual([...seq.call(tensor([[1, 2]])).shape], [1, 2]);
});

test("default init: conv/linear weights and biases are U(±1/√fan_in), as PyTorch's kaiming_uniform_(a=√5)", () => {
  const conv = new nn.Conv2d(16, 32, 3, { generator: new Generator(3) });
  const bound = 1 / Math.sqrt(16 * 9);
  const w = conv.weight.data;
  let min = Infinity, max = -Infinity, sq = 0;
  for (const v of w) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sq += v * v;
  }
  assert.ok(min >= -bound && max <= bound, "inside the bound");
  assert.ok(max > 0.97 * bound && min < -0.97 * bound, "fills the bound");
  // U(−b, b) has variance b²/3
  assert.ok(Math.abs(sq / w.length / (bound * bound / 3) - 1) < 0.05, "variance b²/3");
  for (const v of conv.bias!.data) assert.ok(Math.abs(v) <= bound);
  // same seed, same weights
  assert.deepEqual([...new nn.Conv2d(16, 32, 3, { generator: new Generator(3) }).weight.data], [...w]);
  // transposed conv: fan_in from weight.shape[1]·k² = (Cout/groups)·k², as PyTorch
  const up = new nn.ConvTranspose2d(8, 4, 2, { generator: new Generator(1) });
  const upBound = 1 / Math.sqrt(4 * 4);
  assert.ok(Math.max(...up.weight.data.map(Math.abs)) <= upBound && Math.max(...up.weight.data.map(Math.abs)) > 0.9 * upBound);
});

test("init: kaiming normal (fan_out, relu) and truncated normal have the right spread", () => {
  const t = zeros([256, 64, 3, 3]);
  nn.init.kaimingNormal_(t, { mode: "fan_out", nonlinearity: "relu", generator: new Generator(5) });
  let sq = 0;
  for (const v of t.data) sq += v * v;
  const std = Math.sqrt(sq / t.size);
  assert.ok(Math.abs(std / Math.sqrt(2 / (256 * 9)) - 1) < 0.02, `std ${std}`);
  const u = zeros([10000]);
  nn.init.truncNormal_(u, 0, 1, -0.5, 0.5, new Generator(2));
  assert.ok(Math.max(...u.data) <= 0.5 && Math.min(...u.data) >= -0.5);
  assert.equal(nn.init.calculateGain("leaky_relu", Math.sqrt(5)), Math.sqrt(1 / 3));
  assert.deepEqual(nn.init.calculateFanInAndFanOut(zeros([4, 3, 5, 5])), { fanIn: 75, fanOut: 100 });
});

test("BatchNorm2d: eval without running stats uses batch statistics; bad inputs are refused", () => {
  const bn = new nn.BatchNorm2d(2, { trackRunningStats: false }).eval();
  const y = bn.call(tensor([[[[1, 3]], [[2, 6]]], [[[5, 7]], [[4, 8]]]]));
  let s = 0;
  for (const v of y.data) s += v;
  assert.ok(Math.abs(s) < 1e-5, "normalised to zero mean");
  assert.deepEqual([...bn.stateDict().keys()], ["weight", "bias"]);
  assert.throws(() => new nn.BatchNorm2d(3).call(zeros([2, 4, 2, 2])), /3 channels/);
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /groups 2 must divide/);
  assert.throws(() => new nn.Linear(0, 3), ValueError);
  assert.throws(() => new nn.Dropout(1.5), ValueError);
});
