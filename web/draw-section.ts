// Section "Draw a digit": a drawing pad (mouse, pen or finger), the drawing made into LeNet-5's input the way MNIST's
// digits were made (web/digit-input.ts), the top-5 classes, and every layer's output: the maps of C1, S2, C3, S4, C5,
// the flattened vector, F6 and the logits. A click on a map enlarges it beside the kernels that made it and the maps
// they were applied to (as CNN Explainer does).
import { $, el, tile, type Select } from "./dom.js";
import { absMax, colorOf, fmtValue, planeCanvas } from "./render.js";
import { centreDigit, toModelInput, INPUT } from "./digit-input.js";
import { digitPixels } from "./digits.js";
import { filterTile } from "./features.js";
import type { LabClient } from "./lab-client.js";
import type { InferResult, LayerOutput, ModelChoice } from "./lab-protocol.js";
import { data } from "../src/index.js";

const PAD = 280;
/** A map tile is about this many CSS pixels wide. */
const TILE = 56;
const VECTOR_ROW = 60;

/** The 32 × 32 input plane back in [0, 1] (undoing the normalisation), for display. */
function seen(input: Float32Array): Float32Array {
  return input.map((v) => v * data.MNIST_STD + data.MNIST_MEAN);
}

export class DrawSection {
  private readonly pad = $<HTMLCanvasElement>("draw-pad");
  private readonly ctx: CanvasRenderingContext2D;
  private readonly select = $<Select>("draw-model");
  /** The enlarged map; it moves to just below the row of the map it shows. */
  private readonly detail = $("map-detail");
  private digit: Float32Array | null = null;
  private input: Float32Array | null = null;
  private inFlight = false;
  private again = false;
  private lastTraining = 0;
  private result: InferResult | null = null;
  private selected: { key: string; channel: number } | null = { key: "features.3", channel: 0 };
  /** Called after each classification (the neighbours section offers the drawing as a query). */
  onDigit: (digit: Float32Array | null) => void = () => {};

  constructor(private readonly lab: LabClient) {
    this.ctx = this.pad.getContext("2d", { willReadFrequently: true })!;
    this.clear();
    this.enableDrawing();
    $("draw-clear").addEventListener("click", () => {
      this.clear();
      this.refresh();
    });
    this.select.addEventListener("change", () => this.refresh());
    lab.on("ready", () => {
      this.showDigit(digitPixels(2));
      this.refresh();
    });
    lab.on("progress", () => {
      // the network being trained changes under the drawing: look again, at most once a second
      if (this.model() === "training" && performance.now() - this.lastTraining > 1000) {
        this.lastTraining = performance.now();
        this.refresh();
      }
    });
  }

  model(): ModelChoice {
    return this.select.value === "training" ? "training" : "shipped";
  }

  /** The drawing as a centred 28 × 28 digit (null when the pad is empty). */
  current(): Float32Array | null {
    return this.digit;
  }

