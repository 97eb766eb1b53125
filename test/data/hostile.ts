// Hostile and broken image files, made at test time (never committed): PNG and JPEG headers that declare far more
// pixels than the file holds, an interlaced PNG whose data inflates past its declared size, and truncations.
import { deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of PNG chunks (type and data). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};

/**
 * A valid PNG with CRCs, declaring `width`×`height` pixels of 8-bit `colorType` (0 gray, 2 RGB, 6 RGBA), whose IDAT
 * inflates to `raw` (by default the right number of all-zero rows, which deflate about 1000:1).
 */
export function pngFile(width: number, height: number, opts: { colorType?: 0 | 2 | 6; interlace?: boolean; raw?: Uint8Array } = {}): Uint8Array {
  const colorType = opts.colorType ?? 0;
  const channels = { 0: 1, 2: 3, 6: 4 }[colorType];
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, opts.interlace ? 1 : 0], 8);
  const raw = opts.raw ?? new Uint8Array(height * (1 + width * channels)); // filter byte 0 and zero pixels on each row
  return concat([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", new Uint8Array(deflateSync(raw, { level: 9 }))), chunk("IEND", new Uint8Array(0))]);
}

/** The inflated size of an all-zero interlaced 8-bit image: Adam7's 7 passes, each row a filter byte and its pixels. */
export function adam7Bytes(width: number, height: number, channels: number): number {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let n = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0!) / dx!), h = Math.ceil((height - y0!) / dy!);
    if (w > 0 && h > 0) n += h * (1 + w * channels);
  }
  return n;
}

/** The PNG that the issue measured: 10000×10000 gray pixels in about 97 KB. */
export const pngBomb = (): Uint8Array => pngFile(10000, 10000);

/** A 1×1 interlaced PNG whose image data inflates to `inflated` bytes: pngjs inflates interlaced data without a bound. */
export const interlacedBomb = (inflated: number): Uint8Array => pngFile(1, 1, { interlace: true, raw: new Uint8Array(inflated) });

/** A small ordinary RGBA PNG with some structure (for mutation). */
export function smallPng(w = 7, h = 5): Uint8Array {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h * 4; i++) p.data[i] = (i * 37) & 0xff;
  const b = PNG.sync.write(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A small baseline JPEG (for mutation). */
export function smallJpeg(w = 16, h = 12): Uint8Array {
  const data = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 53) & 0xff);
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 90).data);
}

/** `jpegBytes` with its (first) SOF frame size replaced by `width`×`height`: the header lies, the data stays small. */
export function jpegClaiming(jpegBytes: Uint8Array, width: number, height: number): Uint8Array {
  const b = jpegBytes.slice();
  for (let at = 2; at + 9 <= b.length; ) {
    const marker = b[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      const view = new DataView(b.buffer);
      view.setUint16(at + 5, height);
      view.setUint16(at + 7, width);
      return b;
    }
    at += 2 + ((b[at + 2]! << 8) | b[at + 3]!);
  }
  throw new Error("jpegClaiming: no SOF0-2 marker");
}

/** Bits into bytes, MSB first, with JPEG's byte stuffing (0xff is followed by 0x00) and 1-padding at the end. */
class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, bits: number): this {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
    return this;
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = this.n = 0;
  }
  done(): number[] {
    if (this.n > 0) this.put((1 << (8 - this.n)) - 1, 8 - this.n);
    return this.bytes;
  }
}

/**
 * A grayscale progressive JPEG of `width`×`height` whose DC scan spends one bit a block (the least a JPEG can) and
 * then `acScans` spectral scans of a few bytes each, every one an end-of-band run over the whole frame: a decoder
 * visits every block once per scan, so the work grows with scans × pixels while the file stays small.
 */
export function progressiveScanBomb(width: number, height: number, acScans: number): Uint8Array {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const out: number[] = [0xff, 0xd8];
  out.push(...seg(0xdb, [0, ...new Array(64).fill(1)])); // DQT: table 0, all ones
  out.push(...seg(0xc2, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0])); // SOF2: 1 component
  // one-symbol Huffman tables, code "0": DC category 0; AC symbol 0xe0 = an end-of-band run of 2^14 + 14 more bits
  out.push(...seg(0xc4, [0x00, 1, ...new Array(15).fill(0), 0x00]));
  out.push(...seg(0xc4, [0x10, 1, ...new Array(15).fill(0), 0xe0]));
  out.push(...seg(0xda, [1, 1, 0x00, 0, 0, 0x00])); // DC first scan: Ss = Se = 0
  const dc = new BitWriter();
  for (let b = 0; b < blocks; b++) dc.put(0, 1);
  out.push(...dc.done());
  for (let s = 0; s < acScans; s++) {
    out.push(...seg(0xda, [1, 1, 0x00, 1, 63, 0x00])); // AC first scan over the whole band 1–63
    const ac = new BitWriter();
    for (let left = blocks; left > 0; left -= 32767) ac.put(0, 1).put(Math.min(left, 32767) - 16384, 14);
    out.push(...ac.done());
  }
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

/** `png` with every chunk's CRC recomputed where the chunk still fits the file: mutations then reach the decoder
 *  instead of stopping at the first CRC check. */
export function fixCrcs(png: Uint8Array): Uint8Array {
  const b = png.slice();
  const view = new DataView(b.buffer);
  for (let at = 8; at + 12 <= b.length; ) {
    const length = view.getUint32(at);
    if (length > b.length - at - 12) break;
    view.setUint32(at + 8 + length, crc32(b.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return b;
}
