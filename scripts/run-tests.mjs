// Runs the test suite with Node's own test runner (through tsx), which prints the pass/fail counts.
//   node scripts/run-tests.mjs                      every test on the reference (js) backend, then the op, autograd,
//                                                   layer and model suites again on the wasm backend; a last line sums both
//   node scripts/run-tests.mjs [--backend wasm] PATH…  the given test files or folders on one backend
// `--backend wasm` preloads test/backends/wasm-setup.ts, so every test process runs on the wasm backend.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";

/** The suites that run on both backends (issue 4: the whole op suite and the model parity tests). */
const BOTH_BACKENDS = ["test/tensor", "test/autograd", "test/ops", "test/nn", "test/models"];

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : find(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}

/** Run the files under `paths` on `backend`, echoing the runner's output; resolves to its exit code and counts. */
function run(backend, paths) {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? find(p) : [p])).sort();
  const preload = backend === "wasm" ? ["--import", "./test/backends/wasm-setup.ts"] : [];
  const child = spawn(process.execPath, ["--import", "tsx", ...preload, "--test", "--test-concurrency=2", ...files], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CONVKIT_BACKEND: backend },
  });
  let tail = "";
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk).slice(-4096);
  });
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, "m").exec(tail)?.[1] ?? 0);
      resolve({ code: code ?? 1, pass: count("pass"), fail: count("fail") + count("cancelled") });
    });
  });
}

const args = process.argv.slice(2);
const at = args.indexOf("--backend");
const backend = at >= 0 ? args.splice(at, 2)[1] : null;
if (backend !== null && backend !== "js" && backend !== "wasm") {
  console.error(`run-tests: unknown backend '${backend}' (js, wasm)`);
  process.exit(2);
}
if (backend !== null || args.length > 0) {
  const r = await run(backend ?? "js", args.length ? args : ["test"]);
  process.exit(r.code);
}
const js = await run("js", ["test"]);
console.log(`\n# again on the wasm backend: ${BOTH_BACKENDS.join(" ")}`);
const wasm = await run("wasm", BOTH_BACKENDS);
console.log(`\njs backend: ${js.pass} passed, ${js.fail} failed; wasm backend: ${wasm.pass} passed, ${wasm.fail} failed`);
console.log(`${js.pass + wasm.pass} passed, ${js.fail + wasm.fail} failed`);
process.exit(js.code || wasm.code);
