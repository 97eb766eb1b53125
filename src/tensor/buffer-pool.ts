// Reuse of float32 buffers whose last reader is known (the ONNX graph runner releases each value after the last node
// that reads it; eager inference scopes release what a module's forward made and did not return): a released buffer
// backs the next tensor of the same size instead of waiting for the garbage collector, which bounds the memory of an
// inference to its live activations.
// Buffers are known by their array object (a tensor's storage holds one): on the wasm backend every tensor's array is
// a view of the same memory, so their ArrayBuffers tell them apart no more.
import type { DataArray } from "./dtype.js";
import { allocateFloat32, noteAllocation, type TensorMemory } from "./memory.js";

/** What buffers reused without zeroing are filled with, for tests (null: left as they are). */
let reusedFill: number | null = null;

/** For tests: fill every buffer handed out without zeroing with `value` (NaN shows an op that claims to overwrite its
 *  output and leaves part of it), or null to leave them as they are. */
export function fillReusedBuffers(value: number | null): void {
  reusedFill = value;
}

/** Released buffers by length; only buffers it allocated itself are ever taken back. */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<DataArray>();
  /** Buffers taken while a scope is open, in order; marks[i] is where the i-th open scope's buffers start. */
  private readonly taken: Float32Array[] = [];
  private readonly marks: number[] = [];
  /** Bytes held for reuse. */
  heldBytes = 0;

  /** A buffer of `size` floats: a released one when there is one (zero-filled unless `zeroed` is false: its old
   *  values are left for a kernel that overwrites them all), else a new one (zero-filled). */
  take(size: number, zeroed = true): Float32Array {
    const list = this.free.get(size);
    let a = list?.pop();
    if (a) {
      this.heldBytes -= a.byteLength;
      if (zeroed) a.fill(0);
      else if (reusedFill !== null) a.fill(reusedFill);
      noteAllocation(a);
    } else {
      a = allocateFloat32(size, true);
      this.owned.add(a);
    }
    if (this.marks.length > 0) this.taken.push(a);
    return a;
  }

  /** Opens a scope: the buffers taken from now on are released when it closes, unless kept. Scopes nest. */
  openScope(): void {
    this.marks.push(this.taken.length);
  }

  /** Closes the innermost scope: releases the buffers taken in it except those backing `keep` (its results), which
   *  then belong to the enclosing scope (or, at the outermost, to the caller alone). */
  closeScope(keep: ReadonlySet<TensorMemory>): void {
    const mark = this.marks.pop();
    if (mark === undefined) throw new Error("BufferPool.closeScope: no scope is open");
    const kept: Float32Array[] = [];
    for (let i = mark; i < this.taken.length; i++) {
      const a = this.taken[i]!;
      if (keep.has(a)) kept.push(a);
      else this.release(a);
    }
    this.taken.length = mark;
    if (this.marks.length > 0) this.taken.push(...kept);
  }

  /** Releases now the buffer `data` if the innermost open scope took it (a value its last reader is done with),
   *  unless it is `unless` (the reader's result shares it). */
  discard(data: DataArray, unless: DataArray): void {
    if (data === unless || this.marks.length === 0) return;
    for (let i = this.taken.length - 1; i >= this.marks[this.marks.length - 1]!; i--) {
      if (this.taken[i] !== data) continue;
      this.release(this.taken[i]!);
      this.taken.splice(i, 1);
      return;
    }
  }

  /** Whether this pool allocated `data` (and so may take it back). */
  owns(data: DataArray): boolean {
    return data instanceof Float32Array && this.owned.has(data);
  }

  /** Hands `data` back for reuse; false (and nothing kept) when this pool did not allocate it. The caller promises
   *  that nothing reads or writes it any more. */
  release(data: DataArray): boolean {
    if (!(data instanceof Float32Array) || !this.owned.has(data)) return false;
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
