// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";

/**
 * Scale every gradient by min(1, maxNorm / (total + 1e-6)), where total is the p-norm (or ∞-norm) of all gradients
 * together. Returns the total norm before clipping. With errorIfNonfinite a NaN/∞ norm throws instead.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2, errorIfNonfinite = false): number {
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be ≥ 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new ValueError(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const grads = [...params].flatMap((p) => (p.grad ? [p.grad] : []));
  if (grads.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (const v of g.data) total = Math.max(total, Math.abs(v));
    for (const g of grads) for (const v of g.data) if (Number.isNaN(v)) total = NaN;
  } else {
    // the norm of the per-tensor norms equals the norm over all elements
    for (const g of grads) for (const v of g.data) total += Math.abs(v) ** normType;
    total = total ** (1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) throw new ValueError(`clipGradNorm: the total gradient norm is ${total}`);
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef < 1 || Number.isNaN(coef)) for (const g of grads) for (let i = 0; i < g.data.length; i++) g.data[i] = g.data[i]! * coef;
  return total;
}
