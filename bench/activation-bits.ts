// A fingerprint of the wasm activation kernels' outputs, to show that a change to them keeps every bit: each
// activation and gradient over 2²⁰ pseudo-random bit patterns (NaN, ±∞ and subnormals among them) and a grid of
// ±128 in steps of 1/16, hashed. Run it on two source trees and compare the lines.
// `node --experimental-wasm-relaxed-simd --import tsx bench/activation-bits.ts <tree> [plain|relaxed]`.
const root = process.argv[2] ?? ".";
const { initWasm, wasmBackend } = await import(`${root}/src/backends/wasm/index.ts`) as typeof import("../src/backends/wasm/index.js");
await initWasm({ threads: 1, relaxed: process.argv[3] === "relaxed" });
const kernels = wasmBackend.kernels;
const n = 1 << 20;
const buffer = (): Float32Array => (wasmBackend.allocate?.("float32", n) ?? null) as Float32Array | null ?? new Float32Array(n);
const x = buffer(), y = buffer(), dy = buffer();
const bits = new Uint32Array(x.buffer, x.byteOffset, n);
let s = 12345;
for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; bits[i] = s; }
for (let i = 0; i < 4096; i++) x[i] = (i - 2048) / 16;
dy.fill(0.75);
const hash = (a: Float32Array): number => {
  const w = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 0;
  for (let i = 0; i < w.length; i++) h = (Math.imul(h, 31) + w[i]!) | 0;
  return h;
};
const out: string[] = [];
for (const op of ["silu", "hardswish", "hardsigmoid", "hardtanh", "gelu", "geluTanh"] as const) {
  try {
    kernels.activation!(op, x, y, -1, 1);
    out.push(`${op} ${hash(y)}`);
    kernels.activationGrad!(op, x, dy, y, -1, 1);
    out.push(`${op}' ${hash(y)}`);
  } catch {
    out.push(`${op} —`);
  }
}
kernels.activationGrad!("sigmoid", x, dy, y, 0, 0);
out.push(`sigmoid' ${hash(y)}`);
console.log(out.join(" | "));
process.exit(0);
