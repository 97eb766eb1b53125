// A tensor's memory: one Storage shared by a tensor and its reshape-like views. It holds the values as a typed array
// (the reference backend's plain arrays, or a view into the wasm backend's memory), as a device array (a GPU buffer,
// which JavaScript reads only asynchronously), or nothing at all for a meta tensor (shapes only: nn's shape pass and
// summaries run every op's shape rule on meta tensors and no kernel).
import type { DataArray, DType } from "./dtype.js";
import { dtypeOf } from "./dtype.js";
import { isDeviceArray, onDevice, readDeviceArray, toKernelArray, type DeviceArray, type KernelArray } from "./memory.js";
import { ValueError } from "../errors.js";

/** A tensor's memory, shared by a tensor and its reshape-like views: a typed array, a device array, or nothing for a
 *  meta tensor. */
export class Storage {
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  private array: KernelArray | null;

  private constructor(dtype: DType, length: number, array: KernelArray | null) {
    this.dtype = dtype;
    this.length = length;
    this.array = array;
  }

  /** Storage over `array` (not copied). */
  static of(array: KernelArray): Storage {
    return new Storage(isDeviceArray(array) ? "float32" : dtypeOf(array), array.length, array);
  }

  /** Storage without values, for shape-only computation. */
  static meta(dtype: DType, length: number): Storage {
    return new Storage(dtype, length, null);
  }

  /** Whether this storage has shapes only (no values). */
  get isMeta(): boolean {
    return this.array === null;
  }

  /** Whether the values are in a device's memory (read them with read()). */
  get isOnDevice(): boolean {
    return this.array !== null && isDeviceArray(this.array);
  }

  /** The values, in row-major order, as a typed array JavaScript reads and writes. */
  get data(): DataArray {
    const a = this.array;
    if (a === null) {
      throw new ValueError("meta tensor: it has a shape but no values (made by a shape-only pass such as nn.summarize); run the model on a real tensor to read values");
    }
    if (isDeviceArray(a)) {
      throw new ValueError(`${a.device} tensor: its values are in the GPU's memory, which JavaScript reads only asynchronously; use await t.valuesAsync(), t.itemAsync() or t.tolistAsync()`);
    }
    return a;
  }

  /** The memory as it is (a typed array or a device array; null for a meta storage), for telling storages apart. */
  get memory(): KernelArray | null {
    return this.array;
  }

  /** The memory as the kernels of the backend in use take it: on a device backend, host values move to the device
   *  the first time a kernel takes them (every view then sees the device copy), so tensors made from JavaScript values
   *  (tensor(), randn, a module's initial weights) go to the GPU once. */
  get operand(): KernelArray {
    const a = this.array;
    if (a === null) return this.data; // throws the meta tensor's error
    if (!isDeviceArray(a) && onDevice()) {
      if (a instanceof Float64Array) throw new ValueError("a float64 tensor cannot go to the GPU (its kernels compute in float32); convert it with .to('float32')");
      this.array = toKernelArray(a);
    }
    return this.array!;
  }

  /** The values, read back from the device if they are there (a copy), or the host array itself. */
  async read(): Promise<DataArray> {
    const a = this.array;
    if (a !== null && isDeviceArray(a)) return (await readDeviceArray(a)) as Float32Array;
    return this.data;
  }

  /** Moves the values into another array of the same kind and length (a backend's resident copy of a parameter, or
   *  a device copy); every view of this storage sees the new array. */
  replace(array: KernelArray): void {
    const dtype = isDeviceArray(array) ? "float32" : dtypeOf(array);
    if (this.array === null || array.length !== this.length || dtype !== this.dtype) {
      throw new ValueError(`Storage.replace: ${dtype}[${array.length}] cannot hold ${this.dtype}[${this.length}]${this.array === null ? " (a meta storage holds no values)" : ""}`);
    }
    this.array = array;
  }
}

export type { DeviceArray };
