// Eager inference scopes: in eval mode under noGrad, a zoo model frees the intermediates of each block as it returns
// and the next allocations reuse them — with results equal to an inference that frees nothing (up to the rounding of
// the convolutions that the scope fuses with the batch norm and activation after them), and never when a hook, a
// module of unknown behaviour, training mode or autograd could still read an intermediate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, manualSeed, models, nn, noGrad, randn } from "../../src/index.js";
import { BufferPool, fillReusedBuffers } from "../../src/tensor/buffer-pool.js";
import { memoryStats } from "../../src/tensor/memory.js";
import { markKeepsNoTensors, treeFitsRecorded } from "../../src/nn/inference-scope.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { assertClose } from "../helpers/fixtures.js";

/** Counts the tensor arrays allocated by `fn` (the pool's misses), in the backend's memory or as plain arrays. */
function countNewBuffers<T>(fn: () => T): { out: T; fresh: number } {
  const before = memoryStats().allocations;
  const out = fn();
  return { out, fresh: memoryStats().allocations - before };
}

test("buffer pool scopes: what a scope took is released when it closes, except what it keeps; scopes nest", () => {
  const pool = new BufferPool();
  pool.openScope();
  const a = pool.take(8), b = pool.take(8);
  pool.openScope();
  const c = pool.take(4), d = pool.take(4);
  pool.closeScope(new Set([d])); // c released, d now the outer scope's
  assert.equal(pool.heldBytes, 16);
  assert.equal(pool.take(4), c, "the released buffer is taken again");
  pool.discard(b, a);
  assert.equal(pool.heldBytes, 32, "b discarded at once");
  pool.discard(a, a); // shared with the reader's result: kept
  assert.equal(pool.heldBytes, 32);
  pool.closeScope(new Set([a]));
  assert.equal(pool.heldBytes, 32 + 16 + 16, "c (taken again) and d released; a kept for the caller");
  assert.equal(pool.take(8), b);
  assert.equal(pool.take(8) === a, false, "the kept buffer is never handed out again");
  assert.throws(() => pool.closeScope(new Set()), /no scope is open/);
});

test("resnet18 eval under noGrad: equal to an inference that frees nothing, over repeated calls, and reuses buffers", () => {
  manualSeed(11);
  const net = models.resnet18({ numClasses: 10 });
  net.eval();
  const xs = [randn([1, 3, 64, 64]), randn([2, 3, 64, 64]), randn([1, 3, 64, 64])];
  // grad mode on: nothing is freed (the graph may need every intermediate)
  const expected = xs.map((x) => net.call(x).detach());
  const first = noGrad(() => net.call(xs[0]!));
  const kept = Float32Array.from(first.data);
  noGrad(() => net.call(xs[1]!)); // warms the pool with batch-2 sizes too
  const third = countNewBuffers(() => noGrad(() => net.call(xs[2]!)));
  // the scope fuses the downsampling convolutions with their batch norms: equal up to float32 rounding
  assertClose(third.out, expected[2]!, { rtol: 1e-5, atol: 1e-6 }, "third call, on reused buffers");
  assertClose(first, expected[0]!, { rtol: 1e-5, atol: 1e-6 }, "first call");
  assert.deepEqual(first.data, kept, "a result the caller holds is never reused");
  assertClose(noGrad(() => net.call(xs[0]!)), first, { rtol: 0, atol: 0 }, "the first input again, on reused buffers");
  // the first call at this size filled the pool: the third allocates only what it returns, and no block intermediate
  assert.ok(third.fresh <= 2, `the third inference allocated ${third.fresh} new large buffers`);
  const unscoped = countNewBuffers(() => net.call(xs[2]!)); // with grad mode on, as a baseline
  assert.ok(unscoped.fresh > 40, `without a scope every activation is new (${unscoped.fresh})`);
});

