// The subset of ONNX's protobuf schema convkit reads and writes (field numbers from onnx/onnx.proto, IR version 8),
// built with protobufjs at load time, with plain TypeScript shapes for the decoded messages.
import protobuf from "protobufjs/light.js";
import { formatError, guard } from "./bytes.js";

type Fields = Record<string, { type: string; id: number; rule?: "repeated"; options?: { packed: boolean } }>;
const f = (type: string, id: number): Fields[string] => ({ type, id });
const rep = (type: string, id: number, packed?: boolean): Fields[string] =>
  packed === undefined ? { type, id, rule: "repeated" } : { type, id, rule: "repeated", options: { packed } };

// proto2: repeated scalars are unpacked unless the schema says [packed = true] (TensorProto's *_data fields do).
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f("int64", 1), producerName: f("string", 2), producerVersion: f("string", 3), domain: f("string", 4),
            modelVersion: f("int64", 5), docString: f("string", 6), graph: f("GraphProto", 7), opsetImport: rep("OperatorSetIdProto", 8),
            metadataProps: rep("StringStringEntryProto", 14),
          },
        },
        StringStringEntryProto: { fields: { key: f("string", 1), value: f("string", 2) } },
        OperatorSetIdProto: { fields: { domain: f("string", 1), version: f("int64", 2) } },
        GraphProto: {
          fields: {
            node: rep("NodeProto", 1), name: f("string", 2), initializer: rep("TensorProto", 5), docString: f("string", 10),
            input: rep("ValueInfoProto", 11), output: rep("ValueInfoProto", 12), valueInfo: rep("ValueInfoProto", 13),
          },
        },
        NodeProto: {
          fields: {
            input: rep("string", 1), output: rep("string", 2), name: f("string", 3), opType: f("string", 4),
            attribute: rep("AttributeProto", 5), docString: f("string", 6), domain: f("string", 7),
          },
        },
        AttributeProto: {
          fields: {
            name: f("string", 1), f: f("float", 2), i: f("int64", 3), s: f("bytes", 4), t: f("TensorProto", 5), g: f("GraphProto", 6),
            floats: rep("float", 7, false), ints: rep("int64", 8, false), strings: rep("bytes", 9), tensors: rep("TensorProto", 10),
            graphs: rep("GraphProto", 11), docString: f("string", 13), type: f("int32", 20), refAttrName: f("string", 21),
          },
        },
        TensorProto: {
          fields: {
            dims: rep("int64", 1, false), dataType: f("int32", 2), floatData: rep("float", 4, true), int32Data: rep("int32", 5, true),
            stringData: rep("bytes", 6), int64Data: rep("int64", 7, true), name: f("string", 8), rawData: f("bytes", 9),
            doubleData: rep("double", 10, true), uint64Data: rep("uint64", 11, true), docString: f("string", 12),
            dataLocation: f("int32", 14),
          },
        },
        ValueInfoProto: { fields: { name: f("string", 1), type: f("TypeProto", 2), docString: f("string", 3) } },
        TypeProto: {
          oneofs: { value: { oneof: ["tensorType", "sequenceType"] } },
          fields: { tensorType: f("TypeTensor", 1), sequenceType: f("TypeSequence", 4), denotation: f("string", 6) },
        },
        TypeTensor: { fields: { elemType: f("int32", 1), shape: f("TensorShapeProto", 2) } },
        TypeSequence: { fields: { elemType: f("TypeProto", 1) } },
        TensorShapeProto: { fields: { dim: rep("Dimension", 1) } },
        Dimension: {
          oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
          fields: { dimValue: f("int64", 1), dimParam: f("string", 2), denotation: f("string", 3) },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);
const ModelType = root.lookupType("onnx.ModelProto");
const TensorType = root.lookupType("onnx.TensorProto");

/** protobufjs gives int64 fields as a number or a Long; both read through this. */
export type Int64 = number | { toNumber(): number; low: number; high: number };

/** ONNX TensorProto.DataType codes. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** ONNX AttributeProto.AttributeType codes. */
export const AttrType = { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

export interface TensorProto {
  dims?: Int64[]; dataType?: number; name?: string; rawData?: Uint8Array;
  floatData?: number[]; int32Data?: number[]; int64Data?: Int64[]; doubleData?: number[]; uint64Data?: Int64[];
  stringData?: Uint8Array[]; dataLocation?: number; docString?: string;
}
export interface AttributeProto {
  name?: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: TensorProto; g?: GraphProto;
  floats?: number[]; ints?: Int64[]; strings?: Uint8Array[]; tensors?: TensorProto[]; graphs?: GraphProto[]; refAttrName?: string;
}
export interface NodeProto { input?: string[]; output?: string[]; name?: string; opType?: string; domain?: string; attribute?: AttributeProto[]; docString?: string }
export interface DimensionProto { dimValue?: Int64; dimParam?: string }
export interface TypeProto { tensorType?: { elemType?: number; shape?: { dim?: DimensionProto[] } }; sequenceType?: unknown }
export interface ValueInfoProto { name?: string; type?: TypeProto; docString?: string }
export interface GraphProto {
  node?: NodeProto[]; name?: string; initializer?: TensorProto[]; input?: ValueInfoProto[]; output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[]; docString?: string;
}
export interface OperatorSetIdProto { domain?: string; version?: Int64 }
/** One key/value pair of ModelProto.metadata_props (free-form model metadata: author, class names, preprocessing…). */
export interface StringStringEntryProto { key?: string; value?: string }
export interface ModelProto {
  irVersion?: Int64; producerName?: string; producerVersion?: string; domain?: string; modelVersion?: Int64; docString?: string;
  graph?: GraphProto; opsetImport?: OperatorSetIdProto[]; metadataProps?: StringStringEntryProto[];
}

/** An int64 field as a number, refusing values beyond 2^53 (no tensor dim or attribute needs them). */
export function int64(v: Int64 | undefined | null, name?: string, what = "an int64 field"): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === "number" ? v : v.toNumber();
  if (!Number.isSafeInteger(n)) throw formatError(name, `onnx: ${what} holds ${n}, beyond 2^53`);
  return n;
}

/** An int64 attribute or data value, clamped into the safe range (INT64_MAX as a slice end means "to the end"). */
export function int64Clamped(v: Int64): number {
  const n = typeof v === "number" ? v : v.toNumber();
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

export function decodeModel(bytes: Uint8Array, name?: string): ModelProto {
  return guard(name, "onnx: not a valid ModelProto", () => ModelType.decode(bytes) as unknown as ModelProto);
}
export function encodeModel(m: ModelProto): Uint8Array {
  return ModelType.encode(ModelType.fromObject(m as unknown as Record<string, unknown>)).finish();
}
export function decodeTensor(bytes: Uint8Array, name?: string): TensorProto {
  return guard(name, "onnx: not a valid TensorProto", () => TensorType.decode(bytes) as unknown as TensorProto);
}
export function encodeTensor(t: TensorProto): Uint8Array {
  return TensorType.encode(TensorType.fromObject(t as unknown as Record<string, unknown>)).finish();
}
