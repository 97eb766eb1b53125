// The 'webgpu' backend: tensors whose memory is a GPU buffer (a device array), and the WGSL kernels over them.
// Kernel calls are encoded into the device's open batch and run when something is read back (valuesAsync, itemAsync)
// or the batch is flushed; nothing is read synchronously, so an op whose kernel is missing here is an error (counted
// in kernelFallbacks) rather than a silent trip through the CPU.
import type { Backend, DeviceMemoryOps, KernelName, Kernels } from "../backend.js";
import type { DataArray } from "../../tensor/dtype.js";
import type { DeviceArray, TensorMemory } from "../../tensor/memory.js";
import { registerBackend, setBackend } from "../registry.js";
import { ValueError } from "../../errors.js";
import { initWebGPU, WebGPUUnavailableError, type AdapterInfo, type Pipeline, type WebGPUDevice, type WebGPUOptions, type WebGPUStats } from "./device.js";
import { webgpuKernels } from "./kernels/index.js";

export { initWebGPU, WebGPUUnavailableError };
export type { AdapterInfo, Pipeline, WebGPUDevice, WebGPUOptions, WebGPUStats };

/** A tensor's values (or a pooling's indices) in a GPU buffer. */
class GpuArray implements DeviceArray {
  readonly device = "webgpu";
  constructor(
    /** The buffer, holding `length` elements. */
    readonly buffer: GPUBuffer,
    readonly kind: "float32" | "int32",
    readonly length: number,
  ) {}
}

/** Where each kernel writes: the positions of its output arguments (the rest are read). A host array passed to a
 *  kernel is copied to the GPU for the call, which is right for what it reads and would lose what it writes. */
const OUTPUTS: Record<KernelName, readonly number[]> = {
  fill: [0], copyStrided: [4], planeGather: [6], planeScatter: [5], indexToValues: [1], valuesToIndex: [2], unary: [2], binary: [6], where: [3], activation: [2],
  activationGrad: [3], reduce: [5], argReduce: [5], softmax: [5], matmul: [2], conv2d: [4], conv2dBackwardInput: [3],
  conv2dBackwardWeight: [3], pool2d: [4, 5], avgPool2dBackward: [3], adaptivePool2d: [7, 8], adaptiveAvgPool2dBackward: [6],
  bilinear2d: [9], bilinear2dBackward: [9], channelMoments: [4, 5], channelAffine: [8], channelNormBackward: [9, 10, 11],
  sgdStep: [0, 2], adamStep: [0, 2, 3, 4], rmspropStep: [0, 2, 3, 4],
};

/** What the webgpu backend has done: the device's counters, and the bytes that crossed between CPU and GPU. */
export interface WebGPUBackendStats extends WebGPUStats {
  /** Host arrays copied to the GPU (tensors made from JavaScript values, index tables). */
  uploads: number;
  /** Zero-filled buffers made because no released one of the size was free (uploads not counted). */
  buffersCreated: number;
  /** Bytes of the GPU buffers that back tensors now (live and pooled for reuse). */
  bufferBytes: number;
}

let gpu: WebGPUDevice | null = null;
const counts = { uploads: 0, buffersCreated: 0, bufferBytes: 0 };
/** Released buffers by element count, reused (zeroed) for the next array of that size. */
const free = new Map<number, GPUBuffer[]>();
/** The shared one-element constants by value (an op's number operands: eps, momentum, a loss's divisor…), at most
 *  MAX_CONSTANTS of them (a value that keeps changing is uploaded each time beyond that). */
const constants = new Map<number | string, GpuArray>();
const MAX_CONSTANTS = 4096;
/** Arrays already handed back: a second release must not put their buffer in the free list twice. */
const released = new WeakSet<GpuArray>();
/** Buffers whose array the program dropped without releasing: destroyed when the collector finds the array. */
const finalizer = new FinalizationRegistry<GPUBuffer>((buf) => {
  counts.bufferBytes -= buf.size;
  if (gpu) gpu.retire(buf);
  else buf.destroy();
});

function dev(): WebGPUDevice {
  if (!gpu) throw new ValueError("webgpu: the backend is not initialised; await initWebGPUBackend() first");
  return gpu;
}

function wrap(buffer: GPUBuffer, kind: "float32" | "int32", length: number): GpuArray {
  const a = new GpuArray(buffer, kind, length);
  finalizer.register(a, buffer, a);
  return a;
}

