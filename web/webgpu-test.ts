// The WebGPU kernel checks, run in a page (web/webgpu-test.html, built by scripts/build-webgpu-test.mjs and driven by
// test/web/webgpu-kernels.test.ts): every WGSL kernel against the reference kernel (src/backends/js) on the same
// seeded random inputs, on odd shapes (1×1 to 7×7 kernels, strides 1–2, dilation 2, groups, depthwise, batch 1 and
// more, sizes that are no multiple of a workgroup). Each check runs its kernels twice: the second call must compile
// no pipeline (the cache), and both must match the reference. window.webgpuTest.run(group) returns the group's checks.
import { initWebGPU, type WebGPUDevice } from "../src/backends/webgpu/device.js";
import { webgpuKernels as gk } from "../src/backends/webgpu/kernels/index.js";
import { jsKernels as js } from "../src/backends/js/index.js";
import type {
  ActivationOp, AdamStepParams, AvgPoolOptions, BinaryOp, ConvGeometry, FusedActivation, MatmulParams, PoolGeometry, PoolMode, ReduceOp, RmspropStepParams, SgdStepParams,
  UnaryOp,
} from "../src/backends/backend.js";
import { Generator } from "../src/tensor/random.js";

/** The result of one check, as the node test reads it. */
export interface Check {
  label: string;
  ok: boolean;
  /** The worst element: |gpu − ref| against the tolerance there. */
  detail: string;
  /** Pipelines compiled by the second, identical call (must be 0). */
  compiledAgain: number;
  /** Pipelines compiled by the first call. */
  compiled: number;
  /** Milliseconds of the first and the second call (encoding, running and reading back). */
  ms: [number, number];
}

type Values = Float32Array | Int32Array;
let dev: WebGPUDevice;
const gen = new Generator(2026);
let checks: Check[] = [];

/** n normal values (scaled), or uniform in [lo, hi). */
function randn(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => gen.normal() * scale);
}
function uniform(n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * gen.random());
}
/** Integers in [lo, hi] as floats (ties and equal values for the comparisons). */
function ints(n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + gen.int(hi - lo + 1));
}

/** A copy of `a` with NaN at every `k`-th element from `from`: the max-like kernels let a NaN take over. */
function withNaN(a: Float32Array, k: number, from = 1): Float32Array {
  return a.map((v, i) => (i % k === from ? NaN : v));
}

/** The first difference beyond |a − e| ≤ atol·max|e| + rtol·|e| (exact for int data), or null. */
function mismatch(got: Values, want: Values, rtol: number, atol: number): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  let scale = 0;
  for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, e = want[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const tol = want instanceof Int32Array ? 0 : atol * scale + rtol * Math.abs(e);
    const err = Math.abs(a - e);
    if (!(err <= tol)) return `element ${i} is ${a} on the GPU, ${e} in the reference (|Δ| ${err.toExponential(2)}, tolerance ${tol.toExponential(2)}, scale ${scale.toExponential(2)})`;
  }
  return null;
}

interface CompareOptions { rtol?: number; atol?: number }

/**
 * Runs `gpu` twice (it encodes kernels into fresh output buffers and returns them) and compares every output with
 * `expected` (the reference's); records the pipelines each call compiled.
 */
async function compare(label: string, expected: Values[], gpu: () => GPUBuffer[], opts: CompareOptions = {}): Promise<void> {
  const { rtol = 1e-4, atol = 2e-6 } = opts;
  let problem: string | null = null;
  const compiled: number[] = [], ms: number[] = [];
  for (let call = 0; call < 2 && !problem; call++) {
    const before = dev.stats.pipelinesCompiled, t0 = performance.now();
    const outs = gpu();
    compiled.push(dev.stats.pipelinesCompiled - before);
    for (let k = 0; k < outs.length && !problem; k++) {
      const got = await dev.read(outs[k]!, expected[k] instanceof Int32Array ? "int32" : "float32", expected[k]!.length);
      const m = mismatch(got, expected[k]!, rtol, atol);
      if (m) problem = `output ${k} (call ${call + 1}): ${m}`;
    }
    for (const b of outs) b.destroy();
    ms.push(Math.round(performance.now() - t0));
  }
  checks.push({ label, ok: problem === null, detail: problem ?? "", compiled: compiled[0] ?? 0, compiledAgain: compiled[1] ?? 0, ms: [ms[0] ?? 0, ms[1] ?? 0] });
}

const up = (a: Values) => dev.upload(a);
const f32 = (n: number) => new Float32Array(n);

// --- matmul -------------------------------------------------------------------------------------------------------

async function matmulChecks(): Promise<void> {
  const cases: [string, MatmulParams][] = [
    ["1×1·1×1", { batch: 1, m: 1, n: 1, k: 1, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false }],
    ["7×3·3×5", { batch: 1, m: 7, n: 5, k: 3, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false }],
    ["batch 2 of 33×19·19×70", { batch: 2, m: 33, n: 70, k: 19, aBatchStride: 33 * 19, bBatchStride: 19 * 70, transA: false, transB: false }],
    ["transA batch 3 13×9·9×17", { batch: 3, m: 13, n: 17, k: 9, aBatchStride: 13 * 9, bBatchStride: 9 * 17, transA: true, transB: false }],
    ["transB batch 2 5×31·31×65", { batch: 2, m: 5, n: 65, k: 31, aBatchStride: 5 * 31, bBatchStride: 65 * 31, transA: false, transB: true }],
    ["transA transB 40×20·20×9", { batch: 1, m: 40, n: 9, k: 20, aBatchStride: 0, bBatchStride: 0, transA: true, transB: true }],
    ["one A broadcast over batch 3, 6×11·11×10", { batch: 3, m: 6, n: 10, k: 11, aBatchStride: 0, bBatchStride: 110, transA: false, transB: false }],
    ["100×100·100×100", { batch: 1, m: 100, n: 100, k: 100, aBatchStride: 0, bBatchStride: 0, transA: false, transB: false }],
  ];
  for (const [label, p] of cases) {
    const a = randn(Math.max(1, p.aBatchStride * (p.batch - 1)) + p.m * p.k), b = randn(Math.max(1, p.bBatchStride * (p.batch - 1)) + p.k * p.n);
    const want = f32(p.batch * p.m * p.n);
    js.matmul(a, b, want, p);
    const ga = up(a), gb = up(b);
    await compare(`matmul ${label}`, [want], () => {
      const out = dev.buffer(want.length);
      gk.matmul(dev, ga, gb, out, p);
      return [out];
    });
  }
}

// --- convolution --------------------------------------------------------------------------------------------------

interface ConvCase { n: number; cIn: number; h: number; w: number; cOut: number; k: [number, number]; s?: [number, number]; p?: [number, number]; d?: [number, number]; groups?: number; bias?: boolean }

