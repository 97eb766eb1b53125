// Every wasm kernel against the reference (js) kernels on random shapes — odd sizes, strides, padding, dilation,
// groups, batch 1 and > 1, transposes — on 1 and 2 threads, with plain SIMD and (in a child process started
// with Node's flag) relaxed SIMD; plus: the committed module and interface files are those that tasks.json and the
// AssemblyScript sources generate.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ActivationOp, BinaryOp, ConvGeometry, FusedActivation, MatmulParams, Kernels, PoolGeometry } from "../../src/backends/backend.js";
import { jsKernels } from "../../src/backends/js/index.js";
import { WasmRuntime, relaxedSimdAvailable } from "../../src/backends/wasm/runtime.js";
import { channelVectorsFit, makeKernels, setActivationThresholds, setChannelVectors, setDepthwise, setDirectMaxCout, setWinograd, setWinogradBlocksMaxU, setWinogradChunkBytes, setWinogradUnitBytes } from "../../src/backends/wasm/kernels.js";

/** Deterministic uniform(-1, 1) data. */
function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = (s / 4294967296) * 2 - 1;
  }
  return a;
}

/** The activations channelAffine applies in its pass, with hardtanh's bounds: none, ReLU, ReLU6, a narrow clamp. */
const FUSED_ACTIVATIONS: readonly (readonly [FusedActivation | null, number, number])[] = [
  [null, 0, 0], ["hardtanh", 0, Infinity], ["hardtanh", 0, 6], ["hardtanh", -0.25, 0.5], ["hardswish", 0, 0], ["hardsigmoid", 0, 0], ["silu", 0, 0],
];

/** Max |a-b| relative to the scale of the reference (sum of |terms| would be tighter; this is a float32 bound). */
function assertClose(actual: Float32Array, expected: Float32Array, terms: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  const tol = 2e-6 * Math.sqrt(terms + 1) * Math.max(1, scale) + 1e-5;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= tol)) assert.fail(`${what}: element ${i}: ${actual[i]} vs reference ${expected[i]} (tol ${tol})`);
  }
}

