// The reference kernels' fast paths (dim coalescing, unrolled/blocked matmul, row-wise reductions) against naive
// index-by-index loops written here, on random odd shapes and strides.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsKernels as K } from "../../src/backends/js/index.js";
import { Generator } from "../../src/index.js";

const g = new Generator(11);
const rnd = (n: number): Float64Array => Float64Array.from({ length: n }, () => Math.round((g.random() * 4 - 2) * 8) / 8);
const int = (lo: number, hi: number): number => lo + g.int(hi - lo + 1);
const contiguous = (shape: number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
/** Every multi-index of `shape`, in row-major order. */
function* indices(shape: number[]): IterableIterator<number[]> {
  const total = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    const idx: number[] = [];
    let r = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
    yield idx;
  }
}
const dot = (idx: number[], strides: number[]): number => idx.reduce((s, v, d) => s + v * strides[d]!, 0);

test("matmul: all four transpose combinations, batch strides 0 and full, odd sizes", () => {
  for (let trial = 0; trial < 40; trial++) {
    const m = int(1, 7), n = int(1, 9), k = int(1, 9), batch = int(1, 3);
    const transA = trial % 2 === 1, transB = trial % 4 >= 2;
    const aShared = trial % 5 === 0, bShared = trial % 7 === 0;
    const a = rnd((aShared ? 1 : batch) * m * k), b = rnd((bShared ? 1 : batch) * k * n);
    const out = new Float64Array(batch * m * n).fill(NaN);
    K.matmul(a, b, out, { batch, m, n, k, aBatchStride: aShared ? 0 : m * k, bBatchStride: bShared ? 0 : k * n, transA, transB });
    for (let p = 0; p < batch; p++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) {
            const av = a[(aShared ? 0 : p * m * k) + (transA ? q * m + i : i * k + q)]!;
            const bv = b[(bShared ? 0 : p * k * n) + (transB ? j * k + q : q * n + j)]!;
            s += av * bv;
          }
          assert.equal(out[p * m * n + i * n + j], s, `trial ${trial} (${batch}×${m}×${k}×${n}, transA ${transA}, transB ${transB}) at ${p},${i},${j}`);
        }
      }
    }
  }
});

test("binary and copyStrided: broadcast, permuted and negative strides", () => {
  for (let trial = 0; trial < 60; trial++) {
    const rank = int(0, 4);
    const shape = Array.from({ length: rank }, () => int(1, 4));
    // operand a: broadcast on random dims; operand b: a permutation of a contiguous buffer, with some dims reversed
    const aStrides = contiguous(shape).map((s, d) => (g.random() < 0.3 || shape[d] === 1 ? 0 : s));
    const a = rnd(Math.max(1, shape.reduce((x, y) => x * y, 1)));
    const perm = [...shape.keys()].sort(() => g.random() - 0.5);
    const permShape = perm.map((d) => shape[d]!);
    const pStr = contiguous(permShape);
    const bStrides = shape.map((_, d) => pStr[perm.indexOf(d)]!);
    const flips = shape.map(() => g.random() < 0.3);
    let bOffset = 0;
    const bS = bStrides.map((s, d) => {
      if (!flips[d]) return s;
      bOffset += (shape[d]! - 1) * s;
      return -s;
    });
    const b = rnd(a.length);
    const total = shape.reduce((x, y) => x * y, 1);
    const y = new Float64Array(total);
    const bView = b.subarray(0); // copy b through its strides into a contiguous operand for the binary kernel
    const bc = new Float64Array(total);
    K.copyStrided(bView, bOffset, bS, shape, bc, 0, contiguous(shape), false);
    K.binary("sub", a, aStrides, bc, contiguous(shape), shape, y);
    for (const idx of indices(shape)) {
      const flat = dot(idx, contiguous(shape));
      const bv = b[bOffset + dot(idx, bS)]!;
      assert.equal(bc[flat], bv, `copy trial ${trial} at ${idx}`);
      assert.equal(y[flat], a[dot(idx, aStrides)]! - bv, `sub trial ${trial} at ${idx}`);
    }
    // accumulate: adding the same strided read twice doubles it
    const acc = new Float64Array(total);
    K.copyStrided(b, bOffset, bS, shape, acc, 0, contiguous(shape), true);
    K.copyStrided(b, bOffset, bS, shape, acc, 0, contiguous(shape), true);
    acc.forEach((v, i) => assert.ok(v === 2 * bc[i]!, `accumulate trial ${trial}`));
  }
});

