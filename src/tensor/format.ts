// Readable printing in PyTorch's style: aligned columns, 4 decimals (or scientific), edges only for big tensors.
import type { Tensor } from "./tensor.js";

const EDGE = 3;
const SUMMARIZE_ABOVE = 1000;

export function formatTensor(t: Tensor): string {
  const vals = Array.from(t.data);
  const finite = vals.filter((v) => Number.isFinite(v));
  const allInt = finite.every((v) => Number.isInteger(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const sci = !allInt && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity));
  const fmt = (v: number): string => {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (sci) return v.toExponential(4);
    return allInt ? `${v}.` : v.toFixed(4);
  };
  const summarize = t.size > SUMMARIZE_ABOVE;
  const width = Math.max(1, ...vals.map((v) => fmt(v).length));
  const cell = (v: number): string => fmt(v).padStart(width);

  const render = (dim: number, offset: number, indent: number): string => {
    if (t.ndim === 0) return fmt(t.data[0]!);
    const n = t.shape[dim]!;
    const idx: (number | null)[] = [];
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    if (dim === t.ndim - 1) {
      return `[${idx.map((i) => (i === null ? "..." : cell(t.data[offset + i]!))).join(", ")}]`;
    }
    const sep = ",\n".padEnd(2 + t.ndim - dim - 1, "\n") + " ".repeat(indent + 1);
    return `[${idx.map((i) => (i === null ? "..." : render(dim + 1, offset + i * t.strides[dim]!, indent + 1))).join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  if (t.size === 0) extras.unshift(`size=[${t.shape.join(", ")}]`);
  return `tensor(${render(0, 0, 7)}${extras.length ? ", " + extras.join(", ") : ""})`;
}
