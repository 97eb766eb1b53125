// A VGG for small images (28×28 or 32×32: MNIST, Fashion-MNIST, CIFAR): VGG's recipe — stacks of 3×3 convolutions
// with batch norm and ReLU, 2×2 max pooling that halves the size as the width doubles — at a width that trains on two
// CPU cores. vgg6_bn: conv 32, 32, pool, 64, 64, pool, 128, pool, then dropout + one linear layer (5 + 1 weight layers,
// 151,018 parameters for 1×28×28 in, 10 classes out). Same layout as torchvision's VGG (features / avgpool /
// classifier), so its state dict reads like one.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Dropout, Linear } from "../nn/linear.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { deferDefaultInit } from "../nn/init.js";
import { ValueError } from "../errors.js";
import { makeVGGLayers } from "./vgg.js";
import { checkClasses, initKaimingFanOut, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** vgg6_bn's feature extractor: channels of each 3×3 conv, "M" for a 2×2 max pool. */
export const SMALL_VGG_CONFIG = [32, 32, "M", 64, 64, "M", 128, "M"] as const;

/** Options of vgg6_bn. */
export interface SmallVGGOptions extends ModelOptions {
  /** Default 10. */
  numClasses?: number;
  /** Default 1 (grey images). */
  inChannels?: number;
  /** Dropout before the linear layer. Default 0.5. */
  dropout?: number;
}

/** x: [N, inChannels, H, W] with H, W ≥ 8 (28×28 is native) → [N, numClasses]. */
export class SmallVGG extends Module {
  /** The convolutions of SMALL_VGG_CONFIG, each followed by batch norm and ReLU, and the max poolings. */
  readonly features: Sequential;
  /** 3×3 after three poolings of a 28×28 image; other sizes are averaged to it (torchvision VGG's AdaptiveAvgPool2d). */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Dropout and one linear layer: 128 × 3 × 3 features → numClasses. */
  readonly classifier: Sequential;

  constructor(opts: SmallVGGOptions = {}) {
    super();
    const numClasses = checkClasses("vgg6_bn", opts.numClasses, 10);
    const inChannels = opts.inChannels ?? 1;
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new ValueError(`vgg6_bn: inChannels must be an integer ≥ 1, got ${String(inChannels)}`);
    const p = opts.dropout ?? 0.5;
    const generator = opts.generator;
    this.features = this.registerModule("features", makeVGGLayers(SMALL_VGG_CONFIG, true, generator, inChannels));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([3, 3]));
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(p), new Linear(128 * 3 * 3, numClasses, { generator })));
    // torchvision's VGG init, except the last layer keeps PyTorch's default (its N(0, 0.01) is meant for 4096 inputs)
    initKaimingFanOut(this, "default", generator);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** VGG for small images (28×28 Fashion-MNIST, 32×32 CIFAR): five 3×3 convolutions with batch norm, 151,018 parameters
 *  at 10 classes on grey images. */
export const vgg6_bn = (opts: SmallVGGOptions = {}): SmallVGG => deferDefaultInit(() => new SmallVGG(opts));

markKeepsNoTensors(SmallVGG);
