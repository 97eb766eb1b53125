// The helpers every kernel file uses. The kernels are AssemblyScript, one file per op family (gemm, conv, conv-direct,
// winograd, pool, elementwise, reduce, norm), compiled by scripts/build-wasm.mjs from the generated entry kernels.as
// into kernels-wasm.ts; the .as extension keeps the project's TypeScript compiler away from them. Every "task"
// function takes (args, tid, nthreads) so that worker threads sharing the memory can split the units of work; args
// points at an i32 parameter block written by the JS side, whose fields are declared in ../tasks.json and read here
// by index: arg(args, Block.field) with the indices of the generated args.as.

// f32x4 multiply-add: fused (relaxed SIMD) when the build enables it, else mul + add.
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}

/** Field i of the parameter block at args. */
@inline export function arg(args: usize, i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

/** Sets field i of a parameter block that a task builds for another (the fused Winograd tasks). */
@inline export function setArg(args: usize, i: i32, v: i32): void {
  store<i32>(args + (<usize>i << 2), v);
}

/** The first of the units that thread tid of nth takes in a task split into contiguous shares, units
 *  [unitStart(units, tid, nth), unitStart(units, tid + 1, nth)). The GEMM, im2col, depthwise and direct convolution
 *  tasks split so rather than dealing units in turn (u = tid, tid + nth, …): with neighbouring units on the two cores,
 *  each core's stream prefetcher ran into the lines the other was writing, and a 1×1 convolution with a 4.8 MB output
 *  (16→96 at 112²) was no faster on two threads than on one (1.27 ms; 0.68 ms split so). The Winograd tasks, whose
 *  units are larger, still deal them in turn: split so they measured the same. */
@inline export function unitStart(units: i32, tid: i32, nth: i32): i32 {
  return <i32>((<i64>units * <i64>tid) / <i64>nth);
}

@inline export function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
@inline export function imax(a: i32, b: i32): i32 { return a > b ? a : b; }

// V8 runs memory.fill and memory.copy as calls out of the generated code (tens of nanoseconds each): the short rows
// of the small planes (a 7×7 map's 9 padded rows, three calls each) spent more on the calls than on the bytes.
// Below 256 bytes a vector loop; byte counts are whole floats.

/** Zeroes `bytes` (a multiple of 4) from dst. */
@inline export function zeroFloats(dst: usize, bytes: usize): void {
  if (bytes >= 256) { memory.fill(dst, 0, bytes); return; }
  const z = f32x4.splat(0), end = dst + bytes;
  for (; dst + 16 <= end; dst += 16) v128.store(dst, z);
  for (; dst < end; dst += 4) store<f32>(dst, 0);
}

/** Copies `bytes` (a multiple of 4) from src to dst (the ranges do not overlap). */
@inline export function copyFloats(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 256) { memory.copy(dst, src, bytes); return; }
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<f32>(dst, load<f32>(src));
}
