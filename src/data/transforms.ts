// Image transforms on [C,H,W] float32 tensors, after torchvision.transforms: toTensor, normalize, pad, randomCrop,
// randomHorizontalFlip, resize (bilinear, align_corners=False, no antialias), centerCrop, randomAffine, compose.
// Each built-in transform is written once, over a batch [N,C,H,W] in one pass (`transform.batch`, what the DataLoader
// runs: no tensor per image); the per-image form runs it on a batch of one, so the two agree exactly. Random
// transforms draw from the Generator they are given (in a batch, sample i from rngs[i]), so a seeded DataLoader
// repeats the same augmentation.
import { Tensor } from "../tensor/tensor.js";
import { allocateFloat32, sameMemory } from "../tensor/memory.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { ShapeError, ValueError } from "../errors.js";

/** A batch form of a transform: images [N,C,H,W] → [N,C',H',W'], sample i drawing its random numbers from rngs[i].
 *  Given `into`, a scratch buffer the caller owns and at least as long as the result, the result is written there
 *  (its data is then a view of it): compose passes its stages one, since allocating a fresh batch-sized array costs
 *  more than most transforms' arithmetic. A transform may return its input unchanged. */
export type BatchTransform = (images: Tensor, rngs: readonly Generator[], into?: Float32Array) => Tensor;

/** A transform maps an image [C,H,W] to a new one; random ones use `rng`. The built-in ones (and a compose of only
 *  those) also have `batch`, the same transform over a whole batch at once. */
export type Transform = ((image: Tensor, rng?: Generator) => Tensor) & {
  /** The same transform over a batch [N,C,H,W] (built-in transforms have it). */
  readonly batch?: BatchTransform;
};

/** Decoded pixels, interleaved (HWC) unsigned bytes, as image decoders give them. */
export interface RawImage {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Bytes per pixel (1 grey, 3 RGB, 4 RGBA). */
  channels: number;
  /** width × height × channels bytes, row by row. */
  data: Uint8Array | Uint8ClampedArray;
}

function chw(op: string, x: Tensor): [number, number, number] {
  if (x.ndim !== 3) throw new ShapeError(`${op}: expects an image [C,H,W], got shape [${x.shape.join(",")}]`);
  return [x.shape[0]!, x.shape[1]!, x.shape[2]!];
}

function nchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4) throw new ShapeError(`${op}: expects a batch of images [N,C,H,W], got shape [${x.shape.join(",")}]`);
  return [x.shape[0]!, x.shape[1]!, x.shape[2]!, x.shape[3]!];
}

/** Where a batch transform writes `size` values: the caller's scratch buffer when it is long enough (a view of its
 *  start, or the buffer itself when it is exactly as long), else new tensor memory. */
function output(size: number, into?: Float32Array): Float32Array {
  if (into && into.length >= size) return into.length === size ? into : into.subarray(0, size);
  return allocateFloat32(size);
}

/** A Transform given by its batch form; the per-image form is the batch form on a batch of one (sharing the data). */
function batchedTransform(op: string, batch: BatchTransform): Transform {
  const one = (x: Tensor, rng: Generator = defaultGenerator): Tensor => {
    const [c, h, w] = chw(op, x);
    const y = batch(new Tensor(x.data, [1, c, h, w]), [rng]);
    return new Tensor(y.data, y.shape.slice(1));
  };
  return Object.assign(one, { batch });
}

function size2(op: string, size: number | readonly [number, number]): [number, number] {
  const [h, w] = typeof size === "number" ? [size, size] : size;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new ValueError(`${op}: size must be positive integers, got ${JSON.stringify(size)}`);
  return [h, w];
}

