// Host copies of tensor memory, for snapshots that outlive the step they were taken at (weights to save, an
// optimizer's state): a host array is copied at once; a device array (a GPU buffer) is read back, which JavaScript
// can only await. Code that must take its snapshot synchronously (fit's checkpoint callbacks, whose loop goes on
// right after) runs inside deferHostCopies: each read is started there and then, so the copy holds the values of that
// moment whatever is queued after it, and the caller awaits `ready` before using the copies.
import type { DataArray } from "./dtype.js";
import { isDeviceArray, readDeviceArray, type KernelArray } from "./memory.js";
import { ValueError } from "../errors.js";

/** The reads started inside the innermost deferHostCopies; null outside one. */
let reads: Promise<unknown>[] | null = null;

/** A copy of `a` on the host. A device array's values arrive asynchronously: inside deferHostCopies the returned array
 *  is filled when the read (started now) lands; elsewhere this throws one line saying that `what` is in device
 *  memory and to use `asyncCall` instead. */
export function hostCopy(a: KernelArray, what: string, asyncCall: string): DataArray {
  if (!isDeviceArray(a)) return a.slice();
  if (!reads) throw new ValueError(`${what} is in ${a.device} memory, which JavaScript reads only asynchronously; use ${asyncCall}`);
  const out = new Float32Array(a.length);
  reads.push(readDeviceArray(a).then((v) => out.set(v)));
  return out;
}

/** Runs `fn`, in which hostCopy starts device reads instead of refusing them: `value` is fn's result, complete once
 *  `ready` resolves (null when nothing had to be read: complete now). */
export function deferHostCopies<T>(fn: () => T): { value: T; ready: Promise<void> | null } {
  const outer = reads;
  const mine: Promise<unknown>[] = (reads = []);
  try {
    const value = fn();
    return { value, ready: mine.length > 0 ? Promise.all(mine).then(() => undefined) : null };
  } catch (e) {
    for (const r of mine) r.catch(() => undefined); // fn's error is the one to report, not a read nobody awaits
    throw e;
  } finally {
    reads = outer;
    outer?.push(...mine); // a nested snapshot is part of the outer one
  }
}
