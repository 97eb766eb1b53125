// ResNet (He, Zhang, Ren & Sun 2015) as torchvision builds it (v1.5: the stride sits on the 3×3 conv of a
// bottleneck). resnet18: 11,689,512 parameters; resnet50: 25,557,032.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "../nn/module.js";
import { runLayers, Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import { constant_, deferDefaultInit } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { checkClasses, initKaimingFanOut, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

const conv3x3 = (inC: number, outC: number, stride: number, generator?: Generator): Conv2d =>
  new Conv2d(inC, outC, 3, { stride, padding: 1, bias: false, generator });
const conv1x1 = (inC: number, outC: number, stride: number, generator?: Generator): Conv2d =>
  new Conv2d(inC, outC, 1, { stride, bias: false, generator });

/** Two 3×3 convs with a shortcut: y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
export class BasicBlock extends Module {
  /** Output channels ÷ `planes`: 1 (the block keeps its width). */
  static readonly expansion = 1;
  /** 3×3 convolution, carrying the stride. */
  readonly conv1: Conv2d;
  /** Batch norm after conv1. */
  readonly bn1: BatchNorm2d;
  /** ReLU after bn1 and after the sum. */
  readonly relu: ReLU;
  /** 3×3 convolution, stride 1. */
  readonly conv2: Conv2d;
  /** Batch norm after conv2 (zeroed γ with zeroInitResidual). */
  readonly bn2: BatchNorm2d;
  /** 1×1 convolution + batch norm that matches the shortcut to the output's shape, or null for the identity. */
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null, generator?: Generator) {
    super();
    this.conv1 = this.registerModule("conv1", conv3x3(inplanes, planes, stride, generator));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(planes));
    this.relu = this.registerModule("relu", new ReLU({ inplace: true }));
    this.conv2 = this.registerModule("conv2", conv3x3(planes, planes, 1, generator));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(planes));
    this.downsample = this.registerModule("downsample", downsample);
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    const out = runLayers(x, [this.conv1, this.bn1, this.relu]);
    return runLayers(out, [this.conv2, this.bn2, this.relu], identity);
  }

  /** The last BN of the residual branch (zero-initialised with zeroInitResidual). */
  get lastBN(): BatchNorm2d {
    return this.bn2;
  }
}

/** 1×1 reduce, 3×3 (carrying the stride), 1×1 expand ×4, with a shortcut. */
export class Bottleneck extends Module {
  /** Output channels ÷ `planes`: 4 (the last 1×1 convolution expands). */
  static readonly expansion = 4;
  /** 1×1 convolution reducing to `planes` channels. */
  readonly conv1: Conv2d;
  /** Batch norm after conv1. */
  readonly bn1: BatchNorm2d;
  /** 3×3 convolution, carrying the stride. */
  readonly conv2: Conv2d;
  /** Batch norm after conv2. */
  readonly bn2: BatchNorm2d;
  /** 1×1 convolution expanding to 4 × `planes` channels. */
  readonly conv3: Conv2d;
  /** Batch norm after conv3 (zeroed γ with zeroInitResidual). */
  readonly bn3: BatchNorm2d;
  /** ReLU after bn1, bn2 and the sum. */
  readonly relu: ReLU;
  /** 1×1 convolution + batch norm that matches the shortcut to the output's shape, or null for the identity. */
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Sequential | null = null, generator?: Generator) {
    super();
    const width = planes;
    this.conv1 = this.registerModule("conv1", conv1x1(inplanes, width, 1, generator));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(width));
    this.conv2 = this.registerModule("conv2", conv3x3(width, width, stride, generator));
    this.bn2 = this.registerModule("bn2", new BatchNorm2d(width));
    this.conv3 = this.registerModule("conv3", conv1x1(width, planes * Bottleneck.expansion, 1, generator));
    this.bn3 = this.registerModule("bn3", new BatchNorm2d(planes * Bottleneck.expansion));
    this.relu = this.registerModule("relu", new ReLU({ inplace: true }));
    this.downsample = this.registerModule("downsample", downsample);
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    let out = runLayers(x, [this.conv1, this.bn1, this.relu]);
    out = runLayers(out, [this.conv2, this.bn2, this.relu]);
    return runLayers(out, [this.conv3, this.bn3, this.relu], identity);
  }

  /** The residual branch's last batch norm (zeroed by zeroInitResidual). */
  get lastBN(): BatchNorm2d {
    return this.bn3;
  }
}

/** The residual block a ResNet is made of: BasicBlock (ResNet-18/34) or Bottleneck (ResNet-50/101/152). */
export type BlockClass = typeof BasicBlock | typeof Bottleneck;

