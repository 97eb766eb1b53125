// A restricted unpickler for PyTorch state dicts: it understands the pickle opcodes torch.save emits (protocols 2–5)
// and resolves only an allow-list of globals, so a hostile file can be refused but never run anything.
// Opcode reference: CPython's Lib/pickletools.py.
import { formatError } from "./bytes.js";

/** A Python tuple (kept distinct from a list). */
export class PyTuple {
  /** @param items The tuple's elements. */
  constructor(readonly items: readonly PyValue[]) {}
}
/** A Python dict (or OrderedDict) with str/int keys, in insertion order. */
export class PyDict {
  /** The entries, in insertion order. */
  readonly map = new Map<string | number, PyValue>();
  /** State set by BUILD (an OrderedDict's `_metadata`), kept but unused. */
  state: PyValue = null;
}
/** An allowed global (a class or function), resolved by name. */
export class PyGlobal {
  /**
   * @param module The Python module ("collections", "torch._utils").
   * @param name The name in it ("OrderedDict").
   */
  constructor(readonly module: string, readonly name: string) {}
  /** module.name, as the allow-list spells it. */
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/** The result of calling an allowed global: `fn(...args)`, left for the caller (the .pth reader) to interpret. */
export class PyCall {
  /**
   * @param fn The global called.
   * @param args Its arguments.
   */
  constructor(readonly fn: PyGlobal, readonly args: readonly PyValue[]) {}
}
/** A persistent id (torch's storages): the tuple the file gave, resolved by the caller. */
export class PyPersistent {
  /** @param pid The persistent id's tuple, as the file gave it. */
  constructor(readonly pid: PyValue) {}
}

/** A value the restricted unpickler makes: Python's scalars, strings, bytes, lists, tuples and dicts, and records of
 *  the allowed globals, their calls and persistent ids. */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | PyCall | PyPersistent;

/** Globals a state dict needs. Anything else is refused by name. */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  ...["Float", "Half", "BFloat16", "Double", "Long", "Int", "Short", "Char", "Byte", "Bool"].map((t) => `torch.${t}Storage`),
  ...["float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"].map((t) => `torch.${t}`),
]);

const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

/** Hard limits that keep a hostile pickle from exhausting memory through the VM itself. */
const MAX_STACK = 1_000_000;
const MAX_MEMO = 10_000_000;

/** Run the pickle in `bytes` and return its top-level value. `name` is the file name for error messages. When
 *  `shared` is given, every object the pickle refers to more than once (through its memo, or DUP) is added to it: the
 *  only objects that can appear twice in the result, or inside themselves. */
