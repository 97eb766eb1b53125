// The trainer in-process: same seed → same metrics and weights, checkpoint round trip, the NaN stop, metrics helpers,
// the input transforms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { Generator, tensor, type Tensor } from "../../src/index.js";
import { inputTransforms, runTraining, TRAIN_DEFAULTS, DivergedError, readMetrics, type TrainConfig } from "../../src/train/node.js";
import { loadNamedDataset } from "../../src/data/node.js";
import { compose, normalize, pad, randomAffine, repeatChannels } from "../../src/data/transforms.js";
import { decodeCheckpoint, encodeCheckpoint, joinOptimizerState, splitOptimizerState, CHECKPOINT_FORMAT } from "../../src/train/checkpoint.js";
import { ConfusionMatrix, countCorrect } from "../../src/train/metrics.js";
import { Adam } from "../../src/optim/index.js";

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `convkit-train-${p}-`));
const tiny = (out: string, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...TRAIN_DEFAULTS, model: "lenet5", out, epochs: 2, batchSize: 16, limitTrain: 48, limitTest: 32, checkpointEvery: 0, ...extra,
});
const quiet = { log: () => {}, tty: false };
const strip = (r: Record<string, number>): Record<string, number> => {
  const { seconds: _s, imagesPerSecond: _i, ...rest } = r;
  return rest;
};

test("same seed → same metrics and weights; another seed → different", async () => {
  const [a, b, c] = [tmp("a"), tmp("b"), tmp("c")];
  await runTraining(tiny(a), quiet);
  await runTraining(tiny(b), quiet);
  await runTraining(tiny(c, { seed: 1 }), quiet);
  const ma = readMetrics(join(a, "metrics.jsonl")).map((r) => strip(r as unknown as Record<string, number>));
  assert.equal(ma.length, 2);
  assert.deepEqual(readMetrics(join(b, "metrics.jsonl")).map((r) => strip(r as unknown as Record<string, number>)), ma);
  assert.notDeepEqual(readMetrics(join(c, "metrics.jsonl")).map((r) => strip(r as unknown as Record<string, number>)), ma);
  const wa = decodeCheckpoint(new Uint8Array(readFileSync(join(a, "last.safetensors")))).model;
  const wb = decodeCheckpoint(new Uint8Array(readFileSync(join(b, "last.safetensors")))).model;
  for (const [k, t] of wa) assert.deepEqual([...t.data], [...wb.get(k)!.data], k);
  // the finished run's checkpoint points past the last epoch
  const meta = decodeCheckpoint(new Uint8Array(readFileSync(join(a, "last.safetensors")))).meta;
  assert.deepEqual([meta.epoch, meta.batch, meta.step], [2, 0, 6]);
  assert.ok(existsSync(join(a, "curves.png")) && existsSync(join(a, "best.safetensors")));
});

test("a NaN/Inf loss stops training with a clear message and keeps the last good checkpoint", async () => {
  const out = tmp("nan");
  await assert.rejects(runTraining(tiny(out, { lr: 1e30, momentum: 0, scheduler: "none", epochs: 1 }), quiet),
    (e: unknown) => e instanceof DivergedError && /training stopped: the loss became (NaN|Infinity) at epoch 1, batch \d+ .*try a smaller --lr/.test(e.message));
});

test("checkpoint round trip keeps model, optimizer, scheduler and RNG state", () => {
  const p = tensor([1, 2, 3]);
  const opt = new Adam([p], { lr: 0.1 });
  p.grad = tensor([0.5, -1, 2]);
  opt.step();
  const split = splitOptimizerState("adam", opt.stateDict());
  const model = new Map([["w", tensor([[1, 2], [3, 4]])]]);
  const meta = {
    format: CHECKPOINT_FORMAT, model: "lenet5", modelOptions: { numClasses: 10 }, dataset: "mnist", classes: ["a"], mean: [0.1], std: [0.3],
    inputShape: [1, 32, 32], epoch: 3, batch: 7, step: 99, epochStats: { lossSum: 1.5, seen: 8, seconds: 2, metricSums: { accuracy: 4 } },
    best: { monitor: "valAccuracy", value: 0.9, epoch: 2 }, config: { lr: 0.1 }, optimizer: split.meta, callbacks: [{ lastEpoch: 99 }, null], rng: [1, 2, 3, 4],
  } as const;
  const back = decodeCheckpoint(encodeCheckpoint({ meta: { ...meta, classes: [...meta.classes], mean: [...meta.mean], std: [...meta.std], inputShape: [...meta.inputShape], rng: [...meta.rng], callbacks: [...meta.callbacks] }, model, optimizerBuffers: split.buffers }));
  assert.deepEqual(back.meta.epochStats, meta.epochStats);
  assert.deepEqual(back.meta.callbacks, meta.callbacks);
  assert.deepEqual([...back.model.get("w")!.data], [1, 2, 3, 4]);
  const os = joinOptimizerState(back)!;
  assert.equal(os.state[0]!.step, 1);
  assert.deepEqual([...(os.state[0]!.expAvg as Float32Array)], [...(opt.stateDict().state[0]!.expAvg as Float32Array)]);
  assert.throws(() => decodeCheckpoint(new Uint8Array(8)), /header/);
});

test("ConfusionMatrix and countCorrect", () => {
  const logits = tensor([[2, 1, 0], [0, 3, 1], [0, 1, 5], [4, 0, 0]]);
  const labels = tensor([0, 2, 2, 1]);
  assert.equal(countCorrect(logits, labels), 2);
  const cm = new ConfusionMatrix(3);
  cm.add(logits, labels);
  assert.deepEqual(cm.counts, [[1, 0, 0], [1, 0, 0], [0, 1, 1]]);
  assert.equal(cm.accuracy, 0.5);
  assert.match(cm.format(["a", "b", "c"]), /c\s+\|\s+0\s+1\s+1\s+50\.0%/);
});

test("input transforms: normalising before the padding gives what padding, repeating the channels and then normalising give", () => {
  const ds = loadNamedDataset("mnist");
  const idx = [0, 5, 17, 4000, 8003];
  const x = tensor(Float32Array.from(idx.flatMap((i) => [...ds.train.get(i).image.data])), [idx.length, 1, 28, 28]);
  const rngs = (): Generator[] => idx.map((i) => new Generator(i));
  const affine = randomAffine({ degrees: 10, translate: [0.08, 0.08], scale: [0.9, 1.1] });
  for (const input of [[1, 32, 32], [3, 32, 32], [1, 30, 29]]) {
    const [c, h, w] = input as [number, number, number];
    const padding = pad([Math.floor((w - 28) / 2), Math.floor((h - 28) / 2), Math.ceil((w - 28) / 2), Math.ceil((h - 28) / 2)]);
    const repeat = c === 3 ? [repeatChannels(3)] : [];
    const norm = normalize(Array(c).fill(ds.mean[0]), Array(c).fill(ds.std[0]));
    const tf = inputTransforms(ds, input, true);
    const same = (a: Tensor, b: Tensor, what: string): void => {
      assert.deepEqual(a.shape, b.shape, what);
      a.data.forEach((v, k) => assert.ok(Object.is(v, b.data[k]), `${what}, value ${k}: ${v} against ${b.data[k]}`));
    };
    same(tf.test.batch!(x, rngs()), compose(padding, ...repeat, norm).batch!(x, rngs()), `test transform for [${input}]`);
    same(tf.train.batch!(x, rngs()), compose(affine, padding, ...repeat, norm).batch!(x, rngs()), `training transform for [${input}]`);
  }
});