/** HWC bytes → [C,H,W] floats in [0,1] (torchvision ToTensor); `channels` keeps the first channels (e.g. 1 for gray, 3 drops alpha). */
export function toTensor(img: RawImage, channels = img.channels): Tensor {
  const { width: w, height: h, channels: c } = img;
  if (img.data.length !== w * h * c) throw new ShapeError(`toTensor: ${img.data.length} bytes do not hold a ${w}×${h} image with ${c} channels`);
  if (channels < 1 || channels > c) throw new ValueError(`toTensor: cannot take ${channels} channels from an image with ${c}`);
  const out = new Float32Array(channels * h * w);
  // out[ch, y, x] = data[(y*w + x)*c + ch] / 255
  for (let ch = 0; ch < channels; ch++) {
    for (let p = 0; p < h * w; p++) out[ch * h * w + p] = img.data[p * c + ch]! / 255;
  }
  return new Tensor(out, [channels, h, w]);
}

/** Luminance of an RGB(A) image (ITU-R 601-2, like PIL's convert('L')), or the image itself if it has 1 channel. */
export function toGrayscale(img: RawImage): RawImage {
  if (img.channels < 3) return { ...img, data: img.channels === 1 ? img.data : img.data.filter((_, i) => i % img.channels === 0), channels: 1 };
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const o = p * img.channels;
    out[p] = Math.round((img.data[o]! * 299 + img.data[o + 1]! * 587 + img.data[o + 2]! * 114) / 1000);
  }
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/** (x - mean[c]) / std[c] per channel; one value broadcasts to every channel. */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  if (std.some((s) => !(s > 0))) throw new ValueError(`normalize: std must be positive, got [${std.join(", ")}]`);
  return batchedTransform("normalize", (x, _rngs, into) => {
    const [n, c, h, w] = nchw("normalize", x);
    if ((mean.length !== 1 && mean.length !== c) || (std.length !== 1 && std.length !== c)) {
      throw new ShapeError(`normalize: ${mean.length} means and ${std.length} stds for an image with ${c} channels`);
    }
    const src = x.data, out = output(x.size, into);
    // one run per plane, or one over the whole batch when every channel has the same mean and std
    const run = mean.length === 1 && std.length === 1 ? x.size : h * w;
    for (let k = 0; k < x.size / run; k++) {
      const ch = k % c;
      const m = mean[mean.length === 1 ? 0 : ch]!, s = std[std.length === 1 ? 0 : ch]!;
      for (let i = k * run, end = i + run; i < end; i++) out[i] = (src[i]! - m) / s;
    }
    return new Tensor(out, x.shape);
  });
}

/** Padding as torchvision reads it: n (all sides), [leftRight, topBottom], or [left, top, right, bottom]. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number];

function padSides(padding: Padding): [number, number, number, number] {
  const p = typeof padding === "number" ? [padding, padding, padding, padding]
    : padding.length === 2 ? [padding[0], padding[1], padding[0], padding[1]] : [...padding];
  if (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0)) throw new ValueError(`pad: padding must be integers ≥ 0, got ${JSON.stringify(padding)}`);
  return p as [number, number, number, number];
}

/** The th×tw window at (top[i], left[i]) of each image i of a batch, where the window may reach past the image's
 *  edges (negative top/left too): positions outside read `fill`. Padding, cropping and padded random crops are all
 *  this one pass (no padded copy in between): the output is filled first when a window reaches outside (one native
 *  fill costs less than writing the margins value by value), then the rows inside are copied. */
