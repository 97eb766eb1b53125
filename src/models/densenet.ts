// DenseNet (Huang, Liu, van der Maaten & Weinberger 2017) as torchvision builds it: each layer of a dense block
// sees the concatenation of all earlier maps; transitions halve channels and size. densenet121: 7,978,856 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/movement.js";
import { relu } from "../ops/elementwise.js";
import { adaptiveAvgPool2d } from "../ops/pool.js";
import { dropout } from "../ops/activation.js";
import { Module } from "../nn/module.js";
import { ModuleDict, runLayers, Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AvgPool2d, MaxPool2d } from "../nn/pool.js";
import type { Generator } from "../tensor/random.js";
import { deferDefaultInit } from "../nn/init.js";
import { checkClasses, initDenseNet, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** BN-ReLU-conv1×1 (to bnSize·growth) then BN-ReLU-conv3×3 (to growth), on the concatenation of its inputs. */
export class DenseLayer extends Module<[Tensor[]], Tensor> {
  /** Batch norm of the concatenated inputs. */
  readonly norm1: BatchNorm2d;
  /** ReLU after norm1. */
  readonly relu1: ReLU;
  /** 1×1 bottleneck convolution to bnSize × growthRate channels. */
  readonly conv1: Conv2d;
  /** Batch norm after conv1. */
  readonly norm2: BatchNorm2d;
  /** ReLU after norm2. */
  readonly relu2: ReLU;
  /** 3×3 convolution to growthRate channels. */
  readonly conv2: Conv2d;
  /** Dropout probability after conv2 (0: none). */
  readonly dropRate: number;
  constructor(inFeatures: number, growthRate: number, bnSize: number, dropRate: number, generator?: Generator) {
    super();
    this.norm1 = this.registerModule("norm1", new BatchNorm2d(inFeatures));
    this.relu1 = this.registerModule("relu1", new ReLU({ inplace: true }));
    this.conv1 = this.registerModule("conv1", new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false, generator }));
    this.norm2 = this.registerModule("norm2", new BatchNorm2d(bnSize * growthRate));
    this.relu2 = this.registerModule("relu2", new ReLU({ inplace: true }));
    this.conv2 = this.registerModule("conv2", new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false, generator }));
    this.dropRate = dropRate;
  }
  override get typeName(): string {
    return "_DenseLayer";
  }
  forward(inputs: Tensor[]): Tensor {
    const x = inputs.length === 1 ? inputs[0]! : cat(inputs, 1);
    const out = runLayers(x, [this.norm1, this.relu1, this.conv1, this.norm2, this.relu2, this.conv2]);
    return this.dropRate > 0 ? dropout(out, { p: this.dropRate, training: this.training }) : out;
  }
}

/** numLayers dense layers named denselayer1…; output = all maps concatenated. */
export class DenseBlock extends ModuleDict<DenseLayer> {
  constructor(numLayers: number, inFeatures: number, bnSize: number, growthRate: number, dropRate: number, generator?: Generator) {
    super();
    for (let i = 0; i < numLayers; i++) this.set(`denselayer${i + 1}`, new DenseLayer(inFeatures + i * growthRate, growthRate, bnSize, dropRate, generator));
  }
  override get typeName(): string {
    return "_DenseBlock";
  }
  /** x: [N, C, H, W] → [N, C + numLayers·growth, H, W]. */
  run(x: Tensor): Tensor {
    const features = [x];
    for (const layer of this.values()) features.push(layer.call(features));
    return cat(features, 1);
  }
}

/** BN, ReLU, 1×1 conv (halving channels), 2×2 average pool. */
export class Transition extends Sequential {
  constructor(inFeatures: number, outFeatures: number, generator?: Generator) {
    super([
      ["norm", new BatchNorm2d(inFeatures)],
      ["relu", new ReLU({ inplace: true })],
      ["conv", new Conv2d(inFeatures, outFeatures, 1, { bias: false, generator })],
      ["pool", new AvgPool2d(2, { stride: 2 })],
    ]);
  }
  override get typeName(): string {
    return "_Transition";
  }
}

/** Options of the DenseNets (each factory sets its growth rate, blocks and initial features). */
export interface DenseNetOptions extends ModelOptions {
  /** Channels each layer adds (32; DenseNet-161: 48). */
  growthRate?: number;
  /** Layers in each dense block ([6, 12, 24, 16] for DenseNet-121). */
  blockConfig?: readonly number[];
  /** Channels of the stem convolution (64; DenseNet-161: 96). */
  numInitFeatures?: number;
  /** Bottleneck width as a multiple of growthRate (default 4). */
  bnSize?: number;
  /** Dropout after each layer (default 0). */
  dropRate?: number;
}

