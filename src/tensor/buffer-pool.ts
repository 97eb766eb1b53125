// Reuse of float32 buffers whose last reader is known (the ONNX graph runner releases each value after the last node
// that reads it): a released buffer backs the next tensor of the same size instead of waiting for the garbage
// collector, which bounds the memory of an inference to its live activations.
import type { DataArray } from "./dtype.js";

/** Released buffers by length; only buffers it allocated itself (whole ArrayBuffers) are ever taken back. */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBufferLike>();
  /** Bytes held for reuse. */
  heldBytes = 0;

  /** A zero-filled buffer of `size` floats: a released one when there is one, else a new one. */
  take(size: number): Float32Array {
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.heldBytes -= reused.byteLength;
      return reused.fill(0);
    }
    const a = new Float32Array(size);
    this.owned.add(a.buffer);
    return a;
  }

  /** Hands `data` back for reuse; false (and nothing kept) when this pool did not allocate it. The caller promises
   *  that nothing reads or writes it any more. */
  release(data: DataArray): boolean {
    if (!(data instanceof Float32Array) || !this.owned.has(data.buffer) || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return false;
    let list = this.free.get(data.length);
    if (!list) this.free.set(data.length, (list = []));
    list.push(data);
    this.heldBytes += data.byteLength;
    return true;
  }

  /** Drops every held buffer (they become garbage). */
  clear(): void {
    this.free.clear();
    this.heldBytes = 0;
  }
}

let active: BufferPool | null = null;

/** The pool that float32 allocations draw from now, if any. */
export function activeBufferPool(): BufferPool | null {
  return active;
}

/** Runs fn with float32 tensor allocations drawn from `pool`. */
export function withBufferPool<T>(pool: BufferPool, fn: () => T): T {
  const prev = active;
  active = pool;
  try {
    return fn();
  } finally {
    active = prev;
  }
}
