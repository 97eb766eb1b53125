// Section "What the first layer learns": C1's six 5 × 5 filters of the LeNet-5 being trained, redrawn in place as
// training reports them, beside those of the trained LeNet-5 shipped with convkit and the hand-made 3 × 3 kernels.
import { $, drawWhenVisible } from "./dom.js";
import { classicKernels, filterTiles } from "./features.js";
import { absMax, drawPlane } from "./render.js";
import type { LabClient } from "./lab-client.js";

const K = 5;
const CELL = 12;

export class FiltersSection {
  private learned: HTMLCanvasElement[] = [];
  private latest: { filters: Float32Array; step: number; seen: number } | null = null;

  constructor(lab: LabClient) {
    const schedule = drawWhenVisible($("sec-filters"), () => this.draw());
    const { names, weight } = classicKernels();
    $("handmade-filters").replaceChildren(...filterTiles(weight.data as Float32Array, names.length, 3, (i) => names[i]!, 20));
    lab.on("ready", (m) => {
      $("shipped-filters").replaceChildren(...filterTiles(m.shippedFilters, 6, K, (i) => `filter ${i + 1}`, CELL));
    });
    lab.on("progress", (m) => {
      this.latest = m;
      schedule();
    });
  }

  private draw(): void {
    const m = this.latest;
    if (!m) return;
    const box = $("learned-filters");
    if (this.learned.length === 0) {
      box.replaceChildren(...filterTiles(m.filters, 6, K, (i) => `filter ${i + 1}`, CELL));
      this.learned = Array.from(box.querySelectorAll("canvas"));
    } else {
      // the same canvases, repainted: no new elements at every report
      this.learned.forEach((c, i) => {
        const f = m.filters.subarray(i * K * K, (i + 1) * K * K);
        drawPlane(c, { data: f, h: K, w: K }, { map: "diverging", scale: absMax(f), cell: CELL });
      });
    }
    box.dataset["step"] = String(m.step);
    box.dataset["weights"] = Array.from(m.filters.subarray(0, 4), (v) => v.toFixed(4)).join(",");
    $("learned-info").textContent = m.step === 0
      ? "Random initial weights (PyTorch's default initialisation): no structure yet. Start training in section 6."
      : `After ${m.step.toLocaleString("en-US")} steps (${m.seen.toLocaleString("en-US")} images).`;
  }
}
