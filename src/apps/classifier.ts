// Image classification in one call: a model file — a convkit training checkpoint, a .safetensors or PyTorch .pth state
// dict, an .onnx graph — loaded with the preprocessing it records (input size, mean and std, class names), so that an
// image goes in and named classes with probabilities come out. Browser-safe: it takes bytes; convkit/node's
// loadClassifierFile and classify take file paths. The CLI's predict, eval, visualize and neighbors load models here.
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { softmax } from "../ops/activation.js";
import { FormatError, ShapeError, ValueError } from "../errors.js";
import * as models from "../models/index.js";
import type { StateDict } from "../nn/module.js";
import { loadSafetensors } from "../io/safetensors.js";
import { loadPth } from "../io/pth.js";
import { loadOnnx } from "../io/onnx-import.js";
import { centerCrop, compose, normalize, pad, resize, toGrayscale, toTensor, type RawImage, type Transform } from "../data/transforms.js";
import { MNIST_MEAN, MNIST_STD } from "../data/mnist.js";
import { decodeCheckpoint, describeFit, isCheckpointMetadata, type CheckpointMeta } from "../train/checkpoint.js";
import { logitsOf, type Classifier } from "../train/metrics.js";

/** Metadata key under which `convkit export` (.safetensors and .onnx) describes the model: its zoo name and options,
 *  class names, mean, std, input [C,H,W] and dataset, as JSON. */
export const MODEL_META_KEY = "convkit.model";

/** ImageNet's normalisation (torchvision's weights), the default for 3-channel models whose file does not say. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** ImageNet's standard deviations, per RGB channel. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** One class of a classification: its index among the model's outputs, its name and its softmax probability. */
export interface Prediction {
  /** The class's index among the model's outputs. */
  index: number;
  /** Its name (the index as a string when the model has no class names). */
  label: string;
  /** Its softmax probability, in [0, 1]. */
  probability: number;
}

/** How loadClassifier reads a model file. */
export interface LoadClassifierOptions {
  /** The file's name, for messages; its extension picks the format: .onnx, .pth or .pt, else safetensors (a training
   *  checkpoint or a state dict). Default "model.safetensors". */
  name?: string;
  /** The zoo model (models.names()) the weights belong to, for files that do not say: PyTorch state dicts. */
  model?: string;
  /** What an error tells the user to pass when the file does not name its model; default `{ model: NAME }`
   *  (the CLI says `--model NAME`). */
  modelHint?: string;
}

/** A browser's ImageData, or anything shaped like it: RGBA bytes, row by row. */
export interface ImageDataLike {
  /** Pixels per row. */
  readonly width: number;
  /** Rows. */
  readonly height: number;
  /** width × height × 4 bytes: red, green, blue and alpha of each pixel. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** What ImageClassifier.classify takes: a tensor [C,H,W] in [0,1], decoded pixels (RawImage), or a browser's
 *  ImageData. */
export type ImageInput = Tensor | RawImage | ImageDataLike;

/** Options of ImageClassifier.classify. */
export interface ClassifyOptions {
  /** How many classes to return, most probable first; default 5 (all when the model has fewer). */
  top?: number;
}

/** What an ImageClassifier is made of: the model and how to feed it. */
export interface ImageClassifierInit {
  /** The network: an image batch [N,C,H,W] in, logits [N, classes] out. */
  model: Classifier;
  /** The zoo name ('onnx' for an imported graph). */
  name: string;
  /** Class names, one per output, or null to name the outputs by their index. */
  classes: string[] | null;
  /** Per-channel mean the input is normalised with (subtracted). */
  mean: readonly number[];
  /** Per-channel standard deviation the input is normalised with (divided by). */
  std: readonly number[];
  /** The model's input [C,H,W]. */
  inputShape: readonly number[];
  /** How many classes the model outputs, when known before running it. */
  numClasses: number | null;
  /** The training checkpoint's metadata, when the model comes from one. */
  meta?: CheckpointMeta | null;
  /** The dataset the model was trained on, when known. */
  dataset?: string | null;
  /** The weights, when the model was built from a state dict. */
  stateDict?: StateDict | null;
  /** The options the zoo model was built with. */
  modelOptions?: Record<string, unknown>;
}

/** Most pixels an image may lack per side of the model's input and still be taken as it is, zero-padded: LeNet-5's
 *  32×32 input holds MNIST's 28×28 digits so (as training pads them). */
export const MAX_INPUT_PAD = 4;

/**
 * A classification model with the preprocessing it was trained with: `classify(image)` fits the image to the model's
 * input (pads a 28×28 digit to LeNet-5's 32×32, resizes and centre-crops a photo), normalises it with the model's mean
 * and std, runs the model in eval mode without recording gradients, and names the most probable classes.
 */
export class ImageClassifier {
  /** The network, in eval mode. */
  readonly model: Classifier;
  /** The zoo name ('onnx' for an imported graph). */
  readonly name: string;
  /** Class names, one per output; null: the outputs are named by their index. Set it to name them. */
  classes: string[] | null;
  /** Per-channel mean the input is normalised with (subtracted). */
  readonly mean: readonly number[];
  /** Per-channel standard deviation the input is normalised with (divided by). */
  readonly std: readonly number[];
  /** The model's input [C,H,W]. */
  readonly inputShape: readonly number[];
  /** How many classes the model outputs, when the file tells (null: known after the first image). */
  readonly numClasses: number | null;
  /** The training checkpoint's metadata, when the file is one. */
  readonly meta: CheckpointMeta | null;
  /** The dataset the model was trained on, when the file records it (checkpoints, and files exported from them). */
  readonly dataset: string | null;
  /** The weights, for export (null for ONNX). */
  readonly stateDict: StateDict | null;
  /** The options the zoo model was built with. */
  readonly modelOptions: Record<string, unknown>;

