// The WebAssembly SIMD + threads backend: initialisation (async, or sync where the platform allows it),
// what it runs on (wasmInfo), its copy/compute statistics, and its registration as the 'wasm' backend.
//
// Threads: worker_threads in Node, Web Workers in the browser, over a shared WebAssembly.Memory; the calling
// thread runs a share of every task and then waits with Atomics.wait — except on a browser page's main thread,
// where blocking is forbidden and it spins instead (prefer calling convkit from a Worker there). Without
// SharedArrayBuffer (a page that is not cross-origin isolated) the backend runs on one thread.
import type { Backend } from "../backend.js";
import type { DataArray } from "../../tensor/dtype.js";
import { registerBackend, setBackend, setDefaultBackendChooser } from "../registry.js";
import { jsBackend } from "../js/index.js";
import { makeKernels } from "./kernels.js";
import { optimKernels } from "../js/optim.js";
import {
  WasmRuntime, isNode, relaxedSimdAvailable, sharedMemoryAvailable, simdAvailable, type WasmStats,
} from "./runtime.js";

export type { WasmStats } from "./runtime.js";

/** Options of initWasm. */
export interface WasmInitOptions {
  /** Threads to compute on, the calling one included (default: all cores, at most 8; 1 without SharedArrayBuffer). */
  threads?: number;
  /** Use relaxed SIMD (fused multiply-add) if the runtime has it (default true). */
  relaxed?: boolean;
  /** Make 'wasm' the current backend (default true). */
  select?: boolean;
}

/** What the wasm backend runs with (wasmInfo, initWasm's result). */
export interface WasmInfo {
  /** Whether initWasm has run and the backend is registered. */
  ready: boolean;
  /** Whether this runtime has WebAssembly SIMD (the backend needs it). */
  simd: boolean;
  /** Whether the kernels use relaxed SIMD (f32x4.relaxed_madd). */
  relaxed: boolean;
  /** Whether the runtime could use relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd). */
  relaxedAvailable: boolean;
  /** Threads that compute a kernel (1 = no workers). */
  threads: number;
  /** Whether the memory is a SharedArrayBuffer (threads possible). */
  sharedMemory: boolean;
  /** Bytes of the WebAssembly memory (the kernels' scratch arena grows to the largest call's operands). */
  memoryBytes: number;
  /** Bytes of the tensors living in the memory now (parameters, activations, gradients, optimizer state). */
  liveBytes: number;
  /** Bytes the tensors' blocks span, live and free (the memory below the kernels' arena). */
  blockBytes: number;
}

let runtime: WasmRuntime | null = null;
const kernels: Backend["kernels"] = {};

/** The 'wasm' backend: float32 data only; float64 (gradchecks) runs on the reference kernels. */
export const wasmBackend: Backend = {
  name: "wasm",
  kernels,
  supports: (data: DataArray) => data instanceof Float32Array,
  residentCopy: (data: DataArray) => (runtime && data instanceof Float32Array ? runtime.residentCopy(data) : null),
  allocate: (kind, n) => (runtime ? (kind === "float32" ? runtime.allocate(n) : runtime.allocateI32(n)) : null),
  owns: (data) => runtime?.isResident(data) ?? false,
  release: (data) => (runtime && (data instanceof Float32Array || data instanceof Int32Array) ? runtime.release(data) : false),
};

function defaultThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return Math.min(8, nav.hardwareConcurrency);
  return 0; // resolved through node:os below
}

async function nodeCores(): Promise<number> {
  const spec = ["node", "os"].join(":");
  const os = (await import(/* @vite-ignore */ spec)) as { availableParallelism?: () => number; cpus(): unknown[] };
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
}

function install(rt: WasmRuntime, select: boolean): void {
  runtime?.dispose();
  runtime = rt;
  for (const k of Object.keys(kernels)) delete (kernels as Record<string, unknown>)[k];
  // each kernel tells the runtime its name first: an out-of-memory error names the kernel that asked
  for (const [name, fn] of Object.entries(makeKernels(rt)) as [string, (...args: unknown[]) => unknown][]) {
    (kernels as Record<string, unknown>)[name] = (...args: unknown[]) => { rt.kernel = name; return fn(...args); };
  }
  // the optimizers' updates are one pass over memory the CPU reads directly: the reference loops run on the blocks in
  // place, as this backend's own kernels (not fallbacks)
  Object.assign(kernels, optimKernels);
  registerBackend(wasmBackend);
  if (select) setBackend("wasm");
}

