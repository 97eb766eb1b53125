// Section 2 of the playground: max/min/mean pooling of the convolution output (per channel, no parameters), then the
// pooled map upsampled back by the pooling stride four ways: nearest, bilinear, bed of nails and max unpooling.
import { F, convOutputSize, type Tensor } from "../src/index.js";
import { absMax, drawPlane } from "./render.js";
import { $, intInput, type Select } from "./dom.js";
import type { ConvResult } from "./conv-section.js";

/** Screen pixels per value, the same for every map here so sizes compare at a glance. */
const CELL = 6;

function shapeText(t: Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

export class PoolSection {
  private readonly type = $<Select>("pool-type");
  private readonly k = $<HTMLInputElement>("pool-k");
  private readonly s = $<HTMLInputElement>("pool-s");
  private source: ConvResult | null = null;

  constructor() {
    for (const el of [this.type, this.k, this.s]) {
      el.addEventListener("input", () => this.update());
      el.addEventListener("change", () => this.update());
    }
  }

  setSource(r: ConvResult | null): void {
    this.source = r;
    this.update();
  }

  update(): void {
    const type = this.type.value as "max" | "min" | "avg";
    const k = intInput(this.k, 2, 1);
    const s = intInput(this.s, k, 1);
    $("pool-name").textContent = type === "avg" ? "mean" : type;
    const src = this.source?.output;
    const ids = ["pool-src", "pool-out", "up-nearest", "up-bilinear", "up-nails", "up-unpool"];
    if (!src) {
      for (const id of ids) {
        const c = $<HTMLCanvasElement>(id);
        c.getContext("2d")?.clearRect(0, 0, c.width, c.height);
      }
      $("pool-info").textContent = "No convolution output (its settings are invalid).";
      return;
    }
    const [h, w] = [src.shape[2]!, src.shape[3]!];
    // one colour scale for every map: the convolution output's largest magnitude
    const view = (id: string, t: Tensor) => {
      drawPlane($<HTMLCanvasElement>(id), { data: t.data, h: t.shape[2]!, w: t.shape[3]! }, { map: "diverging", scale, cell: CELL });
      const label = document.getElementById(`${id}-shape`);
      if (label) label.textContent = shapeText(t);
    };
    const scale = absMax(src.data);
    view("pool-src", src);
    $("pool-src-shape").textContent = shapeText(src);

    let pooled: Tensor;
    try {
      const opts = { kernelSize: k, stride: s };
      pooled = type === "max" ? F.maxPool2d(src, opts) : type === "min" ? F.minPool2d(src, opts) : F.avgPool2d(src, opts);
    } catch (e) {
      $("pool-info").textContent = (e as Error).message;
      return;
    }
    view("pool-out", pooled);
    $("pool-shape").textContent = shapeText(pooled);
    const o = convOutputSize(h, k, { stride: s });
    const info = $("pool-info");
    info.textContent =
      `${shapeText(src)} → ${shapeText(pooled)}: o = ⌊(i − k)/s⌋ + 1 = ⌊(${h} − ${k})/${s}⌋ + 1 = ${o}. ` +
      `Each ${k} × ${k} window is replaced by its ${type === "avg" ? "mean" : type + "imum"}; ` +
      `the channel count is kept and there is nothing to learn (0 parameters).`;
    info.dataset["value"] = String(o);

    // upsample by the pooling stride; max unpooling needs the indices a max pooling remembered
    const up = { scaleFactor: s };
    view("up-nearest", F.interpolate(pooled, { ...up, mode: "nearest" }));
    view("up-bilinear", F.interpolate(pooled, { ...up, mode: "bilinear" }));
    view("up-nails", F.interpolate(pooled, { ...up, mode: "bed-of-nails" }));
    const [maxima, indices] = F.maxPool2d(src, { kernelSize: k, stride: s, returnIndices: true });
    view("up-unpool", F.maxUnpool2d(maxima, indices, { kernelSize: k, stride: s, outputSize: [h, w] }));
    $("up-info").textContent =
      `Upsampled ×${s}. Nearest copies each value into an ${s} × ${s} block; bilinear blends the four nearest values; ` +
      `bed of nails puts each value at the top-left of its block and zeros elsewhere (a convolution usually follows); ` +
      `max unpooling puts each maximum of a max pooling back where it was found and zeros elsewhere` +
      (type === "max" ? "." : ` (it uses a max pooling's indices, whatever pooling is chosen above).`);
  }
}
