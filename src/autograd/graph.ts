// The eager tape: each result of a differentiable op remembers its inputs and how to send a gradient back to them.
import type { GradFn } from "../tensor/grad-fn.js";
import { isGradEnabled } from "./grad-mode.js";
import { releaseMemory, startTracking, stopTracking } from "../tensor/memory.js";
import { Tensor } from "../tensor/tensor.js";

export type { GradFn } from "../tensor/grad-fn.js";

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

/** Records a table op's result: its definition and attributes go on the tape, and its backward calls the definition's
 *  with the inputs, output, attributes and saved values. The caller checked that grad mode is on and an input
 *  requires grad. */
export function recordOp<A, S>(
  out: Tensor, op: { readonly name: string; readonly backward: ((g: Tensor, x: readonly Tensor[], y: Tensor, a: A, saved: S) => readonly (Tensor | null)[]) | null },
  inputs: readonly Tensor[], attrs: A, saved: S | undefined,
): Tensor {
  const grad = op.backward;
  out.requiresGrad = true;
  out.gradFn = {
    name: op.name, inputs, op, attrs: attrs as Readonly<Record<string, unknown>>,
    backward: grad ? (g) => grad(g, inputs, out, attrs, saved as S) : () => inputs.map(() => null),
  };
  return out;
}

/** Whether an op should bother building its backward closure. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  return isGradEnabled() && inputs.some((t) => t?.requiresGrad === true);
}

/** Runs `fn`, a computation whose intermediates nobody but the graph can reach once it returns (a composite op such as
 *  crossEntropy, or a tree of modules that keep no tensors): the arrays it allocates besides its result's are handed
 *  back to the backend when nothing was recorded, or put on the result's graph node, which hands them back once a
 *  backward has gone through it (backward.ts). A result that is not one tensor (a tuple of heads: a backward from one
 *  must not free what the other needs) leaves them to the garbage collector. */
export function graphScope<T>(fn: () => T): T {
  const made = startTracking(true);
  let out: T | undefined;
  try {
    out = fn();
    return out;
  } finally {
    stopTracking(made);
    if (out instanceof Tensor && !out.isMeta) {
      made.delete(out.storage.memory!);
      if (made.size > 0) {
        if (out.gradFn) out.gradFn.releasable = [...(out.gradFn.releasable ?? []), ...made];
        else for (const d of made) releaseMemory(d);
      }
    }
  }
}
