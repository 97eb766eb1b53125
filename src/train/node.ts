// The training run behind `convkit train`: data → model → optimizer/scheduler → epochs with a progress bar (TTY) or
// plain lines, validation each epoch, metrics.jsonl, curves.png, atomic last/best checkpoints, exact resume, and a
// clean stop on a NaN/Inf loss. Node-only (files, terminal).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../io/node.js";
import { join } from "node:path";
import cliProgress from "cli-progress";
import { Tensor } from "../tensor/tensor.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { ConvkitError, ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { crossEntropy } from "../ops/loss.js";
import { DataLoader, type Batch } from "../data/loader.js";
import { Subset, withTransform, type Dataset } from "../data/dataset.js";
import { centerCrop, compose, normalize, pad, randomAffine, randomCrop, randomHorizontalFlip, resize, type Transform } from "../data/transforms.js";
import { loadNamedDataset, type NamedDataset } from "../data/node.js";
import { mixSeed } from "../data/loader.js";
import { SGD } from "../optim/sgd.js";
import { Adam, AdamW } from "../optim/adam.js";
import { CosineAnnealingLR, OneCycleLR, StepLR, type LRScheduler } from "../optim/schedulers.js";
import type { GroupOptions, Optimizer } from "../optim/optimizer.js";
import { curves } from "../viz/plots.js";
import { encodePng } from "../viz/node.js";
import { loadSafetensors } from "../io/safetensors.js";
import { CHECKPOINT_FORMAT, decodeCheckpoint, isCheckpointMetadata, encodeCheckpoint, joinOptimizerState, splitOptimizerState, type Checkpoint, type CheckpointMeta } from "./checkpoint.js";
import { countCorrect, evaluate, logitsOf, type Classifier } from "./metrics.js";

/** Training stopped because the loss stopped being a finite number. */
export class DivergedError extends ConvkitError {}

