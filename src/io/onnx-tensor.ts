// ONNX tensors ↔ convkit values: float types become Tensors (float32, or float64 for DOUBLE), integer and bool types
// become IntTensors (exact up to 2^53), which the importer uses for shapes, indices and axes.
import { Tensor } from "../tensor/tensor.js";
import { checkedCount, decodeElements, formatError, STORED_SIZE, type StoredType } from "./bytes.js";
import { DataType, int64, int64Clamped, type TensorProto } from "./onnx-proto.js";

/** ONNX integer (and bool) element types convkit keeps as integers. */
export type IntDType = "int64" | "int32" | "int16" | "int8" | "uint8" | "uint16" | "uint32" | "uint64" | "bool";

/** An integer tensor: shapes, indices, axes. Values are exact integers stored as doubles. */
export class IntTensor {
  /** Number of elements. */
  readonly size: number;
  /**
   * @param data The values, exact integers as doubles, row-major.
   * @param shape Size of each dimension.
   * @param dtype The ONNX integer type they came as.
   */
  constructor(readonly data: Float64Array, readonly shape: readonly number[], readonly dtype: IntDType = "int64") {
    this.size = data.length;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The values as a plain array. */
  toArray(): number[] {
    return [...this.data];
  }
  /** As a float tensor (for an op that mixes it with floats). */
  toFloat(dtype: "float32" | "float64" = "float32"): Tensor {
    return new Tensor(dtype === "float64" ? Float64Array.from(this.data) : Float32Array.from(this.data), this.shape);
  }
}

/** A value flowing through an imported graph. */
export type Value = Tensor | IntTensor;

const INT_TYPES: Partial<Record<number, [IntDType, StoredType | "u16" | "u32" | "u64"]>> = {
  [DataType.INT64]: ["int64", "i64"], [DataType.INT32]: ["int32", "i32"], [DataType.INT16]: ["int16", "i16"],
  [DataType.INT8]: ["int8", "i8"], [DataType.UINT8]: ["uint8", "u8"], [DataType.BOOL]: ["bool", "bool"],
  [DataType.UINT16]: ["uint16", "u16"], [DataType.UINT32]: ["uint32", "u32"], [DataType.UINT64]: ["uint64", "u64"],
};
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k]));

export const INT_DTYPE_CODE: Record<IntDType, number> = {
  int64: DataType.INT64, int32: DataType.INT32, int16: DataType.INT16, int8: DataType.INT8, uint8: DataType.UINT8,
  uint16: DataType.UINT16, uint32: DataType.UINT32, uint64: DataType.UINT64, bool: DataType.BOOL,
};

export function dataTypeName(code: number | undefined): string {
  return TYPE_NAMES[code ?? 0] ?? `type ${code}`;
}