function convGeometry(c: ConvCase): ConvGeometry {
  const [kh, kw] = c.k, [sH, sW] = c.s ?? [1, 1], [pT, pL] = c.p ?? [0, 0], [dH, dW] = c.d ?? [1, 1];
  return {
    n: c.n, cIn: c.cIn, h: c.h, w: c.w, cOut: c.cOut, kh, kw, strideH: sH, strideW: sW, padTop: pT, padLeft: pL,
    dilationH: dH, dilationW: dW, groups: c.groups ?? 1,
    outH: Math.floor((c.h + 2 * pT - dH * (kh - 1) - 1) / sH) + 1, outW: Math.floor((c.w + 2 * pL - dW * (kw - 1) - 1) / sW) + 1,
  };
}

const CONVS: [string, ConvCase][] = [
  ["3×3 stride 2 pad 1", { n: 1, cIn: 3, h: 9, w: 8, cOut: 4, k: [3, 3], s: [2, 2], p: [1, 1] }],
  ["3×3 stride (2,1) pad (2,1) dilation 2, batch 2", { n: 2, cIn: 3, h: 9, w: 8, cOut: 4, k: [3, 3], s: [2, 1], p: [2, 1], d: [2, 2] }],
  ["3×3 groups 2 'same'", { n: 1, cIn: 4, h: 7, w: 10, cOut: 6, k: [3, 3], p: [1, 1], groups: 2 }],
  ["depthwise 3×3, batch 2", { n: 2, cIn: 5, h: 8, w: 7, cOut: 5, k: [3, 3], p: [1, 1], groups: 5 }],
  ["depthwise ×2 5×5 stride 2 pad 2, no bias", { n: 1, cIn: 4, h: 9, w: 9, cOut: 8, k: [5, 5], s: [2, 2], p: [2, 2], groups: 4, bias: false }],
  ["1×1, batch 2", { n: 2, cIn: 7, h: 5, w: 5, cOut: 9, k: [1, 1] }],
  ["7×7 stride 2 pad 3", { n: 1, cIn: 3, h: 13, w: 11, cOut: 5, k: [7, 7], s: [2, 2], p: [3, 3] }],
  ["2×5 with 40 outputs (64-row tiles), batch 3, no bias", { n: 3, cIn: 6, h: 6, w: 7, cOut: 40, k: [2, 5], p: [1, 2], bias: false }],
];

interface ConvData { g: ConvGeometry; x: Float32Array; w: Float32Array; b: Float32Array | null; dy: Float32Array }
function convData(c: ConvCase): ConvData {
  const g = convGeometry(c);
  return {
    g, x: randn(g.n * g.cIn * g.h * g.w), w: randn(g.cOut * (g.cIn / g.groups) * g.kh * g.kw, 0.5),
    b: c.bias === false ? null : randn(g.cOut), dy: randn(g.n * g.cOut * g.outH * g.outW),
  };
}

async function convForwardChecks(): Promise<void> {
  for (const [label, c] of CONVS) {
    const { g, x, w, b } = convData(c);
    const want = f32(g.n * g.cOut * g.outH * g.outW);
    js.conv2d(x, w, b, g, want);
    const gx = up(x), gw = up(w), gb = b ? up(b) : null;
    await compare(`conv2d ${label}`, [want], () => {
      const y = dev.buffer(want.length);
      gk.conv2d(dev, gx, gw, gb, g, y);
      return [y];
    });
  }
  // with an epilogue (Kernels.conv2d): a folded batch norm's scale and each activation, or the activation alone
  const epilogues: [FusedActivation, number, number, boolean, boolean][] = [
    ["hardtanh", 0, 6, true, false], ["silu", 0, 0, true, true], ["hardswish", 0, 0, false, false], ["hardsigmoid", 0, 0, true, false],
    ["hardtanh", 0, Infinity, false, true],
  ];
  for (const [i, [act, lo, hi, scaled, withResidual]] of epilogues.entries()) {
    const [label, c] = CONVS[i % CONVS.length]!;
    const { g, x, w, b } = convData(c);
    const scale = scaled ? randn(g.cOut) : null;
    const want = f32(g.n * g.cOut * g.outH * g.outW), residual = withResidual ? randn(want.length) : null;
    js.conv2d(x, w, b, g, want, scale, act, lo, hi, residual);
    const gx = up(x), gw = up(w), gb = b ? up(b) : null, gs = scale ? up(scale) : null, gr = residual ? up(residual) : null;
    await compare(`conv2d ${label}, epilogue ${act} [${lo}, ${hi}]${scaled ? " scaled" : ""}${residual ? " + residual" : ""}`, [want], () => {
      const y = dev.buffer(want.length);
      gk.conv2d(dev, gx, gw, gb, g, y, gs, act, lo, hi, gr);
      return [y];
    });
  }
}

async function convInputChecks(): Promise<void> {
  for (const [label, c] of CONVS) {
    const { g, w, dy } = convData(c);
    const want = f32(g.n * g.cIn * g.h * g.w);
    js.conv2dBackwardInput(dy, w, g, want);
    const gdy = up(dy), gw = up(w);
    await compare(`conv2dBackwardInput ${label}`, [want], () => {
      const dx = dev.buffer(want.length);
      gk.conv2dBackwardInput(dev, gdy, gw, g, dx);
      return [dx];
    });
  }
}

async function convWeightChecks(): Promise<void> {
  for (const [label, c] of CONVS) {
    const { g, x, dy } = convData(c);
    const want = f32(g.cOut * (g.cIn / g.groups) * g.kh * g.kw);
    js.conv2dBackwardWeight(x, dy, g, want);
    const gx = up(x), gdy = up(dy);
    await compare(`conv2dBackwardWeight ${label}`, [want], () => {
      const dw = dev.buffer(want.length);
      gk.conv2dBackwardWeight(dev, gx, gdy, g, dw);
      return [dw];
    });
  }
}

// --- pooling ------------------------------------------------------------------------------------------------------

interface PoolCase { n: number; c: number; h: number; w: number; k: [number, number]; s: [number, number]; p?: [number, number]; d?: [number, number]; ceil?: boolean }

