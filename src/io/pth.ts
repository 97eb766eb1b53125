// PyTorch .pth/.pt state dicts (the torch.save zip format, PyTorch ≥ 1.6): <archive>/data.pkl holds the pickled
// structure, <archive>/data/<key> the raw little-endian storages. The pickle runs on our restricted unpickler.
import { unzipSync } from "fflate";
import { Tensor } from "../tensor/tensor.js";
import { checkedCount, decodeElements, formatError, guard, STORED_SIZE, type LoadOptions, type StoredType } from "./bytes.js";
import { describe, PyCall, PyDict, PyGlobal, PyPersistent, PyTuple, unpickle, type PyValue } from "./pickle.js";
import { putTensor, type StateDict } from "./state-dict.js";

/** The most bytes one zip entry may inflate to, whatever its header claims. */
export const MAX_ENTRY_BYTES = 2 ** 32;
/** Deflate cannot expand data more than ~1032×; a larger declared ratio is a lie (a zip bomb). */
const MAX_DEFLATE_RATIO = 1100;

const STORAGE_TYPES: Record<string, StoredType> = {
  FloatStorage: "f32", HalfStorage: "f16", BFloat16Storage: "bf16", DoubleStorage: "f64", LongStorage: "i64",
  IntStorage: "i32", ShortStorage: "i16", CharStorage: "i8", ByteStorage: "u8", BoolStorage: "bool",
};

/** Keys under which training checkpoints keep the model's state dict, tried in order. */
const CHECKPOINT_KEYS = ["state_dict", "model_state_dict", "model", "net", "module"];

export interface PthOptions extends LoadOptions {
  /** Take the state dict from this top-level key instead of guessing ('state_dict', 'model', …). */
  key?: string;
}

/** Read a torch.save'd state dict (or a checkpoint dict holding one under 'state_dict', 'model', …) as float32 tensors.
 *  Foreign globals, truncated or inconsistent archives and views outside their storage are refused with a FormatError
 *  naming the file; nothing in the file is ever executed. */
export function loadPth(bytes: Uint8Array, opts: PthOptions = {}): StateDict {
  const name = opts.name;
  const tree = readPthTree(bytes, name);
  return findStateDict(tree, name, opts.key);
}

/** The unpickled object of a .pth file with tensors materialised: dicts become Maps, tensors Tensors. */
export type PthValue = null | boolean | number | bigint | string | Tensor | PthValue[] | Map<string | number, PthValue>;

