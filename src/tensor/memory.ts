// Where tensor memory comes from: the current backend's own memory when it has one (the wasm backend's blocks, which
// its kernels read and write in place), else plain arrays. The tensor layer knows no backend: backends/registry.ts
// installs the current one's allocator here.

/** A backend's memory, as the tensor layer sees it. */
export interface DeviceMemory {
  /** A zero-filled array of `n` elements in the backend's memory, or null (then a plain array is used). */
  allocate(kind: "float32" | "int32", n: number): Float32Array | Int32Array | null;
  /** Takes back an array `allocate` returned; false for any other array. */
  release(data: ArrayBufferView): boolean;
  /** Whether `data` is a view of the backend's memory. */
  owns(data: ArrayBufferView): boolean;
}

let device: DeviceMemory | null = null;

/** Counts of tensor memory since the process started (memoryStats). */
export interface MemoryStats {
  /** Tensor arrays allocated, in a backend's memory or as plain arrays (a buffer pool's reuse is not one). */
  allocations: number;
  /** Arrays handed back to their backend by the library (a step's intermediates, a scope's buffers) before the
   *  garbage collector would have found them. */
  releases: number;
}

const counts: MemoryStats = { allocations: 0, releases: 0 };

/** How many tensor arrays were allocated, and how many the library handed back to their backend, so far. */
export function memoryStats(): MemoryStats {
  return { ...counts };
}

/** Installs the allocator of the backend in use (backends/registry.ts calls it). */
export function setDeviceMemory(memory: DeviceMemory | null): void {
  device = memory;
}

/** Runs `fn` with tensors allocated as plain arrays, as before backends had their own memory (a fast backend then
 *  copies operands in and results out on every kernel call): for comparisons and measurements. */
export function withPlainArrays<T>(fn: () => T): T {
  const prev = device;
  device = null;
  try {
    return fn();
  } finally {
    device = prev;
  }
}

/** A zero-filled float32 array of `n` elements: in the current backend's memory where it has one and the library sees
 *  the array's lifetime — inside a scope that hands its arrays back (graphScope, a backward, an inference scope: see
 *  startTracking), or when the caller owns it (`owned`: a buffer pool, optimizer state, a loader's reused batch
 *  buffers) — else a plain array, which the garbage collector frees as soon as it runs. A backend's blocks are freed
 *  by the collector only when the program yields to the event loop, so a loop that never yields would keep every
 *  block it let go of. */
export function allocateFloat32(n: number, owned = false): Float32Array {
  counts.allocations++;
  const a = owned || residentScopes > 0 ? (device?.allocate("float32", n) as Float32Array | null) : null;
  return noteAllocation(a ?? new Float32Array(n));
}

/** A zero-filled int32 array (pooling's indices, which the backward reads), placed as allocateFloat32 places arrays. */
export function allocateInt32(n: number): Int32Array {
  counts.allocations++;
  const a = residentScopes > 0 ? (device?.allocate("int32", n) as Int32Array | null) : null;
  return noteAllocation(a ?? new Int32Array(n));
}

/** The open trackers: each sees every array allocated (or taken from a pool) while it is open. */
const trackers: Set<ArrayBufferView>[] = [];
/** Trackers whose owner hands back what it does not return: arrays allocated under one live in the backend memory. */
const owning = new WeakSet<Set<ArrayBufferView>>();
let residentScopes = 0;

/** Starts recording the arrays handed out from now on (autograd uses it to know which arrays it made itself, and may
 *  therefore release); stopTracking closes it. Trackers nest: an allocation goes to every open one. An `owning`
 *  tracker's caller hands back what it does not return (graphScope, backward): arrays allocated under it may live in
 *  the backend's memory (allocateFloat32). */
export function startTracking(owningScope = false): Set<ArrayBufferView> {
  const t = new Set<ArrayBufferView>();
  trackers.push(t);
  if (owningScope) {
    owning.add(t);
    residentScopes++;
  }
  return t;
}

/** Closes a tracker startTracking opened (the innermost one). */
export function stopTracking(t: Set<ArrayBufferView>): void {
  const i = trackers.lastIndexOf(t);
  if (i < 0) return;
  trackers.splice(i, 1);
  if (owning.has(t)) residentScopes--;
}

/** Tells the open trackers about an array handed out (a buffer pool calls it when it hands out a reused one). */
export function noteAllocation<A extends ArrayBufferView>(a: A): A {
  for (const t of trackers) t.add(a);
  return a;
}

/** Returns `data` to the backend that allocated it, for reuse now; false (nothing done) for a plain array, which the
 *  garbage collector frees. The caller promises that nothing reads or writes `data` any more. */
export function releaseMemory(data: ArrayBufferView): boolean {
  // an enclosing scope must not release it a second time (the block may belong to a new array by then)
  for (const t of trackers) t.delete(data);
  const done = device?.release(data) ?? false;
  if (done) counts.releases++;
  return done;
}

/** Whether two arrays start at the same memory (one may be a prefix of the other: a scratch buffer and its subarray).
 *  Comparing ArrayBuffers no longer tells arrays apart: every view of a backend's memory shares one. */
export function sameMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset;
}

/** A key for the memory behind an array, equal for arrays that share it: the ArrayBuffer of a plain array (its
 *  subarrays share it), the address of a view of a backend's memory (whose views all share one buffer). */
export function memoryKey(a: ArrayBufferView): ArrayBufferLike | number {
  return device?.owns(a) ? a.byteOffset : a.buffer;
}
