// Shared pieces of the CLI commands: backend choice, loading a model from any weights file, reading images as model
// input, labels, checking the paths given on the command line, and shortening what goes into an error line.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Tensor } from "../tensor/tensor.js";
import { setBackend } from "../backends/registry.js";
import { FormatError, ValueError } from "../errors.js";
import * as models from "../models/index.js";
import type { StateDict } from "../nn/module.js";
import { loadSafetensors } from "../io/safetensors.js";
import { loadPth } from "../io/pth.js";
import { loadOnnx } from "../io/onnx-import.js";
import { decodeCheckpoint, describeFit, isCheckpointMetadata, type CheckpointMeta } from "../train/checkpoint.js";
import type { Classifier } from "../train/metrics.js";
import { decodeImage, imageToTensor } from "../data/node.js";
import { DEFAULT_MAX_BYTES, readFileLimited } from "../io/node.js";
import { centerCrop, compose, normalize, pad, resize, type Transform } from "../data/transforms.js";
import { MNIST_MEAN, MNIST_STD } from "../data/mnist.js";

/** Metadata key under which exported .safetensors files describe their model. */
export const MODEL_META_KEY = "convkit.model";

/** The assets folder shipped with the package (ImageNet class names, sample digits, trained LeNet-5). */
export function assetsDir(): string {
  return fileURLToPath(new URL("../../assets/", import.meta.url)).replace(/\/dist\/assets\/$/, "/assets/");
}

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