/** Compiles the kernels (asynchronously), starts the worker threads and registers (and selects) 'wasm'. */
export async function initWasm(options: WasmInitOptions = {}): Promise<WasmInfo> {
  if (!simdAvailable()) throw new Error("initWasm: this runtime has no WebAssembly SIMD");
  const relaxed = (options.relaxed ?? true) && relaxedSimdAvailable();
  let threads = options.threads ?? (defaultThreads() || (isNode() ? Math.min(8, await nodeCores()) : 1));
  const shared = sharedMemoryAvailable();
  if (!shared) threads = 1;
  if (runtime && runtime.shared && shared && runtime.relaxed === relaxed) {
    // Same kernels over a shared memory: keep the runtime (and the parameters resident in its memory), restart workers.
    runtime.dispose();
    await runtime.startWorkers(Math.max(0, Math.floor(threads) - 1));
    registerBackend(wasmBackend);
    if (options.select ?? true) setBackend("wasm");
    return wasmInfo();
  }
  const rt = await WasmRuntime.create(relaxed, shared);
  try {
    await rt.startWorkers(Math.max(0, Math.floor(threads) - 1));
  } catch (e) {
    rt.dispose();
    throw e;
  }
  install(rt, options.select ?? true);
  return wasmInfo();
}

/** Synchronous initialisation on one thread (Node or a worker: browsers' main threads refuse synchronous
 *  compiles of this size). Threads can be added later with initWasm. */
export function initWasmSync(options: Omit<WasmInitOptions, "threads"> = {}): WasmInfo {
  if (!simdAvailable()) throw new Error("initWasmSync: this runtime has no WebAssembly SIMD");
  const relaxed = (options.relaxed ?? true) && relaxedSimdAvailable();
  install(WasmRuntime.createSync(relaxed, sharedMemoryAvailable()), options.select ?? true);
  return wasmInfo();
}

// The default backend: wasm wherever WebAssembly SIMD exists and the kernels compile synchronously (Node, workers,
// and browsers that allow it on the main thread), on one thread until initWasm adds workers; else the reference.
setDefaultBackendChooser(() => {
  if (runtime) return wasmBackend; // initWasm({ select: false }) ran: use what it started
  try {
    initWasmSync({ select: false });
    return wasmBackend;
  } catch {
    return jsBackend;
  }
});

/** What the wasm backend runs on. */
export function wasmInfo(): WasmInfo {
  return {
    ready: runtime !== null,
    simd: simdAvailable(),
    relaxed: runtime?.relaxed ?? false,
    relaxedAvailable: relaxedSimdAvailable(),
    threads: runtime?.threads ?? 0,
    sharedMemory: runtime?.shared ?? sharedMemoryAvailable(),
    memoryBytes: runtime?.memory.buffer.byteLength ?? 0,
    liveBytes: runtime?.liveBytes ?? 0,
    blockBytes: runtime?.blockBytes ?? 0,
  };
}

/** Stops the worker threads (the backend stays usable on one thread). */
export function disposeWasm(): void {
  runtime?.dispose();
}

/** Turns timing of kernel calls and of their copies in/out of the wasm memory on or off, and resets the statistics
 *  (the peak of live tensor bytes starts again from what is live now). */
export function measureWasm(on: boolean): void {
  if (!runtime) return;
  runtime.measure = on;
  Object.assign(runtime.stats, { calls: 0, copyMs: 0, totalMs: 0, copiesIn: 0, copiesOut: 0, copyBytes: 0, peakLiveBytes: runtime.liveBytes });
}

/** Kernel calls, and milliseconds spent in them and in copies, since measureWasm(true). */
export function wasmStats(): WasmStats {
  return { ...(runtime?.stats ?? { calls: 0, copyMs: 0, totalMs: 0, copiesIn: 0, copiesOut: 0, copyBytes: 0, peakLiveBytes: 0 }) };
}
