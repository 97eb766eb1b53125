// Where tensor memory comes from: the current backend's own memory when it has one (the wasm backend's blocks, which
// its kernels read and write in place), else plain arrays. The tensor layer knows no backend: backends/registry.ts
// installs the current one's allocator here.

import type { DataArray } from "./dtype.js";
import { ValueError } from "../errors.js";

/** Values in a device's memory, which JavaScript cannot read synchronously (a GPU buffer): the device backend that
 *  made it reads it back asynchronously (Tensor.valuesAsync). */
export interface DeviceArray {
  /** The backend holding it ("webgpu"). */
  readonly device: string;
  /** Element type: a tensor's float32 values, or int32 indices (pooling's argmax). */
  readonly kind: "float32" | "int32";
  /** Number of elements. */
  readonly length: number;
}

/** What kernels read and write: a typed array on the CPU backends, a device array on a device backend. */
export type KernelArray = DataArray | DeviceArray;
/** Index operands of kernels (pooling's indices, gathers' positions): an Int32Array, or int32 on a device. */
export type IndexArray = Int32Array | DeviceArray;

/** Any array of tensor memory: values or indices, on the host or on a device. */
export type TensorMemory = DataArray | Int32Array | DeviceArray;

/** Whether `v` (anything a forward saved) is tensor memory: a typed array, or a device array (which has a device,
 *  a kind and a length). */
export function isTensorMemory(v: unknown): v is TensorMemory {
  return ArrayBuffer.isView(v) || (v !== null && typeof v === "object" && "device" in v && "kind" in v && "length" in v);
}

/** Whether `a` is a device array (not readable synchronously). */
export function isDeviceArray(a: KernelArray | IndexArray): a is DeviceArray {
  return !ArrayBuffer.isView(a);
}

