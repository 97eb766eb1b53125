// conv2d, convTranspose2d and convolve2d: PyTorch fixtures, the weight-sharing rule, float64 gradchecks, the lecture's
// examples, and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  F, Tensor, tensor, zeros, ones, randn, Generator, ShapeError, ValueError, DTypeError, noGrad,
} from "../../src/index.js";
import { loadCases, checkCase, assertClose, F32 } from "../helpers/fixtures.js";
import { gradcheck, rand64, gradcheckTest } from "../helpers/gradcheck.js";
import type { Conv2dOptions, ConvTranspose2dOptions, Convolve2dOptions, FilterKernelName } from "../../src/ops/conv.js";

// ---------------------------------------------------------------------------------------------------------------
// PyTorch fixtures (scripts/fixtures/conv.py): forward and the gradient of every input, float32 tolerance F32.

for (const c of loadCases("conv", "conv2d")) {
  test(`fixture ${c.name}`, () => {
    checkCase(c, ({ x, weight, bias }) => F.conv2d(x!, weight!, bias ?? null, c.args as Conv2dOptions), F32);
  });
}

for (const c of loadCases("conv", "convTranspose2d")) {
  test(`fixture ${c.name}`, () => {
    checkCase(c, ({ x, weight, bias }) => F.convTranspose2d(x!, weight!, bias ?? null, c.args as ConvTranspose2dOptions), F32);
  });
}

for (const c of loadCases("conv", "convolve2d")) {
  test(`fixture ${c.name}`, () => {
    const { kernel: name, ...opts } = c.args as Convolve2dOptions & { kernel?: FilterKernelName };
    checkCase(c, ({ x, kernel }) => F.convolve2d(x!, kernel ?? name!, opts), F32);
  });
}

// conv2d with a batch norm, a residual and an activation after it (Conv2dOptions' batchNorm, residual, activation):
// torch's conv2d → batch_norm (eval) → + residual → activation. With gradients wanted it runs the three ops (each recorded: every gradient
// checked); in an inference, one kernel call whose epilogue applies the folded scale and shift and the activation.
for (const c of loadCases("conv", "conv2dFused")) {
  const { eps, ...conv } = c.args as unknown as Conv2dOptions & { eps: number | null };
  const opts = (i: Record<string, Tensor | undefined>): Conv2dOptions => ({
    ...conv,
    batchNorm: eps === null ? null : { runningMean: i.runningMean!, runningVar: i.runningVar!, weight: i.bnWeight, bias: i.bnBias, eps },
    residual: i.residual ?? null,
  });
  test(`fixture ${c.name}: recorded, op by op, with gradients`, () => {
    checkCase(c, (i) => {
      const y = F.conv2d(i.x!, i.weight!, i.bias ?? null, opts(i));
      assert.notEqual(y.gradFn?.name, "conv2dFused");
      return y;
    }, F32);
  });
  test(`fixture ${c.name}: in an inference, one call`, () => {
    const i = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, new Tensor(v.data, v.shape)]));
    const y = noGrad(() => F.conv2d(i.x!, i.weight!, i.bias ?? null, opts(i)));
    assertClose(y, c.outputs[0]!, F32, `${c.name} fused`);
  });
}

