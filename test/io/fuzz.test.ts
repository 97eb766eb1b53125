// Fuzzing the parsers with fast-check: real files mutated (bit flips, truncation, splices, overwritten length fields,
// inserted and deleted bytes), and random bytes behind a format's magic number: the weight formats, PNG, JPEG and IDX.
// Only our typed errors may come out, each case within a time bound, and memory stays bounded (declared sizes the file
// cannot justify are refused before allocating).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { ConvkitError, FormatError, randn, noGrad } from "../../src/index.js";
import { loadSafetensors } from "../../src/io/safetensors.js";
import { loadPth } from "../../src/io/pth.js";
import { loadOnnx } from "../../src/io/onnx-import.js";
import { decodeImage } from "../../src/data/node.js";
import { encodeIdx, parseIdx } from "../../src/data/idx.js";
import { gzipSync } from "fflate";
import { adam7Bytes, fixCrcs, pngFile, progressiveScanBomb, smallJpeg, smallPng } from "../data/hostile.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "io");
const read = (f: string): Uint8Array => new Uint8Array(readFileSync(f.startsWith("/") ? f : join(DIR, f)));

/** One mutation of `base`, as a function of random choices. */
function mutation(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = base.length;
  const pos = fc.nat({ max: n - 1 });
  const flips = fc.array(fc.tuple(pos, fc.nat({ max: 7 })), { minLength: 1, maxLength: 8 }).map((fl) => {
    const b = base.slice();
    for (const [p, bit] of fl) b[p]! ^= 1 << bit;
    return b;
  });
  const truncate = fc.nat({ max: n }).map((k) => base.slice(0, k));
  const splice = fc.tuple(pos, pos, fc.nat({ max: 64 })).map(([from, to, len]) => {
    const b = base.slice();
    b.set(base.subarray(from, Math.min(n, from + len)).subarray(0, n - to), to);
    return b;
  });
  const bigField = fc.tuple(pos, fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffff0), fc.constantFrom(4, 8)).map(([p, v, width]) => {
    const b = base.slice();
    const view = new DataView(b.buffer);
    if (p + width <= n) {
      view.setUint32(p, v, true);
      if (width === 8) view.setUint32(p + 4, v >>> 8, true);
    }
    return b;
  });
  const varint = fc.tuple(pos, fc.nat({ max: 4 })).map(([p, k]) => {
    // a protobuf-style huge varint (length prefixes are varints)
    const b = base.slice();
    for (let i = 0; i < 4 && p + i < n; i++) b[p + i] = i < 3 ? 0xff : 0x0f + k;
    return b;
  });
  const insert = fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([p, bytes]) => {
    const b = new Uint8Array(n + bytes.length);
    b.set(base.subarray(0, p));
    b.set(bytes, p);
    b.set(base.subarray(p), p + bytes.length);
    return b;
  });
  const remove = fc.tuple(pos, fc.nat({ max: 32 })).map(([p, k]) => {
    const b = new Uint8Array(n - Math.min(k, n - p));
    b.set(base.subarray(0, p));
    b.set(base.subarray(p + Math.min(k, n - p)), p);
    return b;
  });
  return fc.oneof(flips, truncate, splice, bigField, varint, insert, remove);
}

const TIME_LIMIT_MS = 3000;
const MEMORY_LIMIT = 512 * 2 ** 20;

/** `prefix` followed by up to `max` random bytes. */
const randomAfter = (prefix: number[], max = 2048): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max }).map((r) => Uint8Array.from([...prefix, ...r]));

