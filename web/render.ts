// Drawing helpers for the playground: a 2-D plane of values onto a canvas (one canvas pixel per value, scaled up by
// CSS with crisp edges). One colour scheme for the whole page: grey for images (0 black, 1 white, as MNIST), and a
// blue–white–red diverging map for every signed quantity (kernels, filters, feature maps, gradients): white is 0, so
// a constant kernel is one flat colour and a zero map is white, never black.

export type ColorMap = "grey" | "diverging";

export interface PlaneView {
  /** Values of one [h, w] plane, row-major. */
  data: ArrayLike<number>;
  h: number;
  w: number;
}

export interface DrawOptions {
  map: ColorMap;
  /** Value shown as full intensity: grey maps [0, scale] to black→white; diverging maps [−scale, scale]. */
  scale: number;
  /** Screen pixels per value. */
  cell: number;
}

/** Largest |v| (at least a tiny positive number, so it can divide). */
export function absMax(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m > 0 ? m : 1e-12;
}

/** RGB of value v under a colour map. */
export function colorOf(v: number, map: ColorMap, scale: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, v / scale));
  if (map === "grey") {
    const g = Math.round(255 * Math.max(0, t));
    return [g, g, g];
  }
  // white at 0, towards red (positive) or blue (negative)
  const a = Math.abs(t);
  return t >= 0
    ? [255, Math.round(255 * (1 - 0.8 * a)), Math.round(255 * (1 - a))]
    : [Math.round(255 * (1 - a)), Math.round(255 * (1 - 0.6 * a)), 255];
}

/** Paints a plane onto `canvas` (resizing it to w×h) and sets its CSS width to cell·w (the height follows; CSS
 *  shrinks it on narrow screens). */
export function drawPlane(canvas: HTMLCanvasElement, plane: PlaneView, opts: DrawOptions): void {
  canvas.width = plane.w;
  canvas.height = plane.h;
  canvas.style.width = `${plane.w * opts.cell}px`;
  canvas.dataset["h"] = String(plane.h);
  canvas.dataset["w"] = String(plane.w);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(plane.w, plane.h);
  for (let i = 0; i < plane.h * plane.w; i++) {
    const [r, g, b] = colorOf(plane.data[i]!, opts.map, opts.scale);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A new canvas (class "pixels") showing a plane. */
export function planeCanvas(plane: PlaneView, opts: DrawOptions): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.className = "pixels";
  drawPlane(c, plane, opts);
  return c;
}

/** A digit (28 × 28 bytes or values in [0, 1]) as a grey canvas. */
export function digitCanvas(pixels: ArrayLike<number>, cell = 2, bytes = true): HTMLCanvasElement {
  return planeCanvas({ data: pixels, h: 28, w: 28 }, { map: "grey", scale: bytes ? 255 : 1, cell });
}

/** Marks cells (y, x) of a canvas drawn by drawPlane with a translucent colour; cells outside are skipped. */
export function markCells(canvas: HTMLCanvasElement, cells: ReadonlyArray<readonly [number, number]>, rgba: string): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.fillStyle = rgba;
  for (const [y, x] of cells) if (y >= 0 && x >= 0 && y < canvas.height && x < canvas.width) ctx.fillRect(x, y, 1, 1);
}

/** A number for a table cell: integers as they are, others with up to 3 decimals. */
export function fmtValue(v: number): string {
  if (v === 0) return "0"; // also −0, which a flipped or negated zero can be
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(1);
  return v.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
}

/** A kernel (or gradient) as an HTML table with coloured cells. */
export function kernelTable(values: ArrayLike<number>, k: number, kw = k): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "kernel";
  const scale = absMax(values);
  for (let r = 0; r < k; r++) {
    const tr = table.insertRow();
    for (let c = 0; c < kw; c++) {
      const v = values[r * kw + c]!;
      const td = tr.insertCell();
      td.textContent = fmtValue(v);
      const [R, G, B] = colorOf(v, "diverging", scale);
      td.style.background = `rgb(${R},${G},${B})`;
    }
  }
  return table;
}

/** 1234567 → "1,234,567". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
