// Transforms against hand-computed results (torchvision's conventions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, ShapeError } from "../../src/index.js";
import { centerCrop, compose, normalize, pad, randomAffine, randomCrop, randomHorizontalFlip, repeatChannels, resize, toTensor, toGrayscale } from "../../src/data/transforms.js";

const img = (rows: number[][], c = 1) => tensor(Array.from({ length: c }, () => rows));

test("toTensor: HWC bytes to CHW floats in [0,1]; grayscale by ITU-R 601-2", () => {
  const t = toTensor({ width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 51, 0, 255, 102]) });
  assert.deepEqual(t.shape, [3, 1, 2]);
  assert.deepEqual([...t.data].map((v) => Math.round(v * 255)), [255, 0, 0, 255, 51, 102]);
  const g = toGrayscale({ width: 1, height: 1, channels: 4, data: Uint8Array.from([100, 200, 50, 255]) });
  assert.equal(g.data[0], Math.round((100 * 299 + 200 * 587 + 50 * 114) / 1000));
});

test("normalize, pad and centerCrop", () => {
  const x = img([[1, 2], [3, 4]], 2);
  assert.deepEqual(normalize([1, 2], [2, 4])(x).toArray(), [[[0, 0.5], [1, 1.5]], [[-0.25, 0], [0.25, 0.5]]]);
  assert.deepEqual(pad([1, 0, 0, 1], 9)(img([[1, 2]])).toArray(), [[[9, 1, 2], [9, 9, 9]]]);
  // 5×5 → 2×2: top = round((5-2)/2) = round(1.5) = 2 (Python rounds half to even)
  const five = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 5, 5]);
  assert.deepEqual(centerCrop(2)(five).toArray(), [[[12, 13], [17, 18]]]);
  // 1×1 → 3×3 pads with zeros around
  assert.deepEqual(centerCrop(3)(img([[7]])).toArray(), [[[0, 0, 0], [0, 7, 0], [0, 0, 0]]]);
});

test("resize: bilinear, align_corners=False (PyTorch's interpolate)", () => {
  // 1×2 → 1×4: source x = (i+0.5)/2 - 0.5 → [-0.25→0, 0.25, 0.75, 1.25→clamped neighbour]: [1, 1.25, 1.75, 2]
  assert.deepEqual(resize([1, 4])(img([[1, 2]])).toArray(), [[[1, 1.25, 1.75, 2]]]);
  // 4 → 2: source x = 2i + 0.5: averages of neighbours
  assert.deepEqual(resize([1, 2])(img([[0, 2, 4, 6]])).toArray(), [[[1, 5]]]);
  // a number sets the shorter side: 2×4 → 1×2
  assert.deepEqual(resize(1)(img([[0, 2, 4, 6], [0, 2, 4, 6]])).shape, [1, 1, 2]);
});

test("randomCrop and randomHorizontalFlip are seeded and stay within the padded image", () => {
  const x = tensor(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4]);
  const t = randomCrop(4, { padding: 2 });
  const a = t(x, new Generator(5)), b = t(x, new Generator(5));
  assert.deepEqual(a.toArray(), b.toArray());
  const seen = new Set<string>();
  for (let s = 0; s < 200; s++) {
    const c = t(x, new Generator(s));
    // the crop is a shifted copy of x: every non-zero value v sits at its own column offset
    const nz = [...c.data].filter((v) => v !== 0);
    assert.ok(nz.every((v) => v >= 1 && v <= 16));
    seen.add([...c.data].join(","));
  }
  assert.equal(seen.size, 25); // 5 × 5 possible offsets, all reached
  const flips = Array.from({ length: 400 }, (_, s) => randomHorizontalFlip(0.5)(img([[1, 2]]), new Generator(s)).data[0] === 2).filter(Boolean).length;
  assert.ok(flips > 150 && flips < 250, `flipped ${flips}/400`);
  assert.deepEqual(randomHorizontalFlip(1)(img([[1, 2, 3]])).toArray(), [[[3, 2, 1]]]);
  assert.deepEqual(compose(pad(1), centerCrop(1))(img([[5]])).toArray(), [[[5]]]);
  assert.throws(() => randomCrop(9)(x, new Generator(1)), ShapeError);
});

