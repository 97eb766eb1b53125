// One convolution geometry on the wasm backend: forward, input gradient and weight gradient, each with the time spent in
// each wasm task (transforms, GEMMs, direct kernels…); the rest of a call is copies, packing and JavaScript.
// `node --experimental-wasm-relaxed-simd --import tsx bench/profile-conv-tasks.ts N CIN H COUT K [STRIDE] [PAD]`
// (square maps and kernels; TH=1 for one thread, PLAIN=1 for plain SIMD), e.g. `… 1 512 7 512 3 1 1` (ResNet-18's layer4).
import { TASK, WasmRuntime } from "../src/backends/wasm/runtime.js";
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";

const taskName = new Map(Object.entries(TASK).map(([k, v]) => [v as number, k]));
const perTask = new Map<string, number>();
const run = WasmRuntime.prototype.run;
WasmRuntime.prototype.run = function (task, args, nth) {
  const t = performance.now();
  run.call(this, task, args, nth);
  const key = `${taskName.get(task)}/${Math.min(nth ?? this.threads, this.threads)}`;
  perTask.set(key, (perTask.get(key) ?? 0) + performance.now() - t);
};
await initWasm({ threads: Number(process.env.TH ?? 2), relaxed: !process.env.PLAIN });
const k = wasmBackend.kernels as Kernels;
const [n, cIn, h, cOut, kk, s = 1, pad = (kk! - 1) >> 1] = process.argv.slice(2).map(Number) as number[];
const oh = Math.floor((h! + 2 * pad - kk!) / s) + 1;
const g: ConvGeometry = { n: n!, cIn: cIn!, h: h!, w: h!, cOut: cOut!, kh: kk!, kw: kk!, strideH: s, strideW: s, padTop: pad,
  padLeft: pad, dilationH: 1, dilationW: 1, groups: 1, outH: oh, outW: oh };
const r = () => Math.random() - 0.5;
const x = Float32Array.from({ length: n! * cIn! * h! * h! }, r), w = Float32Array.from({ length: cOut! * cIn! * kk! * kk! }, r);
const y = new Float32Array(n! * cOut! * oh * oh), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
const flops = 2 * n! * cOut! * oh * oh * cIn! * kk! * kk!;
const passes = [["fwd", () => k.conv2d(x, w, null, g, y)], ["dx", () => k.conv2dBackwardInput(y, w, g, dx)],
  ["dW", () => k.conv2dBackwardWeight(x, y, g, dw)]] as const;
for (const [name, f] of passes) {
  for (let i = 0; i < 10; i++) f();
  perTask.clear();
  const ms: number[] = [];
  for (let i = 0; i < 50; i++) { const t = performance.now(); f(); ms.push(performance.now() - t); }
  ms.sort((a, b) => a - b);
  const tasks = [...perTask].map(([t, v]) => `${t} ${(v / 50).toFixed(3)}`).join(", ");
  console.log(`${name}: median ${ms[25]!.toFixed(3)} ms (${(flops / ms[25]! / 1e6).toFixed(1)} GFLOP/s); per call in tasks: ${tasks}`);
}
