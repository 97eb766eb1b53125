// fit on a user's own Module and Dataset: checkpoints, metrics.jsonl/.csv, curves.png, progress with ETAs, exact
// resume after a stop mid-epoch (with stateful callbacks), callbacks (early stopping, learning-rate schedules stepped
// per step or per epoch, ReduceLROnPlateau on a custom metric, a user's function), and the main entry's fit, which
// writes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { F, Generator, data, nn, optim, tensor, train, type Tensor } from "../../src/index.js";
import type { Dataset, Sample } from "../../src/data/dataset.js";
import { fit, InterruptedError, readMetrics, readSteps, STEPS_FILE } from "../../src/train/node.js";
import { FormatError } from "../../src/errors.js";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/train/checkpoint.js";

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `convkit-fit-${p}-`));

/** A user's dataset: 8×8 images of a horizontal (class 0) or vertical (class 1) bar at a place and brightness
 *  given by the index, over faint noise. */
class Bars implements Dataset {
  readonly classes = ["horizontal", "vertical"];
  constructor(readonly length: number, private readonly salt: number) {}
  get(i: number): Sample {
    const g = new Generator(i * 7919 + this.salt);
    const label = i % 2, at = 1 + g.int(6), level = 0.6 + 0.4 * g.random();
    const px = new Float32Array(64).map(() => 0.1 * g.random());
    for (let k = 0; k < 8; k++) px[label === 0 ? at * 8 + k : k * 8 + at] = level;
    return { image: tensor(px, [1, 8, 8]), label };
  }
}

/** A user's model: conv 3×3 → ReLU → max pool → linear. */
class Net extends nn.Module {
  readonly conv: nn.Conv2d;
  readonly fc: nn.Linear;
  constructor(seed: number) {
    super();
    const generator = new Generator(seed);
    this.conv = this.registerModule("conv", new nn.Conv2d(1, 4, 3, { generator }));
    this.fc = this.registerModule("fc", new nn.Linear(4 * 3 * 3, 2, { generator }));
  }
  forward(x: Tensor): Tensor {
    const h = F.maxPool2d(F.relu(this.conv.call(x)), { kernelSize: 2, stride: 2 });
    return this.fc.call(h.flatten(1));
  }
}

const trainSet = new Bars(96, 1), valSet = new Bars(32, 2);
const noTime = (dir: string) => readMetrics(join(dir, "metrics.jsonl")).map(({ seconds: _s, imagesPerSecond: _i, ...r }) => r);
const checkpoint = (dir: string, name = "last.safetensors") => decodeCheckpoint(new Uint8Array(readFileSync(join(dir, name))));

