// The gradients of MobileNetV2's depthwise and 1×1 convolutions on the wasm backend: the depthwise weight-gradient task
// and the 1×1 gradients as GEMMs on the planes (new) against the paths they replaced (old: setDepthwiseWeight(false),
// setPointwiseGrads(false)), then a MobileNetV2 training step (batch 8, 96², 10 classes) with both off and both on
// (and the part of it spent in the two convolution-gradient kernels). Old and new alternate in one process (the machine
// is shared): for a kernel each round takes the median of ~150 ms of calls, for the step 3 steps, and the rows give the
// median over the rounds (over all steps). Operands live in the wasm memory, as a model's tensors do.
// `node --expose-gc --experimental-wasm-relaxed-simd --import tsx bench/profile-mobile-grads.ts [threads=2] [rounds=7] [name filter] [step rounds=6]`
// (filter "none" skips the kernels, "step" runs only the training step).
import { initWasm, wasmBackend } from "../src/backends/wasm/index.js";
import { setDepthwiseWeight, setPointwiseGrads } from "../src/backends/wasm/kernels.js";
import { allocateFloat32 } from "../src/tensor/memory.js";
import * as models from "../src/models/index.js";
import type { ConvGeometry, Kernels } from "../src/backends/backend.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep } from "./profile-step.js";
import { medianCall } from "./timing.js";

const threads = Number(process.argv[2] ?? 2), rounds = Number(process.argv[3] ?? 7), only = process.argv[4] ?? "";
const stepRounds = Number(process.argv[5] ?? 6);
const info = await initWasm({ threads });
const k = wasmBackend.kernels as Kernels;

function conv(n: number, cIn: number, h: number, cOut: number, kk: number, stride: number, groups: number): ConvGeometry {
  const p = (kk - 1) >> 1, out = Math.floor((h + 2 * p - kk) / stride) + 1;
  return { n, cIn, h, w: h, cOut, kh: kk, kw: kk, strideH: stride, strideW: stride, padTop: p, padLeft: p, dilationH: 1, dilationW: 1, groups, outH: out, outW: out };
}
const dw = (n: number, c: number, h: number, s = 1) => conv(n, c, h, c, 3, s, c);
const pw = (n: number, cIn: number, h: number, cOut: number) => conv(n, cIn, h, cOut, 1, 1, 1);
const shapes: [string, ConvGeometry][] = [];
for (const n of [1, 8]) {
  shapes.push(
    [`dw3 32@112 b${n}`, dw(n, 32, 112)],
    [`dw3 144@56 b${n}`, dw(n, 144, 56)],
    [`dw3 144@56 s2 b${n}`, dw(n, 144, 56, 2)],
    [`dw3 960@7 b${n}`, dw(n, 960, 7)],
    [`1x1 32→16 @112 b${n}`, pw(n, 32, 112, 16)],
    [`1x1 96→24 @56 b${n}`, pw(n, 96, 56, 24)],
  );
}
// MobileNetV2's expansions at 96² inputs: many output channels on few pixels
for (const [cIn, h, cOut] of [[16, 48, 96], [24, 24, 144], [32, 12, 192], [64, 6, 384], [320, 3, 1280]] as const)
  shapes.push([`1x1 ${cIn}→${cOut} @${h} b8`, pw(8, cIn, h, cOut)]);

function median(ts: number[]): number {
  const s = [...ts].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
/** A float32 array in the wasm memory (as a tensor's), uniform in [−0.5, 0.5). */
function resident(n: number): Float32Array {
  const a = allocateFloat32(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}
const set = (on: boolean) => { setDepthwiseWeight(on); setPointwiseGrads(on); };
const fmt = (old: number, now: number) => `old ${old.toFixed(3).padStart(8)} ms | new ${now.toFixed(3).padStart(8)} ms | ${(old / now).toFixed(2)}×`;

console.log(`wasm ${info.relaxed ? "relaxed" : "plain"} SIMD, ${info.threads} threads; medians of ${rounds} alternating rounds`);
for (const [name, g] of shapes) {
  if (!name.includes(only) || only === "none" || only === "step") continue;
  const x = resident(g.n * g.cIn * g.h * g.w), dy = resident(g.n * g.cOut * g.outH * g.outW);
  const w = resident(g.cOut * (g.cIn / g.groups) * g.kh * g.kw);
  const dW = allocateFloat32(w.length), dx = allocateFloat32(x.length);
  const runs = { dW: { old: [] as number[], new: [] as number[] }, dx: { old: [] as number[], new: [] as number[] } };
  for (let i = 0; i < rounds; i++)
    for (const on of [false, true]) {
      set(on);
      const key = on ? "new" : "old";
      runs.dW[key].push(medianCall(() => k.conv2dBackwardWeight(x, dy, g, dW)));
      if (g.groups === 1) runs.dx[key].push(medianCall(() => k.conv2dBackwardInput(dy, w, g, dx)));
    }
  set(true);
  console.log(`${`${name} dW`.padEnd(24)} ${fmt(median(runs.dW.old), median(runs.dW.new))}`);
  if (g.groups === 1) console.log(`${`${name} dx`.padEnd(24)} ${fmt(median(runs.dx.old), median(runs.dx.new))}`);
}

if (only === "" || only === "step") {
  // MobileNetV2 at batch 8 on 96² inputs: forward, cross-entropy, backward and the SGD update; also the time spent in
  // the convolutions' two gradient kernels (what the new paths change), summed over the step
  const step = makeTrainStep(models.create("mobilenet_v2", { numClasses: 10 }) as unknown as Module<[Tensor], Tensor>, [8, 3, 96, 96], 10);
  let inGrads = 0;
  for (const name of ["conv2dBackwardWeight", "conv2dBackwardInput"] as const) {
    const f = k[name];
    k[name] = (...a: Parameters<typeof f>) => {
      const t = performance.now();
      try { (f as (...b: unknown[]) => void)(...a); } finally { inGrads += performance.now() - t; }
    };
  }
  // between steps: a collection (with --expose-gc) and a turn of the event loop, whose finalizers hand the blocks of
  // the tensors the step dropped back to the memory (in a loop without them it grew by ~110 MB a step, every kernel's
  // scratch landing on fresh pages)
  const gc = (globalThis as { gc?: () => void }).gc;
  let i = 0;
  const timeStep = async (): Promise<[number, number]> => {
    inGrads = 0;
    const t = performance.now();
    step(i++);
    const r: [number, number] = [performance.now() - t, inGrads];
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return r;
  };
  for (const on of [false, true]) { set(on); await timeStep(); await timeStep(); }
  const steps = { old: [] as number[], new: [] as number[] }, grads = { old: [] as number[], new: [] as number[] };
  for (let r = 0; r < stepRounds; r++)
    for (const on of [false, true]) {
      set(on);
      for (let j = 0; j < 3; j++) {
        const [ms, g] = await timeStep();
        steps[on ? "new" : "old"].push(ms);
        grads[on ? "new" : "old"].push(g);
      }
    }
  set(true);
  console.log(`${"mobilenet_v2 step b8 96²".padEnd(24)} ${fmt(median(steps.old), median(steps.new))}`);
  console.log(`${"  in conv gradients".padEnd(24)} ${fmt(median(grads.old), median(grads.new))}`);
}
process.exit(0);
