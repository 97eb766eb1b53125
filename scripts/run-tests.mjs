// Runs every test/**/*.test.ts (or the files given) with Node's own test runner through tsx, which prints the
// pass/fail counts. `--backend wasm` preloads test/backends/wasm-setup.ts, so every test process runs on the wasm backend.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const at = args.indexOf("--backend");
const backend = at >= 0 ? args.splice(at, 2)[1] : "js";
if (backend !== "js" && backend !== "wasm") {
  console.error(`run-tests: unknown backend '${backend}' (js, wasm)`);
  process.exit(2);
}
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : find(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}
const files = (args.length ? args : find("test")).sort();
const preload = backend === "wasm" ? ["--import", "./test/backends/wasm-setup.ts"] : [];
const r = spawnSync(process.execPath, ["--import", "tsx", ...preload, "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  env: { ...process.env, CONVKIT_BACKEND: backend },
});
process.exit(r.status ?? 1);
