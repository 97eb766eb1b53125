// `npm run bench:web [-- --quick] [-- --adapter=swiftshader|gpu] [-- --peak-gflops=N] [-- --chromium=PATH]
//   [-- --chromium-arg=FLAG …] [-- --only=NAME] [-- --outdir=DIR]`: the WebGPU benchmark in headless Chromium —
// convkit's webgpu backend against TF.js 4.22 (webgpu, webgl) and onnxruntime-web's WebGPU execution provider on the
// S3 and S5 convolutions, ResNet-18 inference (224², batch 1 and 8), a ResNet-18 training step (batch 32) and a LeNet-5
// one (batch 64) (bench/web/workloads.ts). Bundles bench/web/page.ts with the playground's esbuild options, exports the
// ONNX files with convkit (on the wasm backend), serves the page from http://127.0.0.1 (navigator.gpu needs a secure
// context) and drives it with playwright-core. Prints median ms per call and convkit ÷ peer as a table, and writes
// bench/results/web-<date>[-quick].json.
//   --quick: tiny sizes (ResNet-18 at 32², batches 1 and 2, training at 2; S3/S5 with an eighth of the channels and a
//     quarter of the side) and few reps, on SwiftShader (Chromium's WebGPU on the CPU): a smoke test of a few minutes
//     whose times say nothing about GPUs.
//   default: the full sizes, on the machine's GPU (Chromium flags for Vulkan on Linux; add others with --chromium-arg).
//   --only=NAME: only the implementations whose name contains NAME ("convkit", "tfjs", "webgl", "ort").
//   --adapter=swiftshader|gpu overrides the adapter either way; --peak-gflops gives the GPU's fp32 peak, for the
//     target "S3 at ≥ 50 % of the peak" (WebGPU does not tell it).
// A peer that cannot run (no adapter, a backend that fails to start, an op it lacks) prints its rows as
// "unavailable: <reason>" instead of failing the run. Run with tsx (the npm script does): it imports src/ and web/.
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { webBuildOptions } from "./build-web.mjs";
import { serveStatic } from "../web/serve.js";
import { initWasm, disposeWasm } from "../src/backends/wasm/index.js";
import { exportWorkloadFiles } from "../bench/web/onnx-files.js";
import { formatTable, onnxName, settings, targets, workloads } from "../bench/web/workloads.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = argv.includes("--quick");
const ADAPTER = opt("adapter") ?? (QUICK ? "swiftshader" : "gpu");
const CHROMIUM = opt("chromium") ?? process.env.CHROMIUM ?? "/usr/bin/chromium";
const OUTDIR = resolve(opt("outdir") ?? join(root, "web", "test-output", "bench-web"));
const ONLY = opt("only");
const PEAK = opt("peak-gflops") ? Number(opt("peak-gflops")) : undefined;
const fail = (msg) => { console.error(`bench:web: ${msg}`); process.exit(1); };
if (ADAPTER !== "swiftshader" && ADAPTER !== "gpu") fail(`--adapter must be 'swiftshader' or 'gpu', got '${ADAPTER}'`);
if (PEAK !== undefined && !(PEAK > 0)) fail(`--peak-gflops must be a positive number, got '${opt("peak-gflops")}'`);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: install Chromium (apt-get install chromium) or name one with --chromium=PATH`);

// SwiftShader as the WebGPU adapter (test/web/webgpu-kernels.test.ts's flags; headless Chromium's WebGL is on
// SwiftShader too, through ANGLE); on a GPU, Vulkan (Linux: Chromium's WebGPU runs on it; elsewhere ignored)
const ARGS = [
  "--headless=new", "--enable-unsafe-webgpu", "--no-sandbox", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
  ...(ADAPTER === "swiftshader" ? ["--use-webgpu-adapter=swiftshader"] : ["--ignore-gpu-blocklist", "--enable-features=Vulkan"]),
  ...argv.filter((a) => a.startsWith("--chromium-arg=")).map((a) => a.slice("--chromium-arg=".length)),
];

const started = Date.now();
const ws = workloads(QUICK);
console.log(`# bench:web — ${QUICK ? "--quick (tiny sizes: a smoke test)" : "full sizes"}, adapter ${ADAPTER}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}`);

