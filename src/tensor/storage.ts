// A tensor's memory: one Storage shared by a tensor and its reshape-like views. It holds the values as a typed array
// (the reference backend's plain arrays, or a view into the wasm backend's memory), or nothing at all for a meta tensor
// (shapes only: nn's shape pass and summaries run every op's shape rule on meta tensors and no kernel).
import type { DataArray, DType } from "./dtype.js";
import { dtypeOf } from "./dtype.js";
import { ValueError } from "../errors.js";

/** A tensor's memory, shared by a tensor and its reshape-like views: a typed array, or nothing for a meta tensor. */
export class Storage {
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  private array: DataArray | null;

  private constructor(dtype: DType, length: number, array: DataArray | null) {
    this.dtype = dtype;
    this.length = length;
    this.array = array;
  }

  /** Storage over `array` (not copied). */
  static of(array: DataArray): Storage {
    return new Storage(dtypeOf(array), array.length, array);
  }

  /** Storage without values, for shape-only computation. */
  static meta(dtype: DType, length: number): Storage {
    return new Storage(dtype, length, null);
  }

  /** Whether this storage has shapes only (no values). */
  get isMeta(): boolean {
    return this.array === null;
  }

  /** The values, in row-major order. */
  get data(): DataArray {
    if (this.array === null) {
      throw new ValueError("meta tensor: it has a shape but no values (made by a shape-only pass such as nn.summarize); run the model on a real tensor to read values");
    }
    return this.array;
  }

  /** Moves the values into another array of the same kind and length (a backend's resident copy of a parameter);
   *  every view of this storage sees the new array. */
  replace(array: DataArray): void {
    if (this.array === null || array.length !== this.length || dtypeOf(array) !== this.dtype) {
      throw new ValueError(`Storage.replace: ${dtypeOf(array)}[${array.length}] cannot hold ${this.dtype}[${this.length}]${this.array === null ? " (a meta storage holds no values)" : ""}`);
    }
    this.array = array;
  }
}
