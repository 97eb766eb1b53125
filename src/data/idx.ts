// The IDX format of MNIST and Fashion-MNIST (LeCun's, http://yann.lecun.com/exdb/mnist/), raw or gzip-compressed,
// parsed with strict validation: a hostile header can neither make us allocate more than the file justifies nor read past it.
import { gunzipSync } from "fflate";
import { FormatError } from "../errors.js";

/** A parsed IDX file: its dims (e.g. [60000, 28, 28]) and the unsigned bytes in row-major order. */
export interface IdxArray {
  /** Size of each dimension. */
  dims: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

/** The largest decompressed size we accept (1 GiB): the full MNIST training images are 47 MB. */
export const MAX_IDX_BYTES = 1 << 30;
/** DEFLATE cannot compress better than about 1032:1, so a larger claimed size is a lie. */
export const MAX_DEFLATE_RATIO = 1032;

/** True when `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress a gzip stream after checking that its claimed size (the ISIZE trailer) is plausible. */
export function gunzipChecked(bytes: Uint8Array, name = "input"): Uint8Array {
  if (bytes.length < 18) throw new FormatError(`${name}: truncated gzip stream (${bytes.length} bytes)`);
  const n = bytes.length;
  // ISIZE: the uncompressed length mod 2^32, little-endian, in the last 4 bytes.
  const claimed = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0;
  if (claimed > MAX_IDX_BYTES || claimed > n * MAX_DEFLATE_RATIO) {
    throw new FormatError(`${name}: gzip trailer claims ${claimed} uncompressed bytes, more than ${n} compressed bytes can hold (or above the ${MAX_IDX_BYTES}-byte limit)`);
  }
  // One spare byte: if the stream inflates past its claimed size, it fills the spare and we notice.
  const out = new Uint8Array(claimed + 1);
  let result: Uint8Array;
  try {
    result = gunzipSync(bytes, { out });
  } catch (e) {
    throw new FormatError(`${name}: corrupt gzip stream (${(e as Error).message})`);
  }
  if (result.length !== claimed) {
    throw new FormatError(`${name}: gzip stream inflates to ${result.length >= claimed + 1 ? "more than" : result.length} bytes but its trailer says ${claimed}`);
  }
  return result.subarray(0, claimed);
}

/**
 * Parse an IDX file (gzip-compressed or raw). Header: two zero bytes, a type byte (0x08 = unsigned byte, the only
 * type MNIST-family files use), the number of dims, then each dim as a big-endian uint32; the data follows and must
 * fill exactly the product of the dims × 1 byte, at most MAX_IDX_BYTES. The data is a view of `input` (or of its
 * decompression): nothing is allocated from the header's numbers.
 */
export function parseIdx(input: Uint8Array, name = "input"): IdxArray {
  const bytes = isGzip(input) ? gunzipChecked(input, name) : input;
  if (bytes.length < 4) throw new FormatError(`${name}: not an IDX file (${bytes.length} bytes, the header alone needs 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`${name}: not an IDX file (magic starts ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 00 00)`);
  }
  const type = bytes[2]!;
  if (type !== 0x08) throw new FormatError(`${name}: IDX element type ${hex(type)} is not supported (only 0x08, unsigned byte)`);
  const ndims = bytes[3]!;
  if (ndims < 1 || ndims > 4) throw new FormatError(`${name}: IDX file has ${ndims} dims (expected 1 to 4)`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new FormatError(`${name}: truncated IDX header (${bytes.length} bytes, ${ndims} dims need ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // exact in float64 up to 2^53; compared with the file size below before anything is allocated
  }
  if (count > MAX_IDX_BYTES) throw new FormatError(`${name}: IDX dims [${dims.join(",")}] declare ${count} bytes of data, over the ${MAX_IDX_BYTES}-byte limit`);
  const available = bytes.length - headerBytes;
  if (count !== available) {
    throw new FormatError(`${name}: IDX dims [${dims.join(",")}] need ${count} bytes of data but the file holds ${available}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Encode an IDX unsigned-byte file (for tests and for writing small datasets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new FormatError(`encodeIdx: dims [${dims.join(",")}] need ${count} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}
