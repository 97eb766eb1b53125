// Section "Train LeNet-5": live training in the lab worker with start/pause/reset, learning rate, batch size and
// optimizer; the training loss and held-out accuracy curves, images per second, and a grid of held-out digits with the
// network's current predictions (wrong ones marked). The page's thread only draws what the worker reports.
import { $, drawWhenVisible, showError, type Select } from "./dom.js";
import { digitCanvas } from "./render.js";
import { COLORS, fitWidth, lineChart } from "./charts.js";
import type { LabClient } from "./lab-client.js";
import type { EvalPoint, LabEnv, OptimizerName, TrainSettings } from "./lab-protocol.js";

/** Learning rates offered (a select: no invalid values to type), and each optimizer's usual one. */
const LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.002, 0.005, 0.01, 0.03, 0.05, 0.1, 0.3, 1, 3];
const DEFAULT_LR: Record<OptimizerName, number> = { adam: 0.002, sgd: 0.05 };
const BATCH_SIZES = [1, 4, 8, 16, 32, 64, 128, 256];
/** Held-out digits shown in the grid, per class. */
const PER_CLASS = 6;
/** Canvas pixels per digit in the grid (the canvas is scaled to the page's width). */
const GRID_CELL = 48;

/** A sentence about where the lab computes, for the status lines. */
export function envText(env: LabEnv): string {
  if (env.backend === "webgpu") {
    return `Training runs in a Web Worker on the GPU, through WebGPU (adapter: ${env.adapter || "unnamed"}); each step's ` +
      "loss and each evaluation's accuracy are read back from it.";
  }
  const where = env.backend === "wasm"
    ? `WebAssembly SIMD${env.relaxed ? " (relaxed)" : ""} on ${env.threads} thread${env.threads === 1 ? "" : "s"}`
    : "convkit's JavaScript kernels" + (env.simd ? " (picked in the Backend section)" : " (no WebAssembly SIMD here)");
  const iso = env.crossOriginIsolated
    ? `the page is cross-origin isolated, so the lab may use threads: all ${env.cores} cores but one, which stays with the page`
    : "this host sends no COOP/COEP headers, so the page is not cross-origin isolated and runs single-threaded";
  return `Training runs in a Web Worker on ${where}; ${iso}.`;
}

export class TrainSection {
  private readonly run = $<HTMLButtonElement>("train-run");
  private readonly lr = $<Select>("train-lr");
  private readonly batch = $<Select>("train-batch");
  private readonly opt = $<Select>("train-opt");
  private readonly stats = $("train-stats");
  private running = false;
  private losses: [number, number][] = [];
  private evals: EvalPoint[] = [];
  private gridIndices: number[] = [];
  private gridPixels: Uint8Array | null = null;
  private labels: Uint8Array | null = null;
  private last = { seen: 0, step: 0, epoch: 0, ips: 0 };
  private predictions: Uint8Array | null = null;
  /** Asks for the curves and the grid to be redrawn (at the next frame, if the section is on screen). */
  private readonly schedule: () => void;
  /** Called with a held-out digit's index when the student clicks it in the grid. */
  onPick: (index: number) => void = () => {};

