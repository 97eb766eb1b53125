// Which backend runs the kernels, and the fallback to the reference backend for what a fast one lacks.
import type { Backend, KernelName, Kernels } from "./backend.js";
import type { DataArray } from "../tensor/dtype.js";
import { jsBackend } from "./js/index.js";
import { ValueError } from "../errors.js";
import { setDeviceMemory } from "../tensor/memory.js";

const backends = new Map<string, Backend>([["js", jsBackend]]);
/** null until chosen: by setBackend, or by the default chooser on first use. */
let current: Backend | null = null;
let chooseDefault: (() => Backend) | null = null;
const fallbacks = new Map<string, number>();

// Tensors are allocated in the memory of the backend in use when they are made (resolved at each allocation, so the
// default backend is chosen on first use as for kernels).
setDeviceMemory({
  allocate: (kind, n) => active().allocate?.(kind, n) ?? null,
  release: (data) => active().release?.(data) ?? false,
  owns: (data) => active().owns?.(data) ?? false,
});

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

/** The kernel `name` of the current backend for data like `sample`, or the reference kernel. */
export function kernel<K extends KernelName>(name: K, sample: DataArray): Kernels[K] {
  const b = active();
  if (b !== jsBackend) {
    const k = b.kernels[name];
    if (k && b.supports(sample)) return k as Kernels[K];
    const key = `${b.name}:${name}`;
    fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1);
  }
  return jsBackend.kernels[name] as Kernels[K];
}
