// The page of the WebGPU benchmark (bench/web/index.html, bundled by scripts/bench-web.mjs, which serves it from
// http://127.0.0.1 — navigator.gpu needs a secure context — and drives it in Chromium): window.benchWeb.run({ quick })
// times every workload of bench/web/workloads.ts on convkit's webgpu backend, TF.js webgpu and webgl, and
// onnxruntime-web's WebGPU provider, one after the other, and returns the rows. Each row is also logged as it is
// measured (the driver prints those lines). The ONNX files come from ./onnx/ (exported by convkit in the driver).
import * as ort from "onnxruntime-web/webgpu";
import { convkitImpl } from "./convkit-side.js";
import { tfjsImpl } from "./tfjs-side.js";
import { ortImpl } from "./ort-side.js";
import { formatTable, runAll, settings, workloads, type Row, type Settings } from "./workloads.js";

// onnxruntime-web's wasm binary (the webgpu build's) is fetched from ./ort/, where the driver copies it, and handed over
// as bytes (the bundle would look for it beside this script); its JavaScript part is the one in the bundle. One
// thread: the graph runs on the GPU, and workers would be started from this script's URL.
ort.env.wasm.numThreads = 1;
const ORT_WASM = "ort/ort-wasm-simd-threaded.asyncify.wasm";

/** What run() returns. */
export interface PageResult { userAgent: string; settings: Settings; devices: Record<string, string>; rows: Row[] }

const logEl = document.getElementById("log");
const log = (line: string) => {
  console.log(line);
  if (logEl) logEl.textContent += `${line}\n`;
};

/** Runs the benchmark; `only` keeps the implementations whose name contains it. */
async function run(opts: { quick: boolean; only?: string }): Promise<PageResult> {
  const s = settings(opts.quick);
  const load = async (name: string, dir = "onnx/") => {
    const r = await fetch(dir + name);
    if (!r.ok) throw new Error(`${dir}${name}: HTTP ${r.status} (the driver makes it: npm run bench:web)`);
    return new Uint8Array(await r.arrayBuffer());
  };
  const impls = [convkitImpl(), tfjsImpl("webgpu"), tfjsImpl("webgl"), ortImpl(ort, load)].filter((i) => !opts.only || i.name.includes(opts.only));
  if (impls.some((i) => i.name.startsWith("ort")) && !ort.env.wasm.wasmBinary) ort.env.wasm.wasmBinary = (await load(ORT_WASM, "")).buffer;
  const { rows, devices } = await runAll(impls, workloads(opts.quick), s, log);
  return { userAgent: navigator.userAgent, settings: s, devices, rows };
}

(globalThis as unknown as { benchWeb: unknown }).benchWeb = { run };
for (const [id, quick] of [["go", true], ["full", false]] as const) {
  document.getElementById(id)?.addEventListener("click", () => {
    void run({ quick }).then((r) => log(`\n${formatTable(r.rows)}`), (e: unknown) => log(`failed: ${String(e)}`));
  });
}
