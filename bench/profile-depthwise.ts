// Depthwise and 1×1 convolutions of MobileNetV2 on the wasm backend, the new paths against the old ones (setDepthwise,
// setPointwiseGemm) in one process, alternating, each reported as ms, GFLOP/s and GB/s of its essential traffic
// (x, w and y once each), against the bandwidth of a large copy measured in the same run.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-depthwise.ts [threads=2] [rounds=5] [name filter]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setDepthwise, setPointwiseGemm } from "../src/backends/wasm/kernels.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";
import { medianCall } from "./timing.js";

const threads = Number(process.argv[2] ?? 2), rounds = Number(process.argv[3] ?? 5), only = process.argv[4] ?? "";
const info = await initWasm({ threads });
const k = wasmBackend.kernels as Kernels;

function conv(n: number, cIn: number, h: number, cOut: number, kk: number, stride: number, groups: number): ConvGeometry {
  const p = (kk - 1) >> 1, out = Math.floor((h + 2 * p - kk) / stride) + 1;
  return { n, cIn, h, w: h, cOut, kh: kk, kw: kk, strideH: stride, strideW: stride, padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups, outH: out, outW: out };
}
const dw = (c: number, h: number, s = 1, kk = 3) => conv(1, c, h, c, kk, s, c);
const pw = (cIn: number, h: number, cOut: number) => conv(1, cIn, h, cOut, 1, 1, 1);
/** The depthwise task on every depthwise shape (new) or on none (old). */
const depthwiseTask = (on: boolean) => setDepthwise(on ? "always" : "never");
const shapes: [string, ConvGeometry, (on: boolean) => void][] = [
  ["dw3 32@112", dw(32, 112), depthwiseTask],
  ["dw3 144@56", dw(144, 56), depthwiseTask],
  ["dw3 96@112 s2", dw(96, 112, 2), depthwiseTask],
  ["dw3 576@14", dw(576, 14), depthwiseTask],
  ["dw5 240@28", dw(240, 28, 1, 5), depthwiseTask],
  ["dw7 96@56", dw(96, 56, 1, 7), depthwiseTask],
  ["dw5 240@28 s2", dw(240, 28, 2, 5), depthwiseTask],
  ["1x1 32→16 @112", pw(32, 112, 16), setPointwiseGemm],
  ["1x1 16→96 @112", pw(16, 112, 96), setPointwiseGemm],
  ["1x1 144→24 @56", pw(144, 56, 24), setPointwiseGemm],
  ["1x1 24→144 @56", pw(24, 56, 144), setPointwiseGemm],
  ["1x1 192→32 @28", pw(192, 28, 32), setPointwiseGemm],
  ["1x1 384→64 @14", pw(384, 14, 64), setPointwiseGemm],
];

// Bandwidth: a 64 MB Float32Array copy (read + write), the best of a few.
const big = new Float32Array(16 << 20).fill(1), dst = new Float32Array(big.length);
let copyMs = Infinity;
for (let i = 0; i < 8; i++) { const t = performance.now(); dst.set(big); copyMs = Math.min(copyMs, performance.now() - t); }
const bandwidth = (2 * big.length * 4) / copyMs / 1e6; // GB/s
console.log(`wasm ${info.relaxed ? "relaxed" : "plain"} SIMD, ${info.threads} threads; copy of 64 MB: ${copyMs.toFixed(2)} ms, ${bandwidth.toFixed(1)} GB/s (read + write)`);

const r = () => Math.random() - 0.5;
const rows: string[] = [];
for (const [name, g, set] of shapes) {
  if (!name.includes(only)) continue;
  const x = Float32Array.from({ length: g.n * g.cIn * g.h * g.w }, r);
  const w = Float32Array.from({ length: g.cOut * (g.cIn / g.groups) * g.kh * g.kw }, r), b = Float32Array.from({ length: g.cOut }, r);
  const y = new Float32Array(g.n * g.cOut * g.outH * g.outW);
  const flops = 2 * y.length * (g.cIn / g.groups) * g.kh * g.kw, bytes = 4 * (x.length + w.length + y.length);
  const best = { old: Infinity, new: Infinity };
  for (let i = 0; i < rounds; i++)
    for (const on of [false, true]) {
      set(on);
      const ms = medianCall(() => k.conv2d(x, w, b, g, y));
      const key = on ? "new" : "old";
      best[key] = Math.min(best[key], ms);
    }
  // the depthwise input gradient: the task on dy with flipped weights (zero-inserted for stride 2) against col2im or
  // the direct kernel
  const dx = new Float32Array(x.length), bestDx = { old: Infinity, new: Infinity };
  if (g.groups > 1)
    for (let i = 0; i < rounds; i++)
      for (const on of [false, true]) {
        set(on);
        const ms = medianCall(() => k.conv2dBackwardInput(y, w, g, dx));
        const key = on ? "new" : "old";
        bestDx[key] = Math.min(bestDx[key], ms);
      }
  set(true);
  setDepthwise("auto");
  const fmt = (ms: number) => `${ms.toFixed(3).padStart(7)} ms ${(flops / ms / 1e6).toFixed(1).padStart(5)} GF/s ${(bytes / ms / 1e6).toFixed(2).padStart(5)} GB/s ${(100 * bytes / ms / 1e6 / bandwidth).toFixed(0).padStart(3)} %`;
  rows.push(`${name.padEnd(16)} old ${fmt(best.old)} | new ${fmt(best.new)} | ${(best.old / best.new).toFixed(2)}×`);
  console.log(rows[rows.length - 1]);
  if (g.groups > 1) {
    rows.push(`${"  dx".padEnd(16)} old ${fmt(bestDx.old)} | new ${fmt(bestDx.new)} | ${(bestDx.old / bestDx.new).toFixed(2)}×`);
    console.log(rows[rows.length - 1]);
  }
}
process.exit(0);
