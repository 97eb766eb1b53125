// onnxruntime-web's WebAssembly execution provider in Node, the peer of `npm run bench` with the same SIMD ceiling as
// convkit's wasm backend. Run in a child process per thread count: ort-web initialises its wasm module once per
// process, so `env.wasm.numThreads` cannot change after the first session. Its threads are Emscripten pthreads on
// worker_threads; the check below counts the OS threads that burned CPU while the models ran. Started without
// --experimental-wasm-relaxed-simd, so its binary (ort-wasm-simd-threaded.wasm, the only build the package has for
// Node) runs on plain WebAssembly SIMD, as convkit's "simd" configurations do.
// usage: node --import tsx bench/ort-web.ts THREADS MIN_SECONDS '[{"workload":…,"path":…,"shape":[…]}, …]'
// prints one JSON object: { version, numThreads, busyThreads, timings: { workload: Timing } }
import { createRequire } from "node:module";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { randn } from "../src/tensor/creation.js";
import { time, type Timing } from "./timing.js";

interface Item { workload: string; path: string; shape: number[] }
type Session = { run(feeds: object): Promise<unknown>; release(): Promise<void> };
interface OrtWeb {
  env: { versions: { web: string }; wasm: { numThreads?: number } };
  InferenceSession: { create(path: string, opts: object): Promise<Session> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

const threads = Number(process.argv[2]);
const minSeconds = Number(process.argv[3]);
const items = JSON.parse(process.argv[4]!) as Item[];
const ort = createRequire(import.meta.url)("onnxruntime-web") as OrtWeb;
ort.env.wasm.numThreads = threads;

/** CPU ticks of each thread of this process (Linux), to see how many threads the runs kept busy. */
function ticksByThread(): Map<string, number> | null {
  if (!existsSync("/proc/self/task")) return null;
  const m = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 on: utime and stime are 14 and 15
      m.set(t, Number(f[11]) + Number(f[12]));
    } catch { /* the thread ended meanwhile */ }
  }
  return m;
}

const timings: Record<string, Timing> = {};
const busy = new Map<string, number>();
for (const { workload, path, shape } of items) {
  const sess = await ort.InferenceSession.create(path, { executionProviders: ["wasm"], executionMode: "sequential", graphOptimizationLevel: "all" });
  const feeds = { x: new ort.Tensor("float32", randn(shape).data as Float32Array, shape) };
  await sess.run(feeds); // the first run spawns the pthreads, outside the count below
  const before = ticksByThread();
  timings[workload] = await time(() => sess.run(feeds), 3, minSeconds);
  const after = ticksByThread();
  if (before && after) for (const [t, v] of after) busy.set(t, (busy.get(t) ?? 0) + v - (before.get(t) ?? 0));
  await sess.release();
}
// A thread counts as busy with at least a fifth of the busiest one's CPU time (Node's own helper threads use ~none);
// under half a second of CPU (50 ticks of 10 ms) the ticks are too coarse to tell: null.
const most = Math.max(0, ...busy.values());
const busyThreads = most >= 50 ? [...busy.values()].filter((v) => v >= most / 5).length : null;
console.log(JSON.stringify({ version: ort.env.versions.web, numThreads: ort.env.wasm.numThreads, busyThreads, timings }));