  private clear(): void {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, PAD, PAD);
  }

  /** Paints a 28 × 28 digit onto the pad, enlarged (smoothly), as if drawn. */
  private showDigit(px: Float32Array): void {
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const sctx = small.getContext("2d")!;
    const img = sctx.createImageData(28, 28);
    px.forEach((v, i) => {
      img.data.fill(Math.round(255 * v), 4 * i, 4 * i + 3);
      img.data[4 * i + 3] = 255;
    });
    sctx.putImageData(img, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(small, 0, 0, PAD, PAD);
  }

  private enableDrawing(): void {
    let last: [number, number] | null = null;
    const at = (ev: PointerEvent): [number, number] => {
      const r = this.pad.getBoundingClientRect();
      return [((ev.clientX - r.left) / r.width) * PAD, ((ev.clientY - r.top) / r.height) * PAD];
    };
    const line = (a: [number, number], b: [number, number]) => {
      this.ctx.strokeStyle = "#fff";
      this.ctx.lineCap = "round";
      this.ctx.lineJoin = "round";
      this.ctx.lineWidth = PAD / 12;
      this.ctx.beginPath();
      this.ctx.moveTo(...a);
      this.ctx.lineTo(...b);
      this.ctx.stroke();
    };
    this.pad.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      this.pad.setPointerCapture(ev.pointerId);
      last = at(ev);
      line(last, last);
      this.refresh();
    });
    this.pad.addEventListener("pointermove", (ev) => {
      if (!last) return;
      const p = at(ev);
      line(last, p);
      last = p;
      this.refresh();
    });
    const end = () => {
      if (!last) return;
      last = null;
      this.refresh();
    };
    this.pad.addEventListener("pointerup", end);
    this.pad.addEventListener("pointercancel", end);
  }

  /** Reads the pad and asks the lab to classify it; one request at a time, the latest drawing wins. */
  refresh(): void {
    if (!this.lab.ready) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const rgba = this.ctx.getImageData(0, 0, PAD, PAD).data;
    const ink = new Float32Array(PAD * PAD);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i]! / 255;
    this.digit = centreDigit(ink, PAD, PAD);
    this.onDigit(this.digit);
    if (!this.digit) {
      this.result = null;
      this.input = null;
      $("top5").replaceChildren(el("li", "dim", "Draw a digit on the pad."));
      $("top5").dataset["top"] = "";
      $("top5").dataset["busy"] = "0";
      $("layers").replaceChildren();
      this.detail.hidden = true;
      $<HTMLCanvasElement>("draw-seen").getContext("2d")?.clearRect(0, 0, INPUT, INPUT);
      return;
    }
    const input = toModelInput(this.digit);
    this.inFlight = true;
    $("top5").dataset["busy"] = "1";
    this.lab.infer(this.model(), input).then((r) => {
      this.input = input;
      this.result = r;
      this.show();
    }, (e: unknown) => {
      $("top5").replaceChildren(el("li", "error", (e as Error).message));
    }).finally(() => {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      } else $("top5").dataset["busy"] = "0";
    });
  }

  private show(): void {
    const r = this.result, input = this.input;
    if (!r || !input) return;
    const seenCanvas = $<HTMLCanvasElement>("draw-seen");
    planeInto(seenCanvas, seen(input));
    // top 5
    const order = Array.from(r.probs.keys()).sort((a, b) => r.probs[b]! - r.probs[a]!);
    const list = $("top5");
    list.replaceChildren(...order.slice(0, 5).map((d) => {
      const li = el("li");
      const bar = el("span", "bar");
      bar.style.width = `${(100 * r.probs[d]!).toFixed(1)}%`;
      const track = el("span", "track");
      track.append(bar);
      li.append(el("span", "digit-label", String(d)), track, el("span", "pct", `${(100 * r.probs[d]!).toFixed(1)} %`));
      return li;
    }));
    list.dataset["top"] = String(order[0]);
    list.dataset["probs"] = Array.from(r.probs, (p) => p.toFixed(4)).join(",");
    // every layer, and the enlarged map below its row
    const rows = r.layers.map((l) => this.layerRow(l));
    $("layers").replaceChildren(...rows);
    const at = rows.find((row) => row.dataset["key"] === this.selected?.key);
    if (at) at.after(this.detail);
    this.showDetail();
  }

  private layerRow(l: LayerOutput): HTMLElement {
    const row = el("div", "layer");
    row.dataset["key"] = l.key;
    row.append(el("div", "layer-title", `${l.title} — output ${l.shape.join(" × ")}`));
    const maps = el("div", "maps");
    const scale = absMax(l.data);
    const spatial = l.shape.length === 3 && l.shape[1]! > 1;
    if (spatial) {
      const [c, h, w] = l.shape as [number, number, number];
      const cell = Math.max(1, Math.floor(TILE / Math.max(h, w)));
      for (let ch = 0; ch < c; ch++) {
        const canvas = planeCanvas({ data: l.data.subarray(ch * h * w, (ch + 1) * h * w), h, w }, { map: "diverging", scale, cell });
        const t = tile(canvas, String(ch + 1), "tile map");
        t.dataset["channel"] = String(ch);
        t.title = `map ${ch + 1}: click to enlarge it with the kernels that made it`;
        if (this.selected?.key === l.key && this.selected.channel === ch) t.classList.add("selected");
        t.addEventListener("click", () => {
          this.selected = { key: l.key, channel: ch };
          this.show();
        });
        maps.append(t);
      }
    } else if (l.data.length <= 10) {
      // the logits: one labelled cell per digit
      const cells = el("div", "logits");
      l.data.forEach((v, d) => {
        const c = el("span", "logit", String(d));
        const [R, G, B] = colorOf(v, "diverging", scale);
        c.style.background = `rgb(${R},${G},${B})`;
        c.title = `logit of ${d}: ${fmtValue(v)}`;
        cells.append(c);
      });
      maps.append(tile(cells, "logits of the digits 0 … 9 (softmax turns them into the top 5 above)", "tile vector"));
    } else {
      // a vector (C5's 120 maps of 1 × 1, the flattened input of F6, F6): one cell per value, in rows
      const n = l.data.length;
      const w = Math.min(n, VECTOR_ROW);
      const padded = new Float32Array(Math.ceil(n / w) * w);
      padded.set(l.data);
      const canvas = planeCanvas({ data: padded, h: padded.length / w, w }, { map: "diverging", scale, cell: 5 });
      maps.append(tile(canvas, `${n} values, ${w} to a row`, "tile vector"));
    }
    row.append(maps);
    return row;
  }

  /** The selected map enlarged, with the convolution that made it: its kernels and the maps they were applied to. */
  private showDetail(): void {
    const r = this.result, input = this.input, sel = this.selected;
    const box = this.detail;
    const idx = r && sel ? r.layers.findIndex((l) => l.key === sel.key) : -1;
    if (!r || !input || !sel || idx < 0) {
      box.hidden = true;
      return;
    }
    const l = r.layers[idx]!;
    const [c, h, w] = l.shape as [number, number, number];
    if (l.shape.length !== 3 || sel.channel >= c) {
      box.hidden = true;
      return;
    }
    // the convolution behind this map: this layer, or the nearest one before it (a ReLU or pooling keeps the channel)
    let ci = idx;
    while (ci >= 0 && !r.layers[ci]!.weight) ci--;
    const conv = r.layers[ci]!;
    const big = planeCanvas({ data: l.data.subarray(sel.channel * h * w, (sel.channel + 1) * h * w), h, w },
      { map: "diverging", scale: absMax(l.data), cell: Math.max(2, Math.floor(196 / Math.max(h, w))) });
    const name = l.title.split(" · ")[0];
    const head = el("div", "detail-map");
    head.append(tile(big, `${name} map ${sel.channel + 1} (${h} × ${w})`));
    const [, ic, kh, kw] = conv.weight!.shape as [number, number, number, number];
    const kernels = conv.weight!.data.subarray(sel.channel * ic * kh * kw, (sel.channel + 1) * ic * kh * kw);
    const prev = ci > 0 ? r.layers[ci - 1]! : null;
    const source = prev ?? { title: "input", shape: [1, INPUT, INPUT], data: input };
    const [, sh, sw] = source.shape as [number, number, number];
    const sourceName = prev ? prev.title.split(" · ")[0] : "the input";
    const pairs = el("div", "pairs");
    const sourceScale = absMax(source.data);
    for (let i = 0; i < ic; i++) {
      const pair = el("div", "pair");
      const src = planeCanvas({ data: source.data.subarray(i * sh * sw, (i + 1) * sh * sw), h: sh, w: sw },
        { map: ci === 0 ? "grey" : "diverging", scale: ci === 0 ? 1 : sourceScale, cell: Math.max(1, Math.floor(40 / sh)) });
      pair.append(tile(src, ci === 0 ? "input" : `map ${i + 1}`), el("span", "op", "⋆"),
        filterTile(kernels.subarray(i * kh * kw, (i + 1) * kh * kw), kh, kw, `kernel ${i + 1}`, 7));
      pairs.append(pair);
    }
    const bias = conv.bias?.[sel.channel] ?? 0;
    const convName = conv.title.split(" · ")[0];
    const how = l === conv
      ? `${convName} map ${sel.channel + 1} = ${fmtValue(bias)} (bias) + the sum over the ${ic} map${ic > 1 ? "s" : ""} of ${sourceName} of map ⋆ kernel (cross-correlation, 5 × 5, no padding: ${sh} → ${h}).`
      : l.type === "ReLU"
        ? `ReLU keeps the positive values of ${convName} map ${sel.channel + 1} and sets the negative ones to 0. ${convName}'s map was made by these kernels (bias ${fmtValue(bias)}):`
        : `Max pooling keeps the largest value of each 2 × 2 window of ${convName} map ${sel.channel + 1} after its ReLU. The kernels behind it (bias ${fmtValue(bias)}):`;
    box.replaceChildren(head, el("p", "", how), pairs);
    box.dataset["key"] = sel.key;
    box.dataset["channel"] = String(sel.channel);
    box.dataset["kernels"] = String(ic);
    box.hidden = false;
  }
}

/** Draws a 32 × 32 plane in [0, 1] in grey on an existing canvas. */
function planeInto(canvas: HTMLCanvasElement, values: Float32Array): void {
  const c = planeCanvas({ data: values, h: INPUT, w: INPUT }, { map: "grey", scale: 1, cell: 4 });
  canvas.width = c.width;
  canvas.height = c.height;
  canvas.style.width = c.style.width;
  canvas.getContext("2d")?.drawImage(c, 0, 0);
  canvas.dataset["h"] = String(INPUT);
  canvas.dataset["w"] = String(INPUT);
}
