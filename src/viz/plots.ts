// The lecture's pictures as SVG Figures: first-layer filter grids, feature maps, nearest-neighbour montages, confusion
// matrices and training curves, labelled in DejaVu Sans and at least 640 px wide. Browser-safe; viz/node.ts writes
// each as a PNG with its SVG beside it.
import type { Tensor } from "../tensor/tensor.js";
import { ShapeError, ValueError } from "../errors.js";
import { PALETTE, range, type RGB } from "./raster.js";
import { SvgWriter, css, drawPlane, formatNumber, textWidth, type Figure } from "./svg.js";

/** Every picture is at least this wide, so that its labels are readable at 100 %. */
export const MIN_FIGURE_WIDTH = 640;
const PAD = 16;
const TITLE_SIZE = 16, SUB_SIZE = 12, LABEL_SIZE = 11;
const MUTED = "#666", FRAME = "#bbb";
/** Space the colour bar takes on the right: the bar and its tick labels. */
const BAR_W = 84;

/** Options of filterGrid and featureMaps. */
export interface GridOptions {
  /** Pixels per weight/activation (default: cells of 60–160 px across a picture about 640 px wide). */
  scale?: number;
  /** Gap between cells in pixels (default 10 with captions, 4 without). */
  gap?: number;
  /** Cells per row, for one cell per filter or map (default: about square). */
  columns?: number;
  /** Scale each cell to its own min..max (default true for feature maps, false for filters: one scale shows relative strength). */
  perCell?: boolean;
  /** The picture's title (default: the layer, the count and the cells' shape). */
  title?: string;
  /** The layer's name (e.g. features.0), written in each cell's label. */
  layer?: string;
}

/** Title (bold) and a muted second line; returns the height they take. */
function header(s: SvgWriter | null, title: string, sub: string): number {
  s?.text(PAD, PAD + TITLE_SIZE * 0.8, title, { size: TITLE_SIZE, bold: true });
  if (sub) s?.text(PAD, PAD + TITLE_SIZE + 6 + SUB_SIZE * 0.8, sub, { size: SUB_SIZE, fill: MUTED });
  return PAD + TITLE_SIZE + (sub ? 6 + SUB_SIZE : 0) + 12;
}

function headerWidth(title: string, sub: string): number {
  return 2 * PAD + Math.max(textWidth(title, TITLE_SIZE, true), textWidth(sub, SUB_SIZE));
}

/**
 * A vertical grey bar from black (lo, bottom) to white (hi, top) at (x, y), `h` high, with its end values and a tick at
 * `mid` when given (0 for weights).
 */
function colourBar(s: SvgWriter, x: number, y: number, h: number, lo: number, hi: number, caption: string, mid?: number): void {
  s.text(x, y - 8, caption, { size: LABEL_SIZE, fill: MUTED });
  s.rect(x, y, 14, h, { fill: s.verticalGradient([[0, "#ffffff"], [1, "#000000"]]), stroke: FRAME });
  const ticks: number[] = [hi, lo];
  if (mid !== undefined && mid > lo && mid < hi) ticks.push(mid);
  for (const t of ticks) {
    const ty = y + (hi > lo ? ((hi - t) / (hi - lo)) * h : h / 2);
    s.line(x + 14, ty, x + 18, ty, "#444");
    s.textMiddle(x + 21, ty, formatNumber(t), { size: LABEL_SIZE });
  }
}

/** Pixels per value so that a `size`-pixel plane fills about `target` pixels: whole numbers when enlarging. */
function autoScale(target: number, size: number): number {
  const t = Math.min(160, Math.max(24, target));
  return t >= size ? Math.floor(t / size) : t / size;
}

/**
 * The first of the label `formats` in which the label of every index < n fits `width` at the label size (the widest
 * is the last index: digits are equally wide), so that all cells are labelled alike; else the last format.
 */
function labeller(width: number, n: number, formats: readonly ((k: number) => string)[]): (k: number) => string {
  return formats.find((f) => textWidth(f(Math.max(0, n - 1)), LABEL_SIZE) <= width - 6) ?? formats[formats.length - 1]!;
}

