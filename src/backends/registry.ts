// Which backend runs the kernels, and the fallback to the reference backend for what a fast one lacks.
import type { Backend, KernelName, Kernels } from "./backend.js";
import type { DataArray } from "../tensor/dtype.js";
import { jsBackend } from "./js/index.js";
import { ValueError } from "../errors.js";

const backends = new Map<string, Backend>([["js", jsBackend]]);
let current: Backend = jsBackend;
const fallbacks = new Map<string, number>();

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Select the backend by name ('js' is the reference; 'wasm' once registered). */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new ValueError(`setBackend: unknown backend '${name}' (available: ${[...backends.keys()].join(", ")})`);
  current = b;
}

export function getBackend(): Backend {
  return current;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

/** How often each kernel fell back from the current fast backend to the reference one. */
export function kernelFallbacks(): Record<string, number> {
  return Object.fromEntries(fallbacks);
}

/** The kernel `name` of the current backend for data like `sample`, or the reference kernel. */
export function kernel<K extends KernelName>(name: K, sample: DataArray): Kernels[K] {
  if (current !== jsBackend) {
    const k = current.kernels[name];
    if (k && current.supports(sample)) return k as Kernels[K];
    const key = `${current.name}:${name}`;
    fallbacks.set(key, (fallbacks.get(key) ?? 0) + 1);
  }
  return jsBackend.kernels[name] as Kernels[K];
}
