// The filter-bank panel of section 1: the classic kernels stacked into one conv weight [7, 1, 3, 3], applied to the
// image with F.conv2d ('same' padding) and a ReLU, drawn with convkit's own viz.filterGrid and viz.featureMaps.
import { F, Tensor, relu, viz } from "../src/index.js";
import { $ } from "./dom.js";

/** Copies a viz.Canvas (RGBA pixels) onto an HTML canvas, shown `zoom` times larger. */
function blit(target: HTMLCanvasElement, c: viz.Canvas, zoom: number): void {
  target.width = c.width;
  target.height = c.height;
  target.style.width = `${c.width * zoom}px`;
  target.style.height = `${c.height * zoom}px`;
  const img = new ImageData(new Uint8ClampedArray(c.data), c.width, c.height);
  target.getContext("2d")?.putImageData(img, 0, 0);
}

/** Runs the bank on a [1, 1, H, W] image and draws the filters and their feature maps. */
export function showFilterBank(image: Tensor): void {
  const names = F.KERNEL_NAMES.filter((n) => F.namedKernel(n).shape[0] === 3);
  const weight = new Tensor(new Float32Array(names.length * 9), [names.length, 1, 3, 3]);
  names.forEach((n, i) => weight.data.set(F.namedKernel(n).data, i * 9));
  const maps = relu(F.conv2d(image, weight, null, { padding: "same" }));
  blit($<HTMLCanvasElement>("filter-grid"), viz.filterGrid(weight, { scale: 10, columns: names.length, perCell: true }), 1);
  blit($<HTMLCanvasElement>("feature-maps"), viz.featureMaps(maps, { scale: 2, columns: names.length }), 1);
  $("filter-names").textContent = `filters, left to right: ${names.join(", ")}; weight ${JSON.stringify(weight.shape)} → ` +
    `feature maps ${JSON.stringify(maps.shape)}`;
}
