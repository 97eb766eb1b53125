// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay: PyTorch's torch.optim.SGD update.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { kernel } from "../backends/registry.js";
import { Optimizer, type ParamsInput } from "./optimizer.js";

/** SGD's hyper-parameters (PyTorch's defaults: all 0 or false but the lr, which has none). */
export interface SGDOptions {
  /** The learning rate. */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening of the momentum's gradient term (default 0). */
  dampening: number;
  /** Nesterov momentum (default false). */
  nesterov: boolean;
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay: number;
}

/**
 * For each parameter p with gradient g (PyTorch 1.13's rule):
 *   g ← g + weightDecay·p
 *   buf ← g on the first step, else momentum·buf + (1 − dampening)·g
 *   g ← g + momentum·buf (Nesterov) or buf
 *   p ← p − lr·g
 */
export class SGD extends Optimizer<SGDOptions> {
  /**
   * @param params The parameters, or groups of them with their own hyper-parameters.
   * @param opts Hyper-parameters; lr is required.
   */
  constructor(params: ParamsInput<SGDOptions> | Iterable<Tensor>, opts: Partial<SGDOptions> & { lr: number }) {
    super("SGD", params, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...opts });
    for (const g of this.groups) {
      if (g.momentum < 0 || g.weightDecay < 0) throw new ValueError(`SGD: momentum and weightDecay must be ≥ 0, got ${g.momentum} and ${g.weightDecay}`);
      if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
    }
  }

  step(): void {
    for (const group of this.groups) {
      const { lr, momentum, dampening, nesterov, weightDecay } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const x = p.operand;
        const s = momentum === 0 ? null : this.stateOf(p);
        const first = s !== null && s.momentumBuffer === undefined; // the buffer starts as the first gradient
        const buf = s && this.buffer(p, s, "momentumBuffer");
        kernel("sgdStep", x)(x, p.grad.operand, buf, { lr, momentum, dampening, nesterov, weightDecay, first });
      }
    }
  }
}
