// Learning-rate schedules with PyTorch 1.13's formulas: StepLR, MultiStepLR, ExponentialLR, LinearLR (linear warmup),
// CosineAnnealingLR, OneCycleLR (which also cycles momentum), ReduceLROnPlateau, and SequentialLR / ChainedScheduler
// to combine them. Like PyTorch, a scheduler sets the initial lr when built (step 0) and each step() moves to the next
// step; all but OneCycleLR are "chainable": a step scales the lr the group has now, so several schedulers stepping one
// optimizer multiply (a warmup under a plateau schedule, a decay on top of a warmup).
import { ValueError } from "../errors.js";
import type { GroupOptions, Optimizer } from "./optimizer.js";

/** A scheduler's counters, JSON-safe (checkpoints store it). The lr itself is in the optimizer's state dict. */
export interface SchedulerState {
  /** Steps taken (PyTorch's last_epoch). */
  lastEpoch: number;
  [key: string]: unknown;
}

/** What every scheduler offers: a step (ReduceLROnPlateau's takes the monitored value), the lrs now, and its state. */
export interface Scheduler {
  /** The optimizer whose groups' lr this scheduler sets. */
  readonly optimizer: Optimizer<GroupOptions>;
  /** Advance one step and set each group's lr; ReduceLROnPlateau takes the monitored value (a validation loss or
   *  accuracy). */
  step(metric?: number): void;
  /** The lr of each parameter group now (PyTorch's get_last_lr). */
  getLastLr(): number[];
  /** The counters to save in a checkpoint (the lrs themselves are in the optimizer's state dict). */
  stateDict(): SchedulerState;
  /** Restore the counters saved by stateDict (restore the optimizer's state dict for the lrs, as in PyTorch). */
  loadStateDict(s: SchedulerState): void;
}

/** The lr each parameter group had before any scheduler touched it (PyTorch's group['initial_lr']). */
const INITIAL_LR = new WeakMap<object, number>();

function initialLrs(optimizer: Optimizer<GroupOptions>): number[] {
  return optimizer.groups.map((g) => {
    if (!INITIAL_LR.has(g)) INITIAL_LR.set(g, g.lr);
    return INITIAL_LR.get(g)!;
  });
}

/** Base of the schedules that follow a formula of the step: each subclass gives its closed form (lrAt); building one
 *  sets the lr of step 0. */
export abstract class LRScheduler implements Scheduler {
  /** The lr each group had before the first scheduler on this optimizer was built. */
  readonly baseLrs: number[];
  /** Steps taken (PyTorch's last_epoch): 0 after construction. */
  lastEpoch = -1;
  /** Whether a step scales the group's current lr (false: it sets the closed form, as OneCycleLR does). */
  protected readonly chainable: boolean = true;

  /** @param optimizer The optimizer whose groups' lr this scheduler sets. */
  constructor(readonly optimizer: Optimizer<GroupOptions>) {
    this.baseLrs = initialLrs(optimizer);
  }

  /** The lr of each group at step `epoch` when this scheduler alone drives it (the closed form). */
  protected abstract lrAt(epoch: number): number[];

  /** Group i's lr after step `e`, from its lr `lr` before it: scaled by the closed form's ratio between the two steps
   *  (PyTorch's recursive get_lr, which these ratios equal), or the closed form where the previous value is 0. */
  protected next(lr: number, i: number, e: number): number {
    const prev = e === 0 ? this.baseLrs[i]! : this.lrAt(e - 1)[i]!;
    const now = this.lrAt(e)[i]!;
    return prev === 0 ? now : lr * (now / prev);
  }

  /** Advance one step and set each group's lr. */
  step(): void {
    this.lastEpoch++;
    if (!this.chainable) return this.apply();
    this.optimizer.groups.forEach((g, i) => (g.lr = this.next(g.lr, i, this.lastEpoch)));
  }

  /** Start again at step 0 from the base lrs (SequentialLR does at its milestones, as PyTorch's step(0)). */
  restart(): void {
    this.lastEpoch = 0;
    this.apply();
  }

  /** Set each group's lr to the closed form at lastEpoch. */
  protected apply(): void {
    this.lrAt(this.lastEpoch).forEach((lr, i) => (this.optimizer.groups[i]!.lr = lr));
  }

