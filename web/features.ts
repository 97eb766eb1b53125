// Filters and the maps they make, as labelled tiles: the filter-bank panel of section 1 (the classic kernels stacked
// into one conv weight [7, 1, 3, 3], applied with F.conv2d, 'same' padding, and a ReLU) and the filter tiles of the
// learned-filters section. Filters use the page's diverging map scaled to each filter's largest |weight|, so 0 is
// white and a constant kernel (the box blur) is one flat colour. The bank runs on the page's backend (the GPU's maps
// are drawn once read back).
import { F, Tensor, relu } from "../src/index.js";
import { $, el, tile } from "./dom.js";
import { absMax, planeCanvas } from "./render.js";
import { LatestValues } from "./values.js";

/** One k × k filter as a captioned tile. */
export function filterTile(values: ArrayLike<number>, kh: number, kw: number, caption: string, cell = 10): HTMLElement {
  const c = planeCanvas({ data: values, h: kh, w: kw }, { map: "diverging", scale: absMax(values), cell });
  return tile(c, caption);
}

/** Tiles for the first `count` filters of a conv weight [O, 1, k, k] (flattened), captioned by `name(i)`. */
export function filterTiles(weight: Float32Array, count: number, k: number, name: (i: number) => string, cell = 10): HTMLElement[] {
  return Array.from({ length: count }, (_, i) => filterTile(weight.subarray(i * k * k, (i + 1) * k * k), k, k, name(i), cell));
}

/** The 3 × 3 classic kernels by name. */
export function classicKernels(): { names: string[]; weight: Tensor } {
  const names = F.KERNEL_NAMES.filter((n) => F.namedKernel(n).shape[0] === 3);
  const weight = new Tensor(new Float32Array(names.length * 9), [names.length, 1, 3, 3]);
  names.forEach((n, i) => (weight.data as Float32Array).set(F.namedKernel(n).data, i * 9));
  return { names, weight };
}

const bankValues = new LatestValues();

/** Runs the bank on a [1, 1, H, W] image and shows each filter above its feature map, both labelled (the maps drawn
 *  once read back, when the page computes on the GPU). */
export function showFilterBank(image: Tensor): void {
  const { names, weight } = classicKernels();
  // the weights while they are in JavaScript's memory: the convolution moves them to the GPU there
  const weights = Float32Array.from(weight.data);
  const maps = relu(F.conv2d(image, weight, null, { padding: "same" }));
  const [h, w] = [maps.shape[2]!, maps.shape[3]!];
  bankValues.read([maps], ([values]) => {
    const scale = absMax(values!);
    const cells = names.map((n, i) => {
      const pair = el("div", "pair");
      const map = planeCanvas({ data: values!.subarray(i * h * w, (i + 1) * h * w), h, w }, { map: "diverging", scale, cell: 2 });
      pair.append(filterTile(weights.subarray(i * 9, i * 9 + 9), 3, 3, n, 12), tile(map, `map ${i + 1}`));
      return pair;
    });
    $("filter-bank").replaceChildren(...cells);
    $("filter-names").textContent = `weight ${JSON.stringify(weight.shape)} → feature maps ${JSON.stringify(maps.shape)} after a ReLU ` +
      `(one colour scale for all maps: their largest value is the deepest red).`;
  });
}
