// Runs the convkit command (bin/convkit.js) as a child process and captures its output.
import assert from "node:assert/strict";
import { spawnSync, spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = join(ROOT, "bin", "convkit.js");

export interface Result { code: number | null; stdout: string; stderr: string }

export function convkit(args: readonly string[], opts: { cwd?: string; timeout?: number } = {}): Result {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, encoding: "utf8", timeout: opts.timeout ?? 300_000, env: { ...process.env, FORCE_COLOR: "0" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function convkitChild(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `convkit-${prefix}-`));
}

/** The lines of stderr that are not npm's own warnings. */
export function errLines(r: Result): string[] {
  return r.stderr.split("\n").filter((l) => l.trim() && !l.startsWith("npm warn"));
}

/** A refused command: exit code 1 and exactly one line on stderr, `convkit: …` matching `re` (nothing else: no stack,
 *  no usage text, no second line from commander). */
export function assertRefused(r: Result, re: RegExp, what: string): string {
  assert.equal(r.code, 1, `${what}: exit code ${r.code}, stderr:\n${r.stderr}`);
  const lines = errLines(r);
  assert.equal(lines.length, 1, `${what}: expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^convkit: /, what);
  assert.match(lines[0]!, re, what);
  return lines[0]!;
}
