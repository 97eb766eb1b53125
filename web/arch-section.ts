// Section 4 of the playground: the lecture's architectures (LeNet-5 → AlexNet → VGG → GoogLeNet → ResNet → DenseNet,
// U-Net) with parameters and MACs from nn.summarize, computed in a Web Worker and shown as the rows arrive.
import { $ } from "./dom.js";
import { fmtInt } from "./render.js";
import type { ZooReply, ZooRequest } from "./zoo-protocol.js";

/** The table's rows, in the lecture's (historical) order. */
const LECTURE_ORDER = ["lenet5", "alexnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet50", "resnet152", "densenet121", "unet"];
/** The order they are computed in: cheapest to build first, so most of the table fills quickly. */
const BUILD_ORDER = ["lenet5", "resnet18", "googlenet", "densenet121", "alexnet", "resnet50", "unet", "resnet152", "vgg16", "vgg19"];

/** Year of the paper that introduced each architecture. */
const YEAR: Record<string, number> = {
  lenet5: 1998, alexnet: 2012, vgg16: 2014, vgg19: 2014, googlenet: 2014, resnet18: 2015, resnet50: 2015,
  resnet152: 2015, densenet121: 2016, unet: 2015,
};

const COLUMNS = ["model", "year", "input", "layers", "parameters", "weights", "MACs", "activations"] as const;
/** Columns filled from the worker's reply (after model and year). */
const FIRST_DATA_COLUMN = 2;

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0)} MiB`;
}

export class ArchSection {
  private worker: Worker | null = null;
  private readonly rows = new Map<string, HTMLTableRowElement>();

  constructor() {
    const table = document.createElement("table");
    table.className = "arch";
    const head = table.createTHead().insertRow();
    for (const c of COLUMNS) {
      const th = document.createElement("th");
      th.textContent = c;
      head.append(th);
    }
    const body = table.createTBody();
    for (const name of LECTURE_ORDER) {
      const tr = body.insertRow();
      tr.id = `arch-${name}`;
      tr.insertCell().textContent = name;
      tr.insertCell().textContent = String(YEAR[name] ?? "");
      for (let i = FIRST_DATA_COLUMN; i < COLUMNS.length; i++) tr.insertCell().className = "num";
      this.rows.set(name, tr);
    }
    $("arch-table").replaceChildren(table);
    $<HTMLButtonElement>("arch-run").addEventListener("click", () => this.run());
  }

  /** The lecture's complexity remarks, checked against the table. */
  private comparison(): string {
    const params = (n: string) => Number(this.rows.get(n)?.dataset["params"] ?? NaN);
    const macs = (n: string) => Number(this.rows.get(n)?.dataset["macs"] ?? NaN);
    const ratio = params("vgg16") / params("googlenet");
    if (!Number.isFinite(ratio)) return "";
    return `VGG-16 has ${ratio.toFixed(1)}× GoogLeNet's parameters (the lecture's "27× fewer" counts GoogLeNet at ` +
      `5 million; torchvision's has ${(params("googlenet") / 1e6).toFixed(1)} million) and needs ` +
      `${(macs("vgg16") / macs("resnet50")).toFixed(1)}× the MACs of ResNet-50.`;
  }

  /** Starts (or restarts) the worker on every model of the table. */
  run(): void {
    this.worker?.terminate();
    const status = $("arch-status");
    const button = $<HTMLButtonElement>("arch-run");
    button.disabled = true;
    let done = 0;
    status.textContent = `building and summarizing ${BUILD_ORDER.length} models…`;
    const worker = new Worker(new URL("./zoo-worker.js", import.meta.url), { type: "module" });
    this.worker = worker;
    worker.addEventListener("message", (ev: MessageEvent<ZooReply>) => {
      const m = ev.data;
      if (m.kind === "done") {
        status.textContent = `done: ${done} models. ${this.comparison()}`;
        button.disabled = false;
        worker.terminate();
        return;
      }
      const tr = this.rows.get(m.name);
      if (!tr) return;
      done++;
      if (m.kind === "error") {
        tr.cells[FIRST_DATA_COLUMN]!.textContent = `error: ${m.message}`;
        return;
      }
      tr.title = m.description;
      tr.dataset["params"] = String(m.params);
      tr.dataset["macs"] = String(m.macs);
      const cells = [
        `${m.inputShape.slice(1).join(" × ")}`, String(m.layers), fmtInt(m.params), mib(m.paramBytes),
        `${(m.macs / 1e9).toFixed(m.macs < 1e8 ? 4 : 2)} G`, mib(m.activationBytes),
      ];
      cells.forEach((c, i) => (tr.cells[i + FIRST_DATA_COLUMN]!.textContent = c));
      status.textContent = `${done} of ${BUILD_ORDER.length} models (last: ${m.name}, built in ${(m.buildMs / 1000).toFixed(1)} s)…`;
    });
    worker.addEventListener("error", (ev) => {
      status.textContent = `the worker failed: ${ev.message}`;
      button.disabled = false;
    });
    const request: ZooRequest = { names: BUILD_ORDER };
    worker.postMessage(request);
  }
}
