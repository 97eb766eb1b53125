// Byte-level helpers shared by the weight-file parsers: typed errors naming the file, half/bfloat16 decoding, little-endian reads.
import { FormatError } from "../errors.js";

/** Options every loader takes. `name` (a file name) goes into error messages. */
export interface LoadOptions {
  /** The file's name, for messages. */
  name?: string;
}

/** A FormatError whose message starts with the file name when one is known: "model.pth: …". */
export function formatError(name: string | undefined, problem: string): FormatError {
  return new FormatError(name ? `${name}: ${problem}` : problem);
}

/** Run `fn`; anything it throws that is not already one of our FormatErrors becomes one (a library's RangeError on
 *  a corrupt buffer, for instance), so a hostile file can only ever produce our typed error. */
export function guard<T>(name: string | undefined, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw formatError(name, `${what}: ${msg}`);
  }
}

/** IEEE half → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal: frac/1024 · 2^-14
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** bfloat16 bits → number (the top half of a float32). */
export function bf16ToFloat(b: number): number {
  u32Scratch[0] = b << 16;
  return f32Scratch[0]!;
}

/** Element types a weight file can hold, with their sizes in bytes. */
export type StoredType = "f64" | "f32" | "f16" | "bf16" | "i64" | "i32" | "i16" | "i8" | "u8" | "bool";
export const STORED_SIZE: Record<StoredType, number> = { f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u8: 1, bool: 1 };

/** Decode `count` little-endian elements of `type` starting at `bytes[offset]` into float32 (integers convert exactly
 *  up to 2^24; larger ones round, which is harmless for the counters and indices a state dict holds), into `out` when
 *  given (its first `count` elements). */
export function decodeElements(bytes: Uint8Array, offset: number, count: number, type: StoredType, out: Float32Array = new Float32Array(count)): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * STORED_SIZE[type]);
  switch (type) {
    case "f32":
      if ((bytes.byteOffset + offset) % 4 === 0 && LITTLE_ENDIAN) out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case "f64": for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true); break;
    case "f16": for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
    case "bf16": for (let i = 0; i < count; i++) out[i] = bf16ToFloat(view.getUint16(i * 2, true)); break;
    case "i64": for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
    case "i32": for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true); break;
    case "i16": for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true); break;
    case "i8": for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
    case "u8": for (let i = 0; i < count; i++) out[i] = view.getUint8(i); break;
    case "bool": for (let i = 0; i < count; i++) out[i] = view.getUint8(i) ? 1 : 0; break;
  }
  return out;
}

/** The element of `type` at byte `at` of `view`, as decodeElements converts it. */
export function readElement(view: DataView, at: number, type: StoredType): number {
  switch (type) {
    case "f32": return view.getFloat32(at, true);
    case "f64": return view.getFloat64(at, true);
    case "f16": return halfToFloat(view.getUint16(at, true));
    case "bf16": return bf16ToFloat(view.getUint16(at, true));
    case "i64": return Number(view.getBigInt64(at, true));
    case "i32": return view.getInt32(at, true);
    case "i16": return view.getInt16(at, true);
    case "i8": return view.getInt8(at);
    case "u8": return view.getUint8(at);
    case "bool": return view.getUint8(at) ? 1 : 0;
  }
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The product of `dims`, refusing anything that is not a non-negative safe integer (or a product beyond `limit`). */
export function checkedCount(name: string | undefined, what: string, dims: readonly unknown[], limit = Number.MAX_SAFE_INTEGER): number {
  dims.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw formatError(name, `${what}: dim ${i} is ${JSON.stringify(d)}, not a non-negative integer`);
    }
  });
  if (dims.includes(0)) return 0;
  let n = 1;
  for (const d of dims as number[]) {
    n *= d;
    if (n > limit) throw formatError(name, `${what}: shape [${dims.join(",")}] has more elements than the file can hold`);
  }
  return n;
}
