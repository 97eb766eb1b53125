// Reverse-mode differentiation over the tape: topological order, gradient accumulation into leaves.
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "./grad-mode.js";
import { DTypeError, GradError, ShapeError } from "../errors.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Backpropagate from this tensor. A scalar needs no argument; otherwise pass d(loss)/d(this). */
    backward(grad?: Tensor): void;
  }
}

Tensor.prototype.backward = function backward(this: Tensor, grad?: Tensor): void {
  if (!this.requiresGrad) throw new GradError("backward: this tensor does not require grad (no input of the computation had requiresGrad)");
  if (!grad) {
    if (this.size !== 1) throw new GradError(`backward: grad can be implicit only for a scalar output, this one has shape [${this.shape.join(",")}]`);
    grad = this.isMeta ? Tensor.meta(this.shape, this.dtype) : new Tensor(this.dtype === "float64" ? new Float64Array([1]) : new Float32Array([1]), this.shape);
  }
  if (!shapeEquals(grad.shape, this.shape)) throw new ShapeError(`backward: grad has shape ${fmtShape(grad.shape)} but the tensor has ${fmtShape(this.shape)}`);
  if (grad.dtype !== this.dtype) throw new DTypeError(`backward: grad is ${grad.dtype} but the tensor is ${this.dtype}`);
  runBackward(this, grad);
};

/** Propagate `grad` (d loss / d root) from `root` to every tensor that requires grad, summing into `.grad` of leaves. */
export function runBackward(root: Tensor, grad: Tensor): void {
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

  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  noGrad(() => {
    for (let o = order.length - 1; o >= 0; o--) {
      const t = order[o]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t); // free as we go
      // .grad gets its own buffer: g may be shared (the user's seed, both inputs of an add, a reshape's view), and
      // optimisers change .grad in place
      if (!t.gradFn || t.retainsGrad) t.grad = t.grad ? t.grad.add(g) : g.clone();
      if (!t.gradFn) continue;
      const inGrads = t.gradFn.backward(g);
      t.gradFn.inputs.forEach((input, k) => {
        const ig = inGrads[k];
        if (!ig || !input.requiresGrad) return;
        if (!shapeEquals(ig.shape, input.shape)) {
          throw new GradError(`${t.gradFn!.name} backward: gradient of input ${k} has shape ${fmtShape(ig.shape)} but the input is ${fmtShape(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? prev.add(ig) : ig);
      });
    }
  });
}
