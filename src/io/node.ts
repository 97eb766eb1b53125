// Node-only file helpers for the weight formats: read a file with a size limit (so a huge or special file cannot
// exhaust memory), write atomically (temp file in the same directory, fsync, rename), and load weights by extension.
import { closeSync, constants, fsyncSync, openSync, readSync, renameSync, fstatSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { FormatError, ValueError } from "../errors.js";
import { loadSafetensors } from "./safetensors.js";
import { loadPth, type PthOptions } from "./pth.js";
import { loadOnnx, type OnnxImportOptions, type OnnxModel } from "./onnx-import.js";
import type { StateDict } from "./state-dict.js";

/** Default read limit: 4 GiB. */
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;
/** Bytes asked of the OS per read call. */
const READ_CHUNK = 16 * 2 ** 20;

/** What a non-regular file is, for the error that refuses it. */
function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** Read a whole regular file, never more than `maxBytes` of it. The path is opened without blocking (a FIFO would
 *  otherwise wait for a writer), and anything but a regular file (a directory, a FIFO, a device such as /dev/zero,
 *  also through a symlink) is refused before a byte is read; so is a file whose size is over the limit. The read goes
 *  through the descriptor in bounded chunks up to end of file, so a file that grows while being read, or that is
 *  larger than its size says (/proc files say 0), is refused as soon as it passes the limit. Errors are FormatErrors
 *  that name the path. */
export function readFileLimited(path: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FormatError(`${path}: ${fileKind(st)}, not a regular file`);
    if (st.size > maxBytes) throw new FormatError(`${path}: ${st.size} bytes exceeds the ${maxBytes}-byte limit`);
    let out = new Uint8Array(st.size);
    let at = 0;
    const probe = new Uint8Array(1);
    for (;;) {
      if (at === out.length) {
        // Full at the size fstat gave: one more byte says whether the file has grown since.
        if (readSync(fd, probe, 0, 1, null) === 0) break;
        if (at + 1 > maxBytes) throw new FormatError(`${path}: grew past the ${maxBytes}-byte limit while being read`);
        const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * out.length, 65536)));
        grown.set(out);
        grown[at++] = probe[0]!;
        out = grown;
        continue;
      }
      const n = readSync(fd, out, at, Math.min(READ_CHUNK, out.length - at), null);
      if (n === 0) break;
      at += n;
    }
    return at === out.length ? out : out.slice(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Write `bytes` to `path` atomically: a temp file in the same directory, fsync'd, then renamed over the target, so
 *  readers see the old file or the new one, never half of one. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const fd = openSync(tmp, "wx");
  try {
    let at = 0;
    while (at < data.length) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  // make the rename itself durable where the platform allows fsync on a directory
  try {
    const dfd = openSync(dirname(path) || ".", "r");
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    /* not supported here (e.g. Windows); the data itself is synced */
  }
}

/** Load a state dict from a .safetensors, .pth or .pt file (by extension). */
export function loadStateDictFile(path: string, opts: PthOptions & { maxBytes?: number } = {}): StateDict {
  const bytes = readFileLimited(path, opts.maxBytes);
  const name = opts.name ?? path;
  if (/\.safetensors$/i.test(path)) return loadSafetensors(bytes, { name }).tensors;
  if (/\.(pth|pt|bin|ckpt)$/i.test(path)) return loadPth(bytes, { ...opts, name });
  throw new ValueError(`${path}: unknown weights format (expected .safetensors, .pth or .pt)`);
}

/** Load an .onnx file as a runnable module. */
export function loadOnnxFile(path: string, opts: OnnxImportOptions & { maxBytes?: number } = {}): OnnxModel {
  return loadOnnx(readFileLimited(path, opts.maxBytes), { ...opts, name: opts.name ?? path });
}