/** Run `parse` on `runs` mutations of each base file (or draws of each arbitrary); collect how the cases ended. */
function fuzz(label: string, bases: (Uint8Array | fc.Arbitrary<Uint8Array>)[], runs: number, parse: (b: Uint8Array) => unknown, allowed: (e: unknown) => boolean): Record<string, number> {
  const outcome: Record<string, number> = { parsed: 0, refused: 0 };
  const rss0 = process.memoryUsage().rss;
  let slowest = 0, peak = 0;
  bases.forEach((base, k) => {
    fc.assert(fc.property(base instanceof Uint8Array ? mutation(base) : base, (bytes) => {
      const t0 = performance.now();
      try {
        parse(bytes);
        outcome.parsed!++;
      } catch (e) {
        if (!allowed(e)) throw new Error(`${label}: a mutated file produced ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
        outcome.refused!++;
      }
      const dt = performance.now() - t0;
      slowest = Math.max(slowest, dt);
      if (dt > TIME_LIMIT_MS) throw new Error(`${label}: a case took ${dt.toFixed(0)} ms`);
      peak = Math.max(peak, process.memoryUsage().rss - rss0);
      if (peak > MEMORY_LIMIT) throw new Error(`${label}: memory grew by ${peak} bytes`);
    }), { numRuns: runs, seed: 20261125 + k });
  });
  outcome.slowestMs = Math.round(slowest);
  outcome.peakRssGrowthMB = Math.round(peak / 2 ** 20);
  return outcome;
}

test("fuzz safetensors: 4000 mutated files, only FormatErrors", (t) => {
  const r = fuzz("safetensors", [read("tiny_cnn.safetensors"), read("dtypes.safetensors")], 2000, (b) => loadSafetensors(b, { name: "f.safetensors" }), (e) => e instanceof FormatError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 1000);
});

test("fuzz pth: 4000 mutated archives (zip + pickle), only FormatErrors", (t) => {
  const r = fuzz("pth", [read("tiny_cnn.pth"), read("dtypes.pth")], 2000, (b) => loadPth(b, { name: "f.pth" }), (e) => e instanceof FormatError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 1000);
});

test("fuzz onnx: 3000 mutated models (one dry-run at load, one run after), only our typed errors", (t) => {
  const x = randn([1, 3, 10, 10]);
  const conv = "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_and_asymmetric_padding/model.onnx";
  const bases = [read("tiny_cnn.onnx")];
  try { bases.push(read(conv)); } catch { /* libonnx-testdata absent: fuzz the torch-exported model only */ }
  const r = fuzz("onnx", bases, 1500, (b) => {
    const m = loadOnnx(b, { name: "f.onnx" });
    if (m.inputs.length === 1 && m.inputs[0]!.shape?.length === 4 && m.inputs[0]!.shape[1] === 3) noGrad(() => m.call(x));
  }, (e) => e instanceof ConvkitError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 500);
});

test("fuzz PNG: 5000 files, mutated (half with their CRCs fixed, to reach the decoder) or random chunks, only FormatErrors", (t) => {
  const bases = [smallPng(7, 5), pngFile(13, 7, { colorType: 2, interlace: true, raw: new Uint8Array(adam7Bytes(13, 7, 3)) })];
  const header = [...bases[0]!.subarray(0, 33)];
  const r = fuzz("png", [...bases, ...bases.map((b) => mutation(b).map(fixCrcs)), randomAfter(header).map(fixCrcs)], 1000, (b) => decodeImage(b, "f.png"), (e) => e instanceof FormatError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 1000 && r.parsed! > 100);
  // a header made taller than its data was decoded as a blank image: 1.5 s and 100 MB for one 300-byte case
  assert.ok(r.slowestMs! < 1000 && r.peakRssGrowthMB! < 64, JSON.stringify(r));
});

test("fuzz JPEG: 4000 mutated baseline and progressive files and random segments, only FormatErrors", (t) => {
  const bases = [smallJpeg(16, 12), progressiveScanBomb(40, 24, 3)];
  const r = fuzz("jpeg", [...bases, randomAfter([0xff, 0xd8, 0xff]), randomAfter([...bases[0]!.subarray(0, 200)])], 1000, (b) => decodeImage(b, "f.jpg"), (e) => e instanceof FormatError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 1000 && r.parsed! > 100);
});

test("fuzz IDX: 3000 mutated raw and gzipped files and random headers, only FormatErrors", (t) => {
  const raw = encodeIdx([3, 4, 5], Uint8Array.from({ length: 60 }, (_, i) => i));
  const r = fuzz("idx", [raw, gzipSync(raw), randomAfter([0, 0, 8], 64)], 1000, (b) => parseIdx(b, "f-idx3-ubyte"), (e) => e instanceof FormatError);
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.refused! > 1000 && r.parsed! > 100);
});
