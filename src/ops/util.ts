// Small helpers every op file uses: allocating results, lifting numbers to tensors, summing a gradient back to a broadcast shape.
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { allocate, allocateOutput, type DType } from "../tensor/dtype.js";
import { sizeOf, type Shape } from "../tensor/shape.js";
import { DTypeError } from "../errors.js";
import { kernel } from "../backends/registry.js";
import { deviceConstant } from "../tensor/memory.js";

/** A new zero-filled tensor of `shape` for a kernel to write (on the GPU under a device backend). */
export function emptyLike(dtype: DType, shape: Shape): Tensor {
  return new Tensor(allocateOutput(dtype, sizeOf(shape), "allocate", shape), shape);
}

/** A new zero-filled tensor of `shape` whose values JavaScript writes (it moves to the device when a kernel takes it). */
export function hostZeros(dtype: DType, shape: Shape): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** Copies src's values into y (same size), on the kernels of the backend holding them. */
export function copyInto(y: Tensor, src: Tensor): void {
  kernel("copyStrided", src.operand)(src.operand, 0, src.strides, src.shape, y.operand, 0, y.strides, false);
}

/** A number becomes a scalar tensor of `like`'s dtype; tensors pass through after a dtype check. */
export function lift(op: string, o: TensorLike, like: Tensor): Tensor {
  if (typeof o === "number") {
    // on a device: a shared constant (ops only read their operands), not an upload at every call
    const c = like.dtype === "float32" ? deviceConstant(o) : null;
    if (c) return new Tensor(c, []);
    const t = hostZeros(like.dtype, []);
    t.data[0] = o;
    return t;
  }
  if (o.dtype !== like.dtype) throw new DTypeError(`${op}: dtypes differ (${like.dtype} and ${o.dtype}); convert one with .to()`);
  return o;
}

/** Sum `g` over the dims that broadcasting expanded, so it matches `shape` (the gradient of an expand). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let r = dims.length > 0 ? g.sum(dims, true) : g;
  if (lead > 0) r = r.reshape(shape);
  return r.shape.length === shape.length ? r : r.reshape(shape);
}
