// Pooling against PyTorch fixtures, float64 gradchecks, bad input, and the lecture's statements about pooling.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { F, Generator, ShapeError, Tensor, ValueError, randn, randperm, tensor } from "../../src/index.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, rand64, gradcheckSuite } from "../helpers/gradcheck.js";

/** Distinct float64 values 0.1 apart in random order: no ties, so max/min indices are unique and finite differences
 *  (eps 1e-6) never change which element wins. */
function perm64(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const p = randperm(n, { generator: new Generator(seed), dtype: "float64" });
  return tensor(Float64Array.from(p.data, (v) => v * 0.1 - n * 0.05), shape, { dtype: "float64" });
}

/** The same kind of input in float32. */
function perm32(shape: number[], seed: number): Tensor {
  const t = perm64(shape, seed);
  return tensor(Float32Array.from(t.data), shape);
}

function throwsWith(fn: () => unknown, cls: typeof ShapeError | typeof ValueError, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

describe("pool fixtures (PyTorch 1.13)", () => {
  for (const c of loadCases("pool", "maxPool2d")) {
    test(`maxPool2d ${c.name}`, () => checkCase(c, ({ x }) => F.maxPool2d(x!, c.args as unknown as F.MaxPool2dOptions)));
  }
  for (const c of loadCases("pool", "minPool2d")) {
    test(`minPool2d ${c.name}`, () => checkCase(c, ({ x }) => F.minPool2d(x!, c.args as unknown as F.MaxPool2dOptions)));
  }
  for (const c of loadCases("pool", "avgPool2d")) {
    test(`avgPool2d ${c.name}`, () => checkCase(c, ({ x }) => F.avgPool2d(x!, c.args as unknown as F.AvgPool2dOptions)));
  }
  for (const c of loadCases("pool", "adaptiveAvgPool2d")) {
    test(`adaptiveAvgPool2d ${c.name}`, () => checkCase(c, ({ x }) => F.adaptiveAvgPool2d(x!, c.args.outputSize as F.AdaptiveSize)));
  }
  for (const c of loadCases("pool", "adaptiveMaxPool2d")) {
    test(`adaptiveMaxPool2d ${c.name}`, () =>
      checkCase(c, ({ x }) => F.adaptiveMaxPool2d(x!, c.args.outputSize as F.AdaptiveSize, { returnIndices: c.args.returnIndices as boolean })));
  }
  for (const c of loadCases("pool", "maxUnpool2d")) {
    test(`maxUnpool2d ${c.name}`, () =>
      checkCase(c, ({ x, indices }) => F.maxUnpool2d(x!, indices!, c.args as unknown as F.MaxUnpool2dOptions)));
  }
});

gradcheckSuite("pool gradchecks (float64 finite differences)", () => {
  const maxConfigs: (F.MaxPool2dOptions & { returnIndices?: false })[] = [
    { kernelSize: 2 },
    { kernelSize: 3, stride: 2, padding: 1 }, // overlapping windows: an element can win twice
    { kernelSize: [3, 2], stride: [1, 2], padding: [1, 1], dilation: [2, 1], ceilMode: true },
    { kernelSize: 3, stride: 1 },
  ];
  maxConfigs.forEach((opts, i) => {
    test(`maxPool2d ${JSON.stringify(opts)}`, () => gradcheck((x) => F.maxPool2d(x, opts), [perm64([2, 2, 7, 6], i + 1)]));
    test(`minPool2d ${JSON.stringify(opts)}`, () => gradcheck((x) => F.minPool2d(x, opts), [perm64([1, 3, 6, 7], i + 11)]));
  });
  const avgConfigs: F.AvgPool2dOptions[] = [
    { kernelSize: 2 },
    { kernelSize: 3, stride: 2, padding: 1 },
    { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
    { kernelSize: [2, 3], stride: 1, padding: [1, 1], divisorOverride: 4 },
  ];
  avgConfigs.forEach((opts, i) => {
    test(`avgPool2d ${JSON.stringify(opts)}`, () => gradcheck((x) => F.avgPool2d(x, opts), [rand64([2, 2, 6, 7], i + 21)]));
  });
  test("adaptiveAvgPool2d [3,4] and upsizing 7", () => {
    gradcheck((x) => F.adaptiveAvgPool2d(x, [3, 4]), [rand64([2, 2, 7, 9], 31)]);
    gradcheck((x) => F.adaptiveAvgPool2d(x, 7), [rand64([1, 2, 5, 4], 32)]);
  });
  test("adaptiveMaxPool2d [3, null] and 2", () => {
    gradcheck((x) => F.adaptiveMaxPool2d(x, [3, null]), [perm64([2, 2, 7, 5], 33)]);
    gradcheck((x) => F.adaptiveMaxPool2d(x, 2), [perm64([3, 6, 5], 34)]);
  });
  test("globalAvgPool2d and globalMaxPool2d", () => {
    gradcheck((x) => F.globalAvgPool2d(x), [rand64([2, 3, 4, 5], 35)]);
    gradcheck((x) => F.globalMaxPool2d(x), [perm64([2, 3, 4, 5], 36)]);
  });
  test("maxUnpool2d with a pooling's indices (and an outputSize)", () => {
    // non-overlapping windows: with overlapping ones two inputs can share an index, the later one wins the forward
    // and the gradient (a gather, as PyTorch's) no longer matches finite differences for the overwritten one
    const src = perm64([2, 2, 7, 8], 37);
    const [pooled, idx] = F.maxPool2d(src, { kernelSize: 3, stride: 3, padding: 1, returnIndices: true });
    gradcheck((x) => F.maxUnpool2d(x, idx, { kernelSize: 3, stride: 3, padding: 1, outputSize: [7, 8] }), [rand64([...pooled.shape], 38)]);
    const [p2, i2] = F.maxPool2d(perm64([3, 5, 6], 41), { kernelSize: 2, returnIndices: true });
    gradcheck((x) => F.maxUnpool2d(x, i2, { kernelSize: 2, outputSize: [5, 6] }), [rand64([...p2.shape], 42)]);
  });
  test("unbatched maxPool2d and avgPool2d", () => {
    gradcheck((x) => F.maxPool2d(x, { kernelSize: 2, stride: 1 }), [perm64([2, 4, 5], 39)]);
    gradcheck((x) => F.avgPool2d(x, { kernelSize: 2, padding: 1 }), [rand64([2, 4, 5], 40)]);
  });
});

describe("pool bad input", () => {
  const x = randn([1, 2, 4, 4]);
  test("kernel larger than the padded input", () => {
    throwsWith(() => F.maxPool2d(x, { kernelSize: 5 }), ShapeError,
      /^maxPool2d: kernel 5 with dilation 1 \(span 5\) is larger than padded input height 4 \(4 \+ 2·0\) of input \[1,2,4,4\]; the output height would be < 1$/);
    throwsWith(() => F.maxPool2d(x, { kernelSize: 2, dilation: [1, 4] }), ShapeError, /^maxPool2d: kernel 2 with dilation 4 \(span 5\) is larger than padded input width 4/);
    throwsWith(() => F.avgPool2d(x, { kernelSize: [2, 7], padding: [0, 1] }), ShapeError, /^avgPool2d: kernel 7 with dilation 1 \(span 7\) is larger than padded input width 6 \(4 \+ 2·1\)/);
  });
  test("padding more than half the kernel", () => {
    throwsWith(() => F.maxPool2d(x, { kernelSize: 3, padding: 2 }), ValueError, /^maxPool2d: padding \[2,2\] must be at most half the kernel \[3,3\] \(padding ≤ ⌊k\/2⌋\)$/);
    throwsWith(() => F.avgPool2d(x, { kernelSize: [2, 4], padding: [2, 0] }), ValueError, /^avgPool2d: padding \[2,0\] must be at most half the kernel \[2,4\]/);
  });
  test("non-integer, zero, negative and NaN sizes", () => {
    throwsWith(() => F.maxPool2d(x, { kernelSize: 0 }), ValueError, /^maxPool2d: kernelSize must be an integer ≥ 1, got 0$/);
    throwsWith(() => F.minPool2d(x, { kernelSize: 2, stride: NaN }), ValueError, /^minPool2d: stride must be an integer ≥ 1, got NaN$/);
    throwsWith(() => F.maxPool2d(x, { kernelSize: [2, 1.5] }), ValueError, /^maxPool2d: kernelSize\[1\] must be an integer ≥ 1, got 1.5$/);
    throwsWith(() => F.avgPool2d(x, { kernelSize: 2, padding: -1 }), ValueError, /^avgPool2d: padding must be an integer ≥ 0, got -1$/);
    throwsWith(() => F.maxPool2d(x, { kernelSize: 2, dilation: 0 }), ValueError, /^maxPool2d: dilation must be an integer ≥ 1, got 0$/);
  });
  test("missing options and wrong input rank", () => {
    throwsWith(() => F.maxPool2d(x, undefined as unknown as F.MaxPool2dOptions), ValueError, /^maxPool2d: options \{ kernelSize, … \} are required$/);
    throwsWith(() => F.maxPool2d(randn([4, 4]), { kernelSize: 2 }), ShapeError, /^maxPool2d: expects a \[N,C,H,W\] or unbatched \[C,H,W\] input, got \[4,4\]$/);
    throwsWith(() => F.globalAvgPool2d(randn([1, 1, 1, 2, 2])), ShapeError, /^globalAvgPool2d: expects a \[N,C,H,W\] or unbatched \[C,H,W\] input, got \[1,1,1,2,2\]$/);
    throwsWith(() => F.avgPool2d(randn([1, 0, 4, 4]), { kernelSize: 2 }), ShapeError, /^avgPool2d: input \[1,0,4,4\] has an empty channel or spatial dim$/);
  });
  test("a window made only of padding", () => {
    throwsWith(() => F.maxPool2d(randn([1, 1, 9, 9]), { kernelSize: 2, stride: 1, padding: 1, dilation: 10 }), ShapeError,
      /^maxPool2d: the window of output row 0 \(input rows -1\.\.9 step 10\) lies entirely in the padding of size 9/);
  });
  test("avgPool2d divisorOverride", () => {
    throwsWith(() => F.avgPool2d(x, { kernelSize: 2, divisorOverride: 0 }), ValueError, /^avgPool2d: divisorOverride must be a non-zero integer, got 0$/);
    throwsWith(() => F.avgPool2d(x, { kernelSize: 2, divisorOverride: 2.5 }), ValueError, /^avgPool2d: divisorOverride must be a non-zero integer, got 2.5$/);
  });
  test("adaptive output sizes", () => {
    throwsWith(() => F.adaptiveAvgPool2d(x, 0), ValueError, /^adaptiveAvgPool2d: outputSize must be an integer ≥ 1, got 0$/);
    throwsWith(() => F.adaptiveMaxPool2d(x, [2.5, 2]), ValueError, /^adaptiveMaxPool2d: outputSize\[0\] must be an integer ≥ 1, got 2.5$/);
    throwsWith(() => F.adaptiveAvgPool2d(x, [1, 2, 3] as unknown as F.AdaptiveSize), ValueError, /^adaptiveAvgPool2d: outputSize must be a number or an \[h, w\] pair/);
  });
  test("maxUnpool2d indices and output size", () => {
    const [p, i] = F.maxPool2d(perm32([1, 2, 4, 4], 3), { kernelSize: 2, returnIndices: true });
    throwsWith(() => F.maxUnpool2d(p, i.reshape([2, 2, 2]), { kernelSize: 2 }), ShapeError,
      /^maxUnpool2d: indices \[2,2,2\] must have the input's shape \[1,2,2,2\] \(the pooling's output and its indices\)$/);
    const bad = tensor([[[[0, 1], [2, 16]], [[0, 1], [2, 3]]]]);
    throwsWith(() => F.maxUnpool2d(p, bad, { kernelSize: 2 }), ValueError, /^maxUnpool2d: index 16 at flat position 3 is outside the output plane 4×4 \(valid 0\.\.15\)$/);
    throwsWith(() => F.maxUnpool2d(p, i, { kernelSize: 2, outputSize: [6, 4] }), ValueError,
      /^maxUnpool2d: outputSize \[6,4\] is invalid: height must lie strictly between 2 and 6, width between 2 and 6/);
    throwsWith(() => F.maxUnpool2d(p, i, { kernelSize: 2, outputSize: [1, 3, 4, 4] }), ShapeError,
      /^maxUnpool2d: outputSize \[1,3,4,4\] must keep the input's leading dims \[1,2\]$/);
    throwsWith(() => F.maxUnpool2d(p, i, { kernelSize: 2, outputSize: [4, 4, 4] }), ValueError, /^maxUnpool2d: outputSize must be \[h, w\] or the full 4-D output shape/);
    throwsWith(() => F.maxUnpool2d(randn([1, 1, 1, 1]), tensor([[[[0]]]]), { kernelSize: 1, padding: 1 }), ShapeError, /^maxUnpool2d: output size \[-1,-1\] of input \[1,1,1,1\]/);
  });
});

/** Max over each 2×2 block, computed independently of the library. */
function blockMax2x2(x: Tensor): number[] {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out: number[] = [];
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i + 1 < h; i += 2) {
      for (let j = 0; j + 1 < w; j += 2) {
        const at = (a: number, b: number): number => x.data[p * h * w + a * w + b]!;
        out.push(Math.max(at(i, j), at(i, j + 1), at(i + 1, j), at(i + 1, j + 1)));
      }
    }
  }
  return out;
}

