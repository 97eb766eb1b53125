// The 1×1 convolutions of the mobile networks (ShuffleNetV2's, EfficientNet's head) alone, on the wasm backend: time
// per call and GFLOP/s, back to back or with a pause of JavaScript between calls (as in a model, where a worker that
// went to sleep must be woken). `node --experimental-wasm-relaxed-simd --import tsx bench/profile-pointwise.ts
// [threads] [pause µs]`.
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import type { ConvGeometry } from "../src/backends/backend.js";

const threads = Number(process.argv[2] ?? 2), pauseUs = Number(process.argv[3] ?? 0);
await initWasm({ threads, relaxed: true });
const { kernels } = wasmBackend;
const shapes: [number, number, number][] = [[116, 116, 14], [232, 232, 7], [58, 58, 28], [116, 116, 28], [464, 1024, 7]];
for (const [cIn, cOut, h] of shapes) {
  const g: ConvGeometry = {
    n: 1, cIn, cOut, h, w: h, kh: 1, kw: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1,
    groups: 1, outH: h, outW: h,
  };
  const buffer = (n: number, v: number): Float32Array => {
    const a = (wasmBackend.allocate?.("float32", n) ?? null) as Float32Array | null ?? new Float32Array(n);
    return a.fill(v);
  };
  const x = buffer(cIn * h * h, 0.5), w = buffer(cOut * cIn, 0.1), y = buffer(cOut * h * h, 0);
  const call = (): void => kernels.conv2d!(x, w, null, g, y);
  for (let i = 0; i < 50; i++) call();
  const n = 400;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (pauseUs > 0) { const end = performance.now() + pauseUs / 1000; while (performance.now() < end); }
    const t = performance.now();
    call();
    total += performance.now() - t;
  }
  const ms = total / n;
  console.log(`${cIn}→${cOut} ${h}²  t${threads}  ${(ms * 1000).toFixed(0)} µs  ${(2 * cIn * cOut * h * h / ms / 1e6).toFixed(1)} GFLOP/s`);
}
process.exit(0);
