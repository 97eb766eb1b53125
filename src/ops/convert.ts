// dtype conversion (float32 ↔ float64), differentiable: a table op whose output dtype is its attribute.
import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { apply, defineOp } from "./op.js";

/** `to`'s attribute: the dtype converted to. */
export interface ToAttrs {
  dtype: DType;
}

/** The values in another dtype; the gradient flows back converted to the input's. */
export const toOp = defineOp<ToAttrs>({
  name: "to",
  shape: ([x]) => [...x!],
  dtype: (a) => a.dtype,
  forward: ([x], _a, y) => {
    y.data.set(x!.data); // a typed array's set converts element by element
  },
  backward: (g, [x]) => [toDType(g, x!.dtype)],
  // the exported graph is float32 throughout
  onnx: { export: (e, [x]) => e.node("Identity", [x!]) },
});

/** t in `dtype` (t itself when it already is). */
export function toDType(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return apply(toOp, [t], { dtype });
}
