// Builds hostile torch.save archives at test time (nothing binary is committed): a pickle that shares one list through
// its memo at every level ("billion laughs"), one that refers to itself, a deflate bomb whose tensor views one element of
// a 256 MiB storage, and archives whose member names escape the archive. Run it directly to write them to a folder
// (for measuring the loaders in a fresh process): `node --import tsx test/io/hostile-pth.ts OUT_DIR`.
import * as zlib from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** zlib's CRC-32 where Node has it (≥ 20.15), else 0: convkit never checks CRCs, torch.load does. */
const crc32: (data: Uint8Array, value?: number) => number = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32 ?? (() => 0);

/** A pickle (protocol 2) written opcode by opcode, with the few constructs torch.save emits. */
export class PickleWriter {
  private readonly out: number[] = [0x80, 2];
  private readonly enc = new TextEncoder();

  op(...codes: number[]): this {
    this.out.push(...codes);
    return this;
  }
  u32(v: number): this {
    return this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }
  str(s: string): this {
    const b = this.enc.encode(s);
    return this.op(0x58).u32(b.length).op(...b); // BINUNICODE
  }
  int(v: number): this {
    return this.op(0x4a).u32(v >>> 0); // BININT
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...this.enc.encode(`${module}\n${name}\n`)); // GLOBAL
  }
  put(i: number): this {
    return this.op(0x72).u32(i); // LONG_BINPUT
  }
  get(i: number): this {
    return this.op(0x6a).u32(i); // LONG_BINGET
  }
  ints(vals: readonly number[]): this {
    this.op(0x28); // MARK
    vals.forEach((v) => this.int(v));
    return this.op(0x74); // TUPLE
  }
  /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) on a FloatStorage. */
  tensor(key: string, storageNumel: number, offset: number, size: readonly number[], stride: readonly number[]): this {
    this.global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    this.op(0x28).str("storage").global("torch", "FloatStorage").str(key).str("cpu").int(storageNumel).op(0x74, 0x51); // pid, BINPERSID
    this.int(offset).ints(size).ints(stride).op(0x89); // requires_grad=False
    return this.global("collections", "OrderedDict").op(0x29, 0x52, 0x74, 0x52); // OrderedDict(), TUPLE, REDUCE
  }
  bytes(): Uint8Array {
    return new Uint8Array([...this.out, 0x2e]); // STOP
  }
}

/** A zip member: stored bytes, or a raw deflate stream with its inflated size and CRC. */
export type Member = { name: string; data: Uint8Array } | { name: string; deflated: Uint8Array; size: number; crc: number };

/** A zip archive (no data descriptors) written by hand, so that members can be pre-compressed and their names anything
 *  at all. With `zip64`, every size, offset and count the format allows is saturated (0xffff…) in the 32-bit records
 *  and given in zip64 extra fields and a zip64 end record instead, as writers do past 4 GiB. */
export function writeZip(members: readonly Member[], zip64 = false): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0;
  for (const m of members) {
    const name = enc.encode(m.name);
    const stored = "data" in m;
    const body = stored ? m.data : m.deflated;
    const size = stored ? m.data.length : m.size;
    const crc = stored ? crc32(m.data) : m.crc;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, stored ? 0 : 8, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length + (zip64 ? 28 : 0));
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, stored ? 0 : 8, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, zip64 ? 0xffffffff : body.length, true);
    cv.setUint32(24, zip64 ? 0xffffffff : size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, zip64 ? 0xffffffff : at, true);
    cd.set(name, 46);
    if (zip64) {
      // Extra field 1: the original size, the compressed size, the local header's offset (the order APPNOTE fixes).
      cv.setUint16(30, 28, true);
      cv.setUint16(46 + name.length, 1, true);
      cv.setUint16(48 + name.length, 24, true);
      [size, body.length, at].forEach((v, i) => cv.setBigUint64(50 + name.length + 8 * i, BigInt(v), true));
    }
    parts.push(local, body);
    central.push(cd);
    at += local.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, zip64 ? 0xffff : members.length, true);
  ev.setUint16(10, zip64 ? 0xffff : members.length, true);
  ev.setUint32(12, zip64 ? 0xffffffff : cdSize, true);
  ev.setUint32(16, zip64 ? 0xffffffff : at, true);
  if (zip64) {
    // The zip64 end record (56 bytes) and its locator (20 bytes) go between the central directory and the end record.
    const z = new Uint8Array(76);
    const zv = new DataView(z.buffer);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setUint16(12, 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(members.length), true);
    zv.setBigUint64(32, BigInt(members.length), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(at), true);
    zv.setUint32(56, 0x07064b50, true);
    zv.setBigUint64(64, BigInt(at + cdSize), true);
    zv.setUint32(72, 1, true);
    central.push(z);
  }
  const out = new Uint8Array(at + central.reduce((s, c) => s + c.length, 0) + 22);
  let p = 0;
  for (const b of [...parts, ...central, eocd]) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** A torch.save archive named "archive": its pickle, its storage members (archive/data/…), and the version record
 *  torch.load looks for. */