test("fit trains a user's Module on a user's Dataset into a run directory: checkpoints, metrics.jsonl and .csv, curves.png, progress", async () => {
  const dir = join(tmp("run"), "run");
  const net = new Net(3);
  const lines: string[] = [];
  const r = await fit(net, trainSet, {
    epochs: 3, batchSize: 16, optimizer: new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 }), validation: valSet, seed: 1,
    dir, checkpointEvery: 4, log: (l) => lines.push(l), tty: false,
  });
  assert.ok(r.final.valAccuracy! >= 0.75, `held-out accuracy ${r.final.valAccuracy} (chance: 0.5)`);
  assert.deepEqual([r.best.monitor, r.stopped, r.records.length], ["valAccuracy", null, 3]);
  const records = readMetrics(join(dir, "metrics.jsonl"));
  assert.deepEqual(records.map((x) => [x.epoch, x.step]), [[1, 6], [2, 12], [3, 18]], "epochs count from 1");
  assert.deepEqual(Object.keys(records[0]!), ["epoch", "step", "trainLoss", "trainAccuracy", "valLoss", "valAccuracy", "lr", "seconds", "imagesPerSecond"]);
  const csv = readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "epoch,step,trainLoss,trainAccuracy,valLoss,valAccuracy,lr,seconds,imagesPerSecond");
  assert.deepEqual(csv.slice(1).map((row) => row.split(",").map(Number)), records.map((x) => Object.values(x)));
  assert.deepEqual([...readFileSync(join(dir, "curves.png")).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(""), "PNG");
  // every step's loss: in steps.csv, in the result, and as the picture's one thin line (curves.svg beside the PNG)
  assert.equal(r.stepLosses.length, 18);
  assert.deepEqual(readSteps(join(dir, STEPS_FILE), 18), r.stepLosses);
  assert.equal(readFileSync(join(dir, STEPS_FILE), "utf8").split("\n").length, 1 + 18 + 1, "a line per step, each once (written in parts, at every checkpoint)");
  assert.ok(Math.abs(r.stepLosses.slice(0, 6).reduce((a, l) => a + l, 0) / 6 - records[0]!.trainLoss) < 1e-12, "the first epoch's mean is its steps' mean");
  const svg = readFileSync(join(dir, "curves.svg"), "utf8");
  const thin = [...svg.matchAll(/<path d="([^"]*)"[^>]*stroke-width="1"/g)];
  assert.equal(thin.length, 1, "one per-step line");
  assert.equal(thin[0]![1]!.split(/[ML]/).filter(Boolean).length, 18);
  const ck = checkpoint(dir);
  assert.deepEqual([ck.meta.model, ck.meta.classes, ck.meta.inputShape, ck.meta.epoch, ck.meta.batch, ck.meta.step], ["Net", ["horizontal", "vertical"], [1, 8, 8], 3, 0, 18]);
  for (const [k, t] of net.stateDict()) assert.deepEqual([...ck.model.get(k)!.data], [...t.data], k);
  // the best epoch: the first with the highest held-out accuracy; best.safetensors is its checkpoint
  const top = Math.max(...records.map((x) => x.valAccuracy!));
  assert.deepEqual([r.best.epoch, r.best.value], [records.find((x) => x.valAccuracy === top)!.epoch, top]);
  assert.equal(checkpoint(dir, "best.safetensors").meta.epoch, r.best.epoch);
  // progress: a line every fifth of an epoch with the epoch's and the run's ETA, then the epoch's record
  assert.match(lines.find((l) => l.includes("epoch 2/3 batch 2/6"))!, /^ {2}epoch 2\/3 batch 2\/6: loss \d\.\d{4}, acc \d+\.\d%, \d+ img\/s, ETA [\d.]+s \(run [\d.]+s\)$/);
  assert.match(lines.find((l) => l.startsWith("epoch 1/3:"))!, /^epoch 1\/3: train loss \d\.\d{4} acc [\d.]+% \| val loss \d\.\d{4} acc [\d.]+%( \(best\))? \| [\d.]+s, \d+ img\/s \| ETA [\d.]+s$/);
  assert.match(lines.find((l) => l.startsWith("epoch 3/3:"))!, /img\/s$/, "no ETA after the last epoch");
  await assert.rejects(fit(new Net(3), trainSet, { epochs: 1, dir, progress: false }), /already holds a run \(last\.safetensors\); resume it, or choose another directory/);
});

/** A run with stateful callbacks: a multi-step schedule stepped per epoch, a warmup stepped per step, early stopping
 *  with a patience it never reaches, and a user's function. */
function setup(seed: number) {
  const net = new Net(seed);
  const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
  const lrs: number[] = [];
  const callbacks = [
    new train.LRSchedule(new optim.LinearLR(opt, { startFactor: 0.5, totalIters: 4 }), { interval: "step" }),
    new train.LRSchedule(new optim.MultiStepLR(opt, [2], 0.5)),
    new train.EarlyStopping({ monitor: "valLoss", patience: 10 }),
    { onBatchEnd: (ctx: train.FitContext) => void lrs.push(ctx.optimizer.groups[0]!.lr) },
  ];
  return { net, opt, lrs, callbacks, es: callbacks[2] as train.EarlyStopping };
}

