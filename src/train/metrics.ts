// Evaluation: accuracy, loss and the confusion matrix of a classifier over a DataLoader.
import { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { noGrad } from "../autograd/grad-mode.js";
import { crossEntropy } from "../ops/loss.js";
import type { Batch } from "../data/loader.js";
import { ValueError } from "../errors.js";

/** A model whose forward gives logits [N, classes] (or an object with .logits, as GoogLeNet with aux heads). */
export type Classifier = Module<[Tensor], unknown>;

/** The logits of a model's output. */
export function logitsOf(out: unknown): Tensor {
  if (out && typeof out === "object" && "logits" in out) return (out as { logits: Tensor }).logits;
  return out as Tensor;
}

/** `t` with its values on the host: itself, or a copy read back from the device (a GPU's logits, for metrics that
 *  JavaScript computes). */
export async function onHost(t: Tensor): Promise<Tensor> {
  return t.isOnDevice ? new Tensor(await t.valuesAsync(), t.shape) : t;
}

/** counts[t][p]: samples of true class t predicted as p. */
export class ConfusionMatrix {
  /** counts[t][p]: samples of true class t predicted as p. */
  readonly counts: number[][];
  /** @param numClasses Classes (rows and columns). */
  constructor(readonly numClasses: number) {
    this.counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }
  /** Add a batch: logits [N, classes] and labels [N]. */
  add(logits: Tensor, labels: Tensor): void {
    const [n, k] = logits.shape as [number, number];
    if (k !== this.numClasses) throw new ValueError(`ConfusionMatrix: logits have ${k} classes, the matrix ${this.numClasses}`);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits.data[i * k + j]! > logits.data[i * k + best]!) best = j;
      this.counts[labels.data[i]!]![best]!++;
    }
  }
  /** Samples counted. */
  get total(): number {
    return this.counts.flat().reduce((a, b) => a + b, 0);
  }
  /** Samples predicted as their true class (the diagonal). */
  get correct(): number {
    return this.counts.reduce((a, r, i) => a + r[i]!, 0);
  }
  /** correct / total (0 before any sample). */
  get accuracy(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
  /** A text table with class names. */
  format(classes: readonly string[]): string {
    const names = classes.map((c) => c.slice(0, 11));
    const w = Math.max(5, ...this.counts.flat().map((v) => String(v).length + 1));
    const lw = Math.max(...names.map((n) => n.length)) + 1;
    const head = " ".repeat(lw) + "| " + names.map((_, j) => String(j).padStart(w)).join("") + "   (columns: predicted)";
    const rows = this.counts.map((r, i) => `${names[i]!.padEnd(lw)}| ` + r.map((v) => String(v).padStart(w)).join("") + `   ${(r[i]! / Math.max(1, r.reduce((a, b) => a + b, 0)) * 100).toFixed(1)}%`);
    return [head, "-".repeat(head.length), ...rows].join("\n");
  }
}

/** Number of rows where argmax(logits) equals the label. */
export function countCorrect(logits: Tensor, labels: Tensor): number {
  const [n, k] = logits.shape as [number, number];
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits.data[i * k + j]! > logits.data[i * k + best]!) best = j;
    if (best === labels.data[i]) correct++;
  }
  return correct;
}

/** What evaluate measures on a dataset. */
export interface EvalResult {
  /** Mean cross-entropy over the samples. */
  loss: number;
  /** Fraction of samples classified correctly. */
  accuracy: number;
  /** Samples evaluated. */
  count: number;
  /** Every prediction by true and predicted class. */
  confusion: ConfusionMatrix;
}

/** Mean cross-entropy, accuracy and confusion matrix of `model` (in eval mode, without gradients) over `batches`;
 *  `onBatch` hears how many batches are done after each (a progress bar). */
export function evaluate(model: Classifier, batches: Iterable<Batch>, numClasses: number, opts: { onBatch?: (done: number) => void } = {}): EvalResult {
  const wasTraining = model.training;
  model.eval();
  const confusion = new ConfusionMatrix(numClasses);
  let lossSum = 0, count = 0, done = 0;
  try {
    noGrad(() => {
      for (const b of batches) {
        const logits = logitsOf(model.call(b.images));
        lossSum += crossEntropy(logits, b.labels).item() * b.labels.size;
        count += b.labels.size;
        confusion.add(logits, b.labels);
        opts.onBatch?.(++done);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: count ? lossSum / count : NaN, accuracy: confusion.accuracy, count, confusion };
}
