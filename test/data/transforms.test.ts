// Transforms against hand-computed results (torchvision's conventions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, tensor, ShapeError, type Tensor } from "../../src/index.js";
import { centerCrop, compose, crop, normalize, pad, randomAffine, randomCrop, randomHorizontalFlip, repeatChannels, resize, toTensor, toGrayscale } from "../../src/data/transforms.js";

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

/** randomAffine's specification: every output pixel by itself, bilinear, neighbours outside the image reading `fill`
 *  (the transform finds the span of a row whose neighbours all lie inside and runs it without a test per pixel). */
function affineReference(x: Tensor, rng: Generator, o: { degrees: number; translate: [number, number]; scale: [number, number]; fill: number }): number[] {
  const [c, h, w] = x.shape as [number, number, number];
  const theta = ((rng.random() * 2 - 1) * o.degrees * Math.PI) / 180;
  const dx = Math.round((rng.random() * 2 - 1) * o.translate[0] * w), dy = Math.round((rng.random() * 2 - 1) * o.translate[1] * h);
  const s = o.scale[0] + rng.random() * (o.scale[1] - o.scale[0]);
  const cos = Math.cos(theta), sin = Math.sin(theta), inv = 1 / s, ax = cos * inv, ay = -sin * inv;
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  const at = (ch: number, yy: number, xx: number): number => (yy >= 0 && yy < h && xx >= 0 && xx < w ? x.data[(ch * h + yy) * w + xx]! : o.fill);
  const out = new Float32Array(c * h * w);
  for (let oy = 0; oy < h; oy++) {
    const uy = (oy - cy - dy) * inv;
    const bx = sin * uy + cx - ax * (cx + dx), by = cos * uy + cy - ay * (cx + dx);
    for (let ox = 0; ox < w; ox++) {
      const sx = bx + ax * ox, sy = by + ay * ox, x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      for (let ch = 0; ch < c; ch++) {
        const k = (ch * h + oy) * w + ox;
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) out[k] = o.fill;
        else if (x0 >= 0 && y0 >= 0 && x0 < w - 1 && y0 < h - 1) {
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          out[k] = at(ch, y0, x0) * w00 + at(ch, y0, x0 + 1) * w01 + at(ch, y0 + 1, x0) * w10 + at(ch, y0 + 1, x0 + 1) * w11;
        } else {
          out[k] = at(ch, y0, x0) * (1 - fx) * (1 - fy) + at(ch, y0, x0 + 1) * fx * (1 - fy) + at(ch, y0 + 1, x0) * (1 - fx) * fy + at(ch, y0 + 1, x0 + 1) * fx * fy;
        }
      }
    }
  }
  return [...out];
}

test("randomAffine equals its pixel-by-pixel specification bit for bit: any size, rotation, shift, zoom and fill, −0 and NaN", () => {
  const g = new Generator(4);
  for (let trial = 0; trial < 200; trial++) {
    const c = 1 + g.int(3), h = 2 + g.int(20), w = 2 + g.int(20);
    // an image that is +0 outside a random box (a digit's margins), with zeros, −0 and NaN inside it now and then
    const top = g.int(h), left = g.int(w), bottom = top + g.int(h - top), right = left + g.int(w - left);
    const data = Float32Array.from({ length: c * h * w }, (_, k) => {
      const xx = k % w, yy = Math.floor(k / w) % h;
      if (trial % 5 === 0) return 0; // nothing but +0
      if (yy < top || yy > bottom || xx < left || xx > right) return trial % 7 === 1 ? -0 : 0;
      const r = g.random();
      return r < 0.3 ? 0 : r < 0.32 && trial % 3 === 0 ? NaN : r < 0.34 ? -0 : r;
    });
    const x = tensor(data, [c, h, w]);
    const o = { degrees: g.random() * 40, translate: [g.random() * 0.4, g.random() * 0.4] as [number, number], scale: [0.6 + g.random() * 0.4, 1 + g.random() * 0.5] as [number, number], fill: [0, -0, 0.5, -1][trial % 4]! };
    const got = [...randomAffine(o)(x, new Generator(trial)).data], want = affineReference(x, new Generator(trial), o);
    got.forEach((v, k) => assert.ok(Object.is(v, want[k]), `trial ${trial} (${c}×${h}×${w}, fill ${Object.is(o.fill, -0) ? "-0" : o.fill}), value ${k}: ${v} against ${want[k]}`));
  }
});

test("padded random crops and centre crops of small images equal padding, then cropping where the generator says", () => {
  const g = new Generator(9);
  for (let trial = 0; trial < 100; trial++) {
    const c = 1 + g.int(2), h = 1 + g.int(8), w = 1 + g.int(8);
    const x = tensor(Float32Array.from({ length: c * h * w }, () => g.random()), [c, h, w]);
    const padding = [g.int(3), g.int(3), g.int(3), g.int(3)] as const, fill = g.random();
    const [ph, pw] = [h + padding[1] + padding[3], w + padding[0] + padding[2]];
    const th = 1 + g.int(ph), tw = 1 + g.int(pw);
    const rng = new Generator(trial), t = rng.int(ph - th + 1), l = rng.int(pw - tw + 1);
    const want = crop(pad(padding, fill)(x), t, l, th, tw);
    assert.deepEqual([...randomCrop([th, tw], { padding, fill })(x, new Generator(trial)).data], [...want.data], `randomCrop, trial ${trial}`);
    // a centre crop larger than the image pads with zeros (floor before, ceil after), then takes the centre
    const ch = h + g.int(4), cw = Math.max(1, w - 2 + g.int(5));
    const pt = Math.floor(Math.max(0, ch - h) / 2), pl = Math.floor(Math.max(0, cw - w) / 2);
    const padded = pad([pl, pt, Math.max(0, cw - w) - pl, Math.max(0, ch - h) - pt])(x);
    const [H, W] = [padded.shape[1]!, padded.shape[2]!];
    const half = (v: number): number => (Math.abs(v % 1) === 0.5 && Math.round(v) % 2 !== 0 ? Math.round(v) - 1 : Math.round(v));
    assert.deepEqual([...centerCrop([ch, cw])(x).data], [...crop(padded, half((H - ch) / 2), half((W - cw) / 2), ch, cw).data], `centerCrop, trial ${trial}`);
  }
});
