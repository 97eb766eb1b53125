// Creating and reading tensors: nested/typed arrays, *Like, seeded random numbers (reproducible, rightly distributed),
// toArray/item, dtype conversion, shape helpers, isclose/allclose, and the printing suffixes PyTorch has its own names for.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Tensor, tensor, zeros, ones, full, zerosLike, onesLike, fullLike, rand, randn, randint, randperm, arange, manualSeed,
  Generator, noGrad,
} from "../../src/index.js";

test("tensor() infers shapes from nested arrays and numbers", () => {
  const t = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
  assert.deepEqual(t.shape, [2, 1, 3]);
  assert.deepEqual(t.strides, [3, 3, 1]);
  assert.equal(t.dtype, "float32");
  assert.deepEqual([...t.data], [1, 2, 3, 4, 5, 6]);
  const s = tensor(2.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 2.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  assert.deepEqual(tensor([1, 2, 3, 4], [2, 2]).toArray(), [[1, 2], [3, 4]]);
});

test("tensor() takes typed arrays: same-dtype floats without a copy, others converted", () => {
  const f = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensor(f, [2, 3]);
  assert.equal(t.data, f);
  const d = tensor(new Float64Array([1, 2]));
  assert.equal(d.dtype, "float64");
  const c = tensor(f, [6], { dtype: "float64" });
  assert.equal(c.dtype, "float64");
  assert.notEqual(c.data, f as unknown);
  const u = tensor(new Uint8Array([0, 128, 255]), [3, 1]);
  assert.equal(u.dtype, "float32");
  assert.deepEqual(u.toArray(), [[0], [128], [255]]);
  assert.deepEqual(tensor(new Int32Array([-3, 7])).toArray(), [-3, 7]);
});

test("zeros, ones, full and the *Like family keep dtype and options", () => {
  assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], -1.5, { dtype: "float64" }).toArray(), [-1.5, -1.5]);
  const base = zeros([2, 3], { dtype: "float64" });
  assert.equal(zerosLike(base).dtype, "float64");
  assert.deepEqual(onesLike(base).shape, [2, 3]);
  assert.equal(fullLike(base, 3, { dtype: "float32" }).dtype, "float32");
  assert.equal(onesLike(base, { requiresGrad: true }).requiresGrad, true);
  assert.deepEqual(zeros([0, 4]).shape, [0, 4]);
  assert.equal(zeros([]).size, 1);
});

test("toArray, item, numel, dim, sizeAt", () => {
  const t = arange(24).reshape([2, 3, 4]);
  const arr = t.toArray() as number[][][];
  assert.equal(arr[1]![2]![3], 23);
  assert.equal(arr.length, 2);
  assert.equal(t.numel(), 24);
  assert.equal(t.size, 24);
  assert.equal(t.dim(), 3);
  assert.equal(t.ndim, 3);
  assert.equal(t.sizeAt(-1), 4);
  assert.equal(t.sizeAt(1), 3);
  assert.equal(t.select(0, 1).select(0, 2).select(0, 3).item(), 23);
  assert.equal(tensor([7]).item(), 7);
  assert.equal(tensor(3).toArray(), 3);
});

test("to() converts dtypes both ways and returns the same tensor for the same dtype", () => {
  const t = tensor([0.1, 1 / 3]);
  const d = t.to("float64");
  assert.equal(d.dtype, "float64");
  assert.equal(d.data[0], Math.fround(0.1)); // the float32 value, widened
  const back = tensor([0.1], undefined, { dtype: "float64" }).to("float32");
  assert.equal(back.data[0], Math.fround(0.1));
  assert.equal(t.to("float32"), t);
});

test("manualSeed makes the default generator reproducible", () => {
  manualSeed(42);
  const a = [randn([5]).toArray(), rand([3]).toArray(), randint(0, 10, [4]).toArray(), randperm(6).toArray()];
  manualSeed(42);
  const b = [randn([5]).toArray(), rand([3]).toArray(), randint(0, 10, [4]).toArray(), randperm(6).toArray()];
  assert.deepEqual(a, b);
  manualSeed(43);
  assert.notDeepEqual(randn([5]).toArray(), a[0]);
});

test("a Generator is independent of the default one and can save/restore its state", () => {
  const g1 = new Generator(7), g2 = new Generator(7);
  manualSeed(1);
  const x = randn([4], { generator: g1 });
  randn([10]); // advancing the default generator does not touch g2
  assert.deepEqual(randn([4], { generator: g2 }).toArray(), x.toArray());
  const state = g1.getState();
  const next = rand([3], { generator: g1 }).toArray();
  g1.setState(state);
  assert.deepEqual(rand([3], { generator: g1 }).toArray(), next);
  assert.notDeepEqual(randn([4], { generator: new Generator(8) }).toArray(), x.toArray());
  // a pending Box–Muller value is part of the state: odd-sized randn draws resume exactly (through JSON too)
  randn([3], { generator: g1 });
  const saved = JSON.parse(JSON.stringify(g1.getState())) as number[];
  const after = randn([5], { generator: g1 }).toArray();
  g1.setState(saved);
  assert.deepEqual(randn([5], { generator: g1 }).toArray(), after);
});