function poolGeometry(c: PoolCase): PoolGeometry {
  const [kh, kw] = c.k, [sH, sW] = c.s, [pT, pL] = c.p ?? [0, 0], [dH, dW] = c.d ?? [1, 1];
  const size = (n: number, k: number, s: number, p: number, d: number) => {
    const span = n + 2 * p - d * (k - 1) - 1;
    let o = (c.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (c.ceil && (o - 1) * s >= n + p) o--; // PyTorch: the last window must start inside the input or its left padding
    return o;
  };
  return {
    n: c.n, c: c.c, h: c.h, w: c.w, kh, kw, strideH: sH, strideW: sW, padTop: pT, padLeft: pL, dilationH: dH, dilationW: dW,
    outH: size(c.h, kh, sH, pT, dH), outW: size(c.w, kw, sW, pL, dW),
  };
}

const POOLS: [string, PoolCase][] = [
  ["2×2 stride 2", { n: 1, c: 3, h: 8, w: 6, k: [2, 2], s: [2, 2] }],
  ["3×3 stride 2 pad 1 ceil, batch 2", { n: 2, c: 3, h: 7, w: 9, k: [3, 3], s: [2, 2], p: [1, 1], ceil: true }],
  ["3×3 stride 1 (overlapping)", { n: 2, c: 2, h: 6, w: 7, k: [3, 3], s: [1, 1] }],
  ["3×2 dilation 2 pad 1", { n: 1, c: 4, h: 9, w: 8, k: [3, 2], s: [1, 2], p: [1, 1], d: [2, 2] }],
  ["7×7 global-ish stride 2 pad 3", { n: 1, c: 2, h: 11, w: 13, k: [7, 7], s: [2, 2], p: [3, 3] }],
];

async function poolChecks(): Promise<void> {
  for (const [label, c] of POOLS) {
    const g = poolGeometry(c);
    const x = randn(g.n * g.c * g.h * g.w);
    const gx = up(x);
    const outN = g.n * g.c * g.outH * g.outW;
    for (const mode of ["max", "min"] as PoolMode[]) {
      for (const [tag, xs] of [["", x], [" with NaN", withNaN(x, 29)]] as const) {
        const y = f32(outN), idx = new Int32Array(outN), gxs = up(xs);
        js.pool2d(mode, xs, g, { countIncludePad: false, divisorOverride: null }, y, idx);
        await compare(`pool2d ${mode} ${label}${tag}`, [y, idx], () => {
          const gy = dev.buffer(outN), gi = dev.buffer(outN);
          gk.pool2d(dev, mode, gxs, g, { countIncludePad: false, divisorOverride: null }, gy, gi);
          return [gy, gi];
        });
      }
    }
    const avgs: [string, AvgPoolOptions][] = [
      ["count_include_pad", { countIncludePad: true, divisorOverride: null }],
      ["real taps", { countIncludePad: false, divisorOverride: null }],
      ["divisor 5", { countIncludePad: false, divisorOverride: 5 }],
    ];
    for (const [tag, avg] of avgs) {
      const y = f32(outN);
      js.pool2d("avg", x, g, avg, y, null);
      await compare(`pool2d avg (${tag}) ${label}`, [y], () => {
        const gy = dev.buffer(outN);
        gk.pool2d(dev, "avg", gx, g, avg, gy, null);
        return [gy];
      });
      const dy = randn(outN), dx = f32(x.length);
      js.avgPool2dBackward(dy, g, avg, dx);
      const gdy = up(dy);
      await compare(`avgPool2dBackward (${tag}) ${label}`, [dx], () => {
        const gdx = dev.buffer(dx.length);
        gk.avgPool2dBackward(dev, gdy, g, avg, gdx);
        return [gdx];
      });
    }
  }
}

/** Max pooling's backward (the indices' scatter, adding where windows overlap), max unpooling (a scatter that writes:
 *  the later source wins), and a gather. */
async function scatterChecks(): Promise<void> {
  for (const [label, c] of POOLS) {
    const g = poolGeometry(c);
    const x = randn(g.n * g.c * g.h * g.w), outPlane = g.outH * g.outW, inPlane = g.h * g.w, planes = g.n * g.c;
    const y = f32(planes * outPlane), idx = new Int32Array(planes * outPlane);
    js.pool2d("max", x, g, { countIncludePad: false, divisorOverride: null }, y, idx);
    const dy = randn(y.length), start = randn(x.length);
    const gdy = up(dy), gidx = up(idx);
    for (const accumulate of [true, false]) {
      const want = start.slice();
      js.planeScatter(dy, outPlane, idx, true, planes, want, inPlane, accumulate);
      await compare(`planeScatter ${accumulate ? "adding" : "writing"} max-pool indices ${label}`, [want], () => {
        const dst = up(start);
        gk.planeScatter(dev, gdy, outPlane, gidx, true, planes, dst, inPlane, accumulate);
        return [dst];
      }, { rtol: 1e-5, atol: 1e-6 });
    }
    const want = f32(y.length);
    js.planeGather(x, inPlane, idx, true, planes, outPlane, want);
    const gxx = up(x);
    await compare(`planeGather max-pool indices ${label}`, [want], () => {
      const dst = dev.buffer(want.length);
      gk.planeGather(dev, gxx, inPlane, gidx, true, planes, outPlane, dst);
      return [dst];
    });
  }
  // one index shared by every plane (nearest upsampling ×2 of 3×5 planes), many sources per destination
  const planes = 3, srcPlane = 6 * 10, dstPlane = 3 * 5;
  const index = Int32Array.from({ length: srcPlane }, (_, i) => Math.floor(Math.floor(i / 10) / 2) * 5 + Math.floor((i % 10) / 2));
  const src = randn(planes * srcPlane), gsrc = up(src), gindex = up(index);
  for (const accumulate of [true, false]) {
    const want = f32(planes * dstPlane);
    js.planeScatter(src, srcPlane, index, false, planes, want, dstPlane, accumulate);
    await compare(`planeScatter ${accumulate ? "adding" : "writing"} with one shared index (upsampling's backward)`, [want], () => {
      const dst = dev.buffer(want.length);
      gk.planeScatter(dev, gsrc, srcPlane, gindex, false, planes, dst, dstPlane, accumulate);
      return [dst];
    }, { rtol: 1e-5, atol: 1e-6 });
  }
}

// --- elementwise --------------------------------------------------------------------------------------------------

async function unaryChecks(): Promise<void> {
  const n = 1003; // not a multiple of the workgroup
  const signed = randn(n, 2), positive = uniform(n, 0.05, 4), halves = Float32Array.from(ints(n, -8, 8), (v) => v / 2);
  const ops: [UnaryOp, Float32Array, number][] = [
    ["neg", signed, 0], ["exp", signed, 0], ["log", positive, 0], ["sqrt", positive, 0], ["rsqrt", positive, 0],
    ["abs", signed, 0], ["sign", halves, 0], ["sin", signed, 0], ["cos", signed, 0], ["tanh", randn(n, 6), 0],
    ["sigmoid", randn(n, 8), 0], ["relu", signed, 0], ["leakyRelu", signed, 0.01], ["square", signed, 0],
    ["reciprocal", positive, 0], ["floor", signed, 0], ["ceil", signed, 0], ["round", halves, 0],
    ["log1p", uniform(n, -0.5, 3), 0], ["expm1", randn(n, 0.7), 0], ["powScalar", signed, 3], ["powScalar", positive, 0.5],
    ["powScalar", signed, 2], ["reluMask", signed, 0], ["leakyReluGrad", signed, 0.2],
    ["relu", withNaN(signed, 97), 0], ["leakyRelu", withNaN(signed, 97), 0.01], ["sign", withNaN(halves, 97), 0],
    ["reluMask", withNaN(signed, 97), 0],
  ];
  for (const [op, x, alpha] of ops) {
    const want = f32(n);
    js.unary(op, x, want, alpha);
    const gx = up(x);
    await compare(`unary ${op}${alpha ? ` (alpha ${alpha})` : ""}${x.some(Number.isNaN) ? " with NaN" : ""}`, [want], () => {
      const y = dev.buffer(n);
      gk.unary(dev, op, gx, y, alpha);
      return [y];
    }, { rtol: 2e-6, atol: 2e-7 });
  }
}

/** Contiguous strides of a shape, with 0 where a dim broadcasts (size 1 against a larger output dim). */
function stridesOf(shape: number[], out: number[]): number[] {
  const s: number[] = new Array<number>(shape.length);
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    s[d] = shape[d] === 1 && out[d] !== 1 ? 0 : acc;
    acc *= shape[d]!;
  }
  return s;
}

