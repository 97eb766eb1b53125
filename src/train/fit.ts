// fit: the training loop for any Module and any Dataset or DataLoader, after Keras's model.fit — epochs of
// optimizer steps, the loss and metrics of each epoch, a validation pass, callbacks (a learning-rate schedule, early
// stopping, a user's function per batch or epoch), a clean stop on a NaN/Inf loss or on request, and a snapshot of
// everything a run needs to continue bit for bit. This file runs anywhere; convkit/node's fit (train/node.ts) adds
// the run directory (checkpoints, metrics.jsonl/.csv, steps.csv, curves.png/.svg, resume, a lock) and the progress bar.
import type { Tensor } from "../tensor/tensor.js";
import { defaultGenerator } from "../tensor/random.js";
import { ConvkitError, ValueError } from "../errors.js";
import { noGrad } from "../autograd/grad-mode.js";
import { crossEntropy } from "../ops/loss.js";
import { DataLoader, mixSeed, type Batch } from "../data/loader.js";
import type { Dataset } from "../data/dataset.js";
import { Adam } from "../optim/adam.js";
import type { GroupOptions, Optimizer, OptimizerState } from "../optim/optimizer.js";
import { ChainedScheduler, ReduceLROnPlateau, type Scheduler, type SchedulerState } from "../optim/schedulers.js";
import { countCorrect, logitsOf, onHost, type Classifier } from "./metrics.js";

/** Training stopped because the loss stopped being a finite number. */
export class DivergedError extends ConvkitError {}

/** Training stopped on request (FitOptions.signal) at a step boundary, after saving a checkpoint there when the run
 *  has a directory (`checkpoint`, else ""). `epoch`: the epochs finished before it (it stopped in epoch + 1). */
export class InterruptedError extends ConvkitError {
  constructor(
    message: string,
    /** Epochs finished before the stop (it stopped in epoch + 1). */
    readonly epoch: number,
    /** Optimizer steps done in all when it stopped. */
    readonly step: number,
    /** The checkpoint saved at the stop, or "" when the run has no directory. */
    readonly checkpoint: string,
  ) {
    super(message);
  }
}

/** A metric of a batch: the model's logits (or output) and the labels → the batch's mean value. */
export type Metric = (output: Tensor, labels: Tensor) => number;

/** The share of rows whose largest logit is the label's. */
export const accuracy: Metric = (logits, labels) => countCorrect(logits, labels) / labels.size;

/** The loss of a batch: the model's raw output and the labels → a scalar tensor to minimise. */
export type LossFn = (output: unknown, labels: Tensor) => Tensor;

/** One line of metrics.jsonl: the epoch (counted from 1), the steps done by its end, the mean training loss and
 *  metrics (train<Name>), the validation ones (val<Name>, when there is validation data), the lr at the end, the
 *  training seconds of the epoch (validation excluded) and training images per second. */
export interface EpochRecord {
  /** The epoch, counted from 1. */
  epoch: number;
  /** Optimizer steps done in all by the end of the epoch. */
  step: number;
  /** Mean training loss over the epoch's samples. */
  trainLoss: number;
  /** Mean loss over the validation data (absent without validation data). */
  valLoss?: number;
  /** The learning rate (of the optimizer's first group) at the end of the epoch. */
  lr: number;
  /** Training seconds of the epoch, validation excluded. */
  seconds: number;
  /** Training images per second over the epoch. */
  imagesPerSecond: number;
  [metric: string]: number | undefined;
}

/** The running sums of the epoch in progress: what a resumed run needs to report the same epoch means. */
export interface EpochStats {
  /** Sum over batches of loss × batch size. */
  lossSum: number;
  /** Samples trained on so far in the epoch. */
  seen: number;
  /** Training seconds so far in the epoch. */
  seconds: number;
  /** Sum over batches of metric × batch size. */
  metricSums: Record<string, number>;
}

