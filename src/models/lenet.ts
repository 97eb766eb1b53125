// LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998): 32×32 input, C1 6@5×5, S2, C3 16@5×5, S4, C5 120@5×5, F6 84,
// 10 outputs. 'classic' uses tanh and average pooling, 'modern' ReLU and max pooling.
// Simplifications (as in most reimplementations): C3 connects to all 6 maps of S2 (the paper's sparse table used 10 of
// 16 × 6 connections), S2/S4 have no trainable coefficient and bias, tanh is not the scaled 1.7159·tanh(2a/3), and the
// output is a linear layer instead of Euclidean RBF units.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU, Tanh } from "../nn/activation.js";
import { AvgPool2d, MaxPool2d } from "../nn/pool.js";
import { ValueError } from "../errors.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** Options of LeNet-5. */
export interface LeNet5Options extends ModelOptions {
  /** 'modern' (ReLU + max pooling, default) or 'classic' (tanh + average pooling). */
  variant?: "classic" | "modern";
  /** Default 10. */
  numClasses?: number;
  /** Default 1 (grey digits). */
  inChannels?: number;
}

/** features: C1 (0), act (1), S2 (2), C3 (3), act (4), S4 (5), C5 (6), act (7); classifier: F6 (0), act (1), output (2).
 *  x: [N, inChannels, 32, 32] → [N, numClasses]. 61,706 parameters with 1 input channel and 10 classes. */
export class LeNet5 extends Module {
  /** 'modern' (ReLU, max pooling) or 'classic' (tanh, average pooling). */
  readonly variant: "classic" | "modern";
  /** C1, S2, C3, S4, C5 with their activations: [N, inChannels, 32, 32] → [N, 120, 1, 1]. */
  readonly features: Sequential;
  /** F6 (120 → 84), its activation, and the output layer (84 → numClasses). */
  readonly classifier: Sequential;

  constructor(opts: LeNet5Options = {}) {
    super();
    const variant = opts.variant ?? "modern";
    if (variant !== "classic" && variant !== "modern") throw new ValueError(`lenet5: variant must be 'classic' or 'modern', got '${String(variant)}'`);
    this.variant = variant;
    const numClasses = checkClasses("lenet5", opts.numClasses, 10);
    const inChannels = opts.inChannels ?? 1;
    const generator = opts.generator;
    const act = (): Module => (variant === "classic" ? new Tanh() : new ReLU());
    const pool = (): Module => (variant === "classic" ? new AvgPool2d(2) : new MaxPool2d(2));
    this.features = this.registerModule("features", new Sequential(
      new Conv2d(inChannels, 6, 5, { generator }), act(), pool(),
      new Conv2d(6, 16, 5, { generator }), act(), pool(),
      new Conv2d(16, 120, 5, { generator }), act(),
    ));
    this.classifier = this.registerModule("classifier", new Sequential(
      new Linear(120, 84, { generator }), act(),
      new Linear(84, numClasses, { generator }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.features.call(x).flatten(1));
  }
}

/** LeNet-5 (LeCun et al. 1998): 32×32 grey images, 61,706 parameters at 10 classes. */
export const lenet5 = (opts: LeNet5Options = {}): LeNet5 => new LeNet5(opts);

markKeepsNoTensors(LeNet5);
