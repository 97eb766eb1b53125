// Eager inference with bounded memory. JavaScript frees a dead activation only when the garbage collector runs, which
// V8 schedules by its own heap, not by the megabytes of typed arrays behind it: a ResNet-18 left ~40 MiB of dead
// activations alive at its peak. With nothing recorded (noGrad) and a model in eval mode, a module whose forward keeps
// no tensor once it returns (every built-in layer and zoo model, marked below) hands back, when it returns, the buffers
// its forward allocated and does not return; the next allocations of those sizes reuse them (PyTorch frees the same
// tensors by reference counting). Only when the whole tree of the outermost such call is marked, in eval mode and
// without forward hooks (a hook may keep an intermediate, as `visualize features` does); otherwise nothing changes.
import { BufferPool, withBufferPool } from "../tensor/buffer-pool.js";
import { onDevice, releaseMemory, startTracking, stopTracking, type TensorMemory } from "../tensor/memory.js";
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { graphScope } from "../autograd/graph.js";
import type { AnyModule } from "./module.js";

/** Module classes whose forward keeps no reference to a tensor after it returns. A subclass is not one of them until
 *  it is marked too: it may override forward. */
const keepsNoTensors = new WeakSet<object>();

/** Marks module classes whose forward keeps no tensor it is given or makes once it returns (no caching on `this`, no
 *  closures that outlive the call): their inference may free its intermediates. */
export function markKeepsNoTensors(...classes: (abstract new (...args: never[]) => AnyModule)[]): void {
  for (const c of classes) keepsNoTensors.add(c);
}

/** The pool of the open scopes (set inside a checked outermost call), and each outermost module's own pool: its
 *  released buffers stay with the model for its next inference. */
let scopePool: BufferPool | null = null;
const pools = new WeakMap<AnyModule, BufferPool>();

/** The pool whose scope is open, if any: containers release a child's input there once the next child is done. */
export function openInferenceScope(): BufferPool | null {
  return scopePool;
}

/** Whether a device's inference (callReleasing) is open: nothing in it is recorded or hooked either. */
let deviceInference = false;

/** Whether an inference scope is open, on the host (a pool) or on a device: containers may then run layers fused
 *  (a convolution with the batch norm and activation after it), since no one sees the inner outputs. */
export function inferenceScopeOpen(): boolean {
  return scopePool !== null || deviceInference;
}

/** Whether every module of m's tree keeps no tensors, is in eval mode and has no forward hooks. */
function treeFits(m: AnyModule): boolean {
  for (const sub of m.modules()) if (!keepsNoTensors.has(sub.constructor) || sub.training || sub.hasForwardHooks()) return false;
  return true;
}

/** Whether the outermost marked call of a recorded forward is open (inner calls run plainly within it). */
let trainingScope = false;
/** Module calls open now. A scope opens only at the outermost call: a marked layer inside a module of unknown
 *  behaviour returns to code whose tensors only the garbage collector can follow, so its results must not live in a
 *  backend's memory (whose blocks the collector frees only when the program yields to the event loop). */
let depth = 0;

/** Runs `call` (module m's forward and hooks) in an inference scope or a training scope where one fits, else plainly. */
export function callInScope<T>(m: AnyModule, call: () => T): T {
  depth++;
  try {
    return callIn(m, call);
  } finally {
    depth--;
  }
}

function callIn<T>(m: AnyModule, call: () => T): T {
  if (!keepsNoTensors.has(m.constructor)) return call();
  if (isGradEnabled()) return callInTrainingScope(m, call);
  // a device backend's buffers are not host arrays for a pool to hand out: what the outermost call allocated and does
  // not return goes back to the device's own free lists when it returns
  if (onDevice()) return depth > 1 || scopePool || !treeFits(m) ? call() : callReleasing(call);
  let pool = scopePool;
  if (!pool) {
    if (depth > 1 || !treeFits(m)) return call();
    pool = pools.get(m) ?? new BufferPool();
    pools.set(m, pool);
  }
  const outer = scopePool;
  scopePool = pool;
  pool.openScope();
  let out: T | undefined;
  try {
    out = withBufferPool(pool, call);
    return out;
  } finally {
    pool.closeScope(memoryOf(out));
    scopePool = outer;
    if (!outer) handBackSmallResults(pool, out);
  }
}

/** Results up to this many floats leave the outermost call as plain arrays. */
const SMALL_RESULT = 4096;

/** Moves each small result of an outermost call (a classifier's logits; also an ONNX graph run's outputs) into a plain
 *  array and gives its buffer back to the pool: the next call reuses the buffer instead of taking a new block of the
 *  backend's memory that only the collector would return, and a loop of inferences that never yields keeps no memory
 *  block per call. */
export function handBackSmallResults(pool: BufferPool, out: unknown): void {
  for (const t of tensorsIn(out)) {
    const a = t.storage.memory;
    if (a instanceof Float32Array && a.length <= SMALL_RESULT && pool.owns(a)) {
      t.storage.replace(a.slice());
      pool.release(a);
    }
  }
}

/** Runs an inference whose intermediates go back to the backend when it returns (on a device, whose memory the
 *  garbage collector does not see: a loop of GPU inferences would otherwise hold every dead activation until it runs). */
function callReleasing<T>(call: () => T): T {
  const made = startTracking(true);
  let out: T | undefined;
  deviceInference = true;
  try {
    out = call();
    return out;
  } finally {
    deviceInference = false;
    stopTracking(made);
    const kept = memoryOf(out);
    for (const d of made) if (!kept.has(d)) releaseMemory(d);
  }
}

/** The memory behind a forward's result: a tensor, or tensors in arrays or plain objects. */
function memoryOf(out: unknown): Set<TensorMemory> {
  const into = new Set<TensorMemory>();
  for (const t of tensorsIn(out)) if (t.storage.memory) into.add(t.storage.memory);
  return into;
}

/** The tensors of a forward's result: a tensor, or tensors in arrays or plain objects. */
function* tensorsIn(out: unknown): Generator<Tensor> {
  if (out instanceof Tensor) yield out;
  else if (Array.isArray(out)) for (const v of out) yield* tensorsIn(v);
  else if (out !== null && typeof out === "object") for (const v of Object.values(out)) yield* tensorsIn(v);
}

/** A forward with autograd on, through a tree of marked modules without hooks (in training mode or not): the arrays
 *  it allocates and does not return are read by nobody but the graph's backward (the modules keep none, no hook saw
 *  them), so they are handed back once a backward has gone through the result (graphScope). */
function callInTrainingScope<T>(m: AnyModule, call: () => T): T {
  if (trainingScope || depth > 1 || !treeFitsRecorded(m)) return call();
  trainingScope = true;
  try {
    return graphScope(call);
  } finally {
    trainingScope = false;
  }
}

/** Whether every module of m's tree keeps no tensors and has no forward hooks: a recorded forward through it runs in
 *  a scope whose intermediates the backward hands back (every zoo model; test/nn/inference-scope.test.ts). */
export function treeFitsRecorded(m: AnyModule): boolean {
  for (const sub of m.modules()) if (!keepsNoTensors.has(sub.constructor) || sub.hasForwardHooks()) return false;
  return true;
}