/** The subtitle, naming the layer where neither the title nor the cells' labels (too narrow for it) do. */
function withLayer(sub: string, layer: string | undefined, title: string, aLabel: string): string {
  return layer && !title.includes(layer) && !aLabel.includes(layer) ? `layer ${layer}: ${sub}` : sub;
}

/**
 * A grid of filters from a conv weight [O, I, kh, kw], grey = 0, white positive, black negative on one scale for all
 * (a colour bar gives it) or, with perCell, each cell from its own min (black) to max (white), a constant one
 * mid-grey. With I = 3 each filter is one RGB cell (the lecture's AlexNet picture); with I = 1 one grey cell; otherwise
 * one row per filter and one column per input channel (the first 16).
 */
export function filterGrid(weight: Tensor, opts: GridOptions = {}): Figure {
  if (weight.ndim !== 4) throw new ShapeError(`filterGrid: expects a conv weight [O,I,kh,kw], got shape [${weight.shape.join(",")}]`);
  const [o, i, kh, kw] = weight.shape as [number, number, number, number];
  if (weight.size === 0) throw new ValueError(`filterGrid: the weight [${weight.shape.join(",")}] has no filters to draw`);
  const rgb = i === 3;
  const perFilter = rgb || i === 1;
  const chans = perFilter ? 1 : Math.min(i, 16);
  const cols = perFilter ? opts.columns ?? Math.ceil(Math.sqrt(o)) : chans;
  const rows = perFilter ? Math.ceil(o / cols) : o;
  const perCell = opts.perCell ?? false;
  const layer = opts.layer ? `${opts.layer} ` : "";
  const title = opts.title ?? `${layer}${o} filters ${i}×${kh}×${kw}`;
  const [glo, ghi] = range(weight.data);
  const m = Math.max(Math.abs(glo), Math.abs(ghi));
  let sub = (perCell ? "each filter from its own min (black) to max (white); a constant one is mid-grey"
    : m === 0 ? "every weight is 0 (mid-grey)" : `one scale for all filters: black ${formatNumber(-m)}, grey 0, white ${formatNumber(m)}`) +
    (rgb ? ", per colour channel" : "") + (!perFilter && i > chans ? `; the first ${chans} of ${i} input channels` : "");
  const rowLabel = labeller(120, o, [(f) => `${layer}filter ${f}`, (f) => `filter ${f}`, String]);
  const rowLabelW = perFilter ? 0 : Math.max(textWidth(rowLabel(o - 1), LABEL_SIZE), textWidth("input channel", LABEL_SIZE)) + 8;
  const gap = opts.gap ?? (perFilter ? 10 : 4);
  const barW = perCell || m === 0 ? 0 : BAR_W;
  const s0 = opts.scale ?? autoScale((MIN_FIGURE_WIDTH - 2 * PAD - barW - rowLabelW) / cols - gap, Math.max(kh, kw));
  const cw = kw * s0, ch = kh * s0;
  const captionH = perFilter ? LABEL_SIZE + 6 : 0;
  const colHeadH = perFilter ? 0 : LABEL_SIZE + 6;
  const gridW = rowLabelW + cols * (cw + gap) - gap;
  const gridH = colHeadH + rows * (ch + captionH + gap) - gap;
  const cellLabel = labeller(cw + gap, o, [(f) => `${layer}filter ${f}`, (f) => `filter ${f}`, (f) => `#${f}`, String]);
  sub = withLayer(sub, opts.layer, title, perFilter ? cellLabel(0) : rowLabel(0));
  const width = Math.max(MIN_FIGURE_WIDTH, 2 * PAD + gridW + barW, headerWidth(title, sub));
  const top = header(null, title, sub);
  const s = new SvgWriter(width, top + gridH + PAD);
  header(s, title, sub);
  const left = PAD + Math.max(0, (width - 2 * PAD - barW - gridW) / 2);
  const x0 = left + rowLabelW, y0 = top + colHeadH;
  const plane = kh * kw;
  if (!perFilter) s.text(x0 - 8, top + LABEL_SIZE, "input channel", { size: LABEL_SIZE, anchor: "end", fill: MUTED });
  for (let c = 0; !perFilter && c < chans; c++) s.text(x0 + c * (cw + gap) + cw / 2, top + LABEL_SIZE, String(c), { size: LABEL_SIZE, anchor: "middle", fill: MUTED });
  for (let k = 0; k < o * chans; k++) {
    const f = Math.floor(k / chans);
    const col = perFilter ? k % cols : k % chans;
    const row = perFilter ? Math.floor(k / cols) : f;
    // whole pixels, where drawPlane puts the cell, so that its frame and label line up with it
    const x = Math.round(x0 + col * (cw + gap)), y = Math.round(y0 + row * (ch + captionH + gap));
    const start = rgb ? f * 3 * plane : (f * i + (k % chans)) * plane;
    const vals = weight.data.subarray(start, start + (rgb ? 3 : 1) * plane);
    const [lo, hi] = perCell ? range(vals) : [-m, m];
    drawPlane(s, x, y, vals, rgb ? 3 : 1, kh, kw, lo, hi, s0);
    s.rect(x - 0.5, y - 0.5, cw + 1, ch + 1, { fill: "none", stroke: FRAME });
    if (perFilter) s.text(x + cw / 2, y + ch + LABEL_SIZE + 2, cellLabel(f), { size: LABEL_SIZE, anchor: "middle" });
    else if (k % chans === 0) s.textMiddle(x - 8, y + ch / 2, rowLabel(f), { size: LABEL_SIZE, anchor: "end" });
  }
  if (barW) colourBar(s, width - PAD - BAR_W + 20, y0 + 14, Math.min(200, Math.max(60, gridH - colHeadH - 14)), -m, m, "weight", 0);
  return s.figure();
}