/** The best epoch by the monitored value (FitOptions.monitor). */
export interface Best {
  /** The record field compared. */
  monitor: string;
  /** Its best value so far (null before the first epoch ends). */
  value: number | null;
  /** The epoch that had it, counted from 1 (0 before the first ends). */
  epoch: number;
}

/** Everything a run needs to continue exactly where it stopped, apart from the model's weights: JSON-safe except
 *  the optimizer state's buffers. */
export interface FitSnapshot {
  /** Epochs finished. */
  epoch: number;
  /** Batches done of the next epoch (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps in all. */
  step: number;
  /** The running sums of the epoch in progress. */
  epochStats: EpochStats;
  /** The best epoch so far. */
  best: Best;
  /** The default generator (dropout, random layers). */
  rng: number[];
  /** The optimizer's stateDict(). */
  optimizer: OptimizerState;
  /** Each callback's stateDict() (null for those without state), in order. */
  callbacks: unknown[];
}

/** What a callback sees: the run, where it is, and a way to stop it. */
export interface FitContext {
  /** The model being trained. */
  readonly model: Classifier;
  /** The optimizer stepping it. */
  readonly optimizer: Optimizer<GroupOptions>;
  /** Epochs of the whole run (FitOptions.epochs). */
  readonly epochs: number;
  /** Optimizer steps (batches) per epoch. */
  readonly stepsPerEpoch: number;
  /** Samples per training batch (an epoch's last may hold fewer). */
  readonly batchSize: number;
  /** Batches of the validation pass (0 without validation data). */
  readonly validationBatches: number;
  /** Samples of the validation pass (0 without validation data). */
  readonly validationSize: number;
  /** The epoch in progress, counted from 1, and the batches done in it (in onEpochEnd: the next epoch, batch 0;
   *  the record says which epoch ended). */
  readonly epoch: number;
  /** Batches done in the epoch in progress. */
  readonly batch: number;
  /** Optimizer steps in all. */
  readonly step: number;
  /** The running sums of the epoch in progress. */
  readonly stats: Readonly<EpochStats>;
  /** The records of the finished epochs. */
  readonly records: readonly EpochRecord[];
  /** The training loss of every optimizer step so far, step k at index k − 1 (NaN where a resumed run did not have
   *  it): the value each step reads anyway for the epoch's mean, kept for the per-step line of the curves. */
  readonly stepLosses: readonly number[];
  /** The best epoch so far by FitOptions.monitor. */
  readonly best: Readonly<Best>;
  /** Where the last checkpoint was written, set by whoever writes one (named in a DivergedError). */
  lastCheckpoint: string | null;
  /** Ask the run to stop at the end of this epoch (after its callbacks), with the reason. */
  stop(reason: string): void;
  /** The state a checkpoint holds (train/node.ts writes it with the model's weights). */
  snapshot(): FitSnapshot;
}

/** The loss of one optimizer step. */
export interface BatchLog {
  /** Counted from 1 within the epoch. */
  batch: number;
  /** The batch's mean loss. */
  loss: number;
  /** Samples in the batch. */
  size: number;
}

/**
 * Hooks into fit's loop, each optional; plain objects do (`{ onEpochEnd: (ctx, r) => console.log(r.valAccuracy) }`).
 * Callbacks run in the order given, each epoch's after its record is made. One with state (an early-stopping
 * counter, a schedule) gives stateDict/loadStateDict, so that a resumed run continues it.
 */
