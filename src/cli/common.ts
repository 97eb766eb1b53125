// Shared pieces of the CLI commands: backend choice, loading a model from any weights file (the library's
// loadClassifier), reading images as model input, labels, checking the paths given on the command line, and shortening
// what goes into an error line.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Help, InvalidArgumentError, Option, type Command } from "commander";
import { Tensor } from "../tensor/tensor.js";
import { setBackend } from "../backends/registry.js";
import { ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { decodeImage, imageToTensor } from "../data/node.js";
import { DEFAULT_MAX_BYTES, readFileLimited } from "../io/node.js";
import type { Transform } from "../data/transforms.js";
import { loadClassifier, MAX_INPUT_PAD, type ImageClassifier } from "../apps/classifier.js";
import { imagenetClasses } from "../apps/node.js";

export { MODEL_META_KEY, fitProblems } from "../apps/classifier.js";
export { assetsDir } from "../apps/node.js";

/** Byte limits of the files a command reads besides model files (DEFAULT_MAX_BYTES): enough for any real image,
 *  label list or kernel, small enough that a hostile one cannot exhaust memory. */
export const MAX_IMAGE_BYTES = 256 * 2 ** 20;
export const MAX_TEXT_BYTES = 16 * 2 ** 20;

/** Read a file named on the command line: one clear line when it is missing, a directory or not a regular file
 *  (a device such as /dev/zero, or a FIFO, which would block), and never more than `maxBytes` (io's readFileLimited). */
export function readInputFile(path: string, what: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  if (!existsSync(path)) throw new ValueError(`${path}: no such ${what}`);
  const st = statSync(path);
  const expected = `expected ${/^[aeiou]/i.test(what) ? "an" : "a"} ${what}`;
  if (st.isDirectory()) throw new ValueError(`${path}: is a directory, ${expected}`);
  // checked before opening: opening a FIFO for reading waits for a writer
  if (!st.isFile()) throw new ValueError(`${path}: not a regular file, ${expected}`);
  return readFileLimited(path, maxBytes);
}

/** Refuse an output path before any work is done, so that a long evaluation does not end in a failed write: its folder
 *  must exist and be writable, and the path itself must not be a folder or a special file (the atomic write renames a
 *  temporary file over it). `flag` names the option in the message. */
export function checkOutputPath(flag: string, path: string): void {
  const at = `${flag} ${path}`;
  if (path === "") throw new ValueError(`${flag}: an empty file name`);
  if (existsSync(path)) {
    const st = statSync(path);
    if (st.isDirectory()) throw new ValueError(`${at}: is a directory, expected a file name`);
    if (!st.isFile()) throw new ValueError(`${at}: exists and is not a regular file`);
  }
  const dir = dirname(path);
  if (!existsSync(dir)) throw new ValueError(`${at}: the folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new ValueError(`${at}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ValueError(`${at}: the folder ${dir} is not writable`);
  }
}

/** The first `n` items, then how many more: "a, b, c, … (12 more)". Lists of keys and layers in error lines go through this. */
export function listSome(items: readonly string[], n = 3): string {
  return items.length > n ? `${items.slice(0, n).join(", ")}, … (${items.length - n} more)` : items.join(", ");
}

/** Longest error line the CLI prints; the whole message is in the stack (--verbose). */
export const MAX_ERROR_LINE = 400;

/** Cut a line to `max` characters, marking the cut. */
export function shorten(line: string, max = MAX_ERROR_LINE): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A zoo model name given as `what` (a flag or an argument), or a ValueError listing the valid names. */
export function checkModelName(what: string, name: string): string {
  if (!models.names().includes(name)) throw new ValueError(`${what}: unknown model '${name}' (known: ${models.names().join(", ")})`);
  return name;
}

/** Pick the backend: 'wasm' (default where WebAssembly SIMD exists), 'js' (the reference loops) or 'webgpu' (a GPU,
 *  through the npm package `webgpu` in Node); `threads` for wasm. */
export async function setupBackend(name = "auto", threads?: number): Promise<string> {
  if (name === "js" || name === "webgpu") {
    if (threads !== undefined) throw new ValueError(`-j/--threads is for the wasm backend, not --backend ${name}`);
  }
  if (name === "js") {
    setBackend("js");
    return "js";
  }
  if (name === "webgpu") {
    const webgpu = await import("../backends/webgpu/index.js");
    try {
      const { adapter } = await webgpu.initWebGPUBackend();
      return `webgpu (${adapter.architecture || adapter.vendor || "adapter"})`;
    } catch (e) {
      throw new ValueError(`--backend webgpu is unavailable here: ${(e as Error).message}`);
    }
  }
  if (name !== "wasm" && name !== "auto") throw new ValueError(`--backend must be js, wasm, webgpu or auto, got '${name}'`);
  try {
    const wasm = await import("../backends/wasm/index.js");
    await wasm.initWasm(threads === undefined ? {} : { threads });
    return "wasm";
  } catch (e) {
    if (name === "wasm") throw new ValueError(`the wasm backend is unavailable here: ${(e as Error).message}`);
    setBackend("js");
    return "js";
  }
}

/** Stop the wasm worker threads so the process can exit. */
export async function teardownBackend(): Promise<void> {
  try {
    const wasm = await import("../backends/wasm/index.js");
    wasm.disposeWasm();
  } catch {
    /* never loaded */
  }
}

/** A model file loaded with its preprocessing: the library's ImageClassifier (src/apps/classifier.ts). */
export type LoadedModel = ImageClassifier;

/** Load a model from a training checkpoint, a .safetensors or .pth state dict, or an .onnx graph (loadClassifier),
 *  the file read as the CLI reads its inputs; `--model` is checked and named in messages. */
export function loadModelFile(file: string, opts: { model?: string } = {}): LoadedModel {
  if (opts.model !== undefined) checkModelName("--model", opts.model);
  return loadClassifier(readInputFile(file, "model file"), { name: file, model: opts.model, modelHint: "--model NAME" });
}

/** The transform from a decoded image tensor [C,H,W] in [0,1] to the model's input (ImageClassifier.inputTransform). */
export function modelInputTransform(m: LoadedModel, image: Tensor, opts: { upscale?: boolean } = {}): Transform {
  return m.inputTransform(image, opts);
}

/** Read an image file as the model's input [1,C,H,W]. An image of another size than the model takes (its input, or
 *  up to MAX_INPUT_PAD pixels smaller per side) is refused unless `resize` says to scale it to fit: a model answers for
 *  any input, so a wrong-sized one would be classified silently. */
export function readModelInput(m: LoadedModel, path: string, opts: { invert?: boolean; resize?: boolean } = {}): Tensor {
  const decoded = decodeImage(readInputFile(path, "image", MAX_IMAGE_BYTES), path);
  const [, h, w] = m.inputShape as [number, number, number];
  if (!m.fitsInput(decoded.height, decoded.width) && !opts.resize) {
    const smaller = h > MAX_INPUT_PAD && w > MAX_INPUT_PAD ? ` (down to ${w - MAX_INPUT_PAD}×${h - MAX_INPUT_PAD}, padded)` : "";
    throw new ValueError(`${path} is ${decoded.width}×${decoded.height} pixels; ${m.name} takes ${w}×${h} images${smaller}: pass --resize to scale it to fit`);
  }
  let img = imageToTensor(decoded, m.inputShape[0] === 1 ? 1 : 3);
  if (opts.invert) img = new Tensor(img.data.map((v) => 1 - v), img.shape);
  return m.preprocess(img);
}

/** The dataset to evaluate on or search: --data, else the one the model file records. */
export function datasetOf(file: string, m: LoadedModel, data: string | undefined): string {
  const name = data ?? m.dataset;
  if (!name) throw new ValueError(`${file} does not record its dataset; pass --data mnist, fashion-mnist or DIR`);
  return name;
}

/** Class names: 'imagenet' (the 1000 shipped with convkit), a text file with one name per line, or the model's own. */
export function readLabels(spec: string | undefined, m: LoadedModel, numClasses: number): string[] {
  let names: string[];
  if (spec === undefined) names = m.classes ?? (numClasses === 1000 ? imagenetClasses() : m.labels(numClasses));
  else if (spec === "imagenet") names = imagenetClasses();
  else names = readLabelFile(spec);
  if (names.length !== numClasses) throw new ValueError(`${spec ?? "labels"}: ${names.length} class names for a model with ${numClasses} outputs`);
  return names;
}

function readLabelFile(path: string): string[] {
  return new TextDecoder().decode(readInputFile(path, "labels file", MAX_TEXT_BYTES)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/** Parse an integer option: at least `min`, at most `max`. (Options declared here parse their values with commander's
 *  argParser instead: intArg, numberArg.) */
export function intOption(name: string, v: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ValueError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${v}'`);
  }
  return n;
}

/** Parse a number option (finite). */
export function numberOption(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ValueError(`${name} must be a number, got '${v}'`);
  return n;
}

// ---- the options, one name per concept across commands ----
// Every command declares its options through these: commander parses and checks the values (argParser, choices,
// mandatory) before any work is done, and its usage errors are one `convkit: …` line (main.ts). Help shows each
// option's choices, default and whether it is required the same way (helpConfig).

/** commander argParser: an integer from `min` to `max`. */
export function intArg(min = 1, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`It must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}.`);
    }
    return n;
  };
}

