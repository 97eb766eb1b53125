// The fully connected layer as a function: y = x·Wᵀ + b, like torch.nn.functional.linear.
import { Tensor } from "../tensor/tensor.js";
import { fmtShape, sizeOf } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { bmmRaw, productInto } from "./matmul.js";
import { apply, defineOp, type FieldAxis } from "./op.js";
import { DTypeError, ShapeError } from "../errors.js";

/** linear's attributes, as the tape records them. */
export interface LinearAttrs {
  /** Size of each input row. */
  inFeatures: number;
  /** Size of each output row. */
  outFeatures: number;
  /** Whether a bias is added. */
  bias: boolean;
}

/** A linear layer sees its whole input map, as one position. */
const wholeMap = (f: FieldAxis): FieldAxis => ({ size: f.size + (f.grid - 1) * f.jump, jump: f.jump, grid: 1 });

/** x: [..., in] · weight: [out, in]ᵀ (+ bias: [out]) → [..., out]. Every leading dim folds into the rows of one
 *  [rows, in] matrix (a view: x is contiguous) and the weight is read transposed in place, never copied. */
export const linearOp = defineOp<LinearAttrs>({
  name: "linear",
  shape: ([x, weight, bias], _a, op) => {
    if (weight!.length !== 2) throw new ShapeError(`${op}: weight must be [out,in], got ${fmtShape(weight!)}`);
    const [outF, inF] = weight as [number, number];
    if (x!.length === 0) throw new ShapeError(`${op}: input must have at least 1 dim [..., ${inF}], got a scalar`);
    const features = x![x!.length - 1]!;
    if (features !== inF) throw new ShapeError(`${op}: input ${fmtShape(x!)} has ${features} features but weight ${fmtShape(weight!)} expects ${inF}`);
    if (bias && (bias.length !== 1 || bias[0] !== outF)) {
      throw new ShapeError(`${op}: bias ${fmtShape(bias)} must be [${outF}] to match weight ${fmtShape(weight!)}`);
    }
    return [...x!.slice(0, -1), outF];
  },
  forward: ([x, weight, bias], a, y) => {
    const rows = sizeOf(x!.shape.slice(0, -1));
    productInto(new Tensor(x!.storage, [rows, a.inFeatures]), weight!, false, true, y.operand);
    // y[r, o] += bias[o]: bias read with stride 0 along the rows, added in place
    if (bias) kernel("binary", y.operand)("add", y.operand, [a.outFeatures, 1], bias.operand, [0, 1], [rows, a.outFeatures], y.operand);
  },
  backward: (g, [x, weight, bias], _y, a) => {
    const rows = sizeOf(x!.shape.slice(0, -1));
    const g2 = new Tensor(g.storage, [rows, a.outFeatures]);
    const dx = x!.requiresGrad ? new Tensor(bmmRaw(g2, weight!, false, false).storage, x!.shape) : null; // g·W
    const dw = weight!.requiresGrad ? bmmRaw(g2, new Tensor(x!.storage, [rows, a.inFeatures]), true, false) : null; // gᵀ·x: the sum over every row
    const db = bias?.requiresGrad ? g2.sum(0) : null;
    return bias ? [dx, dw, db] : [dx, dw];
  },
  onnx: {
    export: (e, ins, _a, [x]) => {
      if (x!.length === 2) return e.node("Gemm", ins, { transB: { int: 1 } });
      const y = e.node("MatMul", [ins[0]!, e.node("Transpose", [ins[1]!], { perm: { ints: [1, 0] } })]);
      return ins[2] ? e.node("Add", [y, ins[2]]) : y;
    },
  },
  macs: (_x, a, y) => sizeOf(y) * a.inFeatures,
  field: (f) => [wholeMap(f[0]), wholeMap(f[1])],
});

/** y = x·Wᵀ + b. x: [..., in], weight: [out, in], bias: [out] → [..., out].
 *  The weight is read transposed in place (matmul with transB), never copied. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && t.dtype !== x.dtype) throw new DTypeError(`linear: input is ${x.dtype} but ${name} is ${t.dtype}`);
  }
  // a weight that is not [out, in] has no features to record; the shape rule refuses it
  const [outFeatures = 0, inFeatures = 0] = weight.shape;
  return apply(linearOp, bias ? [x, weight, bias] : [x, weight], { inFeatures, outFeatures, bias: bias !== null });
}
