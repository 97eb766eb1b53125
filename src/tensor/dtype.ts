// The two dtypes: float32 for everything real, float64 for finite-difference gradient checks on the reference backend.

export type DType = "float32" | "float64";
export type DataArray = Float32Array | Float64Array;

export function allocate(dtype: DType, size: number): DataArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

export function dtypeOf(data: DataArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}
