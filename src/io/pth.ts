// PyTorch .pth/.pt state dicts (the torch.save zip format, PyTorch ≥ 1.6): <archive>/data.pkl holds the pickled
// structure, <archive>/data/<key> the raw little-endian storages. The pickle runs on our restricted unpickler; storages
// are read only where a tensor views them, once the whole pickle has said where that is.
import { Tensor } from "../tensor/tensor.js";
import { checkedCount, decodeElements, formatError, readElement, STORED_SIZE, type LoadOptions, type StoredType } from "./bytes.js";
import { describe, PyCall, PyDict, PyGlobal, PyPersistent, PyTuple, unpickle, type PyValue } from "./pickle.js";
import { putTensor, type StateDict } from "./state-dict.js";
import { readZipDirectory, readZipMember, type ZipMember } from "./zip.js";

/** The largest data.pkl we read: 20× DenseNet-201's (200 KB, some 200 bytes per tensor). Unpickled and converted,
 *  a pickle can take ~80× its size (two bytes make an empty list), and it may be deflated ~1000:1 in the file. */
export const MAX_PICKLE_BYTES = 4 * 2 ** 20;
/** How far past twice what its tensors view a deflated storage may have to be inflated to reach them (torch.save
 *  stores storages uncompressed; a deflated one that must be inflated far beyond its views is a zip bomb). */
const INFLATE_SLACK = 16 * 2 ** 20;

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

/** The unpickled object of a .pth file with tensors materialised: dicts become Maps, tensors Tensors. An object the
 *  pickle shares (through its memo) is converted once and stays shared; a structure that contains itself is refused. */
export type PthValue = null | boolean | number | bigint | string | Tensor | PthValue[] | Map<string | number, PthValue>;

/** A tensor waiting for its values: its output array and its view (offset, shape, strides) of the storage. */
interface View { out: Float32Array; offset: number; shape: number[]; strides: number[]; last: number }
/** A storage as the pickle names it: its zip member, element type, and the views the tensors take of it. */
interface Storage { member: ZipMember; type: StoredType; views: View[] }

/** Unzip, unpickle and materialise every tensor of a torch.save zip archive. Memory and time follow what the tensors
 *  view, not what the archive declares: each storage is decoded (and, when deflated, inflated) only from the first
 *  element a tensor views to the last, and a deflated storage that would have to be inflated far beyond its views is
 *  refused. */
