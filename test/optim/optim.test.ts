// Optimisers, schedulers and clipping against PyTorch 1.13 trajectories (test/fixtures/optim.json, from scripts/fixtures/optim.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Tensor, tensor, ValueError } from "../../src/index.js";
import {
  Adam, AdamW, RMSprop, SGD, StepLR, MultiStepLR, ExponentialLR, LinearLR, CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau, SequentialLR, ChainedScheduler,
  clipGradNorm, type LRScheduler, type OneCycleOptions, type Optimizer, type GroupOptions, type Scheduler,
} from "../../src/optim/index.js";

interface Raw { shape: number[]; data: string }
const dec = (t: Raw): Tensor => {
  const b = Buffer.from(t.data, "base64");
  return tensor(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), t.shape);
};
const fx = JSON.parse(readFileSync(new URL("../fixtures/optim.json", import.meta.url), "utf8")) as {
  optimizers: { name: string; kind: string; options: Record<string, unknown>; init: Raw[]; steps: { grads: Raw[]; params: Raw[] }[] }[];
  schedulers: { name: string; kind: string; optimizer: string; options: Record<string, unknown>; lrs: number[]; momenta: number[]; metrics?: (number | null)[] }[];
  clip: { name: string; maxNorm: number; normType: number | "inf"; grads: Raw[]; total: number; clipped: Raw[] }[];
};

/** Largest |a − e| / (1e-6 + |e|)-style error, scaled by the tensor's magnitude. */
function relErr(a: Tensor, e: Tensor): number {
  let scale = 0, err = 0;
  for (let i = 0; i < e.size; i++) scale = Math.max(scale, Math.abs(e.data[i]!));
  for (let i = 0; i < e.size; i++) err = Math.max(err, Math.abs(a.data[i]! - e.data[i]!) / Math.max(scale, 1e-12));
  return err;
}

const RTOL = 1e-5; // relative to each parameter tensor's largest magnitude, after 25 float32 steps

for (const c of fx.optimizers) {
  test(`${c.kind}: ${c.name} follows PyTorch for ${c.steps.length} steps`, () => {
    const params = c.init.map(dec);
    const opts = c.options as never;
    const opt: Optimizer<GroupOptions> = c.kind === "sgd" ? new SGD(params, opts) : c.kind === "adam" ? new Adam(params, opts) : c.kind === "rmsprop" ? new RMSprop(params, opts) : new AdamW(params, opts);
    c.steps.forEach((s, k) => {
      params.forEach((p, i) => (p.grad = dec(s.grads[i]!)));
      opt.step();
      params.forEach((p, i) => {
        const err = relErr(p, dec(s.params[i]!));
        assert.ok(err <= RTOL, `step ${k + 1}, param ${i}: relative error ${err}`);
      });
    });
  });
}

/** The scheduler a fixture describes (kind and options, as scripts/fixtures/optim.py writes them). */
function makeScheduler(opt: Optimizer<GroupOptions>, kind: string, o: Record<string, never>): Scheduler {
  const sub = (): LRScheduler[] => (o.schedulers as { kind: string; options: Record<string, never> }[]).map((s) => makeScheduler(opt, s.kind, s.options) as LRScheduler);
  switch (kind) {
    case "step": return new StepLR(opt, o.stepSize, o.gamma);
    case "multistep": return new MultiStepLR(opt, o.milestones, o.gamma);
    case "exponential": return new ExponentialLR(opt, o.gamma);
    case "linear": return new LinearLR(opt, o);
    case "cosine": return new CosineAnnealingLR(opt, o.tMax, o.etaMin);
    case "onecycle": return new OneCycleLR(opt, o as unknown as OneCycleOptions);
    case "plateau": return new ReduceLROnPlateau(opt, o);
    case "sequential": return new SequentialLR(opt, sub(), o.milestones);
    case "chained": return new ChainedScheduler(sub());
    default: throw new Error(`unknown scheduler kind ${kind}`);
  }
}

for (const c of fx.schedulers) {
  test(`scheduler ${c.name}: lr (and momentum) sequence equals PyTorch's`, () => {
    const p = tensor([0, 0]);
    const opt: Optimizer<GroupOptions> = c.optimizer === "sgd" ? new SGD([p], { lr: 0.1, momentum: 0.9 }) : new Adam([p], { lr: 0.1 });
    const o = c.options as Record<string, never>;
    // a warmup stepped each step under a plateau schedule stepped with a value now and then, both on one optimizer
    const pair = c.kind === "warmup+plateau" ? [new LinearLR(opt, o.warmup), new ReduceLROnPlateau(opt, o.plateau)] as const : null;
    const sched = pair ? null : makeScheduler(opt, c.kind, o);
    c.lrs.forEach((lr, k) => {
      const g = opt.groups[0] as unknown as { lr: number; momentum?: number; betas?: number[] };
      assert.ok(Math.abs(g.lr - lr) <= 1e-12 + 1e-9 * Math.abs(lr), `step ${k}: lr ${g.lr} vs ${lr}`);
      const m = g.betas ? g.betas[0]! : g.momentum!;
      assert.ok(Math.abs(m - c.momenta[k]!) <= 1e-12, `step ${k}: momentum ${m} vs ${c.momenta[k]}`);
      p.grad = tensor([0, 0]);
      opt.step();
      if (pair) {
        pair[0].step();
        if (c.metrics![k] !== null) pair[1].step(c.metrics![k]!);
      } else sched!.step(c.metrics?.[k] ?? undefined);
    });
  });
}

