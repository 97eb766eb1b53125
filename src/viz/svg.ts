// Pictures as SVG text: the Figure type, a small element writer, text measured with the shipped font's advance widths,
// number labels and the grey/RGB cells (embedded as PNG data URIs, drawn pixelated). Browser-safe; viz/node.ts
// rasterises a Figure to PNG with resvg and the DejaVu Sans in assets/fonts.
import { AVERAGE_WIDTH, BOLD_WIDTHS, OTHER_WIDTHS, REGULAR_WIDTHS } from "./font-metrics.js";
import { encodeRgbaPng, pngDataUri } from "./png.js";

/** A picture: SVG text and its size in pixels (the PNG that viz/node.ts makes of it has this size). */
export interface Figure {
  /** The SVG document. */
  readonly svg: string;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** The font the pictures name: the DejaVu Sans shipped in assets/fonts (viz/node.ts), else what a browser has. */
export const FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif";

/** Width in pixels of `text` in the shipped DejaVu Sans at `size` px (kerning ignored). */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD_WIDTHS : REGULAR_WIDTHS;
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c >= 0x20 && c < 0x7f ? table[c - 0x20]! : OTHER_WIDTHS[c] ?? AVERAGE_WIDTH;
  }
  return w * size;
}

/** Escape text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A number for a label: 3 significant digits, exponent form when tiny or huge, the true minus sign. */
export function formatNumber(v: number, digits = 3): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e5 || a < 1e-3 ? v.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e") : String(Number(v.toPrecision(digits)));
  return s.replace(/-/g, "−");
}

/** An SVG element's attributes (undefined ones are left out); numbers are written rounded to 0.01 px. */
export type Attrs = Record<string, string | number | undefined>;
function attrs(a: Attrs): string {
  let s = "";
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    s += ` ${k}="${typeof v === "number" ? String(Math.round(v * 100) / 100) : escapeXml(v)}"`;
  }
  return s;
}

/** How SvgWriter.text draws. */
export interface TextStyle {
  /** Font size in pixels (default 12). */
  size?: number;
  /** Bold weight. */
  bold?: boolean;
  /** A CSS colour (default #222, near black). */
  fill?: string;
  /** Horizontal alignment at x (default start). */
  anchor?: "start" | "middle" | "end";
  /** Rotation in degrees about (x, y). */
  rotate?: number;
}

/** Builds one SVG document; `figure()` closes it. Coordinates are pixels, y down. */
export class SvgWriter {
  private readonly parts: string[] = [];
  private defs = 0;

  /**
   * @param width Width in pixels (rounded up).
   * @param height Height in pixels (rounded up).
   * @param background A CSS colour filling the picture.
   */
  constructor(readonly width: number, readonly height: number, background = "#ffffff") {
    this.width = Math.max(1, Math.ceil(width));
    this.height = Math.max(1, Math.ceil(height));
    this.parts.push(`<rect width="${this.width}" height="${this.height}" fill="${background}"/>`);
  }

