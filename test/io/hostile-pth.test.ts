// Hostile .pth files built at test time (test/io/hostile-pth.ts): each must load or be refused at once, in bounded
// memory, with a FormatError naming the file. Memory is the process's peak RSS, so the zip bombs come first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { FormatError, Tensor } from "../../src/index.js";
import { loadPth, readPthTree } from "../../src/io/pth.js";
import { billionLaughs, iota, namedMember, PickleWriter, selfCycle, torchArchive, torchArchive64, writeZip, zipBomb } from "./hostile-pth.js";

function assertRefused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** Run `fn`, returning its result, its time and how far it raised the process's peak RSS (MB). */
function measure<T>(fn: () => T): { result: T; ms: number; peakMB: number } {
  const rss0 = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const result = fn();
  return { result, ms: performance.now() - t0, peakMB: (process.resourceUsage().maxRSS - rss0) / 1024 };
}

test("pth: a 265 KB deflate bomb (256 MiB storage, one element viewed) decodes only that element, or is refused at once", () => {
  const first = zipBomb(0);
  const last = zipBomb((256 << 20) / 4 - 1);
  assert.ok(first.length < 300_000, `${first.length} bytes`);
  const ok = measure(() => loadPth(first, { name: "bomb.pth" }));
  assert.deepEqual(ok.result.get("w")!.toArray(), [0]);
  assert.ok(ok.peakMB < 100 && ok.ms < 5000, `the first element: +${ok.peakMB.toFixed(0)} MB peak RSS, ${ok.ms.toFixed(0)} ms`);
  // Its last element would need all 256 MiB inflated first: refused before inflating anything.
  const refused = measure(() => assertRefused(() => loadPth(last, { name: "bomb.pth" }), /^bomb\.pth: pth: zip entry archive\/data\/0 is deflated, and reaching the 4 bytes its tensors view means inflating 268435456; refusing a likely zip bomb/));
  assert.ok(refused.peakMB < 100 && refused.ms < 1000, `the last element: +${refused.peakMB.toFixed(0)} MB peak RSS, ${refused.ms.toFixed(0)} ms`);
});

test("pth: the billion-laughs pickle (one list shared at each of 30 levels) converts each object once and keeps it shared", () => {
  const { result: tree, ms } = measure(() => readPthTree(billionLaughs(30), "laughs.pth"));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  assert.ok(tree instanceof Map);
  const w = (tree.get("state_dict") as Map<string, Tensor>).get("w")!;
  assert.deepEqual(w.toArray(), [0, 1]);
  let l = tree.get("laughs") as unknown[];
  for (let level = 30; level > 0; level--) {
    assert.equal(l.length, 2);
    assert.equal(l[0], l[1], `level ${level}: both items are the same list`);
    l = l[0] as unknown[];
  }
  assert.equal(l[0], w, "the leaf is the state dict's tensor itself");
  const sd = measure(() => loadPth(billionLaughs(24), { name: "laughs.pth" }));
  assert.deepEqual([...sd.result.keys()], ["w"]);
  assert.ok(sd.ms < 1000, `${sd.ms.toFixed(0)} ms`);
});

