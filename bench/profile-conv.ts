// Per-shape conv kernel timings on the wasm backend, direct vs GEMM (setDirectMaxCout): LeNet C1/C3 (= S1/S2) and
// ResNet-18 layer1. `node --experimental-wasm-relaxed-simd --import tsx bench/profile-conv.ts [threads]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setDirectMaxCout } from "../src/backends/wasm/kernels.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";
await initWasm({ threads: Number(process.argv[2] ?? 1) });
const k = wasmBackend.kernels as Kernels;
const G = (n: number, cIn: number, h: number, cOut: number, kk: number, p: number): ConvGeometry => ({ n, cIn, h, w: h, cOut, kh: kk, kw: kk, strideH: 1, strideW: 1, padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups: 1, outH: h + 2 * p - kk + 1, outW: h + 2 * p - kk + 1 });
const shapes: [string, ConvGeometry][] = [["C1/S1", G(64, 1, 32, 6, 5, 0)], ["C3/S2", G(64, 6, 14, 16, 5, 0)], ["r18-l1", G(1, 64, 56, 64, 3, 1)]];
const r = () => Math.random() - 0.5;
for (const [name, g] of shapes) {
  const x = Float32Array.from({ length: g.n * g.cIn * g.h * g.w }, r), w = Float32Array.from({ length: g.cOut * g.cIn * g.kh * g.kw }, r);
  const y = new Float32Array(g.n * g.cOut * g.outH * g.outW), dx = new Float32Array(x.length);
  const b = new Float32Array(g.cOut);
  const fl = 2 * g.n * g.cOut * g.outH * g.outW * g.cIn * g.kh * g.kw;
  const t = (f: () => void) => { f(); f(); const s = performance.now(); let i = 0; while (performance.now() - s < 400) { f(); i++; } const ms = (performance.now() - s) / i; return `${ms.toFixed(2)} ms ${(fl / ms / 1e6).toFixed(1)} GF/s`; };
  for (const d of [0, 1024]) { setDirectMaxCout(d); console.log(name, d ? "direct" : "gemm  ", "fwd", t(() => k.conv2d(x, w, b, g, y)), "dx", t(() => k.conv2dBackwardInput(y, w, g, dx)), "dw", t(() => k.conv2dBackwardWeight(x, y, g, w.slice()))); }
}
