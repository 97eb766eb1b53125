// Reverse-mode differentiation over the tape: topological order, gradient accumulation into leaves.
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "./grad-mode.js";
import { releaseMemory, startTracking, stopTracking, type TensorMemory } from "../tensor/memory.js";
import { DTypeError, GradError, ShapeError } from "../errors.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Backpropagate from this tensor. A scalar needs no argument; otherwise pass d(loss)/d(this). The memory the
     *  graph kept for the backward is released as it is used, unless `retainGraph` keeps it for another backward. */
    backward(grad?: Tensor, opts?: BackwardOptions): void;
  }
}

/** Options of Tensor.backward. */
export interface BackwardOptions {
  /** Keep what the graph saved, to run another backward through it (PyTorch's retain_graph). Default false. */
  retainGraph?: boolean;
}

Tensor.prototype.backward = function backward(this: Tensor, grad?: Tensor, opts: BackwardOptions = {}): void {
  if (!this.requiresGrad) throw new GradError("backward: this tensor does not require grad (no input of the computation had requiresGrad)");
  if (!grad) {
    if (this.size !== 1) throw new GradError(`backward: grad can be implicit only for a scalar output, this one has shape [${this.shape.join(",")}]`);
    grad = this.isMeta ? Tensor.meta(this.shape, this.dtype) : new Tensor(this.dtype === "float64" ? new Float64Array([1]) : new Float32Array([1]), this.shape);
  }
  if (!shapeEquals(grad.shape, this.shape)) throw new ShapeError(`backward: grad has shape ${fmtShape(grad.shape)} but the tensor has ${fmtShape(this.shape)}`);
  if (grad.dtype !== this.dtype) throw new DTypeError(`backward: grad is ${grad.dtype} but the tensor is ${this.dtype}`);
  runBackward(this, grad, opts.retainGraph ?? false);
};

/** Propagate `grad` (d loss / d root) from `root` to every tensor that requires grad, accumulating into `.grad` of
 *  leaves (in place when they have one, as PyTorch does). Memory is handed back to the backend as soon as nothing can
 *  read it: each intermediate gradient once its node has used it (only arrays this backward allocated, and none that
 *  became a `.grad`), and, unless `retainGraph`, what the graph saved for the backward (GradFn.releasable) after the
 *  pass; the garbage collector would free the same memory, but only once JavaScript yields to its event loop. */
export function runBackward(root: Tensor, grad: Tensor, retainGraph = false): void {
  // Topological order by iterative depth-first search (deep ResNets would overflow a recursive one).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i]!;
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }

  for (const t of order) {
    if (t.gradFn?.released) {
      throw new GradError(`backward: the graph through ${t.gradFn.name} was already used by a backward, which released what it saved; pass { retainGraph: true } to the first backward to run another`);
    }
  }

  // Gradients waiting for their node, and how many of them use each array (a reshape's gradient is a view of its
  // output's, add sends one gradient to both inputs).
  // A tensor's memory: its array, or its storage for a meta tensor (shapes only: nothing to release).
  const mem = (t: Tensor): object => (t.isMeta ? t.storage : t.storage.memory!);
  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  const uses = new Map<object, number>([[mem(grad), 1]]);
  const hold = (g: Tensor): void => void uses.set(mem(g), (uses.get(mem(g)) ?? 0) + 1);
  const unhold = (g: Tensor): void => {
    const n = (uses.get(mem(g)) ?? 0) - 1;
    if (n > 0) uses.set(mem(g), n);
    else uses.delete(mem(g));
  };
  // Arrays this pass allocates: only those may be released early (an op's backward may return a saved tensor).
  const made = startTracking(true);
  const kept = new Set<object>(); // became a .grad
  const done = new Set<object>();
  // What the graph saved for this backward (GradFn.releasable: op-private values, and the intermediates of scopes):
  // an intermediate goes back once the node that made it is done (its consumers, which read it, came before it);
  // the rest after the pass. A view's node shares its input's array: counted, it goes with the last of them.
  const saved = new Set<TensorMemory>();
  const producers = new Map<TensorMemory, number>();
  if (!retainGraph) {
    for (const t of order) for (const d of t.gradFn?.releasable ?? []) saved.add(d);
    for (const t of order) if (t.gradFn && !t.isMeta && saved.has(t.storage.memory!)) producers.set(t.storage.memory!, (producers.get(t.storage.memory!) ?? 0) + 1);
  }
  const nodeDone = (t: Tensor): void => {
    if (!t.gradFn || t.isMeta) return;
    const n = producers.get(t.storage.memory!);
    if (n === undefined) return;
    if (n > 1) { producers.set(t.storage.memory!, n - 1); return; }
    producers.delete(t.storage.memory!);
    saved.delete(t.storage.memory!);
    releaseMemory(t.storage.memory!);
  };
  const releaseIfFree = (g: Tensor): void => {
    if (g.isMeta) return;
    const d = g.storage.memory!;
    if (uses.has(d) || !made.has(d) || kept.has(d) || done.has(d)) return;
    done.add(d);
    releaseMemory(d);
  };
  try {
    noGrad(() => {
      for (let o = order.length - 1; o >= 0; o--) {
        const t = order[o]!;
        const g = grads.get(t);
        if (!g) { nodeDone(t); continue; }
        grads.delete(t);
        unhold(g);
        if (!t.gradFn || t.retainsGrad) {
          if (t.grad) t.grad = t.grad.isMeta ? t.grad.add(g) : t.grad.add_(g);
          // g is this pass's own and nothing else uses it: it becomes the .grad; else .grad gets its own buffer (g may
          // be the user's seed, or shared by both inputs of an add, or a view), which optimisers change in place
          else if (!g.isMeta && made.has(g.storage.memory!) && !uses.has(g.storage.memory!) && !kept.has(g.storage.memory!)) t.grad = g.detach();
          else t.grad = g.clone();
          kept.add(mem(t.grad));
        }
        if (t.gradFn) {
          const inGrads = t.gradFn.backward(g);
          t.gradFn.inputs.forEach((input, k) => {
            const ig = inGrads[k];
            if (!ig || !input.requiresGrad) return;
            if (!shapeEquals(ig.shape, input.shape)) {
              throw new GradError(`${t.gradFn!.name} backward: gradient of input ${k} has shape ${fmtShape(ig.shape)} but the input is ${fmtShape(input.shape)}`);
            }
            const prev = grads.get(input);
            if (prev) {
              const sum = prev.add(ig);
              grads.set(input, sum);
              hold(sum);
              unhold(prev);
              releaseIfFree(prev);
              releaseIfFree(ig);
            } else {
              grads.set(input, ig);
              hold(ig);
            }
          });
        }
        releaseIfFree(g);
        nodeDone(t);
      }
    });
  } finally {
    stopTracking(made);
  }
  // What the pass allocated and nothing can reach any more: its kernels' temporaries (a backward keeps none)
  for (const d of made) if (!kept.has(d) && !done.has(d) && !uses.has(d)) releaseMemory(d);
  if (retainGraph) return;
  for (const t of order) {
    const fn = t.gradFn;
    if (!fn?.releasable) continue;
    fn.releasable = undefined;
    fn.released = true;
  }
  for (const d of saved) releaseMemory(d);
}

/** Clears a tensor's gradient: zeroes it in place (PyTorch 1.13's default; the next backward accumulates into the same
 *  memory), or drops it with `setToNone`. */
export function clearGrad(t: Tensor, setToNone: boolean): void {
  if (setToNone) t.grad = null;
  else if (t.grad && !t.grad.isMeta) t.grad.zero_();
}