export interface Callback {
  /** Before the first batch of the run (a resumed run's too). */
  onTrainBegin?(ctx: FitContext): void;
  /** Before each epoch's first batch (a resumed epoch's next). */
  onEpochBegin?(ctx: FitContext): void;
  /** After each optimizer step, with its loss. */
  onBatchEnd?(ctx: FitContext, log: BatchLog): void;
  /** During the validation pass: `done` of `total` batches. */
  onValidationProgress?(ctx: FitContext, done: number, total: number): void;
  /** After each epoch, validation included, with its record. */
  onEpochEnd?(ctx: FitContext, record: EpochRecord): void;
  /** Once the last epoch or a requested stop (FitContext.stop) has ended the run, with its result; not after an error. */
  onTrainEnd?(ctx: FitContext, result: FitResult): void;
  /** A stop was requested (FitOptions.signal) at this step boundary: return the path of a checkpoint saved there. */
  onInterrupt?(ctx: FitContext): string | void;
  /** This callback's state, JSON-safe, kept in checkpoints (FitSnapshot.callbacks). */
  stateDict?(): unknown;
  /** Continue from what stateDict() returned, when a run resumes. */
  loadStateDict?(state: unknown): void;
}

/** fit's options: only `epochs` is required. */
export interface FitOptions {
  /** Epochs of the whole run, an integer ≥ 1 (a resumed run counts those already done). */
  epochs: number;
  /** Default: Adam with lr 1e-3 over the model's parameters. */
  optimizer?: Optimizer<GroupOptions>;
  /** Default: cross-entropy of the logits (an output with .logits, as GoogLeNet's, gives those). */
  loss?: LossFn;
  /** Named metrics, reported as train<Name> and val<Name>; default { accuracy }. */
  metrics?: Record<string, Metric>;
  /** Data for a validation pass after each epoch (a Dataset is batched by max(batchSize, 256)). */
  validation?: Dataset | DataLoader;
  /** When trainData is a Dataset: its DataLoader's batch size (32), shuffling (true), seed (0) and dropLast (false). */
  batchSize?: number;
  /** Shuffle trainData (a Dataset) in a new seeded order each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling and of the default generator (dropout, random transforms and layers) (default 0). */
  seed?: number;
  /** Leave out an epoch's last batch when it holds fewer than batchSize samples (trainData a Dataset; default false). */
  dropLast?: boolean;
  /** Hooks into the loop (EarlyStopping, LRSchedule, your own), run in this order. */
  callbacks?: readonly Callback[];
  /** The best epoch is the one with the best value of this record field: default valAccuracy (or valLoss without
   *  an accuracy metric, trainLoss without validation data); lower is better for names ending in "loss". */
  monitor?: string;
  /** Once aborted, training stops at the next step boundary and rejects with an InterruptedError. */
  signal?: AbortSignal;
  /** Continue from this snapshot (with the model's weights already loaded) instead of starting afresh. */
  resumeFrom?: FitSnapshot;
  /** The records of the finished epochs, when resuming. */
  records?: readonly EpochRecord[];
  /** The losses of the steps before resumeFrom, when resuming (FitContext.stepLosses; missing ones become NaN). */
  stepLosses?: readonly number[];
  /** How messages name the learning rate (default "learning rate"; convkit train says "--lr"). */
  lrName?: string;
}

/** What fit returns: every epoch's record, the last and the best, and the throughput. */
export interface FitResult {
  /** Every epoch's record, in order (a resumed run's earlier ones included). */
  records: EpochRecord[];
  /** Every step's training loss (FitContext.stepLosses): viz's trainingCurves draws it, at x = step / stepsPerEpoch. */
  stepLosses: number[];
  /** The last epoch's record. */
  final: EpochRecord;
  /** The best epoch by FitOptions.monitor. */
  best: Best;
  /** Why training ended before its last epoch (early stopping), or null. */
  stopped: string | null;
  /** Training time and throughput over all epochs (validation excluded). */
  trainSeconds: number;
  /** Training images per second over all epochs. */
  imagesPerSecond: number;
}

/** Let the event loop run between steps (signals, a progress bar's timer): a training step is synchronous. */
const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate; // Node's; not a browser's
const yieldToEventLoop: () => Promise<void> = setImmediateFn
  ? () => new Promise((resolve) => setImmediateFn(resolve))
  : () => new Promise((resolve) => setTimeout(resolve, 0));

