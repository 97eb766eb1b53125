// The lecture's pictures: first-layer filter grids, feature maps, nearest-neighbour montages, confusion matrices and
// training curves, drawn on a Canvas.
import type { Tensor } from "../tensor/tensor.js";
import { ShapeError, ValueError } from "../errors.js";
import { BLACK, Canvas, GREY, LIGHT, PALETTE, TEXT_HEIGHT, WHITE, range, textWidth, type RGB } from "./raster.js";

export interface GridOptions {
  /** Pixels per weight/activation (default: so that a cell is about 48 px wide). */
  scale?: number;
  /** Gap between cells in pixels (default 2). */
  gap?: number;
  /** Cells per row (default: about square). */
  columns?: number;
  /** Scale each cell to its own min..max (default true for feature maps, false for filters: one scale shows relative strength). */
  perCell?: boolean;
  title?: string;
}

function cellScale(size: number, scale?: number): number {
  return scale ?? Math.max(1, Math.round(48 / size));
}

/**
 * A grid of filters from a conv weight [O, I, kh, kw]: with I = 3 each filter is one RGB cell (the lecture's AlexNet
 * picture), otherwise each (filter, input channel) slice is a grey cell, one row per filter (at most 16 channels shown).
 */
export function filterGrid(weight: Tensor, opts: GridOptions = {}): Canvas {
  if (weight.ndim !== 4) throw new ShapeError(`filterGrid: expects a conv weight [O,I,kh,kw], got shape [${weight.shape.join(",")}]`);
  const [o, i, kh, kw] = weight.shape as [number, number, number, number];
  const rgb = i === 3;
  const cellsPerFilter = rgb ? 1 : Math.min(i, 16);
  const s = cellScale(Math.max(kh, kw), opts.scale);
  const gap = opts.gap ?? 2;
  const cols = opts.columns ?? (cellsPerFilter === 1 ? Math.ceil(Math.sqrt(o)) : cellsPerFilter);
  const cells = cellsPerFilter === 1 ? o : o * cellsPerFilter;
  const rows = Math.ceil(cells / cols);
  const titleH = opts.title ? TEXT_HEIGHT + 8 : 0;
  const cw = kw * s, ch = kh * s;
  const c = new Canvas(Math.max(cols * (cw + gap) + gap, opts.title ? textWidth(opts.title) + 8 : 0), rows * (ch + gap) + gap + titleH, LIGHT);
  if (opts.title) c.text(4, 4, opts.title);
  const [glo, ghi] = range(weight.data);
  const m = Math.max(Math.abs(glo), Math.abs(ghi));
  const plane = kh * kw;
  for (let k = 0; k < cells; k++) {
    const x = gap + (k % cols) * (cw + gap), y = titleH + gap + Math.floor(k / cols) * (ch + gap);
    const f = cellsPerFilter === 1 ? k : Math.floor(k / cellsPerFilter);
    const start = rgb ? f * 3 * plane : (f * i + (k % cellsPerFilter)) * plane;
    const vals = weight.data.subarray(start, start + (rgb ? 3 : 1) * plane);
    // symmetric range around 0 so that grey = 0, white = positive, black = negative
    const [lo, hi] = opts.perCell ? range(vals) : [-m, m];
    c.image(x, y, vals, rgb ? 3 : 1, kh, kw, lo, hi, s);
  }
  return c;
}

