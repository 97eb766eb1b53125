// Small canvas charts for the playground: line charts (the training curves) and horizontal stacked bars (the zoo's
// parameters and MACs). They fill their container's width (so they fit a phone), drawn at the screen's pixel ratio;
// the width comes from a ResizeObserver, so redrawing a chart four times a second never forces a layout of the page.

export const COLORS = { blue: "#2563eb", red: "#dc2626", orange: "#ea8c00", grey: "#9ca3af", ink: "#222", faint: "#e5e7eb" };
const FONT = "12px system-ui, sans-serif";

/** The width of each chart's container, as its ResizeObserver last reported it. */
const widths = new WeakMap<HTMLCanvasElement, number>();

/** Calls `redraw` whenever the container of `canvas` changes width (and once at the start). */
export function fitWidth(canvas: HTMLCanvasElement, redraw: () => void): void {
  const box = canvas.parentElement;
  if (!box) return;
  new ResizeObserver((entries) => {
    const w = Math.floor(entries[0]!.contentRect.width);
    if (w > 0 && w !== widths.get(canvas)) {
      widths.set(canvas, w);
      redraw();
    }
  }).observe(box);
}

/** Sizes the canvas's backing store to its container's width × `height` CSS pixels (only when that changed) and returns
 *  a cleared context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement, height: number): { ctx: CanvasRenderingContext2D; w: number; h: number } | null {
  let known = widths.get(canvas);
  if (known === undefined) {
    known = Math.floor(canvas.parentElement?.clientWidth ?? 300);
    widths.set(canvas, known);
  }
  const w = Math.max(120, known);
  const dpr = globalThis.devicePixelRatio || 1;
  const [bw, bh] = [Math.round(w * dpr), Math.round(height * dpr)];
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.style.width = `${w}px`; // the height follows the backing store's aspect (CSS height: auto)
    canvas.width = bw;
    canvas.height = bh;
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, height);
  ctx.font = FONT;
  return { ctx, w, h: height };
}

export interface LineSeries {
  points: readonly (readonly [number, number])[];
  color: string;
  label: string;
  /** Draw a dot at each point (for sparse series). */
  dots?: boolean;
}

export interface LineChartOptions {
  height?: number;
  yMin: number;
  yMax: number;
  /** Format of the y tick labels. */
  yFormat?: (v: number) => string;
  yTicks: number[];
  xLabel: string;
  title: string;
  /** Dashed reference lines (e.g. 95 %). */
  refs?: number[];
  /** The x axis's end (default: the largest x of the series). */
  xMax?: number;
}

/** A line chart of `series` over x from 0 to the largest x (at least 1). */
export function lineChart(canvas: HTMLCanvasElement, series: readonly LineSeries[], o: LineChartOptions): void {
  const p = prepare(canvas, o.height ?? 180);
  if (!p) return;
  const { ctx, w, h } = p;
  const left = 44, right = 10, top = 22, bottom = 30;
  let xMax = Math.max(1, o.xMax ?? 0);
  for (const s of series) for (const [x] of s.points) xMax = Math.max(xMax, x);
  const X = (x: number) => left + (x / xMax) * (w - left - right);
  const Y = (y: number) => top + (1 - (Math.min(o.yMax, Math.max(o.yMin, y)) - o.yMin) / (o.yMax - o.yMin)) * (h - top - bottom);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = COLORS.ink;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.fillText(o.title, left, 3);
  // y grid and ticks
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of o.yTicks) {
    ctx.strokeStyle = COLORS.faint;
    ctx.beginPath();
    ctx.moveTo(left, Y(t));
    ctx.lineTo(w - right, Y(t));
    ctx.stroke();
    ctx.fillStyle = "#555";
    ctx.fillText((o.yFormat ?? String)(t), left - 4, Y(t));
  }
  for (const r of o.refs ?? []) {
    ctx.strokeStyle = COLORS.grey;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(left, Y(r));
    ctx.lineTo(w - right, Y(r));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  // x axis: a few round tick values
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillStyle = "#555";
  const step = Math.max(1, niceStep(xMax / 4));
  for (let x = 0; x <= xMax; x += step) ctx.fillText(fmtCount(x), X(x), h - bottom + 4);
  ctx.textAlign = "right";
  ctx.fillText(o.xLabel, w - right, h - 12);
  ctx.strokeStyle = "#999";
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(left, h - bottom);
  ctx.lineTo(w - right, h - bottom);
  ctx.stroke();
  // the series, and a legend at the top right
  ctx.textAlign = "right";
  ctx.textBaseline = "top";
  let lx = w - right;
  for (const s of [...series].reverse()) {
    ctx.fillStyle = s.color;
    ctx.fillText(s.label, lx, 3);
    lx -= ctx.measureText(s.label).width + 14;
    if (s.points.length === 0) continue;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(X(x), Y(y)) : ctx.lineTo(X(x), Y(y))));
    ctx.stroke();
    ctx.lineWidth = 1;
    if (s.dots) for (const [x, y] of s.points) ctx.fillRect(X(x) - 2, Y(y) - 2, 4, 4);
  }
}

export interface BarRow {
  label: string;
  /** Stacked segments, in the order of `segments` below. */
  values: number[];
}

/** Horizontal stacked bars on a linear scale, each row labelled with its total. */
export function barChart(canvas: HTMLCanvasElement, rows: readonly BarRow[], segments: readonly { label: string; color: string }[], title: string, fmt: (v: number) => string): void {
  const rowH = 18;
  const top = 40;
  const p = prepare(canvas, top + rows.length * rowH + 6);
  if (!p) return;
  const { ctx, w } = p;
  const left = 86, right = 64;
  const max = Math.max(1e-9, ...rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  ctx.clearRect(0, 0, w, p.h);
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillStyle = COLORS.ink;
  ctx.fillText(title, 2, 2);
  let lx = 2;
  for (const s of segments) {
    ctx.fillStyle = s.color;
    ctx.fillRect(lx, 22, 10, 10);
    ctx.fillStyle = "#444";
    ctx.fillText(s.label, lx + 14, 21);
    lx += ctx.measureText(s.label).width + 30;
  }
  ctx.textBaseline = "middle";
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    ctx.fillStyle = COLORS.ink;
    ctx.textAlign = "right";
    ctx.fillText(r.label, left - 6, y + rowH / 2);
    let x = left;
    r.values.forEach((v, k) => {
      const bw = (v / max) * (w - left - right);
      ctx.fillStyle = segments[k]!.color;
      ctx.fillRect(x, y + 3, bw, rowH - 6);
      x += bw;
    });
    ctx.fillStyle = "#444";
    ctx.textAlign = "left";
    ctx.fillText(fmt(r.values.reduce((a, b) => a + b, 0)), x + 4, y + rowH / 2);
  });
}

/** 1, 2 or 5 × a power of ten, at least v. */
export function niceStep(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** 12000 → "12k", 1500000 → "1.5M". */
export function fmtCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
