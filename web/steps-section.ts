// Section "Convolution arithmetic, step by step" (after Dumoulin & Visin's animations): a small integer input and
// kernel; for a convolution, the kernel's window over the (padded) input for one output pixel at a time, with the
// element-wise products and their sum; for a transposed convolution, one input pixel at a time scattering a scaled
// copy of the kernel into the output. The output sizes come from convOutputSize / convTransposeOutputSize, the values
// from F.conv2d / F.convTranspose2d, and each hand-written sum is checked against them.
import { F, Generator, Tensor, convOutputSize, convTransposeOutputSize, type DataArray } from "../src/index.js";
import { $, el, readInts, showError, type Select } from "./dom.js";
import { fmtValue } from "./render.js";
import { LatestValues } from "./values.js";

interface StepConfig {
  mode: "conv" | "transposed";
  i: number;
  k: number;
  s: number;
  p: number;
  d: number;
  op: number;
}

/** Seeded small integers: inputs 0…3, kernel weights −1…2 (never all zero). */
function values(count: number, seed: number, lo: number, hi: number): Float32Array {
  const g = new Generator(seed);
  const v = Float32Array.from({ length: count }, () => lo + g.int(hi - lo + 1));
  if (v.every((x) => x === 0)) v[0] = 1;
  return v;
}

const ms = 900;

export class StepsSection {
  private cfg: StepConfig | null = null;
  private t = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private x: Float32Array = new Float32Array(0);
  private kernel: Float32Array = new Float32Array(0);
  /** The library's output, in JavaScript's memory (read back from the GPU there). */
  private y: DataArray | null = null;
  private readonly values = new LatestValues();
  private o = 0;
  private readonly play = $<HTMLButtonElement>("step-play");

  constructor() {
    const ids = ["step-i", "step-k", "step-s", "step-p", "step-d", "step-op"];
    for (const id of ids) $<HTMLInputElement>(id).addEventListener("input", () => this.rebuild());
    $<Select>("step-mode").addEventListener("change", () => this.rebuild());
    $("step-prev").addEventListener("click", () => this.go(this.t - 1));
    $("step-next").addEventListener("click", () => this.go(this.t + 1));
    this.play.addEventListener("click", () => (this.timer ? this.stop() : this.start()));
    globalThis.addEventListener("resize", () => this.render());
    this.rebuild();
  }

  private start(): void {
    if (!this.cfg) return;
    this.play.textContent = "❚❚ Pause";
    this.timer = setInterval(() => this.go((this.t + 1) % this.steps()), ms);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "▶ Play";
  }

  private steps(): number {
    if (!this.cfg) return 0;
    return this.cfg.mode === "conv" ? this.o * this.o : this.cfg.i * this.cfg.i;
  }

  private go(t: number): void {
    const n = this.steps();
    if (n === 0) return;
    this.t = (t + n) % n;
    this.render();
  }

  /** Reads and checks the controls, then computes the operation with convkit. */
  rebuild(): void {
    const mode = $<Select>("step-mode").value === "transposed" ? "transposed" : "conv";
    $("step-op-label").hidden = mode !== "transposed";
    const input = (id: string) => $<HTMLInputElement>(id);
    const r = readInts({
      i: [input("step-i"), { name: "input size i", min: 2, max: 8 }],
      k: [input("step-k"), { name: "kernel size k", min: 1, max: 5 }],
      s: [input("step-s"), { name: "stride s", min: 1, max: 4 }],
      p: [input("step-p"), { name: "padding p", min: 0, max: 3 }],
      d: [input("step-d"), { name: "dilation d", min: 1, max: 3 }],
      op: [input("step-op"), { name: "output padding", min: 0, max: 3 }],
    });
    const error = $("step-error");
    this.cfg = null;
    this.y = null;
    if (r.error !== null) return this.fail(error, r.error);
    const c: StepConfig = { mode, ...r.values };
    if (mode === "conv") c.op = 0;
    this.x = values(c.i * c.i, 100 + c.i, 0, 3);
    this.kernel = values(c.k * c.k, 200 + c.k, -1, 2);
    const xt = new Tensor(this.x, [1, 1, c.i, c.i]);
    const kt = new Tensor(this.kernel, [1, 1, c.k, c.k]);
    let y: Tensor;
    try {
      if (mode === "conv") {
        this.o = convOutputSize(c.i, c.k, { stride: c.s, padding: c.p, dilation: c.d });
        y = F.conv2d(xt, kt, null, { stride: c.s, padding: c.p, dilation: c.d });
      } else {
        this.o = convTransposeOutputSize(c.i, c.k, { stride: c.s, padding: c.p, dilation: c.d, outputPadding: c.op });
        y = F.convTranspose2d(xt, kt, null, { stride: c.s, padding: c.p, dilation: c.d, outputPadding: c.op });
      }
    } catch (e) {
      return this.fail(error, (e as Error).message);
    }
    showError(error, null);
    this.values.read([y], ([values]) => {
      this.y = values;
      this.cfg = c;
      this.t = 0;
      this.render();
    });
  }

