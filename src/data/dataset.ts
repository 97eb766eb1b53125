// Datasets: indexable collections of (image, label) samples, in memory or on disk, with optional per-sample transforms.
import { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import type { Transform } from "./transforms.js";

/** One example: an image [C,H,W] (float32) and its class index. */
export interface Sample {
  image: Tensor;
  label: number;
}

/** An indexable collection of samples. `rng` drives random augmentation so a seeded loader is reproducible. */
export interface Dataset {
  readonly length: number;
  /** Class names, index = label, when known. */
  readonly classes?: readonly string[];
  get(index: number, rng?: Generator): Sample;
  /** Asynchronous access for datasets that read files; the DataLoader's prefetch uses it when present. */
  getAsync?(index: number, rng?: Generator): Promise<Sample>;
}

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
  readonly length: number;
  readonly imageShape: readonly [number, number, number];
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
  readonly length: number;
  readonly classes?: readonly string[];
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
  readonly length: number;
  readonly classes?: readonly string[];
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
