// The machine's WebAssembly SIMD peak, measured like the anchors' d_limits/wasm_peak.mjs: 12 independent f32x4
// accumulator chains (acc = acc·m + c, as f32x4.mul + f32x4.add or as f32x4.relaxed_madd) in a loop, on 1 thread
// and on N worker threads at once. The module is emitted here as bytes (no assembler needed).
import { Worker } from "node:worker_threads";

const NACC = 12;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
const f32 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const simd = (op: number) => [0xfd, ...leb(op)];

/** (func (export "run") (param $n i32) (result f32)) running n iterations over NACC v128 chains. */
export function peakModuleBytes(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const M = NACC + 1, C = NACC + 2; // local indices: 0 = n, 1..NACC accumulators, then m, c
  const code: number[] = [];
  const splat = (v: number, local: number) => code.push(0x43, ...f32(v), ...simd(0x13), 0x21, local);
  splat(0.999999, M);
  splat(1e-7, C);
  for (let i = 0; i < NACC; i++) splat(i, 1 + i);
  code.push(0x02, 0x40, 0x03, 0x40, 0x20, 0, 0x45, 0x0d, 1);
  for (let i = 0; i < NACC; i++) {
    if (relaxed) code.push(0x20, 1 + i, 0x20, M, 0x20, C, ...simd(0x105), 0x21, 1 + i);
    else code.push(0x20, 1 + i, 0x20, M, ...simd(0xe6), 0x20, C, ...simd(0xe4), 0x21, 1 + i);
  }
  code.push(0x20, 0, 0x41, 1, 0x6b, 0x21, 0, 0x0c, 0, 0x0b, 0x0b);
  code.push(0x20, 1);
  for (let i = 1; i < NACC; i++) code.push(0x20, 1 + i, ...simd(0xe4));
  code.push(...simd(0x1f), 0, 0x0b);
  const body = [1, ...leb(NACC + 2), 0x7b, ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...section(7, [1, 3, ...[..."run"].map((ch) => ch.charCodeAt(0)), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ];
  return new Uint8Array(bytes);
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const run = new WebAssembly.Instance(workerData.module, {}).exports.run;
run(workerData.iters);
parentPort.on("message", () => { run(workerData.iters); parentPort.postMessage("done"); });
parentPort.postMessage("ready");`;

export interface PeakResult { gflops: number; threads: number; relaxed: boolean }

/** Peak GFLOP/s (best of `reps`) on `threads` threads (1 = this thread; more = that many workers at once). */
export async function measurePeak(relaxed: boolean, threads: number, reps = 5): Promise<PeakResult | null> {
  const bytes = peakModuleBytes(relaxed);
  if (!WebAssembly.validate(bytes)) return null;
  const module = new WebAssembly.Module(bytes);
  const iters = 5_000_000;
  const flops = iters * NACC * 4 * 2 * threads;
  let best = Infinity;
  if (threads === 1) {
    const run = (new WebAssembly.Instance(module, {}).exports as { run: (n: number) => number }).run;
    run(iters);
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      run(iters);
      best = Math.min(best, performance.now() - t);
    }
  } else {
    const ws = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { module, iters } }));
    await Promise.all(ws.map((w) => new Promise((res) => w.once("message", res))));
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      await Promise.all(ws.map((w) => new Promise((res) => { w.once("message", res); w.postMessage("go"); })));
      best = Math.min(best, performance.now() - t);
    }
    await Promise.all(ws.map((w) => w.terminate()));
  }
  return { gflops: flops / best / 1e6, threads, relaxed };
}
