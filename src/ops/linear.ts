// The fully connected layer as a function: y = x·Wᵀ + b, like torch.nn.functional.linear.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, sizeOf } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { bmmRaw } from "./matmul.js";
import { emptyLike } from "./util.js";
import { DTypeError, ShapeError } from "../errors.js";

/** y = x·Wᵀ + b. x: [..., in], weight: [out, in], bias: [out] → [..., out].
 *  The weight is read transposed in place (matmul with transB), never copied. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be [out,in], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim === 0) throw new ShapeError(`linear: input must have at least 1 dim [..., ${inF}], got a scalar`);
  const features = x.shape[x.ndim - 1]!;
  if (features !== inF) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} has ${features} features but weight ${fmtShape(weight.shape)} expects ${inF}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} must be [${outF}] to match weight ${fmtShape(weight.shape)}`);
  }
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`linear: input is ${x.dtype} but ${name} is ${t.dtype}`);
  }
  const lead = x.shape.slice(0, -1);
  const rows = sizeOf(lead);
  // every leading dim folds into the rows of one [rows, in] matrix (a view: x is contiguous)
  const x2 = new Tensor(x.storage, [rows, inF]);
  let y2 = bmmRaw(x2, weight.detach(), false, true); // [rows, out]
  if (bias) {
    // y[r, o] = y2[r, o] + bias[o]: bias read with stride 0 along the rows
    const withBias = emptyLike(y2.dtype, y2.shape);
    kernel("binary", y2.data)("add", y2.data, y2.strides, bias.data, [0, 1], y2.shape, withBias.data);
    y2 = withBias;
  }
  const out = new Tensor(y2.storage, [...lead, outF]);
  if (needsGrad(x, weight, bias)) {
    const w = weight.detach();
    record(out, "linear", bias ? [x, weight, bias] : [x, weight], (g) => {
      const g2 = new Tensor(g.storage, [rows, outF]);
      const dx = x.requiresGrad ? new Tensor(bmmRaw(g2, w, false, false).storage, x.shape) : null; // g·W
      const dw = weight.requiresGrad ? bmmRaw(g2, x2, true, false) : null; // gᵀ·x: the sum over every row
      const db = bias?.requiresGrad ? g2.sum(0) : null;
      return bias ? [dx, dw, db] : [dx, dw];
    }, { inFeatures: inF, outFeatures: outF, bias: bias !== null });
  }
  return out;
}
