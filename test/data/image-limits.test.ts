// Hostile images and IDX files (made here, never committed): declared sizes above the pixel limit, or more than the
// data can hold, are refused from the header before anything is decoded; truncated files give one FormatError line
// naming the file; every read goes through the size-limited reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError, ValueError } from "../../src/index.js";
import { encodeIdx, parseIdx, MAX_IDX_BYTES } from "../../src/data/idx.js";
import { ImageFolder, MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS, MAX_JPEG_SCANS, decodeImage, loadIdxPair, readImage } from "../../src/data/node.js";
import { adam7Bytes, interlacedBomb, jpegClaiming, pngBomb, pngFile, progressiveScanBomb, smallJpeg, smallPng } from "./hostile.js";

const tmp = mkdtempSync(join(tmpdir(), "image-limits-"));
const formatError = (re: RegExp) => (e: unknown): boolean => e instanceof FormatError && re.test(e.message) && !e.message.includes("\n");

/** Run `f`, returning how much the resident set grew (MB) and how long it took (ms). */
function cost(f: () => void): { mb: number; ms: number } {
  const rss0 = process.memoryUsage().rss, t0 = performance.now();
  f();
  return { mb: (process.memoryUsage().rss - rss0) / 2 ** 20, ms: performance.now() - t0 };
}

test("the 97 KB PNG declaring 10000×10000 pixels is refused from its header, by decodeImage and readImage", () => {
  const bomb = pngBomb();
  assert.ok(bomb.length < 100_000);
  const path = join(tmp, "bomb.png");
  writeFileSync(path, bomb);
  const c = cost(() => {
    assert.throws(() => decodeImage(bomb, "bomb.png"), formatError(/^bomb\.png: PNG claims 10000×10000 pixels, over the limit of 25000000 \(pass maxPixels to raise it\)$/));
    assert.throws(() => readImage(path), formatError(/bomb\.png: PNG claims 10000×10000 pixels/));
  });
  // decoding it took 5 s and 550 MB more RSS (issue 11)
  assert.ok(c.ms < 200 && c.mb < 50, JSON.stringify(c));
});

test("the pixel limit: a module-level default, an option of decodeImage, readImage and ImageFolder", () => {
  assert.equal(MAX_IMAGE_PIXELS, 25_000_000);
  // a header is all it takes: the data is never looked at
  assert.throws(() => decodeImage(pngFile(5001, 5000, { raw: new Uint8Array(10) }), "just-over.png"), formatError(/just-over\.png: PNG claims 5001×5000 pixels, over the limit of 25000000/));
  const small = pngFile(300, 200);
  assert.throws(() => decodeImage(small, "s.png", { maxPixels: 59_999 }), formatError(/claims 300×200 pixels, over the limit of 59999/));
  assert.equal(decodeImage(small, "s.png", { maxPixels: 60_000 }).width, 300);
  const jpg = smallJpeg(16, 12);
  assert.throws(() => decodeImage(jpg, "s.jpg", { maxPixels: 191 }), formatError(/s\.jpg: JPEG claims 16×12 pixels, over the limit of 191/));
  assert.equal(decodeImage(jpg, "s.jpg", { maxPixels: 192 }).height, 12);
  const path = join(tmp, "s.png");
  writeFileSync(path, small);
  assert.throws(() => readImage(path, { maxPixels: 1000 }), formatError(/s\.png: PNG claims 300×200/));
  const root = join(tmp, "folder");
  mkdirSync(join(root, "a"), { recursive: true });
  writeFileSync(join(root, "a", "x.png"), small);
  assert.throws(() => new ImageFolder(root, { maxPixels: 1000 }).get(0), formatError(/x\.png: PNG claims 300×200/));
  assert.deepEqual(new ImageFolder(root, { channels: 1 }).get(0).image.shape, [1, 200, 300]);
  assert.throws(() => decodeImage(small, "s.png", { maxPixels: NaN }), ValueError);
  assert.throws(() => decodeImage(pngFile(0, 5), "empty.png"), formatError(/empty\.png: PNG declares an empty 0×5 image/));
});

test("PNG: image data that cannot inflate to the declared size, or inflates past it, is refused before decoding", () => {
  // 17 bytes of IDAT for 5000×5000 RGBA: pngjs decoded it as a blank 100 MB image
  const empty = pngFile(5000, 5000, { colorType: 6, raw: new Uint8Array(1000) });
  const c1 = cost(() => assert.throws(() => decodeImage(empty, "e.png"), formatError(/e\.png: PNG is truncated or corrupt: \d+ bytes of image data cannot hold 5000×5000 pixels/)));
  assert.ok(c1.mb < 50, JSON.stringify(c1));
  // interlaced images: pngjs inflates them without a bound; 1×1 pixel, 100 MB of data
  const bomb = interlacedBomb(100e6);
  const c2 = cost(() => assert.throws(() => decodeImage(bomb, "i.png"), formatError(/i\.png: PNG is truncated or corrupt: its image data inflates past the 1×1 pixels it declares/)));
  assert.ok(c2.mb < 50, JSON.stringify(c2));
  // an honest interlaced image still decodes
  const honest = decodeImage(pngFile(13, 7, { colorType: 2, interlace: true, raw: new Uint8Array(adam7Bytes(13, 7, 3)) }), "ok.png");
  assert.deepEqual([honest.width, honest.height, honest.data[3]], [13, 7, 255]);
});