/** Options of the ResNets. */
export interface ResNetOptions extends ModelOptions {
  /** Zero the last BN γ of each residual branch, so every block starts as the identity (Goyal et al. 2017). */
  zeroInitResidual?: boolean;
}

/** x: [N,3,H,W] → [N, numClasses]; any H, W ≥ 1 after the five halvings (e.g. ≥ 32). */
export class ResNet extends Module {
  /** Stem: 7×7 convolution, stride 2, 64 channels. */
  readonly conv1: Conv2d;
  /** Batch norm after conv1. */
  readonly bn1: BatchNorm2d;
  /** ReLU after bn1. */
  readonly relu: ReLU;
  /** 3×3 max pooling, stride 2. */
  readonly maxpool: MaxPool2d;
  /** Stage 1: 64-channel blocks (× expansion), stride 1. */
  readonly layer1: Sequential;
  /** Stage 2: 128-channel blocks, the first with stride 2. */
  readonly layer2: Sequential;
  /** Stage 3: 256-channel blocks, the first with stride 2. */
  readonly layer3: Sequential;
  /** Stage 4: 512-channel blocks, the first with stride 2. */
  readonly layer4: Sequential;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** The classifier: 512 × expansion features → numClasses. */
  readonly fc: Linear;
  private inplanes = 64;

  /**
   * @param block The residual block: BasicBlock or Bottleneck.
   * @param layers Blocks in each of the four stages ([2,2,2,2] for ResNet-18).
   * @param opts Classes, initialisation and generator.
   */
  constructor(block: BlockClass, layers: readonly [number, number, number, number], opts: ResNetOptions = {}) {
    super();
    const numClasses = checkClasses("resnet", opts.numClasses, 1000);
    const g = opts.generator;
    this.conv1 = this.registerModule("conv1", new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, generator: g }));
    this.bn1 = this.registerModule("bn1", new BatchNorm2d(64));
    this.relu = this.registerModule("relu", new ReLU({ inplace: true }));
    this.maxpool = this.registerModule("maxpool", new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule("layer1", this.makeLayer(block, 64, layers[0], 1, g));
    this.layer2 = this.registerModule("layer2", this.makeLayer(block, 128, layers[1], 2, g));
    this.layer3 = this.registerModule("layer3", this.makeLayer(block, 256, layers[2], 2, g));
    this.layer4 = this.registerModule("layer4", this.makeLayer(block, 512, layers[3], 2, g));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([1, 1]));
    this.fc = this.registerModule("fc", new Linear(512 * block.expansion, numClasses, { generator: g }));
    initKaimingFanOut(this, "default", g);
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) if ((m instanceof BasicBlock || m instanceof Bottleneck) && m.lastBN.weight) constant_(m.lastBN.weight, 0);
    }
  }

  private makeLayer(block: BlockClass, planes: number, blocks: number, stride: number, g?: Generator): Sequential {
    let downsample: Sequential | null = null;
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.inplanes, planes * block.expansion, stride, g), new BatchNorm2d(planes * block.expansion));
    }
    const layers = [new block(this.inplanes, planes, stride, downsample, g)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new block(this.inplanes, planes, 1, null, g));
    return new Sequential(...layers);
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.call(runLayers(x, [this.conv1, this.bn1, this.relu]));
    x = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(x))));
    return this.fc.call(this.avgpool.call(x).flatten(1));
  }
}

/** ResNet-18 (He et al. 2015): BasicBlock ×[2,2,2,2], 11.7 M parameters at 1000 classes. */
export const resnet18 = (opts: ResNetOptions = {}): ResNet => deferDefaultInit(() => new ResNet(BasicBlock, [2, 2, 2, 2], opts));
/** ResNet-34: BasicBlock ×[3,4,6,3], 21.8 M parameters. */
export const resnet34 = (opts: ResNetOptions = {}): ResNet => deferDefaultInit(() => new ResNet(BasicBlock, [3, 4, 6, 3], opts));
/** ResNet-50: Bottleneck ×[3,4,6,3], 25.6 M parameters. */
export const resnet50 = (opts: ResNetOptions = {}): ResNet => deferDefaultInit(() => new ResNet(Bottleneck, [3, 4, 6, 3], opts));
/** ResNet-101: Bottleneck ×[3,4,23,3], 44.5 M parameters. */
export const resnet101 = (opts: ResNetOptions = {}): ResNet => deferDefaultInit(() => new ResNet(Bottleneck, [3, 4, 23, 3], opts));
/** ResNet-152: Bottleneck ×[3,8,36,3], 60.2 M parameters. */
export const resnet152 = (opts: ResNetOptions = {}): ResNet => deferDefaultInit(() => new ResNet(Bottleneck, [3, 8, 36, 3], opts));

markKeepsNoTensors(BasicBlock, Bottleneck, ResNet);
