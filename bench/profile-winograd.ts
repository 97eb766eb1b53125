// Winograd F(2×2, 3×3) against the GEMM / direct paths (setWinograd) on ResNet-18, S3/S5 and small-VGG shapes: forward
// and both gradients, ms and the relative max error against the other path.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-winograd.ts` (TH=1 for one thread).
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setWinograd } from "../src/backends/wasm/kernels.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";
await initWasm({ threads: Number(process.env.TH ?? 2) });
const k = wasmBackend.kernels as Kernels;
const G = (n: number, cIn: number, h: number, cOut: number): ConvGeometry => ({ n, cIn, h, w: h, cOut, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, groups: 1, outH: h, outW: h });
const r = () => Math.random() - 0.5;
const T = (f: () => void) => { f(); f(); const s = performance.now(); let i = 0; while (performance.now() - s < 400) { f(); i++; } return (performance.now() - s) / i; };
for (const g of [G(1, 64, 56, 64), G(1, 128, 28, 128), G(1, 256, 14, 256), G(1, 512, 7, 512), G(1, 256, 56, 256), G(8, 64, 56, 64), G(64, 32, 28, 32), G(64, 64, 14, 64), G(64, 128, 7, 128)]) {
  const x = Float32Array.from({ length: g.n * g.cIn * g.h * g.w }, r), w = Float32Array.from({ length: g.cOut * g.cIn * 9 }, r);
  const y = new Float32Array(g.n * g.cOut * g.outH * g.outW), yRef = new Float32Array(y.length), dx = new Float32Array(x.length);
  const fl = 2 * g.n * g.cOut * g.outH * g.outW * g.cIn * 9;
  const dW = new Float32Array(w.length), dWRef = new Float32Array(w.length);
  setWinograd(false); const tg = T(() => k.conv2d(x, w, null, g, y)); const dg = T(() => k.conv2dBackwardInput(y, w, g, dx)); k.conv2d(x, w, null, g, yRef);
  const wg = T(() => k.conv2dBackwardWeight(x, yRef, g, dWRef));
  setWinograd(true, false); const t2 = T(() => k.conv2d(x, w, null, g, y));
  setWinograd(true); const tw = T(() => k.conv2d(x, w, null, g, y)); const dw = T(() => k.conv2dBackwardInput(yRef, w, g, dx)); k.conv2d(x, w, null, g, y);
  const ww = T(() => k.conv2dBackwardWeight(x, yRef, g, dW));
  let err = 0, scale = 0; for (let i = 0; i < y.length; i++) { err = Math.max(err, Math.abs(y[i]! - yRef[i]!)); scale = Math.max(scale, Math.abs(yRef[i]!)); }
  let errW = 0, scaleW = 0; for (let i = 0; i < dW.length; i++) { errW = Math.max(errW, Math.abs(dW[i]! - dWRef[i]!)); scaleW = Math.max(scaleW, Math.abs(dWRef[i]!)); }
  console.log(`${g.n}×${g.cIn}→${g.cOut} ${g.h}²: fwd gemm ${tg.toFixed(2)} F2 ${t2.toFixed(2)} wino ${tw.toFixed(2)} ms (${(fl / tw / 1e6).toFixed(0)} eff. GF/s) ×${(tg / tw).toFixed(2)} | dx gemm ${dg.toFixed(2)} wino ${dw.toFixed(2)} ×${(dg / dw).toFixed(2)} | dW gemm ${wg.toFixed(2)} wino ${ww.toFixed(2)} ×${(wg / ww).toFixed(2)} | max err y ${(err / scale).toExponential(1)}, dW ${(errW / scaleW).toExponential(1)} rel`);
}
