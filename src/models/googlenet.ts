// GoogLeNet / Inception v1 (Szegedy et al. 2014) as torchvision builds it: BasicConv2d = conv (no bias) + BN
// (eps 0.001) + ReLU; the "5×5" branch uses a 3×3 conv, as torchvision's (and its pretrained weights') does.
// Without the auxiliary heads (the default, as torchvision's pretrained model): 6,624,904 parameters.
import { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/movement.js";
import { relu } from "../ops/elementwise.js";
import { adaptiveAvgPool2d } from "../ops/pool.js";
import { Module } from "../nn/module.js";
import { runLayers, Sequential } from "../nn/container.js";
import { Conv2d, type Conv2dOptions } from "../nn/conv.js";
import { Dropout, Linear } from "../nn/linear.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import type { Generator } from "../tensor/random.js";
import { deferDefaultInit } from "../nn/init.js";
import { checkClasses, initTruncNormal, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** Conv without bias, batch norm (eps 0.001), ReLU. */
export class BasicConv2d extends Module {
  /** Convolution without bias. */
  readonly conv: Conv2d;
  /** Batch norm (eps 0.001). */
  readonly bn: BatchNorm2d;
  constructor(inC: number, outC: number, kernelSize: number, opts: Omit<Conv2dOptions, "bias"> = {}) {
    super();
    this.conv = this.registerModule("conv", new Conv2d(inC, outC, kernelSize, { ...opts, bias: false }));
    this.bn = this.registerModule("bn", new BatchNorm2d(outC, { eps: 0.001 }));
  }
  forward(x: Tensor): Tensor {
    return runLayers(x, [this.conv, this.bn, "relu"]);
  }
}

/** Four parallel branches concatenated on channels: 1×1; 1×1→3×3; 1×1→3×3; 3×3 max pool→1×1. */
export class Inception extends Module {
  /** 1×1 convolution. */
  readonly branch1: BasicConv2d;
  /** 1×1 reduction, then 3×3 convolution. */
  readonly branch2: Sequential;
  /** 1×1 reduction, then 3×3 convolution (torchvision's stand-in for the paper's 5×5). */
  readonly branch3: Sequential;
  /** 3×3 max pooling, then a 1×1 projection. */
  readonly branch4: Sequential;
  /**
   * @param inC Input channels.
   * @param ch1x1 Output channels of the 1×1 branch.
   * @param ch3x3red Channels of the first 3×3 branch's reduction.
   * @param ch3x3 Output channels of the first 3×3 branch.
   * @param ch5x5red Channels of the second 3×3 branch's reduction.
   * @param ch5x5 Output channels of the second 3×3 branch.
   * @param poolProj Output channels of the pooling branch's projection.
   * @param generator Source of the initial weights.
   */
  constructor(inC: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number, generator?: Generator) {
    super();
    const g = generator;
    this.branch1 = this.registerModule("branch1", new BasicConv2d(inC, ch1x1, 1, { generator: g }));
    this.branch2 = this.registerModule("branch2", new Sequential(
      new BasicConv2d(inC, ch3x3red, 1, { generator: g }), new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1, generator: g }),
    ));
    this.branch3 = this.registerModule("branch3", new Sequential(
      new BasicConv2d(inC, ch5x5red, 1, { generator: g }), new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1, generator: g }),
    ));
    this.branch4 = this.registerModule("branch4", new Sequential(
      new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inC, poolProj, 1, { generator: g }),
    ));
  }
  forward(x: Tensor): Tensor {
    return cat([this.branch1.call(x), this.branch2.call(x), this.branch3.call(x), this.branch4.call(x)], 1);
  }
}

/** Auxiliary classifier on an intermediate map: 4×4 average pool, 1×1 conv to 128, fc 1024, dropout, fc. */
export class InceptionAux extends Module {
  /** 1×1 convolution to 128 channels. */
  readonly conv: BasicConv2d;
  /** 2048 → 1024. */
  readonly fc1: Linear;
  /** 1024 → numClasses. */
  readonly fc2: Linear;
  /** Dropout before fc2. */
  readonly dropout: Dropout;
  /**
   * @param inC Input channels.
   * @param numClasses Outputs.
   * @param dropout Dropout probability before fc2.
   * @param generator Source of the initial weights.
   */
  constructor(inC: number, numClasses: number, dropout = 0.7, generator?: Generator) {
    super();
    this.conv = this.registerModule("conv", new BasicConv2d(inC, 128, 1, { generator }));
    this.fc1 = this.registerModule("fc1", new Linear(2048, 1024, { generator }));
    this.fc2 = this.registerModule("fc2", new Linear(1024, numClasses, { generator }));
    this.dropout = this.registerModule("dropout", new Dropout(dropout));
  }
  forward(x: Tensor): Tensor {
    x = this.conv.call(adaptiveAvgPool2d(x, [4, 4])).flatten(1);
    return this.fc2.call(this.dropout.call(relu(this.fc1.call(x), { inplace: true })));
  }
}

