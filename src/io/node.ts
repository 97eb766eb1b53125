// Node-only file helpers for the weight formats: read a file with a size limit (so a huge or special file cannot
// exhaust memory), write atomically (temp file in the same directory, fsync, rename), and load weights by extension.
import { closeSync, fsyncSync, openSync, readSync, renameSync, fstatSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { FormatError, ValueError } from "../errors.js";
import { loadSafetensors } from "./safetensors.js";
import { loadPth, type PthOptions } from "./pth.js";
import { loadOnnx, type OnnxImportOptions, type OnnxModel } from "./onnx-import.js";
import type { StateDict } from "./state-dict.js";

/** Default read limit: 4 GiB. */
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;

/** Read a whole regular file, refusing files over `maxBytes` before reading them. */
export function readFileLimited(path: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FormatError(`${path}: not a regular file`);
    if (st.size > maxBytes) throw new FormatError(`${path}: ${st.size} bytes exceeds the ${maxBytes}-byte limit`);
    const out = new Uint8Array(st.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, at);
      if (n === 0) throw new FormatError(`${path}: the file shrank while being read`);
      at += n;
    }
    return out;
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
