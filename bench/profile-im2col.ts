// Padded im2col (stride-1 row runs as vectors) against the bounds-checked im2col, on the small VGG's GEMM-path shapes and
// ResNet-18 layer1, alternating in one process (best of 8). `node --experimental-wasm-relaxed-simd --import tsx bench/profile-im2col.ts [threads]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setDirectMaxCout, setPaddedIm2col } from "../src/backends/wasm/kernels.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";
await initWasm({ threads: Number(process.argv[2] ?? 1) });
const k = wasmBackend.kernels as Kernels;
const G = (n: number, cIn: number, h: number, cOut: number, kk: number, p: number): ConvGeometry => ({ n, cIn, h, w: h, cOut, kh: kk, kw: kk, strideH: 1, strideW: 1, padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups: 1, outH: h + 2 * p - kk + 1, outW: h + 2 * p - kk + 1 });
const r = () => Math.random() - 0.5;
for (const [name, g] of [["v3 32→64 14²", G(64, 32, 14, 64, 3, 1)], ["v4 64→64 14²", G(64, 64, 14, 64, 3, 1)], ["v5 64→128 7²", G(64, 64, 7, 128, 3, 1)], ["r18 l1 64 56²", G(1, 64, 56, 64, 3, 1)]] as [string, ConvGeometry][]) {
  const x = Float32Array.from({ length: g.n * g.cIn * g.h * g.w }, r), w = Float32Array.from({ length: g.cOut * g.cIn * 9 }, r);
  const y = new Float32Array(g.n * g.cOut * g.outH * g.outW), dx = new Float32Array(x.length);
  const best = (f: () => void) => { f(); let b = 1e9; for (let i = 0; i < 8; i++) { const s = performance.now(); f(); b = Math.min(b, performance.now() - s); } return b; };
  const res: string[] = [];
  for (const rep of [0, 1]) for (const on of [false, true]) {
    setPaddedIm2col(on); setDirectMaxCout(0);
    res.push(`${on ? "padded" : "old"} fwd ${best(() => k.conv2d(x, w, null, g, y)).toFixed(1)} dx ${best(() => k.conv2dBackwardInput(y, w, g, dx)).toFixed(1)}`);
  }
  console.log(name, res.join(" | "));
}
