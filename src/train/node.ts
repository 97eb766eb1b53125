// The training run behind `convkit train`: data → model → optimizer/scheduler → epochs with a progress bar (TTY) or
// plain lines, validation each epoch, metrics.jsonl, curves.png, atomic last/best checkpoints, exact resume, and a
// clean stop on a NaN/Inf loss or on request (a checkpoint at the step boundary). A run holds its --out directory
// with a lock file, and checks every setting and input before it creates anything. Node-only (files, terminal).
import { existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { readFileLimited, writeFileAtomic } from "../io/node.js";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import cliProgress from "cli-progress";
import { Tensor } from "../tensor/tensor.js";
import { Generator, defaultGenerator } from "../tensor/random.js";
import { ConvkitError, FormatError, ValueError } from "../errors.js";
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
import { loadPth } from "../io/pth.js";
import type { StateDict } from "../nn/module.js";
import { CHECKPOINT_FORMAT, decodeCheckpoint, describeFit, isCheckpointMetadata, encodeCheckpoint, joinOptimizerState, splitOptimizerState, type Checkpoint, type CheckpointMeta } from "./checkpoint.js";
import { countCorrect, evaluate, logitsOf, type Classifier } from "./metrics.js";

/** Training stopped because the loss stopped being a finite number. */
export class DivergedError extends ConvkitError {}

/** Training stopped on request (RunOptions.signal) at a step boundary, after saving a checkpoint there. */
export class InterruptedError extends ConvkitError {
  constructor(message: string, readonly epoch: number, readonly step: number, readonly checkpoint: string) {
    super(message);
  }
}

/** Another training run holds the --out directory. */
export class RunLockedError extends ConvkitError {}

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
  /** Draw a progress bar (default: the stream is a TTY). */
  tty?: boolean;
  /** Where the progress bar draws (default process.stdout). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Once aborted, training stops at the next step boundary: it saves last.safetensors there (a --resume continues
   *  exactly) and rejects with an InterruptedError. */
  signal?: AbortSignal;
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
  return new TextDecoder().decode(readFileLimited(path)).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord);
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

const OPTIMIZERS: readonly TrainConfig["optimizer"][] = ["sgd", "adam", "adamw"];
const SCHEDULERS: readonly TrainConfig["scheduler"][] = ["onecycle", "cosine", "step", "none"];
const BUILTIN_DATASETS = ["mnist", "fashion-mnist"];

/** Check every setting of a run, naming the `convkit train` flag of each, so that a bad one is refused before
 *  anything is created. (The dataset and the --init file are checked when they are read, also before.) */
export function validateTrainConfig(cfg: TrainConfig): void {
  if (!models.names().includes(cfg.model)) throw new ValueError(`unknown model '${cfg.model}' (known: ${models.names().join(", ")})`);
  const int = (flag: string, v: number, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min) throw new ValueError(`${flag} must be an integer ≥ ${min}, got ${v}`);
  };
  int("--epochs", cfg.epochs, 1);
  int("--batch-size", cfg.batchSize, 1);
  int("--seed", cfg.seed, 0);
  int("--checkpoint-every", cfg.checkpointEvery, 0);
  int("--limit-train", cfg.limitTrain, 0);
  int("--limit-test", cfg.limitTest, 0);
  if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) throw new ValueError(`--lr must be a number > 0, got ${cfg.lr}`);
  // 1 or more never lets the velocity decay (PyTorch allows it; no run wants it)
  if (!(cfg.momentum >= 0 && cfg.momentum < 1)) throw new ValueError(`--momentum must be in [0, 1), got ${cfg.momentum}`);
  if (!(cfg.weightDecay >= 0 && Number.isFinite(cfg.weightDecay))) throw new ValueError(`--weight-decay must be a number ≥ 0, got ${cfg.weightDecay}`);
  if (!OPTIMIZERS.includes(cfg.optimizer)) throw new ValueError(`--optimizer must be ${OPTIMIZERS.join(", ")}, got '${String(cfg.optimizer)}'`);
  if (!SCHEDULERS.includes(cfg.scheduler)) throw new ValueError(`--scheduler must be ${SCHEDULERS.join(", ")}, got '${String(cfg.scheduler)}'`);
  if (!cfg.out) throw new ValueError("--out: an empty directory name");
  checkOutDir(cfg.out);
  if (!BUILTIN_DATASETS.includes(cfg.data) && existsSync(cfg.data) && !statSync(cfg.data).isDirectory()) {
    throw new ValueError(`--data ${cfg.data} is a file; --data takes a built-in dataset (${BUILTIN_DATASETS.join(", ")}) or a directory of IDX files or of train/ and test/ image folders`);
  }
}