/** A backend's memory, as the tensor layer sees it. */
export interface DeviceMemory {
  /** A zero-filled array of `n` elements in the backend's memory, or null (then a plain array is used). */
  allocate(kind: "float32" | "int32", n: number): Float32Array | Int32Array | null;
  /** Takes back an array `allocate` (or allocateOnDevice) returned; false for any other array. */
  release(data: TensorMemory): boolean;
  /** Whether `data` is a view of the backend's memory. */
  owns(data: ArrayBufferView): boolean;
  /** Whether the backend in use keeps values where JavaScript cannot read them synchronously (a GPU): then kernel
   *  outputs are device arrays, and host arrays move there when a kernel first takes them. */
  onDevice(): boolean;
  /** A zero-filled device array of `n` elements (the backend in use must be a device one). */
  allocateOnDevice(kind: "float32" | "int32", n: number): DeviceArray;
  /** A device array holding a copy of `data` (the backend in use must be a device one). */
  upload(data: DataArray | Int32Array): DeviceArray;
  /** The values of a device array, read back by the backend that holds it. */
  read(data: DeviceArray): Promise<Float32Array | Int32Array>;
  /** A one-element float32 device array holding `value`, shared by every caller asking for that value: read-only. */
  constant(value: number): DeviceArray;
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

/** Memory a kernel writes (an op's output, optimizer state): a zero-filled device array on a device backend, else
 *  as allocateFloat32 places arrays. */
export function allocateKernelArray(n: number, owned = false): Float32Array | DeviceArray {
  if (!device?.onDevice()) return allocateFloat32(n, owned);
  counts.allocations++;
  return noteAllocation(device.allocateOnDevice("float32", n));
}

/** Index memory a kernel writes (pooling's argmax): on the device on a device backend, else as allocateInt32. */
export function allocateIndexArray(n: number): IndexArray {
  if (!device?.onDevice()) return allocateInt32(n);
  counts.allocations++;
  return noteAllocation(device.allocateOnDevice("int32", n));
}

/** Whether the backend in use keeps tensors on a device (see DeviceMemory.onDevice). */
export function onDevice(): boolean {
  return device?.onDevice() ?? false;
}

/** `data` as the kernels of the backend in use take it: on a device backend, a device copy of a host array (which
 *  the caller keeps in place of the host array); else `data` itself. */
export function toKernelArray<A extends DataArray | Int32Array>(data: A): A | DeviceArray {
  return device?.onDevice() ? device.upload(data) : data;
}

/** A shared, read-only one-element device array of `value` on a device backend (an op's number operand, which would
 *  otherwise be uploaded at every call), or null on a CPU backend. */
export function deviceConstant(value: number): DeviceArray | null {
  return device?.onDevice() ? device.constant(value) : null;
}

/** The values of a device array, read back asynchronously by its backend. */
export function readDeviceArray(data: DeviceArray): Promise<Float32Array | Int32Array> {
  if (!device) throw new ValueError(`a ${data.device} tensor's values cannot be read: no backend memory is installed`);
  return device.read(data);
}

/** A zero-filled int32 array (pooling's indices, which the backward reads), placed as allocateFloat32 places arrays. */
export function allocateInt32(n: number): Int32Array {
  counts.allocations++;
  const a = residentScopes > 0 ? (device?.allocate("int32", n) as Int32Array | null) : null;
  return noteAllocation(a ?? new Int32Array(n));
}

/** The open trackers: each sees every array allocated (or taken from a pool) while it is open. */
const trackers: Set<TensorMemory>[] = [];
/** Trackers whose owner hands back what it does not return: arrays allocated under one live in the backend memory. */
const owning = new WeakSet<Set<TensorMemory>>();
let residentScopes = 0;

/** Starts recording the arrays handed out from now on (autograd uses it to know which arrays it made itself, and may
 *  therefore release); stopTracking closes it. Trackers nest: an allocation goes to every open one. An `owning`
 *  tracker's caller hands back what it does not return (graphScope, backward): arrays allocated under it may live in
 *  the backend's memory (allocateFloat32). */
export function startTracking(owningScope = false): Set<TensorMemory> {
  const t = new Set<TensorMemory>();
  trackers.push(t);
  if (owningScope) {
    owning.add(t);
    residentScopes++;
  }
  return t;
}

/** Closes a tracker startTracking opened (the innermost one). */
export function stopTracking(t: Set<TensorMemory>): void {
  const i = trackers.lastIndexOf(t);
  if (i < 0) return;
  trackers.splice(i, 1);
  if (owning.has(t)) residentScopes--;
}

/** Tells the open trackers about an array handed out (a buffer pool calls it when it hands out a reused one). */
export function noteAllocation<A extends TensorMemory>(a: A): A {
  for (const t of trackers) t.add(a);
  return a;
}

/** Returns `data` to the backend that allocated it, for reuse now; false (nothing done) for a plain array, which the
 *  garbage collector frees. The caller promises that nothing reads or writes `data` any more. */
export function releaseMemory(data: TensorMemory): boolean {
  // an enclosing scope must not release it a second time (the block may belong to a new array by then)
  for (const t of trackers) t.delete(data);
  const done = device?.release(data) ?? false;
  if (done) counts.releases++;
  return done;
}

/** What memoryKey returns: an ArrayBuffer, an address, or the device array itself. */
export type MemoryKey = ArrayBufferLike | number | DeviceArray;

/** Whether two arrays start at the same memory (one may be a prefix of the other: a scratch buffer and its subarray).
 *  Comparing ArrayBuffers no longer tells arrays apart: every view of a backend's memory shares one. */
export function sameMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset;
}

/** A key for the memory behind an array, equal for arrays that share it: the ArrayBuffer of a plain array (its
 *  subarrays share it), the address of a view of a backend's memory (whose views all share one buffer). */
export function memoryKey(a: TensorMemory): MemoryKey {
  if (!ArrayBuffer.isView(a)) return a;
  return device?.owns(a) ? a.byteOffset : a.buffer;
}