export function torchArchive(pkl: Uint8Array, ...members: Member[]): Uint8Array {
  return writeZip([{ name: "archive/data.pkl", data: pkl }, ...members, { name: "archive/version", data: new TextEncoder().encode("3\n") }]);
}

/** The same archive as torchArchive, every field zip64. */
export function torchArchive64(pkl: Uint8Array, ...members: Member[]): Uint8Array {
  return writeZip([{ name: "archive/data.pkl", data: pkl }, ...members, { name: "archive/version", data: new TextEncoder().encode("3\n") }], true);
}

/** A float32 storage's bytes holding 0, 1, 2, … */
export function iota(n: number): Uint8Array {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => i).buffer);
}

/** {"state_dict": {"w": tensor([0, 1])}, "laughs": L[levels]} where L[0] = [w] and L[k] = [L[k-1], L[k-1]]: 2^levels
 *  paths through a pickle of a few hundred bytes (each level is one list and two memo references). */
export function billionLaughs(levels: number): Uint8Array {
  const p = new PickleWriter().op(0x7d).str("state_dict").op(0x7d).str("w").tensor("0", 2, 0, [2], [1]).put(0);
  p.op(0x73, 0x73); // SETITEM w, SETITEM state_dict
  p.str("laughs").op(0x5d).get(0).op(0x61).put(1); // L[0] = [w]
  for (let k = 2; k <= levels + 1; k++) p.op(0x30, 0x5d, 0x28).get(k - 1).get(k - 1).op(0x65).put(k); // POP, [L, L]
  p.op(0x73); // SETITEM laughs
  return torchArchive(p.bytes(), { name: "archive/data/0", data: iota(2) });
}

/** {"state_dict": {"w": …}, "loop": L} where L = [L, L]: a cycle that doubles at every turn. */
export function selfCycle(): Uint8Array {
  const p = new PickleWriter().op(0x7d).str("state_dict").op(0x7d).str("w").tensor("0", 2, 0, [2], [1]).op(0x73, 0x73);
  p.str("loop").op(0x5d).put(0).op(0x28).get(0).get(0).op(0x65, 0x73); // L = []; L.extend([L, L])
  return torchArchive(p.bytes(), { name: "archive/data/0", data: iota(2) });
}

/** A ~265 KB archive whose deflated storage inflates to `mib` MiB of zeros (about 1000:1, what deflate allows) while
 *  its one tensor, {"w": [1]}, views the single element at `offset`. Each MiB is the same independently deflated chunk
 *  ending in a sync flush, so the stream is their concatenation plus an empty final block. */
export function zipBomb(offset: number, mib = 256): Uint8Array {
  const zeros = new Uint8Array(1 << 20);
  const chunk = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const deflated = new Uint8Array(chunk.length * mib + 2);
  let crc = 0;
  for (let i = 0; i < mib; i++) {
    deflated.set(chunk, i * chunk.length);
    crc = crc32(zeros, crc);
  }
  deflated.set([0x03, 0x00], chunk.length * mib); // a final, empty fixed-Huffman block
  const numel = (mib << 20) / 4;
  const pkl = new PickleWriter().op(0x7d).str("w").tensor("0", numel, offset, [1], [1]).op(0x73).bytes();
  return torchArchive(pkl, { name: "archive/data/0", deflated, size: mib << 20, crc });
}

/** A valid one-tensor archive with one more member, named `member`, to check the member-name rules. */
export function namedMember(member: string): Uint8Array {
  const pkl = new PickleWriter().op(0x7d).str("w").tensor("0", 2, 0, [2], [1]).op(0x73).bytes();
  return torchArchive(pkl, { name: "archive/data/0", data: iota(2) }, { name: member, data: iota(2) });
}

// Run directly: write the files into the folder given.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? "hostile-pth";
  mkdirSync(dir, { recursive: true });
  for (const n of [18, 20, 22, 24, 30]) writeFileSync(join(dir, `laughs${n}.pth`), billionLaughs(n));
  writeFileSync(join(dir, "cycle.pth"), selfCycle());
  writeFileSync(join(dir, "bomb_first.pth"), zipBomb(0));
  writeFileSync(join(dir, "bomb_last.pth"), zipBomb((256 << 20) / 4 - 1));
  writeFileSync(join(dir, "dotdot.pth"), namedMember("archive/../../etc/passwd"));
  console.log(`wrote hostile .pth files to ${dir}`);
}
