// IDX parsing: real Fashion-MNIST headers, round trips, gzip, and hostile or truncated files refused with FormatError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { existsSync, readFileSync } from "node:fs";
import { FormatError } from "../../src/index.js";
import { encodeIdx, gunzipChecked, parseIdx } from "../../src/data/idx.js";

test("parseIdx reads a raw and a gzipped file", () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
  const raw = encodeIdx([2, 3, 4], data);
  // header written by hand: 00 00 08 03, then 2, 3, 4 as big-endian uint32
  assert.deepEqual([...raw.subarray(0, 16)], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
  for (const bytes of [raw, gzipSync(raw)]) {
    const r = parseIdx(bytes);
    assert.deepEqual(r.dims, [2, 3, 4]);
    assert.deepEqual([...r.data], [...data]);
  }
});

test("parseIdx refuses bad magic, types, dims, truncation and trailing bytes", () => {
  const good = encodeIdx([2, 2], new Uint8Array(4));
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /header alone needs 4/],
    ["magic", Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), /magic/],
    ["type", Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /element type 0d/],
    ["zero dims", Uint8Array.from([0, 0, 8, 0]), /0 dims/],
    ["many dims", Uint8Array.from([0, 0, 8, 9]), /9 dims/],
    ["truncated header", Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), /truncated IDX header/],
    ["truncated data", good.subarray(0, good.length - 1), /need 4 bytes of data but the file holds 3/],
    ["trailing data", Uint8Array.from([...good, 0]), /holds 5/],
    // a header claiming 4G × 4G × 4G elements must be refused by arithmetic, not by trying to allocate
    ["huge dims", Uint8Array.from([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 2, 3]), /declare 7\.9\d*e\+28 bytes of data, over the 1073741824-byte limit/],
  ];
  for (const [name, bytes, re] of cases) assert.throws(() => parseIdx(bytes, name), (e: unknown) => e instanceof FormatError && re.test(e.message), name);
});

test("gunzipChecked refuses lying or corrupt gzip streams", () => {
  const z = gzipSync(new Uint8Array(1000).fill(3));
  const lie = Uint8Array.from(z);
  lie.set([0, 0, 0, 0x7f], lie.length - 4); // ISIZE ≈ 2 GB from a ~30-byte stream
  assert.throws(() => gunzipChecked(lie), (e: unknown) => e instanceof FormatError && /claims 2130706432/.test(e.message));
  const small = Uint8Array.from(z);
  small.set([10, 0, 0, 0], small.length - 4); // claims 10 bytes, inflates to 1000
  assert.throws(() => gunzipChecked(small), (e: unknown) => e instanceof FormatError && /more than/.test(e.message));
  const corrupt = Uint8Array.from(z);
  corrupt.fill(0xff, 10, 20);
  assert.throws(() => gunzipChecked(corrupt), FormatError);
  assert.throws(() => gunzipChecked(z.subarray(0, 10)), /truncated gzip/);
});

test("Debian's Fashion-MNIST test labels parse to 10,000 labels, 1,000 per class", { skip: !existsSync("/usr/share/datasets/fashion-mnist") && "dataset-fashion-mnist not installed" }, () => {
  const r = parseIdx(new Uint8Array(readFileSync("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")));
  assert.deepEqual(r.dims, [10000]);
  const counts = new Array(10).fill(0);
  for (const l of r.data) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
});
