// safetensors and .pth readers against files written by PyTorch (scripts/io/make_pth.py), and the hostile files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { FormatError, tensor, type Tensor } from "../../src/index.js";
import { loadSafetensors, saveSafetensors } from "../../src/io/safetensors.js";
import { loadPth, readPthTree } from "../../src/io/pth.js";
import { unpickle } from "../../src/io/pickle.js";
import { zipSync } from "fflate";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "io");
const read = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));
type Expected = Record<string, Record<string, { shape: number[]; values: number[] }>>;
const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as Expected;

/** Exact match with PyTorch's values once rounded to float32 (the loaders convert without arithmetic). */
function assertTensorIs(t: Tensor | undefined, e: { shape: number[]; values: number[] }, label: string): void {
  assert.ok(t, `${label} missing`);
  assert.deepEqual([...t.shape], e.shape, `${label} shape`);
  assert.deepEqual([...t.data], e.values.map((v) => Math.fround(v)), `${label} values`);
}

function assertRefused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test("pth: a PyTorch state dict loads key by key with exact values (float32 + int64 buffer)", () => {
  const sd = loadPth(read("tiny_cnn.pth"), { name: "tiny_cnn.pth" });
  assert.deepEqual([...sd.keys()], Object.keys(expected.tiny_cnn!));
  for (const [k, e] of Object.entries(expected.tiny_cnn!)) assertTensorIs(sd.get(k), e, k);
  assert.equal(sd.get("bn.num_batches_tracked")!.item(), 7);
});

test("pth: float16/bfloat16/float64/int32/int64, transposed and offset views, shared storages, scalars, empty", () => {
  const sd = loadPth(read("dtypes.pth"));
  for (const [k, e] of Object.entries(expected.dtypes!)) assertTensorIs(sd.get(k), e, k);
});

test("pth: checkpoints keep the state dict under 'state_dict' or 'model'; { key } picks one", () => {
  for (const f of ["checkpoint.pth", "nested_model.pth"]) {
    const sd = loadPth(read(f), { name: f });
    assert.deepEqual([...sd.keys()], Object.keys(expected.tiny_cnn!), f);
    assertTensorIs(sd.get("conv.weight"), expected.tiny_cnn!["conv.weight"]!, f);
  }
  assert.equal(loadPth(read("checkpoint.pth"), { key: "state_dict" }).size, 9);
  assertRefused(() => loadPth(read("checkpoint.pth"), { name: "c.pth", key: "nope" }), /c\.pth: .*no top-level key 'nope'/);
  const tree = readPthTree(read("checkpoint.pth"));
  assert.ok(tree instanceof Map && tree.get("epoch") === 3 && tree.get("best_acc") === 0.5);
});

test("pth: hostile pickles are refused by naming the global, and nothing runs", () => {
  assertRefused(() => loadPth(read("evil_os_system.pth"), { name: "evil_os_system.pth" }), /^evil_os_system\.pth: pickle: refuses global (posix|os)\.system/);
  assertRefused(() => loadPth(read("evil_eval.pth"), { name: "evil_eval.pth" }), /refuses global (__builtin__|builtins)\.eval/);
  assertRefused(() => loadPth(read("evil_nested.pth"), { name: "evil_nested.pth" }), /refuses global (subprocess|commands)\.check_output/);
  assert.equal(existsSync("/tmp/convkit-pwned"), false);
});

test("pth: truncated archives, zip bombs and lying entry counts are FormatErrors", () => {
  assertRefused(() => loadPth(read("truncated.pth"), { name: "truncated.pth" }), /^truncated\.pth: pth: /);
  assertRefused(() => loadPth(read("huge_declared.pth"), { name: "huge.pth" }), /huge\.pth: pth: zip entry archive\/data\.pkl declares 3000000000 bytes/);
  assertRefused(() => loadPth(read("huge_count.pth"), { name: "count.pth" }), /count\.pth: pth: /);
  assertRefused(() => loadPth(new Uint8Array([0x80, 2, 0x8a, 0x0a]), { name: "old.pt" }), /legacy/);
  assertRefused(() => loadPth(new Uint8Array(10)), /too short/);
});