describe("the lecture's pooling statements", () => {
  test("pooling has no parameters and keeps the number of channels", () => {
    const x = randn([2, 5, 8, 8], { requiresGrad: true });
    for (const y of [
      F.maxPool2d(x, { kernelSize: 2 }), F.minPool2d(x, { kernelSize: 2 }), F.avgPool2d(x, { kernelSize: 2 }),
      F.adaptiveAvgPool2d(x, 3), F.globalMaxPool2d(x),
    ]) {
      assert.equal(y.shape[1], 5);
      // the only tensor the op depends on is its input: there is nothing to learn
      assert.equal(y.gradFn!.inputs.length, 1);
      assert.equal(y.gradFn!.inputs[0], x);
    }
  });
  test("each channel is pooled separately", () => {
    const x = randn([2, 4, 7, 6]);
    for (const pool of [
      (t: Tensor) => F.maxPool2d(t, { kernelSize: 3, stride: 2, padding: 1 }),
      (t: Tensor) => F.avgPool2d(t, { kernelSize: 2, ceilMode: true }),
      (t: Tensor) => F.minPool2d(t, { kernelSize: 2, stride: 1 }),
    ]) {
      const whole = pool(x);
      for (let ch = 0; ch < 4; ch++) {
        // changing the other channels must not change this one's result
        const alone = pool(x.slice(1, ch, ch + 1));
        assert.deepEqual([...alone.data], [...whole.slice(1, ch, ch + 1).data]);
      }
    }
  });
  test("2×2 max pooling with stride 2 halves H and W and keeps each block's maximum", () => {
    const x = randn([2, 3, 8, 6]);
    const y = F.maxPool2d(x, { kernelSize: 2, stride: 2 });
    assert.deepEqual(y.shape, [2, 3, 4, 3]);
    assert.deepEqual([...y.data], blockMax2x2(x));
    assert.deepEqual(F.maxPool2d(randn([1, 1, 9, 9]), { kernelSize: 2, stride: 2 }).shape, [1, 1, 4, 4]);
  });
  test("max unpooling with the pooling's indices puts the maxima back where they were (SegNet)", () => {
    const x = perm32([2, 3, 8, 8], 5).add(100); // positive, so the unpooled zeros never beat a maximum below
    const [pooled, indices] = F.maxPool2d(x, { kernelSize: 2, stride: 2, returnIndices: true });
    const up = F.maxUnpool2d(pooled, indices, { kernelSize: 2, stride: 2 });
    assert.deepEqual(up.shape, x.shape);
    const maxima = new Set(blockMax2x2(x));
    let kept = 0;
    for (let i = 0; i < x.size; i++) {
      if (maxima.has(x.data[i]!)) {
        assert.equal(up.data[i], x.data[i], `maximum at ${i} is back in place`);
        kept++;
      } else {
        assert.equal(up.data[i], 0, `non-maximum at ${i} is zero`);
      }
    }
    assert.equal(kept, pooled.size);
    // and pooling the unpooled map again gives the same maxima at the same indices
    const [again, againIdx] = F.maxPool2d(up, { kernelSize: 2, stride: 2, returnIndices: true });
    assert.deepEqual([...again.data], [...pooled.data]);
    assert.deepEqual([...againIdx.data], [...indices.data]);
  });
  test("padding never wins: −∞ for max pooling, +∞ for min pooling", () => {
    const neg = tensor([[[[-3, -1], [-2, -4]]]]);
    assert.deepEqual(F.maxPool2d(neg, { kernelSize: 3, stride: 1, padding: 1 }).toArray(), [[[[-1, -1], [-1, -1]]]]);
    assert.deepEqual(F.minPool2d(neg.neg(), { kernelSize: 3, stride: 1, padding: 1 }).toArray(), [[[[1, 1], [1, 1]]]]);
  });
  test("a NaN in a window wins, at the last NaN's index (PyTorch 1.13 gives [nan, nan], [1, 7] and 7 here)", () => {
    const x = tensor([[[[1, NaN, 5, 0], [3, 2, NaN, NaN]]]]);
    for (const pool of [F.maxPool2d, F.minPool2d]) {
      const [y, idx] = pool(x, { kernelSize: 2, returnIndices: true });
      assert.deepEqual([...y.data], [NaN, NaN]);
      assert.deepEqual([...idx.data], [1, 7]);
    }
    const [g, gi] = F.adaptiveMaxPool2d(x, 1, { returnIndices: true });
    assert.ok(Number.isNaN(g.item()));
    assert.equal(gi.item(), 7);
  });
  test("returnIndices types as a tuple; the recorded attrs describe the op for export", () => {
    const x = randn([1, 1, 5, 5], { requiresGrad: true });
    const [y, idx]: [Tensor, Tensor] = F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, returnIndices: true });
    const plain: Tensor = F.maxPool2d(x, { kernelSize: 3 });
    assert.deepEqual(idx.shape, y.shape);
    assert.deepEqual(plain.shape, [1, 1, 1, 1]);
    assert.deepEqual(y.gradFn!.attrs, { kernelSize: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1], ceilMode: true });
    const a = F.avgPool2d(x, { kernelSize: 2, countIncludePad: false });
    assert.equal(a.gradFn!.attrs!.countIncludePad, false);
    assert.deepEqual(F.adaptiveAvgPool2d(x, [2, null]).gradFn!.attrs, { outputSize: [2, 5] });
    assert.equal(F.globalAvgPool2d(x).gradFn!.name, "globalAvgPool2d");
  });
});
