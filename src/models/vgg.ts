// VGG (Simonyan & Zisserman 2014) as torchvision builds it: configurations A, B, D, E (11, 13, 16, 19 weight layers),
// with or without batch norm. vgg16: 138,357,544 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { Module, type TensorModule } from "../nn/module.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout, Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pool.js";
import type { Generator } from "../tensor/random.js";
import { deferDefaultInit } from "../nn/init.js";
import { checkClasses, initKaimingFanOut, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** Channels of each 3×3 conv, "M" for a 2×2 max pool (torchvision's cfgs). */
export const VGG_CONFIGS = {
  /** VGG-11. */
  A: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  /** VGG-13. */
  B: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  /** VGG-16. */
  D: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  /** VGG-19. */
  E: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
} as const satisfies Record<string, readonly (number | "M")[]>;
/** A VGG configuration's letter: A (11 layers), B (13), D (16), E (19). */
export type VGGConfig = keyof typeof VGG_CONFIGS;

/** Options of the VGGs. */
export interface VGGOptions extends ModelOptions {
  /** Dropout probability in the classifier. Default 0.5. */
  dropout?: number;
  /** torchvision's init (kaiming normal fan_out convs, N(0, 0.01) linears). Default true; false keeps PyTorch's defaults. */
  initWeights?: boolean;
}

/** The feature extractor of a configuration: conv3×3 (+ BN) + ReLU per number, max pool per "M". */
export function makeVGGLayers(cfg: readonly (number | "M")[], batchNorm: boolean, generator?: Generator, inChannels = 3): Sequential {
  const layers: TensorModule[] = [];
  let inC = inChannels;
  for (const v of cfg) {
    if (v === "M") {
      layers.push(new MaxPool2d(2, { stride: 2 }));
    } else {
      layers.push(new Conv2d(inC, v, 3, { padding: 1, generator }));
      if (batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU({ inplace: true }));
      inC = v;
    }
  }
  return new Sequential(...layers);
}

/** x: [N,3,H,W] with H, W ≥ 32 → [N, numClasses]. */
export class VGG extends Module {
  /** The convolutions and poolings of the configuration (makeVGGLayers). */
  readonly features: Sequential;
  /** Average pooling to 7×7. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** fc 25088 → 4096, ReLU, dropout, fc 4096 → 4096, ReLU, dropout, fc → numClasses. */
  readonly classifier: Sequential;

  /**
   * @param features The feature extractor (makeVGGLayers).
   * @param opts Classes, dropout, initialisation and generator.
   */
  constructor(features: Sequential, opts: VGGOptions = {}) {
    super();
    const numClasses = checkClasses("vgg", opts.numClasses, 1000);
    const p = opts.dropout ?? 0.5;
    const generator = opts.generator;
    this.features = this.registerModule("features", features);
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([7, 7]));
    this.classifier = this.registerModule("classifier", new Sequential(
      new Linear(512 * 7 * 7, 4096, { generator }), new ReLU({ inplace: true }), new Dropout(p),
      new Linear(4096, 4096, { generator }), new ReLU({ inplace: true }), new Dropout(p),
      new Linear(4096, numClasses, { generator }),
    ));
    if (opts.initWeights ?? true) initKaimingFanOut(this, "normal", generator);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

function vgg(cfg: VGGConfig, batchNorm: boolean, opts: VGGOptions): VGG {
  const build = (): VGG => new VGG(makeVGGLayers(VGG_CONFIGS[cfg], batchNorm, opts.generator), opts);
  return (opts.initWeights ?? true) ? deferDefaultInit(build) : build();
}

/** VGG-11 (Simonyan & Zisserman 2014, configuration A): 132.9 M parameters at 1000 classes. */
export const vgg11 = (opts: VGGOptions = {}): VGG => vgg("A", false, opts);
/** VGG-11 with batch norm after each convolution. */
export const vgg11_bn = (opts: VGGOptions = {}): VGG => vgg("A", true, opts);
/** VGG-13 (configuration B): 133.0 M parameters. */
export const vgg13 = (opts: VGGOptions = {}): VGG => vgg("B", false, opts);
/** VGG-13 with batch norm. */
export const vgg13_bn = (opts: VGGOptions = {}): VGG => vgg("B", true, opts);
/** VGG-16 (configuration D): 138.4 M parameters. */
export const vgg16 = (opts: VGGOptions = {}): VGG => vgg("D", false, opts);
/** VGG-16 with batch norm. */
export const vgg16_bn = (opts: VGGOptions = {}): VGG => vgg("D", true, opts);
/** VGG-19 (configuration E): 143.7 M parameters. */
export const vgg19 = (opts: VGGOptions = {}): VGG => vgg("E", false, opts);
/** VGG-19 with batch norm. */
export const vgg19_bn = (opts: VGGOptions = {}): VGG => vgg("E", true, opts);

markKeepsNoTensors(VGG);
