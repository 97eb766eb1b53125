// Datasets: indexable collections of (image, label) samples, in memory or on disk, with optional per-sample transforms.
import { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import type { Transform } from "./transforms.js";

/** One example: an image [C,H,W] (float32) and its class index. */
export interface Sample {
  /** The image [C,H,W]. */
  image: Tensor;
  /** Its class index. */
  label: number;
}

/** An indexable collection of samples. `rng` drives random augmentation so a seeded loader is reproducible. */
export interface Dataset {
  /** Number of samples. */
  readonly length: number;
  /** Class names, index = label, when known. */
  readonly classes?: readonly string[];
  /** The sample at `index` (0 ≤ index < length); random transforms draw from `rng`. */
  get(index: number, rng?: Generator): Sample;
  /** Asynchronous access for datasets that read files; the DataLoader's prefetch uses it when present. */
  getAsync?(index: number, rng?: Generator): Promise<Sample>;
}

/** Throw a ValueError naming `name` unless index is an integer in [0, length). */
export function checkIndex(name: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ValueError(`${name}: index ${index} is out of range for a dataset of ${length} samples`);
  }
}

/**
 * Images held in one buffer, [N, C, H, W] row-major: unsigned bytes (scaled by 1/255 on access, as torchvision's
 * ToTensor does) or float32 values used as they are.
 */
export class ImageArrayDataset implements Dataset {
  /** Number of images. */
  readonly length: number;
  /** Each image's [C, H, W]. */
  readonly imageShape: readonly [number, number, number];
  /**
   * @param pixels Every image, [N, C, H, W] row-major: bytes (scaled by 1/255) or float32 values.
   * @param imageShape Each image's [C, H, W].
   * @param labels The class index of each image.
   * @param classes The class names, label = index.
   */
  constructor(
    readonly pixels: Uint8Array | Float32Array,
    imageShape: readonly [number, number, number],
    readonly labels: Uint8Array | Int32Array,
    readonly classes?: readonly string[],
  ) {
    const per = imageShape[0] * imageShape[1] * imageShape[2];
    if (per === 0 || pixels.length % per !== 0 || pixels.length / per !== labels.length) {
      throw new ValueError(`ImageArrayDataset: ${pixels.length} pixel values do not hold ${labels.length} images of shape [${imageShape.join(",")}]`);
    }
    this.length = labels.length;
    this.imageShape = [...imageShape] as [number, number, number];
  }
  get(index: number): Sample {
    checkIndex("ImageArrayDataset.get", index, this.length);
    const per = this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
    const out = new Float32Array(per);
    const src = this.pixels;
    const off = index * per;
    if (src instanceof Uint8Array) for (let i = 0; i < per; i++) out[i] = src[off + i]! / 255;
    else out.set(src.subarray(off, off + per));
    return { image: new Tensor(out, this.imageShape), label: this.labels[index]! };
  }
}

/** The samples of `dataset` at `indices`, in that order (like torch.utils.data.Subset). */
export class Subset implements Dataset {
  /** Number of indices. */
  readonly length: number;
  /** The dataset's class names. */
  readonly classes?: readonly string[];
  /**
   * @param dataset The whole dataset.
   * @param indices The samples to take, in order (repeats allowed).
   */
  constructor(readonly dataset: Dataset, readonly indices: readonly number[]) {
    for (const i of indices) checkIndex("Subset", i, dataset.length);
    this.length = indices.length;
    if (dataset.classes) this.classes = dataset.classes;
  }
  get(index: number, rng?: Generator): Sample {
    checkIndex("Subset.get", index, this.length);
    return this.dataset.get(this.indices[index]!, rng);
  }
  getAsync(index: number, rng?: Generator): Promise<Sample> {
    checkIndex("Subset.get", index, this.length);
    const inner = this.dataset;
    return inner.getAsync ? inner.getAsync(this.indices[index]!, rng) : Promise.resolve(inner.get(this.indices[index]!, rng));
  }
}

/** `dataset` with `transform` applied to each image (the random ones draw from the loader's seeded generator). */
export class TransformedDataset implements Dataset {
  /** The dataset's length. */
  readonly length: number;
  /** The dataset's class names. */
  readonly classes?: readonly string[];
  /**
   * @param dataset The samples.
   * @param transform Applied to each image as it is read.
   */
  constructor(readonly dataset: Dataset, readonly transform: Transform) {
    this.length = dataset.length;
    if (dataset.classes) this.classes = dataset.classes;
  }
  get(index: number, rng?: Generator): Sample {
    const s = this.dataset.get(index, rng);
    return { image: this.transform(s.image, rng), label: s.label };
  }
  async getAsync(index: number, rng?: Generator): Promise<Sample> {
    const s = this.dataset.getAsync ? await this.dataset.getAsync(index, rng) : this.dataset.get(index, rng);
    return { image: this.transform(s.image, rng), label: s.label };
  }
}

/** Apply a transform to a dataset. */
export function withTransform(dataset: Dataset, transform: Transform): Dataset {
  return new TransformedDataset(dataset, transform);
}
