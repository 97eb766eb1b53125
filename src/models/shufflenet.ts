// ShuffleNetV2 (Ma et al. 2018) as torchvision 0.14 builds it: conv1, maxpool, stage2..4 of units that split the
// channels (stride 1) or branch twice (stride 2), concatenate and shuffle them, conv5, global average, fc; PyTorch's
// default layer init. shufflenet_v2_x1_0: 2,278,604 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { stack } from "../ops/movement.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { MaxPool2d } from "../nn/pool.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

const depthwise = (c: number, stride: number, generator?: Generator): Conv2d =>
  new Conv2d(c, c, 3, { stride, padding: 1, groups: c, bias: false, generator });
const pointwise = (inC: number, outC: number, generator?: Generator): Conv2d => new Conv2d(inC, outC, 1, { bias: false, generator });

/** ShuffleNetV2's unit. Stride 1: half the channels pass, the other half go through branch2 (1×1, depthwise 3×3,
 *  1×1); stride 2: branch1 (depthwise 3×3, 1×1) and branch2 both see the whole input. Then concatenation and a
 *  channel shuffle with 2 groups. */
export class ShuffleUnit extends Module {
  /** Depthwise 3×3 (stride 2) and 1×1 convolution for the stride-2 unit; empty at stride 1. */
  readonly branch1: Sequential;
  /** 1×1, depthwise 3×3 and 1×1 convolutions with batch norms and ReLUs. */
  readonly branch2: Sequential;
  /** 1 or 2. */
  readonly stride: number;

  /**
   * @param inp Input channels.
   * @param oup Output channels.
   * @param stride 1 (channel split) or 2 (downsampling).
   * @param generator Source of the initial weights.
   */
  constructor(inp: number, oup: number, stride: number, generator?: Generator) {
    super();
    const branch = Math.floor(oup / 2);
    if (stride === 1 && inp !== branch * 2) throw new ValueError(`shufflenet_v2: a stride-1 unit needs inp = oup, got inp ${inp}, oup ${oup}`);
    this.stride = stride;
    this.branch1 = this.registerModule("branch1", stride > 1
      ? new Sequential(depthwise(inp, stride, generator), new BatchNorm2d(inp), pointwise(inp, branch, generator), new BatchNorm2d(branch), new ReLU({ inplace: true }))
      : new Sequential());
    this.branch2 = this.registerModule("branch2", new Sequential(
      pointwise(stride > 1 ? inp : branch, branch, generator), new BatchNorm2d(branch), new ReLU({ inplace: true }),
      depthwise(branch, stride, generator), new BatchNorm2d(branch),
      pointwise(branch, branch, generator), new BatchNorm2d(branch), new ReLU({ inplace: true }),
    ));
  }

  /** torchvision names this class InvertedResidual; its printed tree says so. */
  override get typeName(): string {
    return "InvertedResidual";
  }

  forward(x: Tensor): Tensor {
    let a: Tensor, b: Tensor;
    if (this.stride === 1) {
      const [x1, x2] = x.chunk(2, 1) as [Tensor, Tensor];
      [a, b] = [x1, this.branch2.call(x2)];
    } else {
      [a, b] = [this.branch1.call(x), this.branch2.call(x)];
    }
    // channelShuffle(cat([a, b], 1), 2) in one copy instead of two: the shuffle puts a's channel j at 2j and b's at
    // 2j + 1, which is stacking them on a new dim after the channels and merging it into them
    const [n, c, h, w] = a.shape as [number, number, number, number];
    return stack([a, b], 2).reshape([n, 2 * c, h, w]);
  }
}

/** Options of ShuffleNetV2: the ones every zoo model takes. */
export type ShuffleNetV2Options = ModelOptions;

/** x: [N,3,H,W] → [N, numClasses]. */
export class ShuffleNetV2 extends Module {
  /** Stem: 3×3 convolution, stride 2, batch norm, ReLU. */
  readonly conv1: Sequential;
  /** 3×3 max pooling, stride 2. */
  readonly maxpool: MaxPool2d;
  /** Stage 2: a stride-2 unit, then stride-1 units. */
  readonly stage2: Sequential;
  /** Stage 3. */
  readonly stage3: Sequential;
  /** Stage 4. */
  readonly stage4: Sequential;
  /** 1×1 convolution to the last width, batch norm, ReLU. */
  readonly conv5: Sequential;
  /** The classifier: the last width → numClasses, after global average pooling. */
  readonly fc: Linear;

  /**
   * @param repeats Units in stages 2, 3 and 4.
   * @param channels Output channels of the stem, of stages 2–4 and of conv5.
   * @param opts Classes and generator.
   */
  constructor(repeats: readonly [number, number, number], channels: readonly [number, number, number, number, number], opts: ShuffleNetV2Options = {}) {
    super();
    const numClasses = checkClasses("shufflenet_v2", opts.numClasses, 1000);
    const g = opts.generator;
    this.conv1 = this.registerModule("conv1", new Sequential(new Conv2d(3, channels[0], 3, { stride: 2, padding: 1, bias: false, generator: g }), new BatchNorm2d(channels[0]), new ReLU({ inplace: true })));
    this.maxpool = this.registerModule("maxpool", new MaxPool2d(3, { stride: 2, padding: 1 }));
    let inC = channels[0];
    const stages = repeats.map((n, i) => {
      const outC = channels[i + 1]!;
      const units = [new ShuffleUnit(inC, outC, 2, g)];
      for (let j = 1; j < n; j++) units.push(new ShuffleUnit(outC, outC, 1, g));
      inC = outC;
      return new Sequential(...units);
    });
    this.stage2 = this.registerModule("stage2", stages[0]!);
    this.stage3 = this.registerModule("stage3", stages[1]!);
    this.stage4 = this.registerModule("stage4", stages[2]!);
    this.conv5 = this.registerModule("conv5", new Sequential(pointwise(inC, channels[4], g), new BatchNorm2d(channels[4]), new ReLU({ inplace: true })));
    this.fc = this.registerModule("fc", new Linear(channels[4], numClasses, { generator: g }));
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.call(this.conv1.call(x));
    x = this.conv5.call(this.stage4.call(this.stage3.call(this.stage2.call(x))));
    return this.fc.call(x.mean([2, 3]));
  }
}

/** ShuffleNetV2 ×1.0 (Ma et al. 2018): 2.3 M parameters at 1000 classes. */
export const shufflenet_v2_x1_0 = (opts: ShuffleNetV2Options = {}): ShuffleNetV2 => new ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024], opts);

markKeepsNoTensors(ShuffleUnit, ShuffleNetV2);
