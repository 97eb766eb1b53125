// The eager tape: each result of a differentiable op remembers its inputs and how to send a gradient back to them.
import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad-mode.js";

/** How one op sends the gradient of its output back to its inputs (null where an input gets none). */
export interface GradFn {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  backward(grad: Tensor): readonly (Tensor | null)[];
  /** The op's settings (stride, padding, dims…), kept so the tape can be read back as a graph (ONNX export). */
  readonly attrs?: Readonly<Record<string, unknown>>;
}

/** Attach `backward` to `out` if grad mode is on and any input requires grad. Returns `out`. */
export function record(
  out: Tensor, name: string, inputs: readonly Tensor[], backward: (grad: Tensor) => readonly (Tensor | null)[],
  attrs?: Readonly<Record<string, unknown>>,
): Tensor {
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = attrs ? { name, inputs, backward, attrs } : { name, inputs, backward };
  }
  return out;
}

/** Whether an op should bother building its backward closure. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  return isGradEnabled() && inputs.some((t) => t?.requiresGrad === true);
}