// 1. the page: bundle, html, and onnxruntime-web's wasm binary (the webgpu build's), copied when changed
mkdirSync(join(OUTDIR, "ort"), { recursive: true });
copyFileSync(join(root, "bench", "web", "index.html"), join(OUTDIR, "index.html"));
for (const f of ["ort-wasm-simd-threaded.asyncify.wasm"]) {
  const src = fileURLToPath(import.meta.resolve(`onnxruntime-web/${f}`)), dst = join(OUTDIR, "ort", f);
  if (!existsSync(dst) || statSync(dst).size !== statSync(src).size) copyFileSync(src, dst);
}
try {
  await esbuild.build({ ...webBuildOptions({ entryPoints: [join(root, "bench", "web", "page.ts")], outdir: OUTDIR }), metafile: false });
} catch {
  fail("bundling bench/web/page.ts failed (esbuild printed why)");
}

// 2. the ONNX files onnxruntime-web runs, exported by convkit (names carry the sizes: an existing file is reused)
mkdirSync(join(OUTDIR, "onnx"), { recursive: true });
const missing = ws.filter((w) => { const n = onnxName(w); return n !== null && !existsSync(join(OUTDIR, "onnx", n)); });
if (missing.length > 0) {
  const t = Date.now();
  await initWasm({ threads: 1 });
  for (const [name, bytes] of exportWorkloadFiles(missing)) writeFileSync(join(OUTDIR, "onnx", name), bytes);
  disposeWasm();
  console.log(`# exported ${missing.length} ONNX file(s) with convkit in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

// 3. serve, open, run; the page logs each row as it is measured
const server = await serveStatic(OUTDIR, 0, "127.0.0.1", { isolate: false });
const profile = mkdtempSync(join(tmpdir(), "convkit-bench-web-"));
// interrupted: playwright closes Chromium on its own; the profile folder is ours to remove
process.once("SIGINT", () => { rmSync(profile, { recursive: true, force: true }); process.exit(130); });
let context;
let result;
const pageErrors = [];
try {
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(QUICK ? 15 * 60_000 : 0);
  page.on("console", (m) => {
    if (m.type() === "log") console.log(m.text());
    else if (m.type() === "error") pageErrors.push(m.text().split("\n")[0]);
  });
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message.split("\n")[0]}`));
  await page.goto(server.url);
  await page.waitForFunction(() => "benchWeb" in globalThis);
  result = await page.evaluate((o) => globalThis.benchWeb.run(o), { quick: QUICK, ...(ONLY ? { only: ONLY } : {}) });
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}

// 4. the table, the targets, the JSON
const seconds = (Date.now() - started) / 1000;
console.log(`\n## median ms per call (convolutions: ${result.settings.convCalls} calls per timed sample, the last one read back)\n`);
console.log(formatTable(result.rows));
const goals = targets(result.rows, PEAK);
console.log(`\n## targets of issue 14${ADAPTER === "swiftshader" ? " (on SwiftShader: meaningless, printed to show the check runs)" : ""}`);
for (const g of goals) console.log(`  ${g}`);
if (pageErrors.length > 0) console.log(`\n# console errors in the page (first 5 of ${pageErrors.length}):\n${pageErrors.slice(0, 5).map((e) => `  ${e}`).join("\n")}`);

const date = new Date().toISOString().slice(0, 10);
const resultsDir = join(root, "bench", "results");
let file = join(resultsDir, `web-${date}${QUICK ? "-quick" : ""}.json`);
for (let c = 98; existsSync(file); c++) file = join(resultsDir, `web-${date}${String.fromCharCode(c)}${QUICK ? "-quick" : ""}.json`); // …b, c: never overwrite
writeFileSync(file, `${JSON.stringify({
  date, quick: QUICK, adapter: ADAPTER, chromium: { path: CHROMIUM, args: ARGS, userAgent: result.userAgent },
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load: loadavg()[0] },
  settings: result.settings, workloads: ws, devices: result.devices, rows: result.rows, targets: goals, seconds,
}, null, 1)}\n`);
console.log(`\n# ${seconds.toFixed(0)} s in all; results in ${file.slice(root.length + 1)}`);
process.exit(0);
