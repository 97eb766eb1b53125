// The WebAssembly runtime of the fast backend: compiles the kernel module (plain or relaxed SIMD), owns its
// memory (shared when threads are possible), a bump-allocated scratch arena that kernels copy in to and out
// of, and a pool of worker threads that run task functions over the same memory, woken through Atomics.
import * as modules from "./kernels-wasm.js";
import { TASK_EXPORTS, type KernelExports, type TaskId } from "./tasks.js";
import { OutOfMemoryError } from "../../errors.js";

// The task ids, the export list and KernelExports are generated from tasks.json (scripts/build-wasm.mjs).
export { TASK, type KernelExports, type TaskId } from "./tasks.js";
type TaskFn = (args: number, tid: number, nth: number) => void;

const PAGE = 65536;
/** The most bytes the memory can grow to (the modules' declared maximum). */
const MAX_BYTES = modules.maxPages * PAGE;
/** Control block of the thread pool (i32 words): generation, task, args, done count, nthreads, error. */
const CTRL_BYTE = 2 * 65536;
const C_GEN = 0, C_TASK = 1, C_ARGS = 2, C_DONE = 3, C_NTH = 4, C_ERR = 5;
/** The arena starts after the control block and the module's (empty) static data. */
const ARENA_BASE = 4 * PAGE;

interface NodeWorker { unref(): void; terminate(): Promise<number>; once(ev: string, cb: (v: unknown) => void): void; postMessage(v: unknown): void }
interface WorkerHandle { terminate(): void }

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array }; atob?: (s: string) => string };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(b64, "base64"));
  const bin = g.atob!(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** True in Node (where worker_threads and Atomics.wait on the main thread exist). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return !!p?.versions?.node;
}

/** Whether this thread may block in Atomics.wait (not a browser window's main thread). */
function canBlock(): boolean {
  if (isNode()) return true;
  const g = globalThis as { window?: unknown; importScripts?: unknown };
  return typeof g.window === "undefined";
}

export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

/** Whether the runtime accepts relaxed SIMD (Node 20 only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdAvailable(): boolean {
  try {
    return WebAssembly.validate(decodeBase64(modules.relaxed));
  } catch {
    return false;
  }
}

export function simdAvailable(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(decodeBase64(modules.simd));
  } catch {
    return false;
  }
}

// The worker's loop, as plain JS source shared by Node (eval: true, CommonJS) and the browser (Blob URL).
// It spins briefly (a few microseconds) for the next generation, then sleeps: longer spinning steals the core
// that the calling thread needs for the JS work between kernels (measured: LeNet training got slower with 2 threads).
const WORKER_LOOP = `
function startLoop(wasmModule, memory, tid, ctrlByte, post) {
  const ex = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
  const tasks = ${JSON.stringify(TASK_EXPORTS)}.map((name) => ex[name]);
  const ctl = new Int32Array(memory.buffer, ctrlByte, 8);
  let gen = Atomics.load(ctl, ${C_GEN});
  post("ready");
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, ${C_GEN}) === gen) {
      if (++spins > 4000) Atomics.wait(ctl, ${C_GEN}, gen, 50);
    }
    gen = Atomics.load(ctl, ${C_GEN});
    const task = Atomics.load(ctl, ${C_TASK});
    if (task < 0) break;
    try {
      tasks[task](Atomics.load(ctl, ${C_ARGS}), tid, Atomics.load(ctl, ${C_NTH}));
    } catch (e) {
      Atomics.store(ctl, ${C_ERR}, 1);
    }
    Atomics.add(ctl, ${C_DONE}, 1);
    Atomics.notify(ctl, ${C_DONE});
  }
}`;
const NODE_WORKER_SRC = `${WORKER_LOOP}
const { parentPort, workerData } = require("node:worker_threads");
startLoop(workerData.module, workerData.memory, workerData.tid, workerData.ctrlByte, (m) => parentPort.postMessage(m));`;
const WEB_WORKER_SRC = `${WORKER_LOOP}
self.onmessage = (e) => { const d = e.data; startLoop(d.module, d.memory, d.tid, d.ctrlByte, (m) => self.postMessage(m)); };`;

export interface RuntimeOptions { threads: number; relaxed: boolean }

/** Copies between JS arrays and the wasm memory (always counted), and time in copies and kernel calls (measured
 *  when measureWasm is on). */
