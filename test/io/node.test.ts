// The Node file helpers of convkit/node: size-limited reads, atomic writes, loading weights by extension.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError, ValueError, tensor } from "../../src/index.js";
import { readFileLimited, writeFileAtomic, loadStateDictFile, loadOnnxFile } from "../../src/node.js";
import { saveSafetensors } from "../../src/io/safetensors.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "io");

test("readFileLimited reads whole files and refuses larger ones and non-files before reading", () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-io-"));
  try {
    const p = join(dir, "a.bin");
    writeFileSync(p, new Uint8Array([1, 2, 3, 4, 5]));
    assert.deepEqual([...readFileLimited(p)], [1, 2, 3, 4, 5]);
    assert.throws(() => readFileLimited(p, 4), (e: unknown) => e instanceof FormatError && /a\.bin: 5 bytes exceeds the 4-byte limit/.test(e.message));
    mkdirSync(join(dir, "sub"));
    assert.throws(() => readFileLimited(join(dir, "sub")), (e: unknown) => e instanceof FormatError && /not a regular file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("writeFileAtomic replaces the file whole and leaves no temp file behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-io-"));
  try {
    const p = join(dir, "w.safetensors");
    writeFileAtomic(p, "old contents");
    const bytes = saveSafetensors(new Map([["w", tensor([1, 2, 3])]]));
    writeFileAtomic(p, bytes);
    assert.deepEqual(new Uint8Array(readFileSync(p)), bytes);
    assert.deepEqual(readdirSync(dir), ["w.safetensors"]);
    assert.deepEqual([...loadStateDictFile(p).get("w")!.data], [1, 2, 3]);
    assert.throws(() => writeFileAtomic(join(dir, "missing", "x"), "y"));
    assert.deepEqual(readdirSync(dir), ["w.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("loadStateDictFile picks the format by extension and names the file in errors; loadOnnxFile loads a model", () => {
  assert.equal(loadStateDictFile(join(FIX, "tiny_cnn.pth")).size, 9);
  assert.equal(loadStateDictFile(join(FIX, "tiny_cnn.safetensors")).size, 9);
  assert.throws(() => loadStateDictFile(join(FIX, "evil_eval.pth")), (e: unknown) => e instanceof FormatError && e.message.startsWith(join(FIX, "evil_eval.pth")));
  assert.throws(() => loadStateDictFile(join(FIX, "expected.json")), ValueError);
  assert.equal(loadOnnxFile(join(FIX, "tiny_cnn.onnx")).inputs[0]!.name, "input");
});
