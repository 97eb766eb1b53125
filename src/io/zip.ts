// A zip reader for torch.save archives (PKWARE's APPNOTE.TXT: end record, zip64 end record, central directory, local
// headers). The directory is read and checked against the file before anything is inflated; a stored member is a view
// of the file, and a deflated one is inflated only as far as the caller asks, so a small file cannot make us allocate
// what it merely declares. CRCs are not checked: a member read only in part cannot be.
import { Inflate } from "fflate";
import { formatError, guard } from "./bytes.js";

/** One member of a zip archive, located in the file. */
export interface ZipMember {
  name: string;
  /** 0: stored, 8: deflated (anything else is refused when read). */
  method: number;
  /** Where the member's (compressed) bytes start in the file, and how many there are. */
  dataStart: number;
  compressedSize: number;
  /** Its size once inflated, as the central directory declares it. */
  size: number;
}

/** Deflate cannot expand data more than ~1032×; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1100;
/** Compressed bytes fed to the inflater at a time, at most: ~1032× this can come out of one step. */
const INFLATE_STEP = 4096;

/** The members of the zip archive in `bytes` by name. `label` starts every error ("pth: …"); `name` is the file's. Refused:
 *  no end record, counts or offsets the file cannot hold, encrypted members, member data beyond the file, stored
 *  members whose sizes differ, deflate ratios beyond what deflate allows, names used twice, and names that could
 *  escape the archive when extracted (absolute, with a `..` segment, a backslash or a NUL). */
