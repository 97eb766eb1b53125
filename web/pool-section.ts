// Section "Pooling and upsampling": max/min/mean pooling of the convolution output (per channel, no parameters),
// then the pooled map upsampled back in the mode the student picks: nearest, bilinear, bed of nails (by the pooling
// stride), max unpooling (with the pooling's indices) or a transposed convolution with its own kernel, stride, padding
// and output padding, whose output size follows convTransposeOutputSize.
import { F, Tensor, convOutputSize, convTransposeOutputSize } from "../src/index.js";
import { absMax, drawPlane, kernelTable } from "./render.js";
import { $, readInts, showError, type Select } from "./dom.js";
import type { ConvResult } from "./conv-section.js";
import { LatestValues } from "./values.js";

/** Screen pixels per value, the same for every map here so sizes compare at a glance. */
const CELL = 6;

function shapeText(t: Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

/** FCN's bilinear upsampling kernel (Long et al. 2015): k × k, the outer product of a triangle of width ⌈k/2⌉. */
export function bilinearKernel(k: number): Float32Array {
  const f = Math.ceil(k / 2);
  const c = (2 * f - 1 - (f % 2)) / (2 * f);
  const tri = Array.from({ length: k }, (_, u) => 1 - Math.abs(u / f - c));
  return Float32Array.from({ length: k * k }, (_, i) => tri[Math.floor(i / k)]! * tri[i % k]!);
}

const MODE_NAMES: Record<string, string> = {
  nearest: "nearest neighbour", bilinear: "bilinear", "bed-of-nails": "bed of nails", unpool: "max unpooling",
  transposed: "transposed convolution",
};

export class PoolSection {
  private readonly type = $<Select>("pool-type");
  private readonly k = $<HTMLInputElement>("pool-k");
  private readonly s = $<HTMLInputElement>("pool-s");
  private readonly mode = $<Select>("up-mode");
  private source: ConvResult | null = null;
  private readonly values = new LatestValues();

  constructor() {
    const inputs = [this.type, this.k, this.s, this.mode, ...["up-k", "up-s", "up-p", "up-op", "up-kernel"].map((id) => $(id))];
    for (const el of inputs) {
      el.addEventListener("input", () => this.update());
      el.addEventListener("change", () => this.update());
    }
  }

  setSource(r: ConvResult | null): void {
    this.source = r;
    this.update();
  }

  private clear(ids: string[]): void {
    for (const id of ids) {
      const c = $<HTMLCanvasElement>(id);
      c.getContext("2d")?.clearRect(0, 0, c.width, c.height);
      c.dataset["h"] = "";
      c.dataset["w"] = "";
    }
  }

  update(): void {
    const type = this.type.value as "max" | "min" | "avg";
    const mode = this.mode.value;
    $("up-transposed-controls").hidden = mode !== "transposed";
    $("up-weights-figure").hidden = mode !== "transposed";
    $("pool-name").textContent = type === "avg" ? "mean" : type;
    $("up-name").textContent = MODE_NAMES[mode] ?? mode;
    const src = this.source?.output;
    const poolError = $("pool-error");
    const r = readInts({ k: [this.k, { name: "pooling window k", min: 1, max: 6 }], s: [this.s, { name: "pooling stride s", min: 1, max: 6 }] });
    if (!src || r.error !== null) {
      this.values.drop();
      this.clear(["pool-src", "pool-out", "up-out"]);
      showError(poolError, r.error);
      $("pool-info").textContent = src ? "" : "No convolution output (its settings above are invalid).";
      $("pool-info").dataset["value"] = "";
      $("up-formula").textContent = "";
      return;
    }
    const { k, s } = r.values;
    const [h, w] = [src.shape[2]!, src.shape[3]!];
    // one colour scale for every map: the convolution output's largest magnitude
    const scale = absMax(this.source!.values);
    const view = (id: string, data: ArrayLike<number>, t: Tensor, sc = scale) => {
      drawPlane($<HTMLCanvasElement>(id), { data, h: t.shape[2]!, w: t.shape[3]! }, { map: "diverging", scale: sc, cell: CELL });
    };
    view("pool-src", this.source!.values, src);
    $("pool-src-shape").textContent = shapeText(src);

    let pooled: Tensor;
    try {
      const opts = { kernelSize: k, stride: s };
      pooled = type === "max" ? F.maxPool2d(src, opts) : type === "min" ? F.minPool2d(src, opts) : F.avgPool2d(src, opts);
    } catch (e) {
      this.values.drop();
      this.clear(["pool-out", "up-out"]);
      showError(poolError, (e as Error).message);
      $("pool-info").textContent = "";
      return;
    }
    showError(poolError, null);
    $("pool-shape").textContent = shapeText(pooled);
    const o = convOutputSize(h, k, { stride: s });
    const info = $("pool-info");
    info.textContent =
      `${shapeText(src)} → ${shapeText(pooled)}: o = ⌊(i − k)/s⌋ + 1 = ⌊(${h} − ${k})/${s}⌋ + 1 = ${o}. ` +
      `Each ${k} × ${k} window is replaced by its ${type === "avg" ? "mean" : type + "imum"}; ` +
      `the channel count is kept and there is nothing to learn (0 parameters).`;
    info.dataset["value"] = String(o);
    const up = this.upsample(mode, src, pooled, k, s);
    // both maps drawn together, from the values of the latest settings
    this.values.read([pooled, up?.tensor ?? null], ([pv, uv]) => {
      view("pool-out", pv!, pooled);
      if (!up) return;
      // the transposed convolution's sums can exceed the source's range: scale to its own largest value then
      view("up-out", uv!, up.tensor, mode === "transposed" ? absMax(uv!) : scale);
      $("up-shape").textContent = `${shapeText(pooled)} → ${shapeText(up.tensor)}`;
      $("up-info").textContent = up.text;
    });
  }

  /** The chosen upsampling of the pooled map and what it does in words (the transposed convolution's size rule shown
   *  now), or null after showing why it cannot be done. */
  private upsample(mode: string, src: Tensor, pooled: Tensor, k: number, s: number): { tensor: Tensor; text: string } | null {
    const [h, w] = [src.shape[2]!, src.shape[3]!];
    const [ph, pw] = [pooled.shape[2]!, pooled.shape[3]!];
    const error = $("up-error");
    const formula = $("up-formula");
    formula.dataset["value"] = "";
    let up: Tensor;
    let text: string;
    formula.textContent = "";
    try {
      if (mode === "transposed") {
        const r = readInts({
          k: [$<HTMLInputElement>("up-k"), { name: "kernel size k", min: 1, max: 6 }],
          s: [$<HTMLInputElement>("up-s"), { name: "stride s", min: 1, max: 4 }],
          p: [$<HTMLInputElement>("up-p"), { name: "padding p", min: 0, max: 4 }],
          op: [$<HTMLInputElement>("up-op"), { name: "output padding", min: 0, max: 3 }],
        });
        if (r.error !== null) throw new Error(r.error);
        const t = r.values;
        const weights = $<Select>("up-kernel").value === "bilinear" ? bilinearKernel(t.k) : new Float32Array(t.k * t.k).fill(1);
        $("up-weights").replaceChildren(kernelTable(weights, t.k));
        const oh = convTransposeOutputSize(ph, t.k, { stride: t.s, padding: t.p, outputPadding: t.op });
        up = F.convTranspose2d(pooled, new Tensor(weights, [1, 1, t.k, t.k]), null, { stride: t.s, padding: t.p, outputPadding: t.op });
        formula.textContent = `o = (i − 1)·s − 2p + k + output_padding = (${ph} − 1)·${t.s} − 2·${t.p} + ${t.k} + ${t.op} = ${oh}` +
          ` (a convolution's o = ⌊(i + 2p − k)/s⌋ + 1, solved for i)`;
        formula.dataset["value"] = String(oh);
        text = `Each input value scatters a copy of the ${t.k} × ${t.k} kernel, scaled by the value, into the output at steps ` +
          `of ${t.s}; where copies overlap they add up, and p rows and columns are cropped from each border. In a network ` +
          `the kernel is learned (U-Net's 2 × 2 "up-convolutions", stride 2); ` +
          (t.k === t.s && t.p === 0 && $<Select>("up-kernel").value === "ones"
            ? `with k = s and a kernel of ones it is exactly nearest-neighbour upsampling ×${t.s}.`
            : `FCN starts it as bilinear interpolation (k = 4, s = 2, p = 1 doubles the size).`);
      } else if (mode === "unpool") {
        const [maxima, indices] = F.maxPool2d(src, { kernelSize: k, stride: s, returnIndices: true });
        up = F.maxUnpool2d(maxima, indices, { kernelSize: k, stride: s, outputSize: [h, w] });
        text = `Max unpooling puts each maximum of a ${k} × ${k} max pooling back where it was found and zeros elsewhere, ` +
          `back at the size before pooling, ${h} × ${w}` + (this.type.value === "max" ? "." : " (it uses a max pooling's indices, whatever pooling is chosen above).");
      } else {
        up = F.interpolate(pooled, { scaleFactor: s, mode: mode as "nearest" | "bilinear" | "bed-of-nails" });
        const what = mode === "nearest" ? `copies each value into an ${s} × ${s} block`
          : mode === "bilinear" ? "blends the four nearest values by their distances"
            : `puts each value at the top-left of its ${s} × ${s} block and zeros elsewhere (a convolution usually follows)`;
        text = s === 1
          ? `Scale factor ×1: the pooling above has stride 1, so its map is already at full density and ${MODE_NAMES[mode]} ` +
            `upsampling by 1 leaves it unchanged. Choose a pooling stride s > 1 to see it work.`
          : `Upsampled ×${s}, the pooling stride: ${MODE_NAMES[mode]} ${what}.` +
            (ph * s !== h ? ` (${ph} × ${s} = ${ph * s}, not the ${h} the pooling started from: its window k = ${k} and stride s = ${s} dropped a border.)` : "");
      }
    } catch (e) {
      showError(error, (e as Error).message);
      this.clear(["up-out"]);
      $("up-shape").textContent = "";
      $("up-info").textContent = "";
      return null;
    }
    showError(error, null);
    return { tensor: up, text };
  }
}
