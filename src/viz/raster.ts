// A plain RGBA pixel buffer for pictures that are images (the output of `convkit filter`): rectangles, lines, scaled
// grey/RGB planes. Plots with text are SVG Figures (svg.ts, plots.ts). Browser-safe; node.ts encodes a Canvas to PNG.

/** A colour: red, green and blue bytes. */
export type RGB = readonly [number, number, number];

/** White. */
export const WHITE: RGB = [255, 255, 255];
/** Black. */
export const BLACK: RGB = [0, 0, 0];
/** Mid grey (borders). */
export const GREY: RGB = [160, 160, 160];
/** Light grey (backgrounds). */
export const LIGHT: RGB = [232, 232, 232];
/** Line colours for plots (matplotlib's first four). */
export const PALETTE: readonly RGB[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

/** An RGBA pixel buffer to draw rectangles, lines and scaled planes on; viz/node's writePng saves it. */
export class Canvas {
  /** The pixels: RGBA bytes, row by row. */
  readonly data: Uint8ClampedArray;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Sizes are rounded to whole pixels (at least 1). */
  constructor(width: number, height: number, background: RGB = WHITE) {
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
    this.data = new Uint8ClampedArray(this.width * this.height * 4);
    this.fillRect(0, 0, this.width, this.height, background);
  }

  /** Paint the pixel nearest (x, y); outside the canvas, nothing. */
  setPixel(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
    this.data[o + 3] = 255;
  }

  /** Fill a w×h rectangle from (x, y), clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = Math.max(0, Math.floor(y)); j < Math.min(this.height, Math.floor(y + h)); j++) {
      for (let i = Math.max(0, Math.floor(x)); i < Math.min(this.width, Math.floor(x + w)); i++) this.setPixel(i, j, c);
    }
  }

  /** Outline a w×h rectangle from (x, y), one pixel wide. */
  strokeRect(x: number, y: number, w: number, h: number, c: RGB): void {
    this.line(x, y, x + w - 1, y, c);
    this.line(x, y + h - 1, x + w - 1, y + h - 1, c);
    this.line(x, y, x, y + h - 1, c);
    this.line(x + w - 1, y, x + w - 1, y + h - 1, c);
  }

  /** A straight line (DDA), `width` pixels thick. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      if (width <= 1) this.setPixel(x, y, c);
      else this.fillRect(x - r, y - r, width, width, c);
    }
  }

  /**
   * Draw a [C,H,W] plane stack (C = 1 grey, C = 3 RGB) at (x, y), each value mapped by (v − lo)/(hi − lo) to 0..255
   * and each pixel a scale×scale block; where hi = lo every value is mid-grey (no contrast to show).
   */
  image(x: number, y: number, values: ArrayLike<number>, channels: number, h: number, w: number, lo: number, hi: number, scale = 1): void {
    const span = hi - lo;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = (k: number): number => (span > 0 ? Math.round((255 * (values[(k * h + j) * w + i]! - lo)) / span) : 128);
        const c: RGB = channels >= 3 ? [v(0), v(1), v(2)] : [v(0), v(0), v(0)];
        this.fillRect(x + i * scale, y + j * scale, scale, scale, c);
      }
    }
  }
}

/** Min and max of finite values (0, 1 if none). */
export function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}
