// Runs the convkit command (bin/convkit.js) as a child process and captures its output.
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