/** How often the loop lets the event loop run (ms): often enough to see a stop request that a signal handler makes
 *  (Ctrl-C) when fit has a signal to watch, else once a second (timers, finalizers). A turn cost ~2.5 ms between
 *  LeNet-5's 15-ms steps, where every 100 ms measured 81–84 % of the bare step's throughput, every second 85–95 %. */
const YIELD_EVERY_MS = { watched: 100, unwatched: 1000 };

/** Whether lower values of a record field are better (losses) or higher (accuracies). */
export function lowerIsBetter(field: string): boolean {
  return /loss$/i.test(field);
}

const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/** The DataLoader fit reads trainData or validation data through. */
function loaderOf(data: Dataset | DataLoader, opts: { batchSize: number; shuffle: boolean; seed: number; dropLast: boolean }): DataLoader {
  return data instanceof DataLoader ? data : new DataLoader(data, opts);
}

/**
 * Train `model` on `trainData` for `opts.epochs` epochs and return each epoch's record. Works for any Module whose
 * forward takes an image batch [N,C,H,W], and any Dataset or DataLoader of (image, label) samples.
 *
 * ```ts
 * const r = await train.fit(net, trainSet, { epochs: 5, optimizer: new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 }),
 *   validation: testSet, callbacks: [new train.EarlyStopping({ patience: 2 })] });
 * ```
 */
