// The WebGPU kernel checks, run in a page (web/webgpu-test.html, built by scripts/build-webgpu-test.mjs and driven by
// test/web/webgpu-kernels.test.ts): every WGSL kernel against the reference kernel (src/backends/js) on the same
// seeded random inputs, on odd shapes (1×1 to 7×7 kernels, strides 1–2, dilation 2, groups, depthwise, batch 1 and
// more, sizes that are no multiple of a workgroup). Each check runs its kernels twice: the second call must compile
// no pipeline (the cache), and both must match the reference. window.webgpuTest.run(group) returns the group's checks.
import { initWebGPU, type WebGPUDevice } from "../src/backends/webgpu/device.js";
import { webgpuKernels as gk } from "../src/backends/webgpu/kernels/index.js";
import { jsKernels as js } from "../src/backends/js/index.js";
import type { AvgPoolOptions, BinaryOp, ConvGeometry, MatmulParams, PoolGeometry, PoolMode, ReduceOp, UnaryOp } from "../src/backends/backend.js";
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
      const y = f32(outN), idx = new Int32Array(outN);
      js.pool2d(mode, x, g, { countIncludePad: false, divisorOverride: null }, y, idx);
      await compare(`pool2d ${mode} ${label}`, [y, idx], () => {
        const gy = dev.buffer(outN), gi = dev.buffer(outN);
        gk.pool2d(dev, mode, gx, g, { countIncludePad: false, divisorOverride: null }, gy, gi);
        return [gy, gi];
      });
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
  ];
  for (const [op, x, alpha] of ops) {
    const want = f32(n);
    js.unary(op, x, want, alpha);
    const gx = up(x);
    await compare(`unary ${op}${alpha ? ` (alpha ${alpha})` : ""}`, [want], () => {
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
      const a = op === "pow" ? uniform(na, 0.1, 3) : compareOp ? ints(na, -2, 2) : randn(na);
      const b = op === "pow" ? ints(nb, -2, 3) : compareOp ? ints(nb, -2, 2) : op === "div" ? uniform(nb, 0.5, 2) : randn(nb);
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
  const cond = ints(101, -1, 1), wa = randn(101), wb = randn(101), ww = f32(101);
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
      const gx = up(x);
      await compare(`reduce ${op} over [${outer}, ${size}, ${inner}]`, [want], () => {
        const y = dev.buffer(want.length);
        gk.reduce(dev, op, gx, outer, size, inner, y);
        return [y];
      }, { rtol: 1e-4, atol: 1e-5 });
    }
    for (const op of ["argmax", "argmin"] as const) {
      const x = ints(outer * size * inner, -20, 20);
      const want = f32(outer * inner);
      js.argReduce(op, x, outer, size, inner, want);
      const gx = up(x);
      await compare(`argReduce ${op} over [${outer}, ${size}, ${inner}] with ties`, [want], () => {
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
    for (const affine of [true, false]) {
      const y = f32(x.length);
      js.channelAffine(x, n, c, hw, mean, invStd, affine ? weight : null, affine ? bias : null, y);
      await compare(`channelAffine [${n}, ${c}, ${hw}]${affine ? "" : " without weight and bias"}`, [y], () => {
        const gy = dev.buffer(x.length);
        gk.channelAffine(dev, gx, n, c, hw, gm, gis, affine ? gw : null, affine ? gb : null, gy);
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
