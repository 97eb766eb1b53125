// Image transforms on [C,H,W] float32 tensors, after torchvision.transforms: toTensor, normalize, pad, randomCrop,
// randomHorizontalFlip, resize (bilinear, align_corners=False, no antialias), centerCrop, compose.
// Random transforms draw from the Generator they are given, so a seeded DataLoader repeats the same augmentation.
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { ShapeError, ValueError } from "../errors.js";

/** A transform maps an image [C,H,W] to a new one; random ones use `rng`. */
export type Transform = (image: Tensor, rng?: Generator) => Tensor;

/** Decoded pixels, interleaved (HWC) unsigned bytes, as image decoders give them. */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint8ClampedArray;
}

function chw(op: string, x: Tensor): [number, number, number] {
  if (x.ndim !== 3) throw new ShapeError(`${op}: expects an image [C,H,W], got shape [${x.shape.join(",")}]`);
  return [x.shape[0]!, x.shape[1]!, x.shape[2]!];
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
  return (x) => {
    const [c, h, w] = chw("normalize", x);
    if ((mean.length !== 1 && mean.length !== c) || (std.length !== 1 && std.length !== c)) {
      throw new ShapeError(`normalize: ${mean.length} means and ${std.length} stds for an image with ${c} channels`);
    }
    const out = new Float32Array(x.size);
    for (let ch = 0; ch < c; ch++) {
      const m = mean[mean.length === 1 ? 0 : ch]!, s = std[std.length === 1 ? 0 : ch]!;
      for (let i = ch * h * w; i < (ch + 1) * h * w; i++) out[i] = (x.data[i]! - m) / s;
    }
    return new Tensor(out, x.shape);
  };
}

/** Padding as torchvision reads it: n (all sides), [leftRight, topBottom], or [left, top, right, bottom]. */
export type Padding = number | readonly [number, number] | readonly [number, number, number, number];

function padSides(padding: Padding): [number, number, number, number] {
  const p = typeof padding === "number" ? [padding, padding, padding, padding]
    : padding.length === 2 ? [padding[0], padding[1], padding[0], padding[1]] : [...padding];
  if (p.length !== 4 || p.some((v) => !Number.isInteger(v) || v < 0)) throw new ValueError(`pad: padding must be integers ≥ 0, got ${JSON.stringify(padding)}`);
  return p as [number, number, number, number];
}

function padImage(x: Tensor, [left, top, right, bottom]: [number, number, number, number], fill: number): Tensor {
  const [c, h, w] = chw("pad", x);
  const oh = h + top + bottom, ow = w + left + right;
  const out = new Float32Array(c * oh * ow);
  if (fill !== 0) out.fill(fill);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      // row y of channel ch lands at row y+top, column left of the padded plane
      out.set(x.data.subarray((ch * h + y) * w, (ch * h + y + 1) * w), (ch * oh + y + top) * ow + left);
    }
  }
  return new Tensor(out, [c, oh, ow]);
}

/** Constant padding of each side. */
export function pad(padding: Padding, fill = 0): Transform {
  const sides = padSides(padding);
  return (x) => padImage(x, sides, fill);
}

/** The window of height th and width tw starting at (top, left). */
export function crop(x: Tensor, top: number, left: number, th: number, tw: number): Tensor {
  const [c, h, w] = chw("crop", x);
  if (top < 0 || left < 0 || top + th > h || left + tw > w) throw new ShapeError(`crop: window ${th}×${tw} at (${top},${left}) does not fit an image ${h}×${w}`);
  const out = new Float32Array(c * th * tw);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) out.set(x.data.subarray((ch * h + top + y) * w + left, (ch * h + top + y) * w + left + tw), (ch * th + y) * tw);
  }
  return new Tensor(out, [c, th, tw]);
}

/** Pad (optionally), then crop a size×size window at a uniformly random position (torchvision RandomCrop). */
export function randomCrop(size: number | readonly [number, number], opts: { padding?: Padding; fill?: number } = {}): Transform {
  const [th, tw] = size2("randomCrop", size);
  const sides = opts.padding !== undefined ? padSides(opts.padding) : null;
  return (x, rng = defaultGenerator) => {
    const p = sides ? padImage(x, sides, opts.fill ?? 0) : x;
    const [, h, w] = chw("randomCrop", p);
    if (h < th || w < tw) throw new ShapeError(`randomCrop: crop ${th}×${tw} is larger than the (padded) image ${h}×${w}`);
    const top = rng.int(h - th + 1), left = rng.int(w - tw + 1);
    return crop(p, top, left, th, tw);
  };
}

