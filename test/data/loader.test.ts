// DataLoader: batching, drop-last, seeded shuffling that is a permutation, reproducible augmentation, async prefetch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ImageArrayDataset, Subset, withTransform } from "../../src/data/dataset.js";
import { DataLoader, gatherBatch } from "../../src/data/loader.js";
import { compose, normalize, pad, randomAffine, randomCrop, resize } from "../../src/data/transforms.js";
import { Generator, nn, ShapeError, ValueError } from "../../src/index.js";
import { getBackend } from "../../src/backends/registry.js";
import { measureWasm, wasmStats } from "../../src/backends/wasm/index.js";
import { sameMemory } from "../../src/tensor/memory.js";

// 10 images 1×2×2; image i has every pixel = i (bytes, so /255 on access) and label i % 3
const n = 10;
const pixels = new Uint8Array(n * 4).map((_, k) => Math.floor(k / 4));
const ds = new ImageArrayDataset(pixels, [1, 2, 2], Uint8Array.from({ length: n }, (_, i) => i % 3));

test("batches in order, with and without dropLast", () => {
  const all = [...new DataLoader(ds, { batchSize: 4 })];
  assert.deepEqual(all.map((b) => b.images.shape), [[4, 1, 2, 2], [4, 1, 2, 2], [2, 1, 2, 2]]);
  assert.deepEqual([...all[1]!.labels.data], [1, 2, 0, 1]);
  assert.ok(Math.abs(all[2]!.images.data[4]! - 9 / 255) < 1e-7);
  const dl = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dl.length, 2);
  assert.equal([...dl].length, 2);
});

test("shuffling: a permutation per epoch, the same for the same seed, different across epochs and seeds", () => {
  const dl = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
  const e0 = dl.order(0), e1 = dl.order(1);
  assert.deepEqual([...e0].sort((a, b) => a - b), [...Array(n).keys()]);
  assert.deepEqual(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 }).order(0), e0);
  assert.notDeepEqual(e0, e1);
  assert.notDeepEqual(new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 8 }).order(0), e0);
  // the iterator walks epochs 0, 1, …; labels follow the shuffled indices
  const first = [...dl].flatMap((b) => b.indices);
  assert.deepEqual(first, e0);
  assert.deepEqual([...dl].flatMap((b) => b.indices), e1);
});

test("augmentation is a function of (seed, epoch, batch): resuming at batch k repeats the same batches", async () => {
  const big = new ImageArrayDataset(new Uint8Array(6 * 16).map((_, k) => k % 251), [1, 4, 4], new Uint8Array(6));
  const aug = withTransform(big, randomCrop(4, { padding: 2 }));
  const dl = new DataLoader(aug, { batchSize: 2, shuffle: true, seed: 3 });
  const full = [...dl.epochBatches(4)];
  const resumed = [...dl.epochBatches(4, 1)];
  assert.deepEqual(resumed.map((b) => [...b.images.data]), full.slice(1).map((b) => [...b.images.data]));
  const asyncBatches = [];
  for await (const b of dl.epochBatchesAsync(4)) asyncBatches.push(b);
  assert.deepEqual(asyncBatches.map((b) => [...b.images.data]), full.map((b) => [...b.images.data]));
});

test("Subset, bad options and mixed sizes", () => {
  const sub = new Subset(ds, [9, 0]);
  assert.deepEqual([...new DataLoader(sub, { batchSize: 2 })][0]!.indices, [0, 1]);
  assert.equal(sub.get(0).label, 0);
  assert.throws(() => new Subset(ds, [10]), ValueError);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), ValueError);
  assert.throws(() => ds.get(-1), /out of range/);
  const mixed = { length: 2, get: (i: number) => (i === 0 ? ds.get(0) : { image: ds.get(1).image.reshape([1, 1, 4]), label: 0 }) };
  assert.throws(() => [...new DataLoader(mixed, { batchSize: 2 })], ShapeError);
});