const memory: DeviceMemoryOps = {
  allocate(kind, n) {
    const d = dev();
    const reused = free.get(n)?.pop();
    if (reused) {
      d.clear(reused);
      return wrap(reused, kind, n);
    }
    const buf = d.buffer(n);
    counts.buffersCreated++;
    counts.bufferBytes += buf.size;
    return wrap(buf, kind, n);
  },
  upload(data) {
    counts.uploads++;
    const buf = dev().upload(data);
    counts.bufferBytes += buf.size;
    return wrap(buf, data instanceof Int32Array ? "int32" : "float32", data.length);
  },
  read(data) {
    if (!(data instanceof GpuArray)) throw new ValueError("webgpu: not a webgpu array");
    return dev().read(data.buffer, data.kind, data.length);
  },
  constant(value) {
    const key = Object.is(value, -0) ? "-0" : value; // a Map key of −0 would be +0's
    let a = constants.get(key);
    if (!a) {
      a = memory.upload(Float32Array.of(value)) as GpuArray;
      if (constants.size < MAX_CONSTANTS) {
        finalizer.unregister(a); // kept for the device's life
        released.add(a); // and never handed back to the free lists
        constants.set(key, a);
      }
    }
    return a;
  },
};

/** Hands a buffer back for reuse (the queue keeps it alive for the work already encoded that uses it). */
function release(data: TensorMemory): boolean {
  if (!(data instanceof GpuArray) || released.has(data)) return false;
  released.add(data);
  finalizer.unregister(data);
  let list = free.get(data.length);
  if (!list) free.set(data.length, (list = []));
  list.push(data.buffer);
  return true;
}

/** A kernel's arguments on the GPU: device arrays as their buffers, host arrays (index tables, small constants) as
 *  copies for the call; an output bound again as an input (x += y in place) reads a copy, since WebGPU forbids a
 *  buffer bound writable and read-only in one dispatch. */
function gpuArgs(name: KernelName, args: unknown[]): unknown[] {
  const d = dev();
  const outs = OUTPUTS[name];
  const written = new Set<GPUBuffer>();
  for (const i of outs) {
    const a = args[i];
    if (a === null || a === undefined) continue;
    if (!(a instanceof GpuArray)) throw new ValueError(`${name}: webgpu kernels write GPU arrays only (argument ${i} is ${ArrayBuffer.isView(a) ? "a host array" : typeof a}); a tensor made before the webgpu backend was selected stays on the CPU`);
    written.add(a.buffer);
  }
  return args.map((a, i) => {
    if (a instanceof GpuArray) {
      if (!outs.includes(i) && written.has(a.buffer)) {
        const copy = d.scratch(a.length);
        d.copy(a.buffer, copy, a.length * 4);
        return copy;
      }
      return a.buffer;
    }
    if (a instanceof Float32Array || a instanceof Int32Array) {
      counts.uploads++;
      return d.scratch(a.length, a);
    }
    if (a instanceof Float64Array) throw new ValueError(`${name}: a float64 array cannot go to the GPU (its kernels compute in float32)`);
    return a;
  });
}

const kernels = Object.fromEntries(
  (Object.keys(OUTPUTS) as KernelName[]).filter((name) => name in webgpuKernels).map((name) => {
    const fn = webgpuKernels[name as keyof typeof webgpuKernels] as (dev: WebGPUDevice, ...args: unknown[]) => void;
    return [name, (...args: unknown[]) => fn(dev(), ...gpuArgs(name, args))];
  }),
) as Partial<Kernels>;

/** The 'webgpu' backend (usable once initWebGPUBackend has opened a device). */
export const webgpuBackend: Backend = {
  name: "webgpu",
  kernels,
  supports: (data) => data instanceof GpuArray || data instanceof Float32Array || data instanceof Int32Array,
  release,
  device: memory,
};

/** What initWebGPUBackend found. */
export interface WebGPUBackendInfo {
  /** Who made the adapter ("swiftshader" under Chromium's software adapter). */
  adapter: AdapterInfo;
}

/**
 * Opens a WebGPU device (see initWebGPU: in a browser navigator.gpu, in Node the npm package `webgpu`), registers the
 * 'webgpu' backend and selects it unless `select` is false. Tensors made from then on live on the GPU; read them with
 * `await t.valuesAsync()` (or itemAsync, tolistAsync). Throws a WebGPUUnavailableError saying in one line why not.
 */
export async function initWebGPUBackend(opts: WebGPUOptions & { select?: boolean } = {}): Promise<WebGPUBackendInfo> {
  if (!gpu) gpu = await initWebGPU(opts);
  registerBackend(webgpuBackend);
  if (opts.select ?? true) setBackend("webgpu");
  return { adapter: gpu.info };
}

/** The webgpu backend's counters: pipelines compiled, dispatches, submits, readbacks, uploads, buffer bytes. */
export function webgpuStats(): WebGPUBackendStats {
  return { ...(gpu?.stats ?? { pipelinesCompiled: 0, dispatches: 0, submits: 0, readbacks: 0, paramPages: 0 }), ...counts };
}

/** Submits the kernels queued so far (reads do this themselves; a long loop that reads nothing may call it to keep
 *  the batch short). */
export function flushWebGPU(): void {
  gpu?.flush();
}

/** Host values as a GPU array (for tests and embedders). */
export function uploadToWebGPU(data: DataArray | Int32Array): DeviceArray {
  return memory.upload(data);
}