export interface TrainConfig {
  model: string;
  modelOptions: Record<string, unknown>;
  data: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: "sgd" | "adam" | "adamw";
  momentum: number;
  weightDecay: number;
  scheduler: "onecycle" | "cosine" | "step" | "none";
  seed: number;
  out: string;
  /** Random shifts (and flips for non-digit data) while training. */
  augment: boolean;
  /** Write last.safetensors every this many steps too (0: only at epoch ends). */
  checkpointEvery: number;
  /** Use only the first N train / test samples (quick runs, tests). */
  limitTrain: number;
  limitTest: number;
  /** Start from these weights (a training checkpoint or a .safetensors state dict of the same model) instead of a
   *  random initialisation: fine-tuning, with a fresh optimizer and schedule. "" for none. */
  init?: string;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, "model"> = {
  modelOptions: {}, data: "mnist", epochs: 30, batchSize: 64, lr: 0.05, optimizer: "sgd", momentum: 0.9, weightDecay: 5e-4,
  scheduler: "onecycle", seed: 0, out: "runs/lenet5-mnist", augment: true, checkpointEvery: 50, limitTrain: 0, limitTest: 0,
};

/** One line of metrics.jsonl. */
export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainResult {
  records: EpochRecord[];
  final: EpochRecord;
  best: { accuracy: number; epoch: number };
  outDir: string;
  trainSeconds: number;
  imagesPerSecond: number;
}

export interface RunOptions {
  resume?: boolean;
  /** Where plain lines go (default console.log). */
  log?: (line: string) => void;
  /** Draw a progress bar (default: stdout is a TTY). */
  tty?: boolean;
}

/** The transforms from a dataset's images to the model's input [C,H,W]: pad or resize + centre-crop, channel repeat, normalise. */
export function inputTransforms(ds: NamedDataset, input: readonly number[], augment: boolean): { train: Transform; test: Transform } {
  const [c, h, w] = input as [number, number, number];
  const sample = ds.train.get(0).image;
  const [sc, sh, sw] = sample.shape as [number, number, number];
  const fit: Transform[] = [];
  if (sh <= h && sw <= w) {
    if (sh < h || sw < w) fit.push(pad([Math.floor((w - sw) / 2), Math.floor((h - sh) / 2), Math.ceil((w - sw) / 2), Math.ceil((h - sh) / 2)]));
  } else fit.push(resize(Math.min(h, w)), centerCrop([h, w]));
  const channels: Transform[] = [];
  if (sc === 1 && c === 3) channels.push((x) => new Tensor(Float32Array.from({ length: 3 * x.size }, (_, i) => x.data[i % x.size]!), [3, x.shape[1]!, x.shape[2]!]));
  else if (sc !== c) throw new ValueError(`the model takes ${c}-channel images but ${ds.name} has ${sc} channels`);
  const mean = c === 3 && ds.mean.length === 1 ? [ds.mean[0]!, ds.mean[0]!, ds.mean[0]!] : ds.mean;
  const std = c === 3 && ds.std.length === 1 ? [ds.std[0]!, ds.std[0]!, ds.std[0]!] : ds.std;
  const digits = ds.name === "mnist" || ds.classes.join() === "0,1,2,3,4,5,6,7,8,9";
  // digits: small rotations, zooms and shifts (a mirrored digit is another symbol); other images: shifts and mirroring
  const aug: Transform[] = !augment ? [] : digits
    ? [randomAffine({ degrees: 10, translate: [0.08, 0.08], scale: [0.9, 1.1] })]
    : [randomCrop([h, w], { padding: 2 }), randomHorizontalFlip()];
  return {
    train: compose(...fit, ...aug, ...channels, normalize(mean, std)),
    test: compose(...fit, ...channels, normalize(mean, std)),
  };
}

/** The model's input [C,H,W] for a dataset: the zoo's default, with LeNet-5's 32×32 kept for 28×28 digits. */
export function modelInputShape(model: string, modelOptions: Record<string, unknown>): number[] {
  const s = models.defaultInputShape(model).slice(1);
  if (typeof modelOptions.inChannels === "number") s[0] = modelOptions.inChannels;
  return s;
}

function makeOptimizer(cfg: TrainConfig, model: Classifier): Optimizer<GroupOptions> {
  const params = [...model.parameters()];
  switch (cfg.optimizer) {
    case "sgd": return new SGD(params, { lr: cfg.lr, momentum: cfg.momentum, nesterov: cfg.momentum > 0, weightDecay: cfg.weightDecay });
    case "adam": return new Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
    case "adamw": return new AdamW(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
    default: throw new ValueError(`unknown optimizer '${String(cfg.optimizer)}' (sgd, adam, adamw)`);
  }
}

function makeScheduler(cfg: TrainConfig, opt: Optimizer<GroupOptions>, stepsPerEpoch: number): LRScheduler | null {
  switch (cfg.scheduler) {
    case "onecycle": return new OneCycleLR(opt, { maxLr: cfg.lr, totalSteps: cfg.epochs * stepsPerEpoch });
    case "cosine": return new CosineAnnealingLR(opt, cfg.epochs);
    case "step": return new StepLR(opt, Math.max(1, Math.round(cfg.epochs / 3)), 0.1);
    case "none": return null;
    default: throw new ValueError(`unknown scheduler '${String(cfg.scheduler)}' (onecycle, cosine, step, none)`);
  }
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(1)}s`;
}

/** Read metrics.jsonl (missing file: no records). */
export function readMetrics(path: string): EpochRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord);
}

/** curves.png: train/val loss and accuracy against epochs. */
export function curvesPicture(records: readonly EpochRecord[]): ReturnType<typeof curves> {
  return curves([
    { title: "loss", xLabel: "epoch", series: [
      { name: "train", points: records.map((r) => [r.epoch + 1, r.trainLoss]) },
      { name: "val", points: records.map((r) => [r.epoch + 1, r.valLoss]) }] },
    { title: "accuracy", xLabel: "epoch", series: [
      { name: "train", points: records.map((r) => [r.epoch + 1, r.trainAccuracy]) },
      { name: "val", points: records.map((r) => [r.epoch + 1, r.valAccuracy]) }] },
  ]);
}

/** Train as configured (or continue the run in cfg.out with resume). */
export async function runTraining(cfgIn: TrainConfig, run: RunOptions = {}): Promise<TrainResult> {
  const log = run.log ?? ((l: string) => console.log(l));
  const lastPath = join(cfgIn.out, "last.safetensors"), bestPath = join(cfgIn.out, "best.safetensors");
  const metricsPath = join(cfgIn.out, "metrics.jsonl"), curvesPath = join(cfgIn.out, "curves.png");
  let resumed: Checkpoint | null = null;
  let cfg = cfgIn;
  if (run.resume) {
    if (!existsSync(lastPath)) throw new ValueError(`--resume: ${lastPath} does not exist (nothing to resume)`);
    resumed = decodeCheckpoint(new Uint8Array(readFileSync(lastPath)), lastPath);
    // the run continues with its own settings; only the number of epochs may be raised
    cfg = { ...(resumed.meta.config as unknown as TrainConfig), out: cfgIn.out, epochs: Math.max(cfgIn.epochs, (resumed.meta.config as unknown as TrainConfig).epochs) };
    if (cfgIn.model !== cfg.model) throw new ValueError(`--resume: ${lastPath} is a ${cfg.model} run, not ${cfgIn.model}`);
  } else if (existsSync(lastPath)) {
    throw new ValueError(`${cfgIn.out} already holds a run (last.safetensors); pass --resume to continue it, or choose another --out`);
  }
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1) throw new ValueError(`--epochs must be an integer ≥ 1, got ${cfg.epochs}`);
  if (!(cfg.lr > 0)) throw new ValueError(`--lr must be > 0, got ${cfg.lr}`);
  mkdirSync(cfg.out, { recursive: true });

  // ---- data ----
  const input = modelInputShape(cfg.model, cfg.modelOptions);
  const ds = loadNamedDataset(cfg.data, { channels: input[0] === 1 ? 1 : 3 });
  const tf = inputTransforms(ds, input, cfg.augment);
  const limit = (d: Dataset, n: number): Dataset => (n > 0 && n < d.length ? new Subset(d, Array.from({ length: n }, (_, i) => Math.floor((i * d.length) / n))) : d);
  const trainSet = withTransform(limit(ds.train, cfg.limitTrain), tf.train);
  const testSet = withTransform(limit(ds.test, cfg.limitTest), tf.test);
  const trainLoader = new DataLoader(trainSet, { batchSize: cfg.batchSize, shuffle: true, seed: cfg.seed, dropLast: true });
  const testLoader = new DataLoader(testSet, { batchSize: Math.max(cfg.batchSize, 256) });
  if (trainLoader.length === 0) throw new ValueError(`--batch-size ${cfg.batchSize} is larger than the ${trainSet.length} training samples`);

  // ---- model, optimizer, schedule ----
  const modelOptions = { ...cfg.modelOptions, numClasses: ds.classes.length };
  const model = models.create(cfg.model, { ...modelOptions, generator: new Generator(mixSeed(cfg.seed, 0x1417)) }) as Classifier;
  const opt = makeOptimizer(cfg, model);
  const sched = makeScheduler(cfg, opt, trainLoader.length);
  const perStepSchedule = cfg.scheduler === "onecycle";
  defaultGenerator.manualSeed(mixSeed(cfg.seed, 0xd0));
  let epoch = 0, batch0 = 0, step = 0;
  let stats = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  let best = { accuracy: -1, epoch: -1 };
  let records: EpochRecord[] = [];
  if (!resumed && cfg.init) {
    if (!existsSync(cfg.init)) throw new ValueError(`--init: ${cfg.init} does not exist`);
    const bytes = new Uint8Array(readFileSync(cfg.init));
    const st = loadSafetensors(bytes, { name: cfg.init });
    const weights = isCheckpointMetadata(st.metadata) ? decodeCheckpoint(bytes, cfg.init).model : st.tensors;
    try {
      model.loadStateDict(weights, { strict: true });
    } catch (e) {
      throw new ValueError(`--init: ${cfg.init} does not hold ${cfg.model}'s weights: ${(e as Error).message}`);
    }
    log(`starting from the weights in ${cfg.init}`);
  }
  if (resumed) {
    const r = model.loadStateDict(resumed.model, { strict: true });
    void r;
    const os = joinOptimizerState(resumed);
    if (os) opt.loadStateDict(os);
    if (sched && resumed.meta.scheduler) sched.loadStateDict(resumed.meta.scheduler);
    defaultGenerator.setState(resumed.meta.rng);
    ({ epoch, batch: batch0, step } = resumed.meta);
    stats = { ...resumed.meta.epochStats };
    best = { ...resumed.meta.best };
    // forget what the interrupted process logged after this checkpoint
    records = readMetrics(metricsPath).filter((rec) => rec.step <= step);
    writeFileAtomic(metricsPath, records.map((rec) => JSON.stringify(rec) + "\n").join(""));
    log(`resuming ${cfg.model} on ${ds.name} from ${lastPath}: epoch ${epoch + 1}/${cfg.epochs}, batch ${batch0}/${trainLoader.length}, step ${step}`);
  } else {
    writeFileAtomic(metricsPath, "");
    const nParams = [...model.parameters()].reduce((a, p) => a + p.size, 0);
    log(`training ${cfg.model} (${nParams.toLocaleString("en-US")} parameters) on ${ds.name}: ${trainSet.length} train / ${testSet.length} test images, ` +
      `${cfg.epochs} epochs × ${trainLoader.length} batches of ${cfg.batchSize}, ${cfg.optimizer} lr ${cfg.lr} (${cfg.scheduler}), seed ${cfg.seed} → ${cfg.out}`);
  }

  const meta = (): CheckpointMeta => {
    const split = splitOptimizerState(cfg.optimizer, opt.stateDict());
    return {
      format: CHECKPOINT_FORMAT, model: cfg.model, modelOptions, dataset: cfg.data, classes: [...ds.classes], mean: ds.mean, std: ds.std,
      inputShape: input, epoch, batch: batch0, step, epochStats: { ...stats }, best: { ...best }, config: { ...cfg } as unknown as Record<string, unknown>,
      optimizer: split.meta, scheduler: sched ? sched.stateDict() : null, rng: defaultGenerator.getState(),
    };
  };
  const save = (path: string): Uint8Array => {
    const split = splitOptimizerState(cfg.optimizer, opt.stateDict());
    const bytes = encodeCheckpoint({ meta: meta(), model: model.stateDict(), optimizerBuffers: split.buffers });
    writeFileAtomic(path, bytes);
    return bytes;
  };

  const tty = run.tty ?? process.stdout.isTTY === true;
  let trainSeconds = records.reduce((a, r) => a + r.seconds, 0);
  let trainImages = records.length * trainLoader.length * cfg.batchSize;
  for (; epoch < cfg.epochs; epoch++, batch0 = 0, stats = { lossSum: 0, correct: 0, seen: 0, seconds: 0 }) {
    const nb = trainLoader.length;
    const bar = tty ? new cliProgress.SingleBar({
      format: `epoch ${epoch + 1}/${cfg.epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`,
      barsize: 24, hideCursor: true, clearOnComplete: true, stream: process.stdout,
    }) : null;
    bar?.start(nb, batch0, { loss: "-", acc: "-", ips: "-" });
    const startBatch = batch0;
    let lastPrint = batch0;
    let t0 = performance.now();
    model.train();
    let b = batch0;
    for await (const batchData of trainLoader.epochBatchesAsync(epoch, startBatch)) {
      const { images, labels } = batchData as Batch;
      opt.zeroGrad();
      const logits = logitsOf(model.call(images));
      const loss = crossEntropy(logits, labels);
      const lv = loss.item();
      if (!Number.isFinite(lv)) {
        bar?.stop();
        throw new DivergedError(`training stopped: the loss became ${lv} at epoch ${epoch + 1}, batch ${b + 1} (step ${step + 1}, lr ${opt.groups[0]!.lr.toPrecision(3)}); ` +
          `the last good checkpoint is ${lastPath}${existsSync(lastPath) ? "" : " (none written yet)"}; try a smaller --lr`);
      }
      loss.backward();
      opt.step();
      if (sched && perStepSchedule) sched.step();
      step++;
      b++;
      stats.lossSum += lv * labels.size;
      stats.correct += countCorrect(logits, labels);
      stats.seen += labels.size;
      const now = performance.now();
      stats.seconds += (now - t0) / 1000;
      t0 = now;
      const ips = stats.seen / Math.max(stats.seconds, 1e-9);
      if (bar) bar.update(b, { loss: (stats.lossSum / stats.seen).toFixed(4), acc: `${((100 * stats.correct) / stats.seen).toFixed(1)}%`, ips: ips.toFixed(0) });
      else if (b - lastPrint >= Math.max(1, Math.ceil(nb / 5)) && b < nb) {
        lastPrint = b;
        // stats.seconds covers the whole epoch (also before a resume); this process did b − startBatch batches of it
        const eta = (nb - b) * (stats.seconds / Math.max(1, stats.seen / cfg.batchSize));
        log(`  epoch ${epoch + 1}/${cfg.epochs} batch ${b}/${nb}: loss ${(stats.lossSum / stats.seen).toFixed(4)}, acc ${((100 * stats.correct) / stats.seen).toFixed(1)}%, ${ips.toFixed(0)} img/s, ETA ${fmtTime(eta)}`);
      }
      if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && b < nb) {
        batch0 = b;
        save(lastPath);
      }
    }
    bar?.stop();
    if (sched && !perStepSchedule) sched.step();
    trainSeconds += stats.seconds;
    trainImages += stats.seen;
    const v = evaluate(model, testLoader, ds.classes.length);
    const rec: EpochRecord = {
      epoch, step, trainLoss: stats.lossSum / stats.seen, trainAccuracy: stats.correct / stats.seen, valLoss: v.loss, valAccuracy: v.accuracy,
      lr: opt.groups[0]!.lr, seconds: stats.seconds, imagesPerSecond: stats.seen / Math.max(stats.seconds, 1e-9),
    };
    records.push(rec);
    writeFileAtomic(metricsPath, records.map((r) => JSON.stringify(r) + "\n").join(""));
    writeFileAtomic(curvesPath, encodePng(curvesPicture(records)));
    const improved = v.accuracy > best.accuracy;
    if (improved) best = { accuracy: v.accuracy, epoch };
    log(`epoch ${epoch + 1}/${cfg.epochs}: train loss ${rec.trainLoss.toFixed(4)} acc ${(100 * rec.trainAccuracy).toFixed(2)}% | ` +
      `val loss ${rec.valLoss.toFixed(4)} acc ${(100 * rec.valAccuracy).toFixed(2)}%${improved ? " (best)" : ""} | ${fmtTime(rec.seconds)}, ${rec.imagesPerSecond.toFixed(0)} img/s`);
    // the finished epoch: the checkpoint points at the start of the next one
    epoch++;
    batch0 = 0;
    stats = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
    const bytes = save(lastPath);
    if (improved) writeFileAtomic(bestPath, bytes);
    epoch--;
  }
  const final = records[records.length - 1]!;
  return { records, final, best, outDir: cfg.out, trainSeconds, imagesPerSecond: trainImages / Math.max(trainSeconds, 1e-9) };
}
