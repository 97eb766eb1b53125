// Winograd's two schedules on the same shapes, alternating in one process: per-thread blocks of tile rows (each thread
// transforms, multiplies and inverse-transforms its own tiles) against chunks shared by the threads step by step.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-winograd-blocks.ts [fwd|dw]` (TH=1 for one thread).
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setWinogradBlocksMaxU } from "../src/backends/wasm/kernels.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";

await initWasm({ threads: Number(process.env.TH ?? 2) });
const k = wasmBackend.kernels as Kernels;
const what = process.argv[2] ?? "fwd";
const G = (n: number, cIn: number, h: number, cOut: number): ConvGeometry => ({ n, cIn, h, w: h, cOut, kh: 3, kw: 3, strideH: 1,
  strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: h, outW: h });
for (const g of [G(64, 32, 28, 32), G(64, 64, 14, 64), G(64, 64, 7, 128), G(8, 64, 56, 64), G(1, 64, 56, 64)]) {
  const x = Float32Array.from({ length: g.n * g.cIn * g.h * g.w }, Math.random), w = Float32Array.from({ length: g.cOut * g.cIn * 9 }, Math.random);
  const dy = Float32Array.from({ length: g.n * g.cOut * g.outH * g.outW }, Math.random);
  const out = what === "dw" ? new Float32Array(w.length) : new Float32Array(dy.length);
  const f = what === "dw" ? () => k.conv2dBackwardWeight(x, dy, g, out) : () => k.conv2d(x, w, null, g, out);
  const ms: Record<string, number[]> = { blocks: [], chunks: [] };
  for (let rep = 0; rep < 15; rep++) for (const mode of ["blocks", "chunks"]) {
    setWinogradBlocksMaxU(mode === "blocks" ? Infinity : 0);
    f();
    const t = performance.now(); f(); f(); ms[mode]!.push((performance.now() - t) / 2);
  }
  const s = (v: number[]) => { v.sort((a, b) => a - b); return `min ${v[0]!.toFixed(2)} median ${v[v.length >> 1]!.toFixed(2)} ms`; };
  console.log(`${what} ${g.n}×${g.cIn}→${g.cOut} ${g.h}²: blocks ${s(ms.blocks!)} | chunks ${s(ms.chunks!)}`);
}
setWinogradBlocksMaxU(1 << 20);