async function binaryChecks(): Promise<void> {
  const layouts: [string, number[], number[], number[]][] = [
    ["[2,3,5,7] + [1,3,1,1] (a bias)", [2, 3, 5, 7], [1, 3, 1, 1], [2, 3, 5, 7]],
    ["[2,1,5,1] with [1,3,1,7] (both broadcast)", [2, 1, 5, 1], [1, 3, 1, 7], [2, 3, 5, 7]],
    ["[67] with a scalar", [67], [1], [67]],
  ];
  const ops: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "reluGrad"];
  for (const [label, as, bs, out] of layouts) {
    const count = out.reduce((p, d) => p * d, 1);
    const na = as.reduce((p, d) => p * d, 1), nb = bs.reduce((p, d) => p * d, 1);
    const aStr = stridesOf(as, out), bStr = stridesOf(bs, out);
    for (const op of ops) {
      const compareOp = ["maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "reluGrad"].includes(op);
      // the comparisons also on NaN (maximum and minimum propagate it, the others are false but ne)
      const a = op === "pow" ? uniform(na, 0.1, 3) : compareOp ? withNaN(ints(na, -2, 2), 13) : randn(na);
      const b = op === "pow" ? ints(nb, -2, 3) : compareOp ? withNaN(ints(nb, -2, 2), 11, 3) : op === "div" ? uniform(nb, 0.5, 2) : randn(nb);
      const want = f32(count);
      js.binary(op, a, aStr, b, bStr, out, want);
      const ga = up(a), gb = up(b);
      await compare(`binary ${op} ${label}`, [want], () => {
        const y = dev.buffer(count);
        gk.binary(dev, op, ga, aStr, gb, bStr, out, y);
        return [y];
      }, { rtol: 2e-6, atol: 2e-7 });
    }
  }
  // a permuted operand (a transposed [7,5] view of a [5,7] array) against a contiguous one
  const a = randn(35), b = randn(35), want = f32(35);
  js.binary("sub", a, [1, 7], b, [5, 1], [7, 5], want);
  const ga = up(a), gb = up(b);
  await compare("binary sub of a transposed view", [want], () => {
    const y = dev.buffer(35);
    gk.binary(dev, "sub", ga, [1, 7], gb, [5, 1], [7, 5], y);
    return [y];
  });
  const cond = withNaN(ints(101, -1, 1), 17), wa = randn(101), wb = randn(101), ww = f32(101);
  js.where(cond, wa, wb, ww);
  const gc = up(cond), gwa = up(wa), gwb = up(wb);
  await compare("where", [ww], () => {
    const y = dev.buffer(101);
    gk.where(dev, gc, gwa, gwb, y);
    return [y];
  });
  await compare("fill", [f32(77).fill(-2.5)], () => {
    const y = dev.buffer(77);
    gk.fill(dev, y, -2.5);
    return [y];
  });
}

// --- reductions and softmax ---------------------------------------------------------------------------------------

const REDUCE_SHAPES: [number, number, number][] = [[3, 17, 5], [2, 1, 3], [4, 300, 1], [1, 1000, 1], [5, 700, 2]];

async function reduceChecks(): Promise<void> {
  for (const [outer, size, inner] of REDUCE_SHAPES) {
    for (const op of ["sum", "max", "min", "prod"] as ReduceOp[]) {
      const x = op === "prod" ? uniform(outer * size * inner, 0.995, 1.005) : randn(outer * size * inner);
      const want = f32(outer * inner);
      js.reduce(op, x, outer, size, inner, want);
      if (op === "max" || op === "min") {
        // a NaN in some outputs' range takes it over
        const xn = withNaN(x, 211), wantN = f32(outer * inner), gxn = up(xn);
        js.reduce(op, xn, outer, size, inner, wantN);
        await compare(`reduce ${op} over [${outer}, ${size}, ${inner}] with NaN`, [wantN], () => {
          const y = dev.buffer(wantN.length);
          gk.reduce(dev, op, gxn, outer, size, inner, y);
          return [y];
        }, { rtol: 0, atol: 0 });
      }
      const gx = up(x);
      await compare(`reduce ${op} over [${outer}, ${size}, ${inner}]`, [want], () => {
        const y = dev.buffer(want.length);
        gk.reduce(dev, op, gx, outer, size, inner, y);
        return [y];
      }, { rtol: 1e-4, atol: 1e-5 });
    }
    for (const op of ["argmax", "argmin"] as const) {
      const x = withNaN(ints(outer * size * inner, -20, 20), 307, 5);
      const want = f32(outer * inner);
      js.argReduce(op, x, outer, size, inner, want);
      const gx = up(x);
      await compare(`argReduce ${op} over [${outer}, ${size}, ${inner}] with ties${x.some(Number.isNaN) ? " and NaN" : ""}`, [want], () => {
        const y = dev.buffer(want.length);
        gk.argReduce(dev, op, gx, outer, size, inner, y);
        return [y];
      }, { rtol: 0, atol: 0 });
    }
  }
}

async function softmaxChecks(): Promise<void> {
  for (const [outer, size, inner] of [[2, 10, 3], [5, 1, 1], [1, 1000, 1], [3, 7, 1], [2, 4, 65]] as const) {
    for (const log of [false, true]) {
      const x = randn(outer * size * inner, 4);
      const want = f32(x.length);
      js.softmax(x, outer, size, inner, log, want);
      const gx = up(x);
      await compare(`${log ? "log-softmax" : "softmax"} over [${outer}, ${size}, ${inner}]`, [want], () => {
        const y = dev.buffer(x.length);
        gk.softmax(dev, gx, outer, size, inner, log, y);
        return [y];
      }, { rtol: 1e-5, atol: 1e-6 });
    }
  }
  // cross entropy's steps, as crossEntropy composes them: log-softmax over the classes, the targets' log-probabilities
  // picked (a gather per sample), their mean (a sum); backward: −1/N scattered into the picked places
  const batch = 9, classes = 13;
  const logits = randn(batch * classes, 3), target = Int32Array.from({ length: batch }, () => gen.int(classes));
  const logp = f32(logits.length), picked = f32(batch), total = f32(1), grad = f32(logits.length);
  js.softmax(logits, batch, classes, 1, true, logp);
  js.planeGather(logp, classes, target, true, batch, 1, picked);
  js.reduce("sum", picked, 1, batch, 1, total);
  js.planeScatter(f32(batch).fill(-1 / batch), 1, target, true, batch, grad, classes, true);
  const gl = up(logits), gt = up(target), gseed = up(f32(batch).fill(-1 / batch));
  await compare("cross entropy's kernels: log-softmax, pick, sum; the pick's backward", [logp, picked, total, grad], () => {
    const lp = dev.buffer(logits.length), pk = dev.buffer(batch), tot = dev.buffer(1), gr = dev.buffer(logits.length);
    gk.softmax(dev, gl, batch, classes, 1, true, lp);
    gk.planeGather(dev, lp, classes, gt, true, batch, 1, pk);
    gk.reduce(dev, "sum", pk, 1, batch, 1, tot);
    gk.planeScatter(dev, gseed, 1, gt, true, batch, gr, classes, true);
    return [lp, pk, tot, gr];
  }, { rtol: 1e-5, atol: 1e-6 });
}