test("a scheduler's state dict, with the optimizer's, continues the same lrs; ReduceLROnPlateau's best survives JSON", () => {
  const run = (restoreAt: number | null): number[] => {
    const build = () => {
      const opt = new SGD([tensor([0])], { lr: 0.1, momentum: 0.9 });
      const plateau = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
      const seq = new SequentialLR(opt, [new LinearLR(opt, { startFactor: 0.1, totalIters: 4 }), new CosineAnnealingLR(opt, 10)], [4]);
      return { opt, plateau, seq };
    };
    let s = build();
    const lrs: number[] = [];
    for (let k = 0; k < 14; k++) {
      if (k === restoreAt) {
        const saved = JSON.parse(JSON.stringify({ opt: s.opt.stateDict(), plateau: s.plateau.stateDict(), seq: s.seq.stateDict() }));
        s = build();
        s.opt.loadStateDict(saved.opt);
        s.plateau.loadStateDict(saved.plateau);
        s.seq.loadStateDict(saved.seq);
      }
      lrs.push(s.opt.groups[0]!.lr);
      s.seq.step();
      if (k % 3 === 2) s.plateau.step(k < 6 ? 1 - k / 10 : 1);
    }
    return lrs;
  };
  assert.deepEqual(run(7), run(null));
  assert.deepEqual(run(1), run(null));
});

for (const c of fx.clip) {
  test(`clipGradNorm ${c.name}`, () => {
    const params = c.grads.map((g) => {
      const p = tensor(new Float32Array(g.shape.reduce((a, b) => a * b, 1)), g.shape);
      p.grad = dec(g);
      return p;
    });
    const total = clipGradNorm(params, c.maxNorm, c.normType === "inf" ? Infinity : c.normType);
    assert.ok(Math.abs(total - c.total) <= 1e-5 * c.total, `total ${total} vs ${c.total}`);
    params.forEach((p, i) => assert.ok(relErr(p.grad!, dec(c.clipped[i]!)) <= 1e-5));
  });
}

test("state save/restore continues the same trajectory", () => {
  const c = fx.optimizers.find((o) => o.name === "adam amsgrad")!;
  const run = (restoreAt: number | null): Tensor[] => {
    let params = c.init.map(dec);
    let opt = new Adam(params, c.options as never);
    c.steps.forEach((s, k) => {
      if (k === restoreAt) {
        const snap = JSON.parse(JSON.stringify(opt.stateDict(), (_k, v) => (v instanceof Float32Array ? { f32: [...v] } : v)), (_k, v) => (v && v.f32 ? Float32Array.from(v.f32) : v));
        const values = params.map((p) => p.data.slice());
        params = values.map((v, i) => tensor(v as Float32Array, c.init[i]!.shape));
        opt = new Adam(params, { lr: 123 });
        opt.loadStateDict(snap);
      }
      params.forEach((p, i) => (p.grad = dec(s.grads[i]!)));
      opt.step();
    });
    return params;
  };
  const a = run(null), b = run(11);
  a.forEach((p, i) => assert.deepEqual([...p.data], [...b[i]!.data]));
});

test("bad hyper-parameters are refused", () => {
  const p = [tensor([1])];
  assert.throws(() => new SGD(p, { lr: -1 }), ValueError);
  assert.throws(() => new SGD(p, { lr: 0.1, nesterov: true }), /Nesterov/);
  assert.throws(() => new Adam(p, { betas: [1, 0.9] }), /betas/);
  assert.throws(() => new SGD([], { lr: 0.1 }), /empty/);
  assert.throws(() => new OneCycleLR(new SGD(p, { lr: 0.1 }), { maxLr: 1 }), /totalSteps/);
  const sched = new OneCycleLR(new SGD(p, { lr: 0.1, momentum: 0.9 }), { maxLr: 1, totalSteps: 2 });
  sched.step();
  sched.step();
  assert.throws(() => sched.step(), /tried to step 3 times/);
  assert.throws(() => new RMSprop(p, { momentum: -1 }), /RMSprop: eps, weightDecay and momentum must be ≥ 0/);
  assert.throws(() => new ReduceLROnPlateau(new SGD(p, { lr: 0.1 }), { factor: 1 }), /factor must be in \(0, 1\)/);
  assert.throws(() => new ReduceLROnPlateau(new SGD(p, { lr: 0.1 })).step(), /needs the monitored value/);
  assert.throws(() => new LinearLR(new SGD(p, { lr: 0.1 }), { startFactor: 0 }), /startFactor must be in \(0, 1\]/);
  const o = new SGD(p, { lr: 0.1 });
  assert.throws(() => new SequentialLR(o, [new LinearLR(o), new StepLR(o, 2)], []), /2 schedulers need 1 milestones, got 0/);
  assert.throws(() => new SequentialLR(o, [new LinearLR(new SGD([tensor([1])], { lr: 1 }))], []), /drives another optimizer/);
});
