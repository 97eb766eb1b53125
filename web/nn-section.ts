// Section "Nearest neighbours": for a held-out digit (or the drawing), the 8 nearest training digits by the L2
// distance of their raw pixels and by the L2 distance of the network's last hidden layer (F6 after its ReLU), side by
// side with their labels — the lecture's last slide. The lab worker computes both.
import { $, el, readInt, showError, tile, type Select } from "./dom.js";
import { digitCanvas } from "./render.js";
import type { LabClient } from "./lab-client.js";
import type { ModelChoice, Neighbor, NeighborsResult } from "./lab-protocol.js";

const K = 8;

export class NeighborsSection {
  private readonly index = $<HTMLInputElement>("nn-index");
  private readonly select = $<Select>("nn-model");
  private query: { test: number } | { digit: Float32Array } = { test: 1 };
  private testPixels: Uint8Array | null = null;
  private serial = 0;
  private visible = false;

  constructor(private readonly lab: LabClient, private readonly drawing: () => Float32Array | null) {
    this.index.addEventListener("input", () => this.fromIndex());
    this.select.addEventListener("change", () => this.run());
    $("nn-random").addEventListener("click", () => {
      const n = this.lab.ready?.test.labels.length ?? 1;
      this.index.value = String(Math.floor(Math.random() * n));
      this.fromIndex();
    });
    $("nn-drawing").addEventListener("click", () => {
      const d = this.drawing();
      if (!d) {
        showError($("nn-error"), "The drawing pad in section 8 is empty: draw a digit first.");
        return;
      }
      this.query = { digit: d };
      this.run();
    });
    lab.on("ready", (m) => {
      this.testPixels = m.test.pixels;
      this.index.max = String(m.test.labels.length - 1);
      if (this.visible) this.fromIndex();
    });
    // the first search computes the features of every training digit (a second or more): only once the section is near
    new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting) || this.visible) return;
      this.visible = true;
      this.fromIndex();
    }, { rootMargin: "300px" }).observe($("sec-nn"));
  }

  /** Shows the neighbours of held-out digit `i` (from the training section's grid). */
  pick(i: number): void {
    this.visible = true;
    this.index.value = String(i);
    this.fromIndex();
    $("sec-nn").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  private fromIndex(): void {
    const n = this.lab.ready?.test.labels.length ?? 1996;
    const r = readInt(this.index, { name: "held-out digit #", min: 0, max: n - 1 });
    if (r.error !== null) {
      showError($("nn-error"), `${r.error}.`);
      return;
    }
    this.query = { test: r.value };
    this.run();
  }

  private model(): ModelChoice {
    return this.select.value === "training" ? "training" : "shipped";
  }

  run(): void {
    if (!this.lab.ready) return;
    const serial = ++this.serial;
    const query = this.query;
    $("nn-info").textContent = "Searching the 8,004 training digits…";
    this.lab.neighbors(this.model(), query, K).then((r) => {
      if (serial !== this.serial) return; // a newer query is on its way
      showError($("nn-error"), null);
      this.show(query, r);
    }, (e: unknown) => showError($("nn-error"), (e as Error).message));
  }

  private show(query: { test: number } | { digit: Float32Array }, r: NeighborsResult): void {
    const q = $("nn-query");
    const canvas = "test" in query && this.testPixels
      ? digitCanvas(this.testPixels.subarray(query.test * 784, (query.test + 1) * 784), 3)
      : digitCanvas((query as { digit: Float32Array }).digit, 3, false);
    const caption = "test" in query ? `query: held-out #${query.test}, a ${r.queryLabel}` : `query: your drawing (the network reads a ${r.queryLabel})`;
    q.replaceChildren(canvas, el("figcaption", "", caption));
    q.dataset["label"] = String(r.queryLabel);
    const row = (id: string, list: Neighbor[]) => {
      const box = $(id);
      box.replaceChildren(...list.map((nb) => {
        const t = tile(digitCanvas(nb.pixels, 2), `${nb.label} · d ${nb.distance.toFixed(1)}`, "tile digit");
        t.classList.toggle("wrong", nb.label !== r.queryLabel);
        t.title = `training digit #${nb.index}, label ${nb.label}, distance ${nb.distance.toFixed(3)}`;
        return t;
      }));
      box.dataset["labels"] = list.map((nb) => nb.label).join(",");
    };
    row("nn-pixel", r.pixel);
    row("nn-feature", r.feature);
    const same = (list: Neighbor[]) => list.filter((nb) => nb.label === r.queryLabel).length;
    $("nn-info").textContent = `Of the 8 nearest, ${same(r.pixel)} in pixel space and ${same(r.feature)} in feature space are ` +
      `${r.labelIsTrue ? "" : "what the network reads, "}${r.queryLabel}s (others marked red). Distances: pixel space over the ` +
      `784 values in [0, 1]; feature space over the ${r.featureDims} values of F6 after its ReLU` +
      (r.indexMs > 0 ? `, computed for all 8,004 training digits in ${(r.indexMs / 1000).toFixed(2)} s.` : ".");
  }
}