// --- batch norm ---------------------------------------------------------------------------------------------------

async function normChecks(): Promise<void> {
  for (const [n, c, hw] of [[2, 3, 35], [1, 5, 1], [4, 2, 300], [3, 70, 4]] as const) {
    const x = randn(n * c * hw, 2).map((v, i) => v + (Math.floor(i / hw) % c)); // per-channel offsets
    const mean = f32(c), variance = f32(c);
    js.channelMoments(x, n, c, hw, mean, variance);
    const gx = up(x);
    await compare(`channelMoments [${n}, ${c}, ${hw}]`, [mean, variance], () => {
      const m = dev.buffer(c), v = dev.buffer(c);
      gk.channelMoments(dev, gx, n, c, hw, m, v);
      return [m, v];
    }, { rtol: 1e-4, atol: 1e-5 });
    const invStd = variance.map((v) => 1 / Math.sqrt(v + 1e-5)), weight = randn(c), bias = randn(c);
    const gm = up(mean), gis = up(invStd), gw = up(weight), gb = up(bias);
    // plain, and with the activations an inference fuses (ReLU6's clamp, hardswish, SiLU)
    for (const [affine, act, lo, hi] of [[true, null, 0, 0], [false, null, 0, 0], [true, "hardtanh", 0, 6], [true, "hardswish", 0, 0], [true, "silu", 0, 0]] as const) {
      const y = f32(x.length);
      js.channelAffine(x, n, c, hw, mean, invStd, affine ? weight : null, affine ? bias : null, y, act, lo, hi);
      await compare(`channelAffine [${n}, ${c}, ${hw}]${affine ? "" : " without weight and bias"}${act ? ` then ${act}(${lo}, ${hi})` : ""}`, [y], () => {
        const gy = dev.buffer(x.length);
        gk.channelAffine(dev, gx, n, c, hw, gm, gis, affine ? gw : null, affine ? gb : null, gy, act, lo, hi);
        return [gy];
      }, { rtol: 1e-5, atol: 1e-6 });
    }
    const g = randn(x.length), gg = up(g);
    for (const [training, withDx, affine] of [[true, true, true], [false, true, true], [true, true, false], [true, false, true]] as const) {
      const dx = f32(x.length), sumG = f32(c), sumGX = f32(c);
      js.channelNormBackward(x, g, n, c, hw, mean, invStd, affine ? weight : null, training, withDx ? dx : null, sumG, sumGX);
      const tag = `${training ? "training" : "eval"}${withDx ? "" : ", no dx"}${affine ? "" : ", no weight"}`;
      await compare(`channelNormBackward [${n}, ${c}, ${hw}] (${tag})`, withDx ? [sumG, sumGX, dx] : [sumG, sumGX], () => {
        const sg = dev.buffer(c), sgx = dev.buffer(c), gdx = withDx ? dev.buffer(x.length) : null;
        gk.channelNormBackward(dev, gx, gg, n, c, hw, gm, gis, affine ? gw : null, training, gdx, sg, sgx);
        return gdx ? [sg, sgx, gdx] : [sg, sgx];
      }, { rtol: 1e-4, atol: 1e-5 });
    }
  }
}

// --- strided copies -----------------------------------------------------------------------------------------------

/** Contiguous strides of a shape. */
function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, acc = 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** One strided copy: `src` and `dst` elements, the walk over `shape` and each side's offset and strides. */
interface StridedCase { src: number; srcOffset: number; srcStrides: number[]; shape: number[]; dst: number; dstOffset: number; dstStrides: number[] }

/** A strided read of `shape` (a view of a `src`-element array) into a contiguous destination, and its backward: the
 *  gradient added back through the same strides. */
function view(src: number, offset: number, strides: number[], shape: number[]): [StridedCase, StridedCase] {
  const n = shape.reduce((p, d) => p * d, 1), flat = contiguous(shape);
  return [
    { src, srcOffset: offset, srcStrides: strides, shape, dst: n, dstOffset: 0, dstStrides: flat },
    { src: n, srcOffset: 0, srcStrides: flat, shape, dst: src, dstOffset: offset, dstStrides: strides },
  ];
}

const STRIDED: [string, StridedCase, boolean][] = (() => {
  const permute = view(120, 0, [60, 5, 1, 20], [2, 4, 5, 3]); // [2,3,4,5] permuted (0, 2, 3, 1)
  const slice = view(63, 6 * 9 + 8, [-27, -2], [3, 5]); // [7,9][6::-3, 8::-2]
  const flip = view(3 * 4 * 67, 66, [268, 67, -1], [3, 4, 67]); // flipped along its last dim
  const expand = view(15, 0, [0, 5, 0, 1], [4, 3, 6, 5]); // [3,1,5] → [4,3,6,5]
  const bias = view(3, 0, [0, 1, 0, 0], [2, 3, 5, 7]); // a [1,3,1,1] bias over [2,3,5,7]
  const scalar = view(1, 0, [0, 0], [5, 13]);
  const transpose = view(67 * 5, 0, [1, 5], [5, 67]); // a [67,5] matrix transposed
  // 6 dims that merge nowhere: [2,3,2,3,2,3] with its dims reversed, and the third of them flipped
  const six = view(216, 2 * 6, [1, 3, -6, 18, 36, 108], [3, 2, 3, 2, 3, 2]);
  return [
    ["permute [2,3,4,5] → (0,2,3,1)", permute[0], false],
    ["permute's gradient", permute[1], true],
    ["negative-step slice [7,9][6::-3, 8::-2]", slice[0], false],
    ["negative-step slice's gradient", slice[1], true],
    ["flip of [3,4,67] along the last dim (804 elements)", flip[0], false],
    ["expand [3,1,5] → [4,3,6,5]", expand[0], false],
    ["expand's gradient: 24 sources for each destination", expand[1], true],
    ["a [1,3,1,1] bias's gradient over [2,3,5,7]", bias[1], true],
    ["a scalar expanded to [5,13]", scalar[0], false],
    ["the scalar's gradient (65 sources)", scalar[1], true],
    ["transpose of [67,5]", transpose[0], false],
    ["transpose's gradient", transpose[1], true],
    ["6 dims, reversed, one flipped", six[0], false],
    ["the 6 dims' gradient", six[1], true],
    ["7 dims, both sides permuted", { src: 128, srcOffset: 0, srcStrides: [64, 1, 32, 2, 16, 4, 8], shape: [2, 2, 2, 2, 2, 2, 2], dst: 128, dstOffset: 0, dstStrides: [1, 64, 2, 32, 4, 16, 8] }, true],
    ["cat: [2,3,4] into [2,7,4] at 3 (the rest untouched)", { src: 24, srcOffset: 0, srcStrides: [12, 4, 1], shape: [2, 3, 4], dst: 56, dstOffset: 12, dstStrides: [28, 4, 1] }, false],
    ["cat's gradient: a slice of [2,7,4] added into [2,3,4]", { src: 56, srcOffset: 12, srcStrides: [28, 4, 1], shape: [2, 3, 4], dst: 24, dstOffset: 0, dstStrides: [12, 4, 1] }, true],
    ["copy_ into an expanded view [4,6] (the last row writes)", { src: 24, srcOffset: 0, srcStrides: [6, 1], shape: [4, 6], dst: 6, dstOffset: 0, dstStrides: [0, 1] }, false],
    ["a 0-dim tensor, offsets 4 and 2", { src: 7, srcOffset: 4, srcStrides: [], shape: [], dst: 5, dstOffset: 2, dstStrides: [] }, true],
    ["an empty shape [3,0] writes nothing", { src: 6, srcOffset: 0, srcStrides: [2, 1], shape: [3, 0], dst: 6, dstOffset: 0, dstStrides: [0, 1] }, true],
  ];
})();