/** Feature maps [C,H,W] (or [1,C,H,W]) as a grid of grey cells, each scaled to its own range. */
export function featureMaps(act: Tensor, opts: GridOptions = {}): Canvas {
  const a = act.ndim === 4 && act.shape[0] === 1 ? act.reshape(act.shape.slice(1)) : act;
  if (a.ndim !== 3) throw new ShapeError(`featureMaps: expects activations [C,H,W] or [1,C,H,W], got [${act.shape.join(",")}]`);
  const [n, h, w] = a.shape as [number, number, number];
  const s = cellScale(Math.max(h, w), opts.scale);
  const gap = opts.gap ?? 2;
  const cols = opts.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const titleH = opts.title ? TEXT_HEIGHT + 8 : 0;
  const c = new Canvas(Math.max(cols * (w * s + gap) + gap, opts.title ? textWidth(opts.title) + 8 : 0), rows * (h * s + gap) + gap + titleH, LIGHT);
  if (opts.title) c.text(4, 4, opts.title);
  const [glo, ghi] = range(a.data);
  for (let k = 0; k < n; k++) {
    const vals = a.data.subarray(k * h * w, (k + 1) * h * w);
    const [lo, hi] = opts.perCell === false ? [glo, ghi] : range(vals);
    c.image(gap + (k % cols) * (w * s + gap), titleH + gap + Math.floor(k / cols) * (h * s + gap), vals, 1, h, w, lo, hi, s);
  }
  return c;
}

export interface MontageCell {
  /** An image [C,H,W] (C = 1 or 3), values in any range (scaled to its min..max unless range is given). */
  image: Tensor;
  caption?: string;
  /** Outline colour (e.g. green for a correct neighbour). */
  border?: RGB;
}
export interface MontageRow {
  label: string;
  cells: MontageCell[];
}

/** Rows of captioned images, each row with a label on the left: the nearest-neighbour picture. */
export function montage(rows: readonly MontageRow[], opts: { scale?: number; range?: [number, number]; title?: string } = {}): Canvas {
  if (rows.length === 0 || rows.every((r) => r.cells.length === 0)) throw new ValueError("montage: nothing to draw");
  const first = rows.find((r) => r.cells.length > 0)!.cells[0]!.image;
  const [, h, w] = first.shape as [number, number, number];
  const s = opts.scale ?? Math.max(1, Math.round(64 / Math.max(h, w)));
  const cellW = Math.max(w * s, 6 * 9) + 10, cellH = h * s + TEXT_HEIGHT + 14;
  const labelW = Math.max(...rows.map((r) => textWidth(r.label))) + 12;
  const cols = Math.max(...rows.map((r) => r.cells.length));
  const titleH = opts.title ? TEXT_HEIGHT + 10 : 0;
  const c = new Canvas(labelW + cols * cellW, titleH + rows.length * cellH + 4);
  if (opts.title) c.text(4, 4, opts.title);
  rows.forEach((r, ri) => {
    const y = titleH + ri * cellH + 4;
    c.text(4, y + (h * s) / 2 - 3, r.label);
    r.cells.forEach((cell, ci) => {
      const x = labelW + ci * cellW;
      const im = cell.image;
      const [lo, hi] = opts.range ?? range(im.data);
      c.image(x, y, im.data, im.shape[0]!, im.shape[1]!, im.shape[2]!, lo, hi, s);
      if (cell.border) {
        c.strokeRect(x - 2, y - 2, w * s + 4, h * s + 4, cell.border);
        c.strokeRect(x - 1, y - 1, w * s + 2, h * s + 2, cell.border);
      }
      if (cell.caption) c.text(x, y + h * s + 5, cell.caption.slice(0, Math.floor(cellW / 6) - 1));
    });
  });
  return c;
}

