// Adam (Kingma & Ba 2015) with L2 weight decay and AMSGrad, and AdamW (Loshchilov & Hutter 2019, decoupled weight
// decay): PyTorch 1.13's torch.optim.Adam / AdamW updates.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { kernel } from "../backends/registry.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";

/** Adam's and AdamW's hyper-parameters (PyTorch's defaults). */
export interface AdamOptions {
  /** The learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running means of g and g² (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 term in the gradient for Adam, a decoupled shrink for AdamW (default 0, AdamW 0.01). */
  weightDecay: number;
  /** Use the maximum of the running g² so far (AMSGrad, Reddi et al. 2018; default false). */
  amsgrad: boolean;
}

/**
 * For each parameter p with gradient g, at step t (counted per parameter):
 *   g ← g + weightDecay·p                       (Adam: L2 penalty in the gradient)
 *   p ← p·(1 − lr·weightDecay)                  (AdamW instead: decoupled decay)
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²   (v ← max(vmax, v) in the denominator with AMSGrad)
 *   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 */
export class Adam extends Optimizer<AdamOptions> {
  /** Whether weight decay shrinks the weights directly (AdamW) instead of adding to the gradient (Adam). */
  protected readonly decoupled: boolean = false;

  /**
   * @param params The parameters, or groups of them with their own hyper-parameters.
   * @param opts Hyper-parameters (PyTorch's defaults for those not given).
   * @param name The optimizer's name, for messages.
   */
  constructor(params: ParamsInput<AdamOptions> | Iterable<Tensor>, opts: Partial<AdamOptions> = {}, name = "Adam") {
    super(name, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts });
    for (const g of this.groups) {
      if (!(g.betas[0] >= 0 && g.betas[0] < 1 && g.betas[1] >= 0 && g.betas[1] < 1)) throw new ValueError(`${name}: betas must be in [0, 1), got [${g.betas.join(", ")}]`);
      if (!(g.eps >= 0) || !(g.weightDecay >= 0)) throw new ValueError(`${name}: eps and weightDecay must be ≥ 0`);
    }
  }

  step(): void {
    for (const group of this.groups) {
      const { lr, betas: [b1, b2], eps, weightDecay, amsgrad } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const s = this.stateOf(p);
        const m = this.buffer(p, s, "expAvg"), v = this.buffer(p, s, "expAvgSq");
        const vmax = amsgrad ? this.buffer(p, s, "maxExpAvgSq") : null;
        const t = ((s.step as number | undefined) ?? 0) + 1;
        s.step = t;
        const stepSize = lr / (1 - b1 ** t);
        const bc2Sqrt = Math.sqrt(1 - b2 ** t);
        const x = p.operand;
        kernel("adamStep", x)(x, p.grad.operand, m, v, vmax, {
          beta1: b1, beta2: b2, eps, weightDecay, decoupled: this.decoupled, decay: 1 - lr * weightDecay, stepSize, bc2Sqrt,
        });
      }
    }
  }
}

/** Adam with decoupled weight decay (default 0.01, as PyTorch's AdamW). */
export class AdamW extends Adam {
  /** Whether weight decay shrinks the weights directly (AdamW) instead of adding to the gradient (Adam). */
  protected override readonly decoupled: boolean = true;
  /**
   * @param params The parameters, or groups of them with their own hyper-parameters.
   * @param opts Hyper-parameters (weight decay 0.01 unless given).
   */
  constructor(params: ParamsInput<AdamOptions> | Iterable<Tensor>, opts: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...opts }, "AdamW");
  }
}
