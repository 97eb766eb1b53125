// Section "Architectures": the lecture's models (LeNet-5 → AlexNet → VGG → GoogLeNet → ResNet → DenseNet, U-Net) from
// nn.summarize. A layer diagram of the chosen model (each block's output shape, with the places where the spatial size
// halves and the channels double marked), the complexity chart (parameters and MACs, split into convolutions and fully
// connected layers, so VGG's FC layers stand out), and the table. The summaries ship with the page (web/zoo-data.ts);
// "Summarize the zoo live" recomputes them in a Web Worker and checks each row against the shipped one.
import { $, el, type Select } from "./dom.js";
import { fmtInt } from "./render.js";
import { COLORS, barChart, fitWidth } from "./charts.js";
import { ZOO_DATA } from "./zoo-data.js";
import type { ZooReply, ZooRequest, ZooSummary } from "./zoo-protocol.js";

/** Year of the paper that introduced each architecture. */
const YEAR: Record<string, number> = {
  lenet5: 1998, alexnet: 2012, vgg16: 2014, vgg19: 2014, googlenet: 2014, resnet18: 2015, resnet50: 2015,
  resnet152: 2015, densenet121: 2016, unet: 2015,
};
/** Computed cheapest first, so most of the live table fills quickly (VGG's 138 million weights take longest). */
const BUILD_ORDER = ["lenet5", "resnet18", "densenet121", "googlenet", "unet", "resnet50", "alexnet", "resnet152", "vgg16", "vgg19"];
const COLUMNS = ["model", "year", "input", "layers", "parameters", "weights", "MACs", "activations", "live check"] as const;
const FIRST_DATA_COLUMN = 2;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;
}

function shapeText(shape: readonly number[]): string {
  return shape.join(" × ");
}

/** Parameters and MACs of a summary's layers, split: convolutions, fully connected (Linear), the rest (batch norm). */
export function costSplit(s: ZooSummary): { params: [number, number, number]; macs: [number, number, number] } {
  const params: [number, number, number] = [0, 0, 0];
  const macs: [number, number, number] = [0, 0, 0];
  for (const [, type, , p, m] of s.layers) {
    const k = type === "Linear" ? 1 : type.startsWith("Conv") ? 0 : 2;
    params[k] += p;
    macs[k] += m;
  }
  return { params, macs };
}

/** One row of the diagram: consecutive blocks with the same output shape, merged. */
interface DiagramRow {
  names: string[];
  types: string[];
  shape: number[];
  params: number;
  macs: number;
}

/** The diagram's rows: blocks merged while their output shape stays the same, with each row's parameters and MACs. */
export function diagramRows(s: ZooSummary): DiagramRow[] {
  const rows: DiagramRow[] = [];
  for (const [name, type, shape] of s.blocks) {
    const last = rows.at(-1);
    if (last && last.shape.join() === shape.join()) {
      last.names.push(name);
      last.types.push(type);
    } else rows.push({ names: [name], types: [type], shape, params: 0, macs: 0 });
  }
  // a leaf layer's costs go to the row holding the block it belongs to (its name, or a prefix of it)
  const owner = new Map<string, DiagramRow>();
  for (const r of rows) for (const n of r.names) owner.set(n, r);
  const counted = new Set<string>();
  for (const [name, , , p, m] of s.layers) {
    const parts = name.split(".");
    for (let i = parts.length; i > 0; i--) {
      const r = owner.get(parts.slice(0, i).join("."));
      if (r) {
        // a block called twice (U-Net's pool) appears in two rows: count its costs once per call, its parameters once
        r.macs += m;
        if (!counted.has(name)) r.params += p;
        counted.add(name);
        break;
      }
    }
  }
  return rows;
}

/** "Conv2d ×2 · ReLU ×2" */
function typesText(types: string[]): string {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t.replace(/^_/, ""), (counts.get(t.replace(/^_/, "")) ?? 0) + 1);
  return [...counts].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(" · ");
}

function namesText(names: string[]): string {
  return names.length === 1 ? names[0]! : `${names[0]} … ${names.at(-1)}`;
}

export class ArchSection {
  private worker: Worker | null = null;
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly select = $<Select>("arch-model");

  constructor() {
    for (const s of ZOO_DATA) this.select.add(new Option(`${s.name} (${YEAR[s.name] ?? ""})`, s.name));
    this.select.value = "vgg16";
    this.select.addEventListener("change", () => this.showDiagram());
    this.buildTable();
    $<HTMLButtonElement>("arch-run").addEventListener("click", () => this.run());
    for (const id of ["arch-params-chart", "arch-macs-chart"]) fitWidth($<HTMLCanvasElement>(id), () => this.drawCharts());
    this.showDiagram();
    this.drawCharts();
    $("arch-compare").textContent = this.comparison();
  }

