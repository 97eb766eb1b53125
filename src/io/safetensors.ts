// safetensors read and write (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}, then the raw little-endian data.
import { Tensor } from "../tensor/tensor.js";
import type { DataArray } from "../tensor/dtype.js";
import { ValueError } from "../errors.js";
import { checkedCount, decodeElements, formatError, guard, STORED_SIZE, type LoadOptions, type StoredType } from "./bytes.js";
import { hostValues, putTensor, type StateDict } from "./state-dict.js";

/** A header longer than this is refused before it is decoded (the reference implementation uses the same cap). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<string, StoredType> = {
  F64: "f64", F32: "f32", F16: "f16", BF16: "bf16", I64: "i64", I32: "i32", I16: "i16", I8: "i8", U8: "u8", BOOL: "bool",
};

/** What loadSafetensors reads: the tensors and the metadata. */
export interface SafetensorsContents {
  /** Every tensor as float32, in header order (integer and half types converted). */
  tensors: StateDict;
  /** The free-form string map stored under "__metadata__" (empty if none). */
  metadata: Record<string, string>;
}

interface Entry { key: string; type: StoredType; shape: number[]; begin: number; end: number }

/** Parse a .safetensors file. Every inconsistency (header length beyond the file, invalid JSON, offsets out of range,
 *  overlapping or leaving gaps, dtype × shape ≠ byte length, bad dims, unknown dtypes) is a FormatError naming the
 *  file and the problem; nothing is allocated before the header has been checked against the file's size. */
export function loadSafetensors(bytes: Uint8Array, opts: LoadOptions = {}): SafetensorsContents {
  const name = opts.name;
  if (bytes.length < 8) throw formatError(name, `safetensors: the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true), hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) throw formatError(name, `safetensors: header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLen > bytes.length) {
    throw formatError(name, `safetensors: header length ${headerLen} runs beyond the end of the file (${bytes.length} bytes)`);
  }
  const text = guard(name, "safetensors: header is not UTF-8", () => new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  const header: unknown = guard(name, "safetensors: header is not valid JSON", () => JSON.parse(text));
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw formatError(name, "safetensors: header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw formatError(name, "safetensors: __metadata__ is not an object");
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") throw formatError(name, `safetensors: __metadata__ value '${k}' is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, key, raw, dataLen));
  }

  // The tensors must tile the data section exactly: sorted by begin, each starts where the previous ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) {
      throw formatError(name, e.begin < at
        ? `safetensors: tensor '${e.key}' (bytes ${e.begin}..${e.end}) overlaps another tensor ending at ${at}`
        : `safetensors: bytes ${at}..${e.begin} of the data section belong to no tensor (before '${e.key}')`);
    }
    at = e.end;
  }
  if (at !== dataLen) throw formatError(name, `safetensors: the tensors cover ${at} bytes but the data section has ${dataLen}`);

  const tensors: StateDict = new Map();
  for (const e of entries) {
    const count = (e.end - e.begin) / STORED_SIZE[e.type];
    putTensor(tensors, e.key, new Tensor(decodeElements(bytes, dataStart + e.begin, count, e.type), e.shape), name);
  }
  return { tensors, metadata };
}

function parseEntry(name: string | undefined, key: string, raw: unknown, dataLen: number): Entry {
  const where = `safetensors: tensor '${key}'`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw formatError(name, `${where} is not described by an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string") throw formatError(name, `${where} has no dtype`);
  const type = DTYPES[dtype];
  if (!type) throw formatError(name, `${where} has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(", ")})`);
  if (!Array.isArray(shape)) throw formatError(name, `${where} has no shape array`);
  const count = checkedCount(name, `${where} shape`, shape, dataLen);
  if (!Array.isArray(offsets) || offsets.length !== 2) throw formatError(name, `${where} has no [begin, end] data_offsets`);
  const [begin, end] = offsets as unknown[];
  if (typeof begin !== "number" || typeof end !== "number" || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
    throw formatError(name, `${where} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  if (end > dataLen) throw formatError(name, `${where} data_offsets [${begin}, ${end}] run beyond the ${dataLen}-byte data section`);
  if (count * STORED_SIZE[type] !== end - begin) {
    throw formatError(name, `${where}: ${dtype} × shape [${shape.join(",")}] is ${count * STORED_SIZE[type]} bytes but data_offsets span ${end - begin}`);
  }
  return { key, type, shape: shape as number[], begin, end };
}

/** Serialise tensors (written as F32, in the given order) and optional string metadata to .safetensors bytes. Tensors
 *  on a GPU are refused: save `await hostStateDict(model)`. */
export function saveSafetensors(tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>, metadata: Record<string, string> = {}): Uint8Array {
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Readonly<Record<string, Tensor>>);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== "string") throw new ValueError(`saveSafetensors: metadata '${k}' must be a string`);
    header.__metadata__ = metadata;
  }
  let at = 0;
  const values: DataArray[] = [];
  for (const [key, t] of list) {
    if (key === "__metadata__") throw new ValueError("saveSafetensors: '__metadata__' cannot name a tensor");
    if (!(t instanceof Tensor)) throw new ValueError(`saveSafetensors: '${key}' is not a Tensor`);
    values.push(hostValues("saveSafetensors", key, t));
    header[key] = { dtype: "F32", shape: [...t.shape], data_offsets: [at, at + t.size * 4] };
    at += t.size * 4;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const raw = new TextEncoder().encode(json);
  const padded = Math.ceil(raw.length / 8) * 8;
  json += " ".repeat(padded - raw.length);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + at);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const v of values) {
    for (let i = 0; i < v.length; i++, pos += 4) view.setFloat32(pos, v[i]!, true);
  }
  return out;
}