test("unpickle: opcodes beyond the state-dict subset, bad memo refs and truncation are refused", () => {
  const p = (...b: number[]): Uint8Array => new Uint8Array(b);
  // INST ('i') and OBJ ('o') can call arbitrary classes: never supported.
  assertRefused(() => unpickle(p(0x80, 2, 0x69)), /unsupported or unsafe opcode 0x69/);
  assertRefused(() => unpickle(p(0x80, 2, 0x68, 5)), /memo entry 5 is not set/);
  assertRefused(() => unpickle(p(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f)), /truncated/);
  assertRefused(() => unpickle(p(0x80, 2, 0x2e)), /empty stack/);
  // GLOBAL by text: 'c' + "posix\nsystem\n"
  const g = new TextEncoder().encode("cposix\nsystem\n");
  assertRefused(() => unpickle(p(0x80, 2, ...g)), /refuses global posix\.system/);
  assert.deepEqual(unpickle(p(0x80, 2, 0x4b, 7, 0x2e)), 7);
});

test("safetensors: files written from the spec by hand load with exact values (F32/F16/BF16/F64/I32/I64) and metadata", () => {
  const { tensors, metadata } = loadSafetensors(read("tiny_cnn.safetensors"), { name: "tiny_cnn.safetensors" });
  assert.deepEqual(metadata, { format: "pt", source: "make_pth.py" });
  assert.deepEqual([...tensors.keys()], Object.keys(expected.tiny_cnn!));
  for (const [k, e] of Object.entries(expected.tiny_cnn!)) assertTensorIs(tensors.get(k), e, k);
  const d = loadSafetensors(read("dtypes.safetensors")).tensors;
  for (const k of ["half", "bf16", "double", "int32", "int64"]) assertTensorIs(d.get(k), expected.dtypes![k]!, k);
});

test("safetensors: write → read round trip keeps names, order, shapes, values and metadata; the layout is the spec's", () => {
  const sd = { "b.weight": tensor([[1, -2.5], [3, 1e-7]]), "a.bias": tensor([0.25]), empty: tensor(new Float32Array(0), [0, 2]), scalar: tensor(5) };
  const bytes = saveSafetensors(sd, { note: "hi" });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0, "data section 8-byte aligned");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  assert.deepEqual(header["b.weight"], { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] });
  assert.deepEqual(header["a.bias"], { dtype: "F32", shape: [1], data_offsets: [16, 20] });
  const back = loadSafetensors(bytes);
  assert.deepEqual(back.metadata, { note: "hi" });
  assert.deepEqual([...back.tensors.keys()], Object.keys(sd));
  for (const [k, t] of Object.entries(sd)) {
    assert.deepEqual([...back.tensors.get(k)!.shape], [...t.shape], k);
    assert.deepEqual([...back.tensors.get(k)!.data], [...t.data], k);
  }
});

/** A safetensors file from a header object and a data section. */
function st(header: unknown, dataLen: number, rawHeader?: string): Uint8Array {
  const h = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + dataLen);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