  constructor(private readonly lab: LabClient) {
    this.schedule = drawWhenVisible($("sec-train"), () => {
      this.draw();
      this.drawGrid(this.predictions);
    });
    for (const v of LEARNING_RATES) this.lr.add(new Option(String(v), String(v)));
    for (const b of BATCH_SIZES) this.batch.add(new Option(String(b), String(b)));
    this.lr.value = "0.002";
    this.batch.value = "32";
    this.opt.value = "adam";
    this.run.disabled = true;
    $<HTMLButtonElement>("train-reset").disabled = true;
    this.run.addEventListener("click", () => {
      this.lab.send({ kind: this.running ? "pause" : "start" });
      this.setRunning(!this.running);
      showError($("train-error"), null);
    });
    $<HTMLButtonElement>("train-reset").addEventListener("click", () => {
      this.losses = [];
      this.evals = [];
      this.lab.send({ kind: "reset" });
      this.draw();
    });
    this.opt.addEventListener("change", () => {
      // switching optimizer also switches to its usual rate, unless the student had picked another one
      const other: OptimizerName = this.opt.value === "sgd" ? "adam" : "sgd";
      if (Number(this.lr.value) === DEFAULT_LR[other]) this.lr.value = String(DEFAULT_LR[this.opt.value as OptimizerName]);
      this.sendSettings();
    });
    for (const s of [this.lr, this.batch]) s.addEventListener("change", () => this.sendSettings());

    lab.on("ready", (m) => {
      $("train-env").textContent = envText(m.env);
      this.labels = m.test.labels;
      this.buildGrid(m.test.pixels, m.test.labels);
      this.run.disabled = false;
      $<HTMLButtonElement>("train-reset").disabled = false;
      this.sendSettings();
    });
    lab.on("env", (m) => { $("train-env").textContent = envText(m.env); });
    lab.on("progress", (m) => {
      // a reset's first report: drop what came in since the click (on the GPU a step in flight finishes and reports)
      if (m.step === 0) this.losses = [];
      for (const p of m.points) this.losses.push([p.seen, p.loss]);
      this.last = { seen: m.seen, step: m.step, epoch: m.epoch, ips: m.running ? m.imagesPerSecond : this.last.ips };
      if (!m.running && this.running) this.setRunning(false);
      this.showStats();
      this.schedule();
    });
    lab.on("eval", (m) => {
      if (m.point.seen === 0) this.evals = [];
      this.evals.push(m.point);
      this.showPredictions(m.predictions);
      this.showStats();
      this.schedule();
    });
    lab.on("stopped", (m) => {
      this.setRunning(false);
      showError($("train-error"), m.reason);
    });
    for (const id of ["loss-chart", "acc-chart"]) fitWidth($<HTMLCanvasElement>(id), () => this.draw());
    this.draw();
  }

  settings(): TrainSettings {
    return { lr: Number(this.lr.value), batchSize: Number(this.batch.value), optimizer: this.opt.value as OptimizerName };
  }

  private sendSettings(): void {
    this.lab.settings(this.settings());
  }

  private setRunning(on: boolean): void {
    this.running = on;
    this.run.textContent = on ? "Pause" : this.last.seen > 0 ? "Resume training" : "Start training";
    this.run.classList.toggle("primary", !on);
    this.run.dataset["running"] = String(on);
  }

  private showStats(): void {
    const acc = this.evals.at(-1);
    const loss = this.losses.at(-1);
    const { seen, step, epoch, ips } = this.last;
    this.stats.textContent = `step ${step.toLocaleString("en-US")} · epoch ${epoch + 1} · ${seen.toLocaleString("en-US")} images seen · ` +
      `${Math.round(ips).toLocaleString("en-US")} images/s` + (loss ? ` · training loss ${loss[1].toFixed(3)}` : "") +
      (acc ? ` · held-out accuracy ${(100 * acc.accuracy).toFixed(1)} % (after ${acc.seen.toLocaleString("en-US")} images)` : "");
    this.stats.dataset["seen"] = String(seen);
    this.stats.dataset["step"] = String(step);
    this.stats.dataset["loss"] = loss ? String(loss[1]) : "";
    this.stats.dataset["ips"] = String(ips);
    this.stats.dataset["accuracy"] = acc ? String(acc.accuracy) : "";
  }

  private draw(): void {
    lineChart($<HTMLCanvasElement>("loss-chart"), [{ points: this.losses, color: COLORS.blue, label: "training loss (cross-entropy)" }], {
      title: "Loss", yMin: 0, yMax: 2.5, yTicks: [0, 0.5, 1, 1.5, 2, 2.5], xLabel: "images seen", xMax: this.last.seen,
    });
    lineChart($<HTMLCanvasElement>("acc-chart"), [{
      points: this.evals.map((e) => [e.seen, 100 * e.accuracy] as [number, number]), color: COLORS.red, label: "held-out accuracy", dots: true,
    }], { title: "Accuracy (%)", yMin: 0, yMax: 100, yTicks: [0, 25, 50, 75, 100], refs: [95], xLabel: "images seen", yFormat: (v) => `${v}`, xMax: this.last.seen });
  }