export function readPthTree(bytes: Uint8Array, name?: string): PthValue {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw formatError(name, "pth: this is the legacy (pre-1.6) torch.save format, which is not supported; re-save it with torch.save in PyTorch ≥ 1.6");
  }
  const members = readZipDirectory(bytes, name, "pth");
  const pklNames = [...members.keys()].filter((f) => /^[^/]+\/data\.pkl$/.test(f));
  if (pklNames.length !== 1) {
    throw formatError(name, pklNames.length === 0 ? "pth: no <archive>/data.pkl in the zip (not a torch.save file)" : "pth: several data.pkl entries in the zip");
  }
  const pkl = members.get(pklNames[0]!)!;
  if (pkl.size > MAX_PICKLE_BYTES) throw formatError(name, `pth: zip entry ${pkl.name} declares ${pkl.size} bytes, over the ${MAX_PICKLE_BYTES}-byte limit for a pickle`);
  const prefix = pkl.name.slice(0, -"data.pkl".length);
  const shared = new Set<object>();
  const root = unpickle(readZipMember(bytes, pkl, 0, pkl.size, name, "pth"), name, shared);

  const storages = new Map<string, Storage>();
  // Elements the tensors may hold in all: each tensor is materialised contiguously, so views that overlap (stride 0,
  // or many views of one storage) could otherwise multiply a small file into any amount of memory.
  let budget = 1 << 24, materialised = 0;

  const storage = (pid: PyValue): { s: Storage; key: string; numel: number } => {
    if (!(pid instanceof PyTuple) || pid.items.length < 5 || pid.items[0] !== "storage") {
      throw formatError(name, `pth: unexpected persistent id ${describe(pid)}`);
    }
    const [, type, key, , numel] = pid.items;
    if (!(type instanceof PyGlobal) || !STORAGE_TYPES[type.name]) throw formatError(name, `pth: unknown storage type ${describe(type)}`);
    if (typeof key !== "string" || !/^[\w.-]+$/.test(key)) throw formatError(name, `pth: invalid storage key ${JSON.stringify(key)}`);
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) throw formatError(name, `pth: storage ${key} has invalid size ${String(numel)}`);
    const stored = STORAGE_TYPES[type.name]!;
    const member = members.get(`${prefix}data/${key}`);
    if (!member) throw formatError(name, `pth: storage ${prefix}data/${key} is missing from the archive`);
    if (member.size < numel * STORED_SIZE[stored]) {
      throw formatError(name, `pth: storage ${key} should hold ${numel} ${type.name} elements (${numel * STORED_SIZE[stored]} bytes) but has ${member.size} bytes`);
    }
    const cacheKey = `${key}:${stored}`;
    let s = storages.get(cacheKey);
    if (!s) {
      s = { member, type: stored, views: [] };
      storages.set(cacheKey, s);
      budget += 4 * (member.size / STORED_SIZE[stored]);
    }
    return { s, key, numel };
  };

  const rebuildTensor = (args: readonly PyValue[]): Tensor => {
    const [pid, offset, size, stride] = args;
    if (!(pid instanceof PyPersistent)) throw formatError(name, `pth: _rebuild_tensor_v2 expects a storage, got ${describe(pid)}`);
    const { s, key, numel: storageNumel } = storage(pid.pid);
    if (!(size instanceof PyTuple) || !(stride instanceof PyTuple) || size.items.length !== stride.items.length) {
      throw formatError(name, `pth: tensor on storage ${key} has a malformed size/stride`);
    }
    const shape = size.items as unknown[];
    const strides = stride.items as unknown[];
    const numel = checkedCount(name, `pth: tensor on storage ${key}`, shape, Math.max(storageNumel, 1 << 24));
    checkedCount(name, `pth: strides of the tensor on storage ${key}`, strides);
    if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw formatError(name, `pth: tensor on storage ${key} has invalid offset ${String(offset)}`);
    const dims = shape as number[], st = strides as number[];
    // The tensor keeps this array; it is filled below, once every view is known, before the tree is returned.
    const out = new Float32Array(numel);
    if (numel > 0) {
      let last = offset;
      for (let i = 0; i < dims.length; i++) last += (dims[i]! - 1) * st[i]!;
      if (last >= storageNumel) {
        throw formatError(name, `pth: tensor [${dims.join(",")}] with offset ${offset} and strides [${st.join(",")}] reaches element ${last} of storage ${key}, which has ${storageNumel}`);
      }
      materialised += numel;
      if (materialised > budget) throw formatError(name, `pth: the tensors hold ${materialised} elements, more than their storages can justify (their views overlap)`);
      s.views.push({ out, offset, shape: dims, strides: st, last });
    }
    return new Tensor(out, dims);
  };

  // Materialise the tree, each pickled object once: the memo can share one list at every level of a nesting, which
  // walked as a tree doubles per level. Only objects the pickle refers to more than once can be met again (shared),
  // so only they are remembered, and only they can form a cycle, which is refused; so is depth beyond 100.
  const converted = new Map<object, PthValue>();
  const inProgress = new Set<object>();
  const convert = (v: PyValue, depth: number): PthValue => {
    if (v === null || typeof v !== "object") return v;
    if (depth > 100) throw formatError(name, "pth: the pickled structure is nested more than 100 levels deep");
    if (!shared.has(v)) return convertObject(v, depth);
    if (converted.has(v)) return converted.get(v)!;
    if (inProgress.has(v)) throw formatError(name, `pth: the pickled structure contains itself (a ${describe(v)} inside its own items)`);
    inProgress.add(v);
    const out = convertObject(v, depth);
    inProgress.delete(v);
    converted.set(v, out);
    return out;
  };
  const convertObject = (v: Exclude<PyValue, null | boolean | number | bigint | string>, depth: number): PthValue => {
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
  const tree = convert(root, 0);

  // Now that every view is known, read each storage from the first element viewed to the last, and fill the tensors.
  for (const { member, type, views } of storages.values()) {
    if (views.length === 0) continue;
    const size = STORED_SIZE[type];
    let lo = Infinity, hi = 0;
    for (const v of views) {
      lo = Math.min(lo, v.offset);
      hi = Math.max(hi, v.last + 1);
    }
    const viewed = views.reduce((n, v) => n + v.out.length, 0) * size;
    if (member.method !== 0 && hi * size > 2 * viewed + INFLATE_SLACK) {
      throw formatError(name, `pth: zip entry ${member.name} is deflated, and reaching the ${viewed} bytes its tensors view means inflating ${hi * size}; refusing a likely zip bomb (torch.save stores storages uncompressed)`);
    }
    const raw = readZipMember(bytes, member, lo * size, hi * size, name, "pth");
    for (const v of views) gatherView(raw, type, v.offset - lo, v.shape, v.strides, v.out);
  }
  return tree;
}

/** Decode the strided view (offset, shape, strides, in elements of `type`) of the storage bytes `raw` into `out`. */
function gatherView(raw: Uint8Array, type: StoredType, offset: number, shape: readonly number[], strides: readonly number[], out: Float32Array): void {
  const size = STORED_SIZE[type];
  // Contiguous views (the usual case) are one decode.
  let contiguous = true;
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) contiguous = false;
    s *= shape[i]!;
  }
  if (contiguous) {
    decodeElements(raw, offset * size, out.length, type, out);
    return;
  }
  // Otherwise walk the index like an odometer, adding the stride of each dim that advances.
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let n = 0; n < out.length; n++) {
    out[n] = readElement(view, src * size, type);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) {
        src += strides[d]!;
        break;
      }
      src -= (shape[d]! - 1) * strides[d]!;
      idx[d] = 0;
    }
  }
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