function windowBatch(x: Tensor, top: ArrayLike<number>, left: ArrayLike<number>, th: number, tw: number, fill: number, into?: Float32Array): Tensor {
  const [n, c, h, w] = nchw("crop", x);
  const src = x.data, out = output(n * c * th * tw, into);
  let outside = false;
  for (let i = 0; i < n && !outside; i++) outside = top[i]! < 0 || left[i]! < 0 || top[i]! + th > h || left[i]! + tw > w;
  if (outside) out.fill(fill);
  for (let i = 0; i < n; i++) {
    const t = top[i]!, l = left[i]!;
    // the rows and columns of the window that lie inside the image: [y0, y1) × [x0, x1)
    const y0 = Math.min(Math.max(-t, 0), th), y1 = Math.max(Math.min(h - t, th), y0);
    const x0 = Math.min(Math.max(-l, 0), tw), x1 = Math.max(Math.min(w - l, tw), x0);
    for (let ch = 0; ch < c; ch++) {
      const k = i * c + ch;
      for (let y = y0; y < y1; y++) {
        // (indices counted from 0 in the loop: ~15 % faster in V8 than from x0)
        const from = (k * h + t + y) * w + l + x0, to = (k * th + y) * tw + x0;
        for (let j = 0; j < x1 - x0; j++) out[to + j] = src[from + j]!;
      }
    }
  }
  return new Tensor(out, [n, c, th, tw]);
}

/** Every image of a batch padded by [left, top, right, bottom] with `fill`. */
function padBatch(x: Tensor, [left, top, right, bottom]: readonly number[], fill: number, into?: Float32Array): Tensor {
  const [n, , h, w] = nchw("pad", x);
  return windowBatch(x, new Int32Array(n).fill(-top!), new Int32Array(n).fill(-left!), h + top! + bottom!, w + left! + right!, fill, into);
}

/** Constant padding of each side. */
export function pad(padding: Padding, fill = 0): Transform {
  const sides = padSides(padding);
  return batchedTransform("pad", (x, _rngs, into) => padBatch(x, sides, fill, into));
}

/** The th×tw window at (top[i], left[i]) of each image i of a batch, which must lie inside the image. */
function cropBatch(x: Tensor, top: ArrayLike<number>, left: ArrayLike<number>, th: number, tw: number, into?: Float32Array): Tensor {
  const [n, , h, w] = nchw("crop", x);
  for (let i = 0; i < n; i++) {
    const t = top[i]!, l = left[i]!;
    if (t < 0 || l < 0 || t + th > h || l + tw > w) throw new ShapeError(`crop: window ${th}×${tw} at (${t},${l}) does not fit an image ${h}×${w}`);
  }
  return windowBatch(x, top, left, th, tw, 0, into);
}

/** The window of height th and width tw starting at (top, left). */
export function crop(x: Tensor, top: number, left: number, th: number, tw: number): Tensor {
  const [c, h, w] = chw("crop", x);
  return new Tensor(cropBatch(new Tensor(x.data, [1, c, h, w]), [top], [left], th, tw).data, [c, th, tw]);
}

/** Pad (optionally), then crop a size×size window at a uniformly random position (torchvision RandomCrop). */
export function randomCrop(size: number | readonly [number, number], opts: { padding?: Padding; fill?: number } = {}): Transform {
  const [th, tw] = size2("randomCrop", size);
  const [pl, pt, pr, pb] = opts.padding !== undefined ? padSides(opts.padding) : [0, 0, 0, 0];
  return batchedTransform("randomCrop", (x, rngs, into) => {
    const [n, , ih, iw] = nchw("randomCrop", x);
    const h = ih + pt + pb, w = iw + pl + pr;
    if (h < th || w < tw) throw new ShapeError(`randomCrop: crop ${th}×${tw} is larger than the (padded) image ${h}×${w}`);
    // the window's position in the padded image, read from the unpadded one
    const top = new Int32Array(n), left = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      top[i] = rngs[i]!.int(h - th + 1) - pt;
      left[i] = rngs[i]!.int(w - tw + 1) - pl;
    }
    return windowBatch(x, top, left, th, tw, opts.fill ?? 0, into);
  });
}

