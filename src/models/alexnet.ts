// AlexNet (Krizhevsky, Sutskever & Hinton 2012) as torchvision builds it (the one-GPU variant of "One weird trick",
// 64-192-384-256-256 channels, no LRN): 61,100,840 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout, Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** Options of AlexNet. */
export interface AlexNetOptions extends ModelOptions {
  /** Dropout probability in the classifier. Default 0.5. */
  dropout?: number;
}

/** x: [N,3,H,W] with H, W ≥ 63 → [N, numClasses]. */
export class AlexNet extends Module {
  /** Five convolutions (11×11 stride 4, 5×5, three 3×3) with ReLUs and three 3×3 max poolings: 256 channels. */
  readonly features: Sequential;
  /** Average pooling to 6×6. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Dropout, fc 9216 → 4096, ReLU, dropout, fc 4096 → 4096, ReLU, fc → numClasses. */
  readonly classifier: Sequential;

  constructor(opts: AlexNetOptions = {}) {
    super();
    const numClasses = checkClasses("alexnet", opts.numClasses, 1000);
    const p = opts.dropout ?? 0.5;
    const generator = opts.generator;
    this.features = this.registerModule("features", new Sequential(
      new Conv2d(3, 64, 11, { stride: 4, padding: 2, generator }), new ReLU({ inplace: true }), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(64, 192, 5, { padding: 2, generator }), new ReLU({ inplace: true }), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(192, 384, 3, { padding: 1, generator }), new ReLU({ inplace: true }),
      new Conv2d(384, 256, 3, { padding: 1, generator }), new ReLU({ inplace: true }),
      new Conv2d(256, 256, 3, { padding: 1, generator }), new ReLU({ inplace: true }), new MaxPool2d(3, { stride: 2 }),
    ));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([6, 6]));
    this.classifier = this.registerModule("classifier", new Sequential(
      new Dropout(p), new Linear(256 * 6 * 6, 4096, { generator }), new ReLU({ inplace: true }),
      new Dropout(p), new Linear(4096, 4096, { generator }), new ReLU({ inplace: true }),
      new Linear(4096, numClasses, { generator }),
    ));
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** AlexNet (Krizhevsky et al. 2012) in torchvision's single-tower layout: 61.1 M parameters at 1000 classes. */
export const alexnet = (opts: AlexNetOptions = {}): AlexNet => new AlexNet(opts);

markKeepsNoTensors(AlexNet);