/** x: [N,3,H,W] (H, W ≥ 32) → [N, numClasses]. */
export class DenseNet extends Module {
  /** Stem, dense blocks and transitions, and the final batch norm (torchvision's features.conv0 … features.norm5). */
  readonly features: Module;
  /** The classifier: the last block's channels → numClasses. */
  readonly classifier: Linear;

  constructor(opts: DenseNetOptions = {}) {
    super();
    const numClasses = checkClasses("densenet", opts.numClasses, 1000);
    const growth = opts.growthRate ?? 32, blocks = opts.blockConfig ?? [6, 12, 24, 16];
    const bnSize = opts.bnSize ?? 4, dropRate = opts.dropRate ?? 0;
    const g = opts.generator;
    let n = opts.numInitFeatures ?? 64;
    const features = new DenseFeatures();
    features.add("conv0", new Conv2d(3, n, 7, { stride: 2, padding: 3, bias: false, generator: g }));
    features.add("norm0", new BatchNorm2d(n));
    features.add("relu0", new ReLU({ inplace: true }));
    features.add("pool0", new MaxPool2d(3, { stride: 2, padding: 1 }));
    blocks.forEach((numLayers, i) => {
      features.addBlock(`denseblock${i + 1}`, new DenseBlock(numLayers, n, bnSize, growth, dropRate, g));
      n += numLayers * growth;
      if (i !== blocks.length - 1) {
        features.add(`transition${i + 1}`, new Transition(n, Math.floor(n / 2), g));
        n = Math.floor(n / 2);
      }
    });
    features.add("norm5", new BatchNorm2d(n));
    this.features = this.registerModule("features", features);
    this.classifier = this.registerModule("classifier", new Linear(n, numClasses, { generator: g }));
    initDenseNet(this, g);
  }

  forward(x: Tensor): Tensor {
    const f = relu(this.features.call(x), { inplace: true });
    return this.classifier.call(adaptiveAvgPool2d(f, [1, 1]).flatten(1));
  }
}

/** torchvision's `features` Sequential, whose dense blocks are ModuleDicts run on the running concatenation. */
class DenseFeatures extends Module {
  private readonly steps: ((x: Tensor) => Tensor)[] = [];
  add(name: string, m: Module): void {
    this.registerModule(name, m);
    this.steps.push((x) => m.call(x));
  }
  addBlock(name: string, block: DenseBlock): void {
    this.registerModule(name, block);
    this.steps.push((x) => block.run(x));
  }
  override get typeName(): string {
    return "Sequential";
  }
  forward(x: Tensor): Tensor {
    for (const step of this.steps) x = step(x);
    return x;
  }
}

/** DenseNet-121 (Huang et al. 2017): growth 32, blocks [6,12,24,16], 8.0 M parameters at 1000 classes. */
export const densenet121 = (opts: DenseNetOptions = {}): DenseNet => deferDefaultInit(() => new DenseNet({ growthRate: 32, blockConfig: [6, 12, 24, 16], numInitFeatures: 64, ...opts }));
/** DenseNet-161: growth 48, blocks [6,12,36,24], 28.7 M parameters. */
export const densenet161 = (opts: DenseNetOptions = {}): DenseNet => deferDefaultInit(() => new DenseNet({ growthRate: 48, blockConfig: [6, 12, 36, 24], numInitFeatures: 96, ...opts }));
/** DenseNet-169: growth 32, blocks [6,12,32,32], 14.1 M parameters. */
export const densenet169 = (opts: DenseNetOptions = {}): DenseNet => deferDefaultInit(() => new DenseNet({ growthRate: 32, blockConfig: [6, 12, 32, 32], numInitFeatures: 64, ...opts }));
/** DenseNet-201: growth 32, blocks [6,12,48,32], 20.0 M parameters. */
export const densenet201 = (opts: DenseNetOptions = {}): DenseNet => deferDefaultInit(() => new DenseNet({ growthRate: 32, blockConfig: [6, 12, 48, 32], numInitFeatures: 64, ...opts }));

markKeepsNoTensors(DenseLayer, DenseBlock, Transition, DenseNet, DenseFeatures);