  private summary(name: string): ZooSummary {
    const s = ZOO_DATA.find((z) => z.name === name);
    if (!s) throw new Error(`playground: no summary of ${name} in web/zoo-data.ts`);
    return s;
  }

  /** The chosen model as a column of rows: shape, a picture of the map (side ∝ spatial size, bar ∝ log channels), costs. */
  showDiagram(): void {
    const s = this.summary(this.select.value);
    const rows = diagramRows(s);
    $("arch-model-info").textContent = `${s.description}: ${fmtInt(s.params)} parameters, ${(s.macs / 1e9).toFixed(s.macs < 1e8 ? 4 : 2)} G MACs`;
    const maxSide = Math.max(s.inputShape[1] ?? 1, ...rows.map((r) => r.shape[1] ?? 1));
    const maxC = Math.max(s.inputShape[0] ?? 1, ...rows.map((r) => r.shape[0] ?? 1));
    const box = $("arch-diagram");
    box.dataset["model"] = s.name;
    const line = (label: string, sub: string, shape: number[], prev: number[] | null, cost: string): HTMLElement => {
      const row = el("div", "arch-row");
      const spatial = shape.length === 3 ? shape[1]! : 1;
      const ch = shape[0] ?? 1;
      const pic = el("div", "arch-pic");
      const sq = el("div", shape.length === 3 ? "arch-map" : "arch-map vector");
      const side = 6 + 34 * Math.sqrt(spatial / maxSide);
      sq.style.width = sq.style.height = `${side.toFixed(1)}px`;
      const bar = el("div", "arch-ch");
      bar.style.width = `${(4 + 96 * Math.log2(ch + 1) / Math.log2(maxC + 1)).toFixed(1)}px`;
      pic.append(sq, bar);
      const tags = el("span", "arch-tags");
      if (prev) {
        const [pc, ps] = [prev[0] ?? 1, prev.length === 3 ? prev[1]! : 1];
        if (shape.length === 3 && prev.length === 3 && spatial < ps) tags.append(el("span", "tag down", spatial * 2 === ps ? "size ½" : `size ${ps}→${spatial}`));
        if (shape.length === 3 && prev.length === 3 && spatial > ps) tags.append(el("span", "tag up", spatial === ps * 2 ? "size ×2" : `size ${ps}→${spatial}`));
        if (ch === 2 * pc) tags.append(el("span", "tag ch", "channels ×2"));
        else if (ch * 2 === pc && shape.length === 3) tags.append(el("span", "tag ch", "channels ½"));
        if (shape.length === 1 && prev.length === 3) tags.append(el("span", "tag", "flattened"));
      }
      const text = el("div", "arch-text");
      text.append(el("span", "arch-shape", shapeText(shape)), tags, el("div", "arch-name", label), el("div", "dim", sub + cost));
      row.append(pic, text);
      row.dataset["shape"] = shape.join(",");
      return row;
    };
    const els: HTMLElement[] = [line("input", "", s.inputShape, null, "")];
    let prev = s.inputShape;
    for (const r of rows) {
      const cost = (r.params ? ` · ${fmtInt(r.params)} params` : "") + (r.macs ? ` · ${(r.macs / 1e6).toFixed(r.macs < 1e6 ? 2 : 0)} M MACs` : "");
      const dense = r.types.every((t) => t.endsWith("DenseLayer")) ? " (each adds its maps to the concatenated stack)" : "";
      els.push(line(namesText(r.names), typesText(r.types) + dense, r.shape, prev, cost));
      prev = r.shape;
    }
    box.replaceChildren(...els);
  }

  private drawCharts(): void {
    const segments = [{ label: "convolutions", color: COLORS.blue }, { label: "fully connected", color: COLORS.red }, { label: "other (batch norm)", color: COLORS.grey }];
    const split = ZOO_DATA.map((s) => ({ s, c: costSplit(s) }));
    barChart($<HTMLCanvasElement>("arch-params-chart"), split.map(({ s, c }) => ({ label: s.name, values: c.params })), segments,
      "Parameters (millions)", (v) => `${(v / 1e6).toFixed(v < 1e6 ? 2 : 1)} M`);
    barChart($<HTMLCanvasElement>("arch-macs-chart"), split.map(({ s, c }) => ({ label: s.name, values: c.macs.slice(0, 2) })), segments.slice(0, 2),
      "Multiply-accumulates per image (billions)", (v) => `${(v / 1e9).toFixed(v < 1e8 ? 4 : 2)} G`);
    const vgg = split.find((x) => x.s.name === "vgg16");
    if (vgg) $("arch-params-chart").dataset["vggFcShare"] = String(vgg.c.params[1] / vgg.s.params);
  }