  private fail(error: HTMLElement, message: string): void {
    this.values.drop();
    this.stop();
    showError(error, message);
    for (const id of ["step-input", "step-kernel", "step-output"]) $(id).replaceChildren();
    $("step-sum").textContent = "";
    $("step-formula").textContent = "";
    $("step-formula").dataset["value"] = "";
    $("step-counter").textContent = "";
  }

  /** Lays out a grid of rows × cols cells sized to fit the section; cell(r, c) fills each. */
  private grid(id: string, rows: number, cols: number, cell: (r: number, c: number, div: HTMLElement) => void): void {
    const box = $(id);
    const avail = Math.min(440, $("sec-steps").clientWidth - 4);
    const size = Math.max(10, Math.min(30, Math.floor(avail / cols) - 1));
    box.style.gridTemplateColumns = `repeat(${cols}, ${size}px)`;
    box.style.setProperty("--cell", `${size}px`);
    box.classList.toggle("tiny", size < 18);
    box.dataset["rows"] = String(rows);
    box.dataset["cols"] = String(cols);
    const cells: HTMLElement[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const div = el("div", "cell");
        cell(r, c, div);
        cells.push(div);
      }
    }
    box.replaceChildren(...cells);
  }

  render(): void {
    const c = this.cfg;
    const y = this.y;
    if (!c || !y) return;
    const n = this.steps();
    $("step-counter").textContent = `step ${this.t + 1} of ${n}`;
    this.grid("step-kernel", c.k, c.k, (r, col, div) => {
      div.textContent = fmtValue(this.kernel[r * c.k + col]!);
      div.classList.add("kernel");
    });
    if (c.mode === "conv") this.renderConv(c, y);
    else this.renderTransposed(c, y);
  }

  private renderConv(c: StepConfig, y: DataArray): void {
    const { i, k, s, p, d } = c;
    const o = this.o;
    const oy = Math.floor(this.t / o), ox = this.t % o;
    const taps = new Map<string, number>(); // "y,x" of the input (padding coordinates allowed) → kernel index
    for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) taps.set(`${oy * s - p + u * d},${ox * s - p + v * d}`, u * k + v);
    $("step-input-caption").textContent = `Input ${i} × ${i}` + (p ? `, padded by ${p} (dashed zeros)` : "");
    this.grid("step-input", i + 2 * p, i + 2 * p, (r, col, div) => {
      const yy = r - p, xx = col - p;
      const inside = yy >= 0 && xx >= 0 && yy < i && xx < i;
      div.textContent = inside ? fmtValue(this.x[yy * i + xx]!) : "0";
      if (!inside) div.classList.add("pad");
      if (taps.has(`${yy},${xx}`)) div.classList.add("tap");
    });
    $("step-output-caption").textContent = `Output ${o} × ${o}`;
    this.grid("step-output", o, o, (r, col, div) => {
      const idx = r * o + col;
      if (idx <= this.t) div.textContent = fmtValue(y[idx]!);
      if (idx < this.t) div.classList.add("done");
      if (idx === this.t) div.classList.add("current");
      div.dataset["value"] = String(y[idx]);
      div.addEventListener("click", () => this.go(idx));
    });
    // the products under the window, as the lecture writes them: K·A + … = Z
    const sum = $("step-sum");
    const parts: HTMLElement[] = [el("span", "", `Z[${oy},${ox}] = `)];
    let total = 0;
    let first = true;
    for (const [key, ki] of taps) {
      const [yy, xx] = key.split(",").map(Number) as [number, number];
      const inside = yy >= 0 && xx >= 0 && yy < i && xx < i;
      const a = inside ? this.x[yy * i + xx]! : 0;
      total += this.kernel[ki]! * a;
      if (!first) parts.push(el("span", "", " + "));
      first = false;
      parts.push(el("span", inside ? "term" : "term pad", `${paren(this.kernel[ki]!)}·${paren(a)}`));
    }
    const lib = y[oy * o + ox]!;
    parts.push(el("span", "", ` = ${fmtValue(total)}`), el("span", total === lib ? "ok" : "bad",
      total === lib ? "  ✓ F.conv2d gives the same" : `  ✗ F.conv2d gives ${fmtValue(lib)}`));
    sum.replaceChildren(...parts);
    sum.dataset["value"] = String(total);
    const f = $("step-formula");
    f.textContent = `o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(${i} + 2·${p} − ${d}·(${k}−1) − 1)/${s}⌋ + 1 = ${o}` +
      (d > 1 ? ` (the dilated kernel spans d(k−1)+1 = ${d * (k - 1) + 1} inputs)` : "");
    f.dataset["value"] = String(o);
  }

  private renderTransposed(c: StepConfig, y: DataArray): void {
    const { i, k, s, p, d, op } = c;
    const o = this.o;
    const iy = Math.floor(this.t / i), ix = this.t % i;
    // partial sums after input pixels 0…t; output (y, x) of input (a, b) and tap (u, v) is (a·s − p + u·d, b·s − p + v·d)
    const partial = new Float32Array(o * o);
    const current = new Map<number, string>();
    const lines: string[] = [];
    let dropped = 0;
    for (let t = 0; t <= this.t; t++) {
      const a = Math.floor(t / i), b = t % i;
      const xv = this.x[t]!;
      for (let u = 0; u < k; u++) {
        for (let v = 0; v < k; v++) {
          const yy = a * s - p + u * d, xx = b * s - p + v * d;
          const inside = yy >= 0 && xx >= 0 && yy < o && xx < o;
          if (t === this.t) {
            if (inside) {
              current.set(yy * o + xx, `${paren(xv)}·${paren(this.kernel[u * k + v]!)}`);
              lines.push(`Z[${yy},${xx}] += ${paren(xv)}·${paren(this.kernel[u * k + v]!)}`);
            } else dropped++;
          }
          if (inside) partial[yy * o + xx] += xv * this.kernel[u * k + v]!;
        }
      }
    }
    $("step-input-caption").textContent = `Input ${i} × ${i}`;
    this.grid("step-input", i, i, (r, col, div) => {
      const idx = r * i + col;
      div.textContent = fmtValue(this.x[idx]!);
      if (idx < this.t) div.classList.add("done");
      if (idx === this.t) div.classList.add("current");
      div.addEventListener("click", () => this.go(idx));
    });
    $("step-output-caption").textContent = `Output ${o} × ${o} (sums so far)`;
    this.grid("step-output", o, o, (r, col, div) => {
      const idx = r * o + col;
      div.textContent = fmtValue(partial[idx]!);
      if (current.has(idx)) div.classList.add("tap");
      div.dataset["value"] = String(y[idx]);
    });
    const last = this.t === i * i - 1;
    const agrees = partial.every((v, idx) => v === y[idx]);
    const sum = $("step-sum");
    sum.replaceChildren(
      el("span", "", `A[${iy},${ix}] = ${fmtValue(this.x[this.t]!)} scatters ${fmtValue(this.x[this.t]!)}·K: `),
      el("span", "term", lines.join(", ") || "nothing lands inside the output"),
      el("span", "term pad", dropped ? `; ${dropped} of its ${k * k} products fall in the cropped border (padding p = ${p})` : ""),
      el("span", last ? (agrees ? "ok" : "bad") : "", last ? (agrees ? "  ✓ the sums equal F.convTranspose2d" : "  ✗ differs from F.convTranspose2d") : ""),
    );
    const f = $("step-formula");
    let back = "";
    try {
      const b = convOutputSize(o, k, { stride: s, padding: p, dilation: d });
      back = ` — the convolution's rule run backwards: a convolution with the same k, s, p, d takes ${o} × ${o} back to ${b} × ${b}`;
    } catch { /* the kernel is larger than the padded output: no such convolution */ }
    f.textContent = `o = (i − 1)·s − 2p + d(k − 1) + output_padding + 1 = (${i} − 1)·${s} − 2·${p} + ${d}·(${k} − 1) + ${op} + 1 = ${o}${back}`;
    f.dataset["value"] = String(o);
  }
}

/** A number in a product, negative ones in parentheses: 2·(−1). */
function paren(v: number): string {
  return v < 0 ? `(${fmtValue(v).replace("-", "−")})` : fmtValue(v);
}