test("conv2d's batchNorm and activation: bad names and shapes are refused in one line", () => {
  const x = randn([1, 2, 5, 5]), w = randn([3, 2, 3, 3]);
  const stats = { runningMean: zeros([3]), runningVar: ones([3]) };
  assert.throws(() => noGrad(() => F.conv2d(x, w, null, { activation: "gelu" as never })), /^ValueError: conv2d: activation must be one of relu, relu6, hardswish, hardsigmoid, silu, got "gelu"$/);
  assert.throws(() => noGrad(() => F.conv2d(x, w, null, { batchNorm: { ...stats, runningVar: ones([4]) } })), /conv2d: batchNorm.runningVar \[4\] must be \[3\], one per output channel/);
  assert.throws(() => noGrad(() => F.conv2d(x, w, null, { batchNorm: { ...stats, eps: -1 } })), /conv2d: batchNorm.eps must be a finite number ≥ 0, got -1/);
  assert.throws(() => noGrad(() => F.conv2d(x, w, null, { residual: zeros([1, 3, 4, 3]) })), /conv2d: residual \[1,3,4,3\] must have the output's shape \[1,3,3,3\]/);
});

test("fixture counts: at least 20 configurations per op", () => {
  for (const op of ["conv2d", "convTranspose2d", "convolve2d"]) assert.ok(loadCases("conv", op).length >= 20, op);
});

// ---------------------------------------------------------------------------------------------------------------
// Independent references written from the definitions, with plain arrays.

/** Input value at (n, c, iy, ix), zero outside the image (the padding). */
function at(x: Tensor, n: number, c: number, iy: number, ix: number): number {
  const [, C, H, W] = x.shape as [number, number, number, number];
  if (iy < 0 || iy >= H || ix < 0 || ix >= W) return 0;
  return x.data[((n * C + c) * H + iy) * W + ix]!;
}

test("weight sharing: the kernel's gradient is the sum of the per-position gradients", () => {
  // For y[n,o,oy,ox] = Σ w[o,c,ky,kx]·patch(n,oy,ox)[c,ky,kx] and loss Σ y·g, the gradient at one position is
  // g[n,o,oy,ox]·patch(n,oy,ox): the same weight is used everywhere, so its total gradient sums these (the lecture's
  // ∂L/∂w = ∂L/∂w₁ + ∂L/∂w₂ for tied weights w₁ = w₂).
  const gen = new Generator(11);
  const configs: { x: number[]; w: number[]; opts: { stride: [number, number]; pad: [number, number]; dil: [number, number]; groups: number } }[] = [
    { x: [2, 3, 7, 6], w: [4, 3, 3, 3], opts: { stride: [1, 1], pad: [1, 1], dil: [1, 1], groups: 1 } },
    { x: [1, 4, 9, 8], w: [6, 2, 3, 2], opts: { stride: [2, 3], pad: [2, 0], dil: [2, 1], groups: 2 } },
  ];
  for (const { x: xs, w: ws, opts } of configs) {
    const x = randn(xs, { generator: gen });
    const w = randn(ws, { generator: gen, requiresGrad: true });
    const y = F.conv2d(x, w, null, { stride: opts.stride, padding: opts.pad, dilation: opts.dil, groups: opts.groups });
    const g = randn(y.shape, { generator: gen });
    y.mul(g).sum().backward();
    const [N] = xs as [number];
    const [O, Cg, KH, KW] = ws as [number, number, number, number];
    const [, , OH, OW] = y.shape as [number, number, number, number];
    const perGroupOut = O / opts.groups;
    const expected = new Float64Array(w.size);
    for (let n = 0; n < N; n++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          for (let o = 0; o < O; o++) {
            const gv = g.data[((n * O + o) * OH + oy) * OW + ox]!;
            // the per-position gradient: g times the input patch this output position saw
            for (let c = 0; c < Cg; c++) {
              const ic = Math.floor(o / perGroupOut) * Cg + c;
              for (let ky = 0; ky < KH; ky++) {
                for (let kx = 0; kx < KW; kx++) {
                  const iy = oy * opts.stride[0] - opts.pad[0] + ky * opts.dil[0];
                  const ix = ox * opts.stride[1] - opts.pad[1] + kx * opts.dil[1];
                  expected[((o * Cg + c) * KH + ky) * KW + kx] += gv * at(x, n, ic, iy, ix);
                }
              }
            }
          }
        }
      }
    }
    assertClose(w.grad!, tensor(Float32Array.from(expected), ws), F32, "Σ per-position gradients");
  }
});