export async function fit(model: Classifier, trainData: Dataset | DataLoader, opts: FitOptions): Promise<FitResult> {
  if (!Number.isSafeInteger(opts.epochs) || opts.epochs < 1) throw new ValueError(`fit: epochs must be an integer ≥ 1, got ${opts.epochs}`);
  const seed = opts.seed ?? 0;
  const loader = loaderOf(trainData, { batchSize: opts.batchSize ?? 32, shuffle: opts.shuffle ?? true, seed, dropLast: opts.dropLast ?? false });
  const nb = loader.length;
  if (nb === 0) throw new ValueError(`fit: no batch of ${loader.batchSize} in ${loader.dataset.length} training samples (dropLast)`);
  const valLoader = opts.validation ? loaderOf(opts.validation, { batchSize: Math.max(loader.batchSize, 256), shuffle: false, seed: 0, dropLast: false }) : null;
  const optimizer = opts.optimizer ?? new Adam(model.parameters(), { lr: 1e-3 });
  const lossFn: LossFn = opts.loss ?? ((out, labels) => crossEntropy(logitsOf(out), labels));
  const metrics = Object.entries(opts.metrics ?? { accuracy });
  const callbacks = [...(opts.callbacks ?? [])];
  const monitor = opts.monitor ?? (valLoader ? (metrics.some(([n]) => n === "accuracy") ? "valAccuracy" : "valLoss") : "trainLoss");
  const lrName = opts.lrName ?? "learning rate";
  const yieldEvery = opts.signal ? YIELD_EVERY_MS.watched : YIELD_EVERY_MS.unwatched;

  const fresh = (): EpochStats => ({ lossSum: 0, seen: 0, seconds: 0, metricSums: Object.fromEntries(metrics.map(([n]) => [n, 0])) });
  let epoch = 0, batch = 0, step = 0, stats = fresh();
  let best: Best = { monitor, value: null, epoch: 0 };
  const records: EpochRecord[] = [...(opts.records ?? [])];
  const stepLosses: number[] = [];
  let stopped: string | null = null;
  if (opts.resumeFrom) {
    const s = opts.resumeFrom;
    if (s.callbacks.length !== callbacks.length) throw new ValueError(`fit: the run to resume had ${s.callbacks.length} callbacks, this one has ${callbacks.length}; pass the same callbacks`);
    ({ epoch, batch, step } = s);
    // index k − 1 is step k's, whatever the caller kept: cut to the snapshot's steps, gaps filled with NaN
    for (let k = 0; k < step; k++) stepLosses.push(opts.stepLosses?.[k] ?? NaN);
    stats = { ...fresh(), ...s.epochStats, metricSums: { ...fresh().metricSums, ...s.epochStats.metricSums } };
    best = { ...s.best };
    defaultGenerator.setState(s.rng);
    optimizer.loadStateDict(s.optimizer);
    s.callbacks.forEach((st, i) => {
      if (st !== null && st !== undefined) callbacks[i]!.loadStateDict?.(st);
    });
  } else defaultGenerator.manualSeed(mixSeed(seed, 0xd0));

  const ctx: FitContext = {
    model, optimizer, epochs: opts.epochs, stepsPerEpoch: nb, batchSize: loader.batchSize, validationBatches: valLoader?.length ?? 0, validationSize: valLoader?.dataset.length ?? 0,
    get epoch() { return epoch + 1; },
    get batch() { return batch; },
    get step() { return step; },
    get stats() { return stats; },
    records, stepLosses, get best() { return best; },
    lastCheckpoint: null,
    stop: (reason) => void (stopped ??= reason),
    snapshot: () => ({
      epoch, batch, step, epochStats: { ...stats, metricSums: { ...stats.metricSums } }, best: { ...best }, rng: defaultGenerator.getState(),
      optimizer: optimizer.stateDict(), callbacks: callbacks.map((c) => (c.stateDict ? c.stateDict() : null)),
    }),
  };
  const each = (fn: (c: Callback) => void): void => callbacks.forEach(fn);

  each((c) => c.onTrainBegin?.(ctx));
  for (; epoch < opts.epochs && stopped === null; ) {
    each((c) => c.onEpochBegin?.(ctx));
    model.train();
    let t0 = performance.now(), lastYield = -Infinity;
    // transient batches: this loop is done with one when it asks for the next
    for await (const b of loader.epochBatchesAsync(epoch, batch, { transient: true })) {
      // the event loop runs now and then, not every step: a turn of it costs a sixth of a small model's step
      if (performance.now() - lastYield >= yieldEvery) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (opts.signal?.aborted) {
        // a step boundary: a checkpoint here holds everything up to it, and a resume goes on from this batch
        let saved = "";
        each((c) => (saved = c.onInterrupt?.(ctx) || saved));
        throw new InterruptedError(`interrupted at epoch ${epoch + 1} step ${step} (batch ${batch}/${nb} of the epoch)${saved ? `; checkpoint saved to ${saved}` : ""}`, epoch, step, saved);
      }
      const { images, labels } = b as Batch;
      optimizer.zeroGrad();
      const out = model.call(images);
      const loss = lossFn(out, labels);
      // on a GPU this waits for the step's kernels: the loss is read back (on the CPU backends it is there already)
      const lv = await loss.itemAsync();
      if (!Number.isFinite(lv)) {
        throw new DivergedError(`training stopped: the loss became ${lv} at epoch ${epoch + 1}, batch ${batch + 1} (step ${step + 1}, lr ${optimizer.groups[0]!.lr.toPrecision(3)})` +
          `${ctx.lastCheckpoint ? `; the last good checkpoint is ${ctx.lastCheckpoint}` : ""}; try a smaller ${lrName}`);
      }
      loss.backward();
      optimizer.step();
      step++;
      batch++;
      const n = labels.size;
      stepLosses.push(lv);
      stats.lossSum += lv * n;
      stats.seen += n;
      if (metrics.length) {
        const logits = await onHost(logitsOf(out));
        for (const [name, m] of metrics) stats.metricSums[name]! += m(logits, labels) * n;
      }
      // the callbacks' time counts in the next step's
      const now = performance.now();
      stats.seconds += (now - t0) / 1000;
      t0 = now;
      each((c) => c.onBatchEnd?.(ctx, { batch, loss: lv, size: n }));
    }
    const rec = { epoch: epoch + 1, step, trainLoss: stats.lossSum / stats.seen } as EpochRecord;
    for (const [name] of metrics) rec[`train${cap(name)}`] = stats.metricSums[name]! / stats.seen;
    if (valLoader) {
      const v = await validate(model, valLoader, lossFn, metrics, (done) => each((c) => c.onValidationProgress?.(ctx, done, valLoader.length)));
      rec.valLoss = v.loss;
      for (const [name] of metrics) rec[`val${cap(name)}`] = v.metrics[name]!;
    }
    Object.assign(rec, { lr: optimizer.groups[0]!.lr, seconds: stats.seconds, imagesPerSecond: stats.seen / Math.max(stats.seconds, 1e-9) });
    const value = rec[monitor];
    if (value === undefined) throw new ValueError(`fit: monitor '${monitor}' is not in the epoch's record (${Object.keys(rec).join(", ")})`);
    if (best.value === null || (lowerIsBetter(monitor) ? value < best.value : value > best.value)) best = { monitor, value, epoch: epoch + 1 };
    records.push(rec);
    // the finished epoch: a checkpoint from here on points at the start of the next one
    epoch++;
    batch = 0;
    stats = fresh();
    each((c) => c.onEpochEnd?.(ctx, rec));
  }
  const trainSeconds = records.reduce((a, r) => a + r.seconds, 0);
  const images = records.reduce((a, r) => a + r.imagesPerSecond * r.seconds, 0);
  const result: FitResult = { records, stepLosses, final: records[records.length - 1]!, best, stopped, trainSeconds, imagesPerSecond: images / Math.max(trainSeconds, 1e-9) };
  each((c) => c.onTrainEnd?.(ctx, result));
  return result;
}