/** Mirror left–right with probability p. */
export function randomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return batchedTransform("randomHorizontalFlip", (x, rngs, into) => {
    const [n, c, h, w] = nchw("randomHorizontalFlip", x);
    const src = x.data, out = output(x.size, into), per = c * h * w;
    for (let i = 0; i < n; i++) {
      if (!(rngs[i]!.random() < p)) {
        out.set(src.subarray(i * per, (i + 1) * per), i * per);
        continue;
      }
      for (let r = i * c * h; r < (i + 1) * c * h; r++) for (let j = 0; j < w; j++) out[r * w + j] = src[r * w + (w - 1 - j)]!;
    }
    return new Tensor(out, x.shape);
  });
}

/** For each output position of an axis of `out` from `size` inputs: the two source indices and the weight of the second. */
function bilinearTable(size: number, out: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const scale = size / out, i0 = new Int32Array(out), i1 = new Int32Array(out), f = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    // source coordinate of the output pixel centre, clamped at 0 like PyTorch's area_pixel_compute_source_index
    const s = Math.max((o + 0.5) * scale - 0.5, 0);
    i0[o] = Math.floor(s);
    i1[o] = Math.min(i0[o]! + 1, size - 1);
    f[o] = s - i0[o]!;
  }
  return { i0, i1, f };
}

/**
 * Bilinear resize (align_corners=False, no antialias, as torch.nn.functional.interpolate): a number resizes the
 * shorter side to it keeping the aspect ratio (the longer side truncated, as torchvision does); [h, w] is exact.
 */
export function resize(size: number | readonly [number, number]): Transform {
  return batchedTransform("resize", (x, _rngs, into) => {
    const [n, c, h, w] = nchw("resize", x);
    let oh: number, ow: number;
    if (typeof size === "number") {
      size2("resize", size);
      if (h <= w) [oh, ow] = [size, Math.trunc((size * w) / h)];
      else [oh, ow] = [Math.trunc((size * h) / w), size];
    } else [oh, ow] = size2("resize", size);
    if (oh === h && ow === w) return x;
    const ys = bilinearTable(h, oh), xs = bilinearTable(w, ow);
    const src = x.data, out = output(n * c * oh * ow, into);
    for (let k = 0; k < n * c; k++) {
      const b = k * h * w;
      for (let oy = 0; oy < oh; oy++) {
        const r0 = b + ys.i0[oy]! * w, r1 = b + ys.i1[oy]! * w, fy = ys.f[oy]!;
        for (let ox = 0; ox < ow; ox++) {
          const x0 = xs.i0[ox]!, x1 = xs.i1[ox]!, fx = xs.f[ox]!;
          const top = src[r0 + x0]! * (1 - fx) + src[r0 + x1]! * fx;
          const bot = src[r1 + x0]! * (1 - fx) + src[r1 + x1]! * fx;
          out[(k * oh + oy) * ow + ox] = top * (1 - fy) + bot * fy;
        }
      }
    }
    return new Tensor(out, [n, c, oh, ow]);
  });
}

/** Options of randomAffine: the ranges each image's random rotation, shift and zoom are drawn from. */
export interface RandomAffineOptions {
  /** Rotation uniformly in [−degrees, degrees]. */
  degrees?: number;
  /** Shift uniformly up to these fractions of the width and height. */
  translate?: readonly [number, number];
  /** Zoom uniformly in [lo, hi]. */
  scale?: readonly [number, number];
  /** Value of pixels that come from outside the image. */
  fill?: number;
}

/** Whether the four bilinear neighbours of source point (sx, sy) all lie inside a w×h image. */
function interior(sx: number, sy: number, w: number, h: number): boolean {
  const x0 = Math.floor(sx), y0 = Math.floor(sy);
  return x0 >= 0 && y0 >= 0 && x0 < w - 1 && y0 < h - 1;
}

/**
 * A random rotation, shift and zoom about the image centre (like torchvision's RandomAffine), bilinear: each output
 * pixel p reads the input at c + R(−θ)·(p − c − t)/s, where c is the centre, t the shift, s the zoom.
 */
