// The WebGPU benchmark of `npm run bench:web` in Node, on a real GPU through Dawn's Node binding (the npm package
// `webgpu`): the same workloads (bench/web/workloads.ts: S3 and S5 convolutions, ResNet-18 inference at batch 1 and 8,
// ResNet-18 and LeNet-5 training steps) on convkit's webgpu backend, TF.js 4.22 webgpu and onnxruntime-web's WebGPU
// provider (ONNX files exported by convkit), all on the one `navigator.gpu` that Dawn provides. Prints median ms per
// call, GFLOP/s and convkit ÷ peer, and the targets of issue 14, and writes bench/results/webgpu-node-<date>.json.
//
// On a machine with a GPU (Linux: Vulkan drivers; macOS: Metal; Windows: D3D12):
//   npm i --no-save webgpu                      # Dawn for Node: ~130 MB of prebuilt binaries in the package (no
//                                               # download at install), so it is no dependency of convkit
//   node --import tsx bench/webgpu-node.ts [--quick] [--peak-gflops=N] [--only=NAME] [--dawn=OPTION …]
//     --peak-gflops=N  the GPU's fp32 peak (e.g. 51,200 for an H100 PCIe, 66,900 for an H100 SXM): WebGPU does not say it
//     --quick          the smoke test's tiny sizes; --only=NAME keeps the implementations whose name contains NAME
//     --dawn=OPTION    passed to Dawn's create() (e.g. --dawn=backend=vulkan, --dawn=adapter=NAME)
// Targets (issue 14): the S3 convolution at ≥ 50 % of the GPU's fp32 peak; the ResNet-18 training step ≥ 2× TF.js
// webgpu (convkit/peer ≤ 0.5); ResNet-18 inference at least as fast as onnxruntime-web webgpu (convkit/peer ≤ 1).
// Without the package, or when Dawn finds no adapter (as on the CPU-only machines this was written on), it says so in
// one line and exits 1. A smoke test without a GPU, on Chromium's SwiftShader through Vulkan (Debian's chromium):
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//     node --import tsx bench/webgpu-node.ts --quick
import { mkdirSync, existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { initWasm, disposeWasm } from "../src/backends/wasm/index.js";
import { setBackend } from "../src/backends/registry.js";
import { convkitImpl } from "./web/convkit-side.js";
import { tfjsImpl } from "./web/tfjs-side.js";
import { ortImpl } from "./web/ort-side.js";
import { exportWorkloadFiles } from "./web/onnx-files.js";
import { formatTable, reason, runAll, settings, targets, workloads, type Impl } from "./web/workloads.js";

const argv = process.argv.slice(2);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const QUICK = argv.includes("--quick");
const ONLY = opt("only");
const PEAK = opt("peak-gflops") ? Number(opt("peak-gflops")!.replace(/[,_]/g, "")) : undefined;
const DAWN = argv.filter((a) => a.startsWith("--dawn=")).map((a) => a.slice("--dawn=".length));
const fail = (msg: string): never => {
  console.error(`webgpu-node: ${msg}`);
  process.exit(1);
};
if (PEAK !== undefined && !(PEAK > 0)) fail(`--peak-gflops must be a positive number, got '${opt("peak-gflops")}'`);

// 1. Dawn: its constants (GPUBufferUsage…) as globals and its GPU as navigator.gpu, as a browser has them, before
// TF.js's webgpu backend is imported (it registers itself only where navigator.gpu exists)
type Dawn = { create(options: string[]): GPU; globals: Record<string, unknown> };
let dawn: Dawn;
try {
  dawn = (await import(["web", "gpu"].join(""))) as Dawn; // computed: the package is optional (not in package.json)
} catch {
  fail("the npm package 'webgpu' (Dawn for Node) is not installed: npm i --no-save webgpu");
}
Object.assign(globalThis, dawn!.globals);
// Dawn's queue.writeBuffer refuses views of a SharedArrayBuffer ("Invalid argument"), which is where onnxruntime-web's
// wasm memory (its threaded build) hands it weights and inputs from: such a view is copied to a plain buffer first
const queue = (dawn!.globals.GPUQueue as { prototype: GPUQueue }).prototype;
const writeBuffer = queue.writeBuffer;
queue.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, ...rest: number[]) {
  const plain = ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() : data;
  // the copy is bytes: an offset and size in elements of a wider view become bytes
  const scale = plain !== data ? (data as ArrayBufferView & { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1 : 1;
  return (writeBuffer as (...a: unknown[]) => void).call(this, buffer, offset, plain, ...rest.map((v) => v * scale));
} as GPUQueue["writeBuffer"];
const gpu = dawn!.create(DAWN);
const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) fail("Dawn (the npm package 'webgpu') found no GPU adapter on this machine (no Vulkan, Metal or D3D12 device)");
const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
else (globalThis as { navigator?: { gpu?: GPU } }).navigator = { gpu };

const started = Date.now();
const s = settings(QUICK);
const ws = workloads(QUICK);
const adapterName = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") : "?";
console.log(`# webgpu-node — ${QUICK ? "--quick (tiny sizes)" : "full sizes"}, adapter ${adapterName}, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`);

// 2. the ONNX files for onnxruntime-web, exported by convkit on the wasm backend (before the webgpu backend is selected)
await initWasm({ threads: 1 });
const files = exportWorkloadFiles(ws);
disposeWasm();
setBackend("js");

/** TF.js's gradients for Node: tfjs-core's Node build has none, and its ES module tree (where they are) is not
 *  loadable by Node (directory imports), so esbuild bundles it. Its ops reach the same engine and registries as the
 *  Node build's (TF.js keeps them on globalThis). */
async function tfGradients(): Promise<unknown> {
  const entry = fileURLToPath(import.meta.resolve("@tensorflow/tfjs-core/dist/register_all_gradients.js"));
  const out = await esbuild.build({ entryPoints: [entry], bundle: true, platform: "neutral", format: "esm", write: false, logLevel: "error", mainFields: ["module", "main"] });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.contents).toString("base64")}`);
}

/** onnxruntime-web's WebGPU build, or an implementation that says why it could not be loaded. */
async function ortWeb(): Promise<Impl> {
  try {
    const ort = await import("onnxruntime-web/webgpu");
    ort.env.wasm.numThreads = 1; // the graph runs on the GPU; no worker threads
    return ortImpl(ort, async (name) => {
      const bytes = files.get(name);
      if (!bytes) throw new Error(`no ONNX file ${name}`);
      return bytes;
    });
  } catch (e) {
    const why = reason(e);
    return { name: "ort-web webgpu", init: () => Promise.reject(new Error(`import('onnxruntime-web/webgpu') failed: ${why}`)), supports: () => true, prepare: () => Promise.reject(new Error(why)) };
  }
}

// 3. run, one implementation's device at a time
const impls = [convkitImpl(), tfjsImpl("webgpu", tfGradients), await ortWeb()].filter((i) => !ONLY || i.name.includes(ONLY));
const { rows, devices } = await runAll(impls, ws, s, (line) => console.log(line));
console.log(`\n## median ms per call (convolutions: ${s.convCalls} calls per timed sample, the last one read back)\n`);
console.log(formatTable(rows));
const goals = targets(rows, PEAK);
console.log("\n## targets of issue 14");
for (const g of goals) console.log(`  ${g}`);

const date = new Date().toISOString().slice(0, 10);
const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
mkdirSync(dir, { recursive: true });
let file = join(dir, `webgpu-node-${date}${QUICK ? "-quick" : ""}.json`);
for (let c = 98; existsSync(file); c++) file = join(dir, `webgpu-node-${date}${String.fromCharCode(c)}${QUICK ? "-quick" : ""}.json`); // never overwrite
const seconds = (Date.now() - started) / 1000;
writeFileSync(file, `${JSON.stringify({
  date, quick: QUICK, adapter: info ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description } : null, dawn: DAWN,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, load: loadavg()[0] }, peakGflops: PEAK ?? null,
  settings: s, workloads: ws, devices, rows, targets: goals, seconds,
}, null, 1)}\n`);
console.log(`\n# ${seconds.toFixed(0)} s in all; results in bench/results/${file.slice(dir.length + 1)}`);
process.exit(0);