function geometry(o: Partial<ConvGeometry> & Pick<ConvGeometry, "n" | "cIn" | "h" | "w" | "cOut" | "kh" | "kw">): ConvGeometry {
  const g = { strideH: 1, strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1, outH: 0, outW: 0, ...o };
  // Output size rule o = floor((i + 2p − d(k−1) − 1)/s) + 1 (symmetric padding).
  g.outH = Math.floor((g.h + 2 * g.padTop - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
  g.outW = Math.floor((g.w + 2 * g.padLeft - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
  return g;
}

const convCases: ConvGeometry[] = [
  geometry({ n: 1, cIn: 1, h: 5, w: 5, cOut: 1, kh: 3, kw: 3 }),
  geometry({ n: 2, cIn: 3, h: 11, w: 13, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1 }),
  geometry({ n: 3, cIn: 4, h: 9, w: 17, cOut: 6, kh: 5, kw: 3, strideH: 2, strideW: 3, padTop: 2, padLeft: 1 }),
  geometry({ n: 2, cIn: 6, h: 12, w: 10, cOut: 9, kh: 3, kw: 3, dilationH: 2, dilationW: 3, padTop: 2, padLeft: 3, groups: 3 }),
  geometry({ n: 1, cIn: 8, h: 7, w: 7, cOut: 8, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 8 }), // depthwise
  geometry({ n: 4, cIn: 1, h: 32, w: 32, cOut: 6, kh: 5, kw: 5 }), // LeNet C1
  geometry({ n: 3, cIn: 3, h: 13, w: 21, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1 }), // 5 channels, 27 taps (not a multiple of 4)
  // one output channel per group (1-channel kernel, 16-pixel blocks, ragged rows), and one input channel (its dx uses it)
  geometry({ n: 2, cIn: 3, h: 9, w: 21, cOut: 1, kh: 3, kw: 3, padTop: 1, padLeft: 1 }),
  geometry({ n: 1, cIn: 4, h: 10, w: 10, cOut: 2, kh: 3, kw: 5, groups: 2 }),
  geometry({ n: 2, cIn: 2, h: 7, w: 40, cOut: 1, kh: 2, kw: 1 }),
  geometry({ n: 3, cIn: 1, h: 12, w: 19, cOut: 4, kh: 2, kw: 4 }),
  geometry({ n: 2, cIn: 1, h: 8, w: 35, cOut: 3, kh: 3, kw: 2, padTop: 1 }),
  geometry({ n: 2, cIn: 2, h: 11, w: 19, cOut: 8, kh: 3, kw: 2, padLeft: 1 }), // 8 channels, 12 taps
  geometry({ n: 2, cIn: 6, h: 14, w: 14, cOut: 16, kh: 5, kw: 5 }), // LeNet C3
  geometry({ n: 2, cIn: 4, h: 35, w: 37, cOut: 6, kh: 5, kw: 5, padTop: 1, groups: 2 }), // 33-pixel rows: ragged last block, 3-channel groups
  geometry({ n: 1, cIn: 3, h: 6, w: 11, cOut: 5, kh: 3, kw: 3 }), // 9-pixel rows, 4 + 1 channels
  geometry({ n: 3, cIn: 1, h: 9, w: 12, cOut: 11, kh: 5, kw: 5, padTop: 1, padLeft: 2 }), // channel vectors, padded; K = 25 taps
  geometry({ n: 1, cIn: 3, h: 23, w: 29, cOut: 7, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3 }),
  geometry({ n: 1, cIn: 37, h: 19, w: 21, cOut: 35, kh: 3, kw: 3, padTop: 1, padLeft: 1 }), // K > 256, several KC blocks
  geometry({ n: 2, cIn: 300, h: 6, w: 5, cOut: 13, kh: 1, kw: 1 }), // 1×1, long K
  geometry({ n: 1, cIn: 2, h: 4, w: 6, cOut: 3, kh: 1, kw: 1, padTop: 2, padLeft: 1 }), // padding > (k−1)d
  geometry({ n: 2, cIn: 4, h: 10, w: 9, cOut: 4, kh: 2, kw: 4, strideH: 3, strideW: 2, dilationH: 2, padTop: 1, padLeft: 2, groups: 2 }),
  geometry({ n: 2, cIn: 40, h: 9, w: 23, cOut: 29, kh: 3, kw: 5, padTop: 2, padLeft: 1 }), // direct: Cout 29, K 600, odd row ends
  geometry({ n: 64, cIn: 16, h: 5, w: 5, cOut: 120, kh: 5, kw: 5 }), // LeNet C5: whole input → matmul
  geometry({ n: 3, cIn: 5, h: 3, w: 4, cOut: 7, kh: 3, kw: 4, strideH: 2, strideW: 3 }), // whole input, odd sizes
  geometry({ n: 1, cIn: 2, h: 1, w: 1, cOut: 1, kh: 1, kw: 1 }), // whole input, 1×1
  geometry({ n: 3, cIn: 8, h: 7, w: 7, cOut: 40, kh: 3, kw: 3, padTop: 1, padLeft: 1 }), // 7-pixel rows: every panel crosses rows
  geometry({ n: 2, cIn: 5, h: 14, w: 14, cOut: 36, kh: 3, kw: 3, padTop: 1, padLeft: 1, dilationW: 2 }), // padded copy, dilated runs
  geometry({ n: 2, cIn: 3, h: 9, w: 11, cOut: 33, kh: 3, kw: 2, padTop: 0, padLeft: 0 }), // no padding: runs read x itself
  geometry({ n: 3, cIn: 33, h: 9, w: 11, cOut: 34, kh: 3, kw: 3, padTop: 1, padLeft: 1 }), // Winograd: odd tiles, batch 3
  geometry({ n: 2, cIn: 32, h: 8, w: 13, cOut: 32, kh: 3, kw: 3 }), // Winograd, no padding: 6×11 outputs
  geometry({ n: 1, cIn: 40, h: 10, w: 30, cOut: 37, kh: 3, kw: 3, padTop: 2, padLeft: 0 }), // Winograd, padding 2 × 0
];

/** Depthwise (groups = cIn = cOut): kernels 3, 5, 7 and 3×5, strides 1–3, dilation 2, padding 0 to > (k−1)·d, rows
 *  with 16-pixel, 4-pixel and single-pixel runs, maps smaller than the kernel, batch 1 to 3, one channel. */
const depthwiseCases: ConvGeometry[] = [
  geometry({ n: 1, cIn: 5, h: 17, w: 45, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 5 }),
  geometry({ n: 3, cIn: 4, h: 23, w: 38, cOut: 4, kh: 5, kw: 5, strideH: 2, strideW: 2, padTop: 2, padLeft: 2, groups: 4 }),
  geometry({ n: 2, cIn: 3, h: 20, w: 41, cOut: 3, kh: 7, kw: 7, padTop: 3, padLeft: 3, groups: 3 }),
  geometry({ n: 1, cIn: 6, h: 19, w: 50, cOut: 6, kh: 3, kw: 3, padTop: 2, padLeft: 2, dilationH: 2, dilationW: 2, groups: 6 }),
  geometry({ n: 2, cIn: 3, h: 15, w: 77, cOut: 3, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, groups: 3 }),
  geometry({ n: 1, cIn: 4, h: 13, w: 29, cOut: 4, kh: 5, kw: 5, strideH: 2, strideW: 2, padTop: 5, padLeft: 5, dilationH: 2, dilationW: 2, groups: 4 }),
  geometry({ n: 3, cIn: 2, h: 9, w: 70, cOut: 2, kh: 3, kw: 5, strideH: 2, strideW: 1, padTop: 1, padLeft: 2, groups: 2 }),
  geometry({ n: 1, cIn: 3, h: 16, w: 25, cOut: 3, kh: 3, kw: 3, strideH: 3, strideW: 3, padTop: 1, padLeft: 1, groups: 3 }),
  geometry({ n: 1, cIn: 2, h: 4, w: 3, cOut: 2, kh: 5, kw: 5, padTop: 2, padLeft: 2, groups: 2 }),
  geometry({ n: 2, cIn: 3, h: 12, w: 40, cOut: 3, kh: 3, kw: 3, groups: 3 }),
  geometry({ n: 2, cIn: 1, h: 10, w: 33, cOut: 1, kh: 3, kw: 3, padTop: 1, padLeft: 1 }),
  // rows shorter than a block, whose block passes the row's end into the next (7, 14 and 3 wide, odd row counts), or
  // too short for that (1, 2); 16, 17 and 28 wide: the last block ends at the row's end over the one before
  geometry({ n: 2, cIn: 5, h: 7, w: 7, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 5 }),
  geometry({ n: 1, cIn: 3, h: 14, w: 14, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
  geometry({ n: 3, cIn: 2, h: 14, w: 14, cOut: 2, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 2 }),
  geometry({ n: 1, cIn: 4, h: 5, w: 3, cOut: 4, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 4 }),
  geometry({ n: 1, cIn: 3, h: 6, w: 1, cOut: 3, kh: 3, kw: 1, padTop: 1, groups: 3 }),
  geometry({ n: 2, cIn: 2, h: 5, w: 2, cOut: 2, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 2 }),
  geometry({ n: 1, cIn: 2, h: 9, w: 16, cOut: 2, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 2 }),
  geometry({ n: 1, cIn: 2, h: 9, w: 17, cOut: 2, kh: 5, kw: 5, padTop: 2, padLeft: 2, groups: 2 }),
  geometry({ n: 2, cIn: 3, h: 28, w: 28, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
];

/** 1×1 convolutions that run as the GEMM on the planes: ragged channels and pixel counts, batch 1 and 3, long K. */
const pointwiseCases: ConvGeometry[] = [
  geometry({ n: 3, cIn: 17, h: 9, w: 13, cOut: 22, kh: 1, kw: 1 }),
  geometry({ n: 1, cIn: 5, h: 7, w: 3, cOut: 3, kh: 1, kw: 1 }),
  geometry({ n: 2, cIn: 260, h: 5, w: 11, cOut: 9, kh: 1, kw: 1 }),
  // one image, one block of pixels: the weights read in place; on two threads, blocks of output channels (36 + 34 and
  // 20 + 17 rows: not multiples of the 4-row tiles), the second over two blocks of k
  geometry({ n: 1, cIn: 150, h: 13, w: 11, cOut: 70, kh: 1, kw: 1 }),
  geometry({ n: 1, cIn: 300, h: 9, w: 11, cOut: 37, kh: 1, kw: 1 }),
];

/** Depthwise weight gradients (their own task): kernels 3, 5, 7 (and 2×4, 3×5: the generic row), strides 1–3,
 *  dilation 2, padding 0–3 (whole rows of it), rows of 7, 13, 17 outputs and others with a masked last vector, 3×3
 *  rows up to 32 outputs (all nine taps at once) and longer (kernel row by kernel row), batch 1 and 3, channels 1, 5
 *  and 32, a plane in two bands of rows, a map smaller than the kernel, an empty batch. */
const depthwiseWeightCases: ConvGeometry[] = [
  geometry({ n: 3, cIn: 5, h: 7, w: 7, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 5 }),
  geometry({ n: 1, cIn: 32, h: 13, w: 13, cOut: 32, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 32 }),
  geometry({ n: 3, cIn: 1, h: 17, w: 17, cOut: 1, kh: 5, kw: 5, padTop: 2, padLeft: 2 }),
  geometry({ n: 1, cIn: 5, h: 13, w: 17, cOut: 5, kh: 7, kw: 7, padTop: 3, padLeft: 3, groups: 5 }),
  geometry({ n: 3, cIn: 5, h: 17, w: 13, cOut: 5, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, groups: 5 }),
  geometry({ n: 1, cIn: 5, h: 17, w: 17, cOut: 5, kh: 3, kw: 3, dilationH: 2, dilationW: 2, padTop: 2, padLeft: 2, groups: 5 }),
  geometry({ n: 3, cIn: 5, h: 13, w: 41, cOut: 5, kh: 3, kw: 3, groups: 5 }),
  geometry({ n: 1, cIn: 32, h: 9, w: 70, cOut: 32, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 32 }),
  geometry({ n: 1, cIn: 5, h: 15, w: 47, cOut: 5, kh: 5, kw: 5, dilationH: 2, dilationW: 2, padTop: 3, padLeft: 3, groups: 5 }),
  geometry({ n: 3, cIn: 5, h: 12, w: 17, cOut: 5, kh: 3, kw: 5, strideH: 2, padTop: 3, groups: 5 }),
  geometry({ n: 1, cIn: 5, h: 11, w: 25, cOut: 5, kh: 2, kw: 4, strideH: 3, strideW: 3, padTop: 1, padLeft: 2, groups: 5 }),
  geometry({ n: 1, cIn: 2, h: 200, w: 33, cOut: 2, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 2 }),
  geometry({ n: 3, cIn: 5, h: 3, w: 5, cOut: 5, kh: 7, kw: 7, padTop: 3, padLeft: 3, groups: 5 }),
  geometry({ n: 0, cIn: 3, h: 5, w: 6, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
];

/** 1×1 gradients as GEMMs on the planes: one input or output channel, 5 and 32 channels, pixel counts that fill no
 *  8-column panel and span two 256-pixel blocks of dW's shared dimension, batch 1 and 3; per-image partial dW over
 *  4 MB (the images in rounds, one per thread, a round short of images at the end on two threads). */
const pointwiseGradCases: ConvGeometry[] = [
  geometry({ n: 1, cIn: 1, h: 13, w: 17, cOut: 5, kh: 1, kw: 1 }),
  geometry({ n: 3, cIn: 32, h: 7, w: 13, cOut: 1, kh: 1, kw: 1 }),
  geometry({ n: 3, cIn: 5, h: 17, w: 19, cOut: 32, kh: 1, kw: 1 }),
  geometry({ n: 1, cIn: 37, h: 16, w: 17, cOut: 13, kh: 1, kw: 1 }),
  geometry({ n: 3, cIn: 601, h: 1, w: 3, cOut: 599, kh: 1, kw: 1 }),
  geometry({ n: 0, cIn: 3, h: 5, w: 6, cOut: 4, kh: 1, kw: 1 }), // an empty batch: dW all zeros
];

function poolGeometry(o: Partial<PoolGeometry> & Pick<PoolGeometry, "n" | "c" | "h" | "w" | "kh" | "kw">): PoolGeometry {
  const g = { strideH: o.kh, strideW: o.kw, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, outH: 0, outW: 0, ...o };
  g.outH = Math.floor((g.h + 2 * g.padTop - g.dilationH * (g.kh - 1) - 1) / g.strideH) + 1;
  g.outW = Math.floor((g.w + 2 * g.padLeft - g.dilationW * (g.kw - 1) - 1) / g.strideW) + 1;
  return g;
}

const poolCases: PoolGeometry[] = [
  poolGeometry({ n: 64, c: 6, h: 28, w: 28, kh: 2, kw: 2 }), // LeNet S2
  poolGeometry({ n: 2, c: 3, h: 11, w: 13, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }), // ResNet stem
  poolGeometry({ n: 1, c: 5, h: 9, w: 7, kh: 3, kw: 2, strideH: 1, strideW: 3, padTop: 1, padLeft: 1, dilationH: 2, dilationW: 3 }),
  poolGeometry({ n: 2, c: 3, h: 10, w: 19, kh: 3, kw: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1 }), // stride 1: 4-wide vector rows
  poolGeometry({ n: 1, c: 4, h: 12, w: 31, kh: 2, kw: 3, strideH: 2, strideW: 3, padLeft: 1, dilationW: 2 }), // stride 3, dilated
  poolGeometry({ n: 3, c: 1, h: 5, w: 5, kh: 5, kw: 5 }),
  poolGeometry({ n: 1, c: 2, h: 1, w: 1, kh: 1, kw: 1 }),
  { ...poolGeometry({ n: 2, c: 3, h: 9, w: 17, kh: 2, kw: 2 }), outH: 5, outW: 9 }, // ceil mode: last windows half outside
  { ...poolGeometry({ n: 1, c: 2, h: 7, w: 7, kh: 2, kw: 2 }), outH: 4, outW: 4 }, // ceil mode, PyTorch fixture's shape
  poolGeometry({ n: 8, c: 64, h: 56, w: 56, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }), // > 2e6 taps: split over threads
];

/** Bit-exact comparison (NaN equals NaN, −0 differs from +0): the elementwise and pooling kernels compute the
 *  same float32 results as the reference, not approximations. */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i}: ${actual[i]} vs reference ${expected[i]}`);
}

/** Random data with ties (values on a coarse grid), NaN, ±0 and ±∞ sprinkled in. */
function spiky(n: number, seed: number): Float32Array {
  const a = rand(n, seed);
  const specials = [NaN, 0, -0, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    a[i] = Math.round(a[i]! * 8) / 8;
    if (i % 37 === 5) a[i] = specials[(i / 37) % specials.length | 0]!;
  }
  return a;
}

function checkSmallKernels(name: string, k: Partial<Kernels>): void {
  let seed = 1000;
  for (const g of poolCases) {
    const x = spiky(g.n * g.c * g.h * g.w, seed++);
    const len = g.n * g.c * g.outH * g.outW;
    const avg = { countIncludePad: false, divisorOverride: null };
    for (const mode of ["max", "min"] as const)
      for (const withIdx of [true, false]) {
        const yRef = new Float32Array(len), y = new Float32Array(len).fill(7);
        const iRef = new Int32Array(len), idx = new Int32Array(len).fill(-7);
        jsKernels.pool2d(mode, x, g, avg, yRef, iRef);
        k.pool2d!(mode, x, g, avg, y, withIdx ? idx : null);
        assertSame(y, yRef, `${name} ${mode} pool ${JSON.stringify(g)}`);
        if (withIdx) assertSame(idx, iRef, `${name} ${mode} pool indices ${JSON.stringify(g)}`);
      }
    // avg pooling: sums and divisions in double as the reference does, so bit-exact too (also with NaN and ±∞)
    for (const opts of [avg, { countIncludePad: true, divisorOverride: null }, { countIncludePad: false, divisorOverride: 3 }]) {
      const yRef = new Float32Array(len), y = new Float32Array(len).fill(7);
      jsKernels.pool2d("avg", x, g, opts, yRef, null);
      k.pool2d!("avg", x, g, opts, y, null);
      assertSame(y, yRef, `${name} avg pool ${JSON.stringify(opts)} ${JSON.stringify(g)}`);
      // and on data without specials, whose sums are not swamped by ∞/NaN
      const xr = rand(x.length, seed++), ySoft = new Float32Array(len), ySoftRef = new Float32Array(len);
      jsKernels.pool2d("avg", xr, g, opts, ySoftRef, null);
      k.pool2d!("avg", xr, g, opts, ySoft, null);
      assertSame(ySoft, ySoftRef, `${name} avg pool (finite data) ${JSON.stringify(opts)} ${JSON.stringify(g)}`);
    }
    // planeScatter as max-pool backward: dy scattered through the indices into a dx that already holds values
    const iRef = new Int32Array(len), yRef = new Float32Array(len);
    jsKernels.pool2d("max", x, g, avg, yRef, iRef);
    const dy = rand(len, seed++);
    for (const accumulate of [true, false]) {
      const base = rand(x.length, seed++);
      const dRef = base.slice(), d = base.slice();
      jsKernels.planeScatter(dy, g.outH * g.outW, iRef, true, g.n * g.c, dRef, g.h * g.w, accumulate);
      k.planeScatter!(dy, g.outH * g.outW, iRef, true, g.n * g.c, d, g.h * g.w, accumulate);
      assertSame(d, dRef, `${name} planeScatter accumulate=${accumulate} ${JSON.stringify(g)}`);
    }
  }
  // shared index (perPlane false)
  {
    const index = Int32Array.from({ length: 600 }, (_, i) => (i * 7) % 1000);
    const src = rand(3 * 600, seed++), dRef = rand(3 * 1000, seed++), d = dRef.slice();
    jsKernels.planeScatter(src, 600, index, false, 3, dRef, 1000, true);
    k.planeScatter!(src, 600, index, false, 3, d, 1000, true);
    assertSame(d, dRef, `${name} planeScatter shared index`);
  }
  for (const n of [1, 511, 512, 1027, 64 * 6 * 28 * 28]) {
    const x = spiky(n, seed++);
    for (const op of ["relu", "reluMask", "exp", "leakyRelu"] as const) {
      const yRef = new Float32Array(n), y = new Float32Array(n).fill(3);
      jsKernels.unary(op, x, yRef, 0.1);
      k.unary!(op, x, y, 0.1);
      assertSame(y, yRef, `${name} unary ${op} n=${n}`);
    }
  }
  // sums over the middle axis of [outer, size, inner] (double accumulation in both: equal to float32 rounding)
  for (const [outer, size, inner] of [[384, 784, 1], [1, 64, 6], [3, 1001, 7], [5, 13, 1], [2, 0, 300], [7, 300, 1], [1, 1, 4099]]) {
    const x = rand(outer! * size! * inner!, seed++);
    if (x.length > 20) { x[7] = Infinity; x[19] = NaN; }
    const yRef = new Float32Array(outer! * inner!), y = new Float32Array(yRef.length).fill(9);
    jsKernels.reduce("sum", x, outer!, size!, inner!, yRef);
    k.reduce!("sum", x, outer!, size!, inner!, y);
    for (let i = 0; i < y.length; i++) {
      const ok = Object.is(y[i], yRef[i]) || Math.abs(y[i]! - yRef[i]!) <= 1e-6 * Math.max(1, Math.abs(yRef[i]!));
      assert.ok(ok, `${name} reduce sum ${[outer, size, inner]} element ${i}: ${y[i]} vs reference ${yRef[i]}`);
    }
  }
  // adaptive pooling: to 1×1 (the wasm plane means; sums and the division in double as the reference, so the same
  // bits, with NaN and ±∞ too) and to other sizes (the reference's, through the wasm backend's kernel)
  for (const [planes, h, w, outH, outW] of [[96, 56, 57, 1, 1], [3, 7, 7, 1, 1], [5, 1, 1, 1, 1], [2, 9, 13, 1, 1], [6, 10, 11, 3, 4]]) {
    for (const mode of ["avg", "max"] as const) {
      for (const x of [spiky(planes! * h! * w!, seed++), rand(planes! * h! * w!, seed++)]) {
        const yRef = new Float32Array(planes! * outH! * outW!), y = new Float32Array(yRef.length).fill(4);
        const iRef = mode === "max" ? new Int32Array(yRef.length) : null, idx = mode === "max" ? new Int32Array(yRef.length) : null;
        jsKernels.adaptivePool2d(mode, x, planes!, h!, w!, outH!, outW!, yRef, iRef);
        k.adaptivePool2d!(mode, x, planes!, h!, w!, outH!, outW!, y, idx);
        assertSame(y, yRef, `${name} adaptive ${mode} pool ${[planes, h, w]} → ${outH}×${outW}`);
        if (iRef) assertSame(idx!, iRef, `${name} adaptive max pool indices ${[planes, h, w]} → ${outH}×${outW}`);
      }
    }
  }
  // [shape, a strides, b strides] (element strides, 0 = broadcast), contiguous y
  const binCases: [number[], number[], number[]][] = [
    [[1031], [1], [1]],
    [[64, 6, 28, 28], [4704, 784, 28, 1], [4704, 784, 28, 1]],
    [[33, 67], [67, 1], [0, 1]], // b a row broadcast over rows
    [[33, 67], [1, 0], [67, 1]], // a a column broadcast along rows
    [[19, 41], [0, 0], [41, 1]], // a scalar
    [[4, 16, 10, 10], [1600, 100, 10, 1], [0, 1, 0, 0]], // per-channel bias: rank 3 after merging (reference path)
    [[30, 40], [1, 30], [40, 1]], // a transposed (inner step 30: reference path)
    [[2, 3], [3, 1], [3, 1]], // below the wasm size threshold
  ];
  for (const [shape, as, bs] of binCases) {
    const span = (st: number[]) => 1 + st.reduce((acc, s, d) => acc + s * (shape[d]! - 1), 0);
    const a = spiky(span(as), seed++), b = spiky(span(bs), seed++);
    const total = shape.reduce((p, q) => p * q, 1);
    for (const op of ["add", "sub", "mul", "div", "maximum", "reluGrad"] as BinaryOp[]) {
      const yRef = new Float32Array(total), y = new Float32Array(total).fill(5);
      jsKernels.binary(op, a, as, b, bs, shape, yRef);
      k.binary!(op, a, as, b, bs, shape, y);
      assertSame(y, yRef, `${name} binary ${op} ${JSON.stringify([shape, as, bs])}`);
    }
  }
}

/** Activation inputs: uniform(−8, 8) on a grid of eighths (the kinks at ±3, 0 and 6 fall on it), with the values
 *  that decide each branch sprinkled in — NaN, ±∞, ±0, ±3, 6, the sigmoids' under- and overflow ranges, a subnormal. */
function activationInput(n: number, seed: number): Float32Array {
  const a = rand(n, seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 3, -3, 6, -1, 1, -95, 95, -104.5, 1e-40, -20, 40];
  for (let i = 0; i < n; i++) {
    a[i] = Math.round(a[i]! * 64) / 8;
    if (i % 7 === 3) a[i] = specials[(i / 7 | 0) % specials.length]!;
  }
  return a;
}

/** The activation kernels and their gradients against the reference, on ragged lengths (vector tails, a thread's
 *  share ending inside a vector), in wasm on one thread and split over all of them (thresholds forced), and with the
 *  default thresholds. The clamps (hardtanh, hardswish, hardsigmoid) give the reference's bits; the sigmoids (exp
 *  as a polynomial) and GELU (erfc as one) agree within 1e-6 of |y| + |dy| (the reference rounds a double once), and
 *  in NaN and ±∞. */
function checkActivations(name: string, k: Partial<Kernels>): void {
  const exact = new Set<ActivationOp>(["hardtanh", "hardswish", "hardsigmoid"]);
  // gelu's tanh form takes σ(2u) of 2u = x·(1.596 + 0.0714x²), whose float32 rounding moves e^{−|2u|} by ~1.2e-7·|2u|
  // (3e-6 at x = −7, where the reference's double is accurate and PyTorch's float32 1 + tanh(u) is 0)
  const tolerance = (op: ActivationOp, x: number): number => op === "geluTanh" && Number.isFinite(x) ? 1e-6 + 2.4e-7 * Math.abs(x * (1.596 + 0.0714 * x * x)) : 1e-6;
  const agree = (op: ActivationOp, actual: Float32Array, expected: Float32Array, x: Float32Array, dy: Float32Array | null, what: string) => {
    if (exact.has(op)) { assertSame(actual, expected, what); return; }
    for (let i = 0; i < actual.length; i++) {
      const a = actual[i]!, b = expected[i]!;
      const ok = Number.isFinite(b) ? Math.abs(a - b) <= tolerance(op, x[i]!) * (Math.abs(b) + (dy ? Math.abs(dy[i]!) : 0)) + 1e-37 : Object.is(a, b);
      if (!ok) assert.fail(`${what}: element ${i}: ${a} vs reference ${b}`);
    }
  };
  const bounds: [number, number][] = [[0, 6], [-1, 1], [-0.5, 2.25], [-Infinity, 1.5]];
  const modes: [string, () => void][] = [
    ["one thread", () => setActivationThresholds(0, Infinity)],
    ["split", () => setActivationThresholds(0, 0)],
    ["default thresholds", () => setActivationThresholds()],
  ];
  let seed = 9000;
  try {
    for (const [mode, set] of modes) {
      set();
      for (const n of [1, 3, 4, 5, 17, 1000, 100003]) {
        const x = activationInput(n, seed++), dy = activationInput(n, seed++);
        for (const op of ["hardtanh", "hardswish", "hardsigmoid", "silu", "sigmoid", "gelu", "geluTanh", "erf"] as const) {
          for (const [lo, hi] of op === "hardtanh" ? bounds : [[0, 0]]) {
            const label = `${name} ${mode} ${op}${op === "hardtanh" ? `(${lo}, ${hi})` : ""} n=${n}`;
            const yRef = new Float32Array(n), y = new Float32Array(n).fill(7);
            if (op === "sigmoid") { jsKernels.unary("sigmoid", x, yRef, 0); k.unary!("sigmoid", x, y, 0); }
            else { jsKernels.activation(op, x, yRef, lo!, hi!); k.activation!(op, x, y, lo!, hi!); }
            agree(op, y, yRef, x, null, label);
            const dxRef = new Float32Array(n), dx = new Float32Array(n).fill(7);
            jsKernels.activationGrad(op, x, dy, dxRef, lo!, hi!);
            k.activationGrad!(op, x, dy, dx, lo!, hi!);
            agree(op, dx, dxRef, x, dy, `${label} gradient`);
          }
        }
      }
    }
  } finally {
    setActivationThresholds();
  }
}

/** Batch-norm kernels on [n, c, hw] (odd sizes, runs shorter than a vector, one channel, channels with a large
 *  offset, NaN/∞). channelAffine: exactly the reference (same double arithmetic, one rounding). channelMoments:
 *  both accumulate in double, only the order differs, so equal within 1e-6 relative (float32 rounding of the result). */
function checkNormKernels(name: string, k: Partial<Kernels>): void {
  let seed = 5000;
  const close = (a: number, b: number) => Object.is(a, b) || Math.abs(a - b) <= 1e-6 * Math.max(1e-3, Math.abs(b));
  for (const [n, c, hw] of [[64, 32, 784], [3, 5, 7], [2, 7, 13], [5, 1, 1031], [1, 64, 49], [7, 3, 1], [1, 600, 1], [2, 2, 3], [3, 37, 2301]]) { // the first and last split over 2 threads (odd shares in the last)
    const x = rand(n! * c! * hw!, seed++);
    // channel ch offset by 3·ch: the second (deviation) pass must use the double mean, not Σx² − (Σx)²/n
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + 3 * (Math.floor(i / hw!) % c!);
    const label = `${name} [n, c, hw] = ${[n, c, hw]}`;
    const mRef = new Float32Array(c!), vRef = new Float32Array(c!), m = new Float32Array(c!).fill(7), v = new Float32Array(c!).fill(7);
    jsKernels.channelMoments(x, n!, c!, hw!, mRef, vRef);
    k.channelMoments!(x, n!, c!, hw!, m, v);
    for (let ch = 0; ch < c!; ch++) {
      assert.ok(close(m[ch]!, mRef[ch]!), `${label} channelMoments mean ${ch}: ${m[ch]} vs reference ${mRef[ch]}`);
      assert.ok(close(v[ch]!, vRef[ch]!), `${label} channelMoments variance ${ch}: ${v[ch]} vs reference ${vRef[ch]}`);
    }
    const invStd = rand(c!, seed++), weight = rand(c!, seed++), bias = rand(c!, seed++);
    for (const [wt, b] of [[null, null], [weight, bias], [weight, null], [null, bias]] as const) {
      // no activation, the ones an inference fuses (ReLU's and ReLU6's clamps, a narrow clamp most values reach,
      // hardswish, hardsigmoid, SiLU): the reference's bits (SiLU's exp within 1e-6), and exactly this backend's
      // channelAffine then activation
      for (const [act, lo, hi] of FUSED_ACTIVATIONS) {
        const what = `${label} channelAffine weight=${wt !== null} bias=${b !== null} ${act ?? "plain"}(${lo}, ${hi})`;
        const yRef = new Float32Array(x.length), y = new Float32Array(x.length).fill(5), y2 = new Float32Array(x.length);
        jsKernels.channelAffine(x, n!, c!, hw!, mRef, invStd, wt, b, yRef, act, lo, hi);
        k.channelAffine!(x, n!, c!, hw!, mRef, invStd, wt, b, y, act, lo, hi);
        if (act === "silu") assertClose(y, yRef, 1, what); else assertSame(y, yRef, what);
        k.channelAffine!(x, n!, c!, hw!, mRef, invStd, wt, b, y2, null, 0, 0);
        if (act) k.activation!(act, y2, y2, lo, hi);
        assertSame(y, y2, `${what}: fused against the two kernels in turn`);
      }
    }
  }
  // non-finite values: a NaN channel and an ∞ channel give NaN moments in both; the affine map carries them through
  const x = rand(4 * 3 * 50, seed++);
  x[7] = NaN; x[60] = Infinity; x[3 * 50 + 110] = -Infinity;
  const mRef = new Float32Array(3), vRef = new Float32Array(3), m = new Float32Array(3), v = new Float32Array(3);
  jsKernels.channelMoments(x, 4, 3, 50, mRef, vRef);
  k.channelMoments!(x, 4, 3, 50, m, v);
  for (let ch = 0; ch < 3; ch++) assert.ok(close(m[ch]!, mRef[ch]!) && close(v[ch]!, vRef[ch]!), `${name} channelMoments with NaN/∞, channel ${ch}`);
  const yRef = new Float32Array(x.length), y = new Float32Array(x.length);
  for (const [act, lo, hi] of [[null, 0, 0], ["hardtanh", 0, 6], ["hardswish", 0, 0]] as const) {
    jsKernels.channelAffine(x, 4, 3, 50, new Float32Array([0.5, -1, 2]), new Float32Array([2, 0.25, 1]), null, null, yRef, act, lo, hi);
    k.channelAffine!(x, 4, 3, 50, new Float32Array([0.5, -1, 2]), new Float32Array([2, 0.25, 1]), null, null, y, act, lo, hi);
    assertSame(y, yRef, `${name} channelAffine with NaN/∞, ${act ?? "plain"}`);
  }
}

/** Batch norm's backward kernel on the same [n, c, hw] shapes, training and evaluation, with and without γ, with
 *  and without dx. Σg and Σg·x̂: both accumulate in double in a different order, so equal within the float32 rounding
 *  of the result plus 1e-10 of Σ|g·x̂| (the double error; the sums can cancel). dx: both map in double and round once,
 *  but fold the training formula differently, so within one float32 ulp plus 1e-9 of the largest |dx|; evaluation's
 *  dx = γ·invStd·g is the same double product, so exact. */
function checkNormBackward(name: string, k: Partial<Kernels>): void {
  let seed = 7000;
  for (const [n, c, hw] of [[64, 32, 784], [3, 5, 7], [2, 7, 13], [5, 1, 1031], [1, 64, 49], [7, 3, 1], [1, 600, 1], [2, 2, 3], [3, 37, 2301]]) {
    const x = rand(n! * c! * hw!, seed++), g = rand(x.length, seed++);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! + 3 * (Math.floor(i / hw!) % c!); // channel offsets: x − mean must be formed in double
    const mean = new Float32Array(c!), variance = new Float32Array(c!), invStd = new Float32Array(c!);
    jsKernels.channelMoments(x, n!, c!, hw!, mean, variance);
    for (let ch = 0; ch < c!; ch++) invStd[ch] = 1 / Math.sqrt(variance[ch]! + 1e-5);
    const weight = rand(c!, seed++);
    // Σ|g·x̂| per channel: the scale of the double summation error
    const absGX = new Float64Array(c!);
    for (let i = 0; i < x.length; i++) {
      const ch = Math.floor(i / hw!) % c!;
      absGX[ch] += Math.abs(g[i]! * (x[i]! - mean[ch]!) * invStd[ch]!);
    }
    for (const training of [true, false]) for (const wt of [null, weight]) for (const withDx of [true, false]) {
      const label = `${name} channelNormBackward [n, c, hw] = ${[n, c, hw]} training=${training} weight=${wt !== null} dx=${withDx}`;
      const sgRef = new Float32Array(c!), sgxRef = new Float32Array(c!), sg = new Float32Array(c!).fill(7), sgx = new Float32Array(c!).fill(7);
      const dxRef = withDx ? new Float32Array(x.length) : null, dx = withDx ? new Float32Array(x.length).fill(5) : null;
      jsKernels.channelNormBackward(x, g, n!, c!, hw!, mean, invStd, wt, training, dxRef, sgRef, sgxRef);
      k.channelNormBackward!(x, g, n!, c!, hw!, mean, invStd, wt, training, dx, sg, sgx);
      for (let ch = 0; ch < c!; ch++) {
        const absG = (() => { let t = 0; for (let i = 0; i < n!; i++) for (let s = 0; s < hw!; s++) t += Math.abs(g[(i * c! + ch) * hw! + s]!); return t; })();
        assert.ok(Math.abs(sg[ch]! - sgRef[ch]!) <= 1.2e-7 * Math.abs(sgRef[ch]!) + 1e-10 * absG, `${label}: Σg ${ch}: ${sg[ch]} vs reference ${sgRef[ch]}`);
        assert.ok(Math.abs(sgx[ch]! - sgxRef[ch]!) <= 1.2e-7 * Math.abs(sgxRef[ch]!) + 1e-10 * absGX[ch]!, `${label}: Σg·x̂ ${ch}: ${sgx[ch]} vs reference ${sgxRef[ch]}`);
      }
      if (!dx || !dxRef) continue;
      if (!training) { assertSame(dx, dxRef, label); continue; }
      let top = 0;
      for (const v of dxRef) top = Math.max(top, Math.abs(v));
      for (let i = 0; i < dx.length; i++) {
        if (!(Math.abs(dx[i]! - dxRef[i]!) <= 1.2e-7 * Math.abs(dxRef[i]!) + 1e-9 * top)) assert.fail(`${label}: dx element ${i}: ${dx[i]} vs reference ${dxRef[i]}`);
      }
    }
  }
  // a NaN gradient in channel 0 and an ∞ input in channel 2 (evaluation, where x only enters the sums): NaN/∞ where the reference has them
  const x = rand(4 * 3 * 50, seed++), g = rand(x.length, seed++);
  g[7] = NaN; x[3 * 50 + 110] = Infinity;
  const mean = new Float32Array([0.1, -0.2, 0.3]), invStd = new Float32Array([2, 0.5, 1.5]), weight = new Float32Array([1, -2, 0.5]);
  for (const training of [true, false]) {
    const sgRef = new Float32Array(3), sgxRef = new Float32Array(3), sg = new Float32Array(3), sgx = new Float32Array(3);
    const dxRef = new Float32Array(x.length), dx = new Float32Array(x.length);
    jsKernels.channelNormBackward(x, g, 4, 3, 50, mean, invStd, weight, training, dxRef, sgRef, sgxRef);
    k.channelNormBackward!(x, g, 4, 3, 50, mean, invStd, weight, training, dx, sg, sgx);
    for (let ch = 0; ch < 3; ch++) {
      assert.equal(Number.isNaN(sg[ch]!), Number.isNaN(sgRef[ch]!), `${name} channelNormBackward with NaN/∞ training=${training}: Σg ${ch}`);
      if (Number.isFinite(sgxRef[ch]!)) assert.ok(Number.isFinite(sgx[ch]!), `${name} channelNormBackward with NaN/∞ training=${training}: Σg·x̂ ${ch}: ${sgx[ch]} vs reference ${sgxRef[ch]}`);
      else assert.ok(Object.is(sgx[ch], sgxRef[ch]), `${name} channelNormBackward with NaN/∞ training=${training}: Σg·x̂ ${ch}: ${sgx[ch]} vs reference ${sgxRef[ch]}`);
    }
    for (let i = 0; i < dx.length; i++) {
      assert.equal(Number.isNaN(dx[i]!), Number.isNaN(dxRef[i]!), `${name} channelNormBackward with NaN/∞ training=${training}: dx ${i} is NaN: ${dx[i]} vs reference ${dxRef[i]}`);
      if (!training) assert.ok(Object.is(dx[i], dxRef[i]), `${name} channelNormBackward with NaN/∞ (evaluation): dx ${i}: ${dx[i]} vs reference ${dxRef[i]}`);
    }
  }
}

const matmulCases: MatmulParams[] = [
  { batch: 1, m: 1, n: 1, k: 1, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false },
  { batch: 1, m: 7, n: 13, k: 5, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false },
  { batch: 1, m: 64, n: 120, k: 400, aBatchStride: 0, bBatchStride: 0, transA: false, transB: true }, // linear
  { batch: 1, m: 33, n: 17, k: 300, aBatchStride: 0, bBatchStride: 0, transA: true, transB: false },
  { batch: 3, m: 5, n: 9, k: 11, aBatchStride: 55, bBatchStride: 99, transA: false, transB: false },
  { batch: 3, m: 6, n: 10, k: 7, aBatchStride: 0, bBatchStride: 70, transA: true, transB: true }, // A broadcast
  { batch: 2, m: 9, n: 31, k: 3, aBatchStride: 27, bBatchStride: 0, transA: true, transB: false }, // B broadcast
  { batch: 1, m: 4, n: 8, k: 0, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false }, // empty sum
  { batch: 2, m: 70, n: 600, k: 130, aBatchStride: 70 * 130, bBatchStride: 130 * 600, transA: false, transB: false },
  { batch: 1, m: 1, n: 37, k: 203, aBatchStride: 0, bBatchStride: 0, transA: false, transB: true }, // Linear at batch 1: dot products
  { batch: 3, m: 4, n: 21, k: 16, aBatchStride: 64, bBatchStride: 0, transA: false, transB: true }, // few rows, W shared, k = 16
  { batch: 2, m: 3, n: 5, k: 39, aBatchStride: 0, bBatchStride: 195, transA: false, transB: true }, // A broadcast, k tail
];

/** Direct weight gradients read whole vectors of a row: an infinity just past the pixels a tap uses must not leak in. */
function checkNonFiniteEdges(name: string, k: Partial<Kernels>): void {
  const g = geometry({ n: 2, cIn: 2, h: 5, w: 19, cOut: 3, kh: 3, kw: 3 }); // 17-pixel rows: the direct path
  const x = rand(2 * 2 * 5 * 19, 99), dy = rand(2 * 3 * g.outH * g.outW, 98);
  for (let r = 0; r < 2 * 2 * 5; r++) x[r * 19 + 18] = Infinity; // last column of every row
  const dw = new Float32Array(3 * 2 * 9), dwRef = new Float32Array(dw.length);
  k.conv2dBackwardWeight!(x, dy, g, dw);
  jsKernels.conv2dBackwardWeight(x, dy, g, dwRef);
  for (let i = 0; i < dw.length; i++) {
    if (Number.isFinite(dwRef[i]!)) assert.ok(Math.abs(dw[i]! - dwRef[i]!) <= 1e-4, `${name} dW with ∞ at row ends: ${i}: ${dw[i]} vs ${dwRef[i]}`);
    else assert.ok(Object.is(dw[i], dwRef[i]), `${name} dW with ∞ at row ends: ${i}: ${dw[i]} vs ${dwRef[i]}`);
  }
}

/** Depthwise with a NaN and an ∞ weight, padding, strides 1 and 2: the forward multiplies the padding (NaN where a
 *  window reads it, as the reference), the input gradient must not (its padding around dy is not the reference's). */
function checkDepthwiseNonFinite(name: string, k: Partial<Kernels>): void {
  for (const g of [
    geometry({ n: 2, cIn: 3, h: 11, w: 21, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
    geometry({ n: 1, cIn: 2, h: 13, w: 19, cOut: 2, kh: 5, kw: 5, strideH: 2, strideW: 2, padTop: 2, padLeft: 2, groups: 2 }),
  ]) {
    const x = rand(g.n * g.cIn * g.h * g.w, 91), w = rand(g.cOut * g.kh * g.kw, 92), dy = rand(g.n * g.cOut * g.outH * g.outW, 93);
    w[0] = NaN; w[g.kh * g.kw + 1] = Infinity;
    const label = `${name} depthwise non-finite weights ${JSON.stringify(g)}`;
    const y = new Float32Array(dy.length), yRef = new Float32Array(dy.length);
    k.conv2d!(x, w, null, g, y); jsKernels.conv2d(x, w, null, g, yRef);
    const dx = new Float32Array(x.length), dxRef = new Float32Array(x.length);
    k.conv2dBackwardInput!(dy, w, g, dx); jsKernels.conv2dBackwardInput(dy, w, g, dxRef);
    for (const [what, a, ref] of [["conv2d", y, yRef], ["conv2dBackwardInput", dx, dxRef]] as const) {
      for (let i = 0; i < a.length; i++) {
        if (Number.isFinite(ref[i]!)) assert.ok(Math.abs(a[i]! - ref[i]!) <= 1e-4, `${what} ${label}: ${i}: ${a[i]} vs ${ref[i]}`);
        else assert.ok(Object.is(a[i], ref[i]), `${what} ${label}: ${i}: ${a[i]} vs ${ref[i]}`);
      }
    }
  }
}

/** Exact where the reference is not finite (NaN against ±∞ too), within 1e-4 elsewhere. */
function assertSamePattern(actual: Float32Array, expected: Float32Array, what: string): void {
  for (let i = 0; i < actual.length; i++) {
    if (Number.isFinite(expected[i]!)) assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-4, `${what}: ${i}: ${actual[i]} vs ${expected[i]}`);
    else assert.ok(Object.is(actual[i], expected[i]), `${what}: ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The depthwise weight gradient's non-finite values are the reference's: ∞ in the input's last column, which the
 *  masked lanes past a row's last output read and must not add (0·∞); ∞ in dy where a tap reads padding (∞·0: NaN
 *  there, ±∞ at the taps that read the input); NaN at the start of a dy plane, which the masked last vector of the
 *  plane before reads past its end. Rows of every path: 3×3 up to 32 outputs (strides 1 and 2), longer, 5×5 stride 2. */
function checkDepthwiseWeightNonFinite(name: string, k: Partial<Kernels>): void {
  for (const g of [
    geometry({ n: 2, cIn: 3, h: 9, w: 13, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
    geometry({ n: 1, cIn: 3, h: 9, w: 14, cOut: 3, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, groups: 3 }),
    geometry({ n: 2, cIn: 3, h: 6, w: 45, cOut: 3, kh: 3, kw: 3, groups: 3 }),
    geometry({ n: 1, cIn: 3, h: 11, w: 21, cOut: 3, kh: 5, kw: 5, strideH: 2, strideW: 2, padTop: 2, padLeft: 2, groups: 3 }),
  ]) {
    const plane = g.outH * g.outW;
    const edges = rand(g.n * g.cIn * g.h * g.w, 81), dyFinite = rand(g.n * g.cOut * plane, 82);
    for (let r = 0; r < g.n * g.cIn * g.h; r++) edges[r * g.w + g.w - 1] = Infinity;
    const xFinite = rand(edges.length, 83), dySpiky = dyFinite.slice();
    dySpiky[0] = Infinity; // output (0, 0) of channel 0: its taps above and left read padding (or, unpadded, the input)
    dySpiky[2 * plane] = NaN; // the first of channel 2, just past channel 1's last row
    for (const [what, x, dy] of [["∞ in x's last column", edges, dyFinite], ["∞ and NaN in dy", xFinite, dySpiky]] as const) {
      const dw = new Float32Array(g.cOut * g.kh * g.kw), dwRef = new Float32Array(dw.length);
      k.conv2dBackwardWeight!(x, dy, g, dw); jsKernels.conv2dBackwardWeight(x, dy, g, dwRef);
      assertSamePattern(dw, dwRef, `${name} depthwise dW, ${what} ${JSON.stringify(g)}`);
    }
  }
}

/** Strided copies between arrays in the wasm memory (the module's copyStrided; JavaScript arrays take the reference's
 *  path): the same values as the reference in the destination, nothing written around it, the source untouched. */
function checkCopyStridedInPlace(name: string, rt: WasmRuntime, k: Partial<Kernels>): void {
  const SENTINEL = -4321.25, PAD = 16;
  let seed = 900;
  // [shape, source strides, source offset, destination strides, destination offset, accumulate], source and destination
  // sizes; each case's label says what it stands for
  const cases: [string, number[], number[], number, number[], number, boolean, number, number][] = [
    // ShuffleNetV2's concatenation and shuffle: a [1, 58, 7, 7] half written to every other channel of [1, 116, 7, 7]
    ["channel shuffle", [1, 58, 49], [2842, 49, 1], 0, [5684, 98, 1], 49, false, 2842, 5684],
    ["cat into channels 3..", [2, 5, 11, 13], [715, 143, 13, 1], 0, [1430, 143, 13, 1], 3 * 143, false, 1430, 2860],
    ["flip (negative strides)", [4, 9, 17], [153, 17, -1], 16, [153, 17, 1], 0, false, 612, 612],
    ["transpose (inner step 9)", [31, 9, 5], [5, 155, 1], 0, [45, 5, 1], 0, false, 1395, 1395],
    ["permute inner (steps 31, 1)", [9, 5, 31], [1, 279, 9], 0, [155, 31, 1], 0, false, 1395, 1395],
    ["expand (stride 0)", [3, 40, 17], [17, 0, 1], 0, [680, 17, 1], 0, false, 51, 2040],
    ["accumulate (a cat's gradient)", [2, 5, 11, 13], [1430, 143, 13, 1], 2 * 143, [715, 143, 13, 1], 0, true, 2860, 1430],
    ["accumulate, strided", [9, 5, 31], [1, 279, 9], 0, [155, 31, 1], 0, true, 1395, 1395],
    ["5 dims (the reference's)", [2, 3, 4, 5, 6], [360, 1, 30, 6, 3], 0, [360, 120, 30, 6, 1], 0, false, 720, 720],
    ["few elements (the reference's)", [3, 7], [1, 3], 0, [7, 1], 0, false, 21, 21],
  ];
  for (const [what, shape, ss, so, ds, dOff, accumulate, srcLen, dstLen] of cases) {
    const src0 = rand(srcLen, seed++), dst0 = rand(dstLen, seed++);
    const block = (values: Float32Array): Float32Array => {
      const b = rt.allocate(values.length + 2 * PAD)!.fill(SENTINEL);
      b.subarray(PAD, PAD + values.length).set(values);
      return b;
    };
    const sb = block(src0), db = block(dst0);
    const src = sb.subarray(PAD, PAD + srcLen), dst = db.subarray(PAD, PAD + dstLen);
    const ref = dst0.slice();
    jsKernels.copyStrided(src0, so, ss, shape, ref, dOff, ds, accumulate);
    k.copyStrided!(src, so, ss, shape, dst, dOff, ds, accumulate);
    assertSame(dst, ref, `${name} copyStrided ${what}`);
    assertSame(src, src0, `${name} copyStrided ${what}: the source`);
    for (const b of [sb, db]) {
      for (let i = 0; i < PAD; i++) {
        assert.equal(b[i], SENTINEL, `${name} copyStrided ${what}: the float ${PAD - i} before an operand written`);
        assert.equal(b[b.length - 1 - i], SENTINEL, `${name} copyStrided ${what}: the float ${PAD - i} past an operand written`);
      }
      rt.release(b);
    }
  }
}

/** With operands in the wasm memory (as tensors are), the depthwise and 1×1 gradients read them in place and write
 *  their result into its own block in place: each operand is a view between runs of a sentinel, which must survive
 *  (no write before or past the result, none into an input). Needs a shared memory (rt.allocate). */
function checkGradsInPlace(name: string, rt: WasmRuntime, k: Partial<Kernels>): void {
  const SENTINEL = 12345.5, PAD = 16;
  const blocks: Float32Array[] = [], inputs: [Float32Array, Float32Array][] = [];
  const view = (values: Float32Array, input = true): Float32Array => {
    const block = rt.allocate(values.length + 2 * PAD)!;
    blocks.push(block.fill(SENTINEL));
    const v = block.subarray(PAD, PAD + values.length);
    v.set(values);
    if (input) inputs.push([v, values]);
    return v;
  };
  let seed = 500;
  for (const g of [depthwiseWeightCases[0]!, depthwiseWeightCases[4]!, depthwiseWeightCases[7]!, ...pointwiseGradCases.slice(2),
    // enough work to be split over two threads
    geometry({ n: 3, cIn: 5, h: 101, w: 117, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 5 }),
    geometry({ n: 2, cIn: 24, h: 28, w: 29, cOut: 36, kh: 1, kw: 1 }),
  ]) {
    const x = rand(g.n * g.cIn * g.h * g.w, seed++), dy = rand(g.n * g.cOut * g.outH * g.outW, seed++);
    const w = rand(g.cOut * (g.cIn / g.groups) * g.kh * g.kw, seed++);
    const label = `${name} in place ${JSON.stringify(g)}`;
    const dwRef = new Float32Array(w.length), dw = view(new Float32Array(w.length).fill(NaN), false);
    jsKernels.conv2dBackwardWeight(x, dy, g, dwRef);
    k.conv2dBackwardWeight!(view(x), view(dy), g, dw);
    assertClose(dw, dwRef, g.n * g.outH * g.outW, `conv2dBackwardWeight ${label}`);
    if (g.groups === 1) {
      const dxRef = new Float32Array(x.length), dx = view(new Float32Array(x.length).fill(NaN), false);
      jsKernels.conv2dBackwardInput(dy, w, g, dxRef);
      k.conv2dBackwardInput!(view(dy), view(w), g, dx);
      assertClose(dx, dxRef, g.cOut, `conv2dBackwardInput ${label}`);
    }
    for (const [v, values] of inputs) assertSame(v, values, `${label}: an input`);
    for (const b of blocks) {
      for (let i = 0; i < PAD; i++) {
        assert.equal(b[i], SENTINEL, `${label}: the float ${PAD - i} before an operand written`);
        assert.equal(b[b.length - 1 - i], SENTINEL, `${label}: the float ${PAD - i} past an operand's end written`);
      }
      rt.release(b);
    }
    blocks.length = 0;
    inputs.length = 0;
  }
}

/** The epilogues checkConv applies in turn: an activation with hardtanh's bounds (ReLU6's, ReLU's), or none. */
const EPILOGUES: [FusedActivation | null, number, number][] = [
  ["hardtanh", 0, 6], ["silu", 0, 0], ["hardswish", 0, 0], [null, 0, 0], ["hardsigmoid", 0, 0], ["hardtanh", 0, Infinity],
];

function checkConv(name: string, k: Partial<Kernels>, cases: readonly ConvGeometry[] = convCases): void {
  let seed = 1;
  for (const g of cases) {
    const cinG = g.cIn / g.groups;
    const x = rand(g.n * g.cIn * g.h * g.w, seed++), w = rand(g.cOut * cinG * g.kh * g.kw, seed++);
    const bias = rand(g.cOut, seed++), dy = rand(g.n * g.cOut * g.outH * g.outW, seed++);
    const terms = cinG * g.kh * g.kw;
    const label = `${name} ${JSON.stringify(g)}`;
    for (const b of [null, bias]) {
      const yRef = new Float32Array(dy.length), y = new Float32Array(dy.length).fill(NaN);
      jsKernels.conv2d(x, w, b, g, yRef);
      k.conv2d!(x, w, b, g, y);
      assertClose(y, yRef, terms, `conv2d ${label} bias=${!!b}`);
    }
    // with an epilogue (a folded batch norm's scale, the bias, a residual, an activation; or the activation alone), by
    // case in turn
    const [act, lo, hi] = EPILOGUES[seed % EPILOGUES.length]!;
    const residual = rand(dy.length, seed++);
    for (const [scale, res] of [[rand(g.cOut, seed++).map((v) => 2 * v), null], [null, null], [rand(g.cOut, seed++), residual], [null, residual]] as const) {
      const yRef = new Float32Array(dy.length), y = new Float32Array(dy.length).fill(NaN);
      jsKernels.conv2d(x, w, bias, g, yRef, scale, act, lo, hi, res);
      k.conv2d!(x, w, bias, g, y, scale, act, lo, hi, res);
      assertClose(y, yRef, 2 * terms, `conv2d ${label} epilogue ${act} scale=${!!scale} residual=${!!res}`);
    }
    const dxRef = new Float32Array(x.length), dx = new Float32Array(x.length).fill(NaN);
    jsKernels.conv2dBackwardInput(dy, w, g, dxRef);
    k.conv2dBackwardInput!(dy, w, g, dx);
    assertClose(dx, dxRef, (g.cOut / g.groups) * g.kh * g.kw, `conv2dBackwardInput ${label}`);
    const dwRef = new Float32Array(w.length), dw = new Float32Array(w.length).fill(NaN);
    jsKernels.conv2dBackwardWeight(x, dy, g, dwRef);
    k.conv2dBackwardWeight!(x, dy, g, dw);
    assertClose(dw, dwRef, g.n * g.outH * g.outW, `conv2dBackwardWeight ${label}`);
  }
}

function checkAll(name: string, k: Partial<Kernels>): void {
  checkSmallKernels(name, k);
  checkNormKernels(name, k);
  checkNormBackward(name, k);
  checkNonFiniteEdges(name, k);
  checkDepthwiseNonFinite(name, k);
  // every case through the GEMM (im2col) path too, not only the direct one that small Cout takes by default
  for (const directMaxCout of [32, 0]) {
    setDirectMaxCout(directMaxCout);
    try {
      checkConv(`${name} directMaxCout=${directMaxCout}`, k);
    } finally {
      setDirectMaxCout(32);
    }
  }
  // empty convolutions (no input channel: the output is the bias; no image; no output channel), with and without the
  // im2col GEMM's epilogue, as the reference computes them
  checkConv(`${name} empty`, k, [
    geometry({ n: 1, cIn: 0, h: 8, w: 8, cOut: 4, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }),
    geometry({ n: 0, cIn: 3, h: 8, w: 9, cOut: 4, kh: 3, kw: 3 }),
    geometry({ n: 2, cIn: 3, h: 8, w: 9, cOut: 0, kh: 1, kw: 1 }),
  ]);
  checkConv(`${name} 1×1`, k, pointwiseCases);
  checkConv(`${name} 1×1 gradients`, k, pointwiseGradCases);
  checkConv(`${name} depthwise weight`, k, depthwiseWeightCases);
  checkDepthwiseWeightNonFinite(name, k);
  // every depthwise case through the task, also those that the direct kernel takes by default
  setDepthwise("always");
  try {
    checkConv(`${name} depthwise`, k, depthwiseCases);
  } finally {
    setDepthwise("auto");
    checkConv("simd t2 1×1", k, [geometry({ n: 1, cIn: 32, h: 56, w: 57, cOut: 16, kh: 1, kw: 1 }), geometry({ n: 2, cIn: 24, h: 28, w: 29, cOut: 36, kh: 1, kw: 1 })]);
  }
  // the shapes the channel-vector direct convolution takes: also through the pixel-vector one
  const channelCases = convCases.filter((g) => g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1
    && channelVectorsFit(g));
  assert.ok(channelCases.length >= 2);
  setChannelVectors(false);
  try {
    checkConv(`${name} pixel vectors`, k, channelCases);
  } finally {
    setChannelVectors(true);
  }
  // the shapes Winograd takes: also through the GEMM, through F(2×2) alone, and both Winograd schedules with one tile row
  // per chunk or block
  const winogradCases = convCases.filter((g) => g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1
    && g.dilationH === 1 && g.dilationW === 1 && g.groups === 1 && g.cIn >= 32 && g.cOut >= 32);
  assert.ok(winogradCases.length >= 4);
  const modes: [string, () => void][] = [
    ["no Winograd", () => setWinograd(false)],
    ["Winograd F(2×2) only", () => setWinograd(true, false)],
    ["Winograd in chunks shared by the threads, one tile row per chunk", () => { setWinogradBlocksMaxU(0); setWinogradChunkBytes(1); }],
    ["Winograd in per-thread blocks of one tile row", () => { setWinogradBlocksMaxU(Infinity); setWinogradUnitBytes(1); }],
  ];
  for (const [mode, set] of modes) {
    set();
    try {
      checkConv(`${name} ${mode}`, k, winogradCases);
    } finally {
      setWinograd(true, true);
      setWinogradChunkBytes(8 << 20);
      setWinogradUnitBytes(512 << 10);
      setWinogradBlocksMaxU(1 << 20);
    }
  }
  let seed = 1000;
  for (const p of matmulCases) {
    const aLen = p.aBatchStride * (p.batch - 1) + p.m * p.k, bLen = p.bBatchStride * (p.batch - 1) + p.k * p.n;
    const a = rand(aLen, seed++), b = rand(bLen, seed++);
    const ref = new Float32Array(p.batch * p.m * p.n), out = new Float32Array(ref.length).fill(NaN);
    jsKernels.matmul(a, b, ref, p);
    k.matmul!(a, b, out, p);
    assertClose(out, ref, p.k, `matmul ${name} ${JSON.stringify(p)}`);
  }
}

const runtimes: WasmRuntime[] = [];
after(() => runtimes.forEach((r) => r.dispose()));

// Relaxed SIMD needs a V8 flag in Node 20: run the relaxed checks in a child process that has it.
const RELAXED_CHILD = "CONVKIT_WASM_RELAXED_CHILD";
if (process.env[RELAXED_CHILD]) {
  test("relaxed SIMD (child process)", async () => {
    assert.ok(relaxedSimdAvailable(), "relaxed SIMD should be available with the flag");
    const rt1 = WasmRuntime.createSync(true, true);
    runtimes.push(rt1);
    checkAll("relaxed t1", makeKernels(rt1));
    checkActivations("relaxed t1", makeKernels(rt1));
    checkGradsInPlace("relaxed t1", rt1, makeKernels(rt1));
    checkCopyStridedInPlace("relaxed t1", rt1, makeKernels(rt1));
    const rt2 = await WasmRuntime.create(true, true);
    runtimes.push(rt2);
    await rt2.startWorkers(1);
    checkAll("relaxed t2", makeKernels(rt2));
    checkActivations("relaxed t2", makeKernels(rt2));
    checkGradsInPlace("relaxed t2", rt2, makeKernels(rt2));
    checkCopyStridedInPlace("relaxed t2", rt2, makeKernels(rt2));
  });
} else {
  test("wasm kernels match the reference: plain SIMD, 1 thread", () => {
    const rt = WasmRuntime.createSync(false, true);
    runtimes.push(rt);
    checkAll("simd t1", makeKernels(rt));
    checkGradsInPlace("simd t1", rt, makeKernels(rt));
    checkCopyStridedInPlace("simd t1", rt, makeKernels(rt));
  });

  test("activation kernels match the reference: ragged lengths, NaN/±∞, one thread and split over two", async () => {
    const rt1 = WasmRuntime.createSync(false, true);
    runtimes.push(rt1);
    checkActivations("simd t1", makeKernels(rt1));
    const rt2 = await WasmRuntime.create(false, true);
    runtimes.push(rt2);
    await rt2.startWorkers(1);
    checkActivations("simd t2", makeKernels(rt2));
    checkActivations("simd unshared", makeKernels(WasmRuntime.createSync(false, false)));
  });

  test("wasm kernels match the reference: plain SIMD, unshared memory", () => {
    const rt = WasmRuntime.createSync(false, false);
    checkAll("simd unshared", makeKernels(rt));
  });

  test("wasm kernels match the reference: plain SIMD, 2 threads", async () => {
    const rt = await WasmRuntime.create(false, true);
    runtimes.push(rt);
    await rt.startWorkers(1);
    assert.equal(rt.threads, 2);
    checkAll("simd t2", makeKernels(rt));
    checkGradsInPlace("simd t2", rt, makeKernels(rt));
    checkCopyStridedInPlace("simd t2", rt, makeKernels(rt));
    // Large enough to be split over both threads.
    const g = geometry({ n: 2, cIn: 32, h: 30, w: 30, cOut: 40, kh: 3, kw: 3, padTop: 1, padLeft: 1 });
    const x = rand(g.n * g.cIn * g.h * g.w, 7), w = rand(g.cOut * g.cIn * 9, 8), dy = rand(g.n * g.cOut * 900, 9);
    const k = makeKernels(rt);
    checkNormKernels("simd t2", k);
    checkNormBackward("simd t2", k);
    const y = new Float32Array(dy.length), yRef = new Float32Array(dy.length);
    k.conv2d!(x, w, null, g, y); jsKernels.conv2d(x, w, null, g, yRef);
    assertClose(y, yRef, 288, "conv2d split over 2 threads");
    const dw = new Float32Array(w.length), dwRef = new Float32Array(w.length);
    k.conv2dBackwardWeight!(x, dy, g, dw); jsKernels.conv2dBackwardWeight(x, dy, g, dwRef);
    assertClose(dw, dwRef, 1800, "conv2dBackwardWeight split over 2 threads");
    const dx = new Float32Array(x.length), dxRef = new Float32Array(x.length);
    k.conv2dBackwardInput!(dy, w, g, dx); jsKernels.conv2dBackwardInput(dy, w, g, dxRef);
    assertClose(dx, dxRef, 360, "conv2dBackwardInput (as a convolution) split over 2 threads");
    // Direct convolution (few output channels) split over both threads.
    const gd = geometry({ n: 2, cIn: 8, h: 30, w: 27, cOut: 13, kh: 3, kw: 3, padTop: 1, padLeft: 1 });
    const xd = rand(2 * 8 * 30 * 27, 15), wd = rand(13 * 8 * 9, 16), bd = rand(13, 17);
    const yd = new Float32Array(2 * 13 * gd.outH * gd.outW), ydRef = new Float32Array(yd.length);
    k.conv2d!(xd, wd, bd, gd, yd); jsKernels.conv2d(xd, wd, bd, gd, ydRef);
    assertClose(yd, ydRef, 72, "conv2d (direct) split over 2 threads");
    const dyd = rand(yd.length, 18), dwd = new Float32Array(wd.length), dwdRef = new Float32Array(wd.length);
    k.conv2dBackwardWeight!(xd, dyd, gd, dwd); jsKernels.conv2dBackwardWeight(xd, dyd, gd, dwdRef);
    assertClose(dwd, dwdRef, 2 * gd.outH * gd.outW, "conv2dBackwardWeight (direct) split over 2 threads");
    // Batch 1, small maps: the output channels split between the threads (odd counts: edge row blocks), with bias.
    for (const gm of [
      geometry({ n: 1, cIn: 64, h: 7, w: 9, cOut: 70, kh: 3, kw: 3, padTop: 1, padLeft: 1 }),
      geometry({ n: 1, cIn: 48, h: 15, w: 15, cOut: 66, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 }),
    ]) {
      const xm = rand(gm.cIn * gm.h * gm.w, 19), wm = rand(gm.cOut * gm.cIn * 9, 20), bm = rand(gm.cOut, 21);
      const ym = new Float32Array(gm.cOut * gm.outH * gm.outW), ymRef = new Float32Array(ym.length);
      k.conv2d!(xm, wm, bm, gm, ym); jsKernels.conv2d(xm, wm, bm, gm, ymRef);
      assertClose(ym, ymRef, gm.cIn * 9, `conv2d (channels split) over 2 threads ${JSON.stringify(gm)}`);
    }
    // Stride 2 and batch 1: GEMM + col2im with the input channels split into chunks between the threads.
    const g2 = geometry({ n: 1, cIn: 30, h: 41, w: 39, cOut: 48, kh: 3, kw: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 });
    const x2 = rand(30 * 41 * 39, 10), w2 = rand(48 * 30 * 9, 11), dy2 = rand(48 * g2.outH * g2.outW, 12);
    const dx2 = new Float32Array(x2.length), dx2Ref = new Float32Array(x2.length);
    k.conv2dBackwardInput!(dy2, w2, g2, dx2); jsKernels.conv2dBackwardInput(dy2, w2, g2, dx2Ref);
    assertClose(dx2, dx2Ref, 432, "conv2dBackwardInput (col2im) split over 2 threads");
    // Depthwise split over both threads: by planes, and by bands of rows (3 planes)
    setDepthwise("always");
    checkConv("simd t2 depthwise", k, [
      geometry({ n: 1, cIn: 40, h: 56, w: 57, cOut: 40, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 40 }),
      geometry({ n: 3, cIn: 24, h: 29, w: 31, cOut: 24, kh: 7, kw: 7, strideH: 2, strideW: 2, padTop: 3, padLeft: 3, groups: 24 }),
      geometry({ n: 1, cIn: 3, h: 201, w: 203, cOut: 3, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 3 }),
      // the weight gradient's channels split 3 : 2, and 243 channels of 13-wide rows (all nine taps at once)
      geometry({ n: 3, cIn: 5, h: 101, w: 117, cOut: 5, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 5 }),
      geometry({ n: 3, cIn: 243, h: 13, w: 13, cOut: 243, kh: 3, kw: 3, padTop: 1, padLeft: 1, groups: 243 }),
    ]);
    setDepthwise("auto");
    const mm = { batch: 1, m: 50, n: 300, k: 200, aBatchStride: 0, bBatchStride: 0, transA: false, transB: true };
    const a3 = rand(50 * 200, 13), b3 = rand(300 * 200, 14);
    const c3 = new Float32Array(50 * 300), c3Ref = new Float32Array(50 * 300);
    k.matmul!(a3, b3, c3, mm); jsKernels.matmul(a3, b3, c3Ref, mm);
    assertClose(c3, c3Ref, 200, "matmul split over 2 threads");
  });

  test("wasm kernels match the reference: relaxed SIMD, 1 and 2 threads (child node with the flag)", () => {
    const self = fileURLToPath(import.meta.url);
    const env: NodeJS.ProcessEnv = { ...process.env, [RELAXED_CHILD]: "1" };
    delete env.NODE_TEST_CONTEXT; // report as a standalone run (TAP on stdout), not to this runner
    const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", self], { env, encoding: "utf8" });
    assert.equal(r.status, 0, `relaxed child failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /# pass 1/);
  });

  test("the committed generated files (tasks.ts, assembly/args.as and kernels.as, kernels-wasm.ts) match tasks.json and the assembly sources", () => {
    // --check regenerates each of them in memory (the module compiled from every .as file) and fails on any difference
    const script = fileURLToPath(new URL("../../scripts/build-wasm.mjs", import.meta.url));
    const r = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });
}