/** What GoogLeNet returns in training mode with auxLogits. */
export interface GoogLeNetOutputs {
  /** The main classifier's logits [N, numClasses]. */
  logits: Tensor;
  /** The first auxiliary classifier's (after inception4a). */
  aux1: Tensor;
  /** The second auxiliary classifier's (after inception4d). */
  aux2: Tensor;
}

/** Options of GoogLeNet. */
export interface GoogLeNetOptions extends ModelOptions {
  /** Build the two auxiliary classifiers, used (and returned) in training mode. Default false. */
  auxLogits?: boolean;
  /** Map ImageNet-normalised input to the [-1, 1] scaling the original weights expect (torchvision's transform_input). Default false. */
  transformInput?: boolean;
  /** Dropout before the final fc. Default 0.2. */
  dropout?: number;
  /** Dropout in the auxiliary classifiers. Default 0.7. */
  dropoutAux?: number;
  /** torchvision's init (truncated normal, std 0.01). Default true. */
  initWeights?: boolean;
}

/** x: [N,3,H,W] (224×224 in the paper; ≥ 15×15 here) → [N, numClasses], or { logits, aux1, aux2 } in training with auxLogits. */
export class GoogLeNet extends Module<[Tensor], Tensor | GoogLeNetOutputs> {
  /** Whether the auxiliary classifiers exist (they run in training mode only). */
  readonly auxLogits: boolean;
  /** Whether the input is rescaled from ImageNet normalisation to the [-1, 1] of the original weights. */
  readonly transformInput: boolean;
  /** Stem: 7×7 convolution, stride 2, 64 channels. */
  readonly conv1: BasicConv2d;
  /** 3×3 max pooling, stride 2. */
  readonly maxpool1: MaxPool2d;
  /** 1×1 convolution, 64 channels. */
  readonly conv2: BasicConv2d;
  /** 3×3 convolution, 192 channels. */
  readonly conv3: BasicConv2d;
  /** 3×3 max pooling, stride 2. */
  readonly maxpool2: MaxPool2d;
  /** Inception block → 256 channels. */
  readonly inception3a: Inception;
  /** Inception block → 480 channels. */
  readonly inception3b: Inception;
  /** 3×3 max pooling, stride 2. */
  readonly maxpool3: MaxPool2d;
  /** Inception block → 512 channels. */
  readonly inception4a: Inception;
  /** Inception block → 512 channels. */
  readonly inception4b: Inception;
  /** Inception block → 512 channels. */
  readonly inception4c: Inception;
  /** Inception block → 528 channels. */
  readonly inception4d: Inception;
  /** Inception block → 832 channels. */
  readonly inception4e: Inception;
  /** 2×2 max pooling, stride 2. */
  readonly maxpool4: MaxPool2d;
  /** Inception block → 832 channels. */
  readonly inception5a: Inception;
  /** Inception block → 1024 channels. */
  readonly inception5b: Inception;
  /** Auxiliary classifier after inception4a (null without auxLogits). */
  readonly aux1: InceptionAux | null;
  /** Auxiliary classifier after inception4d (null without auxLogits). */
  readonly aux2: InceptionAux | null;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Dropout before fc. */
  readonly dropout: Dropout;
  /** The classifier: 1024 features → numClasses. */
  readonly fc: Linear;