/** --out must be a directory or not exist yet (it is created once everything else has been checked). */
function checkOutDir(out: string): void {
  try {
    if (!statSync(out).isDirectory()) throw new ValueError(`--out ${out} is a file, not a directory`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new ValueError(`--out ${out}: part of the path is a file, not a directory`);
    throw e;
  }
}

/** Run fn; a convkit error from it gets `flag: ` in front of its message (same class), to say which input was bad. */
function naming<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConvkitError && !e.message.startsWith(flag)) throw new (e.constructor as new (m: string) => ConvkitError)(`${flag}: ${e.message}`);
    throw e;
  }
}

/** The weights in an --init file, told apart by content (whatever its name): a convkit checkpoint or a safetensors
 *  state dict (an 8-byte header length, then JSON), or a PyTorch .pth (a zip archive; the legacy pickle format is
 *  explained by loadPth). Read with a size limit; a directory or a special file (a FIFO, /dev/zero) is refused. */
export function readInitWeights(path: string): StateDict {
  return naming("--init", () => {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new ValueError(`${path} does not exist`);
      throw e;
    }
    if (st.isDirectory()) throw new ValueError(`${path} is a directory, expected a weights file`);
    // checked before opening: opening a FIFO waits for a writer, and a device may never end
    if (!st.isFile()) throw new ValueError(`${path} is not a regular file, expected a weights file`);
    const bytes = readFileLimited(path);
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) return loadPth(bytes, { name: path }); // "PK": torch.save's zip
    if (bytes[0] === 0x80) return loadPth(bytes, { name: path }); // a bare pickle: the legacy torch.save, refused with a reason
    if (bytes.length > 8 && bytes[8] === 0x7b) { // "{" after the header length: safetensors
      const { tensors, metadata } = loadSafetensors(bytes, { name: path });
      return isCheckpointMetadata(metadata) ? decodeCheckpoint(bytes, path).model : tensors;
    }
    throw new FormatError(`${path} is not a convkit checkpoint, a .safetensors state dict or a PyTorch .pth file`);
  });
}

/** The lock file by which a training run holds its --out directory. */
export const LOCK_FILE = "train.lock";

