// Convolution arithmetic: output sizes (also against PyTorch's shapes), 'same' padding, receptive fields, parameter counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  F, Tensor, randn, ones, ShapeError, ValueError,
  convOutputSize, convTransposeOutputSize, samePadding, receptiveField, linearParamCount, conv2dParamCount,
} from "../../src/index.js";

test("the lecture's formula o = floor((i + 2p − k)/s) + 1: (4 − 3 + 2·0)/1 + 1 = 2", () => {
  assert.equal(convOutputSize(4, 3), 2);
  assert.equal(convOutputSize(4, 3, { padding: 0, stride: 1 }), 2);
  assert.equal(convOutputSize(5, 3, { padding: 2 }), 7); // padding = 2, stride = 1 (the lecture's second picture)
  assert.equal(convOutputSize(5, 3, { stride: 2 }), 2); // no padding, stride = 2 (the third)
  assert.equal(convOutputSize(7, 3, { stride: 2, padding: 1 }), 4); // floor(6/2) + 1
  assert.equal(convOutputSize(10, 3, { dilation: 2 }), 6); // a dilated 3-tap kernel spans 5
  assert.equal(convOutputSize(10, 3, { padding: [0, 2] }), 10);
  assert.equal(convOutputSize(3, 3), 1);
});

test("ceilMode matches PyTorch's pooling shapes, dropping a last window that starts in the right padding", () => {
  // [i, k, s, p, d, floor, ceil] from torch.nn.functional.max_pool2d(…, ceil_mode=False/True) (torch 1.13)
  const table = [
    [5, 2, 2, 0, 1, 2, 3], [5, 2, 2, 1, 1, 3, 3], [6, 3, 2, 1, 1, 3, 4], [7, 3, 3, 1, 1, 3, 3],
    [10, 3, 2, 1, 2, 4, 5], [4, 2, 2, 0, 1, 2, 2], [8, 3, 3, 0, 1, 2, 3], [9, 4, 3, 2, 1, 4, 4],
  ] as const;
  for (const [i, k, s, p, d, floor, ceil] of table) {
    assert.equal(convOutputSize(i, k, { stride: s, padding: p, dilation: d }), floor, `floor ${[i, k, s, p, d]}`);
    assert.equal(convOutputSize(i, k, { stride: s, padding: p, dilation: d, ceilMode: true }), ceil, `ceil ${[i, k, s, p, d]}`);
  }
});

test("convTransposeOutputSize = (i−1)s − 2p + d(k−1) + outputPadding + 1, as PyTorch's shapes", () => {
  // [i, k, s, p, outputPadding, d, o] from torch.nn.functional.conv_transpose2d (torch 1.13)
  const table = [[3, 3, 2, 1, 1, 1, 6], [4, 4, 2, 1, 0, 1, 8], [5, 3, 1, 0, 0, 2, 9], [2, 5, 3, 2, 2, 1, 6], [7, 1, 2, 0, 1, 1, 14], [3, 3, 2, 0, 1, 2, 10]] as const;
  for (const [i, k, s, p, op, d, o] of table) {
    assert.equal(convTransposeOutputSize(i, k, { stride: s, padding: p, outputPadding: op, dilation: d }), o, `${[i, k, s, p, op, d]}`);
  }
  assert.equal(convTransposeOutputSize(3, 3, { stride: 2, padding: [1, 0] }), 6);
});

test("the transposed size inverts the conv size: with outputPadding = the remainder, i comes back", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }),
    (i, k, s, p, d) => {
      fc.pre(i + 2 * p >= d * (k - 1) + 1);
      const o = convOutputSize(i, k, { stride: s, padding: p, dilation: d });
      const remainder = (i + 2 * p - d * (k - 1) - 1) % s; // what the floor threw away
      return convTransposeOutputSize(o, k, { stride: s, padding: p, dilation: d, outputPadding: remainder }) === i;
    },
  ), { seed: 1, numRuns: 500 });
});

/** The output size by its definition, independent of convOutputSize: the number of window starts 0, s, 2s, … whose
 *  last tap d(k−1) still lies in the padded input of i + 2p positions. */
function countWindows(i: number, k: number, s: number, p: number, d: number): number {
  let n = 0;
  for (let start = 0; start + d * (k - 1) <= i + 2 * p - 1; start += s) n++;
  return n;
}

test("the conv ops count their windows: real conv2d output shapes equal the windows that fit", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }),
    (i, k, s, p, d) => {
      fc.pre(i + 2 * p >= d * (k - 1) + 1);
      const y = F.conv2d(randn([1, 1, i, i + 1]), randn([1, 1, k, k]), null, { stride: s, padding: p, dilation: d });
      assert.deepEqual(y.shape.slice(2), [countWindows(i, k, s, p, d), countWindows(i + 1, k, s, p, d)]);
    },
  ), { seed: 2, numRuns: 200 });
});