/**
 * Feature maps [C,H,W] (or [1,C,H,W]) as a grid of grey cells, each labelled with its channel and, scaled to its own
 * min (black) to max (white) by default, with that range; a constant map is mid-grey. perCell false: one scale and a
 * colour bar.
 */
export function featureMaps(act: Tensor, opts: GridOptions = {}): Figure {
  const a = act.ndim === 4 && act.shape[0] === 1 ? act.reshape(act.shape.slice(1)) : act;
  if (a.ndim !== 3) throw new ShapeError(`featureMaps: expects activations [C,H,W] or [1,C,H,W], got [${act.shape.join(",")}]`);
  const [n, h, w] = a.shape as [number, number, number];
  if (a.size === 0) throw new ValueError(`featureMaps: the activations [${act.shape.join(",")}] have no maps to draw`);
  const perCell = opts.perCell ?? true;
  const layer = opts.layer ? `${opts.layer} ` : "";
  const title = opts.title ?? `${layer}${n} feature maps ${h}×${w}`;
  const cols = opts.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const gap = opts.gap ?? 10;
  const [glo, ghi] = range(a.data);
  const barW = perCell || glo === ghi ? 0 : BAR_W;
  const sc = opts.scale ?? autoScale((MIN_FIGURE_WIDTH - 2 * PAD - barW) / cols - gap, Math.max(h, w));
  const cw = w * sc, ch = h * sc;
  const ranges = Array.from({ length: n }, (_, k) => range(a.data.subarray(k * h * w, (k + 1) * h * w)));
  const rangeText = ([lo, hi]: [number, number]): string => (lo === hi ? `all ${formatNumber(lo)}` : `${formatNumber(lo)} … ${formatNumber(hi)}`);
  // the second caption line, each map's range, only where every one fits under its cell
  const showRanges = perCell && ranges.every((r) => textWidth(rangeText(r), LABEL_SIZE - 1) <= cw + gap - 6);
  const captionH = (LABEL_SIZE + 5) * (showRanges ? 2 : 1);
  const label = labeller(cw + gap, n, [(k) => `${layer}map ${k}`, (k) => `map ${k}`, (k) => `#${k}`, String]);
  const sub = withLayer(perCell ? `each map from its own min (black) to max (white)${showRanges ? ", written under it" : ""}; a constant map is mid-grey`
    : glo === ghi ? `every value is ${formatNumber(glo)} (mid-grey)` : `one scale for all maps: black ${formatNumber(glo)}, white ${formatNumber(ghi)}`, opts.layer, title, label(0));
  const gridW = cols * (cw + gap) - gap, gridH = rows * (ch + captionH + gap) - gap;
  const width = Math.max(MIN_FIGURE_WIDTH, 2 * PAD + gridW + barW, headerWidth(title, sub));
  const top = header(null, title, sub);
  const s = new SvgWriter(width, top + gridH + PAD);
  header(s, title, sub);
  const left = PAD + Math.max(0, (width - 2 * PAD - barW - gridW) / 2);
  for (let k = 0; k < n; k++) {
    const x = Math.round(left + (k % cols) * (cw + gap)), y = Math.round(top + Math.floor(k / cols) * (ch + captionH + gap));
    const [lo, hi] = perCell ? ranges[k]! : [glo, ghi];
    drawPlane(s, x, y, a.data.subarray(k * h * w, (k + 1) * h * w), 1, h, w, lo, hi, sc);
    s.rect(x - 0.5, y - 0.5, cw + 1, ch + 1, { fill: "none", stroke: FRAME });
    s.text(x + cw / 2, y + ch + LABEL_SIZE + 2, label(k), { size: LABEL_SIZE, anchor: "middle" });
    if (showRanges) s.text(x + cw / 2, y + ch + 2 * LABEL_SIZE + 6, rangeText(ranges[k]!), { size: LABEL_SIZE - 1, anchor: "middle", fill: MUTED });
  }
  if (barW) colourBar(s, width - PAD - BAR_W + 20, top + 14, Math.min(200, Math.max(60, gridH - 14)), glo, ghi, "activation");
  return s.figure();
}