/** A run's hold on its directory. release() removes the lock file; it also goes when the process exits (an uncaught
 *  error, process.exit); after a kill -9 it stays, and the next run finds its process gone and takes it over. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

interface LockInfo { pid: number; host: string; started: string; id: string }

/** The lock's holder; "gone" when there is no lock file, null when it does not say (being written, or not ours). */
function readLock(path: string): LockInfo | "gone" | null {
  try {
    const info = JSON.parse(new TextDecoder().decode(readFileLimited(path, 4096))) as Partial<LockInfo> | null;
    return info && Number.isSafeInteger(info.pid) && typeof info.host === "string" && typeof info.started === "string" ? info as LockInfo : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** Why a lock file's holder keeps others out of `dir`: a live process (or one on another host, which cannot be
 *  checked), or an unreadable lock; null when its process has ended. */
function holderError(dir: string, held: LockInfo | null): RunLockedError | null {
  if (held === null) return new RunLockedError(`${dir} is locked by ${join(dir, LOCK_FILE)}, which does not say by whom; delete it if no training run is using ${dir}`);
  const where = held.host === hostname() ? "" : ` on ${held.host}`;
  if (!where && !processAlive(held.pid)) return null;
  return new RunLockedError(`${dir} is in use by another training run (pid ${held.pid}${where}, started ${held.started}); wait for it to end or choose another --out`);
}

/** Refuse `dir` early when another run holds it (taking the lock comes later, once everything has been checked). */
function checkNotLocked(dir: string): void {
  const held = readLock(join(dir, LOCK_FILE));
  if (held === "gone") return;
  const refusal = holderError(dir, held);
  if (refusal) throw refusal;
}

/** Hold `dir` (which must exist) for a training run: create LOCK_FILE exclusively, holding this process's pid, host
 *  and start time. A lock held by a live process (or by one on another host, which cannot be checked) is a
 *  RunLockedError naming the directory and the pid; one whose process is gone is taken over, with a `note`. */
export function lockRunDirectory(dir: string, note: (line: string) => void = () => {}): RunLock {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), id: randomBytes(6).toString("hex") };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(mine) + "\n", { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const held = readLock(path);
    if (held === "gone") continue; // released between our try and our look: try again
    const refusal = holderError(dir, held);
    if (refusal) throw refusal;
    const stale = held as LockInfo; // (a lock that does not say whose it is was refused)
    if (attempt >= 3) throw new RunLockedError(`${dir}: could not take over ${path} from the ended pid ${stale.pid} (other runs keep taking it)`);
    note(`note: ${path} was left by pid ${stale.pid} (started ${stale.started}), which is no longer running; taking ${dir} over`);
    // remove it only while it is still that one (another run may have taken it over meanwhile)
    const again = readLock(path);
    if (again !== "gone" && again !== null && again.id === stale.id) unlinkSync(path);
  }
  let holding = true;
  const release = (): void => {
    if (!holding) return;
    holding = false;
    process.removeListener("exit", release);
    // remove the file only while it is still ours
    const now = readLock(path);
    if (now !== "gone" && now !== null && now.id === mine.id) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  };
  process.on("exit", release);
  return { path, release };
}

/** Let the event loop run (signal handlers, the progress bar's timer): a training step is synchronous. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Train as configured (or continue the run in cfg.out with resume). Every setting and input (dataset, --init file,
 *  the checkpoint to resume) is checked before --out is created or written; the run holds --out with a lock
 *  (lockRunDirectory) until it ends, however it ends. */
export async function runTraining(cfgIn: TrainConfig, run: RunOptions = {}): Promise<TrainResult> {
  const log = run.log ?? ((l: string) => console.log(l));
  validateTrainConfig(cfgIn);
  const lastPath = join(cfgIn.out, "last.safetensors");
  // a run going on there is the first thing to say (it may well have written last.safetensors already)
  checkNotLocked(cfgIn.out);
  let lock: RunLock | null = null;
  try {
    let resumed: Checkpoint | null = null;
    let cfg = cfgIn;
    if (run.resume) {
      if (!existsSync(lastPath)) throw new ValueError(`--resume: ${lastPath} does not exist (nothing to resume)`);
      // the directory exists: hold it before reading its checkpoint, which a running run may be replacing
      lock = lockRunDirectory(cfgIn.out, log);
      resumed = naming("--resume", () => decodeCheckpoint(readFileLimited(lastPath), lastPath));
      // the run continues with its own settings; only the number of epochs may be raised
      cfg = { ...(resumed.meta.config as unknown as TrainConfig), out: cfgIn.out, epochs: Math.max(cfgIn.epochs, (resumed.meta.config as unknown as TrainConfig).epochs) };
      if (cfgIn.model !== cfg.model) throw new ValueError(`--resume: ${lastPath} is a ${cfg.model} run, not ${cfgIn.model}`);
      validateTrainConfig(cfg);
    } else if (existsSync(lastPath)) {
      throw new ValueError(`${cfgIn.out} already holds a run (last.safetensors); pass --resume to continue it, or choose another --out`);
    }
    const setup = prepare(cfg, resumed);
    if (!lock) {
      mkdirSync(cfg.out, { recursive: true });
      lock = lockRunDirectory(cfg.out, log);
      // a run that ended between the check above and the lock
      if (existsSync(lastPath)) throw new ValueError(`${cfgIn.out} already holds a run (last.safetensors); pass --resume to continue it, or choose another --out`);
    }
    return await train(cfg, setup, resumed, run, log);
  } finally {
    lock?.release();
  }
}

/** What a run needs, built and checked before anything is written: data, model (with its --init weights),
 *  optimizer and schedule. */
