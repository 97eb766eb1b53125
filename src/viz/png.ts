// A minimal PNG encoder (8-bit RGBA, no filtering, zlib through fflate), browser-safe: the pixel cells of a Figure are
// embedded in its SVG as PNG data URIs, and viz/node.ts writes a Canvas with it. Format: https://www.w3.org/TR/png/
import { zlibSync } from "fflate";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Encode `rgba` (width·height·4 bytes, rows top to bottom) as a PNG file. */
export function encodeRgbaPng(width: number, height: number, rgba: ArrayLike<number>): Uint8Array {
  // each row is preceded by its filter type, 0 (none): the cells are small and the zlib pass does the rest
  const raw = new Uint8Array(height * (width * 4 + 1));
  const src = rgba instanceof Uint8Array || rgba instanceof Uint8ClampedArray ? rgba : Uint8Array.from(rgba);
  for (let y = 0; y < height; y++) raw.set(src.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const idat = zlibSync(raw, { level: 6 });
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits per sample, RGBA, deflate, adaptive filtering, no interlace
  const chunks: [string, Uint8Array][] = [["IHDR", ihdr], ["IDAT", idat], ["IEND", new Uint8Array(0)]];
  const out = new Uint8Array(8 + chunks.reduce((a, [, d]) => a + 12 + d.length, 0));
  out.set([137, 80, 78, 71, 13, 10, 26, 10]);
  const v = new DataView(out.buffer);
  let p = 8;
  for (const [type, data] of chunks) {
    v.setUint32(p, data.length);
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i);
    out.set(data, p + 8);
    v.setUint32(p + 8 + data.length, crc32(out, p + 4, p + 8 + data.length));
    p += 12 + data.length;
  }
  return out;
}

/** A PNG as a `data:` URI, for an SVG <image>. */
export function pngDataUri(png: Uint8Array): string {
  let s = "";
  for (let i = 0; i < png.length; i += 0x8000) s += String.fromCharCode(...png.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(s)}`;
}
