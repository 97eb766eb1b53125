// The default backend (issue 4: "the default wherever WebAssembly SIMD exists"): a fresh process that imports convkit
// and computes without choosing a backend runs on wasm (one thread until initWasm adds workers); CONVKIT_BACKEND=js
// and setBackend choose the reference. Each case runs in its own process, since the choice is made once per process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "default-backend-child.ts");

function runChild(env: Record<string, string | undefined>, ...args: string[]): { backend: string; threads: number; diff: number; after?: string; afterThreads?: number } {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ["--import", "tsx", CHILD, ...args], { encoding: "utf8", env: childEnv });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as ReturnType<typeof runChild>;
}

test("with no choice made, convkit computes on the wasm backend (one thread), agreeing with the reference", () => {
  const r = runChild({ CONVKIT_BACKEND: undefined });
  assert.equal(r.backend, "wasm");
  assert.equal(r.threads, 1);
  assert.ok(r.diff < 1e-5, `wasm vs js difference ${r.diff}`);
});

test("CONVKIT_BACKEND=js makes the reference backend the default", () => {
  const r = runChild({ CONVKIT_BACKEND: "js" });
  assert.equal(r.backend, "js");
  assert.equal(r.diff, 0);
});

test("initWasm after the default started adds threads and keeps wasm selected", () => {
  const r = runChild({ CONVKIT_BACKEND: undefined }, "threads");
  assert.equal(r.backend, "wasm");
  assert.equal(r.after, "wasm");
  assert.equal(r.afterThreads, 2);
});
