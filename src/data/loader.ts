// DataLoader: batches of a dataset with seeded shuffling, drop-last and prefetch. Each epoch's order and each sample's
// augmentation are pure functions of (seed, epoch, position), so a run resumed mid-epoch sees exactly the same batches.
// Images held in memory (ImageArrayDataset, through Subset and transforms that have a batch form) are gathered and
// transformed a whole batch at a time, with no tensor per sample; anything else goes sample by sample, then collate.
import { Tensor } from "../tensor/tensor.js";
import { allocateFloat32, sameMemory } from "../tensor/memory.js";
import { Generator } from "../tensor/random.js";
import { ShapeError, ValueError } from "../errors.js";
import { ImageArrayDataset, Subset, TransformedDataset, type Dataset, type Sample } from "./dataset.js";

/** A batch: images [B,C,H,W], labels [B] (class indices as float32, what crossEntropy takes) and the dataset indices. */
export interface Batch {
  /** The images, [B,C,H,W]. */
  images: Tensor;
  /** Their class indices, [B], as float32. */
  labels: Tensor;
  /** Their positions in the dataset. */
  indices: number[];
}

/** Options of DataLoader. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Visit the samples in a new seeded random order each epoch. */
  shuffle?: boolean;
  /** Seed of the shuffling and of the random transforms. */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Batches prepared ahead by the async iterator (overlaps file reading with training). Default 2. */
  prefetch?: number;
}

