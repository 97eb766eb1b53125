// The two dtypes: float32 for everything real, float64 for finite-difference gradient checks on the reference backend;
// and the one allocation path of tensor memory, with its limit on the elements of one tensor.

import { activeBufferPool } from "./buffer-pool.js";
import { allocateFloat32, allocateKernelArray, onDevice, type KernelArray } from "./memory.js";
import { fmtShape, type Shape } from "./shape.js";
import { ValueError } from "../errors.js";

/** Element type of a tensor. */
export type DType = "float32" | "float64";
/** The typed array holding a tensor's values: Float32Array or Float64Array. */
export type DataArray = Float32Array | Float64Array;

/** 2^30 elements (4 GiB of float32): above any zoo model's tensors at the usual batch sizes (VGG's largest activation,
 *  64×224×224 per image, is 2^27.6 at batch 64) and below what a typo asks for (randn([1e6, 1e6])), which would
 *  otherwise fail as a bare RangeError or take the machine's memory before failing. */
const DEFAULT_MAX_ELEMENTS = 2 ** 30;
let maxElements = DEFAULT_MAX_ELEMENTS;

/** Sets the most elements one tensor may hold (a positive integer, or Infinity for no limit); default 2^30. Larger
 *  allocations throw a ValueError naming the op and the shape instead of allocating. */
export function setMaxElements(n: number): void {
  if (!(n === Infinity || (Number.isSafeInteger(n) && n >= 1))) {
    throw new ValueError(`setMaxElements: the limit must be a positive integer or Infinity, got ${String(n)}`);
  }
  maxElements = n;
}

/** The most elements one tensor may hold (setMaxElements). */
export function getMaxElements(): number {
  return maxElements;
}

/** 1e12, 2.15e9: counts above a billion in short scientific form, smaller ones exactly. */
function fmtCount(n: number): string {
  return n < 1e9 ? String(n) : n.toExponential(2).replace(/\.?0*e\+?/, "e");
}

/** A zero-filled buffer of `size` elements; float32 ones come from the active buffer pool when one is set
 *  (withBufferPool), else from the current backend's memory (tensor/memory.ts). Over the element limit it throws a ValueError naming `op` and `shape` (when the caller knows them). */
export function allocate(dtype: DType, size: number, op = "allocate", shape?: Shape, zeroed = true): DataArray {
  checkLimit(size, op, shape);
  if (dtype === "float64") return new Float64Array(size);
  const pool = activeBufferPool();
  return pool ? pool.take(size, zeroed) : allocateFloat32(size);
}

/** The memory of an op's output, which its kernel writes: a device array on a device backend (the GPU's: the values
 *  never come to JavaScript unless read), else as allocate. */
export function allocateOutput(dtype: DType, size: number, op: string, shape?: Shape, zeroed = true): KernelArray {
  if (dtype === "float32" && onDevice()) {
    checkLimit(size, op, shape);
    return allocateKernelArray(size);
  }
  return allocate(dtype, size, op, shape, zeroed);
}

function checkLimit(size: number, op: string, shape?: Shape): void {
  if (size > maxElements) {
    const what = shape ? `shape ${fmtShape(shape)} has` : "a tensor of";
    throw new ValueError(`${op}: ${what} ${fmtCount(size)} elements, over the limit of ${maxElements} (setMaxElements to change it)`);
  }
}

export function dtypeOf(data: DataArray): DType {
  return data instanceof Float64Array ? "float64" : "float32";
}
