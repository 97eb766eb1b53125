// Writes a state dict as PyTorch's own checkpoint format (torch.save since 1.6: a zip holding data.pkl, one file per
// storage and a version record), so that `model.load_state_dict(torch.load(path), strict=True)` takes convkit's
// weights with no converter. The pickle is the one torch.save writes for an OrderedDict of tensors: each tensor is
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks) over a persistent
// storage ('storage', torch.FloatStorage | torch.LongStorage, key, 'cpu', numel). loadPth reads it back.
import { zipSync } from "fflate";
import { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { hostValues, type StateDict } from "./state-dict.js";

/** Pickle opcodes (protocol 2) that the writer needs. */
const OP = {
  PROTO: 0x80, GLOBAL: 0x63, EMPTY_TUPLE: 0x29, MARK: 0x28, TUPLE: 0x74, REDUCE: 0x52, SETITEMS: 0x75,
  BINUNICODE: 0x58, BININT: 0x4a, LONG1: 0x8a, NEWFALSE: 0x89, BINPERSID: 0x51, STOP: 0x2e,
} as const;

class PickleWriter {
  private readonly parts: number[] = [];
  op(code: number): this {
    this.parts.push(code);
    return this;
  }
  global(module: string, name: string): this {
    this.op(OP.GLOBAL);
    for (const b of new TextEncoder().encode(`${module}\n${name}\n`)) this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const bytes = new TextEncoder().encode(s);
    this.op(OP.BINUNICODE).u32(bytes.length);
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  int(n: number): this {
    if (!Number.isSafeInteger(n)) throw new ValueError(`savePth: ${n} is not an integer pickle can hold here`);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.op(OP.BININT).u32(n >>> 0);
    // LONG1: little-endian two's complement, 8 bytes is enough for any safe integer
    this.op(OP.LONG1).op(8);
    let v = BigInt.asUintN(64, BigInt(n));
    for (let i = 0; i < 8; i++, v >>= 8n) this.parts.push(Number(v & 0xffn));
    return this;
  }
  tuple(items: readonly number[]): this {
    if (items.length === 0) return this.op(OP.EMPTY_TUPLE);
    this.op(OP.MARK);
    for (const v of items) this.int(v);
    return this.op(OP.TUPLE);
  }
  private u32(v: number): this {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Keys whose tensors PyTorch keeps as int64 (BatchNorm's batch counter); every other tensor is written as float32. */
const isInt64 = (key: string): boolean => key === "num_batches_tracked" || key.endsWith(".num_batches_tracked");

/** A state dict as the bytes of a PyTorch checkpoint (`torch.load` gives an OrderedDict of CPU tensors, float32, with
 *  num_batches_tracked as int64). Tensors are written contiguous, in the state dict's order; the archive's folder is
 *  `archiveName` (torch.save uses the file's stem; any name loads). Tensors on a GPU are refused: save
 *  `await hostStateDict(model)`. */
export function savePth(state: StateDict | ReadonlyMap<string, Tensor>, archiveName = "archive"): Uint8Array {
  if (!/^[A-Za-z0-9_.-]+$/.test(archiveName)) throw new ValueError(`savePth: archive name '${archiveName}' must be letters, digits, '.', '_' or '-'`);
  const p = new PickleWriter();
  p.op(OP.PROTO).op(2).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).op(OP.MARK);
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  let k = 0;
  for (const [key, t] of state) {
    if (!(t instanceof Tensor)) throw new ValueError(`savePth: '${key}' is not a Tensor`);
    const long = isInt64(key);
    const values = hostValues("savePth", key, t);
    const data = new Uint8Array(t.size * (long ? 8 : 4));
    const view = new DataView(data.buffer);
    for (let i = 0; i < t.size; i++) {
      if (long) view.setBigInt64(i * 8, BigInt(Math.round(values[i]!)), true);
      else view.setFloat32(i * 4, values[i]!, true);
    }
    const storage = String(k++);
    files[`${archiveName}/data/${storage}`] = [data, { level: 0 }];
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(key).global("torch._utils", "_rebuild_tensor_v2").op(OP.MARK)
      .op(OP.MARK).str("storage").global("torch", long ? "LongStorage" : "FloatStorage").str(storage).str("cpu").int(t.size).op(OP.TUPLE).op(OP.BINPERSID)
      .int(0).tuple(t.shape).tuple(strides).op(OP.NEWFALSE)
      .global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE)
      .op(OP.TUPLE).op(OP.REDUCE);
  }
  p.op(OP.SETITEMS).op(OP.STOP);
  return zipSync({
    [`${archiveName}/data.pkl`]: [p.bytes(), { level: 0 }],
    ...files,
    [`${archiveName}/version`]: [new TextEncoder().encode("3\n"), { level: 0 }],
  });
}