/** Mean loss and metrics of `model` (in eval mode, without gradients) over `loader`, calling onBatch after each. */
async function validate(model: Classifier, loader: DataLoader, lossFn: LossFn, metrics: [string, Metric][], onBatch: (done: number) => void): Promise<{ loss: number; metrics: Record<string, number> }> {
  model.eval();
  let lossSum = 0, count = 0, done = 0;
  const sums: Record<string, number> = Object.fromEntries(metrics.map(([n]) => [n, 0]));
  try {
    for (const b of loader.epochBatches(0, 0, { transient: true })) {
      const { out, loss } = noGrad(() => {
        const out = model.call(b.images);
        return { out, loss: lossFn(out, b.labels) };
      });
      const n = b.labels.size;
      lossSum += (await loss.itemAsync()) * n;
      const logits = metrics.length ? await onHost(logitsOf(out)) : null;
      for (const [name, m] of metrics) sums[name]! += m(logits!, b.labels) * n;
      count += n;
      onBatch(++done);
    }
  } finally {
    model.train();
  }
  return { loss: lossSum / count, metrics: Object.fromEntries(metrics.map(([n]) => [n, sums[n]! / count])) };
}

/** Stop when the monitored record field has not improved by more than minDelta for `patience` epochs (Keras's
 *  EarlyStopping). `mode` defaults to "min" for names ending in "loss", else "max". */
export class EarlyStopping implements Callback {
  /** The record field watched (default valLoss). */
  readonly monitor: string;
  /** Epochs without improvement before the run stops (default 5). */
  readonly patience: number;
  /** The least change that counts as an improvement (default 0). */
  readonly minDelta: number;
  /** "min": lower values are better; "max": higher. */
  readonly mode: "min" | "max";
  /** The best value so far (null before the first epoch ends). */
  best: number | null = null;
  /** The epoch that had it, counted from 1. */
  bestEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;