test("'same' padding p = (k−1)/2 for odd kernels; even kernels put the extra pixel after", () => {
  assert.deepEqual(samePadding(1), [0, 0]);
  assert.deepEqual(samePadding(3), [1, 1]);
  assert.deepEqual(samePadding(5), [2, 2]);
  assert.deepEqual(samePadding(7), [3, 3]);
  assert.deepEqual(samePadding(4), [1, 2]);
  assert.deepEqual(samePadding(2), [0, 1]);
  assert.deepEqual(samePadding(3, 2), [2, 2]);
  assert.deepEqual(samePadding(4, 3), [4, 5]);
  for (let k = 1; k <= 9; k += 2) assert.deepEqual(samePadding(k), [(k - 1) / 2, (k - 1) / 2]);
  for (let i = 1; i < 12; i++) {
    for (let k = 1; k <= Math.min(i, 6); k++) {
      for (const d of [1, 2]) {
        assert.equal(convOutputSize(i, k, { padding: samePadding(k, d), dilation: d }), i, `i ${i} k ${k} d ${d}`);
      }
    }
  }
});

test("three stacked 3×3 convs have the receptive field of one 7×7 (the lecture's VGG argument)", () => {
  const three = receptiveField([{ kernel: 3, padding: 1 }, { kernel: 3, padding: 1 }, { kernel: 3, padding: 1 }]);
  const one = receptiveField([{ kernel: 7, padding: 3 }]);
  assert.equal(three.size, 7);
  assert.equal(one.size, 7);
  assert.deepEqual(three.layers.map((l) => l.size), [3, 5, 7]);
  assert.equal(three.jump, 1);
  assert.equal(three.start, 0);
  assert.equal(one.start, 0);
  // and with 2·(3·3·C²) … 3·(3·3·C²) = 27C² weights against 49C² for the 7×7
  assert.equal(3 * conv2dParamCount(64, 64, 3, { bias: false }), 27 * 64 * 64);
  assert.equal(conv2dParamCount(64, 64, 7, { bias: false }), 49 * 64 * 64);
});

test("receptive field, jump and start with strides, pooling and dilation", () => {
  // conv 3 (pad 1) → pool 2 stride 2 → conv 3 (pad 1) → pool 2 stride 2
  const rf = receptiveField([{ kernel: 3, padding: 1 }, { kernel: 2, stride: 2 }, { kernel: 3, padding: 1 }, { kernel: 2, stride: 2 }]);
  assert.deepEqual(rf.layers, [
    { size: 3, jump: 1, start: 0 },
    { size: 4, jump: 2, start: 0.5 },
    { size: 8, jump: 2, start: 0.5 },
    { size: 10, jump: 4, start: 1.5 },
  ]);
  const dil = receptiveField([{ kernel: 3, dilation: 2 }, { kernel: 3, dilation: 4 }]);
  assert.deepEqual([dil.size, dil.jump, dil.start], [13, 1, 6]);
  assert.deepEqual(receptiveField([]), { size: 1, jump: 1, start: 0, layers: [] });
});

test("receptiveField agrees with the gradient footprint of a real conv stack", () => {
  // Which input pixels reach one output pixel? Those with a nonzero gradient (all-ones weights, positive inputs).
  const layers = [
    { kernel: 3, stride: 1, padding: 1, dilation: 1 },
    { kernel: 3, stride: 2, padding: 0, dilation: 1 },
    { kernel: 2, stride: 1, padding: 1, dilation: 2 },
    { kernel: 3, stride: 2, padding: 1, dilation: 1 },
  ];
  const x = new Tensor(ones([1, 1, 1, 64]).data, [1, 1, 1, 64], true);
  let y = x;
  for (const l of layers) {
    y = F.conv2d(y, ones([1, 1, 1, l.kernel]), null, { stride: [1, l.stride], padding: [0, l.padding], dilation: [1, l.dilation] });
  }
  const j = 5; // an output far enough from the border that its field is not clipped
  const g = new Tensor(new Float32Array(y.size), y.shape);
  g.data[j] = 1;
  y.backward(g);
  const hit = [...x.grad!.data.keys()].filter((i) => x.grad!.data[i]! !== 0);
  const rf = receptiveField(layers);
  assert.equal(hit[hit.length - 1]! - hit[0]! + 1, rf.size, "size");
  assert.equal((hit[0]! + hit[hit.length - 1]!) / 2, rf.start + j * rf.jump, "centre of output j = start + j·jump");
});