test("pth: a list that holds itself (twice, so each turn doubles) is refused at once", () => {
  const { ms } = measure(() => assertRefused(() => loadPth(selfCycle(), { name: "loop.pth" }), /^loop\.pth: pth: the pickled structure contains itself \(a list inside its own items\)/));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test("pth: a data.pkl over the 4 MiB limit is refused before it is inflated", () => {
  // 6 MiB of EMPTY_LIST, APPEND (3M lists, ~250 MB once unpickled and converted), deflated to a few KB.
  const pkl = new Uint8Array(6 << 20).fill(0x61);
  pkl.set([0x80, 2, 0x5d]);
  for (let i = 3; i < pkl.length - 1; i += 2) pkl[i] = 0x5d;
  pkl[pkl.length - 1] = 0x2e;
  const file = writeZip([{ name: "archive/data.pkl", deflated: new Uint8Array(deflateRawSync(pkl, { level: 9 })), size: pkl.length, crc: 0 }]);
  const { ms } = measure(() => assertRefused(() => loadPth(file, { name: "big.pth" }), /^big\.pth: pth: zip entry archive\/data\.pkl declares 6291456 bytes, over the 4194304-byte limit for a pickle/));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test("pth: member names that could escape the archive (.., absolute, backslash, NUL) are refused naming the file and member", () => {
  const cases: [string, RegExp][] = [
    ["archive/../../etc/passwd", /^evil\.pth: pth: zip entry archive\/\.\.\/\.\.\/etc\/passwd has a '\.\.' segment/],
    ["../data.pkl", /zip entry \.\.\/data\.pkl has a '\.\.' segment/],
    ["/etc/passwd", /zip entry \/etc\/passwd is an absolute path/],
    ["C:/Windows/x", /zip entry "C:\/Windows\/x" is an absolute path/],
    ["archive\\data\\1", /zip entry "archive\\\\data\\\\1" contains a backslash/],
    ["archive/data/1\0.txt", /zip entry "archive\/data\/1\\u0000\.txt" contains a NUL byte/],
  ];
  for (const [member, pattern] of cases) assertRefused(() => loadPth(namedMember(member), { name: "evil.pth" }), pattern);
  assert.deepEqual(loadPth(namedMember("archive/extra/file.txt")).get("w")!.toArray(), [0, 1], "an ordinary extra member is fine");
});

/** {"one": element k, "slice": a [rows, 3] block at an offset, "t": a transposed view} on one float storage of n
 *  elements holding 0, 1, 2, …, stored or deflated. */
function views(n: number, k: number, deflate: boolean): Uint8Array {
  const p = new PickleWriter().op(0x7d);
  p.str("one").tensor("0", n, k, [1], [1]).op(0x73);
  p.str("slice").tensor("0", n, 1000, [4, 3], [10, 1]).op(0x73);
  p.str("t").tensor("0", n, 5000, [3, 2], [1, 3]).op(0x73);
  const data = iota(n);
  return torchArchive(p.bytes(), deflate ? { name: "archive/data/0", deflated: new Uint8Array(deflateRawSync(data)), size: data.length, crc: 0 } : { name: "archive/data/0", data });
}

test("pth: views of a large storage decode exactly the elements they view, stored or deflated", () => {
  const n = 1 << 20;
  for (const deflate of [false, true]) {
    const sd = loadPth(views(n, 123_456, deflate));
    assert.deepEqual(sd.get("one")!.toArray(), [123_456], `deflate ${deflate}`);
    assert.deepEqual(sd.get("slice")!.toArray(), [[1000, 1001, 1002], [1010, 1011, 1012], [1020, 1021, 1022], [1030, 1031, 1032]]);
    assert.deepEqual(sd.get("t")!.toArray(), [[5000, 5003], [5001, 5004], [5002, 5005]]);
  }
  // A deflated storage whose stream ends before the bytes it declares.
  const short = new PickleWriter().op(0x7d).str("w").tensor("0", 64, 60, [4], [1]).op(0x73).bytes();
  const data = iota(64);
  const lying = torchArchive(short, { name: "archive/data/0", deflated: new Uint8Array(deflateRawSync(data.subarray(0, 200))), size: data.length, crc: 0 });
  assertRefused(() => loadPth(lying, { name: "short.pth" }), /^short\.pth: pth: zip entry archive\/data\/0 inflates to 200 bytes but declares 256/);
});

test("pth: zip64 archives (saturated 32-bit fields, sizes and offsets in zip64 extra fields, a zip64 end record) load", () => {
  const pkl = new PickleWriter().op(0x7d).str("w").tensor("0", 6, 1, [2, 2], [1, 2]).op(0x73).bytes();
  assert.deepEqual(loadPth(torchArchive64(pkl, { name: "archive/data/0", data: iota(6) })).get("w")!.toArray(), [[1, 3], [2, 4]]);
  const data = iota(64);
  const deflated = torchArchive64(pkl, { name: "archive/data/0", deflated: new Uint8Array(deflateRawSync(data)), size: data.length, crc: 0 });
  assert.deepEqual(loadPth(deflated).get("w")!.toArray(), [[1, 3], [2, 4]]);
});

test("pth: overlapping views cannot multiply a small storage into unbounded memory", () => {
  // Ten tensors of 2^24 elements, each a stride-0 view of the same one-element storage (640 MB materialised).
  const p = new PickleWriter().op(0x7d);
  for (let i = 0; i < 10; i++) p.str(`w${i}`).tensor("0", 1, 0, [1 << 24], [0]).op(0x73);
  const { ms } = measure(() => assertRefused(() => loadPth(torchArchive(p.bytes(), { name: "archive/data/0", data: iota(1) }), { name: "x.pth" }), /^x\.pth: pth: the tensors hold 33554432 elements, more than their storages can justify/));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