/** Sample mean and variance, in double. */
function moments(t: Tensor): [number, number] {
  let m = 0;
  for (const v of t.data) m += v;
  m /= t.size;
  let v2 = 0;
  for (const v of t.data) v2 += (v - m) ** 2;
  return [m, v2 / (t.size - 1)];
}

test("rand is uniform on [0, 1)", () => {
  const u = rand([200000], { generator: new Generator(3) });
  assert.ok(u.data.every((v) => v >= 0 && v < 1));
  const [m, v] = moments(u);
  // standard errors: mean 0.00065, variance 0.00019 → allow 5σ
  assert.ok(Math.abs(m - 0.5) < 0.0033, `mean ${m}`);
  assert.ok(Math.abs(v - 1 / 12) < 0.001, `variance ${v}`);
  const bins = new Array<number>(10).fill(0);
  for (const x of u.data) bins[Math.floor(x * 10)]!++;
  const chi2 = bins.reduce((s, c) => s + (c - 20000) ** 2 / 20000, 0);
  assert.ok(chi2 < 33.7, `chi² ${chi2} (9 dof, p = 0.0001)`);
});

test("randn is standard normal", () => {
  const z = randn([200000], { generator: new Generator(4), dtype: "float64" });
  const [m, v] = moments(z);
  assert.ok(Math.abs(m) < 0.012, `mean ${m}`);
  assert.ok(Math.abs(v - 1) < 0.016, `variance ${v}`);
  // fraction within one standard deviation: 0.6827
  const inside = z.data.filter((x) => Math.abs(x) < 1).length / z.size;
  assert.ok(Math.abs(inside - 0.6827) < 0.006, `P(|z|<1) = ${inside}`);
  let k = 0;
  for (const x of z.data) k += x ** 4;
  assert.ok(Math.abs(k / z.size - 3) < 0.1, `kurtosis ${k / z.size}`);
});

test("randint covers [low, high) evenly; randperm is a permutation", () => {
  const r = randint(-2, 3, [50000], { generator: new Generator(5) });
  const counts = new Map<number, number>();
  for (const v of r.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  for (const c of counts.values()) assert.ok(Math.abs(c - 10000) < 500, `count ${c}`);
  const p = randperm(100, { generator: new Generator(6) });
  assert.deepEqual([...p.data].sort((a, b) => a - b), [...Array(100).keys()]);
  assert.notDeepEqual([...p.data], [...Array(100).keys()]);
  assert.deepEqual(randperm(0).shape, [0]);
});

test("isclose and allclose follow torch's rule |a − b| ≤ atol + rtol·|b|", () => {
  const a = tensor([1, 1, 100, Infinity, -Infinity, NaN, 0]);
  const b = tensor([1 + 1e-6, 1.001, 100.0009, Infinity, Infinity, NaN, 1e-9]);
  assert.deepEqual(a.isclose(b).toArray(), [1, 0, 1, 1, 0, 0, 1]);
  assert.deepEqual(a.isclose(b, { equalNan: true }).toArray(), [1, 0, 1, 1, 0, 1, 1]);
  assert.deepEqual(a.isclose(b, { rtol: 0, atol: 0 }).toArray(), [0, 0, 0, 1, 0, 0, 0]);
  assert.equal(tensor([1, 2]).allclose(tensor([1, 2 + 1e-6])), true);
  assert.equal(tensor([1, 2]).allclose(tensor([[1, 2], [1, 2.1]])), false);
  assert.equal(tensor([[1, 2]]).allclose(2, { atol: 1 }), true);
});

test("printing: dtype and autograd suffixes, wrapped suffixes", () => {
  assert.equal(tensor([1, 2], undefined, { dtype: "float64" }).toString(), "tensor([1., 2.], dtype=float64)");
  assert.equal(tensor([0.5], undefined, { requiresGrad: true }).toString(), "tensor([0.5000], requiresGrad=true)");
  const y = tensor([1, 2], undefined, { requiresGrad: true }).mul(2);
  assert.equal(y.toString(), "tensor([2., 4.], gradFn=<mul>)");
  assert.equal(noGrad(() => y.add(1)).toString(), "tensor([3., 5.])");
  assert.equal(zeros([0], { dtype: "float64" }).toString(), "tensor([], dtype=float64)");
  // a full first line pushes the suffix to its own line, as PyTorch does
  const wide = arange(10).add(0.5).mul(1000).to("float64");
  assert.equal(wide.toString(), "tensor([ 500., 1500., 2500., 3500., 4500., 5500., 6500., 7500., 8500., 9500.],\n       dtype=float64)");
});

test("reading values: tolist and values copy out, the async forms resolve to the same values", async () => {
  const t = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(t.tolist(), [[1, 2], [3, 4]]);
  const v = t.values();
  v[0] = 99; // a copy: the tensor keeps its values
  assert.equal(t.data[0], 1);
  assert.deepEqual(await t.tolistAsync(), [[1, 2], [3, 4]]);
  assert.deepEqual([...(await t.valuesAsync())], [1, 2, 3, 4]);
  assert.equal(await tensor([5]).itemAsync(), 5);
  await assert.rejects(t.itemAsync(), /item: tensor of shape \[2,2\] has 4 elements/);
});