/** One picture of a montage row. */
export interface MontageCell {
  /** An image [C,H,W] (C = 1 or 3), values in any range (scaled to its min..max unless range is given). */
  image: Tensor;
  /** Text under the picture. */
  caption?: string;
  /** Outline colour (e.g. green for a correct neighbour). */
  border?: RGB;
}
/** A row of a montage: its label and its pictures. */
export interface MontageRow {
  /** Text left of the row. */
  label: string;
  /** The pictures, left to right. */
  cells: MontageCell[];
}

/** Rows of captioned images, each row with a label on the left: the nearest-neighbour picture. */
export function montage(rows: readonly MontageRow[], opts: { scale?: number; range?: [number, number]; title?: string } = {}): Figure {
  if (rows.length === 0 || rows.every((r) => r.cells.length === 0)) throw new ValueError("montage: nothing to draw");
  const first = rows.find((r) => r.cells.length > 0)!.cells[0]!.image;
  const [, h, w] = first.shape as [number, number, number];
  const sc = opts.scale ?? autoScale(84, Math.max(h, w));
  const iw = w * sc, ih = h * sc;
  const captions = rows.flatMap((r) => r.cells.map((c) => c.caption ?? ""));
  const cellW = Math.max(iw, ...captions.map((c) => textWidth(c, LABEL_SIZE))) + 16;
  const cellH = ih + LABEL_SIZE + 22;
  const labelW = Math.max(...rows.map((r) => textWidth(r.label, 12, true))) + 16;
  const cols = Math.max(...rows.map((r) => r.cells.length));
  const title = opts.title ?? "";
  const sub = opts.range ? `pixels from ${formatNumber(opts.range[0])} (black) to ${formatNumber(opts.range[1])} (white)` : "each image from its own min (black) to max (white)";
  const width = Math.max(MIN_FIGURE_WIDTH, 2 * PAD + labelW + cols * cellW, headerWidth(title, sub));
  const top = header(null, title, sub);
  const s = new SvgWriter(width, top + rows.length * cellH + PAD);
  header(s, title, sub);
  rows.forEach((r, ri) => {
    const y = top + ri * cellH + 4;
    s.textMiddle(PAD, y + ih / 2, r.label, { size: 12, bold: true });
    r.cells.forEach((cell, ci) => {
      const x = Math.round(PAD + labelW + ci * cellW + (cellW - iw) / 2);
      const im = cell.image;
      const [lo, hi] = opts.range ?? range(im.data);
      drawPlane(s, x, y, im.data, im.shape[0]!, im.shape[1]!, im.shape[2]!, lo, hi, sc);
      s.rect(x - 2, y - 2, iw + 4, ih + 4, { fill: "none", stroke: cell.border ? css(cell.border) : FRAME, "stroke-width": cell.border ? 3 : 1 });
      if (cell.caption) s.text(x + iw / 2, y + ih + LABEL_SIZE + 6, cell.caption, { size: LABEL_SIZE, anchor: "middle" });
    });
  });
  return s.figure();
}