test("safetensors: each inconsistency is a FormatError naming the file and the problem", () => {
  const n = { name: "bad.safetensors" };
  const f32 = (shape: unknown, offs: unknown) => ({ dtype: "F32", shape, data_offsets: offs });
  assertRefused(() => loadSafetensors(new Uint8Array(5), n), /^bad\.safetensors: safetensors: the file is 5 bytes/);
  const long = new Uint8Array(16);
  new DataView(long.buffer).setUint32(0, 1000, true);
  assertRefused(() => loadSafetensors(long, n), /^bad\.safetensors: .*header length 1000 runs beyond the end of the file \(16 bytes\)/);
  const absurd = new Uint8Array(16);
  new DataView(absurd.buffer).setUint32(4, 7, true);
  assertRefused(() => loadSafetensors(absurd, n), /exceeds the 100000000-byte limit/);
  assertRefused(() => loadSafetensors(st(null, 0, "{nope"), n), /header is not valid JSON/);
  assertRefused(() => loadSafetensors(st([1, 2], 0), n), /header is not a JSON object/);
  assertRefused(() => loadSafetensors(st({ w: f32([2], [0, 8]) }, 4), n), /'w' data_offsets \[0, 8\] run beyond the 4-byte data section/);
  assertRefused(() => loadSafetensors(st({ w: f32([3], [0, 8]) }, 8), n), /F32 × shape \[3\] is 12 bytes but data_offsets span 8/);
  assertRefused(() => loadSafetensors(st({ w: f32([2.5], [0, 8]) }, 8), n), /dim 0 is 2\.5, not a non-negative integer/);
  assertRefused(() => loadSafetensors(st({ w: f32([-2], [0, 8]) }, 8), n), /dim 0 is -2/);
  assertRefused(() => loadSafetensors(st({ w: f32([1e12, 1e12], [0, 8]) }, 8), n), /more elements than the file can hold/);
  assertRefused(() => loadSafetensors(st({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12), n), /'b' \(bytes 4\.\.12\) overlaps/);
  assertRefused(() => loadSafetensors(st({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12), n), /bytes 4\.\.8 of the data section belong to no tensor/);
  assertRefused(() => loadSafetensors(st({ a: f32([1], [0, 4]) }, 8), n), /cover 4 bytes but the data section has 8/);
  assertRefused(() => loadSafetensors(st({ a: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, 8), n), /unsupported dtype "C64"/);
  assertRefused(() => loadSafetensors(st({ a: f32([1], [4, 0]) }, 4), n), /invalid data_offsets/);
  assertRefused(() => loadSafetensors(st({ __metadata__: { a: 1 } }, 0), n), /__metadata__ value 'a' is not a string/);
  const proto = loadSafetensors(st(null, 4, '{"__proto__": {"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), n);
  assert.deepEqual([...proto.tensors.keys()], ["__proto__"], "a key named __proto__ is plain data");
});

/** A hand-assembled torch.save archive: one tensor view (offset, size, stride) on a storage of `numel` floats whose
 *  zip entry holds `bytes` bytes. Pickle protocol 2, the opcodes torch.save emits. */
function craftPth(offset: number, size: number[], stride: number[], numel: number, bytes: number): Uint8Array {
  const enc = new TextEncoder();
  const out: number[] = [0x80, 2, 0x7d]; // PROTO 2, EMPTY_DICT
  const str = (s: string): void => { const b = enc.encode(s); out.push(0x58, b.length, 0, 0, 0, ...b); };
  const int = (v: number): void => { out.push(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff); };
  const global = (m: string, n: string): void => { out.push(0x63, ...enc.encode(`${m}\n${n}\n`)); };
  const tuple = (vals: number[]): void => { out.push(0x28); vals.forEach(int); out.push(0x74); };
  str("w");
  global("torch._utils", "_rebuild_tensor_v2");
  out.push(0x28); // MARK: the argument tuple
  out.push(0x28); str("storage"); global("torch", "FloatStorage"); str("0"); str("cpu"); int(numel); out.push(0x74, 0x51); // pid tuple, BINPERSID
  int(offset); tuple(size); tuple(stride); out.push(0x89); // requires_grad False
  global("collections", "OrderedDict"); out.push(0x29, 0x52); // OrderedDict()
  out.push(0x74, 0x52, 0x73, 0x2e); // TUPLE, REDUCE, SETITEM, STOP
  const storage = new Uint8Array(bytes);
  new Float32Array(storage.buffer, 0, Math.floor(bytes / 4)).forEach((_, i, a) => (a[i] = i));
  return zipSync({ "archive/data.pkl": new Uint8Array(out), "archive/data/0": storage }, { level: 0 });
}

test("pth: views are checked against their storage, storages against their zip entries", () => {
  const ok = loadPth(craftPth(1, [2, 2], [1, 2], 6, 24)).get("w")!; // a transposed view starting at element 1
  assert.deepEqual(ok.toArray(), [[1, 3], [2, 4]]);
  assertRefused(() => loadPth(craftPth(3, [2, 2], [2, 1], 6, 24), { name: "v.pth" }), /v\.pth: pth: tensor \[2,2\] with offset 3 and strides \[2,1\] reaches element 6 of storage 0, which has 6/);
  assertRefused(() => loadPth(craftPth(0, [2, 2], [2, 1], 1000, 24), { name: "s.pth" }), /storage 0 should hold 1000 FloatStorage elements \(4000 bytes\) but has 24 bytes/);
  assertRefused(() => loadPth(craftPth(0, [2, -2], [2, 1], 6, 24)), /dim 1 is -2, not a non-negative integer/);
  assertRefused(() => loadPth(craftPth(0, [100000, 100000], [0, 0], 6, 24)), /has more elements than the file can hold/);
});