  /** The lecture's complexity remarks, checked against the numbers. */
  private comparison(): string {
    const by = (n: string) => this.summary(n);
    const vgg = by("vgg16"), goog = by("googlenet"), r50 = by("resnet50");
    const fc = costSplit(vgg).params[1];
    return `VGG-16's three fully connected layers hold ${(fc / 1e6).toFixed(0)} million of its ${(vgg.params / 1e6).toFixed(0)} million ` +
      `parameters (${((100 * fc) / vgg.params).toFixed(0)} %). VGG-16 has ${(vgg.params / goog.params).toFixed(1)}× GoogLeNet's parameters ` +
      `(the lecture's "27× fewer" counts GoogLeNet at 5 million; torchvision's has ${(goog.params / 1e6).toFixed(1)} million) and needs ` +
      `${(vgg.macs / r50.macs).toFixed(1)}× the MACs of ResNet-50.`;
  }

  private buildTable(): void {
    const table = document.createElement("table");
    table.className = "arch";
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) {
      const th = document.createElement("th");
      th.textContent = c;
      head.append(th);
    }
    const body = table.createTBody();
    for (const s of ZOO_DATA) {
      const tr = body.insertRow();
      tr.id = `arch-${s.name}`;
      tr.title = s.description;
      tr.insertCell().textContent = s.name;
      tr.insertCell().textContent = String(YEAR[s.name] ?? "");
      const cells = [shapeText(s.inputShape), String(s.layers.length), fmtInt(s.params), mib(s.paramBytes),
        `${(s.macs / 1e9).toFixed(s.macs < 1e8 ? 4 : 2)} G`, mib(s.activationBytes), ""];
      for (const c of cells) {
        const td = tr.insertCell();
        td.className = "num";
        td.textContent = c;
      }
      tr.dataset["params"] = String(s.params);
      tr.dataset["macs"] = String(s.macs);
      this.rows.set(s.name, tr);
    }
    $("arch-table").replaceChildren(table);
  }

  /** Stops the live summaries. */
  private stop(message: string): void {
    this.worker?.terminate();
    this.worker = null;
    const button = $<HTMLButtonElement>("arch-run");
    button.textContent = "Summarize the zoo live";
    $("arch-status").textContent = message;
  }

  /** Recomputes every summary in a worker (the button stops it); each row is marked with whether it equals the shipped one. */
  run(): void {
    const status = $("arch-status");
    const button = $<HTMLButtonElement>("arch-run");
    if (this.worker) {
      this.stop("stopped.");
      return;
    }
    button.textContent = "Stop";
    let done = 0, same = 0;
    status.textContent = `building and summarizing ${BUILD_ORDER.length} models…`;
    const worker = new Worker(new URL("./zoo-worker.js", import.meta.url), { type: "module" });
    this.worker = worker;
    worker.addEventListener("message", (ev: MessageEvent<ZooReply>) => {
      const m = ev.data;
      if (m.kind === "done") {
        this.stop(`done: ${done} models recomputed, ${same} equal to the shipped summaries.`);
        return;
      }
      done++;
      const name = m.kind === "row" ? m.summary.name : m.name;
      const tr = this.rows.get(name);
      const check = tr?.cells[COLUMNS.length - 1];
      if (!tr || !check) return;
      if (m.kind === "error") {
        check.textContent = `error: ${m.message}`;
        return;
      }
      const live = m.summary;
      const shipped = this.summary(name);
      const equal = live.params === shipped.params && live.macs === shipped.macs && JSON.stringify(live.layers) === JSON.stringify(shipped.layers);
      if (equal) same++;
      tr.dataset["liveParams"] = String(live.params);
      tr.dataset["liveMacs"] = String(live.macs);
      check.textContent = equal ? `✓ ${(m.buildMs / 1000).toFixed(1)} s` : "✗ differs";
      check.classList.toggle("bad", !equal);
      status.textContent = `${done} of ${BUILD_ORDER.length} models (last: ${name}, built in ${(m.buildMs / 1000).toFixed(1)} s)…`;
    });
    worker.addEventListener("error", (ev) => this.stop(`the worker failed: ${ev.message}`));
    const request: ZooRequest = { names: BUILD_ORDER };
    worker.postMessage(request);
  }
}