/** A confusion matrix (rows = true class, columns = predicted) as a blue heat map with the counts written in. */
export function confusionMatrixImage(matrix: readonly (readonly number[])[], classes: readonly string[], title = "confusion matrix"): Figure {
  const n = matrix.length;
  if (n === 0 || matrix.some((r) => r.length !== n) || classes.length !== n) throw new ShapeError(`confusionMatrixImage: expects an n×n matrix and n class names, got ${n} rows and ${classes.length} names`);
  const maxCount = Math.max(1, ...matrix.flat());
  const cell = Math.max(44, textWidth(String(maxCount), LABEL_SIZE) + 12);
  const names = classes.map((c) => (c.length > 18 ? `${c.slice(0, 17)}…` : c));
  const nameW = Math.max(...names.map((c) => textWidth(c, LABEL_SIZE)));
  // column names go under the matrix, turned 45° when one is wider than a cell
  const turned = nameW > cell - 4;
  const colNamesH = turned ? nameW * 0.71 + LABEL_SIZE : LABEL_SIZE + 4;
  const axisW = SUB_SIZE + 10;
  const sub = "rows: the true class, columns: the predicted one; darker = more images";
  const gridW = axisW + nameW + 10 + n * cell;
  const width = Math.max(MIN_FIGURE_WIDTH, 2 * PAD + gridW + (turned ? nameW * 0.71 : 0), headerWidth(title, sub));
  const top = header(null, title, sub);
  const s = new SvgWriter(width, top + n * cell + 8 + colNamesH + SUB_SIZE + 12 + PAD);
  header(s, title, sub);
  const ox = PAD + Math.max(0, (width - 2 * PAD - gridW - (turned ? nameW * 0.71 : 0)) / 2);
  const x0 = ox + axisW + nameW + 10;
  s.text(ox + SUB_SIZE, top + (n * cell) / 2, "true class", { size: SUB_SIZE, fill: MUTED, anchor: "middle", rotate: -90 });
  for (let r = 0; r < n; r++) {
    s.textMiddle(x0 - 8, top + r * cell + cell / 2, names[r]!, { size: LABEL_SIZE, anchor: "end" });
    for (let c = 0; c < n; c++) {
      const v = matrix[r]![c]!;
      const t = v / maxCount;
      const fill: RGB = [Math.round(247 - 239 * t), Math.round(251 - 203 * t), Math.round(255 - 148 * t)];
      s.rect(x0 + c * cell, top + r * cell, cell - 1, cell - 1, { fill: css(fill) });
      s.textMiddle(x0 + c * cell + cell / 2, top + r * cell + cell / 2, String(v), { size: LABEL_SIZE, anchor: "middle", fill: t > 0.5 ? "#fff" : v === 0 ? "#aaa" : "#222" });
    }
  }
  const yNames = top + n * cell + 8;
  for (let c = 0; c < n; c++) {
    const cx = x0 + c * cell + cell / 2;
    if (turned) s.text(cx + 4, yNames + 4, names[c]!, { size: LABEL_SIZE, anchor: "start", rotate: 45 });
    else s.text(cx, yNames + LABEL_SIZE, names[c]!, { size: LABEL_SIZE, anchor: "middle" });
  }
  s.text(x0 + (n * cell) / 2, yNames + colNamesH + SUB_SIZE + 4, "predicted class", { size: SUB_SIZE, fill: MUTED, anchor: "middle" });
  return s.figure();
}