  constructor(opts: GoogLeNetOptions = {}) {
    super();
    const numClasses = checkClasses("googlenet", opts.numClasses, 1000);
    const g = opts.generator;
    this.auxLogits = opts.auxLogits ?? false;
    this.transformInput = opts.transformInput ?? false;
    const inc = (...a: [number, number, number, number, number, number, number]): Inception => new Inception(...a, g);
    const pool = (k: number): MaxPool2d => new MaxPool2d(k, { stride: 2, ceilMode: true });
    this.conv1 = this.registerModule("conv1", new BasicConv2d(3, 64, 7, { stride: 2, padding: 3, generator: g }));
    this.maxpool1 = this.registerModule("maxpool1", pool(3));
    this.conv2 = this.registerModule("conv2", new BasicConv2d(64, 64, 1, { generator: g }));
    this.conv3 = this.registerModule("conv3", new BasicConv2d(64, 192, 3, { padding: 1, generator: g }));
    this.maxpool2 = this.registerModule("maxpool2", pool(3));
    this.inception3a = this.registerModule("inception3a", inc(192, 64, 96, 128, 16, 32, 32));
    this.inception3b = this.registerModule("inception3b", inc(256, 128, 128, 192, 32, 96, 64));
    this.maxpool3 = this.registerModule("maxpool3", pool(3));
    this.inception4a = this.registerModule("inception4a", inc(480, 192, 96, 208, 16, 48, 64));
    this.inception4b = this.registerModule("inception4b", inc(512, 160, 112, 224, 24, 64, 64));
    this.inception4c = this.registerModule("inception4c", inc(512, 128, 128, 256, 24, 64, 64));
    this.inception4d = this.registerModule("inception4d", inc(512, 112, 144, 288, 32, 64, 64));
    this.inception4e = this.registerModule("inception4e", inc(528, 256, 160, 320, 32, 128, 128));
    this.maxpool4 = this.registerModule("maxpool4", pool(2));
    this.inception5a = this.registerModule("inception5a", inc(832, 256, 160, 320, 32, 128, 128));
    this.inception5b = this.registerModule("inception5b", inc(832, 384, 192, 384, 48, 128, 128));
    const dropoutAux = opts.dropoutAux ?? 0.7;
    this.aux1 = this.registerModule("aux1", this.auxLogits ? new InceptionAux(512, numClasses, dropoutAux, g) : null);
    this.aux2 = this.registerModule("aux2", this.auxLogits ? new InceptionAux(528, numClasses, dropoutAux, g) : null);
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([1, 1]));
    this.dropout = this.registerModule("dropout", new Dropout(opts.dropout ?? 0.2));
    this.fc = this.registerModule("fc", new Linear(1024, numClasses, { generator: g }));
    if (opts.initWeights ?? true) initTruncNormal(this, g);
  }

  /** torchvision's _transform_input: channel c becomes x·(std_c/0.5) + (mean_c − 0.5)/0.5. */
  private transform(x: Tensor): Tensor {
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    const chans = [0, 1, 2].map((c) => x.slice(1, c, c + 1).mul(std[c]! / 0.5).add((mean[c]! - 0.5) / 0.5));
    return cat(chans, 1);
  }

  forward(x: Tensor): Tensor | GoogLeNetOutputs {
    if (this.transformInput) x = this.transform(x);
    x = this.maxpool1.call(this.conv1.call(x));
    x = this.maxpool2.call(this.conv3.call(this.conv2.call(x)));
    x = this.maxpool3.call(this.inception3b.call(this.inception3a.call(x)));
    x = this.inception4a.call(x);
    const useAux = this.training && this.aux1 !== null && this.aux2 !== null;
    const aux1 = useAux ? this.aux1!.call(x) : null;
    x = this.inception4d.call(this.inception4c.call(this.inception4b.call(x)));
    const aux2 = useAux ? this.aux2!.call(x) : null;
    x = this.maxpool4.call(this.inception4e.call(x));
    x = this.inception5b.call(this.inception5a.call(x));
    const logits = this.fc.call(this.dropout.call(this.avgpool.call(x).flatten(1)));
    return aux1 && aux2 ? { logits, aux1, aux2 } : logits;
  }
}

/** GoogLeNet (Inception v1, Szegedy et al. 2014) with torchvision's layout: 6.6 M parameters at 1000 classes. */
export const googlenet = (opts: GoogLeNetOptions = {}): GoogLeNet =>
  (opts.initWeights ?? true) ? deferDefaultInit(() => new GoogLeNet(opts)) : new GoogLeNet(opts);

markKeepsNoTensors(BasicConv2d, Inception, InceptionAux, GoogLeNet);