/** Decode a TensorProto, checking that the data it carries matches its dims before allocating anything. */
export function tensorFromProto(t: TensorProto, file?: string): Value {
  const label = `onnx: tensor '${t.name ?? ""}'`;
  if (t.dataLocation === 1) throw formatError(file, `${label} keeps its data in an external file, which is not supported`);
  const dims = (t.dims ?? []).map((d) => int64(d, file, `${label} dims`));
  const type = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const elemSize = byteSize(type);
  if (elemSize === 0) throw formatError(file, `${label} has unsupported data type ${dataTypeName(type)}`);
  // The data present bounds the element count: refuse dims that claim more before allocating.
  const available = raw ? Math.floor(raw.length / elemSize) : fieldLength(t, type);
  const count = checkedCount(file, `${label} dims`, dims, Math.max(available, 0));
  if (raw) {
    if (raw.length !== count * elemSize) throw formatError(file, `${label}: raw_data has ${raw.length} bytes, dims [${dims.join(",")}] of ${dataTypeName(type)} need ${count * elemSize}`);
  } else if (available !== count) {
    throw formatError(file, `${label}: holds ${available} values, dims [${dims.join(",")}] need ${count}`);
  }
  switch (type) {
    case DataType.FLOAT:
      return new Tensor(raw ? decodeElements(raw, 0, count, "f32") : Float32Array.from(t.floatData ?? []), dims);
    case DataType.DOUBLE: {
      const out = new Float64Array(count);
      if (raw) { const v = new DataView(raw.buffer, raw.byteOffset, raw.length); for (let i = 0; i < count; i++) out[i] = v.getFloat64(i * 8, true); }
      else out.set(t.doubleData ?? []);
      return new Tensor(out, dims);
    }
    case DataType.FLOAT16:
    case DataType.BFLOAT16: {
      const st: StoredType = type === DataType.FLOAT16 ? "f16" : "bf16";
      if (raw) return new Tensor(decodeElements(raw, 0, count, st), dims);
      // without raw_data the 16-bit patterns sit in int32_data
      const bits = new Uint8Array(count * 2);
      const v = new DataView(bits.buffer);
      (t.int32Data ?? []).forEach((b, i) => v.setUint16(i * 2, b & 0xffff, true));
      return new Tensor(decodeElements(bits, 0, count, st), dims);
    }
  }
  const intType = INT_TYPES[type]!;
  const out = new Float64Array(count);
  if (raw) {
    const v = new DataView(raw.buffer, raw.byteOffset, raw.length);
    for (let i = 0; i < count; i++) {
      switch (intType[1]) {
        case "i64": out[i] = clampSafe(v.getBigInt64(i * 8, true)); break;
        case "u64": out[i] = clampSafe(v.getBigUint64(i * 8, true)); break;
        case "i32": out[i] = v.getInt32(i * 4, true); break;
        case "u32": out[i] = v.getUint32(i * 4, true); break;
        case "i16": out[i] = v.getInt16(i * 2, true); break;
        case "u16": out[i] = v.getUint16(i * 2, true); break;
        case "i8": out[i] = v.getInt8(i); break;
        default: out[i] = v.getUint8(i); break;
      }
    }
  } else if (type === DataType.INT64) {
    (t.int64Data ?? []).forEach((x, i) => (out[i] = int64Clamped(x)));
  } else if (type === DataType.UINT32 || type === DataType.UINT64) {
    (t.uint64Data ?? []).forEach((x, i) => (out[i] = int64Clamped(x)));
  } else {
    out.set(t.int32Data ?? []);
  }
  return new IntTensor(out, dims, intType[0]);
}

function clampSafe(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : v < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(v);
}

function byteSize(type: number): number {
  switch (type) {
    case DataType.FLOAT: return 4;
    case DataType.DOUBLE: return 8;
    case DataType.FLOAT16: case DataType.BFLOAT16: return 2;
    default: {
      const it = INT_TYPES[type];
      if (!it) return 0;
      return it[1] === "u16" ? 2 : it[1] === "u32" ? 4 : it[1] === "u64" ? 8 : STORED_SIZE[it[1]];
    }
  }
}

function fieldLength(t: TensorProto, type: number): number {
  switch (type) {
    case DataType.FLOAT: return t.floatData?.length ?? 0;
    case DataType.DOUBLE: return t.doubleData?.length ?? 0;
    case DataType.INT64: return t.int64Data?.length ?? 0;
    case DataType.UINT32: case DataType.UINT64: return t.uint64Data?.length ?? 0;
    default: return t.int32Data?.length ?? 0;
  }
}

/** A float tensor as a TensorProto (FLOAT, raw little-endian data; float64 tensors are written as float32), from its
 *  values (by default its data; a GPU tensor's as read back). */
export function tensorToProto(t: Tensor, name: string, values: ArrayLike<number> = t.data): TensorProto {
  const raw = new Uint8Array(t.size * 4);
  const v = new DataView(raw.buffer);
  for (let i = 0; i < t.size; i++) v.setFloat32(i * 4, values[i]!, true);
  return { name, dims: [...t.shape], dataType: DataType.FLOAT, rawData: raw };
}

/** An integer tensor as an INT64 TensorProto. */
export function intTensorToProto(values: readonly number[], dims: readonly number[], name: string): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}