interface Setup {
  ds: NamedDataset;
  input: number[];
  trainSet: Dataset;
  testSet: Dataset;
  trainLoader: DataLoader;
  testLoader: DataLoader;
  modelOptions: Record<string, unknown>;
  model: Classifier;
  opt: Optimizer<GroupOptions>;
  sched: LRScheduler | null;
}

function prepare(cfg: TrainConfig, resumed: Checkpoint | null): Setup {
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
  if (!resumed && cfg.init) {
    const problem = describeFit(model.loadStateDict(readInitWeights(cfg.init), { strict: false }));
    if (problem) throw new ValueError(`--init: ${cfg.init} does not hold ${cfg.model}'s weights: ${problem}`);
  }
  if (resumed) {
    const problem = describeFit(model.loadStateDict(resumed.model, { strict: false }));
    if (problem) throw new FormatError(`--resume: ${join(cfg.out, "last.safetensors")} does not hold ${cfg.model}'s weights: ${problem}`);
    const os = joinOptimizerState(resumed);
    if (os) opt.loadStateDict(os);
    if (sched && resumed.meta.scheduler) sched.loadStateDict(resumed.meta.scheduler);
  }
  return { ds, input, trainSet, testSet, trainLoader, testLoader, modelOptions, model, opt, sched };
}

/** The epochs of a prepared run, in its locked directory. */
async function train(cfg: TrainConfig, setup: Setup, resumed: Checkpoint | null, run: RunOptions, log: (line: string) => void): Promise<TrainResult> {
  const { ds, input, trainSet, testSet, trainLoader, testLoader, modelOptions, model, opt, sched } = setup;
  const lastPath = join(cfg.out, "last.safetensors"), bestPath = join(cfg.out, "best.safetensors");
  const metricsPath = join(cfg.out, "metrics.jsonl"), curvesPath = join(cfg.out, "curves.png");
  const perStepSchedule = cfg.scheduler === "onecycle";
  defaultGenerator.manualSeed(mixSeed(cfg.seed, 0xd0));
  let epoch = 0, batch0 = 0, step = 0;
  let stats = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
  let best = { accuracy: -1, epoch: -1 };
  let records: EpochRecord[] = [];
  if (!resumed && cfg.init) log(`starting from the weights in ${cfg.init}`);
  if (resumed) {
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

  const stream = run.stream ?? process.stdout;
  const tty = run.tty ?? stream.isTTY === true;
  let trainSeconds = records.reduce((a, r) => a + r.seconds, 0);
  let trainImages = records.length * trainLoader.length * cfg.batchSize;
  for (; epoch < cfg.epochs; epoch++, batch0 = 0, stats = { lossSum: 0, correct: 0, seen: 0, seconds: 0 }) {
    const nb = trainLoader.length;
    const bar = tty ? new cliProgress.SingleBar({
      format: `epoch ${epoch + 1}/${cfg.epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`,
      barsize: 24, hideCursor: true, clearOnComplete: true, stream,
    }) : null;
    bar?.start(nb, batch0, { loss: "-", acc: "-", ips: "-" });
    const startBatch = batch0;
    let lastPrint = batch0;
    let t0 = performance.now();
    model.train();
    let b = batch0;
    // the bar hides the cursor: whatever ends the epoch (an error, a stop) shows it again
    try {
      for await (const batchData of trainLoader.epochBatchesAsync(epoch, startBatch)) {
        await yieldToEventLoop();
        if (run.signal?.aborted) {
          // a step boundary: the checkpoint holds everything up to here, and a --resume goes on from batch b
          batch0 = b;
          save(lastPath);
          throw new InterruptedError(`interrupted at epoch ${epoch + 1} step ${step} (batch ${b}/${nb} of the epoch); checkpoint saved to ${lastPath}`, epoch, step, lastPath);
        }
        const { images, labels } = batchData as Batch;
        opt.zeroGrad();
        const logits = logitsOf(model.call(images));
        const loss = crossEntropy(logits, labels);
        const lv = loss.item();
        if (!Number.isFinite(lv)) {
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
    } finally {
      bar?.stop();
    }
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