/** A check that `fn` throws an error whose message matches `re`. */
function throwsCheck(label: string, fn: () => void, re: RegExp): void {
  let message = "no error";
  try {
    fn();
  } catch (e) {
    message = `${(e as Error).name}: ${(e as Error).message}`;
  }
  checks.push({ label, ok: re.test(message), detail: re.test(message) ? "" : `got ${message}`, compiled: 0, compiledAgain: 0, ms: [0, 0] });
}

async function stridedChecks(): Promise<void> {
  for (const [label, c, accumulate] of STRIDED) {
    // accumulating: both ways; plain copies also write
    for (const acc of accumulate ? [true, false] : [false]) {
      if (!acc && c.dstStrides.includes(0) && accumulate) continue; // an expand's gradient only adds
      const src = randn(c.src), start = randn(c.dst), want = start.slice();
      js.copyStrided(src, c.srcOffset, c.srcStrides, c.shape, want, c.dstOffset, c.dstStrides, acc);
      const gs = up(src);
      // the reference's order of additions: equal bit for bit
      await compare(`copyStrided ${label}${acc ? ", adding" : ""}`, [want], () => {
        const dst = up(start);
        gk.copyStrided(dev, gs, c.srcOffset, c.srcStrides, c.shape, dst, c.dstOffset, c.dstStrides, acc);
        return [dst];
      }, { rtol: 0, atol: 0 });
    }
  }
  const a = dev.buffer(512), b = dev.buffer(512);
  const two = Array.from({ length: 9 }, (_, d) => 2 ** d);
  throwsCheck("copyStrided refuses 9 dims that do not merge", () => gk.copyStrided(dev, a, 0, two, two.map(() => 2), b, 0, [...two].reverse(), false),
    /^ValueError: webgpu copyStrided: 9 dims after merging, at most 8$/);
  throwsCheck("copyStrided refuses overlapping destination strides", () => gk.copyStrided(dev, a, 0, [3, 1], [3, 3], b, 0, [1, 1], true),
    /^ValueError: webgpu copyStrided: destination strides \[1, 1\] over shape \[3, 3\] reach one element from several indices/);
  a.destroy();
  b.destroy();
}

// --- adaptive pooling ---------------------------------------------------------------------------------------------

/** planes, h, w, outH, outW. */
const ADAPTIVE: [string, [number, number, number, number, number]][] = [
  ["7×9 → 3×4 (overlapping windows), batch 2 × 3 channels", [6, 7, 9, 3, 4]],
  ["10×6 → 1×1 (global)", [2, 10, 6, 1, 1]],
  ["5×5 → 5×5", [3, 5, 5, 5, 5]],
  ["4×6 → 7×9 (more outputs than inputs)", [4, 4, 6, 7, 9]],
  ["13×11 → 5×3, batch 1", [1, 13, 11, 5, 3]],
  ["17×19 → 6×7, 16 planes (672 outputs)", [16, 17, 19, 6, 7]],
];

async function adaptiveChecks(): Promise<void> {
  for (const [label, [planes, h, w, outH, outW]] of ADAPTIVE) {
    const outN = planes * outH * outW;
    // ties (small integers: the first maximum's index) and two NaNs (they take over)
    const tied = ints(planes * h * w, -3, 3);
    tied[Math.floor(tied.length / 3)] = NaN;
    tied[tied.length - 1] = NaN;
    for (const [tag, x] of [["", randn(planes * h * w)], [" with ties and NaN", tied]] as const) {
      const y = f32(outN), idx = new Int32Array(outN);
      js.adaptivePool2d("max", x, planes, h, w, outH, outW, y, idx);
      const gx = up(x);
      await compare(`adaptivePool2d max ${label}${tag}`, [y, idx], () => {
        const gy = dev.buffer(outN), gi = dev.buffer(outN);
        gk.adaptivePool2d(dev, "max", gx, planes, h, w, outH, outW, gy, gi);
        return [gy, gi];
      }, { rtol: 0, atol: 0 });
    }
    const x = randn(planes * h * w), gx = up(x);
    const ymax = f32(outN);
    js.adaptivePool2d("max", x, planes, h, w, outH, outW, ymax, null);
    await compare(`adaptivePool2d max ${label}, no indices`, [ymax], () => {
      const gy = dev.buffer(outN);
      gk.adaptivePool2d(dev, "max", gx, planes, h, w, outH, outW, gy, null);
      return [gy];
    }, { rtol: 0, atol: 0 });
    const y = f32(outN);
    js.adaptivePool2d("avg", x, planes, h, w, outH, outW, y, null);
    await compare(`adaptivePool2d avg ${label}`, [y], () => {
      const gy = dev.buffer(outN);
      gk.adaptivePool2d(dev, "avg", gx, planes, h, w, outH, outW, gy, null);
      return [gy];
    }, { rtol: 1e-6, atol: 1e-6 });
    const dy = randn(outN), dx = f32(x.length), gdy = up(dy);
    js.adaptiveAvgPool2dBackward(dy, planes, h, w, outH, outW, dx);
    await compare(`adaptiveAvgPool2dBackward ${label}`, [dx], () => {
      const gdx = dev.buffer(dx.length);
      gk.adaptiveAvgPool2dBackward(dev, gdy, planes, h, w, outH, outW, gdx);
      return [gdx];
    }, { rtol: 1e-6, atol: 1e-6 });
  }
}

// --- bilinear resampling ------------------------------------------------------------------------------------------

