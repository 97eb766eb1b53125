// Reading tensors for drawing on any backend. On the CPU backends (js, wasm) a tensor's values are in JavaScript's
// memory and a section draws them within the event that changed them, as it always has; on the webgpu backend they
// are in the GPU's memory, which JavaScript reads only asynchronously (valuesAsync). A section whose controls fire
// faster than the GPU answers must draw only its latest result: a reader drops the answers a newer call replaced.
import type { DataArray, Tensor } from "../src/index.js";

/** One section's reader of the tensors it draws. */
export class LatestValues {
  private latest = 0;

  /** `onError` gets a failed read-back (the GPU's device lost, say). */
  constructor(private readonly onError: (e: unknown) => void = (e) => console.error(e)) {}

  /**
   * Calls `use` with the tensors' values (null for a null tensor): at once when all are in JavaScript's memory, else
   * once the GPU has sent them back (all read together), and then only if this reader has not been called or dropped
   * since.
   */
  read(tensors: readonly (Tensor | null)[], use: (values: (DataArray | null)[]) => void): void {
    const call = ++this.latest;
    if (tensors.every((t) => t === null || !t.isOnDevice)) {
      use(tensors.map((t) => t?.data ?? null));
      return;
    }
    Promise.all(tensors.map((t) => t?.valuesAsync() ?? null)).then((values) => {
      if (call === this.latest) use(values);
    }).catch(this.onError);
  }

  /** Forgets the answer still awaited: the section shows something else now (an error, say). */
  drop(): void {
    this.latest++;
  }
}
