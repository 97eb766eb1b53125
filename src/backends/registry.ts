// Which backend runs the kernels, and the fallback to the reference backend for what a fast one lacks.
import type { Backend, DeviceMemoryOps, KernelName, Kernels } from "./backend.js";
import type { DataArray } from "../tensor/dtype.js";
import { jsBackend } from "./js/index.js";
import { ValueError } from "../errors.js";
import { isDeviceArray, setDeviceMemory, type DeviceArray, type KernelArray } from "../tensor/memory.js";

const backends = new Map<string, Backend>([["js", jsBackend]]);
/** null until chosen: by setBackend, or by the default chooser on first use. */
let current: Backend | null = null;
let chooseDefault: (() => Backend) | null = null;
const fallbacks = new Map<string, number>();

// Tensors are allocated in the memory of the backend in use when they are made (resolved at each allocation, so the
// default backend is chosen on first use as for kernels).
setDeviceMemory({
  allocate: (kind, n) => active().allocate?.(kind, n) ?? null,
  release: (data) => (isDeviceArray(data) ? holder(data) : active()).release?.(data) ?? false,
  owns: (data) => active().owns?.(data) ?? false,
  onDevice: () => active().device !== undefined,
  allocateOnDevice: (kind, n) => deviceOf(active()).allocate(kind, n),
  upload: (data) => deviceOf(active()).upload(data),
  read: (data) => deviceOf(holder(data)).read(data),
  constant: (value) => deviceOf(active()).constant(value),
});

/** The backend holding a device array. */
function holder(data: DeviceArray): Backend {
  const b = backends.get(data.device);
  if (!b) throw new ValueError(`a tensor on '${data.device}', which is not registered any more`);
  return b;
}

function deviceOf(b: Backend): DeviceMemoryOps {
  if (!b.device) throw new ValueError(`backend '${b.name}' keeps no device memory`);
  return b.device;
}

/** The backend used until setBackend is called: the fast one when the platform has it (the wasm backend installs
 *  its chooser when imported), else the reference. CONVKIT_BACKEND=js|wasm in the environment overrides it. */
export function setDefaultBackendChooser(fn: () => Backend): void {
  chooseDefault = fn;
}

function active(): Backend {
  if (current) return current;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CONVKIT_BACKEND;
  current = env === "js" ? jsBackend : chooseDefault ? chooseDefault() : jsBackend;
  return current;
}

/** Make a backend available to setBackend under its name. */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Select the backend by name ('js' is the reference; 'wasm' once registered). */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: unknown backend '${name}' (available: ${[...backends.keys()].join(", ")})`);
  current = b;
}

/** The backend that runs the kernels now. */
export function getBackend(): Backend {
  return active();
}

/** The names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** The current backend's resident copy of a long-lived array (see Backend.residentCopy), or null. */
export function residentCopy(data: DataArray): DataArray | null {
  return active().residentCopy?.(data) ?? null;
}

/** How often each kernel fell back from the current fast backend to the reference one. */
export function kernelFallbacks(): Record<string, number> {
  return Object.fromEntries(fallbacks);
}

/** The kernel `name` of the backend for data like `sample`: the backend holding it when it is on a device (whose
 *  kernels must then have it: a device's values cannot go to the CPU synchronously, so a missing one is counted and
 *  thrown), else the current backend's, or the reference kernel (counted as a fallback). */
export function kernel<K extends KernelName>(name: K, sample: KernelArray): Kernels[K] {
  const b = isDeviceArray(sample) ? holder(sample) : active();
  if (b !== jsBackend) {
    const k = b.kernels[name];
    if (k && b.supports(sample)) return k as Kernels[K];
    const key = `${b.name}:${name}`;
    fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1);
    if (b.device) throw new ValueError(`${name}: the ${b.name} backend has no kernel for it, and its tensors cannot be computed on the CPU (their values are read only asynchronously)`);
  }
  return jsBackend.kernels[name] as Kernels[K];
}