test("conv2d with 'same' padding is the lecture's cross-correlation Z[i,j] = Σ_u Σ_v K[u,v]·A[i+u, j+v]", () => {
  const gen = new Generator(3);
  const A = randn([1, 1, 6, 7], { generator: gen });
  const K = randn([1, 1, 5, 5], { generator: gen });
  const Z = F.conv2d(A, K, null, { padding: "same" });
  const k = 2; // u, v run over −k..k
  const expected = zeros([1, 1, 6, 7]);
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 7; j++) {
      let s = 0;
      for (let u = -k; u <= k; u++) for (let v = -k; v <= k; v++) s += K.data[(u + k) * 5 + (v + k)]! * at(A, 0, 0, i + u, j + v);
      expected.data[i * 7 + j] = s;
    }
  }
  assertClose(Z, expected, F32, "cross-correlation");
});

test("convolve2d is true convolution Z[i,j] = Σ_u Σ_v K[u,v]·A[i−u, j−v]", () => {
  const gen = new Generator(4);
  const A = randn([2, 5, 6], { generator: gen });
  const K = randn([3, 3], { generator: gen });
  const Z = F.convolve2d(A, K, { padding: "same" });
  const expected = zeros([2, 5, 6]);
  const A4 = A.reshape([1, 2, 5, 6]);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let u = -1; u <= 1; u++) for (let v = -1; v <= 1; v++) s += K.data[(u + 1) * 3 + (v + 1)]! * at(A4, 0, c, i - u, j - v);
        expected.data[(c * 5 + i) * 6 + j] = s;
      }
    }
  }
  assertClose(Z, expected, F32, "convolution");
});