/** One line of a plot panel. */
export interface Series {
  /** Its name in the legend. */
  name: string;
  /** Its [x, y] points, in x order. */
  points: readonly (readonly [number, number])[];
  /** "markers" (default): a dot on each point, joined by lines; "thin": a thin line only (e.g. the loss of every step). */
  style?: "markers" | "thin";
  /** A CSS colour (default: the palette, in series order). */
  color?: string;
}
/** One plot: axes with a title, labels and lines. */
export interface Panel {
  /** Above the plot. */
  title: string;
  /** Under the x axis. */
  xLabel: string;
  /** Beside the y axis. */
  yLabel?: string;
  /** The lines. */
  series: readonly Series[];
  /** Fix the y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
  /** Fix the x range (e.g. [0, epochs]). */
  xRange?: [number, number];
  /** Ticks on the x axis at whole numbers only (epochs), once the axis spans 3 or more. */
  integerX?: boolean;
  /** A logarithmic y axis (losses that fall by decades); points ≤ 0 are left out. */
  logY?: boolean;
}

function niceTicks(lo: number, hi: number, count = 5, minStep = 0): number[] {
  const span = hi - lo || 1;
  const step0 = Math.max(span / count, minStep);
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((st) => st >= step0 * (1 - 1e-9))!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis: the powers of ten in [lo, hi], with 2× and 5× between them when there are few. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const mults = Math.log10(hi / lo) < 2.5 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const k of mults) {
      const t = Number((k * 10 ** e).toPrecision(12));
      if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push(t);
    }
  }
  return ticks;
}

/** At most ~2 points per pixel column (each column's lowest and highest, in order): the envelope of a long series. */
function thinOut(pts: readonly (readonly [number, number])[], px: (x: number) => number): (readonly [number, number])[] {
  const out: (readonly [number, number])[] = [];
  let col = NaN, lo: readonly [number, number] | null = null, hi: readonly [number, number] | null = null;
  const flush = (): void => {
    if (lo && hi) out.push(...(lo === hi ? [lo] : pts.indexOf(lo) < pts.indexOf(hi) ? [lo, hi] : [hi, lo]));
  };
  for (const p of pts) {
    const c = Math.round(px(p[0]));
    if (c !== col) {
      flush();
      col = c;
      lo = hi = p;
    } else {
      if (p[1] < lo![1]) lo = p;
      if (p[1] > hi![1]) hi = p;
    }
  }
  flush();
  return out;
}

/**
 * Line plots side by side (the training curves). Each panel has ticks, axis labels and a legend in the corner that
 * covers the fewest points; a "thin" series is a line, a "markers" series dots joined by lines (one point is a dot).
 * Panels are `width`×`height` px (default 420×320).
 */
