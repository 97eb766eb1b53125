// Image classification from files (convkit/node): loadClassifierFile reads a model file with its preprocessing, and
// classify(modelFile, imageFile) names an image's classes in one call. ImageNet's 1000 class names ship in assets/.
import { fileURLToPath } from "node:url";
import { DEFAULT_MAX_BYTES, readFileLimited } from "../io/node.js";
import { readImage, type ReadImageOptions } from "../data/node.js";
import { loadClassifier, ImageClassifier, type ClassifyOptions, type ImageInput, type LoadClassifierOptions, type Prediction } from "./classifier.js";

/** The assets folder shipped with the package (ImageNet class names, sample digits, trained LeNet-5), from src/ and
 *  from the built dist/src/ alike. */
export function assetsDir(): string {
  return fileURLToPath(new URL("../../assets/", import.meta.url)).replace(/\/dist\/assets\/$/, "/assets/");
}

let imagenet: string[] | null = null;

/** ImageNet's 1000 class names in torchvision's order ("tench", …, "toilet tissue"), from assets/imagenet-classes.txt. */
export function imagenetClasses(): string[] {
  imagenet ??= new TextDecoder().decode(readFileLimited(`${assetsDir()}imagenet-classes.txt`, 2 ** 20)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return [...imagenet];
}

/** How loadClassifierFile reads a model file: loadClassifier's options, and a size limit. */
export interface LoadClassifierFileOptions extends Omit<LoadClassifierOptions, "name"> {
  /** Refuse files larger than this many bytes before reading them; default DEFAULT_MAX_BYTES (4 GiB). */
  maxBytes?: number;
}

/**
 * Load a classification model from a file with the preprocessing it records (see loadClassifier): a convkit
 * checkpoint, a .safetensors or .pth state dict (`model` names the zoo model when the file does not), or an .onnx
 * graph. A model with 1000 outputs and no class names of its own gets ImageNet's.
 */
export function loadClassifierFile(path: string, opts: LoadClassifierFileOptions = {}): ImageClassifier {
  const clf = loadClassifier(readFileLimited(path, opts.maxBytes ?? DEFAULT_MAX_BYTES), { ...opts, name: path });
  if (clf.classes === null && clf.numClasses === 1000) clf.classes = imagenetClasses();
  return clf;
}

/** Options of classify: which classes to return, how to read the model file and the image file. */
export interface ClassifyFileOptions extends ClassifyOptions, LoadClassifierFileOptions {
  /** Limits of the image file (readImage's). */
  image?: ReadImageOptions;
}

/**
 * The most probable classes of an image, in one call: `classify("lenet5-mnist.safetensors", "digit.png")` →
 * `[{ index: 7, label: "7", probability: 0.99 }, …]`. The model is a file (loaded with loadClassifierFile, its
 * preprocessing applied) or an ImageClassifier already loaded, to classify many images without reading it again; the
 * image is a PNG or JPEG file, decoded pixels or a tensor [C,H,W] in [0,1] (ImageInput).
 */
export function classify(model: string | ImageClassifier, image: string | ImageInput, opts: ClassifyFileOptions = {}): Prediction[] {
  const clf = typeof model === "string" ? loadClassifierFile(model, opts) : model;
  return clf.classify(typeof image === "string" ? readImage(image, opts.image) : image, opts);
}
