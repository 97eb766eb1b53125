// A stand-in device backend for Node tests, 'sim': tensors live in arrays that JavaScript does not read synchronously
// (a tensor's .data throws, as a GPU tensor's does) and come back only through the asynchronous reads; its kernels
// are the reference kernels over the arrays inside. It exercises what a device backend asks of the code above the
// kernels (reads that are awaited, snapshots taken while training goes on, host state moved to the device) where no
// GPU is; the WGSL kernels themselves are checked in Chromium (test/web).
import { jsBackend } from "../../src/backends/js/index.js";
import { getBackend, registerBackend, setBackend } from "../../src/backends/registry.js";
import type { Backend, Kernels } from "../../src/backends/backend.js";
import type { DeviceArray } from "../../src/tensor/memory.js";

/** An array in the stand-in device's memory. */
class SimArray implements DeviceArray {
  readonly device = "sim";
  readonly kind: "float32" | "int32";
  constructor(readonly values: Float32Array | Int32Array) {
    this.kind = values instanceof Int32Array ? "int32" : "float32";
  }
  get length(): number {
    return this.values.length;
  }
}

const unwrap = (a: unknown): unknown => (a instanceof SimArray ? a.values : a);

/** The 'sim' backend (registered by useSimDevice). */
export const simBackend: Backend = {
  name: "sim",
  kernels: Object.fromEntries(Object.entries(jsBackend.kernels).map(([name, fn]) =>
    [name, (...args: unknown[]) => (fn as (...a: unknown[]) => void)(...args.map(unwrap))])) as Partial<Kernels>,
  supports: () => true,
  device: {
    allocate: (kind, n) => new SimArray(kind === "int32" ? new Int32Array(n) : new Float32Array(n)),
    upload: (data) => new SimArray(data instanceof Int32Array ? data.slice() : Float32Array.from(data)),
    // the kernels ran when called: the values now are those after every kernel queued before, as a GPU's read gives
    read: (a) => {
      const copy = (a as SimArray).values.slice();
      return new Promise((resolve) => setTimeout(() => resolve(copy), 1));
    },
    constant: (value) => new SimArray(Float32Array.of(value)),
  },
};

/** Registers 'sim' (setBackend("sim") selects it). */
export function useSimDevice(): void {
  registerBackend(simBackend);
}

/** `fn` on the 'sim' device (registered by useSimDevice), then back on the backend the test started on. */
export async function onSim<T>(fn: () => Promise<T> | T): Promise<T> {
  const before = getBackend().name;
  setBackend("sim");
  try {
    return await fn();
  } finally {
    setBackend(before);
  }
}
