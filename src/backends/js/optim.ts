// The optimizers' updates of one parameter, in place: the loops SGD, Adam and RMSprop ran before they became kernels, so that
// a device backend runs the same step where the parameters live. In double precision per element, stored as float32.
import type { HostKernels } from "../backend.js";

export const optimKernels: Pick<HostKernels, "sgdStep" | "adamStep" | "rmspropStep"> = {
  sgdStep(x, g, buf, p) {
    const { lr, momentum, dampening, nesterov, weightDecay, first } = p;
    if (!buf) {
      for (let i = 0; i < x.length; i++) x[i] = x[i]! - lr * (g[i]! + weightDecay * x[i]!);
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const d = g[i]! + weightDecay * x[i]!;
      buf[i] = first ? d : momentum * buf[i]! + (1 - dampening) * d;
      x[i] = x[i]! - lr * (nesterov ? d + momentum * buf[i]! : buf[i]!);
    }
  },

  adamStep(x, gr, m, v, vmax, p) {
    const { beta1: b1, beta2: b2, eps, weightDecay, decoupled, decay, stepSize, bc2Sqrt } = p;
    for (let i = 0; i < x.length; i++) {
      if (decoupled) x[i] = x[i]! * decay;
      const g = decoupled ? gr[i]! : gr[i]! + weightDecay * x[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      let second = v[i]!;
      if (vmax) second = vmax[i] = Math.max(vmax[i]!, second);
      x[i] = x[i]! - (stepSize * m[i]!) / (Math.sqrt(second) / bc2Sqrt + eps);
    }
  },

  rmspropStep(x, gr, v, m, buf, p) {
    const { lr, alpha, eps, weightDecay, momentum } = p;
    for (let i = 0; i < x.length; i++) {
      const g = gr[i]! + weightDecay * x[i]!;
      v[i] = alpha * v[i]! + (1 - alpha) * g * g;
      let d: number;
      if (m) {
        // centered: divide by the running variance of g, v − m²
        m[i] = alpha * m[i]! + (1 - alpha) * g;
        d = Math.sqrt(v[i]! - m[i]! * m[i]!) + eps;
      } else d = Math.sqrt(v[i]!) + eps;
      if (buf) {
        buf[i] = momentum * buf[i]! + g / d;
        x[i] = x[i]! - lr * buf[i]!;
      } else x[i] = x[i]! - (lr * g) / d;
    }
  },
};