  /** Any element; `content` is raw SVG (escape text first). */
  el(name: string, a: Attrs, content?: string): void {
    this.parts.push(content === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${content}</${name}>`);
  }

  /** A w×h rectangle at (x, y) with more attributes (fill, stroke…). */
  rect(x: number, y: number, w: number, h: number, a: Attrs): void {
    this.el("rect", { x, y, width: w, height: h, ...a });
  }

  /** A line from (x1, y1) to (x2, y2). */
  line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1): void {
    this.el("line", { x1, y1, x2, y2, stroke, "stroke-width": width });
  }

  /** Text with its baseline at y. */
  text(x: number, y: number, s: string, st: TextStyle = {}): void {
    this.el("text", {
      x, y, "font-size": st.size ?? 12, "font-weight": st.bold ? "bold" : undefined, fill: st.fill ?? "#222",
      "text-anchor": st.anchor && st.anchor !== "start" ? st.anchor : undefined,
      transform: st.rotate ? `rotate(${st.rotate} ${Math.round(x * 100) / 100} ${Math.round(y * 100) / 100})` : undefined,
    }, escapeXml(s));
  }

  /** Text vertically centred on y (baseline placed from the font's x-height, so no renderer's baseline rules matter). */
  textMiddle(x: number, y: number, s: string, st: TextStyle = {}): void {
    this.text(x, y + 0.36 * (st.size ?? 12), s, st);
  }

  /** A raster image stretched over the box, each source pixel a crisp square (no smoothing). */
  image(x: number, y: number, w: number, h: number, dataUri: string): void {
    // optimizeSpeed: nearest-neighbour in resvg and browsers (CSS Images 3); a style of "pixelated" would make resvg smooth
    this.el("image", { x, y, width: w, height: h, preserveAspectRatio: "none", "image-rendering": "optimizeSpeed", href: dataUri });
  }

  /** A vertical linear gradient (top colour to bottom colour) for colour bars; returns its url(#…). */
  verticalGradient(stops: readonly [offset: number, color: string][]): string {
    const id = `g${this.defs++}`;
    const s = stops.map(([o, c]) => `<stop offset="${o}" stop-color="${c}"/>`).join("");
    this.parts.push(`<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${s}</linearGradient></defs>`);
    return `url(#${id})`;
  }

  /** A rectangular clip region; returns its url(#…) for a clip-path attribute. */
  clipRect(x: number, y: number, w: number, h: number): string {
    const id = `c${this.defs++}`;
    this.parts.push(`<defs><clipPath id="${id}"><rect${attrs({ x, y, width: w, height: h })}/></clipPath></defs>`);
    return `url(#${id})`;
  }

  /** The SVG written so far, as a Figure of the writer's size. */
  figure(): Figure {
    const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="${FONT_FAMILY}">`;
    return { svg: `${head}\n${this.parts.join("\n")}\n</svg>\n`, width: this.width, height: this.height };
  }
}

/** A CSS colour from an RGB triple. */
export function css(c: readonly [number, number, number]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Largest side, in pixels, of a cell that planeImage enlarges itself (beyond it the renderer stretches the image). */
const MAX_PRESCALED = 320;

/**
 * A [C,H,W] plane stack (C = 1 grey, C = 3 RGB) as a PNG data URI, each value mapped by (v − lo)/(hi − lo) to
 * black..white (clamped) and drawn as a `scale`×`scale` block. Where hi = lo (a constant cell) every value is
 * mid-grey: there is no contrast to show. NaN is drawn red.
 */
export function planeImage(values: ArrayLike<number>, channels: number, h: number, w: number, lo: number, hi: number, scale = 1): string {
  const W = w * scale, H = h * scale;
  const rgba = new Uint8Array(H * W * 4);
  const span = hi - lo;
  const level = (v: number): number => (span > 0 ? Math.round(255 * Math.min(1, Math.max(0, (v - lo) / span))) : 128);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const v = [0, 1, 2].map((k) => values[(channels >= 3 ? k : 0) * h * w + j * w + i]!);
      const c = v.some(Number.isNaN) ? [255, 0, 0, 255] : [...v.map(level), 255];
      for (let y = j * scale; y < (j + 1) * scale; y++) for (let x = i * scale; x < (i + 1) * scale; x++) rgba.set(c, (y * W + x) * 4);
    }
  }
  return pngDataUri(encodeRgbaPng(W, H, rgba));
}

/**
 * Draw a plane stack (planeImage) with its top-left at (x, y), `scale` px per value. A whole-number scale is done in
 * the PNG itself, placed on whole pixels, so that every value is a crisp square in any renderer (browsers smooth a
 * stretched image whatever its image-rendering says); a fractional one (shrinking large maps) is left to the renderer.
 */
export function drawPlane(s: SvgWriter, x: number, y: number, values: ArrayLike<number>, channels: number, h: number, w: number, lo: number, hi: number, scale: number): void {
  const pre = Number.isInteger(scale) && Math.max(h, w) * scale <= MAX_PRESCALED ? scale : 1;
  s.image(Math.round(x), Math.round(y), w * scale, h * scale, planeImage(values, channels, h, w, lo, hi, pre));
}