  constructor(opts: { monitor?: string; patience?: number; minDelta?: number; mode?: "min" | "max" } = {}) {
    this.monitor = opts.monitor ?? "valLoss";
    this.patience = opts.patience ?? 5;
    this.minDelta = opts.minDelta ?? 0;
    this.mode = opts.mode ?? (lowerIsBetter(this.monitor) ? "min" : "max");
    if (!Number.isInteger(this.patience) || this.patience < 1) throw new ValueError(`EarlyStopping: patience must be an integer ≥ 1, got ${this.patience}`);
    if (!(this.minDelta >= 0)) throw new ValueError(`EarlyStopping: minDelta must be ≥ 0, got ${this.minDelta}`);
  }

  /** Compare the epoch's monitored value with the best; stop the run after `patience` epochs without improvement. */
  onEpochEnd(ctx: FitContext, record: EpochRecord): void {
    const v = record[this.monitor];
    if (v === undefined) throw new ValueError(`EarlyStopping: the epoch's record has no '${this.monitor}' (it has ${Object.keys(record).join(", ")})`);
    const improved = this.best === null || (this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta);
    if (improved) {
      this.best = v;
      this.bestEpoch = record.epoch;
      this.wait = 0;
    } else if (++this.wait >= this.patience) {
      ctx.stop(`early stopping: ${this.monitor} has not improved for ${this.patience} epochs (best ${this.best!.toPrecision(4)} at epoch ${this.bestEpoch})`);
    }
  }

  /** The best value, its epoch and the epochs waited, for a resumed run. */
  stateDict(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  /** Continue from what stateDict() returned. */
  loadStateDict(s: unknown): void {
    ({ best: this.best, bestEpoch: this.bestEpoch, wait: this.wait } = s as { best: number | null; bestEpoch: number; wait: number });
  }
}

/** Step a learning-rate scheduler from fit: after every optimizer step ("step", for OneCycleLR or a warmup counted
 *  in steps) or after every epoch ("epoch", the default). A ReduceLROnPlateau (or a chain holding one) is stepped
 *  with the epoch's `monitor` field (default valLoss) and needs interval "epoch". */
export class LRSchedule implements Callback {
  /** "step": the scheduler steps after every optimizer step; "epoch" (default): after every epoch. */
  readonly interval: "step" | "epoch";
  /** The record field the scheduler is stepped with (a ReduceLROnPlateau's, default valLoss), or null for one stepped without a value. */
  readonly monitor: string | null;

  constructor(
    /** The scheduler stepped. */
    readonly scheduler: Scheduler,
    opts: { interval?: "step" | "epoch"; monitor?: string } = {},
  ) {
    this.interval = opts.interval ?? "epoch";
    if (this.interval !== "step" && this.interval !== "epoch") throw new ValueError(`LRSchedule: interval must be 'step' or 'epoch', got '${String(this.interval)}'`);
    const wantsValue = (s: Scheduler): boolean => s instanceof ReduceLROnPlateau || (s instanceof ChainedScheduler && s.schedulers.some(wantsValue));
    this.monitor = opts.monitor ?? (wantsValue(scheduler) ? "valLoss" : null);
    if (this.monitor !== null && this.interval === "step") throw new ValueError("LRSchedule: a schedule stepped with a monitored value needs interval 'epoch'");
  }

  /** Step the scheduler, with interval "step". */
  onBatchEnd(): void {
    if (this.interval === "step") this.scheduler.step();
  }

  /** Step the scheduler, with interval "epoch" (with the record's monitored value when it takes one). */
  onEpochEnd(_ctx: FitContext, record: EpochRecord): void {
    if (this.interval !== "epoch") return;
    if (this.monitor === null) return this.scheduler.step();
    const v = record[this.monitor];
    if (v === undefined) throw new ValueError(`LRSchedule: the epoch's record has no '${this.monitor}' (it has ${Object.keys(record).join(", ")})`);
    this.scheduler.step(v);
  }

  /** The scheduler's state, for a resumed run. */
  stateDict(): unknown {
    return this.scheduler.stateDict();
  }

  /** Continue from what stateDict() returned. */
  loadStateDict(s: unknown): void {
    this.scheduler.loadStateDict(s as SchedulerState);
  }
}