export function unpickle(bytes: Uint8Array, name?: string, shared?: Set<object>): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;

  const fail = (problem: string): never => {
    throw formatError(name, `pickle: ${problem} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated: ${n} more bytes needed, ${bytes.length - pos} left`);
  };
  const u8 = (): number => { need(1); return bytes[pos++]!; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const lo = view.getUint32(pos, true), hi = view.getUint32(pos + 4, true);
    pos += 8;
    if (hi >= 0x200000) fail("a 64-bit length beyond 2^53");
    return hi * 2 ** 32 + lo;
  };
  const take = (n: number): Uint8Array => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const text = (n: number): string => {
    const b = take(n);
    try {
      return decoder.decode(b);
    } catch {
      return fail("a string that is not valid UTF-8");
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("truncated: a text line without its newline");
    const s = new TextDecoder("latin1").decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: StackItem): void => {
    if (stack.length >= MAX_STACK) fail("stack too deep");
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail("pop from an empty stack");
    const v = stack.pop()!;
    if (v === MARK) fail("a MARK where a value was expected");
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail("the stack is empty");
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail("no MARK to pop to");
    const items = stack.splice(m);
    if (items.includes(MARK)) fail("a MARK inside marked items");
    return items as PyValue[];
  };
  const memoPut = (idx: number): void => {
    if (memo.size >= MAX_MEMO && !memo.has(idx)) fail("memo too large");
    memo.set(idx, top());
  };
  const again = (v: PyValue): PyValue => {
    if (shared && v !== null && typeof v === "object") shared.add(v);
    return v;
  };
  const memoGet = (idx: number): void => {
    if (!memo.has(idx)) fail(`memo entry ${idx} is not set`);
    push(again(memo.get(idx)!));
  };
  const global = (module: string, qual: string): PyGlobal => {
    const full = `${module}.${qual}`;
    if (!ALLOWED_GLOBALS.has(full)) {
      throw formatError(name, `pickle: refuses global ${full} (a state dict needs only tensors, storages and OrderedDict; this file may be hostile)`);
    }
    return new PyGlobal(module, qual);
  };
  const setItem = (d: PyValue, k: PyValue, v: PyValue): void => {
    if (!(d instanceof PyDict)) return fail("SETITEM on something that is not a dict");
    if (typeof k !== "string" && typeof k !== "number") return fail(`a dict key of type ${describe(k)} (only str and int keys are supported)`);
    d.map.set(k, v);
  };
  const append = (l: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(l)) return fail("APPEND on something that is not a list");
    for (const v of items) l.push(v);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`unsupported pickle protocol ${v}`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(again(top())); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(readLong(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail("negative LONG4 length");
        if (n > 64) fail(`a ${n}-byte integer (too large for a state dict)`);
        push(readLong(take(n)));
        break;
      }
      case 0x47: { need(8); const v = view.getFloat64(pos, false); pos += 8; push(v); break; } // BINFLOAT (big-endian)
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x43: push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: push(take(u32()).slice()); break; // BINBYTES
      case 0x55: push(new TextDecoder("latin1").decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: { const n = i32(); if (n < 0) fail("negative BINSTRING length"); push(new TextDecoder("latin1").decode(take(n))); break; } // BINSTRING
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x6c: push(popMark()); break; // LIST
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) fail("DICT with an odd number of items");
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        push(d);
        break;
      }
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x94: memoPut(memo.size); break; // MEMOIZE
      case 0x68: memoGet(u8()); break; // BINGET
      case 0x6a: memoGet(u32()); break; // LONG_BINGET
      case 0x63: { const module = line(); const qual = line(); push(global(module, qual)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const qual = pop(), module = pop();
        if (typeof module !== "string" || typeof qual !== "string") fail("STACK_GLOBAL needs two strings");
        push(global(module as string, qual as string));
        break;
      }
      case 0x52: { // REDUCE: callable(*args) — only allowed globals can be on the stack, and we only record the call
        const args = pop(), fn = pop();
        if (!(fn instanceof PyGlobal)) fail(`REDUCE of ${describe(fn)}, not an allowed global`);
        if (!(args instanceof PyTuple)) fail("REDUCE arguments are not a tuple");
        push(construct(fn as PyGlobal, (args as PyTuple).items));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = pop(), cls = pop();
        if (!(cls instanceof PyGlobal) || !(args instanceof PyTuple)) fail("NEWOBJ needs an allowed class and an argument tuple");
        push(construct(cls as PyGlobal, (args as PyTuple).items));
        break;
      }
      case 0x51: push(new PyPersistent(pop())); break; // BINPERSID
      case 0x73: { const v = pop(), k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail("SETITEMS with an odd number of items");
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i]!, items[i + 1]!);
        break;
      }
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x62: { // BUILD: obj.__setstate__(state); we keep the state on dicts and ignore it elsewhere
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.state = state;
        else if (!(obj instanceof PyCall)) fail(`BUILD on ${describe(obj)}`);
        break;
      }
      default:
        fail(`unsupported or unsafe opcode 0x${op.toString(16).padStart(2, "0")}`);
    }
  }
}

/** The result of calling an allowed global. OrderedDict() becomes an empty dict; the rest is recorded for the caller. */
function construct(fn: PyGlobal, args: readonly PyValue[]): PyValue {
  if (fn.qualified === "collections.OrderedDict") {
    const d = new PyDict();
    const init = args[0];
    if (Array.isArray(init)) {
      for (const pair of init) {
        if (pair instanceof PyTuple && pair.items.length === 2) {
          const [k, v] = pair.items;
          if (typeof k === "string" || typeof k === "number") d.map.set(k, v!);
        }
      }
    }
    return d;
  }
  return new PyCall(fn, args);
}

/** A little-endian two's-complement integer (LONG1/LONG4), as a number when it is safe, else a bigint. */
function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A short description of a value's Python type, for errors. */
export function describe(v: PyValue | undefined): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (v instanceof Uint8Array) return "bytes";
  if (Array.isArray(v)) return "list";
  if (v instanceof PyTuple) return "tuple";
  if (v instanceof PyDict) return "dict";
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyCall) return `${v.fn.qualified}(…)`;
  return "persistent id";
}
