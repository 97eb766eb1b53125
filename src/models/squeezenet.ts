// SqueezeNet 1.1 (Iandola et al. 2016; the 1.1 revision from the authors' repository) as torchvision 0.14 builds it:
// features of Fire modules (1×1 squeeze, then 1×1 and 3×3 expands concatenated), a 1×1 conv classifier averaged
// over positions. squeezenet1_1: 1,235,496 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/movement.js";
import { Module } from "../nn/module.js";
import { runLayers, Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { constant_, deferDefaultInit, kaimingUniform_, normal_ } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** squeeze (1×1) + ReLU, then [expand1x1 + ReLU, expand3x3 + ReLU] concatenated along the channels. */
export class Fire extends Module {
  /** 1×1 convolution to squeezePlanes channels. */
  readonly squeeze: Conv2d;
  /** ReLU after squeeze. */
  readonly squeeze_activation: ReLU;
  /** 1×1 expansion. */
  readonly expand1x1: Conv2d;
  /** ReLU after expand1x1. */
  readonly expand1x1_activation: ReLU;
  /** 3×3 expansion (padding 1). */
  readonly expand3x3: Conv2d;
  /** ReLU after expand3x3. */
  readonly expand3x3_activation: ReLU;

  /**
   * @param inplanes Input channels.
   * @param squeezePlanes Channels of the squeeze layer.
   * @param expand1x1Planes Output channels of the 1×1 expansion.
   * @param expand3x3Planes Output channels of the 3×3 expansion.
   * @param generator Source of the initial weights.
   */
  constructor(inplanes: number, squeezePlanes: number, expand1x1Planes: number, expand3x3Planes: number, generator?: Generator) {
    super();
    this.squeeze = this.registerModule("squeeze", new Conv2d(inplanes, squeezePlanes, 1, { generator }));
    this.squeeze_activation = this.registerModule("squeeze_activation", new ReLU({ inplace: true }));
    this.expand1x1 = this.registerModule("expand1x1", new Conv2d(squeezePlanes, expand1x1Planes, 1, { generator }));
    this.expand1x1_activation = this.registerModule("expand1x1_activation", new ReLU({ inplace: true }));
    this.expand3x3 = this.registerModule("expand3x3", new Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1, generator }));
    this.expand3x3_activation = this.registerModule("expand3x3_activation", new ReLU({ inplace: true }));
  }

  forward(x: Tensor): Tensor {
    const s = runLayers(x, [this.squeeze, this.squeeze_activation]);
    return cat([runLayers(s, [this.expand1x1, this.expand1x1_activation]), runLayers(s, [this.expand3x3, this.expand3x3_activation])], 1);
  }
}

/** Options of SqueezeNet. */
export interface SqueezeNetOptions extends ModelOptions {
  /** Dropout before the final conv. Default 0.5. */
  dropout?: number;
}

/** x: [N,3,H,W] → [N, numClasses]; H, W ≥ 17 (a 3×3 stride-2 conv and three ceil-mode 3×3 stride-2 pools). */
export class SqueezeNet extends Module {
  /** 3×3 convolution (stride 2), ReLU, then Fire modules between three 3×3 max poolings: 512 channels. */
  readonly features: Sequential;
  /** Dropout, 1×1 convolution to numClasses, ReLU, global average pooling. */
  readonly classifier: Sequential;

  constructor(opts: SqueezeNetOptions = {}) {
    super();
    const numClasses = checkClasses("squeezenet1_1", opts.numClasses, 1000);
    const dropout = opts.dropout ?? 0.5;
    if (typeof dropout !== "number" || !(dropout >= 0 && dropout <= 1)) throw new ValueError(`squeezenet1_1: dropout must be a probability in [0, 1], got ${String(dropout)}`);
    const g = opts.generator;
    const pool = (): MaxPool2d => new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.features = this.registerModule("features", new Sequential(
      new Conv2d(3, 64, 3, { stride: 2, generator: g }), new ReLU({ inplace: true }), pool(),
      new Fire(64, 16, 64, 64, g), new Fire(128, 16, 64, 64, g), pool(),
      new Fire(128, 32, 128, 128, g), new Fire(256, 32, 128, 128, g), pool(),
      new Fire(256, 48, 192, 192, g), new Fire(384, 48, 192, 192, g), new Fire(384, 64, 256, 256, g), new Fire(512, 64, 256, 256, g),
    ));
    const finalConv = new Conv2d(512, numClasses, 1, { generator: g });
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(dropout), finalConv, new ReLU({ inplace: true }), new AdaptiveAvgPool2d([1, 1])));
    // torchvision's init: kaiming_uniform_ (fan_in, gain √2) except the final conv, N(0, 0.01); biases 0
    for (const m of this.modules()) {
      if (!(m instanceof Conv2d)) continue;
      if (m === finalConv) normal_(m.weight, 0, 0.01, g);
      else kaimingUniform_(m.weight, { generator: g });
      if (m.bias) constant_(m.bias, 0);
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.features.call(x)).flatten(1);
  }
}

/** SqueezeNet 1.1 (Iandola et al. 2016, torchvision's 1.1): 1.2 M parameters at 1000 classes. */
export const squeezenet1_1 = (opts: SqueezeNetOptions = {}): SqueezeNet => deferDefaultInit(() => new SqueezeNet(opts));

markKeepsNoTensors(Fire, SqueezeNet);
