// readFileLimited against files that are not what they seem: devices, FIFOs, directories (directly or through a
// symlink), and files larger than their size says. Each must be refused at once, and no read may pass the limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FormatError } from "../../src/index.js";
import { readFileLimited } from "../../src/node.js";

const linux = process.platform === "linux";

function assertRefused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test("readFileLimited refuses devices and directories, also through symlinks, naming the path and what it is", { skip: !linux }, () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-read-"));
  try {
    symlinkSync("/dev/zero", join(dir, "zero.pth"));
    assertRefused(() => readFileLimited(join(dir, "zero.pth")), new RegExp(`^${join(dir, "zero.pth")}: a character device, not a regular file`));
    mkdirSync(join(dir, "sub"));
    symlinkSync(join(dir, "sub"), join(dir, "sub.pth"));
    assertRefused(() => readFileLimited(join(dir, "sub.pth")), /sub\.pth: a directory, not a regular file/);
    writeFileSync(join(dir, "ok.bin"), "hello");
    symlinkSync(join(dir, "ok.bin"), join(dir, "link.bin"));
    assert.equal(new TextDecoder().decode(readFileLimited(join(dir, "link.bin"))), "hello", "a symlink to a regular file is read");
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("readFileLimited refuses a FIFO without waiting for a writer", { skip: !linux || !existsSync("/usr/bin/mkfifo") }, () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-read-"));
  try {
    const fifo = join(dir, "pipe.pth");
    execFileSync("/usr/bin/mkfifo", [fifo]);
    // In a child process, so that a reader that blocks on the open shows up as a timeout instead of hanging the suite.
    const code = `import(${JSON.stringify(new URL("../../src/node.ts", import.meta.url).href)}).then((m) => { try { m.readFileLimited(${JSON.stringify(fifo)}); console.log("read"); } catch (e) { console.log(e.name + ": " + e.message); } })`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.signal, null, "readFileLimited blocked on the FIFO");
    assert.match(r.stdout, /^FormatError: .*pipe\.pth: a FIFO \(named pipe\), not a regular file/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("readFileLimited reads to end of file but never past the limit, whatever the size said", { skip: !linux }, () => {
  // /proc files report size 0 but have contents: the size cannot be trusted, only the bytes read.
  const status = readFileLimited("/proc/self/status");
  assert.match(new TextDecoder().decode(status), /^Name:/);
  assertRefused(() => readFileLimited("/proc/self/status", 16), /^\/proc\/self\/status: grew past the 16-byte limit while being read/);
});