test("a small result leaves the outermost call as a plain array and its buffer is reused: repeated calls allocate nothing", () => {
  manualSeed(3);
  const net = models.lenet5();
  net.eval();
  const x = randn([2, 1, 32, 32]);
  const expected = (net.call(x) as Tensor).detach(); // grad mode on: no scope
  const first = noGrad(() => net.call(x)) as Tensor;
  const second = countNewBuffers(() => noGrad(() => net.call(x)) as Tensor);
  assert.equal(second.fresh, 0, `the second inference allocated ${second.fresh} buffers`);
  for (const out of [first, second.out]) {
    assert.ok(!(out.data.buffer instanceof SharedArrayBuffer), "the logits are a plain array, not a view of a backend's memory");
    assertClose(out, expected, { rtol: 0, atol: 0 }, "logits");
  }
});

test("ops that overwrite their output get reused buffers unzeroed: filled with NaN here, the results stay exact", () => {
  // every op marked `overwrites` in the zoo's inference: convolutions (1×1, depthwise, grouped, strided, Winograd's
  // 3×3), batch norm, ReLU/ReLU6/hardswish/hardsigmoid/SiLU/sigmoid, max/avg pooling, adds and muls (residuals,
  // squeeze-excitation), cat (DenseNet, GoogLeNet, SqueezeNet, U-Net)
  const names = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "densenet121", "googlenet", "squeezenet1_1", "unet", "shufflenet_v2_x1_0"] as const;
  fillReusedBuffers(NaN);
  try {
    for (const name of names) {
      manualSeed(5);
      const net = models.create(name, { numClasses: 10 });
      net.eval();
      const x = randn([1, name === "unet" ? 1 : 3, 64, 64]);
      const unscoped = (net.call(x) as Tensor).detach(); // grad mode on: no scope, fresh zeroed buffers, nothing fused
      const first = (noGrad(() => net.call(x)) as Tensor).clone(); // fills the model's pool
      const again = noGrad(() => net.call(x)) as Tensor; // every intermediate on a reused, NaN-filled buffer
      assertClose(again, first, { rtol: 0, atol: 0 }, `${name} on reused buffers`);
      // the scope's fused convolutions and batch norms: the same values up to float32 rounding
      assertClose(again, unscoped, { rtol: 1e-4, atol: 1e-5 }, `${name} fused, against the ops one by one`);
    }
  } finally {
    fillReusedBuffers(null);
  }
});

test("a Sequential runs conv → batch norm → activation as one convolution in an inference, and each op when recording", () => {
  manualSeed(7);
  const withStats = (bn: nn.BatchNorm2d): nn.BatchNorm2d => {
    // running statistics and an affine map far from the identity, so that folding them changes the rounding
    bn.runningMean!.data.set(randn([bn.numFeatures]).data);
    bn.runningVar!.data.set(randn([bn.numFeatures]).abs().add(0.2).data);
    bn.weight!.data.set(randn([bn.numFeatures]).data);
    bn.bias!.data.set(randn([bn.numFeatures]).data);
    return bn;
  };
  const c1 = new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), b1 = withStats(new nn.BatchNorm2d(8, { eps: 1e-3 }));
  const c2 = new nn.Conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 8 }), c3 = new nn.Conv2d(8, 6, 1);
  const b3 = withStats(new nn.BatchNorm2d(6));
  const seq = new nn.Sequential(c1, b1, new nn.Hardswish(), c2, new nn.ReLU6(), c3, b3).eval();
  const x = randn([2, 3, 17, 15]);
  const stats = (bn: nn.BatchNorm2d) => ({ runningMean: bn.runningMean!, runningVar: bn.runningVar!, weight: bn.weight, bias: bn.bias, eps: bn.eps });
  const fused = noGrad(() => {
    let y = F.conv2d(x, c1.weight, null, { padding: 1, batchNorm: stats(b1), activation: "hardswish" });
    y = F.conv2d(y, c2.weight, c2.bias, { stride: 2, padding: 1, groups: 8, activation: "relu6" });
    return F.conv2d(y, c3.weight, c3.bias, { batchNorm: stats(b3) });
  });
  const scoped = noGrad(() => seq.call(x));
  assertClose(scoped, fused, { rtol: 0, atol: 0 }, "the scope's result is the fused convolutions'");
  const recorded = seq.call(x); // grad mode on: each op, recorded
  assert.equal(recorded.gradFn?.name, "batchNorm");
  assertClose(scoped, recorded, { rtol: 1e-5, atol: 1e-6 }, "fused, against the ops one by one");
  // folding changes the rounding: the scope did not run the ops one by one
  assert.ok(scoped.sub(recorded).abs().max().item() > 0, "the scoped result is bit for bit the unfused one");
});

