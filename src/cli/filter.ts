// convkit filter <image>: filter an image with a classic kernel (or one from a file) by true convolution or correlation.
import { Option, type Command } from "commander";
import { existsSync } from "node:fs";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { convolve2d, KERNEL_NAMES, namedKernel, type FilterKernelName } from "../ops/conv.js";
import { decodeImage, imageToTensor } from "../data/node.js";
import { Canvas } from "../viz/raster.js";
import { writePng } from "../viz/node.js";
import { ValueError } from "../errors.js";
import { checkOutputPath, intArg, MAX_IMAGE_BYTES, MAX_TEXT_BYTES, options, readInputFile } from "./common.js";

/** A kernel from a text file: rows of numbers separated by spaces or commas, or a JSON array of rows. */
export function readKernelFile(path: string): Tensor {
  const text = new TextDecoder().decode(readInputFile(path, "kernel file", MAX_TEXT_BYTES)).trim();
  let rows: number[][];
  if (text.startsWith("[")) {
    try {
      rows = JSON.parse(text) as number[][];
    } catch {
      throw new ValueError(`${path}: not a valid JSON array of kernel rows`);
    }
  } else rows = text.split(/\r?\n/).filter((l) => l.trim()).map((l) => l.trim().split(/[\s,]+/).map(Number));
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r) && r.length === rows[0]!.length && r.length > 0 && r.every((v) => Number.isFinite(v)))) {
    throw new ValueError(`${path}: a kernel file needs rows of equal length of finite numbers`);
  }
  return tensor(rows);
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("filter")
    .description("filter an image with a classic kernel: edges (sobel-x, sobel-y, laplace), sharpen, blur (box, gauss)")
    .argument("<image>", "PNG or JPEG file")
    .addOption(new Option("--kernel <name|file>", `${KERNEL_NAMES.join(" | ")} | FILE (rows of numbers)`).makeOptionMandatory())
    .addOption(new Option("--mode <mode>", "convolve: flipped kernel, the textbook convolution; correlate: what conv2d computes").choices(["convolve", "correlate"]).default("convolve"))
    .addOption(new Option("--stride <n>", "stride").argParser(intArg(1)).default(1))
    .addOption(new Option("--padding <n>", "zero padding on each side").argParser(intArg(0)).default(undefined, "(k-1)/2, keeping the size at stride 1"))
    .option("--color", "filter the R, G and B channels separately, rather than the grey image")
    .addOption(options.output("output PNG"))
    .addHelpText("after", "\nZero-sum kernels (edge detectors) are shown as |response| scaled to the maximum; others are clamped to [0, 1].")
    .action((image: string, f: { kernel: string; mode: "convolve" | "correlate"; stride: number; padding?: number; color?: boolean; output: string }) => run(async () => {
      checkOutputPath("-o", f.output);
      let k: Tensor;
      if ((KERNEL_NAMES as readonly string[]).includes(f.kernel)) k = namedKernel(f.kernel as FilterKernelName);
      else if (existsSync(f.kernel)) k = readKernelFile(f.kernel);
      else throw new ValueError(`--kernel '${f.kernel}' is neither a known kernel (${KERNEL_NAMES.join(", ")}) nor a file`);
      const x = imageToTensor(decodeImage(readInputFile(image, "image", MAX_IMAGE_BYTES), image), f.color ? 3 : 1);
      // more padding than the kernel reaches only adds zeros, and an unbounded one could not be allocated
      const maxPad = Math.max(k.shape[0]!, k.shape[1]!) - 1;
      const p = f.padding ?? Math.floor((k.shape[0]! - 1) / 2);
      if (p > maxPad) throw new ValueError(`--padding must be an integer from 0 to ${maxPad}, got '${p}'`);
      const y = convolve2d(x, k, { mode: f.mode, stride: f.stride, padding: p });
      let sum = 0;
      for (const v of k.data) sum += v;
      const edge = Math.abs(sum) < 1e-6;
      const [c, h, w] = y.shape as [number, number, number];
      let hi = 0;
      if (edge) for (const v of y.data) hi = Math.max(hi, Math.abs(v));
      const shown = Float32Array.from(y.data, (v) => (edge ? Math.abs(v) / (hi || 1) : Math.min(1, Math.max(0, v))));
      const canvas = new Canvas(w, h);
      canvas.image(0, 0, shown, c, h, w, 0, 1, 1);
      writePng(f.output, canvas);
      console.log(`${image} (${x.shape[2]}×${x.shape[1]}) ⊛ ${f.kernel} [${k.shape.join("×")}], ${f.mode}, stride ${f.stride}, padding ${p} → ${f.output} (${w}×${h})`);
    }));
}