/** A 32-bit hash of a few integers (splitmix32 steps), to derive independent generator seeds. */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    h = (h ^ (p >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Stack samples into a batch: its images into `into`'s buffer when given (a loader's reused one), else a new array. */
export function collate(samples: readonly Sample[], indices: number[], into?: Scratch): Batch {
  if (samples.length === 0) throw new ValueError("collate: empty batch");
  const shape = samples[0]!.image.shape;
  const per = samples[0]!.image.size;
  const images = batchArray(into, per * samples.length);
  const labels = new Float32Array(samples.length);
  samples.forEach((s, i) => {
    if (s.image.size !== per || s.image.shape.some((d, k) => d !== shape[k])) {
      throw new ShapeError(`DataLoader: sample ${indices[i]} has shape [${s.image.shape.join(",")}] but sample ${indices[0]} has [${shape.join(",")}]; resize them to one size`);
    }
    images.set(s.image.data, i * per);
    labels[i] = s.label;
  });
  return { images: new Tensor(images, [samples.length, ...shape]), labels: new Tensor(labels, [samples.length]), indices };
}

/** A buffer a DataLoader keeps for gatherBatch to write into (grown, or replaced by a larger array, as needed). */
export interface Scratch {
  /** The array batches are written into. */
  buffer: Float32Array;
}

/** `size` values to write a batch's images into: the start of `into`'s buffer, grown first when it is too small, or a
 *  new array without one. A loader's buffers live as long as the loader and are reused batch after batch: they are
 *  allocated as owned, in the backend's memory where it has one, so that the model's first layer reads a batch in
 *  place instead of copying it in. */
function batchArray(into: Scratch | null | undefined, size: number): Float32Array {
  if (!into) return allocateFloat32(size);
  if (into.buffer.length < size) into.buffer = allocateFloat32(size, true);
  return into.buffer.length === size ? into.buffer : into.buffer.subarray(0, size);
}

/**
 * The batch of `indices` in one pass when `ds` allows it: an ImageArrayDataset, or a Subset or a TransformedDataset
 * (whose transform has a batch form) of one; null otherwise. Sample i draws from rngs[i], as `ds.get(indices[i],
 * rngs[i])` would, so the result equals collating the samples one by one. Raw images that a transform consumes go
 * to `scratch` and, given `into`, the batch's images to into's buffer (else to new arrays).
 */
export function gatherBatch(ds: Dataset, indices: readonly number[], rngs: readonly Generator[], opts: { scratch?: Scratch; into?: Scratch } = {}): Batch | null {
  const scratch = opts.scratch ?? { buffer: new Float32Array(0) };
  const b = gather(ds, indices, rngs, opts.into ?? null, scratch);
  // nothing handed out may live in the scratch buffer (a transform that passed its input through)
  if (b && sameMemory(b.images.data, scratch.buffer)) {
    const copy = allocateFloat32(b.images.size);
    copy.set(b.images.data);
    b.images = new Tensor(copy, b.images.shape);
  }
  return b;
}

const INV_255 = 1 / 255;

function gather(ds: Dataset, indices: readonly number[], rngs: readonly Generator[], into: Scratch | null, scratch: Scratch): Batch | null {
  if (ds instanceof TransformedDataset) {
    if (!ds.transform.batch) return null;
    const inner = gather(ds.dataset, indices, rngs, scratch, scratch);
    if (!inner) return null;
    // the transform writes into `into` unless its input lives there
    const from = inner.images.data;
    const target = into && !sameMemory(into.buffer, from) ? into : null;
    let images = ds.transform.batch(inner.images, rngs, target?.buffer);
    // the buffer was too small (or the transform passed its input through): the batch goes to a buffer of its size,
    // kept for the next ones (a copy, once)
    if (target && !sameMemory(images.data, target.buffer)) {
      const data = batchArray(target, images.size);
      data.set(images.data);
      images = new Tensor(data, images.shape);
    }
    return { ...inner, images };
  }
  if (ds instanceof Subset) {
    const inner = gather(ds.dataset, indices.map((i) => ds.indices[i]!), rngs, into, scratch);
    return inner && { ...inner, indices: [...indices] };
  }
  if (!(ds instanceof ImageArrayDataset)) return null;
  const [c, h, w] = ds.imageShape;
  const per = c * h * w, size = indices.length * per;
  const images = batchArray(into, size);
  const labels = new Float32Array(indices.length), src = ds.pixels;
  for (let i = 0; i < indices.length; i++) labels[i] = ds.labels[indices[i]!]!;
  // bytes scale by 1/255 as ImageArrayDataset.get does: b · (1/255) rounds to the same float32 as b / 255 for every
  // byte b (checked for all 256), and a multiplication costs less than a division or a table lookup
  if (src instanceof Uint8Array) {
    for (let i = 0, o = 0; i < indices.length; i++) {
      for (let k = indices[i]! * per, end = k + per; k < end; k++) images[o++] = src[k]! * INV_255;
    }
  } else for (let i = 0; i < indices.length; i++) images.set(src.subarray(indices[i]! * per, (indices[i]! + 1) * per), i * per);
  return { images: new Tensor(images, [indices.length, c, h, w]), labels: new Tensor(labels, [indices.length]), indices: [...indices] };
}

/** How an epoch's batches are read. */
export interface EpochOptions {
  /** The batches' images live in a few buffers that the loader reuses: each is valid until the loader has made
   *  `prefetch` + 2 more batches (the sync iterator: 2). For a loop done with a batch when it asks for the next one
   *  (fit's): a batch-sized array costs more to allocate than most transforms cost to compute. */
  transient?: boolean;
}

/** Batches of a dataset, like torch.utils.data.DataLoader: `for (const { images, labels } of loader)` runs one epoch
 *  (each in a new seeded order with shuffle); epochBatches(epoch, start) resumes an epoch mid-way. */
export class DataLoader implements Iterable<Batch> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new seeded random order. */
  readonly shuffle: boolean;
  /** Seed of the shuffling and of the random transforms. */
  readonly seed: number;
  /** Whether a last batch smaller than batchSize is dropped. */
  readonly dropLast: boolean;
  /** Batches prepared ahead by the async iterator. */
  readonly prefetch: number;
  /** The epoch the plain iterator runs next (it counts up). */
  epoch = 0;
  /** Where gatherBatch puts raw images that a transform consumes at once (batches are made one at a time). */
  private readonly scratch: Scratch = { buffer: new Float32Array(0) };
  /** The buffers of transient batches, taken in turn. */
  private readonly ring: Scratch[];
  private turn = 0;

  /**
   * @param dataset The samples.
   * @param opts Batch size, shuffling, seed, dropLast and prefetch.
   */
  constructor(readonly dataset: Dataset, opts: DataLoaderOptions = {}) {
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new ValueError(`DataLoader: batchSize must be an integer ≥ 1, got ${opts.batchSize}`);
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.prefetch = opts.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0) throw new ValueError(`DataLoader: prefetch must be an integer ≥ 0, got ${opts.prefetch}`);
    this.ring = Array.from({ length: Math.max(1, this.prefetch) + 2 }, () => ({ buffer: new Float32Array(0) }));
  }

  /** The next buffer of the ring for a transient batch, else none. */
  private slot(transient: boolean): Scratch | undefined {
    return transient ? this.ring[this.turn++ % this.ring.length] : undefined;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of an epoch: identity, or a Fisher–Yates shuffle seeded by (seed, epoch). */
  order(epoch: number): number[] {
    const n = this.dataset.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    if (!this.shuffle) return idx;
    const g = new Generator(mixSeed(this.seed, epoch, 0x5f));
    for (let i = n - 1; i > 0; i--) {
      const j = g.int(i + 1), t = idx[i]!;
      // (a swap through a temporary: a destructuring one may allocate an array per element until optimised)
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    return idx;
  }

  /** The generator that the random transforms of the sample at position k of an epoch's order draw from: one per
   *  sample, so that a batch can be transformed all at once and still draw what each sample alone would. */
  sampleGenerator(epoch: number, k: number): Generator {
    return new Generator(mixSeed(this.seed, epoch, k, 0xa7));
  }

  private slice(epoch: number, order: readonly number[], b: number): { indices: number[]; rngs: Generator[] } {
    const start = b * this.batchSize;
    const indices = order.slice(start, Math.min(start + this.batchSize, order.length));
    return { indices, rngs: indices.map((_, i) => this.sampleGenerator(epoch, start + i)) };
  }

  /** Batch b of an epoch. */
  batch(epoch: number, b: number, order = this.order(epoch), opts: EpochOptions = {}): Batch {
    const { indices, rngs } = this.slice(epoch, order, b);
    const into = this.slot(opts.transient === true);
    return gatherBatch(this.dataset, indices, rngs, { scratch: this.scratch, into }) ??
      collate(indices.map((i, k) => this.dataset.get(i, rngs[k])), indices, into);
  }

  private async batchAsync(epoch: number, b: number, order: readonly number[], transient: boolean): Promise<Batch> {
    const { indices, rngs } = this.slice(epoch, order, b);
    const ds = this.dataset;
    // made at once, before any await: the scratch buffer is free again when this returns its promise
    const into = this.slot(transient);
    const gathered = gatherBatch(ds, indices, rngs, { scratch: this.scratch, into });
    if (gathered) return gathered;
    const samples: Sample[] = await Promise.all(indices.map((i, k) => (ds.getAsync ? ds.getAsync(i, rngs[k]) : ds.get(i, rngs[k]!))));
    return collate(samples, indices, into);
  }

  /** The batches of one epoch, from batch `start` on (a resumed run skips the ones it already did). */
  *epochBatches(epoch: number, start = 0, opts: EpochOptions = {}): globalThis.Generator<Batch, void, unknown> {
    const order = this.order(epoch);
    for (let b = start; b < this.length; b++) yield this.batch(epoch, b, order, opts);
  }

  /** The same batches, read ahead `prefetch` at a time (for datasets that read files). */
  async *epochBatchesAsync(epoch: number, start = 0, opts: EpochOptions = {}): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const pending: Promise<Batch>[] = [];
    let next = start;
    const fill = (): void => {
      while (next < this.length && pending.length < Math.max(1, this.prefetch)) pending.push(this.batchAsync(epoch, next++, order, opts.transient === true));
    };
    fill();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      fill();
      yield batch;
    }
  }

  /** The next epoch's batches (the epoch counter counts up). */
  [Symbol.iterator](): Iterator<Batch> {
    return this.epochBatches(this.epoch++);
  }

  /** The next epoch's batches, read ahead `prefetch` at a time. */
  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.epochBatchesAsync(this.epoch++);
  }
}