test("fully connected vs convolutional parameters: the lecture's 64×49,152 vs 64×27", () => {
  const image = 128 * 128 * 3;
  assert.equal(image, 49_152);
  assert.equal(linearParamCount(image, 64, false), 64 * 49_152);
  assert.ok(Math.abs(linearParamCount(image, 64, false) - 3_000_000) < 0.05 * 3_000_000, "≈ 3,000,000");
  assert.equal(linearParamCount(image, 64), 64 * 49_152 + 64);
  assert.equal(conv2dParamCount(3, 64, 3, { bias: false }), 64 * 27);
  assert.equal(conv2dParamCount(3, 64, 3), 64 * 27 + 64);
  assert.equal(conv2dParamCount(3, 64, [3, 5]), 64 * 45 + 64);
  assert.equal(conv2dParamCount(32, 32, 3, { groups: 32, bias: false }), 32 * 9); // depthwise
  assert.equal(conv2dParamCount(6, 16, 5), 2416); // LeNet-5's C3 without its connection table
});

test("bad arguments: non-integer, negative, NaN → ValueError; a kernel larger than the input → ShapeError", () => {
  const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
    [() => convOutputSize(4.5, 3), ValueError, /convOutputSize: input size must be an integer ≥ 0, got 4.5/],
    [() => convOutputSize(-1, 3), ValueError, /input size must be an integer ≥ 0, got -1/],
    [() => convOutputSize(NaN, 3), ValueError, /input size must be an integer ≥ 0, got NaN/],
    [() => convOutputSize(5, 0), ValueError, /kernel size must be an integer ≥ 1, got 0/],
    [() => convOutputSize(5, 3, { stride: 0 }), ValueError, /stride must be an integer ≥ 1, got 0/],
    [() => convOutputSize(5, 3, { stride: 1.5 }), ValueError, /stride must be an integer ≥ 1, got 1.5/],
    [() => convOutputSize(5, 3, { padding: -1 }), ValueError, /padding must be an integer ≥ 0, got -1/],
    [() => convOutputSize(5, 3, { padding: [1, NaN] }), ValueError, /padding\[1\] must be an integer ≥ 0, got NaN/],
    [() => convOutputSize(5, 3, { padding: [1, 2, 3] as unknown as [number, number] }), ValueError, /padding must be a number or a \[before, after\] pair/],
    [() => convOutputSize(5, 3, { dilation: 0 }), ValueError, /dilation must be an integer ≥ 1, got 0/],
    [() => convOutputSize(5, 7), ShapeError, /^convOutputSize: kernel 7 with dilation 1 is larger than padded input 5$/],
    [() => convOutputSize(5, 3, { dilation: 3 }), ShapeError, /kernel 3 with dilation 3 is larger than padded input 5/],
    [() => convTransposeOutputSize(0, 3), ValueError, /convTransposeOutputSize: input size must be an integer ≥ 1, got 0/],
    [() => convTransposeOutputSize(3, 3, { stride: 2, outputPadding: 2 }), ValueError, /outputPadding 2 must be smaller than either stride 2 or dilation 1/],
    [() => convTransposeOutputSize(2, 3, { padding: 2 }), ShapeError, /output size 0 is not positive/],
    [() => samePadding(0), ValueError, /samePadding: kernel size must be an integer ≥ 1, got 0/],
    [() => samePadding(3, -1), ValueError, /samePadding: dilation must be an integer ≥ 1, got -1/],
    [() => receptiveField([{ kernel: 3 }, { kernel: 2.5 }]), ValueError, /receptiveField: layer 1 kernel must be an integer ≥ 1, got 2.5/],
    [() => receptiveField([{ kernel: 3, stride: 0 }]), ValueError, /layer 0 stride must be an integer ≥ 1, got 0/],
    [() => receptiveField("3x3" as unknown as []), ValueError, /receptiveField: layers must be an array/],
    [() => linearParamCount(0, 10), ValueError, /linearParamCount: inFeatures must be an integer ≥ 1, got 0/],
    [() => linearParamCount(10, NaN), ValueError, /outFeatures must be an integer ≥ 1, got NaN/],
    [() => conv2dParamCount(3, 64, 3, { groups: 2 }), ValueError, /conv2dParamCount: groups 2 must divide inChannels 3 and outChannels 64/],
    [() => conv2dParamCount(3, 64, [3, -3]), ValueError, /kernel\[1\] must be an integer ≥ 1, got -3/],
  ];
  for (const [fn, cls, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof cls, `${message}: got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});