/** commander argParser: a finite number, above 0 with `positive`. */
export function numberArg(opts: { positive?: boolean } = {}): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || (opts.positive && !(n > 0))) throw new InvalidArgumentError(`It must be a ${opts.positive ? "number > 0" : "finite number"}.`);
    return n;
  };
}

/** commander argParser: a shape of `rank` positive integers written "1,3,224,224" (`names` spells it in messages). */
export function shapeArg(rank: number, names: string): (value: string) => number[] {
  return (value) => {
    const dims = value.split(",").map((s) => (s.trim() === "" ? NaN : Number(s)));
    if (dims.length !== rank || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new InvalidArgumentError(`It must be ${rank} positive integers ${names}.`);
    return dims;
  };
}

/** The shared options. Each call makes a new Option (commander adds an Option object to one command only). */
export const options = {
  /** -o, --output <file>: the file a command writes. */
  output: (what: string, dflt?: string): Option => {
    const o = new Option("-o, --output <file>", what);
    return dflt === undefined ? o.makeOptionMandatory() : o.default(dflt);
  },
  /** -o, --output <dir>: the folder a run writes (train). */
  outputDir: (what: string, dflt: string): Option => new Option("-o, --output <dir>", what).default(undefined, dflt),
  /** --model <name>: the zoo model of a weights file that does not say (a PyTorch state dict). */
  model: (): Option => new Option("--model <name>", "zoo model, for weights files that do not say which: PyTorch .pth state dicts").choices(models.names()),
  /** --data <name|dir>: a dataset. */
  data: (dflt: string): Option => new Option("--data <name|dir>", "mnist | mnist-full | fashion-mnist | a folder of IDX files or of train/ and test/ image folders").default(undefined, dflt),
  /** -b, --batch-size <n>: images per batch (torchvision's -b). */
  batchSize: (dflt: number): Option => new Option("-b, --batch-size <n>", "images per batch").argParser(intArg(1)).default(dflt),
  /** --limit-train <n>: use only n images of the training split, evenly spaced over it. */
  limitTrain: (): Option => new Option("--limit-train <n>", "use only n training images, evenly spaced over the split (quick runs)").argParser(intArg(1)),
  /** --limit-test <n>: use only n images of the test split, evenly spaced over it. */
  limitTest: (): Option => new Option("--limit-test <n>", "use only n test images, evenly spaced over the split").argParser(intArg(1)),
  /** --invert: dark digits on white paper → MNIST's white on black. */
  invert: (): Option => new Option("--invert", "invert grey images (dark digits on white paper → MNIST's white on black)"),
  /** --resize: scale images of another size to the model's input. */
  resize: (): Option => new Option("--resize", "scale images of another size to the model's input (otherwise they are refused)"),
  /** --json: machine-readable output. */
  json: (): Option => new Option("--json", "print JSON"),
  /** An old name of an option, still accepted and not shown in the help. */
  alias: (flags: string, of: string): Option => new Option(flags, `old name of ${of}`).hideHelp(),
};

/** The help of an option: its description, then in one parenthesis whether it is required, its choices and its
 *  default (a value, or a sentence for defaults computed at run time: Option.default(undefined, "…")). */
export function optionHelp(o: Option): string {
  const info: string[] = [];
  if (o.mandatory) info.push("required");
  if (o.argChoices) info.push(`one of ${o.argChoices.join(" | ")}`);
  const showDefault = !o.negate && !o.isBoolean();
  if (showDefault && o.defaultValueDescription !== undefined) info.push(`default: ${o.defaultValueDescription}`);
  else if (showDefault && o.defaultValue !== undefined) info.push(`default: ${Array.isArray(o.defaultValue) ? o.defaultValue.join(",") : String(o.defaultValue)}`);
  return info.length ? `${o.description} (${info.join("; ")})` : o.description;
}

/** The help configuration every command inherits (see optionHelp). */
export const helpConfig: Partial<Help> = { optionDescription: optionHelp };

/** The value an option came from, "default" or "cli": whether the user gave it. */
export function given(cmd: Command, name: string): boolean {
  return cmd.getOptionValueSource(name) === "cli";
}