  constructor(init: ImageClassifierInit) {
    this.model = init.model;
    this.name = init.name;
    this.classes = init.classes;
    this.mean = init.mean;
    this.std = init.std;
    this.inputShape = init.inputShape;
    this.numClasses = init.numClasses;
    this.meta = init.meta ?? null;
    this.dataset = init.dataset ?? null;
    this.stateDict = init.stateDict ?? null;
    this.modelOptions = init.modelOptions ?? {};
    this.model.eval();
  }

  /**
   * The transform from an image [C,H,W] in [0,1] of `image`'s size to the model's input, normalised. Images up to
   * MAX_INPUT_PAD pixels smaller per side are zero-padded, as training pads them. Otherwise, larger images are resized
   * (shorter side) and centre-cropped, and with `upscale` smaller ones are scaled up the same way; without it smaller
   * ones are padded, as training pads a dataset's smaller images. A digit model (1 channel, 32 px) gets its image at
   * 28 px plus padding.
   */
  inputTransform(image: Tensor, opts: { upscale?: boolean } = {}): Transform {
    const [, h, w] = this.inputShape as [number, number, number];
    const [, ih, iw] = image.shape as [number, number, number];
    const steps: Transform[] = [];
    if (ih <= h && iw <= w && (!opts.upscale || (h - ih <= MAX_INPUT_PAD && w - iw <= MAX_INPUT_PAD))) {
      if (ih < h || iw < w) steps.push(pad([Math.floor((w - iw) / 2), Math.floor((h - ih) / 2), Math.ceil((w - iw) / 2), Math.ceil((h - ih) / 2)]));
    } else {
      // a digit model sees whole 28×28-like images: shrink to fit (its 32 px input holds a 28 px digit plus padding)
      const target = this.inputShape[0] === 1 && h === 32 ? 28 : Math.min(h, w);
      steps.push(resize(target));
      if (target < Math.min(h, w)) steps.push(centerCrop([target, target]), pad((h - target) / 2));
      else steps.push(centerCrop([h, w]));
    }
    steps.push(normalize(this.mean, this.std));
    return compose(...steps);
  }

  /** Whether an image of `height`×`width` pixels is taken as it is (at most MAX_INPUT_PAD pixels smaller per side,
   *  padded) rather than resized. */
  fitsInput(height: number, width: number): boolean {
    const [, h, w] = this.inputShape as [number, number, number];
    return height <= h && width <= w && h - height <= MAX_INPUT_PAD && w - width <= MAX_INPUT_PAD;
  }

  /** An image as the model's input [1,C,H,W]: decoded pixels (a RawImage from convkit/node's readImage, or a
   *  browser's ImageData: RGBA) converted to the model's channels (grey or RGB), or a tensor [C,H,W] in [0,1] with
   *  them; then inputTransform. */
  preprocess(image: ImageInput): Tensor {
    const channels = this.inputShape[0]!;
    let x: Tensor;
    if (image instanceof Tensor) {
      if (image.ndim !== 3 || image.shape[0] !== channels) {
        throw new ShapeError(`${this.name}: takes an image [${channels},H,W] in [0,1], got a tensor [${image.shape.join(",")}]`);
      }
      x = image;
    } else {
      // ImageData has no channel count (its bytes are RGBA), and its fields are getters that a spread would not copy
      const { width, height, data } = image;
      const raw: RawImage = "channels" in image ? image : { width, height, data, channels: data.length / (width * height) };
      if (channels === 1) x = toTensor(toGrayscale(raw));
      else if (channels === 3 && raw.channels >= 3) x = toTensor(raw, 3);
      else if (channels === 3) x = toTensor(toGrayscale(raw)).expand([3, raw.height, raw.width]);
      else throw new ValueError(`${this.name}: takes ${channels}-channel input; pass the image as a tensor [${channels},H,W]`);
    }
    const y = this.inputTransform(x, { upscale: true })(x);
    return y.reshape([1, ...y.shape]);
  }