export function randomAffine(opts: RandomAffineOptions): Transform {
  const deg = opts.degrees ?? 0;
  const [tx, ty] = opts.translate ?? [0, 0];
  const [slo, shi] = opts.scale ?? [1, 1];
  if (!(deg >= 0) || !(tx >= 0 && tx <= 1) || !(ty >= 0 && ty <= 1) || !(slo > 0 && shi >= slo)) {
    throw new ValueError(`randomAffine: need degrees ≥ 0, translate in [0, 1] and 0 < scale[0] ≤ scale[1], got ${JSON.stringify(opts)}`);
  }
  const fill = opts.fill ?? 0;
  return batchedTransform("randomAffine", (x, rngs, into) => {
    const [n, c, h, w] = nchw("randomAffine", x);
    const src = x.data, out = output(x.size, into), plane = h * w, all = c * plane;
    const cx = (w - 1) / 2, cy = (h - 1) / 2;
    for (let i = 0; i < n; i++) {
      const rng = rngs[i]!;
      const theta = ((rng.random() * 2 - 1) * deg * Math.PI) / 180;
      const dx = Math.round((rng.random() * 2 - 1) * tx * w), dy = Math.round((rng.random() * 2 - 1) * ty * h);
      const s = slo + rng.random() * (shi - slo);
      const cos = Math.cos(theta), sin = Math.sin(theta), inv = 1 / s;
      // the source point is affine in ox along a row: (sx, sy) = (bx + ax·ox, by + ay·ox)
      const ax = cos * inv, ay = -sin * inv;
      const img = i * all;
      for (let oy = 0; oy < h; oy++) {
        // undo the shift and zoom, then rotate back by −θ
        const uy = (oy - cy - dy) * inv;
        const bx = sin * uy + cx - ax * (cx + dx), by = cos * uy + cy - ay * (cx + dx);
        const row = img + oy * w;
        // The pixels whose four neighbours all lie inside the image form one span [lo, hi] of the row (each of the
        // four conditions on ⌊sx⌋, ⌊sy⌋ holds on one side of a threshold in ox: sx and sy are monotone in ox,
        // rounding included), which runs without a test per pixel.
        let lo = 0, hi = w - 1;
        while (lo <= hi && !interior(bx + ax * lo, by + ay * lo, w, h)) lo++;
        while (hi >= lo && !interior(bx + ax * hi, by + ay * hi, w, h)) hi--;
        for (let ox = lo; ox <= hi; ox++) {
          const sx = bx + ax * ox, sy = by + ay * ox;
          // in the span sx, sy ≥ 0: truncation is floor, and int32 indices spare V8 a conversion per load
          const x0 = sx | 0, y0 = sy | 0, fx = sx - x0, fy = sy - y0;
          // the four neighbours' weights, the same for every channel
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          const o = row + ox, at = img + y0 * w + x0;
          if (c === 1) out[o] = src[at]! * w00 + src[at + 1]! * w01 + src[at + w]! * w10 + src[at + w + 1]! * w11;
          else for (let k = 0; k < all; k += plane) out[o + k] = src[at + k]! * w00 + src[at + k + 1]! * w01 + src[at + k + w]! * w10 + src[at + k + w + 1]! * w11;
        }
        for (let ox = 0; ox < w; ox++) {
          if (ox === lo) ox = hi + 1; // the span done above
          if (ox >= w) break;
          const sx = bx + ax * ox, sy = by + ay * ox;
          const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
          const o = row + ox, at = img + y0 * w + x0;
          if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
            for (let k = 0; k < all; k += plane) out[o + k] = fill; // all four neighbours outside
            continue;
          }
          // on the border: the neighbours outside the image read `fill`
          const inX0 = x0 >= 0, inX1 = x0 + 1 < w, inY0 = y0 >= 0, inY1 = y0 + 1 < h;
          for (let k = 0; k < all; k += plane) {
            const v00 = inY0 && inX0 ? src[at + k]! : fill, v01 = inY0 && inX1 ? src[at + k + 1]! : fill;
            const v10 = inY1 && inX0 ? src[at + k + w]! : fill, v11 = inY1 && inX1 ? src[at + k + w + 1]! : fill;
            out[o + k] = v00 * (1 - fx) * (1 - fy) + v01 * fx * (1 - fy) + v10 * (1 - fx) * fy + v11 * fx * fy;
          }
        }
      }
    }
    return new Tensor(out, x.shape);
  });
}