export function readZipDirectory(bytes: Uint8Array, name: string | undefined, label: string): Map<string, ZipMember> {
  const fail = (problem: string): never => {
    throw formatError(name, `${label}: ${problem}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const hi = u32(at + 4);
    if (hi >= 2 ** 21) fail(`a zip64 field at byte ${at} is beyond 2^53`);
    return hi * 2 ** 32 + u32(at);
  };
  if (bytes.length < 22) fail(`the file is ${bytes.length} bytes, too short to be a zip archive`);

  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail("no zip end-of-central-directory record (not a zip archive, or truncated)");
  let count = u16(eocd + 10), cdSize = u32(eocd + 12), cdStart = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdStart === 0xffffffff) {
    // Saturated fields: the real values are in the zip64 end record, which a locator just before the end record points to.
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) fail("the zip end record defers to a zip64 record that is missing");
    const z64 = u64(loc + 8);
    if (z64 + 56 > loc || u32(z64) !== 0x06064b50) fail(`the zip64 end record at byte ${z64} is missing or runs past its locator`);
    count = u64(z64 + 32);
    cdSize = u64(z64 + 40);
    cdStart = u64(z64 + 48);
  }
  if (cdStart + cdSize > bytes.length) fail(`the zip central directory (bytes ${cdStart}..${cdStart + cdSize}) runs past the end of the ${bytes.length}-byte file`);
  if (count * 46 > cdSize) fail(`the zip declares ${count} members in a ${cdSize}-byte central directory (each record needs 46)`);

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const members = new Map<string, ZipMember>();
  let at = cdStart;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdStart + cdSize || u32(at) !== 0x02014b50) fail(`zip central directory record ${i} at byte ${at} is missing or corrupt`);
    const flags = u16(at + 8), method = u16(at + 10);
    let compressedSize = u32(at + 20), size = u32(at + 24), local = u32(at + 42);
    const nameLen = u16(at + 28), extraLen = u16(at + 30), commentLen = u16(at + 32);
    const end = at + 46 + nameLen + extraLen + commentLen;
    if (end > cdStart + cdSize) fail(`zip central directory record ${i} runs past the directory`);
    const member = guard(name, `${label}: zip entry name ${i} is not UTF-8`, () => decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen)));
    // Zip64: sizes and offset that do not fit 32 bits are in extra field 0x0001, in this order, only where saturated.
    for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen; e += 4 + u16(e + 2)) {
      if (u16(e) !== 1) continue;
      let f = e + 4;
      const field = (): number => {
        if (f + 8 > e + 4 + u16(e + 2)) fail(`zip entry ${shown(member)} has a truncated zip64 field`);
        f += 8;
        return u64(f - 8);
      };
      if (size === 0xffffffff) size = field();
      if (compressedSize === 0xffffffff) compressedSize = field();
      if (local === 0xffffffff) local = field();
    }
    const what = `zip entry ${shown(member)}`;
    const why = unsafeName(member);
    if (why) fail(`${what} ${why}, so it could land outside the archive's folder (refusing a file that may be hostile)`);
    if (members.has(member)) fail(`${what} appears twice`);
    if (flags & 1) fail(`${what} is encrypted`);
    if (method === 0 && size !== compressedSize) fail(`stored ${what} declares ${size} bytes but holds ${compressedSize}`);
    if (method === 8 && size > Math.max(compressedSize, 1) * MAX_DEFLATE_RATIO) {
      fail(`${what} declares ${size} bytes from ${compressedSize} compressed (more than deflate can expand)`);
    }
    if (local + 30 > bytes.length || u32(local) !== 0x04034b50) fail(`${what}: no local header at byte ${local}`);
    // The local header's own name and extra lengths (torch pads the extra field to align the data) say where data starts.
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (dataStart + compressedSize > bytes.length) {
      fail(`${what}: its ${compressedSize} bytes at byte ${dataStart} run past the end of the ${bytes.length}-byte file`);
    }
    members.set(member, { name: member, method, dataStart, compressedSize, size });
    at = end;
  }
  return members;
}

/** A member name for a one-line error: as it is when plain, else quoted with its odd characters escaped. */
function shown(n: string): string {
  return /^[\w./-]*$/.test(n) ? n : JSON.stringify(n);
}

/** Why a member name could escape the folder it is extracted to, or "" when it cannot. */
function unsafeName(n: string): string {
  if (n.includes("\0")) return "contains a NUL byte";
  if (n.includes("\\")) return "contains a backslash";
  if (n.startsWith("/") || /^[A-Za-z]:/.test(n)) return "is an absolute path";
  if (n.split("/").includes("..")) return "has a '..' segment";
  return "";
}

/** Bytes [from, to) of the member once inflated (0 ≤ from ≤ to ≤ its declared size). A stored member's bytes are a
 *  view of the file; a deflated member is inflated in steps up to `to` only, keeping just [from, to). */
export function readZipMember(bytes: Uint8Array, m: ZipMember, from: number, to: number, name: string | undefined, label: string): Uint8Array {
  const what = `${label}: zip entry ${shown(m.name)}`;
  if (!(from >= 0 && from <= to && to <= m.size)) throw formatError(name, `${what}: bytes ${from}..${to} are outside its ${m.size}`);
  if (m.method === 0) return bytes.subarray(m.dataStart + from, m.dataStart + to);
  if (m.method !== 8) throw formatError(name, `${what} uses unsupported compression ${m.method}`);
  if (from === to) return new Uint8Array(0);
  const out = new Uint8Array(to - from);
  let produced = 0; // inflated bytes so far
  const inflater = new Inflate((chunk) => {
    const a = Math.max(from - produced, 0), b = Math.min(to - produced, chunk.length);
    if (b > a) out.set(chunk.subarray(a, b), produced + a - from);
    produced += chunk.length;
  });
  const src = bytes.subarray(m.dataStart, m.dataStart + m.compressedSize);
  guard(name, `${what} is corrupt`, () => {
    // Steps no larger than what is still needed could come from (deflate expands at most ~1032×), from 256 bytes up.
    for (let at = 0, step = 0; produced < to && at < src.length; at += step) {
      step = Math.min(INFLATE_STEP, Math.max(256, Math.ceil((to - produced) / 1024)));
      inflater.push(src.subarray(at, at + step), at + step >= src.length);
    }
  });
  if (produced < to) throw formatError(name, `${what} inflates to ${produced} bytes but declares ${m.size}`);
  return out;
}