/** A confusion matrix (rows = true class, columns = predicted) as a blue heat map with the counts written in. */
export function confusionMatrixImage(matrix: readonly (readonly number[])[], classes: readonly string[], title = "confusion matrix"): Canvas {
  const n = matrix.length;
  if (n === 0 || matrix.some((r) => r.length !== n) || classes.length !== n) throw new ShapeError(`confusionMatrixImage: expects an n×n matrix and n class names, got ${n} rows and ${classes.length} names`);
  const maxCount = Math.max(1, ...matrix.flat());
  const digits = String(maxCount).length;
  const cell = Math.max(28, digits * 6 + 8);
  const names = classes.map((c) => c.slice(0, 12));
  const labelW = Math.max(...names.map((c) => textWidth(c))) + 10;
  const top = 40;
  const c = new Canvas(labelW + n * cell + 20, top + n * cell + 30 + labelW / 2);
  c.text(4, 4, title);
  c.text(labelW, top - 14, "PREDICTED ->");
  for (let i = 0; i < n; i++) {
    c.text(4, top + i * cell + cell / 2 - 3, names[i]!);
    for (let j = 0; j < n; j++) {
      const v = matrix[i]![j]!;
      const t = v / maxCount;
      const col: RGB = [Math.round(247 - 239 * t), Math.round(251 - 203 * t), Math.round(255 - 148 * t)];
      const x = labelW + j * cell, y = top + i * cell;
      c.fillRect(x, y, cell - 1, cell - 1, col);
      const s = String(v);
      c.text(x + (cell - textWidth(s)) / 2, y + cell / 2 - 3, s, t > 0.5 ? WHITE : BLACK);
    }
  }
  // column labels under the matrix, first characters only (they are the same names as the rows)
  for (let j = 0; j < n; j++) c.text(labelW + j * cell + 2, top + n * cell + 6, names[j]!.slice(0, Math.floor(cell / 6)));
  return c;
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}
export interface Panel {
  title: string;
  xLabel: string;
  series: readonly Series[];
  /** Fix the y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function fmtTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** Line plots side by side (the training curves: loss and accuracy against epochs). */
export function curves(panels: readonly Panel[], opts: { width?: number; height?: number } = {}): Canvas {
  const pw = opts.width ?? 420, ph = opts.height ?? 300;
  const c = new Canvas(pw * panels.length, ph);
  panels.forEach((p, k) => {
    const ox = k * pw;
    const left = ox + 52, right = ox + pw - 14, top = 24, bottom = ph - 40;
    c.text(ox + (pw - textWidth(p.title)) / 2, 6, p.title);
    const pts = p.series.flatMap((s) => s.points);
    const [x0, x1] = pts.length ? range(pts.map((q) => q[0])) : [0, 1];
    let [y0, y1] = p.yRange ?? (pts.length ? range(pts.map((q) => q[1])) : [0, 1]);
    if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const xs = (x: number): number => left + ((x - x0) / (x1 - x0 || 1)) * (right - left);
    const ys = (y: number): number => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
    for (const t of niceTicks(y0, y1)) {
      c.line(left, ys(t), right, ys(t), LIGHT);
      const s = fmtTick(t);
      c.text(left - 6 - textWidth(s), ys(t) - 3, s, GREY);
    }
    for (const t of niceTicks(x0, x1)) {
      const s = fmtTick(t);
      c.text(xs(t) - textWidth(s) / 2, bottom + 6, s, GREY);
    }
    c.line(left, top, left, bottom, BLACK);
    c.line(left, bottom, right, bottom, BLACK);
    c.text(ox + (pw - textWidth(p.xLabel)) / 2, ph - 14, p.xLabel, GREY);
    // the legend goes in the corner away from where the curves end (top right, or bottom right if they end high)
    const ends = p.series.map((s) => s.points[s.points.length - 1]).filter((q): q is readonly [number, number] => q !== undefined);
    const endHigh = ends.length > 0 && ends.every((q) => ys(q[1]) < (top + bottom) / 2);
    const legendTop = endHigh ? bottom - 8 - p.series.length * 12 : top + 4;
    p.series.forEach((s, si) => {
      const col = PALETTE[si % PALETTE.length]!;
      for (let i = 1; i < s.points.length; i++) c.line(xs(s.points[i - 1]![0]), ys(s.points[i - 1]![1]), xs(s.points[i]![0]), ys(s.points[i]![1]), col, 2);
      if (s.points.length === 1) c.fillRect(xs(s.points[0]![0]) - 2, ys(s.points[0]![1]) - 2, 5, 5, col);
      // legend, top right
      const ly = legendTop + si * 12;
      c.fillRect(right - 80, ly + 2, 12, 3, col);
      c.text(right - 64, ly, s.name.slice(0, 10));
    });
  });
  return c;
}