/** Pick the backend: 'wasm' (default where WebAssembly SIMD exists) or 'js' (the reference loops). */
export async function setupBackend(name = "auto"): Promise<string> {
  if (name === "js") {
    setBackend("js");
    return "js";
  }
  if (name !== "wasm" && name !== "auto") throw new ValueError(`--backend must be js, wasm or auto, got '${name}'`);
  try {
    const wasm = await import("../backends/wasm/index.js");
    await wasm.initWasm();
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

/** What a model file gave us: the runnable model and how to feed it. */
export interface LoadedModel {
  model: Classifier;
  /** Zoo name ('onnx' for an imported graph). */
  name: string;
  classes: string[] | null;
  mean: number[];
  std: number[];
  /** Input [C,H,W]. */
  inputShape: number[];
  /** The checkpoint's metadata when the file is a training checkpoint. */
  meta: CheckpointMeta | null;
  /** The dataset the model was trained on, when the file records it (checkpoints, and files exported from them). */
  dataset: string | null;
  /** The weights, for export (null for ONNX). */
  stateDict: StateDict | null;
  modelOptions: Record<string, unknown>;
}

/** Describe in one line why a state dict does not fit a model (missing, unexpected and mis-shaped keys), in the words
 *  of the checkpoint loader's describeFit; null when it fits (the weights are then loaded). */
export function fitProblems(file: string, name: string, model: Classifier, sd: StateDict): string | null {
  const problem = describeFit(model.loadStateDict(sd, { strict: false }));
  return problem === null ? null : `${file} does not fit ${name}: ${problem}`;
}

function defaultNorm(channels: number): { mean: number[]; std: number[] } {
  return channels === 3 ? { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } : { mean: [MNIST_MEAN], std: [MNIST_STD] };
}

/** Classes in a state dict: rows of its last 2-D weight (the classifier). */
function inferNumClasses(sd: StateDict): number | undefined {
  let n: number | undefined;
  for (const [k, t] of sd) if (k.endsWith("weight") && t.ndim === 2) n = t.shape[0];
  return n;
}

function buildFromStateDict(file: string, sd: StateDict, name: string | undefined, opts: Record<string, unknown>): { model: Classifier; name: string; modelOptions: Record<string, unknown> } {
  if (!name) throw new ValueError(`${file}: cannot tell which model these weights belong to; pass --model NAME (${models.names().join(", ")})`);
  // --model is checked up front; a name from the file's own metadata means the file is wrong
  if (!models.names().includes(name)) throw new FormatError(`${file}: its metadata names an unknown model '${name}' (known: ${models.names().join(", ")})`);
  const modelOptions: Record<string, unknown> = { ...opts };
  modelOptions.numClasses ??= inferNumClasses(sd);
  if (name === "lenet5") {
    const w = sd.get("features.0.weight");
    if (w && w.ndim === 4) modelOptions.inChannels ??= w.shape[1];
    // the classic variant has no parameters of its own; tanh vs ReLU cannot be told from weights
  }
  const model = models.create(name, modelOptions) as Classifier;
  const problem = fitProblems(file, name, model, sd);
  if (problem) throw new ValueError(problem);
  model.eval();
  return { model, name, modelOptions };
}

/** The MODEL_META_KEY description in an ONNX file's metadata_props, checked against the graph: class names (one per
 *  output), input [C,H,W] (agreeing with the graph's static dims), mean and std (one finite number per channel), the
 *  dataset's name. Absent fields are null (the caller uses its defaults); anything malformed is a FormatError naming the file. */
function onnxModelInfo(file: string, json: string, graphInput: (number | null)[] | null, numClasses: number | null): { classes: string[] | null; mean: number[] | null; std: number[] | null; inputShape: number[] | null; dataset: string | null } {
  const bad = (problem: string): never => {
    throw new FormatError(`${file}: '${MODEL_META_KEY}' metadata ${problem}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    bad("is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return bad("is not a JSON object");
  const info = raw as Record<string, unknown>;
  const given = (key: string): boolean => info[key] !== undefined && info[key] !== null;

  let inputShape: number[] | null = null;
  if (given("inputShape")) {
    const v = info.inputShape;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((d) => Number.isSafeInteger(d) && (d as number) > 0)) bad(`inputShape is ${JSON.stringify(v)}, not [C,H,W] of positive integers`);
    inputShape = v as number[];
    if (graphInput && graphInput.some((d, i) => d !== null && d !== inputShape![i])) bad(`inputShape [${inputShape.join(",")}] disagrees with the graph's input [${graphInput.map((d) => d ?? "?").join(",")}]`);
  }
  const channels = inputShape?.[0] ?? graphInput?.[0] ?? null;

  let classes: string[] | null = null;
  if (given("classes")) {
    const v = info.classes;
    if (!Array.isArray(v) || !v.every((c) => typeof c === "string")) return bad("classes is not an array of strings");
    if (numClasses !== null && v.length !== numClasses) bad(`has ${v.length} class names for a graph with ${numClasses} outputs`);
    classes = v as string[];
  }
  const perChannel = (key: "mean" | "std"): number[] | null => {
    if (!given(key)) return null;
    const v = info[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x))) return bad(`${key} is not an array of finite numbers`);
    if (channels !== null && v.length !== channels) bad(`${key} has ${v.length} values for ${channels} input channels`);
    if (key === "std" && v.some((x) => x === 0)) bad("std holds a zero (normalising divides by it)");
    return v as number[];
  };
  if (given("dataset") && typeof info.dataset !== "string") bad("dataset is not a string");
  return { classes, mean: perChannel("mean"), std: perChannel("std"), inputShape, dataset: given("dataset") ? info.dataset as string : null };
}

/** Load a model from a training checkpoint, a .safetensors or .pth state dict, or an .onnx graph. */
export function loadModelFile(file: string, opts: { model?: string } = {}): LoadedModel {
  if (opts.model !== undefined) checkModelName("--model", opts.model);
  const bytes = readInputFile(file, "model file");
  const ext = extname(file).toLowerCase();
  if (ext === ".onnx") {
    const onnx = loadOnnx(bytes, { name: file });
    const model = onnx as unknown as Classifier;
    const shape = onnx.inputs[0]?.shape ?? null;
    const chw = shape && shape.length === 4 ? shape.slice(1).map((d, i) => d ?? [3, 224, 224][i]!) : [3, 224, 224];
    const out = onnx.outputs[0]?.shape ?? null;
    const numClasses = out && out.length === 2 && out[1] !== null ? out[1] : null;
    // files written by `convkit export --onnx` describe their classes and preprocessing; foreign files get defaults
    const info = onnx.metadata[MODEL_META_KEY] === undefined ? null : onnxModelInfo(file, onnx.metadata[MODEL_META_KEY], shape && shape.length === 4 ? shape.slice(1) : null, numClasses);
    const inputShape = info?.inputShape ?? chw;
    const norm = defaultNorm(inputShape[0]!);
    return { model, name: "onnx", classes: info?.classes ?? null, mean: info?.mean ?? norm.mean, std: info?.std ?? norm.std, inputShape, meta: null, dataset: info?.dataset ?? null, stateDict: null, modelOptions: {} };
  }
  if (ext === ".pth" || ext === ".pt") {
    const sd = loadPth(bytes, { name: file });
    const built = buildFromStateDict(file, sd, opts.model, {});
    const input = models.defaultInputShape(built.name).slice(1);
    if (typeof built.modelOptions.inChannels === "number") input[0] = built.modelOptions.inChannels;
    return { ...built, classes: null, ...defaultNorm(input[0]!), inputShape: input, meta: null, dataset: null, stateDict: sd };
  }
  // .safetensors (or anything else: the format is recognised by content)
  const isSafetensors = bytes.length >= 8;
  if (!isSafetensors) throw new FormatError(`${file}: too short to be a model file`);
  let contents;
  try {
    contents = loadSafetensors(bytes, { name: file });
  } catch (e) {
    if (ext !== ".safetensors") throw new FormatError(`${file}: not a .safetensors, .pth or .onnx model file (${(e as Error).message})`);
    throw e;
  }
  if (isCheckpointMetadata(contents.metadata)) {
    const ck = decodeCheckpoint(bytes, file);
    if (opts.model && opts.model !== ck.meta.model) throw new ValueError(`${file} is a ${ck.meta.model} checkpoint, not ${opts.model}`);
    const built = buildFromStateDict(file, ck.model, ck.meta.model, ck.meta.modelOptions);
    return { ...built, classes: ck.meta.classes, mean: ck.meta.mean, std: ck.meta.std, inputShape: ck.meta.inputShape, meta: ck.meta, dataset: ck.meta.dataset, stateDict: ck.model };
  }
  let info: { model?: string; modelOptions?: Record<string, unknown>; classes?: string[]; mean?: number[]; std?: number[]; inputShape?: number[]; dataset?: unknown } = {};
  if (contents.metadata[MODEL_META_KEY]) {
    try {
      info = JSON.parse(contents.metadata[MODEL_META_KEY]!) as typeof info;
    } catch {
      throw new FormatError(`${file}: '${MODEL_META_KEY}' metadata is not valid JSON`);
    }
  }
  const name = opts.model ?? info.model;
  const built = buildFromStateDict(file, contents.tensors, name, info.model === name ? info.modelOptions ?? {} : {});
  const input = info.inputShape ?? models.defaultInputShape(built.name).slice(1);
  if (!info.inputShape && typeof built.modelOptions.inChannels === "number") input[0] = built.modelOptions.inChannels;
  const norm = info.mean && info.std ? { mean: info.mean, std: info.std } : defaultNorm(input[0]!);
  return { ...built, classes: info.classes ?? null, ...norm, inputShape: input, meta: null, dataset: typeof info.dataset === "string" ? info.dataset : null, stateDict: contents.tensors };
}

/** Most pixels an image may lack per side of the model's input and still be taken as it is, zero-padded: LeNet-5's
 *  32×32 input holds MNIST's 28×28 digits so (as training pads them). */
const MAX_PAD = 4;

/** The transform from a decoded image tensor [C,H,W] in [0,1] to the model's input, then normalised. Images up to
 *  MAX_PAD pixels smaller per side are padded, as training pads them. Otherwise, larger images are resized and
 *  centre-cropped and (with `upscale`) smaller ones are scaled up the same way; without it smaller ones are padded,
 *  as training pads a dataset's smaller images. A digit model (1 channel, 32 px) gets its image at 28 px plus padding. */
export function modelInputTransform(m: LoadedModel, image: Tensor, opts: { upscale?: boolean } = {}): Transform {
  const [, h, w] = m.inputShape as [number, number, number];
  const [, ih, iw] = image.shape as [number, number, number];
  const steps: Transform[] = [];
  if (ih <= h && iw <= w && (!opts.upscale || (h - ih <= MAX_PAD && w - iw <= MAX_PAD))) {
    if (ih < h || iw < w) steps.push(pad([Math.floor((w - iw) / 2), Math.floor((h - ih) / 2), Math.ceil((w - iw) / 2), Math.ceil((h - ih) / 2)]));
  } else {
    // a digit model sees whole 28×28-like images: shrink to fit (its 32 px input holds a 28 px digit plus padding)
    const target = m.inputShape[0] === 1 && h === 32 ? 28 : Math.min(h, w);
    steps.push(resize(target));
    if (target < Math.min(h, w)) steps.push(centerCrop([target, target]), pad((h - target) / 2));
    else steps.push(centerCrop([h, w]));
  }
  steps.push(normalize(m.mean, m.std));
  return compose(...steps);
}

/** Read an image file as the model's input [1,C,H,W]. An image of another size than the model takes (its input, or
 *  up to MAX_PAD pixels smaller per side) is refused unless `resize` says to scale it to fit: a model answers for
 *  any input, so a wrong-sized one would be classified silently. */
export function readModelInput(m: LoadedModel, path: string, opts: { invert?: boolean; resize?: boolean } = {}): Tensor {
  const channels = m.inputShape[0] === 1 ? 1 : 3;
  const decoded = decodeImage(readInputFile(path, "image", MAX_IMAGE_BYTES), path);
  const [, h, w] = m.inputShape as [number, number, number];
  const fits = decoded.height <= h && decoded.width <= w && h - decoded.height <= MAX_PAD && w - decoded.width <= MAX_PAD;
  if (!fits && !opts.resize) {
    const smaller = h > MAX_PAD && w > MAX_PAD ? ` (down to ${w - MAX_PAD}×${h - MAX_PAD}, padded)` : "";
    throw new ValueError(`${path} is ${decoded.width}×${decoded.height} pixels; ${m.name} takes ${w}×${h} images${smaller}: pass --resize to scale it to fit`);
  }
  let img = imageToTensor(decoded, channels);
  if (opts.invert) img = new Tensor(img.data.map((v) => 1 - v), img.shape);
  const x = modelInputTransform(m, img, { upscale: true })(img);
  return x.reshape([1, ...x.shape]);
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
  if (spec === undefined) names = m.classes ?? (numClasses === 1000 ? readLabelFile(`${assetsDir()}imagenet-classes.txt`) : Array.from({ length: numClasses }, (_, i) => String(i)));
  else if (spec === "imagenet") names = readLabelFile(`${assetsDir()}imagenet-classes.txt`);
  else names = readLabelFile(spec);
  if (names.length !== numClasses) throw new ValueError(`${spec ?? "labels"}: ${names.length} class names for a model with ${numClasses} outputs`);
  return names;
}

function readLabelFile(path: string): string[] {
  return new TextDecoder().decode(readInputFile(path, "labels file", MAX_TEXT_BYTES)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/** A short name for messages. */
export function short(path: string): string {
  return basename(path);
}

/** Parse an integer option: at least `min`, at most `max`. */
export function intOption(name: string, v: string | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ValueError(`${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got '${v}'`);
  }
  return n;
}

export function numberOption(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ValueError(`${name} must be a number, got '${v}'`);
  return n;
}

export const requireFromHere = createRequire(import.meta.url);