test("copyStrided with long contiguous runs (block copies): a channel shuffle, a slice of channels, a cat's part", () => {
  // [n, g, c, h, w] read as [n, c, g, h, w] (ShuffleNet's shuffle); channels [2, 7) of [3, 9, 8, 9] into the middle
  // of a [3, 12, 8, 9] (a cat's part), with runs of 72 and 504 floats
  const cases: { shape: number[]; src: number[]; srcOffset: number; dst: number[]; dstOffset: number; size: number }[] = [
    { shape: [2, 5, 3, 8, 9], src: [3 * 5 * 72, 72, 5 * 72, 9, 1], srcOffset: 0, dst: [3 * 5 * 72, 3 * 72, 72, 9, 1], dstOffset: 0, size: 2 * 3 * 5 * 72 },
    { shape: [3, 5, 8, 9], src: [9 * 72, 72, 9, 1], srcOffset: 2 * 72, dst: [12 * 72, 72, 9, 1], dstOffset: 4 * 72, size: 3 * 12 * 72 },
  ];
  for (const c of cases) {
    const src = rnd(c.size), dst = rnd(c.size), before = Float64Array.from(dst);
    K.copyStrided(src, c.srcOffset, c.src, c.shape, dst, c.dstOffset, c.dst, false);
    const written = new Set<number>();
    for (const idx of indices(c.shape)) {
      const to = c.dstOffset + dot(idx, c.dst);
      written.add(to);
      assert.equal(dst[to], src[c.srcOffset + dot(idx, c.src)], `copy to ${to} of [${c.shape}]`);
    }
    dst.forEach((v, i) => { if (!written.has(i)) assert.equal(v, before[i], `element ${i} outside the copy is unchanged`); });
  }
});

test("reduce and argReduce over [outer, size, inner], with NaN and ties", () => {
  for (let trial = 0; trial < 60; trial++) {
    const outer = int(1, 4), size = int(1, 6), inner = int(1, 5);
    const x = rnd(outer * size * inner).map((v) => Math.round(v)); // small integers: ties
    if (trial % 6 === 0) x[int(0, x.length - 1)] = NaN;
    for (const op of ["sum", "max", "min", "prod"] as const) {
      const y = new Float64Array(outer * inner);
      K.reduce(op, x, outer, size, inner, y);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const col = Array.from({ length: size }, (_, s) => x[(o * size + s) * inner + i]!);
          const want = op === "sum" ? col.reduce((p, q) => p + q, 0) : op === "prod" ? col.reduce((p, q) => p * q, 1)
            : col.some(Number.isNaN) ? NaN : op === "max" ? Math.max(...col) : Math.min(...col);
          assert.ok(Object.is(y[o * inner + i], want) || y[o * inner + i] === want, `${op} trial ${trial}: ${y[o * inner + i]} vs ${want}`);
        }
      }
    }
    for (const op of ["argmax", "argmin"] as const) {
      const y = new Float64Array(outer * inner);
      K.argReduce(op, x, outer, size, inner, y);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const col = Array.from({ length: size }, (_, s) => x[(o * size + s) * inner + i]!);
          const nan = col.findIndex(Number.isNaN);
          const best = op === "argmax" ? Math.max(...col) : Math.min(...col);
          const want = nan >= 0 ? nan : col.indexOf(best); // the first NaN, else the first extremum
          assert.equal(y[o * inner + i], want, `${op} trial ${trial}`);
        }
      }
    }
  }
});

test("unary: branch-free relu/leakyRelu/masks keep NaN, signed zeros and exact values", () => {
  const x = Float64Array.from([-2, -0.5, -0, 0, 0.25, 3, NaN, -Infinity, Infinity]);
  const run = (op: Parameters<typeof K.unary>[0], alpha = 0): number[] => {
    const y = new Float64Array(x.length);
    K.unary(op, x, y, alpha);
    return [...y];
  };
  assert.deepEqual(run("relu"), [0, 0, 0, 0, 0.25, 3, NaN, 0, Infinity]);
  assert.deepEqual(run("leakyRelu", 0.1), [-0.2, -0.05, 0, 0, 0.25, 3, NaN, -Infinity, Infinity]);
  assert.deepEqual(run("reluMask"), [0, 0, 0, 0, 1, 1, 0, 0, 1]);
  assert.deepEqual(run("leakyReluGrad", 0.1), [0.1, 0.1, 0.1, 0.1, 1, 1, 0.1, 0.1, 1]);
  assert.deepEqual(run("sign"), [-1, -1, 0, 0, 1, 1, NaN, -1, 1]);
  assert.deepEqual(run("round").slice(0, 6), [-2, -0, -0, 0, 0, 3]);
  const halves = Float64Array.from([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]), r = new Float64Array(6);
  K.unary("round", halves, r, 0);
  assert.deepEqual([...r], [0, 2, 2, -0, -2, -2]);
});