/** Python's round(): halves go to the even neighbour (torchvision's center_crop uses it). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The central window; an image smaller than the crop is zero-padded first, as torchvision does. */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [th, tw] = size2("centerCrop", size);
  return batchedTransform("centerCrop", (x, _rngs, into) => {
    const [n, , ih, iw] = nchw("centerCrop", x);
    // the zero padding that makes the image at least as large as the crop, read as part of the window
    const pl = tw > iw ? Math.floor((tw - iw) / 2) : 0, pt = th > ih ? Math.floor((th - ih) / 2) : 0;
    const h = Math.max(ih, th), w = Math.max(iw, tw);
    const top = new Int32Array(n).fill(roundHalfEven((h - th) / 2) - pt), left = new Int32Array(n).fill(roundHalfEven((w - tw) / 2) - pl);
    return windowBatch(x, top, left, th, tw, 0, into);
  });
}

/** A 1-channel image repeated into `channels` channels (gray digits for a model that takes RGB); others unchanged. */
export function repeatChannels(channels: number): Transform {
  if (!Number.isInteger(channels) || channels < 1) throw new ValueError(`repeatChannels: channels must be an integer ≥ 1, got ${channels}`);
  return batchedTransform("repeatChannels", (x, _rngs, into) => {
    const [n, c, h, w] = nchw("repeatChannels", x);
    if (c === channels) return x;
    if (c !== 1) throw new ShapeError(`repeatChannels: cannot make ${channels} channels from an image with ${c}`);
    const src = x.data, out = output(n * channels * h * w, into), plane = h * w;
    for (let i = 0; i < n; i++) for (let ch = 0; ch < channels; ch++) out.set(src.subarray(i * plane, (i + 1) * plane), (i * channels + ch) * plane);
    return new Tensor(out, [n, channels, h, w]);
  });
}

/** Apply transforms left to right. When every one has a batch form, so does the composition. */
export function compose(...transforms: readonly Transform[]): Transform {
  const one = (x: Tensor, rng?: Generator): Tensor => transforms.reduce((acc, t) => t(acc, rng), x);
  if (!transforms.every((t) => t.batch)) return one;
  // Every stage but the last writes into one of two scratch buffers, the one not holding its input; they live as long
  // as the composition (a stage's first result of a size becomes its buffer), so only the last stage's result is
  // new memory. Each sample's generator is drawn from transform by transform, in the order the per-image composition
  // draws it.
  const scratch: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];
  const batch = (xs: Tensor, rngs: readonly Generator[], into?: Float32Array): Tensor => {
    let acc = xs;
    transforms.forEach((t, k) => {
      if (k === transforms.length - 1) return void (acc = t.batch!(acc, rngs, into));
      const i = sameMemory(scratch[0], acc.data) ? 1 : 0;
      const out = t.batch!(acc, rngs, scratch[i]);
      // a new array (the scratch was too small) becomes the scratch; an input passed through does not
      if (!sameMemory(out.data, scratch[i]) && !sameMemory(out.data, acc.data) && out.data instanceof Float32Array) scratch[i] = out.data;
      acc = out;
    });
    // a last stage that returned its input unchanged must not hand out a scratch buffer
    if (!scratch.some((b) => sameMemory(b, acc.data))) return acc;
    const copy = allocateFloat32(acc.size);
    copy.set(acc.data);
    return new Tensor(copy, acc.shape);
  };
  return Object.assign(one, { batch });
}