test("convTranspose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>", () => {
  const gen = new Generator(5);
  const opts = { stride: [2, 3] as [number, number], padding: [1, 2] as [number, number], dilation: [1, 2] as [number, number], groups: 2 };
  const x = randn([2, 4, 9, 11], { generator: gen, dtype: "float64" });
  const w = randn([6, 2, 3, 3], { generator: gen, dtype: "float64" });
  const y = F.conv2d(x, w, null, opts);
  const u = randn(y.shape, { generator: gen, dtype: "float64" });
  // outputPadding brings the transposed output back to x's size
  const xt = F.convTranspose2d(u, w, null, { ...opts, outputSize: [9, 11] });
  assert.deepEqual(xt.shape, x.shape);
  const lhs = y.mul(u).sum().item(), rhs = x.mul(xt).sum().item();
  assert.ok(Math.abs(lhs - rhs) <= 1e-9 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

// ---------------------------------------------------------------------------------------------------------------
// The lecture's examples.

test("Sobel-x on a vertical step edge: convolution responds +4 per unit step, correlation −4 (the flip)", () => {
  // 5×6 image: dark left half, bright right half
  const img = tensor([0, 0, 0, 1, 1, 1], [1, 6]).expand([5, 6]).clone();
  const conv = F.convolve2d(img, "sobel-x");
  const corr = F.convolve2d(img, "sobel-x", { mode: "correlate" });
  const row = [0, 4, 4, 0], negRow = [0, -4, -4, 0];
  assert.deepEqual(conv.toArray(), [row, row, row]);
  assert.deepEqual(corr.toArray(), [negRow, negRow, negRow]);
  // the same as conv2d with the kernel flipped by hand
  const flipped = tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]).reshape([1, 1, 3, 3]);
  assert.deepEqual(F.conv2d(img.reshape([1, 1, 5, 6]), flipped).reshape([3, 4]).toArray(), conv.toArray());
  // sobel-y sees nothing on a vertical edge
  assert.deepEqual(F.convolve2d(img, "sobel-y").toArray(), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
});

test("a unit impulse reproduces the kernel under convolution and its flip under correlation", () => {
  const delta = zeros([5, 5]);
  delta.data[12] = 1;
  const sobel = F.namedKernel("sobel-x").toArray() as number[][];
  const conv = (F.convolve2d(delta, "sobel-x", { padding: "same" }).toArray() as number[][]).slice(1, 4).map((r) => r.slice(1, 4));
  const corr = (F.convolve2d(delta, "sobel-x", { padding: "same", mode: "correlate" }).toArray() as number[][]).slice(1, 4).map((r) => r.slice(1, 4));
  assert.deepEqual(conv, sobel);
  assert.deepEqual(corr, sobel.map((r) => [...r].reverse()).reverse());
});

test("the lecture's example kernel [[0,1,0],[1,4,1],[0,1,0]] and the classic kernels by name", () => {
  assert.deepEqual(F.namedKernel("lecture-example").toArray(), [[0, 1, 0], [1, 4, 1], [0, 1, 0]]);
  assert.deepEqual(F.namedKernel("sharpen").toArray(), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]);
  assert.deepEqual(F.namedKernel("laplace").toArray(), [[0, 1, 0], [1, -4, 1], [0, 1, 0]]);
  assert.deepEqual(F.namedKernel("sobel-y").toArray(), [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]);
  assert.deepEqual(F.namedKernel("gauss", { dtype: "float64" }).mul(16).toArray(), [[1, 2, 1], [2, 4, 2], [1, 2, 1]]);
  assert.deepEqual(F.namedKernel("gauss", { size: 5, dtype: "float64" }).mul(256).select(0, 2).toArray(), [6, 24, 36, 24, 6]);
  const g = F.namedKernel("gauss", { sigma: 1, dtype: "float64" });
  assert.deepEqual(g.shape, [7, 7]);
  assert.ok(Math.abs(g.sum().item() - 1) < 1e-12);
  assert.ok(Math.abs(g.data[24]! / g.data[25]! - Math.exp(0.5)) < 1e-12, "neighbour ratio e^(1/2σ²)");
  assert.deepEqual(F.namedKernel("box", { size: 4, dtype: "float64" }).mul(16).toArray(), Array(4).fill([1, 1, 1, 1]));
  for (const name of F.KERNEL_NAMES) assert.ok(F.namedKernel(name).size >= 9, name);
  // on a constant image: sharpen and box keep it, laplace and sobel give 0, the lecture's kernel multiplies by 8
  const flat = ones([3, 7, 7]).mul(2);
  const value = (name: FilterKernelName): number[] => [...new Set(F.convolve2d(flat, name).data)];
  assert.deepEqual(value("sharpen"), [2]);
  assert.deepEqual(value("laplace"), [0]);
  assert.deepEqual(value("sobel-x"), [0]);
  assert.deepEqual(value("lecture-example"), [16]);
  assert.ok(value("box").every((v) => Math.abs(v - 2) < 1e-6));
});

test("the lecture's size example: 4×4 input, 3×3 kernel, no padding, stride 1 → 2×2; 'same' keeps 4×4", () => {
  const x = randn([1, 1, 4, 4]);
  assert.deepEqual(F.conv2d(x, randn([1, 1, 3, 3])).shape, [1, 1, 2, 2]);
  assert.deepEqual(F.conv2d(x, randn([1, 1, 3, 3]), null, { padding: 1 }).shape, [1, 1, 4, 4]);
  assert.deepEqual(F.conv2d(x, randn([1, 1, 3, 3]), null, { padding: "same" }).shape, [1, 1, 4, 4]);
  assert.deepEqual(F.conv2d(x, randn([1, 1, 4, 2]), null, { padding: "same", dilation: 2 }).shape, [1, 1, 4, 4]);
  assert.deepEqual(F.conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), null, { stride: 2 }).shape, [1, 1, 2, 2]);
});

// ---------------------------------------------------------------------------------------------------------------
// Float64 finite-difference gradient checks.

gradcheckTest("gradcheck conv2d: groups, dilation, unequal strides, asymmetric and 'same' padding, bias", () => {
  const cases: [number[], number[], Conv2dOptions][] = [
    [[2, 2, 5, 4], [3, 2, 3, 2], { padding: 1 }],
    [[1, 4, 7, 6], [4, 2, 3, 3], { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }],
    [[2, 3, 6, 5], [3, 1, 2, 3], { padding: "same", dilation: 2, groups: 3 }],
    [[1, 2, 6, 7], [2, 2, 3, 3], { stride: 3, padding: [2, 0, 1, 2] }],
  ];
  cases.forEach(([xs, ws, opts], i) => {
    gradcheck((x, w, b) => F.conv2d(x, w, b, opts), [rand64(xs, 10 + i), rand64(ws, 20 + i), rand64([ws[0]!], 30 + i)]);
  });
  gradcheck((x, w) => F.conv2d(x, w, null, { stride: 2, padding: 1 }), [rand64([3, 5, 5], 40), rand64([2, 3, 3, 3], 41)]);
});

