// The ResNets for small images of He et al. 2015 (section 4.2, CIFAR-10): a 3×3 stem with 16 channels, three stages
// of n BasicBlocks with 16, 32, 64 channels (the 2nd and 3rd halve the size), global average pooling and one linear
// layer: 6n + 2 weight layers (resnet20: n = 3; resnet56: n = 9). Shortcuts that change shape are torchvision's
// 1×1 conv + BN (the paper's option B), so the blocks and their state-dict keys are those of models.resnet18.
// resnet20: 272,474 parameters for 3 input channels and 10 classes.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { constant_, deferDefaultInit } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import { BasicBlock } from "./resnet.js";
import { checkClasses, initKaimingFanOut, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** Options of the small ResNets. */
export interface SmallResNetOptions extends ModelOptions {
  /** Default 10. */
  numClasses?: number;
  /** Default 3 (CIFAR); 1 for grey images. */
  inChannels?: number;
  /** Zero the last BN γ of each residual branch, so every block starts as the identity. */
  zeroInitResidual?: boolean;
}

/** x: [N, inChannels, H, W] (32×32 or 28×28) → [N, numClasses]. */
export class SmallResNet extends Module {
  /** Stem: 3×3 convolution, 16 channels. */
  readonly conv1: Conv2d;
  /** Batch norm after conv1. */
  readonly bn1: BatchNorm2d;
  /** ReLU after bn1. */
  readonly relu: ReLU;
  /** Stage 1: 16-channel BasicBlocks, stride 1. */
  readonly layer1: Sequential;
  /** Stage 2: 32-channel BasicBlocks, the first with stride 2. */
  readonly layer2: Sequential;
  /** Stage 3: 64-channel BasicBlocks, the first with stride 2. */
  readonly layer3: Sequential;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** The classifier: 64 features → numClasses. */
  readonly fc: Linear;

  /** depth = 6n + 2 (20, 32, 44, 56, 110). */
  constructor(depth: number, opts: SmallResNetOptions = {}) {
    super();
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) throw new ValueError(`resnet (small images): depth must be 6n + 2 (20, 32, 44, 56, 110), got ${String(depth)}`);
    const name = `resnet${depth}`;
    const numClasses = checkClasses(name, opts.numClasses, 10);
    const inChannels = opts.inChannels ?? 3;
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new ValueError(`${name}: inChannels must be an integer ≥ 1, got ${String(inChannels)}`);
    const g = opts.generator;
    const n = (depth - 2) / 6;
    this.conv1 = this.registerModule("conv1", new Conv2d(inChannels, 16, 3, { padding: 1, bias: false, generator: g }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(16));
    this.relu = this.registerModule("relu", new ReLU({ inplace: true }));
    const stage = (inC: number, outC: number, stride: number): Sequential => {
      const down = stride !== 1 || inC !== outC
        ? new Sequential(new Conv2d(inC, outC, 1, { stride, bias: false, generator: g }), new BatchNorm2d(outC)) : null;
      const blocks = [new BasicBlock(inC, outC, stride, down, g)];
      for (let i = 1; i < n; i++) blocks.push(new BasicBlock(outC, outC, 1, null, g));
      return new Sequential(...blocks);
    };
    this.layer1 = this.registerModule("layer1", stage(16, 16, 1));
    this.layer2 = this.registerModule("layer2", stage(16, 32, 2));
    this.layer3 = this.registerModule("layer3", stage(32, 64, 2));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([1, 1]));
    this.fc = this.registerModule("fc", new Linear(64, numClasses, { generator: g }));
    initKaimingFanOut(this, "default", g);
    if (opts.zeroInitResidual) for (const m of this.modules()) if (m instanceof BasicBlock && m.lastBN.weight) constant_(m.lastBN.weight, 0);
  }

  forward(x: Tensor): Tensor {
    x = this.relu.call(this.bn1.call(this.conv1.call(x)));
    x = this.layer3.call(this.layer2.call(this.layer1.call(x)));
    return this.fc.call(this.avgpool.call(x).flatten(1));
  }
}

/** ResNet-20 for 32×32 images (He et al. 2015, §4.2): 0.27 M parameters. */
export const resnet20 = (opts: SmallResNetOptions = {}): SmallResNet => deferDefaultInit(() => new SmallResNet(20, opts));
/** ResNet-56 for 32×32 images: 0.86 M parameters. */
export const resnet56 = (opts: SmallResNetOptions = {}): SmallResNet => deferDefaultInit(() => new SmallResNet(56, opts));

markKeepsNoTensors(SmallResNet);