test("a run stopped mid-epoch resumes with fit(…, { resume: true }) to exactly the uninterrupted run, callbacks' state included", async () => {
  const [stopped, straight] = [join(tmp("stopped"), "run"), join(tmp("straight"), "run")];
  const opts = { epochs: 3, batchSize: 16, validation: valSet, seed: 4, tty: false } as const;
  const a = setup(5);
  const stop = new AbortController();
  const log = (line: string): void => {
    if (line.includes("epoch 2/3 batch 4/6")) stop.abort();
  };
  await assert.rejects(fit(a.net, trainSet, { ...opts, optimizer: a.opt, callbacks: a.callbacks, dir: stopped, log, signal: stop.signal }), (e: unknown) => {
    assert.ok(e instanceof InterruptedError, String(e));
    assert.equal(e.message, `interrupted at epoch 2 step 10 (batch 4/6 of the epoch); checkpoint saved to ${join(stopped, "last.safetensors")}`);
    return true;
  });
  assert.deepEqual([checkpoint(stopped).meta.epoch, checkpoint(stopped).meta.batch], [1, 4]);
  // a new process: another initialisation, which the checkpoint replaces
  const b = setup(99);
  const lines: string[] = [];
  const resumed = await fit(b.net, trainSet, { ...opts, optimizer: b.opt, callbacks: b.callbacks, dir: stopped, resume: true, log: (l) => lines.push(l) });
  assert.ok(!lines.some((l) => l.includes("epoch 1/3")), "the finished epoch is not run again");
  const c = setup(5);
  const whole = await fit(c.net, trainSet, { ...opts, optimizer: c.opt, callbacks: c.callbacks, dir: straight, log: () => {} });
  for (const [k, t] of c.net.stateDict()) assert.deepEqual([...b.net.stateDict().get(k)!.data], [...t.data], `weights ${k}`);
  assert.deepEqual(noTime(stopped), noTime(straight));
  assert.deepEqual(resumed.records.map((r) => r.valLoss), whole.records.map((r) => r.valLoss));
  // the steps before the stop come back from steps.csv, bit for bit
  assert.deepEqual(resumed.stepLosses, whole.stepLosses);
  assert.equal(readFileSync(join(stopped, STEPS_FILE), "utf8"), readFileSync(join(straight, STEPS_FILE), "utf8"));
  assert.deepEqual([b.es.best, b.es.bestEpoch, b.es.wait], [c.es.best, c.es.bestEpoch, c.es.wait]);
  assert.deepEqual([...a.lrs, ...b.lrs], c.lrs, "the schedules continue where they were");
  assert.equal(c.opt.groups[0]!.lr, 0.05);
  // resuming with other callbacks than the run had is refused
  await assert.rejects(fit(new Net(5), trainSet, { ...opts, dir: straight, resume: true, epochs: 4, log: () => {} }), /the run to resume had 6 callbacks, this one has 2; pass the same callbacks/);
  // a checkpoint of convkit before fit (no callbacks' state, other epoch sums) is refused with what to do instead
  const old = checkpoint(straight);
  const { callbacks: _c, ...meta } = old.meta;
  writeFileSync(join(straight, "last.safetensors"), encodeCheckpoint({ ...old, meta: { ...meta, epochStats: { lossSum: 0, seen: 0, seconds: 0 } } as unknown as typeof old.meta }));
  await assert.rejects(fit(new Net(5), trainSet, { ...opts, dir: straight, resume: true, epochs: 4, log: () => {} }),
    /last\.safetensors was written by an earlier convkit, whose runs cannot be resumed by this one; start a new run from its weights \(convkit train --init .*last\.safetensors\)$/);
});

