// The efficient CNNs of `npm run bench` (issue 13), convkit's side: MobileNetV2, MobileNetV3-Large, EfficientNet-B0 and
// ShuffleNetV2 x1.0 at batch 1 (1×3×224²), eager and as torchvision's ONNX file imported by io.loadOnnx; depthwise 3×3
// forward (32 channels at 112², 144 at 56²) in GB/s against the memory bandwidth measured in the same run; the
// MobileNetV2 training step at batch 32. bench/run.ts runs these on the current backend and adds the peers
// (onnxruntime on the same ONNX files, bench/make_onnx.py --mobile; PyTorch, bench/torch_bench.py --mobile).
import { readFileSync } from "node:fs";
import { randn } from "../src/tensor/creation.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import * as models from "../src/models/index.js";
import { summarize } from "../src/nn/summary.js";
import { loadOnnx } from "../src/io/onnx-import.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep } from "./profile-step.js";
import type { Timing } from "./timing.js";
import { allocateFloat32 } from "../src/tensor/memory.js";
import { kernel } from "../src/backends/registry.js";
import type { ConvGeometry } from "../src/backends/backend.js";

/** The four models by their zoo (and torchvision) names. */
export const MOBILE_MODELS = ["mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "shufflenet_v2_x1_0"] as const;
export type MobileModel = (typeof MOBILE_MODELS)[number];

/** 2 × the multiply-accumulates at 1×3×224² (nn.summarize's count, which test/models/zoo.test.ts checks against torchvision's). */
export function mobileFlops(name: MobileModel): number {
  const net = models.create(name) as unknown as Module<[Tensor], unknown>;
  return 2 * summarize(net, [1, 3, 224, 224]).totals.macs;
}

/** Median and minimum ms of batch-1 eager inference, the 1000 logits read back as an ONNX runtime's run returns them. */
export function eagerMs(name: MobileModel, time: (fn: () => unknown, warm?: number) => Promise<Timing>): Promise<Timing> {
  const net = (models.create(name) as unknown as Module<[Tensor], Tensor>).eval();
  const x = randn([1, 3, 224, 224]);
  return time(() => noGrad(() => net.call(x)).data, 1);
}

/** The same for torchvision's ONNX export of the model (bench/make_onnx.py --mobile) run by io.loadOnnx's OnnxModel. */
export function graphMs(path: string, time: (fn: () => unknown, warm?: number) => Promise<Timing>): Promise<Timing> {
  const net = loadOnnx(new Uint8Array(readFileSync(path)));
  const x = randn([1, 3, 224, 224]);
  return time(() => noGrad(() => net.call(x)).data, 1);
}

/** The depthwise shapes of the issue: channels and side, 3×3, stride 1, padding 1, batch 1. */
export const DEPTHWISE = [{ c: 32, h: 112 }, { c: 144, h: 56 }] as const;
/** Depthwise 3×3 forward (groups = channels, with bias): the backend's conv2d kernel on operands in its memory, as a
 *  model's layer runs it (until round 9 this timed a top-level F.conv2d on plain arrays, which on the wasm backend
 *  copies 3.2 MB in and out around the kernel at 32@112²: more than the kernel takes). */
export async function depthwise(c: number, h: number, time: (fn: () => unknown, warm?: number) => Promise<Timing>): Promise<{ t: Timing; bytes: number; flops: number }> {
  const owned = (n: number) => {
    const a = allocateFloat32(n, true); // (filled in place: map would make a plain array)
    for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
    return a;
  };
  const x = owned(c * h * h), w = owned(c * 9), b = owned(c), y = allocateFloat32(c * h * h, true);
  const g: ConvGeometry = {
    n: 1, cIn: c, h, w: h, cOut: c, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1,
    groups: c, outH: h, outW: h,
  };
  const conv = kernel("conv2d", x);
  // warmed up for a second first: early in a process the kernel ran 3–4× slower through the first second of calls
  // (the engine's optimising tier arrives later), whatever the number of warm-up calls
  for (const end = performance.now() + 1000; performance.now() < end;) conv(x, w, b, g, y);
  const t = await time(() => conv(x, w, b, g, y), 3);
  // essential traffic: x read once, y written once (same size), the weights and bias
  return { t, bytes: 4 * (2 * c * h * h + c * 10), flops: 2 * 9 * c * h * h };
}

/**
 * Memory bandwidth on one thread, read + write counted, the best of `reps` copies of `mib` MiB (far past any cache):
 * a Float32Array.set and WebAssembly's memory.copy (bulk memory) inside one wasm memory.
 */
export function copyBandwidth(mib = 64, reps = 8): { typedArray: number; wasmCopy: number } {
  const n = (mib << 20) >> 2;
  const src = new Float32Array(n).fill(1), dst = new Float32Array(n);
  let best = Infinity;
  for (let i = 0; i < reps; i++) { const t = performance.now(); dst.set(src); best = Math.min(best, performance.now() - t); }
  const typedArray = (2 * n * 4) / best / 1e6;
  // (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2))) and an
  // exported memory of 2·mib MiB + 1 page, written out as bytes so that no assembler is needed.
  const pages = ((2 * mib) << 4) + 1;
  const leb = (v: number): number[] => { const o: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; o.push(b); } while (v); return o; };
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...leb(pages)]),
    ...section(7, [2, 4, 0x63, 0x6f, 0x70, 0x79, 0, 0, 3, 0x6d, 0x65, 0x6d, 2, 0]),
    ...section(10, [1, 12, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfc, 0x0a, 0, 0, 0x0b]),
  ]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const copy = inst.exports.copy as (d: number, s: number, n: number) => void;
  const len = mib << 20;
  new Uint8Array((inst.exports.mem as WebAssembly.Memory).buffer, 0, len).fill(1); // touch the pages before timing
  best = Infinity;
  for (let i = 0; i < reps; i++) { const t = performance.now(); copy(len, 0, len); best = Math.min(best, performance.now() - t); }
  return { typedArray, wasmCopy: (2 * len) / best / 1e6 };
}

/** Median and minimum ms of a MobileNetV2 SGD step (momentum 0.9, cross-entropy over 1000 classes) at batch 32, side² inputs. */
export function trainStepMs(side: number, time: (fn: () => unknown, warm?: number) => Promise<Timing>): Promise<Timing> {
  const step = makeTrainStep(models.mobilenet_v2() as unknown as Module<[Tensor], Tensor>, [32, 3, side, side], 1000);
  let i = 0;
  return time(() => step(i++), 1);
}
