// Section "Convolution": an image (an MNIST digit, a test pattern or a drawing), a named kernel applied by
// convkit's convolve2d (cross-correlation or true convolution, stride, padding, dilation), the output size by the
// convolution-arithmetic helpers with the formula filled in, the receptive field, and the kernel's gradient.
import { F, Tensor, convOutputSize, receptiveField, samePadding, type DataArray } from "../src/index.js";
import { DIGIT_SIZE, digitPixels } from "./digits.js";
import { absMax, drawPlane, fmtValue, kernelTable, markCells } from "./render.js";
import { $, readInts, showError, type Select } from "./dom.js";
import { showFilterBank } from "./features.js";
import { LatestValues } from "./values.js";

const SIZE = DIGIT_SIZE;
const INPUT_CELL = 8;

/** Built-in images besides the digits: patterns whose filter responses are easy to predict. */
const PATTERNS: Record<string, (y: number, x: number) => number> = {
  "vertical edge": (_y, x) => (x >= SIZE / 2 ? 1 : 0),
  "horizontal edge": (y) => (y >= SIZE / 2 ? 1 : 0),
  checkerboard: (y, x) => ((Math.floor(y / 4) + Math.floor(x / 4)) % 2 === 0 ? 1 : 0),
  square: (y, x) => (y >= 8 && y < 20 && x >= 8 && x < 20 ? 1 : 0),
  "single pixel": (y, x) => (y === 13 && x === 13 ? 1 : 0),
};

export interface ConvSettings {
  kernel: F.FilterKernelName;
  mode: "correlate" | "convolve";
  stride: number;
  padding: number;
  dilation: number;
}

export interface ConvResult {
  /** The filter response, [1, 1, Hout, Wout], detached, on the page's backend. */
  output: Tensor;
  /** Its values, in JavaScript's memory. */
  values: DataArray;
  settings: ConvSettings;
}

export class ConvSection {
  /** The current 28×28 image, row-major in [0, 1]; drawing edits it in place. */
  readonly pixels = new Float32Array(SIZE * SIZE);
  private result: ConvResult | null = null;
  private readonly listeners: ((r: ConvResult | null) => void)[] = [];
  private readonly image = $<Select>("image");
  private readonly kernel = $<Select>("kernel");
  private readonly mode = $<Select>("mode");
  private readonly stride = $<HTMLInputElement>("stride");
  private readonly padding = $<HTMLInputElement>("padding");
  private readonly same = $<HTMLInputElement>("same");
  private readonly dilation = $<HTMLInputElement>("dilation");
  private readonly loss = $<Select>("loss");
  private readonly inputCanvas = $<HTMLCanvasElement>("input-canvas");
  private readonly outputCanvas = $<HTMLCanvasElement>("output-canvas");
  private readonly values = new LatestValues((e) => this.noResult(`reading the result failed: ${(e as Error).message}`));

  constructor() {
    for (let d = 0; d <= 9; d++) this.image.add(new Option(`MNIST digit ${d}`, `digit:${d}`));
    for (const name of Object.keys(PATTERNS)) this.image.add(new Option(name, `pattern:${name}`));
    this.image.add(new Option("your drawing", "drawing"));
    for (const name of F.KERNEL_NAMES) this.kernel.add(new Option(name, name));
    this.image.value = "digit:3";
    this.kernel.value = "sobel-x";
    this.loadImage();

    this.image.addEventListener("change", () => { this.loadImage(); this.update(); });
    $<HTMLButtonElement>("clear").addEventListener("click", () => {
      this.pixels.fill(0);
      this.image.value = "drawing";
      this.update();
    });
    for (const el of [this.kernel, this.mode, this.stride, this.padding, this.same, this.dilation, this.loss]) {
      el.addEventListener("input", () => this.update());
      el.addEventListener("change", () => this.update());
    }
    this.enableDrawing();
    this.enableHover();
  }