test("runLayers: a block's layers with a residual fuse into the convolution in an inference, and run one by one when recording", () => {
  manualSeed(8);
  const conv = new nn.Conv2d(6, 6, 3, { padding: 1, bias: false }), bn = new nn.BatchNorm2d(6), relu = new nn.ReLU();
  bn.runningMean!.data.set(randn([6]).data);
  bn.runningVar!.data.set(randn([6]).abs().add(0.3).data);
  bn.bias!.data.set(randn([6]).data);
  class Block extends nn.Module {
    constructor() { super(); this.registerModule("conv", conv); this.registerModule("bn", bn); this.registerModule("relu", relu); }
    forward(x: Tensor): Tensor { return nn.runLayers(x, [conv, bn, relu], x); }
  }
  markKeepsNoTensors(Block);
  const block = new Block().eval();
  const x = randn([2, 6, 9, 7]), before = Float32Array.from(x.data);
  const recorded = block.call(x); // grad mode on: conv, batch norm, add, ReLU
  const byHand = F.relu(F.batchNorm(F.conv2d(x, conv.weight, null, { padding: 1 }), bn.runningMean, bn.runningVar, { weight: bn.weight, bias: bn.bias }).add(x));
  assertClose(recorded, byHand, { rtol: 0, atol: 0 }, "recorded: the ops one by one");
  const stats = { runningMean: bn.runningMean!, runningVar: bn.runningVar!, weight: bn.weight, bias: bn.bias, eps: bn.eps };
  const fused = noGrad(() => F.conv2d(x, conv.weight, null, { padding: 1, batchNorm: stats, residual: x, activation: "relu" }));
  const scoped = noGrad(() => block.call(x));
  assertClose(scoped, fused, { rtol: 0, atol: 0 }, "in an inference: the fused convolution's result");
  assertClose(scoped, recorded, { rtol: 1e-5, atol: 1e-6 }, "fused, against the ops one by one");
  assert.deepEqual(x.data, before, "the block's input (its shortcut) is never overwritten");
  // a residual with no layer before the trailing activation: added out of place, the input kept
  const bare = noGrad(() => nn.runLayers(x, [relu], x));
  assertClose(bare, F.relu(x.add(x)), { rtol: 0, atol: 0 }, "relu(x + x)");
  assert.deepEqual(x.data, before, "runLayers never writes into its input");
});

test("a squeeze-excitation's gate folds into the convolution after it in an inference: its weights scaled, not the map", () => {
  manualSeed(9);
  const se = new nn.SqueezeExcitation(12, 4, { scaleActivation: () => new nn.Hardsigmoid() });
  const conv = new nn.Conv2d(12, 5, 1, { bias: false }), bn = new nn.BatchNorm2d(5);
  bn.runningMean!.data.set(randn([5]).data);
  bn.runningVar!.data.set(randn([5]).abs().add(0.3).data);
  // as torchvision's blocks: the gate, then the projection as a Conv2dNormActivation (a Sequential), or bare
  const nested = new nn.Sequential(se, new nn.Sequential(conv, bn)).eval();
  const flat = new nn.Sequential(se, conv, bn, new nn.ReLU()).eval();
  const x = randn([1, 12, 6, 5]);
  const stats = { runningMean: bn.runningMean!, runningVar: bn.runningVar!, weight: bn.weight, bias: bn.bias, eps: bn.eps };
  const gate = noGrad(() => se.gate(x));
  const folded = noGrad(() => F.conv2d(x, conv.weight.mul(gate.reshape([1, 12, 1, 1])), null, { batchNorm: stats }));
  for (const [name, seq, after] of [["nested", nested, (y: Tensor) => y], ["flat", flat, (y: Tensor) => F.relu(y)]] as const) {
    const scoped = noGrad(() => seq.call(x));
    assertClose(scoped, after(folded), { rtol: 0, atol: 0 }, `${name}: the convolution of x with the gated weights`);
    const recorded = seq.call(x); // grad mode on: x·gate, then the convolution
    assertClose(scoped, recorded, { rtol: 1e-5, atol: 1e-6 }, `${name}: folded, against the ops one by one`);
    assert.ok(scoped.sub(recorded).abs().max().item() > 0, `${name}: the scoped result is bit for bit the unfolded one`);
  }
  // where the map is smaller than the weights (Cout·kh·kw ≥ H·W), or for a batch, the map is scaled as written
  for (const small of [randn([1, 12, 2, 2]), randn([2, 12, 6, 5])]) {
    const scoped = noGrad(() => nested.call(small));
    const unfolded = noGrad(() => F.conv2d(se.gate(small).mul(small), conv.weight, null, { batchNorm: stats }));
    assertClose(scoped, unfolded, { rtol: 0, atol: 0 }, `[${small.shape.join(", ")}]: not folded`);
  }
});