export function curves(panels: readonly Panel[], opts: { width?: number; height?: number; title?: string } = {}): Figure {
  const pw = opts.width ?? 420, ph = opts.height ?? 320;
  const top0 = opts.title ? PAD + TITLE_SIZE + 4 : 0;
  const s = new SvgWriter(Math.max(pw * panels.length, opts.title ? headerWidth(opts.title, "") : 0), top0 + ph);
  if (opts.title) s.text(PAD, PAD + TITLE_SIZE * 0.8, opts.title, { size: TITLE_SIZE, bold: true });
  panels.forEach((p, k) => {
    const ox = k * pw;
    const left = ox + 58 + (p.yLabel ? 14 : 0), right = ox + pw - 16, top = top0 + 34, bottom = top0 + ph - 46;
    s.text(ox + pw / 2 + (left - ox - 16) / 2, top0 + 22, p.title, { size: 14, bold: true, anchor: "middle" });
    const ok = (q: readonly [number, number]): boolean => Number.isFinite(q[0]) && Number.isFinite(q[1]) && (!p.logY || q[1] > 0);
    const pts = p.series.flatMap((se) => se.points.filter(ok));
    let [x0, x1] = p.xRange ?? (pts.length ? range(pts.map((q) => q[0])) : [0, 1]);
    if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
    let [y0, y1] = p.yRange ?? (pts.length ? range(pts.map((q) => q[1])) : p.logY ? [0.1, 1] : [0, 1]);
    if (p.logY) {
      [y0, y1] = [Math.log10(y0), Math.log10(y1)];
      if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
      if (!p.yRange) [y0, y1] = [y0 - 0.04 * (y1 - y0), y1 + 0.04 * (y1 - y0)];
    } else {
      if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
      if (!p.yRange) [y0, y1] = [y0 - 0.05 * (y1 - y0), y1 + 0.05 * (y1 - y0)];
    }
    // 3 % of room on either side, so that a dot on the first or last epoch is not cut by the frame
    const [d0, d1] = [x0 - 0.03 * (x1 - x0), x1 + 0.03 * (x1 - x0)];
    const xs = (x: number): number => left + ((x - d0) / (d1 - d0)) * (right - left);
    const ys = (y: number): number => bottom - (((p.logY ? Math.log10(y) : y) - y0) / (y1 - y0)) * (bottom - top);
    s.rect(left, top, right - left, bottom - top, { fill: "#fafafa", stroke: "none" });
    const yt = p.logY ? logTicks(10 ** y0, 10 ** y1) : niceTicks(y0, y1);
    for (const t of yt) {
      s.line(left, ys(t), right, ys(t), "#e4e4e4");
      s.line(left - 4, ys(t), left, ys(t), "#444");
      s.textMiddle(left - 7, ys(t), formatNumber(t), { size: LABEL_SIZE, anchor: "end" });
    }
    // whole-number ticks once there are a few (epochs); fractions of one or two are worth a tick
    for (const t of niceTicks(x0, x1, 6, p.integerX && x1 - x0 >= 3 ? 1 : 0)) {
      s.line(xs(t), bottom, xs(t), bottom + 4, "#444");
      s.text(xs(t), bottom + 6 + LABEL_SIZE, formatNumber(t), { size: LABEL_SIZE, anchor: "middle" });
    }
    s.line(left, top, left, bottom, "#444");
    s.line(left, bottom, right, bottom, "#444");
    s.text((left + right) / 2, top0 + ph - 10, p.xLabel, { size: SUB_SIZE, anchor: "middle", fill: MUTED });
    if (p.yLabel) s.text(ox + 16, (top + bottom) / 2, p.yLabel, { size: SUB_SIZE, anchor: "middle", fill: MUTED, rotate: -90 });
    // lines stay inside the frame where a fixed range leaves points out (dots on the frame's edge may overhang it)
    const clip = s.clipRect(left, top - 4, right - left, bottom - top + 8);
    const drawn: [number, number][] = [];
    p.series.forEach((se, si) => {
      const col = se.color ?? css(PALETTE[si % PALETTE.length]!);
      const thin = se.style === "thin";
      const kept = thin && se.points.length > 2 * (right - left) ? thinOut(se.points.filter(ok), xs) : se.points;
      // a path broken where a point is missing (NaN, or ≤ 0 on a log axis)
      let d = "", pen = false;
      for (const q of kept) {
        if (!ok(q)) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${xs(q[0]).toFixed(1)} ${ys(q[1]).toFixed(1)}`;
        pen = true;
        drawn.push([xs(q[0]), ys(q[1])]);
      }
      if (d) s.el("path", { d, "clip-path": clip, fill: "none", stroke: col, "stroke-width": thin ? 1 : 2, "stroke-opacity": thin ? 0.45 : undefined, "stroke-linejoin": "round" });
      if (!thin) for (const q of kept.filter(ok)) s.el("circle", { cx: xs(q[0]), cy: ys(q[1]), r: 3.5, fill: col, stroke: "#fff", "stroke-width": 1 });
      // the joining lines of a few points count against a legend box too
      if (!thin) for (let j = 1; j < kept.length; j++) for (let t = 0.25; t < 1; t += 0.25) if (ok(kept[j - 1]!) && ok(kept[j]!)) drawn.push([xs(kept[j - 1]![0] + t * (kept[j]![0] - kept[j - 1]![0])), ys(kept[j - 1]![1]) + t * (ys(kept[j]![1]) - ys(kept[j - 1]![1]))]);
    });
    // the legend, in the corner that covers the fewest drawn points
    const lw = Math.max(...p.series.map((se) => textWidth(se.name, LABEL_SIZE))) + 40, lh = p.series.length * 16 + 8;
    const corners: [number, number][] = [[right - lw - 6, top + 6], [right - lw - 6, bottom - lh - 6], [left + 6, top + 6], [left + 6, bottom - lh - 6]];
    const covered = ([cx, cy]: [number, number]): number => drawn.filter(([x, y]) => x >= cx - 6 && x <= cx + lw + 6 && y >= cy - 6 && y <= cy + lh + 6).length;
    const [lx, ly] = corners.reduce((b, c) => (covered(c) < covered(b) ? c : b));
    if (p.series.length > 0) s.rect(lx, ly, lw, lh, { fill: "#ffffff", "fill-opacity": 0.9, stroke: "#ccc", rx: 3 });
    p.series.forEach((se, si) => {
      const col = se.color ?? css(PALETTE[si % PALETTE.length]!);
      const cy = ly + 12 + si * 16;
      s.line(lx + 8, cy, lx + 28, cy, col, se.style === "thin" ? 1 : 2);
      if (se.style !== "thin") s.el("circle", { cx: lx + 18, cy, r: 3.5, fill: col, stroke: "#fff", "stroke-width": 1 });
      s.textMiddle(lx + 34, cy, se.name, { size: LABEL_SIZE });
    });
  });
  return s.figure();
}

/** One epoch's summary, epochs counted from 1. A src/train EpochRecord (with its epoch counted from 1) is one. */
export interface EpochSummary {
  /** The epoch, counted from 1. */
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Loss on the held-out data after the epoch. */
  valLoss: number;
  /** Training accuracy, a fraction in [0, 1]. */
  trainAccuracy: number;
  /** Held-out accuracy, a fraction in [0, 1]. */
  valAccuracy: number;
}

/**
 * The training curves (curves.png): loss, with every step's training loss as a thin line under each epoch's mean
 * training loss and held-out loss as points; and accuracy per epoch, in %. Epochs count from 1: the point of epoch e
 * sits at x = e, the end of that epoch. `steps` are [x, loss] per optimiser step with x in epochs: after batch b of the
 * nb in epoch e, x = e − 1 + b/nb. The loss axis is logarithmic when the losses span more than a factor of 10.
 */
export function trainingCurves(epochs: readonly EpochSummary[], steps: readonly (readonly [number, number])[] = [], opts: { width?: number; height?: number; title?: string } = {}): Figure {
  const [blue, orange] = [css(PALETTE[0]!), css(PALETTE[1]!)];
  const last = Math.max(1, ...epochs.map((e) => e.epoch), ...steps.map((q) => Math.ceil(q[0] - 1e-9)));
  const losses = [...epochs.flatMap((e) => [e.trainLoss, e.valLoss]), ...steps.map((q) => q[1])].filter((v) => Number.isFinite(v) && v > 0);
  const [lo, hi] = range(losses);
  // single batches can reach far lower losses than any epoch's mean: on a log axis the lowest 2 % of the steps go
  // below the frame rather than squeeze the epochs' points together
  const stepLosses = steps.map((q) => q[1]).filter((v) => Number.isFinite(v) && v > 0).sort((x, y) => x - y);
  const epochLosses = epochs.flatMap((e) => [e.trainLoss, e.valLoss]).filter((v) => Number.isFinite(v) && v > 0);
  const floor = Math.min(stepLosses[Math.floor(0.02 * stepLosses.length)] ?? Infinity, ...epochLosses);
  const logY = losses.length > 0 && hi / lo > 10;
  const xLabel = "epoch (counted from 1; a point is the end of that epoch)";
  const loss: Panel = {
    title: "loss", xLabel, xRange: [0, last], integerX: true, logY,
    yRange: logY && floor > lo ? [floor / 1.15, hi * 1.15] : undefined,
    series: [
      ...(steps.length ? [{ name: "train, each step", style: "thin" as const, color: blue, points: steps }] : []),
      { name: steps.length ? "train, epoch mean" : "train", color: blue, points: epochs.map((e) => [e.epoch, e.trainLoss] as const) },
      { name: "held-out", color: orange, points: epochs.map((e) => [e.epoch, e.valLoss] as const) },
    ],
  };
  const acc: Panel = {
    title: "accuracy (%)", xLabel, xRange: [0, last], integerX: true,
    series: [
      { name: "train", color: blue, points: epochs.map((e) => [e.epoch, 100 * e.trainAccuracy] as const) },
      { name: "held-out", color: orange, points: epochs.map((e) => [e.epoch, 100 * e.valAccuracy] as const) },
    ],
  };
  return curves([loss, acc], opts);
}