  /** The first PER_CLASS held-out digits of each class: a column per class, a row per example. */
  private buildGrid(pixels: Uint8Array, labels: Uint8Array): void {
    const picked: number[][] = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < labels.length; i++) if (picked[labels[i]!]!.length < PER_CLASS) picked[labels[i]!]!.push(i);
    this.gridIndices = [];
    for (let k = 0; k < PER_CLASS; k++) for (let d = 0; d < 10; d++) if (picked[d]![k] !== undefined) this.gridIndices.push(picked[d]![k]!);
    this.gridPixels = pixels;
    const canvas = $<HTMLCanvasElement>("test-grid");
    canvas.addEventListener("click", (ev) => {
      // which digit: the canvas is drawn at GRID_CELL × (GRID_CELL + caption) per digit, shown scaled
      const r = canvas.getBoundingClientRect();
      const col = Math.floor(((ev.clientX - r.left) / r.width) * 10);
      const row = Math.floor(((ev.clientY - r.top) / r.height) * PER_CLASS);
      const i = this.gridIndices[row * 10 + col];
      if (i !== undefined) this.onPick(i);
    });
    this.drawGrid(null);
  }

  /**
   * The held-out digits in one canvas (one element, not sixty: the page repaints it while training runs), each with the
   * network's current prediction below it; wrong ones framed and captioned in red with the predicted digit.
   */
  private drawGrid(pred: Uint8Array | null): void {
    const pixels = this.gridPixels, labels = this.labels;
    if (!pixels || !labels) return;
    const canvas = $<HTMLCanvasElement>("test-grid");
    const [cell, cap, gap] = [GRID_CELL, 22, 6];
    const [w, h] = [10 * (cell + gap), PER_CLASS * (cell + cap + gap)];
    if (canvas.width !== w) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const digit = ctx.createImageData(28, 28);
    const tmp = document.createElement("canvas");
    tmp.width = tmp.height = 28;
    const tctx = tmp.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.font = "bold 18px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    this.gridIndices.forEach((i, k) => {
      const x = (k % 10) * (cell + gap) + gap / 2, y = Math.floor(k / 10) * (cell + cap + gap) + gap / 2;
      for (let p = 0; p < 784; p++) {
        digit.data.fill(pixels[i * 784 + p]!, 4 * p, 4 * p + 3);
        digit.data[4 * p + 3] = 255;
      }
      tctx.putImageData(digit, 0, 0);
      ctx.drawImage(tmp, x, y, cell, cell);
      const ok = pred ? pred[i] === labels[i] : true;
      if (!ok) {
        ctx.strokeStyle = "#dc2626";
        ctx.lineWidth = 3;
        ctx.strokeRect(x - 1.5, y - 1.5, cell + 3, cell + 3);
      }
      ctx.fillStyle = ok ? "#333" : "#dc2626";
      ctx.fillText(pred ? (ok ? String(pred[i]) : `${pred[i]}✗`) : "?", x + cell / 2, y + cell + 2);
    });
    canvas.dataset["preds"] = pred ? this.gridIndices.map((i) => pred[i]).join(",") : "";
    canvas.dataset["wrong"] = pred ? String(this.gridIndices.filter((i) => pred[i] !== labels[i]).length) : "";
  }

  private showPredictions(pred: Uint8Array): void {
    const labels = this.labels;
    if (!labels) return;
    this.predictions = pred;
    this.schedule();
    const wrongHere = this.gridIndices.filter((i) => pred[i] !== labels[i]).length;
    let wrong = 0;
    for (let i = 0; i < labels.length; i++) if (pred[i] !== labels[i]) wrong++;
    $("test-grid-info").textContent = `Predictions of the network being trained: ${wrongHere} of these ${this.gridIndices.length} wrong ` +
      `(marked red, with the predicted digit), ${wrong} of all ${labels.length.toLocaleString("en-US")} held-out digits. ` +
      `Columns are the true digits 0–9; click one for its nearest neighbours below.`;
  }
}