export interface WasmStats {
  /** Kernel calls since the last reset (counted while measuring). */
  calls: number;
  /** Milliseconds spent copying arrays into and out of the wasm memory (while measuring). */
  copyMs: number;
  /** Milliseconds spent in kernel calls, copies included (while measuring). */
  totalMs: number;
  /** Operands copied from a JavaScript array into the memory: an operand that lives in the memory is read in place. */
  copiesIn: number;
  /** Results copied out to a JavaScript array: a result that lives in the memory is written in place. */
  copiesOut: number;
  /** Bytes those copies moved. */
  copyBytes: number;
  /** The most bytes of tensors live in the memory at once (always tracked). */
  peakLiveBytes: number;
}

/** Bytes of a block holding `n` floats: 64-byte aligned, and 64 bytes more that no tensor uses, because some tasks
 *  store a whole last vector (and the arena that outputs used to live in tolerated it). */
function blockBytes(n: number): number {
  return Math.ceil((n * 4 + 64) / 64) * 64;
}

export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly exports: KernelExports;
  readonly relaxed: boolean;
  readonly shared: boolean;
  /** Threads that run a task: the calling thread plus the workers. */
  threads = 1;
  private workers: WorkerHandle[] = [];
  private ctl: Int32Array;
  private top = ARENA_BASE;
  /** Blocks (tensors' storage: parameters, activations, gradients) live below the arena: [ARENA_BASE, residentTop);
   *  the arena starts above them. */
  private residentTop = ARENA_BASE;
  /** Free blocks by size in bytes (sizes repeat from one training step or inference to the next). */
  private readonly freeBlocks = new Map<number, number[]>();
  /** Live blocks: address → bytes. */
  private readonly live = new Map<number, number>();
  /** The views allocate handed out whose blocks are live: release takes back only these (a stale view of a block
   *  freed and handed out again must not free its new owner's). */
  private readonly views = new WeakSet<ArrayBufferView>();
  /** Bytes of live blocks. */
  liveBytes = 0;
  /** Frees the block of a view the garbage collector dropped (a view released explicitly is unregistered first). */
  private readonly freed = new FinalizationRegistry<number>((ptr) => this.freeBlock(ptr));
  /** The SharedArrayBuffers this memory has been seen through (a shared memory gives a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  readonly stats: WasmStats = { calls: 0, copyMs: 0, totalMs: 0, copiesIn: 0, copiesOut: 0, copyBytes: 0, peakLiveBytes: 0 };
  measure = false;
  /** The kernel being run (set by the backend before each call), named when the memory cannot hold its operands. */
  kernel = "";

  constructor(module: WebAssembly.Module, relaxed: boolean, shared: boolean) {
    this.module = module;
    this.relaxed = relaxed;
    this.shared = shared;
    this.memory = new WebAssembly.Memory({ initial: ARENA_BASE / PAGE + 16, maximum: modules.maxPages, shared });
    const inst = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = inst.exports as unknown as KernelExports;
    this.buffers.add(this.memory.buffer);
    this.ctl = new Int32Array(this.memory.buffer, CTRL_BYTE, 8);
  }

  /** Compiles synchronously (Node, workers) — browsers' main threads allow only small synchronous compiles. */
  static createSync(relaxed: boolean, shared: boolean): WasmRuntime {
    return new WasmRuntime(new WebAssembly.Module(WasmRuntime.bytes(relaxed, shared)), relaxed, shared);
  }

  static async create(relaxed: boolean, shared: boolean): Promise<WasmRuntime> {
    const module = await WebAssembly.compile(WasmRuntime.bytes(relaxed, shared));
    return new WasmRuntime(module, relaxed, shared);
  }

  private static bytes(relaxed: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
    const b64 = relaxed ? (shared ? modules.relaxedShared : modules.relaxed) : (shared ? modules.simdShared : modules.simd);
    return decodeBase64(b64);
  }

  /** Starts `count` workers (threads = count + 1); resolves when every worker has instantiated the module. */
  async startWorkers(count: number): Promise<void> {
    if (count <= 0 || !this.shared) return;
    const data = (tid: number) => ({ module: this.module, memory: this.memory, tid, ctrlByte: CTRL_BYTE });
    if (isNode()) {
      const spec = ["node", "worker_threads"].join(":"); // computed: keeps browser bundlers from resolving it
      const wt = (await import(/* @vite-ignore */ spec)) as { Worker: new (src: string, o: object) => NodeWorker };
      const ready: Promise<unknown>[] = [];
      for (let t = 1; t <= count; t++) {
        const w = new wt.Worker(NODE_WORKER_SRC, { eval: true, workerData: data(t) });
        w.unref(); // a pool of sleeping workers must not keep the process alive
        ready.push(new Promise((res, rej) => { w.once("message", res); w.once("error", rej); }));
        this.workers.push({ terminate: () => void w.terminate() });
      }
      await Promise.all(ready);
    } else {
      const W = (globalThis as { Worker?: new (url: string) => { postMessage(v: unknown): void; terminate(): void; onmessage: ((e: unknown) => void) | null; onerror: ((e: unknown) => void) | null } }).Worker;
      if (!W) return;
      const url = URL.createObjectURL(new Blob([WEB_WORKER_SRC], { type: "text/javascript" }));
      const ready: Promise<unknown>[] = [];
      for (let t = 1; t <= count; t++) {
        const w = new W(url);
        ready.push(new Promise((res, rej) => { w.onmessage = res; w.onerror = rej; }));
        w.postMessage(data(t));
        this.workers.push({ terminate: () => w.terminate() });
      }
      await Promise.all(ready);
    }
    this.threads = count + 1;
  }

  /** Stops the workers (they leave their loop, then are terminated). */
  dispose(): void {
    if (this.workers.length) {
      Atomics.store(this.ctl, C_TASK, -1);
      Atomics.add(this.ctl, C_GEN, 1);
      Atomics.notify(this.ctl, C_GEN);
      for (const w of this.workers) w.terminate();
      this.workers = [];
    }
    this.threads = 1;
  }

  /** Runs a task on `nth` threads (≤ this.threads): the workers and this thread split its units. */
  run(task: TaskId, args: number, nth = this.threads): void {
    const fn = (this.exports as unknown as Record<string, TaskFn>)[TASK_EXPORTS[task]]!;
    nth = Math.max(1, Math.min(nth, this.threads));
    if (nth === 1) { fn(args, 0, 1); return; }
    // Workers with tid ≥ nth find no units and report done at once.
    const ctl = this.ctl, helpers = this.workers.length;
    Atomics.store(ctl, C_TASK, task);
    Atomics.store(ctl, C_ARGS, args);
    Atomics.store(ctl, C_NTH, nth);
    Atomics.store(ctl, C_DONE, 0);
    Atomics.store(ctl, C_ERR, 0);
    Atomics.add(ctl, C_GEN, 1);
    Atomics.notify(ctl, C_GEN);
    fn(args, 0, nth);
    const block = canBlock();
    let spins = 0;
    for (;;) {
      const done = Atomics.load(ctl, C_DONE);
      if (done >= helpers) break;
      if (block && ++spins > 4000) Atomics.wait(ctl, C_DONE, done, 20);
    }
    if (Atomics.load(ctl, C_ERR)) throw new Error("wasm backend: a worker thread failed while running a kernel");
  }

  /** Starts a kernel call: the arena is reused from its base. */
  begin(): void {
    this.top = this.residentTop;
  }

  /** Allocates `bytes` (64-byte aligned) in the arena, growing the memory when needed; returns the byte offset.
   *  Throws an OutOfMemoryError naming the kernel and the bytes when the memory cannot grow that far. */
  alloc(bytes: number): number {
    const p = this.top, end = p + Math.ceil(Math.max(bytes, 0) / 64) * 64;
    if (!this.reserve(end)) {
      const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
      const why = end > MAX_BYTES ? `over the ${gib(MAX_BYTES)} a WebAssembly memory can hold` : "more than the engine could grow the memory to";
      throw new OutOfMemoryError(
        `wasm backend: ${this.kernel || "a kernel"} asked for ${bytes} bytes, bringing its operands and scratch to ${end} bytes (${gib(end)}), ${why}; ` +
        `smaller inputs or setBackend("js") avoid it`,
      );
    }
    this.top = end;
    return p;
  }

  /** Grows the memory to at least `end` bytes (by a quarter of its size at least, to grow rarely, but never past its
   *  maximum); false when it cannot: over the maximum, or refused by the engine (out of memory). */
  private reserve(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    if (end > MAX_BYTES) return false;
    const pages = Math.min(Math.max(Math.ceil((end - have) / PAGE), (have / PAGE) >> 2), modules.maxPages - have / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      return false; // a RangeError: the engine could not reserve the memory
    }
    // a shared memory's buffer is a new object after growing: views made from now on are views of it
    this.buffers.add(this.memory.buffer);
    return true;
  }

  /** A zero-filled float32 view of a block of this memory that stays until `release` or until the garbage collector
   *  drops the view: a tensor's storage on this backend, which kernels read and write in place. Only with a shared
   *  memory, whose growth leaves earlier views valid; null otherwise, or when blocks would take over half the memory's
   *  limit (the arena needs the rest) or the engine refuses to grow it: the caller then uses a plain array. Called
   *  between kernel calls only (the arena, above, is empty then). */
  allocate(n: number): Float32Array | null {
    return this.viewOfBlock(n, Float32Array);
  }

  /** An int32 block (pooling's indices), as allocate. */
  allocateI32(n: number): Int32Array | null {
    return this.viewOfBlock(n, Int32Array);
  }

  /** A view of a new block of `n` elements, registered to be freed with it. */
  private viewOfBlock<V extends Float32Array | Int32Array>(n: number, View: new (b: ArrayBufferLike, at: number, n: number) => V): V | null {
    const ptr = this.block(n);
    if (ptr === null) return null;
    const view = new View(this.memory.buffer, ptr, n);
    this.freed.register(view, ptr, view);
    this.views.add(view);
    return view;
  }

  /** A zero-filled block for `n` 4-byte elements: its address, or null. */
  private block(n: number): number | null {
    if (!this.shared) return null;
    const bytes = blockBytes(n);
    let ptr = this.freeBlocks.get(bytes)?.pop();
    if (ptr === undefined) {
      const end = this.residentTop + bytes;
      // + 64 KiB: kernels read a few vectors past their last operand
      if (end > MAX_BYTES / 2 || !this.reserve(end + PAGE)) return null;
      ptr = this.residentTop;
      this.residentTop = end;
    }
    this.live.set(ptr, bytes);
    this.liveBytes += bytes;
    if (this.liveBytes > this.stats.peakLiveBytes) this.stats.peakLiveBytes = this.liveBytes;
    this.exports.zeroBytes(ptr, n * 4);
    return ptr;
  }

  /** A block holding a copy of `src` (a parameter's resident copy), or null as for allocate. */
  residentCopy(src: Float32Array): Float32Array | null {
    if (src.length === 0) return null;
    if (this.isResident(src)) return src; // registered twice (tied weights): already here
    const view = this.allocate(src.length);
    view?.set(src);
    return view;
  }

  /** Returns the block behind `view` (a view allocate returned) for reuse now; false when `view` is not one. The
   *  caller promises that nothing reads or writes the view any more. */
  release(view: Float32Array | Int32Array): boolean {
    if (!this.views.has(view)) return false;
    this.views.delete(view);
    this.freed.unregister(view);
    this.freeBlock(view.byteOffset);
    return true;
  }

  private freeBlock(ptr: number): void {
    const bytes = this.live.get(ptr);
    if (bytes === undefined) return;
    this.live.delete(ptr);
    this.liveBytes -= bytes;
    let list = this.freeBlocks.get(bytes);
    if (!list) this.freeBlocks.set(bytes, (list = []));
    list.push(ptr);
  }

  /** Bytes the blocks span (live and free): the part of the memory tensors use. */
  get blockBytes(): number {
    return this.residentTop - ARENA_BASE;
  }

  /** Whether `a` is a view of this memory (then its byteOffset is its address). */
  isResident(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Where a kernel writes its result `dst`: in place when dst lives in this memory and shares no bytes with an input
   *  (a kernel may read an input after writing part of its output), else a fresh arena block that copyOut copies
   *  into dst. */
  out(dst: Float32Array, ...inputs: readonly (ArrayBufferView | null | undefined)[]): number {
    if (this.isResident(dst)) {
      const a = dst.byteOffset, b = a + dst.byteLength;
      if (!inputs.some((x) => x && x.buffer === dst.buffer && x.byteOffset < b && a < x.byteOffset + x.byteLength)) return a;
    }
    return this.allocF32(dst.length);
  }

  allocF32(n: number): number {
    return this.alloc(n * 4);
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** Copies a JS array into a fresh arena block; a resident copy is read in place. */
  copyIn(src: Float32Array): number {
    if (this.isResident(src)) return src.byteOffset;
    const p = this.allocF32(src.length);
    const t = this.measure ? performance.now() : 0;
    this.f32(p, src.length).set(src);
    this.stats.copiesIn++;
    this.stats.copyBytes += src.byteLength;
    if (this.measure) this.stats.copyMs += performance.now() - t;
    return p;
  }

  /** Writes a table of i32 settings (tap ranges, offsets) into the arena: not counted as a copy. */
  table(values: Int32Array): number {
    return this.args(values);
  }

  /** Copies an Int32Array (indices) into a fresh arena block; one that lives in this memory is read in place. */
  copyInI32(src: Int32Array): number {
    if (this.isResident(src)) return src.byteOffset;
    this.stats.copiesIn++;
    this.stats.copyBytes += src.byteLength;
    const p = this.alloc(src.length * 4);
    new Int32Array(this.memory.buffer, p, src.length).set(src);
    return p;
  }

  /** Copies a result from `ptr` into `dst`, unless the kernel wrote it there (out gave dst's own address). A copy
   *  between two places of this memory is not counted as a copy out. */
  copyOut(ptr: number, dst: Float32Array): void {
    if (ptr === dst.byteOffset && this.isResident(dst)) return;
    const t = this.measure ? performance.now() : 0;
    dst.set(this.f32(ptr, dst.length));
    if (!this.isResident(dst)) {
      this.stats.copiesOut++;
      this.stats.copyBytes += dst.byteLength;
    }
    if (this.measure) this.stats.copyMs += performance.now() - t;
  }

  /** Where a kernel writes int32 results (pooling's indices): in place when they live in this memory. */
  outI32(dst: Int32Array): number {
    return this.isResident(dst) ? dst.byteOffset : this.alloc(dst.length * 4);
  }

  /** Copies int32 results from `ptr` into `dst`, unless they were written there. */
  copyOutI32(ptr: number, dst: Int32Array): void {
    if (ptr === dst.byteOffset && this.isResident(dst)) return;
    dst.set(new Int32Array(this.memory.buffer, ptr, dst.length));
    this.stats.copiesOut++;
    this.stats.copyBytes += dst.byteLength;
  }

  /** Writes an i32 parameter block into the arena (a kernel's settings: not counted as a copy). */
  args(values: readonly number[] | Int32Array): number {
    const p = this.alloc(values.length * 4);
    new Int32Array(this.memory.buffer, p, values.length).set(values);
    return p;
  }
}
