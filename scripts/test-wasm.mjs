// Runs the test suite (or the given files) with the wasm backend selected in every test process: like
// scripts/run-tests.mjs, plus a preload (test/backends/wasm-setup.ts) that awaits initWasm().
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const only = process.argv.slice(2);
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : find(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}
const files = (only.length ? only : find("test")).sort();
const args = ["--import", "tsx", "--import", "./test/backends/wasm-setup.ts", "--test", "--test-concurrency=2", ...files];
const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, CONVKIT_BACKEND: "wasm" } });
process.exit(r.status ?? 1);
