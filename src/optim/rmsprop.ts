// RMSprop (Hinton's lecture 6e; Graves 2013 for the centred form): PyTorch 1.13's torch.optim.RMSprop update.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { kernel } from "../backends/registry.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";

/** RMSprop's hyper-parameters (PyTorch's defaults). */
export interface RMSpropOptions {
  /** The learning rate (default 0.01). */
  lr: number;
  /** Smoothing constant of the running mean of g² (0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Divide by the running variance of g (mean of g² minus the square of the mean of g) instead of the mean of g². */
  centered: boolean;
}

/**
 * For each parameter p with gradient g (PyTorch 1.13's rule; defaults lr 0.01, alpha 0.99, eps 1e-8):
 *   g ← g + weightDecay·p
 *   v ← alpha·v + (1 − alpha)·g²
 *   centered: m ← alpha·m + (1 − alpha)·g;  d = √(v − m²) + eps;  otherwise d = √v + eps
 *   momentum > 0: buf ← momentum·buf + g/d;  p ← p − lr·buf;  otherwise p ← p − lr·g/d
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /**
   * @param params The parameters, or groups of them with their own hyper-parameters.
   * @param opts Hyper-parameters (PyTorch's defaults for those not given).
   */
  constructor(params: ParamsInput<RMSpropOptions> | Iterable<Tensor>, opts: Partial<RMSpropOptions> = {}) {
    super("RMSprop", params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...opts });
    for (const g of this.groups) {
      if (!(g.alpha >= 0)) throw new ValueError(`RMSprop: alpha must be ≥ 0, got ${g.alpha}`);
      if (!(g.eps >= 0) || !(g.weightDecay >= 0) || !(g.momentum >= 0)) throw new ValueError(`RMSprop: eps, weightDecay and momentum must be ≥ 0, got ${g.eps}, ${g.weightDecay} and ${g.momentum}`);
    }
  }

  step(): void {
    for (const group of this.groups) {
      const { lr, alpha, eps, weightDecay, momentum, centered } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const s = this.stateOf(p);
        s.step = ((s.step as number | undefined) ?? 0) + 1;
        const v = this.buffer(p, s, "squareAvg");
        const m = centered ? this.buffer(p, s, "gradAvg") : null;
        const buf = momentum > 0 ? this.buffer(p, s, "momentumBuffer") : null;
        const x = p.operand;
        kernel("rmspropStep", x)(x, p.grad.operand, v, m, buf, { lr, alpha, eps, weightDecay, momentum });
      }
    }
  }
}