/** Unzip, unpickle and materialise every tensor of a torch.save zip archive. */
export function readPthTree(bytes: Uint8Array, name?: string): PthValue {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw formatError(name, "pth: this is the legacy (pre-1.6) torch.save format, which is not supported; re-save it with torch.save in PyTorch ≥ 1.6");
  }
  const files = unzip(bytes, name);
  const pklNames = Object.keys(files).filter((f) => /^[^/]+\/data\.pkl$/.test(f));
  if (pklNames.length !== 1) {
    throw formatError(name, pklNames.length === 0 ? "pth: no <archive>/data.pkl in the zip (not a torch.save file)" : "pth: several data.pkl entries in the zip");
  }
  const prefix = pklNames[0]!.slice(0, -"data.pkl".length);
  const root = unpickle(files[pklNames[0]!]!, name);
  const storages = new Map<string, Float32Array>();

  const storage = (pid: PyValue): { data: Float32Array; key: string } => {
    if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== "storage") {
      throw formatError(name, `pth: unexpected persistent id ${describe(pid)}`);
    }
    const [, type, key, , numel] = pid.items;
    if (!(type instanceof PyGlobal) || !STORAGE_TYPES[type.name]) throw formatError(name, `pth: unknown storage type ${describe(type)}`);
    if (typeof key !== "string" || !/^[\w.-]+$/.test(key)) throw formatError(name, `pth: invalid storage key ${JSON.stringify(key)}`);
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw formatError(name, `pth: storage ${key} has invalid size ${String(numel)}`);
    const stored = STORAGE_TYPES[type.name]!;
    const cacheKey = `${key}:${stored}`;
    let data = storages.get(cacheKey);
    if (!data) {
      const raw = files[`${prefix}data/${key}`];
      if (!raw) throw formatError(name, `pth: storage ${prefix}data/${key} is missing from the archive`);
      if (raw.length < numel * STORED_SIZE[stored]) {
        throw formatError(name, `pth: storage ${key} should hold ${numel} ${type.name} elements (${numel * STORED_SIZE[stored]} bytes) but has ${raw.length} bytes`);
      }
      data = decodeElements(raw, 0, numel, stored);
      storages.set(cacheKey, data);
    }
    return { data, key };
  };

  const rebuildTensor = (args: readonly PyValue[]): Tensor => {
    const [pid, offset, size, stride] = args;
    if (!(pid instanceof PyPersistent)) throw formatError(name, `pth: _rebuild_tensor_v2 expects a storage, got ${describe(pid)}`);
    const { data, key } = storage(pid.pid);
    if (!(size instanceof PyTuple) || !(stride instanceof PyTuple) || size.items.length !== stride.items.length) {
      throw formatError(name, `pth: tensor on storage ${key} has a malformed size/stride`);
    }
    const shape = size.items as unknown[];
    const strides = stride.items as unknown[];
    const numel = checkedCount(name, `pth: tensor on storage ${key}`, shape, Math.max(data.length, 1 << 24));
    checkedCount(name, `pth: strides of the tensor on storage ${key}`, strides);
    if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw formatError(name, `pth: tensor on storage ${key} has invalid offset ${String(offset)}`);
    const dims = shape as number[], st = strides as number[];
    if (numel > 0) {
      let last = offset;
      for (let i = 0; i < dims.length; i++) last += (dims[i]! - 1) * st[i]!;
      if (last >= data.length) {
        throw formatError(name, `pth: tensor [${dims.join(",")}] with offset ${offset} and strides [${st.join(",")}] reaches element ${last} of storage ${key}, which has ${data.length}`);
      }
    }
    return new Tensor(gatherView(data, offset, dims, st, numel), dims);
  };

  // Materialise the tree, depth-limited (a pickle can build cycles through the memo).
  const convert = (v: PyValue, depth: number): PthValue => {
    if (depth > 100) throw formatError(name, "pth: the pickled structure is nested more than 100 levels deep");
    if (v === null || typeof v !== "object") return v;
    if (v instanceof Uint8Array) throw formatError(name, "pth: raw bytes objects are not part of a state dict");
    if (Array.isArray(v) || v instanceof PyTuple) return (Array.isArray(v) ? v : v.items).map((x) => convert(x, depth + 1));
    if (v instanceof PyDict) {
      const m = new Map<string | number, PthValue>();
      for (const [k, x] of v.map) m.set(k, convert(x, depth + 1));
      return m;
    }
    if (v instanceof PyCall) {
      const fn = v.fn.qualified;
      if (fn === "torch._utils._rebuild_tensor_v2") return rebuildTensor(v.args);
      if (fn === "torch._utils._rebuild_parameter" || fn === "torch._utils._rebuild_parameter_with_state") {
        const t = convert(v.args[0] ?? null, depth + 1);
        if (!(t instanceof Tensor)) throw formatError(name, `pth: ${fn} of ${describe(v.args[0])}, not a tensor`);
        return t;
      }
      throw formatError(name, `pth: a call to ${fn} cannot be part of a state dict`);
    }
    throw formatError(name, `pth: unexpected ${describe(v)} in the pickled structure`);
  };
  return convert(root, 0);
}