/** planes, h, w, outH, outW, alignCorners, scaleH, scaleW (as upsample passes them: in/out, or 1/scaleFactor). */
const BILINEAR: [string, [number, number, number, number, number, boolean, number, number]][] = [
  ["4×5 → 8×10", [3, 4, 5, 8, 10, false, 0.5, 0.5]],
  ["9×7 → 4×3 (down), batch 1", [1, 9, 7, 4, 3, false, 9 / 4, 7 / 3]],
  ["5×7 by scale factor 2.5 → 12×17", [2, 5, 7, 12, 17, false, 1 / 2.5, 1 / 2.5]],
  ["1×1 → 4×5", [3, 1, 1, 4, 5, false, 1 / 4, 1 / 5]],
  ["6×6 → 6×6", [2, 6, 6, 6, 6, false, 1, 1]],
  ["5×4 → 9×11 align corners", [2, 5, 4, 9, 11, true, 0, 0]],
  ["7×8 → 3×5 align corners (down)", [3, 7, 8, 3, 5, true, 0, 0]],
  ["5×4 → 1×3 align corners (one row)", [1, 5, 4, 1, 3, true, 0, 0]],
  ["6×7 → 17×23, 6 planes (2346 outputs)", [6, 6, 7, 17, 23, false, 6 / 17, 7 / 23]],
];

async function bilinearChecks(): Promise<void> {
  for (const [label, [planes, h, w, outH, outW, align, sH, sW]] of BILINEAR) {
    const x = randn(planes * h * w), y = f32(planes * outH * outW);
    js.bilinear2d(x, planes, h, w, outH, outW, align, sH, sW, y);
    const gx = up(x);
    await compare(`bilinear2d ${label}`, [y], () => {
      const gy = dev.buffer(y.length);
      gk.bilinear2d(dev, gx, planes, h, w, outH, outW, align, sH, sW, gy);
      return [gy];
    }, { rtol: 1e-6, atol: 1e-6 });
    const dy = randn(y.length), dx = f32(x.length), gdy = up(dy);
    js.bilinear2dBackward(dy, planes, h, w, outH, outW, align, sH, sW, dx);
    await compare(`bilinear2dBackward ${label}`, [dx], () => {
      const gdx = dev.buffer(dx.length);
      gk.bilinear2dBackward(dev, gdy, planes, h, w, outH, outW, align, sH, sW, gdx);
      return [gdx];
    }, { rtol: 1e-6, atol: 1e-6 });
  }
}

// --- activations --------------------------------------------------------------------------------------------------

async function activationChecks(): Promise<void> {
  const n = 1003; // not a multiple of the workgroup
  // wide normal values and the corners of each function: ±3, ±6, hardtanh's bounds, ±0, NaN
  const x = randn(n, 4);
  [-3, 3, -6, 6, -1, 1, 0, -0, NaN, 2.5, -2.5, 1e-3].forEach((v, i) => (x[10 * i + 3] = v));
  const dy = randn(n), gx = up(x), gdy = up(dy);
  const cases: [ActivationOp, number, number][] = [
    ["hardtanh", -1, 1], ["hardtanh", 0, 6], ["hardswish", 0, 0], ["hardsigmoid", 0, 0], ["silu", 0, 0], ["sigmoid", 0, 0],
    ["gelu", 0, 0], ["geluTanh", 0, 0], ["erf", 0, 0],
  ];
  for (const [op, lo, hi] of cases) {
    const tag = op === "hardtanh" ? ` [${lo}, ${hi}]` : "";
    if (op !== "sigmoid") {
      const y = f32(n);
      js.activation(op, x, y, lo, hi);
      // GELU's e^{−x²/2} (and erf's e^{−x²}): WGSL's exp is within 3 + 2·|x²/2| ulp (the spec's bound), so far out in
      // the tail a relative 1e-6 would be more than the GPU promises; within 1e-7 of the value's own scale
      await compare(`activation ${op}${tag}`, [y], () => {
        const gy = dev.buffer(n);
        gk.activation(dev, op, gx, gy, lo, hi);
        return [gy];
      }, op === "gelu" || op === "geluTanh" || op === "erf" ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 1e-6, atol: 0 });
    }
    const dx = f32(n);
    js.activationGrad(op, x, dy, dx, lo, hi);
    await compare(`activationGrad ${op}${tag}`, [dx], () => {
      const gdx = dev.buffer(n);
      gk.activationGrad(dev, op, gx, gdy, gdx, lo, hi);
      return [gdx];
      // hardswish's x/3 + ½ and silu's 1 + x·σ(−x) cancel near x = −1.5 and −1.28: a last-bit difference in x/3
      // (WGSL's division need not round correctly) or σ(−x) grows there, relative to the value; not to the largest
    }, { rtol: 1e-6, atol: 1e-7 });
  }
}

// --- optimizers ---------------------------------------------------------------------------------------------------

