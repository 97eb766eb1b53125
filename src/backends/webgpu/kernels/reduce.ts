// Reductions over the middle axis of an [outer, size, inner] view on the GPU (Kernels['reduce'], ['argReduce'],
// ['softmax']). A reduction runs one invocation per output while the axis is short, and one workgroup per output when
// it is long (a loss's sum over a batch, a global pooling), its threads striding the axis and then combining their
// partial results as a tree in workgroup memory. Sums accumulate in float32 (the reference uses doubles).
import type { ArgReduceOp, ReduceOp } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { MATH, grid, linearMain, paramBlock } from "../wgsl.js";

const PARAMS = paramBlock({ outer: "i32", size: "i32", inner: "i32", count: "i32" });

/** Each reduction's identity and how it takes in one more value v into acc (max/min: a NaN, once in, stays). */
const OPS: Record<ReduceOp, { init: string; combine: string }> = {
  sum: { init: "0.0", combine: "acc + v" },
  prod: { init: "1.0", combine: "acc * v" },
  max: { init: "-inf()", combine: "select(acc, v, v > acc || isNan(v))" },
  min: { init: "inf()", combine: "select(acc, v, v < acc || isNan(v))" },
};

/** Threads of a workgroup that reduces one long axis. */
const TREE = 256;
/** Axis length from which one workgroup, not one invocation, reduces each output. */
const LONG = 512;

/** y[o, i] = op over s of x[o, s, i]. */
export function reduce(dev: WebGPUDevice, op: ReduceOp, x: GPUBuffer, outer: number, size: number, inner: number, y: GPUBuffer): void {
  const count = outer * inner;
  if (count === 0) return;
  const { init, combine } = OPS[op];
  const fn = `fn combine(acc: f32, v: f32) -> f32 { return ${combine}; }`;
  const values = PARAMS.pack({ outer, size, inner, count });
  if (size < LONG) {
    const code = `${PARAMS.wgsl}${MATH}${fn}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let base = (i / P.inner) * P.size * P.inner + i % P.inner;
  var acc = ${init};
  for (var s = 0; s < P.size; s++) { acc = combine(acc, X[base + s * P.inner]); }
  Y[i] = acc;
}`;
    dev.dispatch(code, values, [x, y], grid(count));
    return;
  }
  const code = `${PARAMS.wgsl}${MATH}${fn}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
var<workgroup> part: array<f32, ${TREE}>;
@compute @workgroup_size(${TREE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = i32(wid.y * nwg.x + wid.x);
  let t = i32(lid);
  // no early return before the barriers: every thread of the workgroup must reach them
  let live = o < P.count;
  let base = (o / P.inner) * P.size * P.inner + o % P.inner;
  var acc = ${init};
  if (live) { for (var s = t; s < P.size; s += ${TREE}) { acc = combine(acc, X[base + s * P.inner]); } }
  part[t] = acc;
  workgroupBarrier();
  for (var step = ${TREE / 2}; step > 0; step /= 2) {
    if (t < step) { part[t] = combine(part[t], part[t + step]); }
    workgroupBarrier();
  }
  if (live && t == 0) { Y[o] = part[0]; }
}`;
  dev.dispatch(code, values, [x, y], grid(count, 1));
}

/** Index (as a float) of the first max/min along the axis; a NaN counts as the max (and the min), like PyTorch. */
export function argReduce(dev: WebGPUDevice, op: ArgReduceOp, x: GPUBuffer, outer: number, size: number, inner: number, y: GPUBuffer): void {
  const count = outer * inner;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}${MATH}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let base = (i / P.inner) * P.size * P.inner + i % P.inner;
  var best = X[base];
  var at = 0;
  for (var s = 1; s < P.size; s++) {
    let v = X[base + s * P.inner];
    if (!isNan(best) && (isNan(v) || v ${op === "argmax" ? ">" : "<"} best)) { best = v; at = s; }
  }
  Y[i] = f32(at);
}`;
  dev.dispatch(code, PARAMS.pack({ outer, size, inner, count }), [x, y], grid(count));
}

/** Softmax (or log-softmax) along the middle axis, one invocation per [outer, inner] position, the max subtracted
 *  first so that exp never overflows. */
export function softmax(dev: WebGPUDevice, x: GPUBuffer, outer: number, size: number, inner: number, log: boolean, y: GPUBuffer): void {
  const count = outer * inner;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}${MATH}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let base = (i / P.inner) * P.size * P.inner + i % P.inner;
  var m = -inf();
  for (var s = 0; s < P.size; s++) { m = max(m, X[base + s * P.inner]); }
  var sum = 0.0;
  for (var s = 0; s < P.size; s++) { sum += exp(X[base + s * P.inner] - m); }
  ${log ? "let lse = m + log(sum);" : ""}
  for (var s = 0; s < P.size; s++) {
    let at = base + s * P.inner;
    Y[at] = ${log ? "X[at] - lse" : "exp(X[at] - m) / sum"};
  }
}`;
  dev.dispatch(code, PARAMS.pack({ outer, size, inner, count }), [x, y], grid(count));
}
