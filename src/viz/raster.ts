// A small RGBA rasteriser for convkit's pictures: rectangles, lines, scaled grey/RGB images and 5×7 bitmap text.
// Browser-safe (no Node modules); node.ts encodes a Canvas to PNG.

export type RGB = readonly [number, number, number];

export const WHITE: RGB = [255, 255, 255];
export const BLACK: RGB = [0, 0, 0];
export const GREY: RGB = [160, 160, 160];
export const LIGHT: RGB = [232, 232, 232];
/** Line colours for plots (matplotlib's first four). */
export const PALETTE: readonly RGB[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

/** 5×7 glyphs: 7 rows of 5 bits, bit 4 the leftmost pixel. Lower case draws as upper case. */
const FONT: Record<string, readonly number[]> = {
  "0": [14, 17, 19, 21, 25, 17, 14], "1": [4, 12, 4, 4, 4, 4, 14], "2": [14, 17, 1, 2, 4, 8, 31], "3": [31, 2, 4, 2, 1, 17, 14],
  "4": [2, 6, 10, 18, 31, 2, 2], "5": [31, 16, 30, 1, 1, 17, 14], "6": [6, 8, 16, 30, 17, 17, 14], "7": [31, 1, 2, 4, 8, 8, 8],
  "8": [14, 17, 17, 14, 17, 17, 14], "9": [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 17, 31, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  " ": [0, 0, 0, 0, 0, 0, 0], ".": [0, 0, 0, 0, 0, 12, 12], ",": [0, 0, 0, 0, 12, 4, 8], ":": [0, 12, 12, 0, 12, 12, 0],
  "-": [0, 0, 0, 31, 0, 0, 0], "+": [0, 4, 4, 31, 4, 4, 0], "%": [24, 25, 2, 4, 8, 19, 3], "/": [0, 1, 2, 4, 8, 16, 0],
  "(": [2, 4, 8, 8, 8, 4, 2], ")": [8, 4, 2, 2, 2, 4, 8], "=": [0, 0, 31, 0, 31, 0, 0], _: [0, 0, 0, 0, 0, 0, 31],
  "#": [10, 10, 31, 10, 31, 10, 10], "?": [14, 17, 1, 2, 4, 0, 4], "[": [14, 8, 8, 8, 8, 8, 14], "]": [14, 2, 2, 2, 2, 2, 14],
  "<": [2, 4, 8, 16, 8, 4, 2], ">": [8, 4, 2, 1, 2, 4, 8], "'": [4, 4, 0, 0, 0, 0, 0], "@": [14, 17, 23, 21, 23, 16, 14],
};

/** Width in pixels of `text` drawn at `scale` (6 px per glyph including spacing). */
export function textWidth(text: string, scale = 1): number {
  return Math.max(0, text.length * 6 - 1) * scale;
}
export const TEXT_HEIGHT = 7;

export class Canvas {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  /** Sizes are rounded to whole pixels (at least 1). */
  constructor(width: number, height: number, background: RGB = WHITE) {
    this.width = Math.max(1, Math.round(width));
    this.height = Math.max(1, Math.round(height));
    this.data = new Uint8ClampedArray(this.width * this.height * 4);
    this.fillRect(0, 0, this.width, this.height, background);
  }

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

  fillRect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = Math.max(0, Math.floor(y)); j < Math.min(this.height, Math.floor(y + h)); j++) {
      for (let i = Math.max(0, Math.floor(x)); i < Math.min(this.width, Math.floor(x + w)); i++) this.setPixel(i, j, c);
    }
  }

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

  /** Text with the 5×7 font, top-left at (x, y), each font pixel a scale×scale block. */
  text(x: number, y: number, text: string, c: RGB = BLACK, scale = 1): void {
    let cx = Math.round(x);
    for (const ch of text) {
      const g = FONT[ch] ?? FONT[ch.toUpperCase()] ?? FONT["?"]!;
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) if (g[row]! & (1 << (4 - col))) this.fillRect(cx + col * scale, Math.round(y) + row * scale, scale, scale, c);
      }
      cx += 6 * scale;
    }
  }

  /**
   * Draw a [C,H,W] plane stack (C = 1 grey, C = 3 RGB) at (x, y), each value mapped by (v − lo)/(hi − lo) to 0..255
   * and each pixel a scale×scale block.
   */
  image(x: number, y: number, values: ArrayLike<number>, channels: number, h: number, w: number, lo: number, hi: number, scale = 1): void {
    const span = hi - lo || 1;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = (k: number): number => Math.round((255 * (values[(k * h + j) * w + i]! - lo)) / span);
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