async function optimChecks(): Promise<void> {
  const n = 1003;
  const x = randn(n), g = randn(n, 0.1), buf = randn(n, 0.1);
  const gg = up(g);
  const sgd: [string, SgdStepParams, boolean][] = [
    ["plain", { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, first: false }, false],
    ["weight decay, no buffer", { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 1e-2, first: false }, false],
    ["momentum, first step", { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 5e-4, first: true }, true],
    ["momentum and dampening", { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 5e-4, first: false }, true],
    ["nesterov", { lr: 0.01, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 1e-4, first: false }, true],
    ["nesterov, first step", { lr: 0.01, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, first: true }, true],
  ];
  for (const [label, p, withBuf] of sgd) {
    const wx = x.slice(), wb = buf.slice();
    js.sgdStep(wx, g, withBuf ? wb : null, p);
    await compare(`sgdStep ${label}`, withBuf ? [wx, wb] : [wx], () => {
      const gx = up(x), gb = withBuf ? up(buf) : null;
      gk.sgdStep(dev, gx, gg, gb, p);
      return gb ? [gx, gb] : [gx];
    }, { rtol: 1e-6, atol: 1e-7 });
  }
  const m = randn(n, 0.1), v = uniform(n, 0, 0.02), vmax = v.map((e, i) => (i % 2 ? e * 1.5 : e * 0.5));
  const adam = (lr: number, weightDecay: number, decoupled: boolean, t: number): AdamStepParams => ({
    beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, decay: 1 - lr * weightDecay,
    stepSize: lr / (1 - 0.9 ** t), bc2Sqrt: Math.sqrt(1 - 0.999 ** t),
  });
  const adams: [string, AdamStepParams, boolean][] = [
    ["plain, step 1", adam(1e-3, 0, false, 1), false],
    ["L2 weight decay, step 3", adam(1e-3, 1e-2, false, 3), false],
    ["decoupled (AdamW), step 10", adam(1e-2, 0.1, true, 10), false],
    ["amsgrad, step 2", adam(1e-3, 0, false, 2), true],
    ["amsgrad, decoupled", adam(1e-3, 1e-2, true, 4), true],
  ];
  for (const [label, p, ams] of adams) {
    const wx = x.slice(), wm = m.slice(), wv = v.slice(), wmax = vmax.slice();
    js.adamStep(wx, g, wm, wv, ams ? wmax : null, p);
    await compare(`adamStep ${label}`, ams ? [wx, wm, wv, wmax] : [wx, wm, wv], () => {
      const gx = up(x), gm = up(m), gv = up(v), gmax = ams ? up(vmax) : null;
      gk.adamStep(dev, gx, gg, gm, gv, gmax, p);
      return gmax ? [gx, gm, gv, gmax] : [gx, gm, gv];
    }, { rtol: 1e-6, atol: 1e-7 });
  }
  // the state carried in place: five AdamW steps with amsgrad, on a fresh gradient each, from zero moments
  const grads = Array.from({ length: 5 }, () => randn(n, 0.1));
  const wx = x.slice(), wm = f32(n), wv = f32(n), wmax = f32(n);
  grads.forEach((gr, t) => js.adamStep(wx, gr, wm, wv, wmax, adam(1e-2, 1e-2, true, t + 1)));
  const ggs = grads.map(up);
  await compare("adamStep five steps in a row (AdamW, amsgrad) from zero moments", [wx, wm, wv, wmax], () => {
    const gx = up(x), gm = dev.buffer(n), gv = dev.buffer(n), gmax = dev.buffer(n);
    ggs.forEach((gr, t) => gk.adamStep(dev, gx, gr, gm, gv, gmax, adam(1e-2, 1e-2, true, t + 1)));
    return [gx, gm, gv, gmax];
  }, { rtol: 1e-6, atol: 1e-7 });
  // RMSprop: the running means v (of g², so ≥ its mean m squared) and m, and a momentum buffer
  const sq = uniform(n, 0.01, 0.03), ga = randn(n, 0.05), mb = randn(n, 0.1);
  const rms = (lr: number, alpha: number, weightDecay: number, momentum: number): RmspropStepParams => ({ lr, alpha, eps: 1e-8, weightDecay, momentum });
  const rmsprops: [string, RmspropStepParams, boolean, boolean][] = [
    ["plain", rms(0.01, 0.99, 0, 0), false, false],
    ["weight decay", rms(0.01, 0.9, 0.1, 0), false, false],
    ["centered", rms(0.01, 0.99, 0, 0), true, false],
    ["momentum", rms(0.01, 0.99, 1e-3, 0.9), false, true],
    ["centered, momentum, weight decay", rms(0.005, 0.9, 1e-2, 0.5), true, true],
  ];
  for (const [label, p, centered, momentum] of rmsprops) {
    const wx = x.slice(), wv = sq.slice(), wm = ga.slice(), wb = mb.slice();
    js.rmspropStep(wx, g, wv, centered ? wm : null, momentum ? wb : null, p);
    await compare(`rmspropStep ${label}`, [wx, wv, ...(centered ? [wm] : []), ...(momentum ? [wb] : [])], () => {
      const gx = up(x), gv = up(sq), gm = centered ? up(ga) : null, gb = momentum ? up(mb) : null;
      gk.rmspropStep(dev, gx, gg, gv, gm, gb, p);
      return [gx, gv, ...(gm ? [gm] : []), ...(gb ? [gb] : [])];
    }, { rtol: 1e-5, atol: 1e-6 });
  }
  // five centered steps with momentum in a row from zero state (the first divides by √(α(1 − α))·|g| + eps)
  const rx = x.slice(), rv = f32(n), rm = f32(n), rb = f32(n);
  grads.forEach((gr) => js.rmspropStep(rx, gr, rv, rm, rb, rms(1e-3, 0.9, 1e-2, 0.9)));
  await compare("rmspropStep five steps in a row (centered, momentum) from zero state", [rx, rv, rm, rb], () => {
    const gx = up(x), gv = dev.buffer(n), gm = dev.buffer(n), gb = dev.buffer(n);
    ggs.forEach((gr) => gk.rmspropStep(dev, gx, gr, gv, gm, gb, rms(1e-3, 0.9, 1e-2, 0.9)));
    return [gx, gv, gm, gb];
  }, { rtol: 1e-5, atol: 1e-6 });
}

// --- batching -----------------------------------------------------------------------------------------------------

/** 40 dependent dispatches encoded into one command buffer and submitted once, by the read. */
async function batchingChecks(): Promise<void> {
  const x = randn(513);
  let want = x.slice();
  for (let i = 0; i < 40; i++) {
    const next = f32(want.length);
    js.unary(i % 2 ? "tanh" : "sin", want, next, 0);
    want = next;
  }
  const before = { ...dev.stats };
  const bufs = [up(x), dev.buffer(513)];
  for (let i = 0; i < 40; i++) gk.unary(dev, i % 2 ? "tanh" : "sin", bufs[i % 2]!, bufs[(i + 1) % 2]!, 0);
  const afterEncode = { ...dev.stats };
  const got = await dev.read(bufs[0]!);
  const submits = dev.stats.submits - before.submits, dispatches = afterEncode.dispatches - before.dispatches;
  const m = mismatch(got, want, 1e-4, 1e-5); // 40 roundings in a row
  const problems = [
    afterEncode.submits !== before.submits ? `${afterEncode.submits - before.submits} submits while encoding` : "",
    submits !== 1 ? `${submits} submits for the batch, expected 1` : "",
    dispatches !== 40 ? `${dispatches} dispatches, expected 40` : "",
    m ? `values: ${m}` : "",
  ].filter(Boolean);
  checks.push({ label: "40 dispatches, one command buffer, one submit", ok: problems.length === 0, detail: problems.join("; "), compiled: 0, compiledAgain: 0, ms: [0, 0] });
}

const GROUPS: Record<string, () => Promise<void>> = {
  matmul: matmulChecks,
  conv2d: convForwardChecks,
  conv2dBackwardInput: convInputChecks,
  conv2dBackwardWeight: convWeightChecks,
  pool2d: poolChecks,
  planeScatter: scatterChecks,
  unary: unaryChecks,
  binary: binaryChecks,
  reduce: reduceChecks,
  softmax: softmaxChecks,
  norm: normChecks,
  copyStrided: stridedChecks,
  adaptivePool: adaptiveChecks,
  bilinear: bilinearChecks,
  activation: activationChecks,
  optim: optimChecks,
  batching: batchingChecks,
};

const api = {
  groups: Object.keys(GROUPS),
  /** Opens the device; resolves to the adapter's description, or to the one-line reason it cannot. */
  async init(): Promise<{ ok: boolean; info: string }> {
    try {
      dev = await initWebGPU();
      return { ok: true, info: `${dev.info.vendor} ${dev.info.architecture}`.trim() };
    } catch (e) {
      return { ok: false, info: (e as Error).message };
    }
  },
  /** Runs one group of checks; resolves to them (and the device's counters). */
  async run(group: string): Promise<{ checks: Check[]; error: string | null }> {
    checks = [];
    const errors: string[] = [];
    dev.device.pushErrorScope("validation");
    let error: string | null = null;
    try {
      await GROUPS[group]!();
    } catch (e) {
      error = (e as Error).stack ?? String(e);
    }
    const v = await dev.device.popErrorScope();
    if (v) errors.push(`WebGPU validation error: ${v.message}`);
    return { checks, error: [error, ...errors].filter(Boolean).join("\n") || null };
  },
  /** initWebGPU's error when a feature is missing (a real adapter lacks this made-up one). */
  async missingFeature(): Promise<string> {
    try {
      await initWebGPU({ requiredFeatures: ["convkit-imaginary-feature" as GPUFeatureName] });
      return "no error";
    } catch (e) {
      return (e as Error).message;
    }
  },
};

(globalThis as { webgpuTest?: typeof api }).webgpuTest = api;
