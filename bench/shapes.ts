// The workloads' sizes and FLOP counts shared by `npm run bench` (bench/run.ts) and the WebGPU benchmark
// (bench/web/, bench/webgpu-node.ts): the conv shapes S1–S5 and the models' multiply-accumulate counts.
import type { ConvGeometry } from "../src/backends/backend.js";

/** A square convolution: batch, channels in, height, width, channels out, kernel, stride, padding. */
export interface Shape { N: number; Cin: number; H: number; W: number; Cout: number; k: number; s: number; p: number }

/** S1, S2: LeNet-5's first two convolutions at batch 64; S3, S5: 3×3 convolutions at 56×56 (256 channels at batch 1,
 *  64 channels at batch 8). */
export const SHAPES: Record<string, Shape> = {
  S1: { N: 64, Cin: 1, H: 32, W: 32, Cout: 6, k: 5, s: 1, p: 0 },
  S2: { N: 64, Cin: 6, H: 14, W: 14, Cout: 16, k: 5, s: 1, p: 0 },
  S3: { N: 1, Cin: 256, H: 56, W: 56, Cout: 256, k: 3, s: 1, p: 1 },
  S5: { N: 8, Cin: 64, H: 56, W: 56, Cout: 64, k: 3, s: 1, p: 1 },
};

/** The kernel interface's geometry of a shape. */
export const geometry = (s: Shape): ConvGeometry => {
  const o = (i: number) => Math.floor((i + 2 * s.p - s.k) / s.s) + 1;
  return {
    n: s.N, cIn: s.Cin, h: s.H, w: s.W, cOut: s.Cout, kh: s.k, kw: s.k, strideH: s.s, strideW: s.s,
    padTop: s.p, padLeft: s.p, dilationH: 1, dilationW: 1, groups: 1, outH: o(s.H), outW: o(s.W),
  };
};

/** FLOPs of the direct convolution (2 per multiply-accumulate). */
export const convFlops = (g: ConvGeometry) => 2 * g.n * g.cOut * g.outH * g.outW * (g.cIn / g.groups) * g.kh * g.kw;

/** Multiply-accumulates ×2 of the models at 1×3×224² (the anchors' hook counts: conv + linear). */
export const MODEL_FLOPS: Record<string, number> = { resnet18: 2 * 1.8141e9, vgg16: 2 * 15.4703e9 };

/** LeNet-5's forward FLOPs for one image (2 × 416,520 multiply-accumulates); a training step is about 3×. */
export const LENET_FLOPS = 0.83e6;
