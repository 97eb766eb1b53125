// interpolate (nearest, bilinear, bed-of-nails) against PyTorch fixtures, float64 gradchecks, bad input, the lecture's
// pictures; pixelShuffle against PyTorch, its gradient, errors and its ONNX form in onnxruntime.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { F, ShapeError, Tensor, ValueError, arange, io, noGrad, randn, tensor } from "../../src/index.js";
import { decodeModel } from "../../src/io/onnx-proto.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, gradcheckSuite, gradcheckTest, rand64 } from "../helpers/gradcheck.js";

function throwsWith(fn: () => unknown, cls: typeof ShapeError | typeof ValueError, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

describe("interpolate fixtures (PyTorch 1.13)", () => {
  for (const op of ["interpolateNearest", "interpolateBilinear", "bedOfNails"]) {
    for (const c of loadCases("upsample", op)) {
      test(`${op} ${c.name}`, () => checkCase(c, ({ x }) => F.interpolate(x!, c.args as unknown as F.InterpolateOptions)));
    }
  }
});

gradcheckSuite("interpolate gradchecks (float64 finite differences)", () => {
  const configs: F.InterpolateOptions[] = [
    { mode: "nearest", scaleFactor: 2 },
    { mode: "nearest", size: [7, 4] }, // up along H, down along W: some inputs get no gradient
    { mode: "nearest", scaleFactor: [1.7, 0.6] },
    { mode: "bilinear", scaleFactor: 2 },
    { mode: "bilinear", size: [9, 3], alignCorners: true },
    { mode: "bilinear", size: [4, 11], alignCorners: false },
    { mode: "bilinear", scaleFactor: [0.7, 1.4] },
    { mode: "bed-of-nails", scaleFactor: 2 },
    { mode: "bed-of-nails", size: [15, 5] },
  ];
  configs.forEach((opts, i) => {
    test(JSON.stringify(opts), () => gradcheck((x) => F.interpolate(x, opts), [rand64([2, 2, 5, 5], i + 1)]));
  });
  test("unbatched [C,H,W]", () => {
    gradcheck((x) => F.interpolate(x, { mode: "bilinear", size: [5, 7] }), [rand64([3, 4, 3], 20)]);
    gradcheck((x) => F.interpolate(x, { mode: "bed-of-nails", scaleFactor: [3, 1] }), [rand64([3, 4, 3], 21)]);
  });
});

describe("interpolate bad input", () => {
  const x = randn([1, 2, 4, 4]);
  test("bed-of-nails needs integer scale factors", () => {
    throwsWith(() => F.interpolate(x, { mode: "bed-of-nails", scaleFactor: 1.5 }), ValueError, /^interpolate: mode 'bed-of-nails' needs integer scale factors, got scaleFactor 1.5$/);
    throwsWith(() => F.interpolate(x, { mode: "bed-of-nails", size: [8, 6] }), ValueError,
      /^interpolate: mode 'bed-of-nails' needs integer scale factors, got size \[8,6\] for input \[4,4\] \(scale 2×1.5\)$/);
    throwsWith(() => F.interpolate(x, { mode: "bed-of-nails", scaleFactor: 0.5 }), ValueError, /^interpolate: mode 'bed-of-nails' needs integer scale factors/);
  });
  test("exactly one of size and scaleFactor", () => {
    throwsWith(() => F.interpolate(x, { mode: "nearest" }), ValueError, /^interpolate: give exactly one of size and scaleFactor \(got neither\)$/);
    throwsWith(() => F.interpolate(x, { mode: "bilinear", size: 8, scaleFactor: 2 }), ValueError, /^interpolate: give exactly one of size and scaleFactor \(got both\)$/);
  });
  test("unknown mode and alignCorners outside bilinear", () => {
    throwsWith(() => F.interpolate(x, { mode: "bicubic" as F.InterpolateMode, size: 8 }), ValueError, /^interpolate: unknown mode 'bicubic' \(expected nearest, bilinear, bed-of-nails\)$/);
    throwsWith(() => F.interpolate(x, { mode: "nearest", size: 8, alignCorners: false }), ValueError, /^interpolate: alignCorners can only be set with mode 'bilinear', not 'nearest'$/);
    throwsWith(() => F.interpolate(x, { mode: "bed-of-nails", scaleFactor: 2, alignCorners: true }), ValueError, /^interpolate: alignCorners can only be set with mode 'bilinear', not 'bed-of-nails'$/);
  });
  test("sizes and scale factors", () => {
    throwsWith(() => F.interpolate(x, { mode: "nearest", size: 0 }), ValueError, /^interpolate: size must be an integer ≥ 1, got 0$/);
    throwsWith(() => F.interpolate(x, { mode: "bilinear", size: [4, 2.5] }), ValueError, /^interpolate: size\[1\] must be an integer ≥ 1, got 2.5$/);
    throwsWith(() => F.interpolate(x, { mode: "nearest", scaleFactor: -2 }), ValueError, /^interpolate: scaleFactor must be a positive finite number, got -2$/);
    throwsWith(() => F.interpolate(x, { mode: "nearest", scaleFactor: [2, NaN] }), ValueError, /^interpolate: scaleFactor must be a positive finite number/);
    throwsWith(() => F.interpolate(x, { mode: "bilinear", scaleFactor: 0.2 }), ShapeError,
      /^interpolate: scaleFactor 0.2 on input \[1,2,4,4\] gives output size \[0,0\] \(floor\(size·scale\)\); it must be ≥ 1$/);
  });
  test("input rank and options", () => {
    throwsWith(() => F.interpolate(randn([2, 4]), { size: 4 }), ShapeError, /^interpolate: expects a \[N,C,H,W\] or unbatched \[C,H,W\] input, got \[2,4\]$/);
    throwsWith(() => F.interpolate(x, undefined as unknown as F.InterpolateOptions), ValueError, /^interpolate: options \{ size \| scaleFactor, mode \} are required$/);
  });
});

describe("the lecture's upsampling pictures", () => {
  const x = tensor([[[[1, 2], [3, 4]]]]);
  test("nearest neighbour: each value becomes a 2×2 block", () => {
    assert.deepEqual(F.interpolate(x, { mode: "nearest", scaleFactor: 2 }).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });
  test("bed of nails: each value in the top-left corner of its block, zeros elsewhere", () => {
    assert.deepEqual(F.interpolate(x, { mode: "bed-of-nails", scaleFactor: 2 }).toArray(), [[[[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]]]);
  });
  test("bilinear with alignCorners keeps the corners and interpolates linearly between them", () => {
    const y = F.interpolate(x, { mode: "bilinear", size: 3, alignCorners: true });
    assert.deepEqual(y.toArray(), [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
  });
  test("each channel is scaled separately, to the input's resolution and back", () => {
    const img = randn([2, 3, 5, 6]);
    const up = F.interpolate(img, { mode: "bilinear", scaleFactor: 2 });
    assert.deepEqual(up.shape, [2, 3, 10, 12]);
    for (let ch = 0; ch < 3; ch++) {
      const alone = F.interpolate(img.slice(1, ch, ch + 1), { mode: "bilinear", scaleFactor: 2 });
      assert.deepEqual([...alone.data], [...up.slice(1, ch, ch + 1).data]);
    }
    // nearest ×2 then taking every second pixel returns the input exactly
    const back = F.interpolate(img, { mode: "nearest", scaleFactor: 2 }).slice(2, 0, undefined, 2).slice(3, 0, undefined, 2);
    assert.deepEqual([...back.data], [...img.data]);
  });
  test("unbatched input stays unbatched; attrs describe the op", () => {
    const u = arange(12).reshape([1, 3, 4]);
    const y = F.interpolate(u.detach().requiresGrad_(), { mode: "bilinear", scaleFactor: [2, 1.5], alignCorners: false });
    assert.deepEqual(y.shape, [1, 6, 6]);
    const attrs = (y.gradFn!.inputs[0] as Tensor).gradFn!.attrs; // y is a reshape of the 4-D result
    assert.deepEqual(attrs, { mode: "bilinear", size: [6, 6], scales: [2, 1.5], alignCorners: false });
  });
});

describe("pixelShuffle", () => {
  test("matches PyTorch's pixel_shuffle (ranks 3 to 5, r = 1 to 4; forward and gradient)", () => {
    const cases = loadCases("added_ops", "pixelShuffle");
    assert.ok(cases.length >= 20);
    for (const c of cases) checkCase(c, ({ x }) => F.pixelShuffle(x!, c.args.upscaleFactor as number));
  });
  test("y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]", () => {
    const y = F.pixelShuffle(arange(8).reshape([1, 8, 1, 1]), 2);
    assert.deepEqual(y.toArray(), [[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]]);
  });
  gradcheckTest("gradcheck (float64)", () => {
    gradcheck((x) => F.pixelShuffle(x, 2), [rand64([2, 8, 3, 2], 1)]);
    gradcheck((x) => F.pixelShuffle(x, 3), [rand64([9, 2, 1], 2)]);
  });
  test("bad input", () => {
    throwsWith(() => F.pixelShuffle(randn([8, 2]), 2), ShapeError, /^pixelShuffle: expects an input with at least 3 dims \[\*,C·r²,H,W\], got \[8,2\]$/);
    throwsWith(() => F.pixelShuffle(randn([1, 6, 2, 2]), 2), ShapeError, /^pixelShuffle: the 6 channels of input \[1,6,2,2\] are not divisible by upscaleFactor² = 4$/);
    throwsWith(() => F.pixelShuffle(randn([1, 4, 2, 2]), 0), ValueError, /^pixelShuffle: upscaleFactor must be an integer ≥ 1, got 0$/);
    throwsWith(() => F.pixelShuffle(randn([1, 4, 2, 2]), 1.5), ValueError, /^pixelShuffle: upscaleFactor must be an integer ≥ 1, got 1.5$/);
  });
  test("exports as ONNX DepthToSpace (mode CRD) that onnxruntime runs with our values, 4-D and not", async () => {
    for (const [shape, r] of [[[2, 12, 3, 5], 2], [[9, 2, 3], 3], [[2, 2, 8, 1, 3], 2]] as const) {
      const x = randn([...shape]);
      const ours = noGrad(() => F.pixelShuffle(x, r));
      const bytes = io.exportOnnx((v: Tensor) => F.pixelShuffle(v, r), x);
      assert.ok(decodeModel(bytes).graph!.node!.some((n) => n.opType === "DepthToSpace"));
      const session = await ort.InferenceSession.create(bytes);
      const got = (await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...shape]) })).output!;
      assert.deepEqual([...got.dims], [...ours.shape]);
      assert.deepEqual([...(got.data as Float32Array)], [...ours.data], `shape ${shape.join("×")}, r = ${r}`);
    }
  });
});
