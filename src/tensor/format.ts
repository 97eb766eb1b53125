// Readable printing, a port of PyTorch 1.13's torch/_tensor_str.py: the same number formats (int, fixed 4 decimals or
// scientific), column widths, 80-character lines, and summaries (3 edge items per dim) above 1000 elements.
import type { Tensor } from "./tensor.js";

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

/** Python's '{:.Nf}': fixed notation rounded half to even on the exact binary value (JS's toFixed rounds half up). */
function toFixedHalfEven(v: number, digits: number): string {
  const s = Object.is(v, -0) ? "-" + (0).toFixed(digits) : v.toFixed(digits);
  if (Math.abs(v) >= 1e21) return s;
  const exact = v.toFixed(100); // exact: a double's expansion below 1e21 fits in 100 decimals for these magnitudes
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (rest[0] !== "5" || !/^50*$/.test(rest)) return s; // not a tie: JS and Python agree
  const truncated = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  const last = truncated.charCodeAt(truncated.length - 1) - 48;
  return last % 2 === 0 ? truncated : s; // the truncation is even: keep it; otherwise rounding up makes it even
}

/** Python's '{:.Ne}': mantissa and a signed, at least two-digit exponent. */
function toExponentialPy(v: number, digits: number): string {
  const s = v.toExponential(digits);
  const e = s.indexOf("e");
  const sign = s[e + 1]!;
  const exp = s.slice(e + 2).padStart(2, "0");
  return `${Object.is(v, -0) ? "-" : ""}${s.slice(0, e)}e${sign}${exp}`;
}

function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return null;
}

/** Chooses one number format for the whole tensor, from the values that will be shown (PyTorch's _Formatter). */
class Formatter {
  intMode = true;
  sciMode = false;
  maxWidth = 1;

  constructor(values: readonly number[]) {
    const vals = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (vals.length === 0) return;
    let min = Infinity, max = 0;
    for (const v of vals) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    this.intMode = vals.every((v) => v === Math.ceil(v));
    this.sciMode = max / min > 1000 || max > 1e8 || (!this.intMode && min < 1e-4);
    for (const v of vals) {
      const w = this.sciMode ? toExponentialPy(v, PRECISION).length : this.intMode ? toFixedHalfEven(v, 0).length + 1 : toFixedHalfEven(v, PRECISION).length;
      this.maxWidth = Math.max(this.maxWidth, w);
    }
  }

  format(v: number): string {
    let s: string;
    if (this.sciMode) s = nonFinite(v) ?? toExponentialPy(v, PRECISION);
    else if (this.intMode) s = nonFinite(v) ?? toFixedHalfEven(v, 0) + ".";
    else s = nonFinite(v) ?? toFixedHalfEven(v, PRECISION);
    return s.padStart(this.maxWidth);
  }
}

/** Indices shown along a dim of size n. */
function shownIndices(n: number, summarize: boolean): number[] {
  const idx: number[] = [];
  if (summarize && n > 2 * EDGE_ITEMS) {
    for (let i = 0; i < EDGE_ITEMS; i++) idx.push(i);
    for (let i = n - EDGE_ITEMS; i < n; i++) idx.push(i);
  } else for (let i = 0; i < n; i++) idx.push(i);
  return idx;
}

/** The values that will be printed (all of them, or the summary's edges). */
function shownValues(t: Tensor, summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, offset: number): void => {
    if (dim === t.ndim) {
      out.push(t.data[offset]!);
      return;
    }
    for (const i of shownIndices(t.shape[dim]!, summarize)) walk(dim + 1, offset + i * t.strides[dim]!);
  };
  walk(0, 0);
  return out;
}

function body(t: Tensor, fmt: Formatter, summarize: boolean, dim: number, offset: number, indent: number): string {
  const n = t.shape[dim]!;
  const cut = summarize && n > 2 * EDGE_ITEMS;
  if (dim === t.ndim - 1) {
    const items: string[] = [];
    for (const i of shownIndices(n, summarize)) {
      if (cut && i === n - EDGE_ITEMS) items.push(" ...");
      items.push(fmt.format(t.data[offset + i * t.strides[dim]!]!));
    }
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (fmt.maxWidth + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
  }
  const slices: string[] = [];
  for (const i of shownIndices(n, summarize)) {
    if (cut && i === n - EDGE_ITEMS) slices.push("...");
    slices.push(body(t, fmt, summarize, dim + 1, offset + i * t.strides[dim]!, indent + 1));
  }
  const rank = t.ndim - dim;
  return "[" + slices.join("," + "\n".repeat(rank - 1) + " ".repeat(indent + 1)) + "]";
}

/** tensor(...) exactly as PyTorch prints a float32 tensor; other dtypes and autograd state appear as suffixes. */
export function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  let text: string;
  if (t.size === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")}${t.ndim === 1 ? "," : ""})`);
    text = "[]";
  } else {
    const summarize = t.size > THRESHOLD;
    const fmt = new Formatter(shownValues(t, summarize));
    text = t.ndim === 0 ? fmt.format(t.data[0]!) : body(t, fmt, summarize, 0, 0, indent);
  }
  if (t.dtype !== "float32") suffixes.push(`dtype=${t.dtype}`);
  if (t.gradFn) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requiresGrad=true");
  // PyTorch's _add_suffixes: a suffix that would pass the line width goes on its own line
  let out = prefix + text;
  let lastLine = out.length - out.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > LINE_WIDTH) {
      out += ",\n" + " ".repeat(indent) + s;
      lastLine = indent + s.length;
    } else {
      out += ", " + s;
      lastLine += s.length + 2;
    }
  }
  return out + ")";
}