test("callbacks: early stopping, a warmup per step, ReduceLROnPlateau on a custom metric, a user's function per batch and epoch", async () => {
  // lr 0: nothing improves, so early stopping ends the run after its patience
  const net = new Net(7);
  const seen: string[] = [];
  const early = await train.fit(net, trainSet, {
    epochs: 10, batchSize: 32, optimizer: new optim.SGD(net.parameters(), { lr: 0 }),
    callbacks: [new train.EarlyStopping({ monitor: "trainLoss", patience: 2, minDelta: 1e-6 }),
      { onBatchEnd: (ctx, log) => seen.push(`b${ctx.epoch}.${log.batch}`), onEpochEnd: (_ctx, r) => seen.push(`e${r.epoch}`) }],
  });
  assert.equal(early.records.length, 3);
  assert.match(early.stopped!, /^early stopping: trainLoss has not improved for 2 epochs \(best [\d.]+ at epoch 1\)$/);
  assert.deepEqual(seen, ["b1.1", "b1.2", "b1.3", "e1", "b2.1", "b2.2", "b2.3", "e2", "b3.1", "b3.2", "b3.3", "e3"]);

  // a plateau schedule on a metric that never improves: halved after every epoch but the first; a warmup under it
  const net2 = new Net(8);
  const opt = new optim.SGD(net2.parameters(), { lr: 0.2 });
  const r = await train.fit(net2, trainSet, {
    epochs: 4, batchSize: 48, optimizer: opt, metrics: { accuracy: train.accuracy, constant: () => 1 },
    callbacks: [new train.LRSchedule(new optim.LinearLR(opt, { startFactor: 0.25, totalIters: 2 }), { interval: "step" }),
      new train.LRSchedule(new optim.ReduceLROnPlateau(opt, { mode: "max", patience: 0, factor: 0.5 }), { monitor: "trainConstant" })],
  });
  assert.deepEqual(r.records.map((x) => x.trainConstant), [1, 1, 1, 1]);
  assert.deepEqual(r.records.map((x) => x.lr), [0.2, 0.2, 0.1, 0.05]);
  assert.equal(opt.groups[0]!.lr, 0.025);
  assert.equal(r.best.monitor, "trainLoss", "no validation data: the best epoch is by training loss");

  assert.throws(() => new train.LRSchedule(new optim.ReduceLROnPlateau(opt), { interval: "step" }), /needs interval 'epoch'/);
  await assert.rejects(train.fit(net2, trainSet, { epochs: 1, callbacks: [new train.EarlyStopping()] }), /EarlyStopping: the epoch's record has no 'valLoss'/);
});

test("the main entry's fit writes nothing; validation on a terminal shows a bar with the run's ETA", async () => {
  const net = new Net(9);
  const r = await train.fit(net, trainSet, { epochs: 1, batchSize: 32, validation: valSet });
  assert.deepEqual(r.records.map((x) => x.epoch), [1]);
  assert.ok(r.imagesPerSecond > 0 && r.trainSeconds > 0);
  const written: string[] = [];
  const stream = { isTTY: true, columns: 160, write: (s: string | Uint8Array): boolean => (written.push(String(s)), true) } as unknown as NodeJS.WritableStream;
  await fit(new Net(9), trainSet, { epochs: 2, batchSize: 16, validation: new data.DataLoader(valSet, { batchSize: 8 }), tty: true, stream, log: () => {} });
  const text = written.join("");
  assert.match(text, /epoch 1\/2 \[[^\]]*\] \d\/6 \| loss [\d.-]+ \| acc [\d.%-]+ \| [\d-]+ img\/s \| ETA [\d.ms?-]+, run [\d.ms?-]+/);
  assert.match(text, /epoch 1\/2 validating \[[^\]]*\] [1-4]\/4/);
  assert.ok(text.lastIndexOf("\x1b[?25h") > text.lastIndexOf("\x1b[?25l"), "the cursor is shown again");
});

test("readSteps: steps past the checkpoint are ignored, missing ones are NaN, a damaged steps.csv is a FormatError", () => {
  const path = join(tmp("steps"), STEPS_FILE);
  writeFileSync(path, "step,loss\n1,0.5\n3,0.25\n4,0.125\n");
  assert.deepEqual(readSteps(path, 3), [0.5, NaN, 0.25]);
  assert.deepEqual(readSteps(join(tmp("none"), STEPS_FILE), 2), [NaN, NaN]);
  for (const [text, rule] of [["loss\n", /expected the header 'step,loss'/], ["step,loss\n1,0.5\n2,abc\n", /line 3: expected 'step,loss'/], ["step,loss\n0,1\n", /line 2/]] as const) {
    writeFileSync(path, text);
    assert.throws(() => readSteps(path, 5), (e: unknown) => e instanceof FormatError && rule.test(e.message) && e.message.startsWith(path));
  }
});