test("in-memory images are gathered and transformed a batch at a time, equal to going sample by sample", async () => {
  const big = new ImageArrayDataset(new Uint8Array(20 * 36).map((_, k) => (k * 37) % 256), [1, 6, 6], Uint8Array.from({ length: 20 }, (_, i) => i % 4));
  const t = compose(pad(1), randomAffine({ degrees: 15, translate: [0.1, 0.1] }), randomCrop(6), normalize([0.5], [0.25]));
  const plain: typeof t = (x, rng) => t(x, rng); // no batch form: the per-sample path
  const subset = new Subset(big, [19, 3, 7, 0, 11, 12, 5, 8, 2, 14, 9]);
  const fast = new DataLoader(withTransform(subset, t), { batchSize: 4, shuffle: true, seed: 5 });
  const slow = new DataLoader(withTransform(subset, plain), { batchSize: 4, shuffle: true, seed: 5 });
  assert.ok(gatherBatch(fast.dataset, [0, 1], [new Generator(0), new Generator(1)]), "the fast path is taken");
  assert.equal(gatherBatch(slow.dataset, [0, 1], [new Generator(0), new Generator(1)]), null);
  for (const epoch of [0, 3]) {
    const a = [...fast.epochBatches(epoch)], b = [...slow.epochBatches(epoch)];
    assert.equal(a.length, 3);
    a.forEach((x, i) => {
      assert.deepEqual([...x.images.data], [...b[i]!.images.data], `epoch ${epoch} batch ${i}`);
      assert.deepEqual([...x.labels.data], [...b[i]!.labels.data]);
      assert.deepEqual(x.indices, b[i]!.indices);
    });
  }
});

test("a batch of bytes holds what get() gives for each of the 256 byte values", () => {
  const all = new ImageArrayDataset(Uint8Array.from({ length: 256 }, (_, b) => b), [1, 4, 4], new Uint8Array(16));
  const batch = gatherBatch(all, [...Array(16).keys()], [])!;
  assert.deepEqual([...batch.images.data], [...Array(16).keys()].flatMap((i) => [...all.get(i).image.data]));
});

test("transient batches (fit's) hold the same images, in buffers reused prefetch + 2 batches later; a kept batch is not", async () => {
  const big = new ImageArrayDataset(new Uint8Array(40 * 16).map((_, k) => (k * 53) % 256), [1, 4, 4], new Uint8Array(40));
  const dl = new DataLoader(withTransform(big, compose(pad(1), randomAffine({ degrees: 20 }), normalize([0.5], [0.5]))), { batchSize: 4, shuffle: true, seed: 2 });
  const kept = [...dl.epochBatches(1)];
  const seen: number[][] = [], arrays: ArrayBufferView[] = [];
  for await (const b of dl.epochBatchesAsync(1, 0, { transient: true })) {
    seen.push([...b.images.data]);
    arrays.push(b.images.data);
  }
  assert.deepEqual(seen, kept.map((b) => [...b.images.data]));
  // arrays are told apart by where they start, not by their ArrayBuffer: on the wasm backend every batch is a view
  // of the one memory
  const distinct = (xs: ArrayBufferView[]): number => xs.filter((x, i) => xs.findIndex((y) => sameMemory(x, y)) === i).length;
  assert.ok(sameMemory(arrays[0]!, arrays[4]!), "a ring of prefetch + 2 = 4 buffers");
  assert.equal(distinct(arrays.slice(0, 4)), 4);
  assert.equal(distinct(kept.map((b) => b.images.data)), kept.length, "plain batches own their arrays");
  // the plain ones were not touched by the transient pass
  assert.deepEqual(kept.map((b) => [...b.images.data]), seen);
});

test("fit's batches are made in the backend's memory: on the wasm backend a convolution reads them in place", async (t) => {
  if (getBackend().name !== "wasm") return t.skip("the reference backend keeps plain arrays");
  const big = new ImageArrayDataset(new Uint8Array(12 * 36).map((_, k) => (k * 29) % 256), [1, 6, 6], new Uint8Array(12));
  const conv = new nn.Conv2d(1, 2, 3); // its parameters live in the wasm memory
  const loaders = {
    raw: new DataLoader(big, { batchSize: 4 }), // gathered straight into the batch
    transformed: new DataLoader(withTransform(big, compose(pad(1), randomAffine({ degrees: 10 }), normalize([0.5], [0.25]))), { batchSize: 4 }),
    passedThrough: new DataLoader(withTransform(big, compose(normalize([0.5], [0.25]), resize([6, 6]))), { batchSize: 4 }),
    collated: new DataLoader({ length: big.length, get: (i: number) => big.get(i) }, { batchSize: 4 }), // sample by sample
  };
  for (const [name, dl] of Object.entries(loaders)) {
    // transient batches (fit's, in the loader's reused buffers), made at once and read ahead
    const batches = [...dl.epochBatches(1, 0, { transient: true })];
    for await (const b of dl.epochBatchesAsync(2, 0, { transient: true })) batches.push(b);
    for (const [i, b] of batches.entries()) {
      measureWasm(false);
      conv.call(b.images);
      assert.equal(wasmStats().copiesIn, 0, `${name} batch ${i}: its images were copied into the wasm memory`);
    }
  }
});