  /** Softmax probabilities [N, classes] of a batch of inputs [N,C,H,W] already preprocessed. */
  probabilities(x: Tensor): Tensor {
    return noGrad(() => softmax(logitsOf(this.model.call(x)), 1));
  }

  /** The `top` most probable classes of one image (see preprocess for what it may be), most probable first. */
  classify(image: ImageInput, opts: ClassifyOptions = {}): Prediction[] {
    return this.rank(this.probabilities(this.preprocess(image)), opts.top);
  }

  /** The `top` (default 5) most probable classes of the first row of `probs` [N, classes], most probable first. */
  rank(probs: Tensor, top = 5): Prediction[] {
    if (!Number.isInteger(top) || top < 1) throw new ValueError(`classify: top must be an integer ≥ 1, got ${top}`);
    const n = probs.shape[1]!;
    const p = probs.data.subarray(0, n);
    const names = this.labels(n);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b).slice(0, Math.min(top, n));
    return order.map((i) => ({ index: i, label: names[i]!, probability: p[i]! }));
  }

  /** The model's description as file metadata, under MODEL_META_KEY: its zoo name and options, classes, mean, std,
   *  input [C,H,W] and dataset. Written into a .safetensors or .onnx file (saveSafetensors' or exportOnnx's
   *  `metadata`), it lets loadClassifier, classify and the CLI read that file with the same preprocessing. */
  metadata(): Record<string, string> {
    const info = { model: this.name, modelOptions: this.modelOptions, classes: this.classes, mean: this.mean, std: this.std, inputShape: this.inputShape, dataset: this.dataset };
    return { [MODEL_META_KEY]: JSON.stringify(info) };
  }

  /** The names of the model's `n` outputs: its classes, or the indices as strings. */
  labels(n: number): string[] {
    if (this.classes === null) return Array.from({ length: n }, (_, i) => String(i));
    if (this.classes.length !== n) throw new ValueError(`${this.name}: ${this.classes.length} class names for a model with ${n} outputs`);
    return this.classes;
  }
}

/** Describe in one line why a state dict does not fit a model (train's describeFit), loading it when it fits. */
export function fitProblems(file: string, name: string, model: Classifier, sd: StateDict): string | null {
  const problem = describeFit(model.loadStateDict(sd, { strict: false }));
  return problem === null ? null : `${file} does not fit ${name}: ${problem}`;
}

function defaultNorm(channels: number): { mean: readonly number[]; std: readonly number[] } {
  return channels === 3 ? { mean: IMAGENET_MEAN, std: IMAGENET_STD } : { mean: [MNIST_MEAN], std: [MNIST_STD] };
}

/** Classes in a state dict: rows of its last 2-D weight (the classifier). */
function inferNumClasses(sd: StateDict): number | undefined {
  let n: number | undefined;
  for (const [k, t] of sd) if (k.endsWith("weight") && t.ndim === 2) n = t.shape[0];
  return n;
}

interface Built { model: Classifier; name: string; modelOptions: Record<string, unknown> }

function buildFromStateDict(file: string, sd: StateDict, name: string | undefined, opts: Record<string, unknown>, hint: string): Built {
  if (!name) throw new ValueError(`${file}: cannot tell which model these weights belong to; pass ${hint} (${models.names().join(", ")})`);
  // a name given by the caller is checked up front; one from the file's own metadata means the file is wrong
  if (!models.isModelName(name)) throw new FormatError(`${file}: its metadata names an unknown model '${name}' (known: ${models.names().join(", ")})`);
  const modelOptions: Record<string, unknown> = { ...opts };
  modelOptions.numClasses ??= inferNumClasses(sd);
  if (name === "lenet5") {
    const w = sd.get("features.0.weight");
    if (w && w.ndim === 4) modelOptions.inChannels ??= w.shape[1];
    // the classic variant has no parameters of its own; tanh vs ReLU cannot be told from weights
  }
  const model = models.create(name as string, modelOptions) as Classifier;
  const problem = fitProblems(file, name, model, sd);
  if (problem) throw new ValueError(problem);
  return { model, name, modelOptions };
}