/** Mirror left–right with probability p. */
export function randomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return (x, rng = defaultGenerator) => {
    if (!(rng.random() < p)) return x;
    const [c, h, w] = chw("randomHorizontalFlip", x);
    const out = new Float32Array(x.size);
    for (let r = 0; r < c * h; r++) for (let i = 0; i < w; i++) out[r * w + i] = x.data[r * w + (w - 1 - i)]!;
    return new Tensor(out, [c, h, w]);
  };
}

/**
 * Bilinear resize (align_corners=False, no antialias, as torch.nn.functional.interpolate): a number resizes the
 * shorter side to it keeping the aspect ratio (the longer side truncated, as torchvision does); [h, w] is exact.
 */
export function resize(size: number | readonly [number, number]): Transform {
  return (x) => {
    const [c, h, w] = chw("resize", x);
    let oh: number, ow: number;
    if (typeof size === "number") {
      size2("resize", size);
      if (h <= w) [oh, ow] = [size, Math.trunc((size * w) / h)];
      else [oh, ow] = [Math.trunc((size * h) / w), size];
    } else [oh, ow] = size2("resize", size);
    if (oh === h && ow === w) return x;
    const out = new Float32Array(c * oh * ow);
    const sh = h / oh, sw = w / ow;
    for (let oy = 0; oy < oh; oy++) {
      // source coordinate of the output pixel centre, clamped at 0 like PyTorch's area_pixel_compute_source_index
      const sy = Math.max((oy + 0.5) * sh - 0.5, 0);
      const y0 = Math.floor(sy), y1 = Math.min(y0 + 1, h - 1), fy = sy - y0;
      for (let ox = 0; ox < ow; ox++) {
        const sx = Math.max((ox + 0.5) * sw - 0.5, 0);
        const x0 = Math.floor(sx), x1 = Math.min(x0 + 1, w - 1), fx = sx - x0;
        for (let ch = 0; ch < c; ch++) {
          const b = ch * h * w;
          const top = x.data[b + y0 * w + x0]! * (1 - fx) + x.data[b + y0 * w + x1]! * fx;
          const bot = x.data[b + y1 * w + x0]! * (1 - fx) + x.data[b + y1 * w + x1]! * fx;
          out[(ch * oh + oy) * ow + ox] = top * (1 - fy) + bot * fy;
        }
      }
    }
    return new Tensor(out, [c, oh, ow]);
  };
}

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
  return (x, rng = defaultGenerator) => {
    const [c, h, w] = chw("randomAffine", x);
    const theta = ((rng.random() * 2 - 1) * deg * Math.PI) / 180;
    const dx = Math.round((rng.random() * 2 - 1) * tx * w), dy = Math.round((rng.random() * 2 - 1) * ty * h);
    const s = slo + rng.random() * (shi - slo);
    const cos = Math.cos(theta), sin = Math.sin(theta);
    const cx = (w - 1) / 2, cy = (h - 1) / 2;
    const out = new Float32Array(x.size);
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        // undo the shift and zoom, then rotate back by −θ
        const ux = (ox - cx - dx) / s, uy = (oy - cy - dy) / s;
        const sx = cos * ux + sin * uy + cx, sy = -sin * ux + cos * uy + cy;
        const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
        for (let ch = 0; ch < c; ch++) {
          const b = ch * h * w;
          const at = (yy: number, xx: number): number => (yy < 0 || xx < 0 || yy >= h || xx >= w ? fill : x.data[b + yy * w + xx]!);
          out[b + oy * w + ox] = (at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx) * (1 - fy) + (at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx) * fy;
        }
      }
    }
    return new Tensor(out, [c, h, w]);
  };
}

/** Python's round(): halves go to the even neighbour (torchvision's center_crop uses it). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The central window; an image smaller than the crop is zero-padded first, as torchvision does. */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [th, tw] = size2("centerCrop", size);
  return (x) => {
    let [, h, w] = chw("centerCrop", x);
    let img = x;
    if (th > h || tw > w) {
      const pl = tw > w ? Math.floor((tw - w) / 2) : 0, pt = th > h ? Math.floor((th - h) / 2) : 0;
      const pr = tw > w ? Math.floor((tw - w + 1) / 2) : 0, pb = th > h ? Math.floor((th - h + 1) / 2) : 0;
      img = padImage(x, [pl, pt, pr, pb], 0);
      [, h, w] = chw("centerCrop", img);
    }
    return crop(img, roundHalfEven((h - th) / 2), roundHalfEven((w - tw) / 2), th, tw);
  };
}

/** Apply transforms left to right. */
export function compose(...transforms: readonly Transform[]): Transform {
  return (x, rng) => transforms.reduce((acc, t) => t(acc, rng), x);
}
