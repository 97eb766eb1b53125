// The GEMM micro-kernel's register-block shapes on this machine: 4×8 (8 f32x4 accumulators, the one the kernels use)
// against 6×8 and 4×12 (12 accumulators), each looped over L1-resident panels (kc = 256), plain and relaxed SIMD, one
// thread. `node --experimental-wasm-relaxed-simd --import tsx bench/profile-micro-shapes.ts`.
import asc from "assemblyscript/asc";
import { relaxedSimdAvailable } from "../src/backends/wasm/runtime.js";

const source = `
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}
function k48(kc: i32, pa: usize, pb: usize, c: usize): void {
  let z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa); c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4); c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8); c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12); c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    pa += 16; pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
  v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
}
function k68(kc: i32, pa: usize, pa2: usize, pb: usize, c: usize): void {
  let z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa); c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4); c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8); c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12); c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    a = v128.load32_splat(pa2); c40 = fma(a, b0, c40); c41 = fma(a, b1, c41);
    a = v128.load32_splat(pa2, 4); c50 = fma(a, b0, c50); c51 = fma(a, b1, c51);
    pa += 16; pa2 += 16; pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
  v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
  v128.store(c, c40, 128); v128.store(c, c41, 144); v128.store(c, c50, 160); v128.store(c, c51, 176);
}
function k412(kc: i32, pa: usize, pb: usize, c: usize): void {
  let z = f32x4.splat(0);
  let c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32);
    let a = v128.load32_splat(pa); c00 = fma(a, b0, c00); c01 = fma(a, b1, c01); c02 = fma(a, b2, c02);
    a = v128.load32_splat(pa, 4); c10 = fma(a, b0, c10); c11 = fma(a, b1, c11); c12 = fma(a, b2, c12);
    a = v128.load32_splat(pa, 8); c20 = fma(a, b0, c20); c21 = fma(a, b1, c21); c22 = fma(a, b2, c22);
    a = v128.load32_splat(pa, 12); c30 = fma(a, b0, c30); c31 = fma(a, b1, c31); c32 = fma(a, b2, c32);
    pa += 16; pb += 48;
  }
  v128.store(c, c00); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c10, 48); v128.store(c, c11, 64);
  v128.store(c, c12, 80); v128.store(c, c20, 96); v128.store(c, c21, 112); v128.store(c, c22, 128); v128.store(c, c30, 144);
  v128.store(c, c31, 160); v128.store(c, c32, 176);
}
export function run48(reps: i32, kc: i32): void { for (let r = 0; r < reps; r++) k48(kc, 1024, 65536, 131072); }
export function run68(reps: i32, kc: i32): void { for (let r = 0; r < reps; r++) k68(kc, 1024, 1024 + (<usize>kc << 4), 65536, 131072); }
export function run412(reps: i32, kc: i32): void { for (let r = 0; r < reps; r++) k412(kc, 1024, 65536, 131072); }
`;

for (const relaxed of relaxedSimdAvailable() ? [false, true] : [false]) {
  const r = await asc.compileString({ "shapes.ts": source }, {
    optimizeLevel: 3, runtime: "stub", noAssert: true, enable: ["simd", ...(relaxed ? ["relaxed-simd"] : [])], importMemory: true, initialMemory: 4,
  });
  if (r.error || !r.binary) throw new Error(r.stderr.toString());
  const memory = new WebAssembly.Memory({ initial: 4 });
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(new Uint8Array(r.binary)), { env: { memory, abort() {} } });
  new Float32Array(memory.buffer).fill(0.5);
  const ex = instance.exports as Record<string, (reps: number, kc: number) => void>;
  const kc = 256, reps = 20000;
  for (const [name, flops] of [["48", 64], ["68", 96], ["412", 96]] as const) {
    const f = ex[`run${name}`]!;
    f(100, kc);
    let best = Infinity;
    for (let t = 0; t < 5; t++) { const t0 = performance.now(); f(reps, kc); best = Math.min(best, performance.now() - t0); }
    const shape = name === "48" ? "4×8" : name === "68" ? "6×8" : "4×12";
    console.log(`${relaxed ? "relaxed" : "plain  "} ${shape.padEnd(5)} ${(reps * kc * flops / best / 1e6).toFixed(1)} GFLOP/s`);
  }
}
