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

@inline export function imin(a: i32, b: i32): i32 { return a < b ? a : b; }
