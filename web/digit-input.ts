// Digits as LeNet-5 sees them. A drawing is turned into an MNIST-like digit the way MNIST itself was made (LeCun et al.:
// the ink's bounding box scaled to fit 20 × 20, then placed in 28 × 28 with its centre of mass at the centre), and a
// 28 × 28 digit becomes the model's input as in modelInputTransform (src/cli/common.ts): padded to 32 × 32, then
// normalised with MNIST's mean and std. Pure functions, no DOM: the Node tests run them too.
import { data } from "../src/index.js";

export const DIGIT = 28;
export const INPUT = 32;
/** Side of the box MNIST scales each digit's ink into. */
const BOX = 20;

/** A 28 × 28 digit (values in [0, 1], row-major) as the model's input plane: 32 × 32, padded by 2, normalised. */
export function toModelInput(digit: ArrayLike<number>, out = new Float32Array(INPUT * INPUT)): Float32Array {
  const pad = (INPUT - DIGIT) / 2;
  const bg = (0 - data.MNIST_MEAN) / data.MNIST_STD;
  out.fill(bg);
  for (let y = 0; y < DIGIT; y++) {
    for (let x = 0; x < DIGIT; x++) out[(y + pad) * INPUT + x + pad] = (digit[y * DIGIT + x]! - data.MNIST_MEAN) / data.MNIST_STD;
  }
  return out;
}

/**
 * An ink image (w × h intensities in [0, 1], e.g. a drawing canvas) as a centred 28 × 28 digit: the bounding box of
 * the ink (values above `threshold`) is scaled, keeping its aspect, so that its longer side is 20 pixels (each target
 * pixel averages the source area it covers), then shifted so that its centre of mass lands on the centre of the 28 × 28
 * frame. Returns null when there is no ink.
 */
export function centreDigit(ink: ArrayLike<number>, w: number, h: number, threshold = 0.05): Float32Array | null {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (ink[y * w + x]! > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  // area-average: target pixel (ty, tx) covers source rows [y0 + ty/scale, y0 + (ty+1)/scale) and likewise columns
  const small = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    const sy0 = y0 + (ty * bh) / th, sy1 = y0 + ((ty + 1) * bh) / th;
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = x0 + (tx * bw) / tw, sx1 = x0 + ((tx + 1) * bw) / tw;
      let sum = 0, area = 0;
      for (let sy = Math.floor(sy0); sy < Math.ceil(sy1); sy++) {
        const fy = Math.min(sy + 1, sy1) - Math.max(sy, sy0);
        for (let sx = Math.floor(sx0); sx < Math.ceil(sx1); sx++) {
          const f = fy * (Math.min(sx + 1, sx1) - Math.max(sx, sx0));
          sum += f * ink[sy * w + sx]!;
          area += f;
        }
      }
      small[ty * tw + tx] = area > 0 ? sum / area : 0;
    }
  }
  // centre of mass of the scaled digit, moved to (14, 14); kept inside the frame
  let m = 0, my = 0, mx = 0;
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const v = small[y * tw + x]!;
    m += v; my += v * (y + 0.5); mx += v * (x + 0.5);
  }
  const clampOff = (off: number, size: number) => Math.max(0, Math.min(DIGIT - size, off));
  const oy = clampOff(Math.round(DIGIT / 2 - my / m), th);
  const ox = clampOff(Math.round(DIGIT / 2 - mx / m), tw);
  const out = new Float32Array(DIGIT * DIGIT);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) out[(y + oy) * DIGIT + x + ox] = Math.min(1, small[y * tw + x]!);
  return out;
}

/** Bytes (0–255) of digit i in a pixel buffer of 28 × 28 digits, as values in [0, 1]. */
export function digitAt(pixels: Uint8Array, i: number): Float32Array {
  const out = new Float32Array(DIGIT * DIGIT);
  for (let k = 0; k < out.length; k++) out[k] = pixels[i * DIGIT * DIGIT + k]! / 255;
  return out;
}