test("a truncated PNG, cut anywhere, is one FormatError line naming the file", () => {
  const png = smallPng(9, 6);
  for (let n = 8; n < png.length; n++) {
    assert.throws(() => decodeImage(png.subarray(0, n), "cut.png"), formatError(/^cut\.png: PNG is truncated or corrupt: /), `cut at ${n}`);
  }
  assert.throws(() => decodeImage(png.subarray(0, 60), "cut.png"), formatError(/^cut\.png: PNG is truncated or corrupt: its "IDAT" chunk at byte 33 declares \d+ bytes, past the end of the file \(60 bytes\)$/));
  assert.throws(() => decodeImage(png.subarray(0, png.length - 12), "cut.png"), formatError(/the file ends at byte \d+, before its IEND chunk$/));
  const crc = png.slice();
  crc[45]! ^= 1; // inside the IDAT data (pngjs said "unrecognised content at end of stream")
  assert.throws(() => decodeImage(crc, "crc.png"), formatError(/^crc\.png: PNG is truncated or corrupt: its "IDAT" chunk at byte 33 fails its CRC check$/));
  // bytes after IEND, which some writers append, are ignored (pngjs refused them)
  assert.equal(decodeImage(Uint8Array.from([...png, 1, 2, 3]), "tail.png").width, 9);
});

test("JPEG: frames above the limit, or larger than the file could code, are refused before jpeg-js allocates them", () => {
  const jpg = smallJpeg();
  assert.throws(() => decodeImage(jpegClaiming(jpg, 6000, 5000), "big.jpg"), formatError(/^big\.jpg: JPEG claims 6000×5000 pixels, over the limit of 25000000/));
  // 1 KB claiming 25 MP: jpeg-js allocated 700 MB for it
  const liar = jpegClaiming(jpg, 5000, 5000);
  const c = cost(() => assert.throws(() => decodeImage(liar, "liar.jpg"), formatError(/^liar\.jpg: JPEG is truncated or corrupt: \d+ bytes cannot hold the 5000×5000 pixels its frame declares$/)));
  assert.ok(c.mb < 50 && c.ms < 200, JSON.stringify(c));
  for (const n of [3, 20, 200, jpg.length - 2]) {
    try {
      decodeImage(jpg.subarray(0, n), "cut.jpg"); // jpeg-js decodes some truncated files (the rest gray)
    } catch (e) {
      assert.ok(formatError(/^cut\.jpg: JPEG is truncated or corrupt: /)(e), String(e));
    }
  }
});

test("JPEG: more scans than MAX_JPEG_SCANS are refused (each one walks the whole frame)", () => {
  const ok = decodeImage(progressiveScanBomb(64, 48, 5), "prog.jpg");
  assert.deepEqual([ok.width, ok.height, ok.data[0]], [64, 48, 128]);
  assert.ok(decodeImage(progressiveScanBomb(64, 48, MAX_JPEG_SCANS - 1), "prog.jpg").gray);
  // 20,000 scans of a 2000×2000 frame in 290 KB kept jpeg-js busy for 40 s
  const bomb = progressiveScanBomb(2000, 2000, 20_000);
  const c = cost(() => assert.throws(() => decodeImage(bomb, "scans.jpg"), formatError(/^scans\.jpg: JPEG has 20001 scans, more than the 100 we decode/)));
  assert.ok(c.ms < 200, JSON.stringify(c));
});

/** The file at `path` grown to `size` bytes by a hole (no disk used), or a new empty one; reading it allocates `size`. */
function sparse(path: string, size: number): string {
  const fd = openSync(path, "a");
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

test("image and IDX files are read through the size-limited reader", () => {
  const img = sparse(join(tmp, "huge.png"), MAX_IMAGE_FILE_BYTES + 1);
  assert.throws(() => readImage(img), formatError(/huge\.png: 268435457 bytes exceeds the 268435456-byte limit/));
  const small = join(tmp, "small.png");
  writeFileSync(small, smallPng());
  assert.throws(() => readImage(small, { maxBytes: 100 }), formatError(/small\.png: \d+ bytes exceeds the 100-byte limit/));
  const labels = join(tmp, "labels-idx1-ubyte");
  writeFileSync(labels, encodeIdx([1], Uint8Array.of(0)));
  const images = sparse(join(tmp, "huge-idx3-ubyte"), MAX_IDX_BYTES + 1);
  assert.throws(() => loadIdxPair(images, labels), formatError(/huge-idx3-ubyte: 1073741825 bytes exceeds the 1073741824-byte limit/));
});

test("IDX: declared dims over the limit or empty images are refused before any allocation", () => {
  const huge = Uint8Array.of(0, 0, 8, 3, 0, 0x10, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 1, 2, 3); // 2^20 × 4096 × 4096
  assert.throws(() => parseIdx(huge, "huge"), formatError(/^huge: IDX dims \[1048576,4096,4096\] declare 17592186044416 bytes of data, over the 1073741824-byte limit$/));
  const labels = join(tmp, "l-idx1-ubyte");
  writeFileSync(labels, encodeIdx([1], Uint8Array.of(0)));
  const empty = join(tmp, "empty-idx3-ubyte");
  writeFileSync(empty, encodeIdx([1, 0, 28], new Uint8Array(0)));
  assert.throws(() => loadIdxPair(empty, labels), formatError(/empty-idx3-ubyte: IDX file declares an empty 28×0 image/));
  const big = join(tmp, "big-idx3-ubyte");
  writeFileSync(big, Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0x13, 0x89, 0, 0, 0x13, 0x88)); // [1, 5001, 5000]
  sparse(big, 16 + 5001 * 5000); // the zeros the header needs, without writing them
  assert.throws(() => loadIdxPair(big, labels), formatError(/big-idx3-ubyte: IDX file claims 5000×5001 pixels, over the limit of 25000000/));
});