gradcheckTest("gradcheck convTranspose2d: stride, padding, outputPadding, dilation, groups, bias", () => {
  const cases: [number[], number[], ConvTranspose2dOptions][] = [
    [[2, 2, 3, 4], [2, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
    [[1, 4, 3, 3], [4, 1, 2, 3], { stride: [3, 1], padding: [0, 1], dilation: [1, 2], groups: 2 }],
    [[1, 2, 4, 3], [2, 2, 3, 3], { stride: 1, padding: [1, 0, 0, 2], outputPadding: [1, 0], dilation: 2 }],
  ];
  cases.forEach(([xs, ws, opts], i) => {
    const cout = ws[1]! * (opts.groups ?? 1);
    gradcheck((x, w, b) => F.convTranspose2d(x, w, b, opts), [rand64(xs, 50 + i), rand64(ws, 60 + i), rand64([cout], 70 + i)]);
  });
});

gradcheckTest("gradcheck convolve2d: a 2-D kernel per channel, a full kernel, strided and dilated", () => {
  gradcheck((x, k) => F.convolve2d(x, k, { padding: "same" }), [rand64([2, 3, 5, 6], 80), rand64([3, 2], 81)]);
  gradcheck((x, k) => F.convolve2d(x, k, { stride: 2, dilation: [1, 2], padding: 1, groups: 2 }), [rand64([1, 4, 6, 7], 82), rand64([2, 2, 2, 3], 83)]);
  gradcheck((x) => F.convolve2d(x, "sobel-x", { padding: [1, 0, 0, 1] }), [rand64([5, 6], 84)]);
});

// ---------------------------------------------------------------------------------------------------------------
// Layout, dtype, tape.

test("unbatched input equals the batched result without its batch dim; float64 works end to end", () => {
  const gen = new Generator(9);
  const x = randn([3, 6, 5], { generator: gen, dtype: "float64" });
  const w = randn([4, 3, 3, 3], { generator: gen, dtype: "float64" });
  const b = randn([4], { generator: gen, dtype: "float64" });
  const y3 = F.conv2d(x, w, b, { stride: 2, padding: 1 });
  const y4 = F.conv2d(x.unsqueeze(0), w, b, { stride: 2, padding: 1 });
  assert.equal(y3.dtype, "float64");
  assert.deepEqual(y3.shape, [4, 3, 3]);
  assert.deepEqual(y3.toArray(), y4.squeeze(0).toArray());
});

test("the tape records conv attributes for export", () => {
  const x = randn([1, 2, 6, 6], { requiresGrad: true });
  const y = F.conv2d(x, randn([4, 1, 4, 3]), randn([4]), { stride: [1, 1], padding: "same", dilation: [1, 2], groups: 2 });
  assert.equal(y.gradFn!.name, "conv2d");
  assert.deepEqual(y.gradFn!.attrs, { stride: [1, 1], pads: [1, 2, 2, 2], dilation: [1, 2], groups: 2 });
  const t = F.convTranspose2d(x, randn([2, 3, 3, 3]), null, { stride: 2, padding: [0, 1, 2, 1], outputPadding: 1 });
  assert.equal(t.gradFn!.name, "convTranspose2d");
  assert.deepEqual(t.gradFn!.attrs, { stride: [2, 2], pads: [0, 2, 1, 1], dilation: [1, 1], groups: 1, outputPadding: [1, 1] });
  assert.deepEqual(t.shape, [1, 3, 13, 11]); // (6−1)·2 − 0 − 1 + 2 + 1 + 1, (6−1)·2 − 2 − 1 + 2 + 1 + 1
  assert.equal(noGrad(() => F.conv2d(x, randn([1, 2, 1, 1]))).requiresGrad, false);
});

// ---------------------------------------------------------------------------------------------------------------
// Bad input: the error class and what the message says.

test("bad input throws typed errors that name the op, the shapes and the rule", () => {
  const x = randn([1, 3, 8, 8]);
  const w = randn([6, 3, 3, 3]);
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ["channel mismatch", () => F.conv2d(x, randn([6, 1, 5, 5])), ShapeError, /^conv2d: input has 3 channels but weight \[6,1,5,5\] expects 1 \(× groups 1\)$/],
    ["kernel larger than padded input", () => F.conv2d(randn([1, 1, 5, 5]), randn([1, 1, 7, 7])), ShapeError, /^conv2d: kernel 7 with dilation 1 is larger than padded input 5$/],
    ["dilated kernel too big", () => F.conv2d(randn([1, 1, 5, 5]), randn([1, 1, 3, 3]), null, { dilation: 3 }), ShapeError, /kernel 3 with dilation 3 is larger than padded input 5/],
    ["zero stride", () => F.conv2d(x, w, null, { stride: 0 }), ValueError, /conv2d: stride must be an integer ≥ 1, got 0/],
    ["negative stride", () => F.conv2d(x, w, null, { stride: [1, -2] }), ValueError, /conv2d: stride\[1\] must be an integer ≥ 1, got -2/],
    ["NaN stride", () => F.conv2d(x, w, null, { stride: NaN }), ValueError, /stride must be an integer ≥ 1, got NaN/],
    ["non-integer padding", () => F.conv2d(x, w, null, { padding: 1.5 }), ValueError, /conv2d: padding must be an integer ≥ 0, got 1.5/],
    ["negative padding", () => F.conv2d(x, w, null, { padding: [0, 0, -1, 0] }), ValueError, /conv2d: padding left must be an integer ≥ 0, got -1/],
    ["padding of 3 numbers", () => F.conv2d(x, w, null, { padding: [1, 1, 1] as unknown as number }), ValueError, /conv2d: padding must be a number, \[h, w\], \[top, bottom, left, right\]/],
    ["unknown padding word", () => F.conv2d(x, w, null, { padding: "full" as "same" }), ValueError, /conv2d: unknown padding 'full'/],
    ["'same' with stride 2", () => F.conv2d(x, w, null, { stride: 2, padding: "same" }), ValueError, /conv2d: padding 'same' needs stride 1, got stride \[2,2\]/],
    ["zero dilation", () => F.conv2d(x, w, null, { dilation: 0 }), ValueError, /conv2d: dilation must be an integer ≥ 1, got 0/],
    ["non-integer dilation", () => F.conv2d(x, w, null, { dilation: [1, 1.5] }), ValueError, /dilation\[1\] must be an integer ≥ 1, got 1.5/],
    ["groups not dividing input channels", () => F.conv2d(x, randn([6, 1, 3, 3]), null, { groups: 2 }), ShapeError, /input has 3 channels but weight \[6,1,3,3\] expects 1 \(× groups 2\)/],
    ["groups not dividing output channels", () => F.conv2d(randn([1, 4, 5, 5]), randn([6, 1, 3, 3]), null, { groups: 4 }), ShapeError, /weight \[6,1,3,3\] has 6 output channels, which groups 4 does not divide/],
    ["zero groups", () => F.conv2d(x, w, null, { groups: 0 }), ValueError, /conv2d: groups must be an integer ≥ 1, got 0/],
    ["input of rank 2", () => F.conv2d(randn([8, 8]), w), ShapeError, /conv2d: input must be \[N,C,H,W\] or unbatched \[C,H,W\], got \[8,8\]/],
    ["input of rank 5", () => F.conv2d(randn([1, 1, 3, 8, 8]), w), ShapeError, /got \[1,1,3,8,8\]/],
    ["weight of rank 3", () => F.conv2d(x, randn([3, 3, 3])), ShapeError, /conv2d: weight must be \[Cout, Cin\/groups, kh, kw\], got \[3,3,3\]/],
    ["bias of wrong size", () => F.conv2d(x, w, randn([5])), ShapeError, /conv2d: bias must be \[6\] \(one per output channel of weight \[6,3,3,3\]\), got \[5\]/],
    ["bias of wrong rank", () => F.conv2d(x, w, randn([1, 6])), ShapeError, /bias must be \[6\].*got \[1,6\]/],
    ["dtype mismatch", () => F.conv2d(x, w.to("float64")), DTypeError, /conv2d: input is float32 but weight is float64/],
    ["bias dtype mismatch", () => F.conv2d(x, w, randn([6], { dtype: "float64" })), DTypeError, /input is float32 but bias is float64/],
    ["not a tensor", () => F.conv2d([[1]] as unknown as Tensor, w), ValueError, /conv2d: input must be a Tensor/],
    ["convT channel mismatch", () => F.convTranspose2d(x, randn([4, 2, 3, 3])), ShapeError, /^convTranspose2d: input has 3 channels but weight \[4,2,3,3\] expects 4/],
    ["convT outputPadding too big", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), ValueError, /convTranspose2d: outputPadding 2 must be smaller than either stride 2 or dilation 1/],
    ["convT outputPadding with stride 1", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { outputPadding: 1 }), ValueError, /outputPadding 1 must be smaller than either stride 1 or dilation 1/],
    ["convT groups not dividing", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { groups: 2 }), ShapeError, /convTranspose2d: input channels 3 are not divisible by groups 2/],
    ["convT padding too big", () => F.convTranspose2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]), null, { padding: 2 }), ShapeError, /convTranspose2d: output size 0 is not positive/],
    ["convT 'same'", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { padding: "same" as unknown as number }), ValueError, /convTranspose2d: padding must be a number, \[h, w\] or \[top, bottom, left, right\], got 'same'/],
    ["convT unreachable outputSize", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { stride: 2, outputSize: [20, 17] }), ValueError, /requested output size \[20,17\] but valid sizes for height range from 17 to 18/],
    ["convT bias of wrong size", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), randn([3])), ShapeError, /convTranspose2d: bias must be \[2\]/],
    ["convT negative outputPadding", () => F.convTranspose2d(x, randn([3, 2, 3, 3]), null, { stride: 2, outputPadding: -1 }), ValueError, /outputPadding must be an integer ≥ 0, got -1/],
    ["convolve2d unknown kernel", () => F.convolve2d(x, "emboss" as FilterKernelName), ValueError, /namedKernel: unknown kernel 'emboss' \(known: sharpen, laplace/],
    ["convolve2d bad mode", () => F.convolve2d(x, "box", { mode: "flip" as "convolve" }), ValueError, /convolve2d: mode must be 'convolve' or 'correlate', got "flip"/],
    ["convolve2d kernel of rank 3", () => F.convolve2d(x, randn([1, 3, 3])), ShapeError, /convolve2d: kernel must be \[kh, kw\] or \[Cout, Cin\/groups, kh, kw\], got \[1,3,3\]/],
    ["convolve2d kernel too big", () => F.convolve2d(randn([4, 4]), randn([5, 5])), ShapeError, /^convolve2d: kernel 5 with dilation 1 is larger than padded input 4$/],
    ["convolve2d groups with a 2-D kernel", () => F.convolve2d(x, "box", { groups: 1 }), ValueError, /convolve2d: a \[kh, kw\] kernel is applied to each of the 3 channels separately/],
    ["convolve2d kernel dtype", () => F.convolve2d(x, randn([3, 3], { dtype: "float64" })), DTypeError, /convolve2d: input is float32 but kernel is float64/],
    ["namedKernel size of a fixed kernel", () => F.namedKernel("sobel-x", { size: 5 }), ValueError, /namedKernel: 'sobel-x' is a fixed 3×3 kernel/],
    ["namedKernel negative sigma", () => F.namedKernel("gauss", { sigma: -1 }), ValueError, /sigma must be a positive finite number, got -1/],
    ["namedKernel non-integer box size", () => F.namedKernel("box", { size: 2.5 }), ValueError, /namedKernel: size must be an integer ≥ 1, got 2.5/],
  ];
  assert.ok(cases.length >= 15);
  for (const [label, fn, cls, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof cls, `${label}: expected ${cls.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, message, label);
      return true;
    }, label);
  }
});
