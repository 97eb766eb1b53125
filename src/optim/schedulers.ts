// Learning-rate schedules with PyTorch's formulas: StepLR, CosineAnnealingLR, OneCycleLR (which also cycles momentum).
// Like PyTorch, a scheduler sets the initial lr when built (step 0) and each step() moves to the next step.
import { ValueError } from "../errors.js";
import type { GroupOptions, Optimizer } from "./optimizer.js";

export interface SchedulerState {
  lastEpoch: number;
}

export abstract class LRScheduler {
  /** The lr each group had when the scheduler was built. */
  readonly baseLrs: number[];
  /** Steps taken (PyTorch's last_epoch): 0 after construction. */
  lastEpoch = -1;

  constructor(readonly optimizer: Optimizer<GroupOptions>) {
    this.baseLrs = optimizer.groups.map((g) => g.lr);
  }

  /** The lr of each group at step `epoch`. */
  protected abstract lrAt(epoch: number): number[];

  /** Advance one step and set each group's lr. */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  protected apply(): void {
    this.lrAt(this.lastEpoch).forEach((lr, i) => (this.optimizer.groups[i]!.lr = lr));
  }

  /** The lr of each group now (PyTorch's get_last_lr). */
  getLastLr(): number[] {
    return this.optimizer.groups.map((g) => g.lr);
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch };
  }

  loadStateDict(s: SchedulerState): void {
    this.lastEpoch = s.lastEpoch;
    this.apply();
  }
}

/** lr = base · gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer<GroupOptions>, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new ValueError(`StepLR: stepSize must be an integer ≥ 1, got ${stepSize}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(e / this.stepSize));
  }
}

/**
 * lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2: PyTorch's closed form, which its recursive form equals
 * (including past tMax, where the cosine rises again).
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer<GroupOptions>, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
    if (!(tMax > 0)) throw new ValueError(`CosineAnnealingLR: tMax must be > 0, got ${tMax}`);
    this.step();
  }
  protected lrAt(e: number): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * e) / this.tMax))) / 2);
  }
}

export interface OneCycleOptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Share of the steps spent increasing the lr (0.3). */
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD) or β1 (Adam) inversely to the lr, between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor (25). */
  divFactor?: number;
  /** final lr = initial lr / finalDivFactor (1e4). */
  finalDivFactor?: number;
  threePhase?: boolean;
}

interface Phase {
  endStep: number;
  lr: [number, number][]; // per group [start, end]
  momentum: [number, number];
}

/** Smith's 1cycle policy, with PyTorch's phases: warm up to maxLr over pctStart of the steps, then anneal to maxLr/(div·finalDiv). */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
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