  /** The lr of each group now (PyTorch's get_last_lr). */
  getLastLr(): number[] {
    return this.optimizer.groups.map((g) => g.lr);
  }

  /** The counters to save in a checkpoint: the step. */
  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch };
  }

  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
  }
}

/** lr = base · gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  /**
   * @param optimizer The optimizer to schedule.
   * @param stepSize Steps between two decays.
   * @param gamma Factor of each decay (default 0.1).
   */
  constructor(optimizer: Optimizer<GroupOptions>, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new ValueError(`StepLR: stepSize must be an integer ≥ 1, got ${stepSize}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(e / this.stepSize));
  }
}

/** lr = base · gamma^(milestones reached): multiplied by gamma at each milestone (a milestone listed twice, twice). */
export class MultiStepLR extends LRScheduler {
  /** The steps at which the lr is multiplied by gamma, sorted. */
  readonly milestones: readonly number[];
  /**
   * @param optimizer The optimizer to schedule.
   * @param milestones Steps at which the lr is multiplied by gamma.
   * @param gamma Factor of each decay (default 0.1).
   */
  constructor(optimizer: Optimizer<GroupOptions>, milestones: readonly number[], readonly gamma = 0.1) {
    super(optimizer);
    if (!milestones.every((m) => Number.isInteger(m) && m >= 0)) throw new ValueError(`MultiStepLR: milestones must be integers ≥ 0, got [${milestones.join(", ")}]`);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.step();
  }
  protected lrAt(e: number): number[] {
    const reached = this.milestones.filter((m) => m <= e).length;
    return this.baseLrs.map((b) => b * this.gamma ** reached);
  }
}

/** lr = base · gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  /**
   * @param optimizer The optimizer to schedule.
   * @param gamma Factor applied at every step.
   */
  constructor(optimizer: Optimizer<GroupOptions>, readonly gamma: number) {
    super(optimizer);
    if (!(gamma > 0)) throw new ValueError(`ExponentialLR: gamma must be > 0, got ${gamma}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** e);
  }
}

/** Options of LinearLR. */
export interface LinearLROptions {
  /** Factor of the base lr at step 0 (default 1/3, as PyTorch). */
  startFactor?: number;
  /** Factor reached at totalIters and kept after (default 1). */
  endFactor?: number;
  /** Steps of the ramp (default 5). */
  totalIters?: number;
}

/** A linear ramp of the lr's factor from startFactor to endFactor over totalIters steps, then constant: the usual
 *  linear warmup (startFactor 0.01–0.1, endFactor 1), before another schedule in a SequentialLR or under one. */
