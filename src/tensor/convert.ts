// dtype conversion (float32 ↔ float64), differentiable.
import { Tensor } from "./tensor.js";
import type { DType } from "./dtype.js";
import { record, needsGrad } from "../autograd/graph.js";

export function toDType(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = new Tensor(dtype === "float64" ? Float64Array.from(t.data) : Float32Array.from(t.data), t.shape);
  if (needsGrad(t)) record(out, "to", [t], (g) => [toDType(g, t.dtype)]);
  return out;
}
