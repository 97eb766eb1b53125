// The two dtypes: float32 for everything real, float64 for finite-difference gradient checks on the reference backend.

import { activeBufferPool } from "./buffer-pool.js";

export type DType = "float32" | "float64";
export type DataArray = Float32Array | Float64Array;

/** A zero-filled buffer; float32 ones come from the active buffer pool when one is set (withBufferPool). */
export function allocate(dtype: DType, size: number): DataArray {
  if (dtype === "float64") return new Float64Array(size);
  const pool = activeBufferPool();
  return pool ? pool.take(size) : new Float32Array(size);
}

export function dtypeOf(data: DataArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}