  /** Calls `fn` with every new convolution result (null when the settings are invalid). */
  onResult(fn: (r: ConvResult | null) => void): void {
    this.listeners.push(fn);
  }

  current(): ConvResult | null {
    return this.result;
  }

  private loadImage(): void {
    const v = this.image.value;
    if (v.startsWith("digit:")) this.pixels.set(digitPixels(Number(v.slice(6))));
    else if (v.startsWith("pattern:")) {
      const f = PATTERNS[v.slice(8)]!;
      for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) this.pixels[y * SIZE + x] = f(y, x);
    }
  }

  /** Reads the controls; 'same' sets the padding from samePadding(k, d). An out-of-range value gives its message. */
  settings(): ConvSettings | string {
    const kernel = this.kernel.value as F.FilterKernelName;
    if (this.same.checked) {
      const d = readInts({ dilation: [this.dilation, { name: "dilation d", min: 1, max: 8 }] });
      if (d.error === null) this.padding.value = String(samePadding(F.namedKernel(kernel).shape[0]!, d.values.dilation)[0]);
    }
    this.padding.disabled = this.same.checked;
    const r = readInts({
      stride: [this.stride, { name: "stride s", min: 1, max: 8 }],
      padding: [this.padding, { name: "padding p", min: 0, max: 8 }],
      dilation: [this.dilation, { name: "dilation d", min: 1, max: 8 }],
    });
    if (r.error !== null) return r.error;
    return { kernel, mode: this.mode.value === "convolve" ? "convolve" : "correlate", ...r.values };
  }

  /** Clears the output side and tells the listeners there is no result. */
  private noResult(message: string): void {
    this.values.drop();
    this.result = null;
    $("output-shape").textContent = "";
    $("output-range").textContent = message;
    const ctx = this.outputCanvas.getContext("2d");
    ctx?.clearRect(0, 0, this.outputCanvas.width, this.outputCanvas.height);
    $("kernel-grad").replaceChildren();
    $("grad-info").textContent = "";
    for (const fn of this.listeners) fn(null);
  }

  /** Recomputes everything from the controls: the tensors on the page's backend, then the drawing with their values
   *  (at once on the CPU backends; on the GPU once read back, the latest settings only). */
  update(): void {
    drawPlane(this.inputCanvas, { data: this.pixels, h: SIZE, w: SIZE }, { map: "grey", scale: 1, cell: INPUT_CELL });
    $("input-shape").textContent = `${SIZE} × ${SIZE}`;
    const st = this.settings();
    const error = $("conv-error");
    if (typeof st === "string") {
      showError(error, `${st} Nothing is computed until it is fixed.`);
      $("output-size").textContent = "";
      $("output-size").dataset["value"] = "";
      this.noResult(st);
      return;
    }
    showError(error, null);
    const weights = F.namedKernel(st.kernel);
    const k = weights.shape[0]!;
    // the kernel's values while they are still in JavaScript's memory (an op on the GPU moves a tensor there)
    const kernelValues = Float32Array.from(weights.data);
    $("kernel-caption").textContent = `'${st.kernel}' ${k} × ${k}`;
    $("kernel-table").replaceChildren(kernelTable(kernelValues, k));
    const flipped = st.mode === "convolve" ? weights.flip([0, 1]) : null;
    this.showArithmetic(k, st);

    // the kernel is a leaf that requires grad, so backward() fills in ∂L/∂K
    const kernelLeaf = new Tensor(kernelValues.slice(), [k, k], true);
    const x = new Tensor(Float32Array.from(this.pixels), [1, 1, SIZE, SIZE]);
    showFilterBank(x);
    let y: Tensor;
    try {
      y = F.convolve2d(x, kernelLeaf, { mode: st.mode, stride: st.stride, padding: st.padding, dilation: st.dilation });
    } catch (e) {
      showError(error, (e as Error).message);
      this.noResult((e as Error).message);
      this.values.read([flipped], ([fv]) => this.showFlipped(fv ?? null, k));
      return;
    }
    const loss = this.loss.value === "sum" ? y.sum() : y.square().sum().mul(0.5);
    loss.backward();
    const output = y.detach();
    this.values.read([y, kernelLeaf.grad, loss, flipped], ([yv, grad, lv, fv]) => {
      this.showFlipped(fv ?? null, k);
      const [ho, wo] = [y.shape[2]!, y.shape[3]!];
      const scale = absMax(yv!);
      drawPlane(this.outputCanvas, { data: yv!, h: ho, w: wo }, { map: "diverging", scale, cell: INPUT_CELL * st.stride });
      $("output-shape").textContent = `${ho} × ${wo}`;
      let lo = Infinity, hi = -Infinity;
      for (const v of yv!) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      $("output-range").textContent = `values ${fmtValue(lo)} … ${fmtValue(hi)} (blue < 0 < red)`;
      $("kernel-grad").replaceChildren(kernelTable(grad!, k));
      $("grad-info").textContent =
        `L = ${fmtValue(lv![0]!)}. Each of the ${k * k} weights is used at all ${ho} × ${wo} = ${ho * wo} output ` +
        `positions, so each entry of ∂L/∂K is a sum of ${ho * wo} terms; a fully connected layer would have a separate ` +
        `weight for each.`;
      this.result = { output, values: yv!, settings: st };
      for (const fn of this.listeners) fn(this.result);
    });
  }

  /** For a true convolution, the flipped kernel it slides (convkit's flip, as convolve2d does it). */
  private showFlipped(flipped: DataArray | null, k: number): void {
    const applied = $("kernel-applied");
    if (flipped) {
      const note = document.createElement("div");
      note.className = "dim";
      note.textContent = "convolution slides the flipped kernel:";
      applied.replaceChildren(note, kernelTable(flipped, k));
    } else {
      applied.replaceChildren();
    }
  }

  /** The output-size rule, 'same' padding and receptive field, each with its numbers filled in. */
  private showArithmetic(k: number, st: ConvSettings): void {
    const { stride: s, padding: p, dilation: d } = st;
    const el = $("output-size");
    try {
      const o = convOutputSize(SIZE, k, { stride: s, padding: p, dilation: d });
      el.textContent = d === 1
        ? `o = ⌊(i + 2p − k)/s⌋ + 1 = ⌊(${SIZE} + 2·${p} − ${k})/${s}⌋ + 1 = ${o}`
        : `o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(${SIZE} + 2·${p} − ${d}·(${k}−1) − 1)/${s}⌋ + 1 = ${o}`;
      el.dataset["value"] = String(o);
    } catch (e) {
      el.textContent = (e as Error).message;
      el.dataset["value"] = "";
    }
    const [pb] = samePadding(k, d);
    $("same-padding").textContent = d === 1
      ? `'same' padding at stride 1: p = (k − 1)/2 = (${k} − 1)/2 = ${pb}`
      : `'same' padding at stride 1: p = d(k − 1)/2 = ${d}·(${k} − 1)/2 = ${pb}`;

    const conv = { kernel: k, stride: s, padding: p, dilation: d };
    const one = receptiveField([conv]);
    const withPool = receptiveField([conv, { kernel: 2, stride: 2 }]);
    const three = receptiveField([conv, conv, conv]);
    $("receptive-field").textContent =
      `Receptive field: one output pixel sees ${one.size} × ${one.size} input pixels` +
      (d > 1 ? ` (a ${k} × ${k} kernel dilated by ${d})` : "") +
      `; after a 2 × 2 pooling with stride 2 on top, ${withPool.size} × ${withPool.size}; ` +
      `three such layers stacked see ${three.size} × ${three.size} with ${3 * k * k} weights per channel pair ` +
      `(one ${three.size} × ${three.size} kernel would need ${three.size * three.size}).`;
  }

  /** Painting on the input canvas with the mouse or a finger switches the image to "your drawing". */
  private enableDrawing(): void {
    let painting = false;
    const paint = (ev: PointerEvent) => {
      const r = this.inputCanvas.getBoundingClientRect();
      const cx = ((ev.clientX - r.left) / r.width) * SIZE;
      const cy = ((ev.clientY - r.top) / r.height) * SIZE;
      // a soft round brush of radius ~1.5 pixels
      for (let y = Math.floor(cy - 2); y <= cy + 2; y++) {
        for (let x = Math.floor(cx - 2); x <= cx + 2; x++) {
          if (y < 0 || x < 0 || y >= SIZE || x >= SIZE) continue;
          const dist = Math.hypot(y + 0.5 - cy, x + 0.5 - cx);
          const v = Math.max(0, Math.min(1, 1.8 - dist));
          this.pixels[y * SIZE + x] = Math.max(this.pixels[y * SIZE + x]!, v);
        }
      }
      this.image.value = "drawing";
      this.update();
    };
    this.inputCanvas.addEventListener("pointerdown", (ev) => {
      painting = true;
      this.inputCanvas.setPointerCapture(ev.pointerId);
      paint(ev);
    });
    this.inputCanvas.addEventListener("pointermove", (ev) => { if (painting) paint(ev); });
    const stop = () => { painting = false; };
    this.inputCanvas.addEventListener("pointerup", stop);
    this.inputCanvas.addEventListener("pointercancel", stop);
  }

  /** Hovering (or touching) an output pixel marks the input pixels its kernel taps read (its receptive field). */
  private enableHover(): void {
    const info = $("hover-info");
    const show = (ev: PointerEvent) => {
      const res = this.result;
      if (!res) return;
      const [ho, wo] = [res.output.shape[2]!, res.output.shape[3]!];
      const r = this.outputCanvas.getBoundingClientRect();
      const ox = Math.min(wo - 1, Math.floor(((ev.clientX - r.left) / r.width) * wo));
      const oy = Math.min(ho - 1, Math.floor(((ev.clientY - r.top) / r.height) * ho));
      const { stride: s, padding: p, dilation: d } = res.settings;
      const k = F.namedKernel(res.settings.kernel).shape[0]!;
      // tap (u, v) of output (oy, ox) reads input (oy·s − p + u·d, ox·s − p + v·d); outside the image it reads padding
      const taps: [number, number][] = [];
      for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) taps.push([oy * s - p + u * d, ox * s - p + v * d]);
      drawPlane(this.inputCanvas, { data: this.pixels, h: SIZE, w: SIZE }, { map: "grey", scale: 1, cell: INPUT_CELL });
      markCells(this.inputCanvas, taps, "rgba(255, 140, 0, 0.75)");
      const outside = taps.filter(([y, x]) => y < 0 || x < 0 || y >= SIZE || x >= SIZE).length;
      const [y0, x0] = taps[0]!;
      const [y1, x1] = taps[taps.length - 1]!;
      info.textContent = `output (${oy}, ${ox}) = ${fmtValue(res.values[oy * wo + ox]!)} reads input rows ${y0}…${y1}, ` +
        `columns ${x0}…${x1}` + (d > 1 ? ` every ${d}` : "") + (outside ? `; ${outside} taps fall in the zero padding` : "");
    };
    // a finger gives pointerdown and, while it slides, pointermove (touch-action: none keeps the page from scrolling)
    this.outputCanvas.addEventListener("pointermove", show);
    this.outputCanvas.addEventListener("pointerdown", show);
    this.outputCanvas.addEventListener("pointerleave", () => {
      drawPlane(this.inputCanvas, { data: this.pixels, h: SIZE, w: SIZE }, { map: "grey", scale: 1, cell: INPUT_CELL });
    });
  }
}