test("inference scopes stay off while a hook, training mode, autograd or an unmarked module could keep an intermediate", () => {
  manualSeed(5);
  const base = (): nn.Sequential => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(4, 4, 3, { padding: 1 }), new nn.ReLU()).eval();
  const x = randn([1, 2, 40, 40]);

  // a forward hook keeps the first conv's output (as `visualize features` does)
  const hooked = base();
  const conv0Out = noGrad(() => hooked.at(0).call(x));
  let seen: Tensor | null = null;
  hooked.at(0).registerForwardHook((_m, _i, out) => { seen = out as Tensor; });
  noGrad(() => hooked.call(x));
  assert.ok(seen !== null && seen !== conv0Out);
  assertClose(seen, conv0Out, { rtol: 0, atol: 0 }, "the hooked intermediate is intact");

  // a user module (not marked) that keeps its input
  class Keep extends nn.Module {
    saved: Tensor | null = null;
    forward(t: Tensor): Tensor { this.saved = t; return F.relu(t); }
  }
  const keep = new Keep();
  const withUser = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), keep, new nn.Conv2d(4, 4, 3, { padding: 1 })).eval();
  noGrad(() => withUser.call(x));
  const conv0 = noGrad(() => withUser.at(0).call(x));
  assertClose(keep.saved!, conv0, { rtol: 0, atol: 0 }, "the user module's saved input is intact");

  // a subclass of a marked layer may override forward: it is not trusted either
  class KeepingConv extends nn.Conv2d {
    saved: Tensor | null = null;
    override forward(t: Tensor): Tensor { const y = super.forward(t); this.saved = y; return y; }
  }
  const kc = new KeepingConv(2, 4, 3, { padding: 1 });
  const sub = new nn.Sequential(kc, new nn.Conv2d(4, 4, 3, { padding: 1 })).eval();
  noGrad(() => sub.call(x));
  const first = kc.saved!, firstCopy = Float32Array.from(first.data);
  noGrad(() => sub.call(randn([1, 2, 40, 40])));
  assert.notEqual(kc.saved, first);
  assert.deepEqual(first.data, firstCopy, "the subclass's saved output of the first call is intact");

  // training mode allocates anew on every call; eval mode reuses
  const plain = base();
  const trainMode = base().train();
  const t1 = countNewBuffers(() => noGrad(() => trainMode.call(x))).fresh;
  const t2 = countNewBuffers(() => noGrad(() => trainMode.call(x))).fresh;
  assert.equal(t1, t2, "training mode: every call allocates anew");
  noGrad(() => plain.call(x));
  const e2 = countNewBuffers(() => noGrad(() => plain.call(x))).fresh;
  assert.ok(e2 < t2, `eval mode reuses (${e2} new buffers against ${t2})`);
});

test("every zoo model's tree keeps no tensors: its recorded forward runs in a scope that hands its intermediates back", () => {
  // the large ones are built of the same classes as these
  const names = ["lenet5", "alexnet", "vgg6_bn", "resnet18", "resnet20", "googlenet", "densenet121", "unet", "mobilenet_v2",
    "mobilenet_v3_large", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0", "efficientnet_b0", "regnet_y_400mf"] as const;
  for (const name of names) {
    const m = models.create(name);
    const unmarked = [...m.modules()].filter((sub) => !treeFitsRecorded(sub)).map((sub) => sub.constructor.name);
    assert.ok(treeFitsRecorded(m), `${name}: ${[...new Set(unmarked)].join(", ")} not marked`);
  }
});