/** Copy the strided view (offset, shape, strides) of `data` into a new contiguous array. */
function gatherView(data: Float32Array, offset: number, shape: readonly number[], strides: readonly number[], numel: number): Float32Array {
  const out = new Float32Array(numel);
  if (numel === 0) return out;
  // Contiguous views (the usual case) are one copy.
  let contiguous = true;
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) contiguous = false;
    s *= shape[i]!;
  }
  if (contiguous) {
    out.set(data.subarray(offset, offset + numel));
    return out;
  }
  // Otherwise walk the index like an odometer, adding the stride of each dim that advances.
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let n = 0; n < numel; n++) {
    out[n] = data[src]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) {
        src += strides[d]!;
        break;
      }
      src -= (shape[d]! - 1) * strides[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Unzip with fflate, checking every declared size against the file before anything is inflated or copied. */
function unzip(bytes: Uint8Array, name: string | undefined): Record<string, Uint8Array> {
  if (bytes.length < 22) throw formatError(name, `pth: the file is ${bytes.length} bytes, too short to be a zip archive`);
  let entries = 0;
  let total = 0;
  const maxEntries = Math.floor(bytes.length / 46); // a central-directory record is at least 46 bytes
  return guard(name, "pth: corrupt zip archive", () =>
    unzipSync(bytes, {
      filter: (f) => {
        if (++entries > maxEntries) throw formatError(name, "pth: the zip declares more entries than the file can hold");
        if (!/(^|\/)data\.pkl$|\/data\/[\w.-]+$/.test(f.name)) return false;
        if (f.size > bytes.length) throw formatError(name, `pth: zip entry ${f.name} claims ${f.size} compressed bytes in a ${bytes.length}-byte file`);
        if (f.compression === 0 && f.originalSize !== f.size) throw formatError(name, `pth: stored zip entry ${f.name} declares ${f.originalSize} bytes but holds ${f.size}`);
        if (f.compression === 8 && f.originalSize > Math.max(f.size, 1) * MAX_DEFLATE_RATIO) {
          throw formatError(name, `pth: zip entry ${f.name} declares ${f.originalSize} bytes from ${f.size} compressed (more than deflate can expand)`);
        }
        if (f.compression !== 0 && f.compression !== 8) throw formatError(name, `pth: zip entry ${f.name} uses unsupported compression ${f.compression}`);
        total += f.originalSize;
        if (f.originalSize > MAX_ENTRY_BYTES || total > bytes.length * MAX_DEFLATE_RATIO) {
          throw formatError(name, `pth: zip entry ${f.name} declares ${f.originalSize} bytes, more than the file can justify`);
        }
        return true;
      },
    }),
  );
}

function isTensorDict(v: PthValue): boolean {
  return v instanceof Map && v.size > 0 && [...v.values()].every((x) => x instanceof Tensor);
}

/** The state dict inside a loaded tree: the tree itself, or a checkpoint's entry under `key` / a usual key. */
function findStateDict(tree: PthValue, name: string | undefined, key: string | undefined): StateDict {
  let chosen: PthValue = tree;
  if (key !== undefined) {
    if (!(tree instanceof Map) || !tree.has(key)) throw formatError(name, `pth: the file has no top-level key '${key}'`);
    chosen = tree.get(key)!;
  } else if (tree instanceof Map && !isTensorDict(tree)) {
    const m: Map<string | number, PthValue> = tree;
    const k = CHECKPOINT_KEYS.find((c) => isTensorDict(m.get(c) ?? null));
    if (k !== undefined) chosen = m.get(k)!;
  }
  if (!(chosen instanceof Map)) throw formatError(name, `pth: expected a dict of tensors, found ${chosen instanceof Tensor ? "a single tensor" : typeof chosen}`);
  const sd: StateDict = new Map();
  for (const [k, v] of chosen) {
    if (!(v instanceof Tensor)) {
      const keys = [...chosen.keys()].slice(0, 8).join(", ");
      throw formatError(name, `pth: entry '${String(k)}' is not a tensor, so this is not a state dict (keys: ${keys}${chosen.size > 8 ? ", …" : ""}); pass { key } to pick one`);
    }
    putTensor(sd, String(k), v, name);
  }
  return sd;
}