test("randomAffine: identity without parameters, integer shifts with translate only, rotation keeps the centre", () => {
  const x = tensor(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4]);
  assert.deepEqual(randomAffine({})(x, new Generator(3)).toArray(), x.toArray());
  const shifted = (dx: number, dy: number): number[] =>
    Array.from({ length: 16 }, (_, k) => {
      const sx = (k % 4) - dx, sy = Math.floor(k / 4) - dy;
      return sx < 0 || sy < 0 || sx > 3 || sy > 3 ? 0 : x.data[sy * 4 + sx]!;
    });
  const all = [-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => shifted(dx, dy).join(",")));
  for (let s = 0; s < 30; s++) {
    const y = randomAffine({ translate: [0.25, 0.25] })(x, new Generator(s));
    assert.ok(all.includes([...y.data].join(",")), `seed ${s}: not an integer shift`);
  }
  // a 3×3 image rotates about its centre pixel, which therefore stays put
  const odd = tensor([[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]);
  for (let s = 0; s < 10; s++) assert.ok(Math.abs(randomAffine({ degrees: 30 })(odd, new Generator(s)).data[4]! - 9) < 1e-5);
  assert.throws(() => randomAffine({ scale: [0, 1] }), /randomAffine/);
});

test("every built-in transform's batch form equals its per-image form, sample by sample with each sample's generator", () => {
  const g = new Generator(11);
  const n = 5;
  const batch = tensor(Array.from({ length: n * 2 * 7 * 6 }, () => g.random()), [n, 2, 7, 6]);
  const image = (i: number) => tensor(batch.data.slice(i * 84, (i + 1) * 84), [2, 7, 6]);
  const cases = {
    normalize: normalize([0.5, 0.2], [0.3, 0.7]), pad: pad([1, 2, 0, 3], 0.5), randomCrop: randomCrop([5, 4], { padding: 1 }),
    flip: randomHorizontalFlip(), resizeUp: resize([9, 11]), resizeDown: resize(3), centerCropSmall: centerCrop([3, 2]), centerCropLarge: centerCrop(9),
    affine: randomAffine({ degrees: 25, translate: [0.2, 0.1], scale: [0.8, 1.2], fill: -1 }), repeat: compose(centerCrop(4), repeatChannels(2)),
    composed: compose(pad(2), randomAffine({ degrees: 10, translate: [0.1, 0.1] }), randomCrop(6), randomHorizontalFlip(0.7), normalize([0.1], [0.2])),
  };
  for (const [name, t] of Object.entries(cases)) {
    assert.ok(t.batch, `${name} has a batch form`);
    const rngs = Array.from({ length: n }, (_, i) => new Generator(100 + i));
    const together = t.batch(batch, rngs);
    for (let i = 0; i < n; i++) {
      const alone = t(image(i), new Generator(100 + i));
      const per = alone.size;
      assert.deepEqual([...together.data.subarray(i * per, (i + 1) * per)], [...alone.data], `${name}, sample ${i}`);
      assert.deepEqual(together.shape.slice(1), alone.shape, name);
    }
  }
  // a composition with a plain function in it has no batch form (the loader goes sample by sample)
  assert.equal(compose(pad(1), (x) => x).batch, undefined);
  assert.throws(() => repeatChannels(3)(tensor([[[1]], [[2]]])), /cannot make 3 channels from an image with 2/);
});

test("a composition's scratch buffers never reach its results", () => {
  const x = tensor(Array.from({ length: 2 * 9 }, (_, i) => i), [2, 1, 3, 3]);
  const y = tensor(Array.from({ length: 2 * 9 }, (_, i) => 100 + i), [2, 1, 3, 3]);
  const rngs = [new Generator(1), new Generator(2)];
  // the last stage passes its input (a scratch buffer) through: the result must be a copy
  for (const t of [compose(pad(1), repeatChannels(1)), compose(pad(1), normalize([0], [1]), resize([5, 5])), compose(normalize([1], [2]), pad(1))]) {
    const a = t.batch!(x, rngs), before = [...a.data];
    t.batch!(y, rngs);
    assert.deepEqual([...a.data], before);
  }
});