export class LinearLR extends LRScheduler {
  /** Factor of the base lr at step 0. */
  readonly startFactor: number;
  /** Factor reached at totalIters and kept after. */
  readonly endFactor: number;
  /** Steps of the ramp. */
  readonly totalIters: number;
  constructor(optimizer: Optimizer<GroupOptions>, opts: LinearLROptions = {}) {
    super(optimizer);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    // a start of 0 would make every later step a multiple of 0 (PyTorch ≥ 2 refuses it too)
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new ValueError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new ValueError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    if (!Number.isInteger(this.totalIters) || this.totalIters < 1) throw new ValueError(`LinearLR: totalIters must be an integer ≥ 1, got ${this.totalIters}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, e)) / this.totalIters;
    return this.baseLrs.map((b) => b * f);
  }
}

/**
 * lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2: PyTorch's closed form. Stepped, it follows PyTorch's
 * recursive form (which equals the closed form alone, including past tMax where the cosine rises again, and is what
 * PyTorch applies under other schedulers).
 */
export class CosineAnnealingLR extends LRScheduler {
  /**
   * @param optimizer The optimizer to schedule.
   * @param tMax Steps from the base lr down to etaMin (half a cosine period).
   * @param etaMin The lowest lr (default 0).
   */
  constructor(optimizer: Optimizer<GroupOptions>, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
    if (!(tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be > 0, got ${tMax}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * e) / this.tMax))) / 2);
  }
  protected override next(lr: number, i: number, e: number): number {
    const { tMax: t, etaMin: eta } = this;
    if (e === 0) return lr;
    // one step past a minimum, where the ratio below would divide by zero
    if ((e - 1 - t) % (2 * t) === 0) return lr + ((this.baseLrs[i]! - eta) * (1 - Math.cos(Math.PI / t))) / 2;
    return ((1 + Math.cos((Math.PI * e) / t)) / (1 + Math.cos((Math.PI * (e - 1)) / t))) * (lr - eta) + eta;
  }
}

/** Options of OneCycleLR: the peak lr and the length of the cycle, as totalSteps or epochs × stepsPerEpoch. */
export interface OneCycleOptions {
  /** The peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps of the whole cycle (or give epochs and stepsPerEpoch). */
  totalSteps?: number;
  /** Epochs of the cycle, with stepsPerEpoch (when totalSteps is not given). */
  epochs?: number;
  /** Optimizer steps per epoch, with epochs. */
  stepsPerEpoch?: number;
  /** Share of the steps spent increasing the lr (0.3). */
  pctStart?: number;
  /** How the lr moves between phases: cosine (default) or linear. */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD) or β1 (Adam) inversely to the lr, between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  /** The momentum (β1 for Adam) at the peak lr (default 0.85). */
  baseMomentum?: number;
  /** The momentum (β1 for Adam) at the lowest lr (default 0.95). */
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor (25). */
  divFactor?: number;
  /** final lr = initial lr / finalDivFactor (1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial lr, then down to the final lr) instead of two (default false). */
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  lr: [number, number][]; // per group [start, end]
  momentum: [number, number];
}

/** Smith's 1cycle policy, with PyTorch's phases: warm up to maxLr over pctStart of the steps, then anneal to
 *  maxLr/(div·finalDiv). It sets the lr outright each step (not chainable, as in PyTorch). */
export class OneCycleLR extends LRScheduler {
  /** Steps of the whole cycle. */
  readonly totalSteps: number;
  protected override readonly chainable = false;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;

  constructor(optimizer: Optimizer<GroupOptions>, opts: OneCycleOptions) {
    super(optimizer);
    const total = opts.totalSteps ?? (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined ? opts.epochs * opts.stepsPerEpoch : NaN);
    if (!Number.isInteger(total) || total < 1) throw new ValueError("OneCycleLR: give totalSteps, or epochs and stepsPerEpoch, as positive integers");
    this.totalSteps = total;
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new ValueError(`OneCycleLR: pctStart must be in [0, 1], got ${pct}`);
    const div = opts.divFactor ?? 25, finalDiv = opts.finalDivFactor ?? 1e4;
    const maxLrs = Array.isArray(opts.maxLr) ? opts.maxLr : optimizer.groups.map(() => opts.maxLr as number);
    if (maxLrs.length !== optimizer.groups.length) throw new ValueError(`OneCycleLR: ${maxLrs.length} maxLr values for ${optimizer.groups.length} groups`);
    const initial = maxLrs.map((m) => m / div);
    const min = initial.map((i) => i / finalDiv);
    const base = opts.baseMomentum ?? 0.85, max = opts.maxMomentum ?? 0.95;
    const lrs = (a: number[], b: number[]): [number, number][] => a.map((v, i) => [v, b[i]!]);
    this.phases = opts.threePhase
      ? [
          { endStep: pct * total - 1, lr: lrs(initial, maxLrs), momentum: [max, base] },
          { endStep: 2 * pct * total - 2, lr: lrs(maxLrs, initial), momentum: [base, max] },
          { endStep: total - 1, lr: lrs(initial, min), momentum: [max, max] },
        ]
      : [
          { endStep: pct * total - 1, lr: lrs(initial, maxLrs), momentum: [max, base] },
          { endStep: total - 1, lr: lrs(maxLrs, min), momentum: [base, max] },
        ];
    this.anneal = (opts.annealStrategy ?? "cos") === "cos"
      ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1)
      : (s, e, p) => (e - s) * p + s;
    this.cycleMomentum = opts.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      for (const g of optimizer.groups as unknown as Record<string, unknown>[]) {
        if (!("momentum" in g) && !("betas" in g)) throw new ValueError("OneCycleLR: cycleMomentum needs an optimizer with momentum or betas (or pass cycleMomentum: false)");
      }
    }
    this.step();
  }

  private position(e: number): { phase: Phase; pct: number } {
    if (e > this.totalSteps) throw new ValueError(`OneCycleLR: tried to step ${e} times; the schedule has ${this.totalSteps} steps`);
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const ph = this.phases[i]!;
      if (e <= ph.endStep || i === this.phases.length - 1) return { phase: ph, pct: (e - start) / (ph.endStep - start) };
      start = ph.endStep;
    }
    throw new Error("unreachable");
  }

  protected lrAt(e: number): number[] {
    const { phase, pct } = this.position(e);
    return phase.lr.map(([s, end]) => this.anneal(s, end, pct));
  }

  protected override apply(): void {
    super.apply();
    if (!this.cycleMomentum) return;
    const { phase, pct } = this.position(this.lastEpoch);
    const m = this.anneal(phase.momentum[0], phase.momentum[1], pct);
    for (const g of this.optimizer.groups as unknown as Record<string, unknown>[]) {
      if (Array.isArray(g.betas)) g.betas = [m, (g.betas as number[])[1]!];
      else g.momentum = m;
    }
  }
}

/** Options of ReduceLROnPlateau (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** "min": the monitored value should fall (a loss); "max": rise (an accuracy). */
  mode?: "min" | "max";
  /** lr ← lr·factor on a plateau (default 0.1; < 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** What counts as an improvement: better than best·(1 ∓ threshold) ("rel") or best ∓ threshold ("abs"); default 1e-4, rel. */
  threshold?: number;
  /** Whether threshold is relative ("rel", default) or absolute ("abs"). */
  thresholdMode?: "rel" | "abs";
  /** Steps to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/** Reduce the lr by `factor` when the monitored value (step(value), usually once per epoch) has not improved for
 *  more than `patience` steps: PyTorch's ReduceLROnPlateau. */
export class ReduceLROnPlateau implements Scheduler {
  /** "min": the monitored value should fall (a loss); "max": rise (an accuracy). */
  readonly mode: "min" | "max";
  /** lr ← lr·factor on a plateau. */
  readonly factor: number;
  /** Steps without improvement tolerated before reducing. */
  readonly patience: number;
  /** The smallest change that counts as an improvement (see thresholdMode). */
  readonly threshold: number;
  /** Whether threshold is relative to the best value ("rel") or absolute ("abs"). */
  readonly thresholdMode: "rel" | "abs";
  /** Steps to wait after a reduction before counting bad steps again. */
  readonly cooldown: number;
  /** The lowest lr of each group. */
  readonly minLrs: number[];
  /** A reduction smaller than this is skipped. */
  readonly eps: number;
  /** Steps taken (values given to step()). */
  lastEpoch = 0;
  /** The best value seen (±Infinity before the first). */
  best: number;
  /** Steps in a row without improvement. */
  numBadEpochs = 0;
  /** Steps left to wait after the last reduction. */
  cooldownCounter = 0;

  /**
   * @param optimizer The optimizer whose lr to reduce.
   * @param opts What counts as a plateau and what to do then.
   */
  constructor(readonly optimizer: Optimizer<GroupOptions>, opts: ReduceLROnPlateauOptions = {}) {
    this.mode = opts.mode ?? "min";
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? "rel";
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    const minLr = opts.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? [...minLr] : optimizer.groups.map(() => minLr);
    if (this.mode !== "min" && this.mode !== "max") throw new ValueError(`ReduceLROnPlateau: mode must be 'min' or 'max', got '${String(this.mode)}'`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new ValueError(`ReduceLROnPlateau: thresholdMode must be 'rel' or 'abs', got '${String(this.thresholdMode)}'`);
    if (!(this.factor > 0 && this.factor < 1)) throw new ValueError(`ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new ValueError(`ReduceLROnPlateau: patience must be an integer ≥ 0, got ${this.patience}`);
    if (!Number.isInteger(this.cooldown) || this.cooldown < 0) throw new ValueError(`ReduceLROnPlateau: cooldown must be an integer ≥ 0, got ${this.cooldown}`);
    if (this.minLrs.length !== optimizer.groups.length) throw new ValueError(`ReduceLROnPlateau: ${this.minLrs.length} minLr values for ${optimizer.groups.length} groups`);
    this.best = this.worst;
  }

  private get worst(): number {
    return this.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best, threshold: t } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /** Take one value of the monitored quantity (a NaN never counts as an improvement). */
  step(metric?: number): void {
    if (typeof metric !== "number") throw new ValueError("ReduceLROnPlateau: step() needs the monitored value, e.g. step(valLoss)");
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.groups.forEach((g, i) => {
        const lr = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return this.optimizer.groups.map((g) => g.lr);
  }

  stateDict(): SchedulerState {
    // ±Infinity is not JSON: null stands for "nothing seen yet"
    return { lastEpoch: this.lastEpoch, best: Number.isFinite(this.best) ? this.best : null, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
    this.best = typeof s.best === "number" ? s.best : this.worst;
    this.numBadEpochs = Number(s.numBadEpochs ?? 0);
    this.cooldownCounter = Number(s.cooldownCounter ?? 0);
  }
}

function sameOptimizer(name: string, schedulers: readonly Scheduler[], optimizer: Optimizer<GroupOptions>): void {
  if (schedulers.length === 0) throw new ValueError(`${name}: needs at least one scheduler`);
  schedulers.forEach((s, i) => {
    if (s.optimizer !== optimizer) throw new ValueError(`${name}: scheduler ${i} drives another optimizer than scheduler 0`);
  });
}

/**
 * One schedule after another: schedulers[0] until milestones[0], then schedulers[1] started afresh from the base lr,
 * and so on (PyTorch's SequentialLR). E.g. a linear warmup over 500 steps, then a cosine decay:
 * `new SequentialLR(opt, [new LinearLR(opt, { startFactor: 0.1, totalIters: 500 }), new CosineAnnealingLR(opt, 9500)], [500])`.
 */
export class SequentialLR implements Scheduler {
  /** The steps at which the next scheduler takes over. */
  readonly milestones: readonly number[];
  /** Steps taken. */
  lastEpoch = 0;

  /**
   * @param optimizer The optimizer all the schedulers drive.
   * @param schedulers The schedules, in order.
   * @param milestones The step at which each scheduler after the first takes over (one fewer than schedulers).
   */
  constructor(readonly optimizer: Optimizer<GroupOptions>, readonly schedulers: readonly LRScheduler[], milestones: readonly number[]) {
    sameOptimizer("SequentialLR", schedulers, optimizer);
    if (milestones.length !== schedulers.length - 1) throw new ValueError(`SequentialLR: ${schedulers.length} schedulers need ${schedulers.length - 1} milestones, got ${milestones.length}`);
    if (!milestones.every((m, i) => Number.isInteger(m) && m > 0 && (i === 0 || m > milestones[i - 1]!))) throw new ValueError(`SequentialLR: milestones must be increasing integers > 0, got [${milestones.join(", ")}]`);
    this.milestones = [...milestones];
    // undo what building the schedulers did to the lr; the first one starts
    const base = initialLrs(optimizer);
    optimizer.groups.forEach((g, i) => (g.lr = base[i]!));
    for (const s of schedulers) s.lastEpoch--;
    schedulers[0]!.step();
  }

  step(): void {
    this.lastEpoch++;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.restart();
    else s.step();
  }

  getLastLr(): number[] {
    return this.optimizer.groups.map((g) => g.lr);
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
    (s.schedulers as SchedulerState[]).forEach((st, i) => this.schedulers[i]!.loadStateDict(st));
  }
}

/** Several schedulers stepped together on one optimizer; their chainable steps multiply (PyTorch's ChainedScheduler).
 *  A ReduceLROnPlateau among them gets the value passed to step(value). */
export class ChainedScheduler implements Scheduler {
  /** The optimizer all the schedulers drive. */
  readonly optimizer: Optimizer<GroupOptions>;
  /** Steps taken. */
  lastEpoch = 0;

  /** @param schedulers Schedulers of one optimizer, stepped together in this order. */
  constructor(readonly schedulers: readonly Scheduler[]) {
    sameOptimizer("ChainedScheduler", schedulers, schedulers[0]?.optimizer as Optimizer<GroupOptions>);
    this.optimizer = schedulers[0]!.optimizer;
  }

  step(metric?: number): void {
    this.lastEpoch++;
    for (const s of this.schedulers) s.step(metric);
  }

  getLastLr(): number[] {
    return this.optimizer.groups.map((g) => g.lr);
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
    (s.schedulers as SchedulerState[]).forEach((st, i) => this.schedulers[i]!.loadStateDict(st));
  }
}