/** The input [C,H,W] of a zoo model built with `modelOptions` (its usual one, with its inChannels). */
function zooInput(built: Built): number[] {
  const input = models.defaultInputShape(built.name).slice(1);
  if (typeof built.modelOptions.inChannels === "number") input[0] = built.modelOptions.inChannels;
  return input;
}

const numClassesOf = (built: Built): number | null => (typeof built.modelOptions.numClasses === "number" ? built.modelOptions.numClasses : null);

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

function loadOnnxClassifier(file: string, bytes: Uint8Array): ImageClassifier {
  const onnx = loadOnnx(bytes, { name: file });
  const shape = onnx.inputs[0]?.shape ?? null;
  const chw = shape && shape.length === 4 ? shape.slice(1).map((d, i) => d ?? [3, 224, 224][i]!) : [3, 224, 224];
  const out = onnx.outputs[0]?.shape ?? null;
  const numClasses = out && out.length === 2 && out[1] !== null ? out[1] : null;
  // files written by `convkit export --onnx` describe their classes and preprocessing; foreign files get defaults
  const raw = onnx.metadata[MODEL_META_KEY];
  const info = raw === undefined ? null : onnxModelInfo(file, raw, shape && shape.length === 4 ? shape.slice(1) : null, numClasses);
  const inputShape = info?.inputShape ?? chw;
  const norm = defaultNorm(inputShape[0]!);
  return new ImageClassifier({
    model: onnx as unknown as Classifier, name: "onnx", classes: info?.classes ?? null, mean: info?.mean ?? norm.mean, std: info?.std ?? norm.std,
    inputShape, numClasses, dataset: info?.dataset ?? null,
  });
}

/**
 * Load a classification model from the bytes of a file, with the preprocessing it records: a convkit training
 * checkpoint or a file written by `convkit export` (.safetensors or .onnx) says which model it is, its classes, mean,
 * std and input size; a PyTorch .pth state dict needs `model` and gets the usual preprocessing (ImageNet's mean and
 * std for 3 channels, MNIST's for 1), as does a foreign ONNX graph. Malformed files are FormatErrors and weights that
 * do not fit the model ValueErrors, naming `name`.
 */
export function loadClassifier(bytes: Uint8Array, opts: LoadClassifierOptions = {}): ImageClassifier {
  const file = opts.name ?? "model.safetensors";
  const hint = opts.modelHint ?? "{ model: NAME }";
  if (opts.model !== undefined && !models.isModelName(opts.model)) throw new ValueError(`loadClassifier: unknown model '${opts.model}' (known: ${models.names().join(", ")})`);
  const ext = /\.[^./\\]+$/.exec(file)?.[0].toLowerCase() ?? "";
  if (ext === ".onnx") return loadOnnxClassifier(file, bytes);
  if (ext === ".pth" || ext === ".pt") {
    const sd = loadPth(bytes, { name: file });
    const built = buildFromStateDict(file, sd, opts.model, {}, hint);
    const inputShape = zooInput(built);
    return new ImageClassifier({ ...built, classes: null, ...defaultNorm(inputShape[0]!), inputShape, numClasses: numClassesOf(built), stateDict: sd });
  }
  // .safetensors (or anything else: the format is recognised by content)
  if (bytes.length < 8) throw new FormatError(`${file}: too short to be a model file`);
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
    const built = buildFromStateDict(file, ck.model, ck.meta.model, ck.meta.modelOptions, hint);
    return new ImageClassifier({
      ...built, classes: ck.meta.classes, mean: ck.meta.mean, std: ck.meta.std, inputShape: ck.meta.inputShape, numClasses: numClassesOf(built),
      meta: ck.meta, dataset: ck.meta.dataset, stateDict: ck.model,
    });
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
  const built = buildFromStateDict(file, contents.tensors, name, info.model === name ? info.modelOptions ?? {} : {}, hint);
  const inputShape = info.inputShape ?? zooInput(built);
  const norm = info.mean && info.std ? { mean: info.mean, std: info.std } : defaultNorm(inputShape[0]!);
  return new ImageClassifier({
    ...built, classes: info.classes ?? null, ...norm, inputShape, numClasses: numClassesOf(built),
    dataset: typeof info.dataset === "string" ? info.dataset : null, stateDict: contents.tensors,
  });
}
