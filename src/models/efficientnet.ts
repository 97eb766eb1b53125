// EfficientNet-B0 (Tan & Le 2019) as torchvision 0.14 builds it: a stem, seven stages of MBConv blocks (1×1 expansion,
// k×k depthwise, squeeze-excitation, 1×1 projection; SiLU; stochastic depth on the shortcut blocks, its probability
// rising linearly to 0.2), a 1×1 head conv, global average, dropout and a linear classifier.
// efficientnet_b0: 5,288,548 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { Module, type TensorModule } from "../nn/module.js";
import { runLayers, Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout, Linear } from "../nn/linear.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { Conv2dNormActivation, SqueezeExcitation, StochasticDepth } from "../nn/efficient.js";
import { SiLU } from "../nn/activation.js";
import { constant_, deferDefaultInit, kaimingNormal_, uniform_ } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { makeDivisible } from "./mobilenet.js";
import { inferenceScopeOpen, markKeepsNoTensors } from "../nn/inference-scope.js";

const silu = (): SiLU => new SiLU({ inplace: true });

/** Mobile inverted bottleneck with squeeze-excitation; x + stochasticDepth(block(x)) when the stride is 1 and the
 *  channels stay. */
export class MBConv extends Module {
  /** Expansion (1×1), depthwise k×k, squeeze-excitation and projection (1×1) layers. */
  readonly block: Sequential;
  /** Drops the residual branch for whole samples while training, with this block's probability. */
  readonly stochastic_depth: StochasticDepth;
  /** Whether the block adds its input (stride 1 and as many channels out as in). */
  readonly useResConnect: boolean;

  /**
   * @param inC Input channels.
   * @param outC Output channels.
   * @param expandRatio Hidden channels ÷ input channels.
   * @param kernel Size of the depthwise convolution.
   * @param stride Stride of the depthwise convolution.
   * @param sdProb Stochastic-depth probability of this block.
   * @param generator Source of the initial weights.
   */
  constructor(inC: number, outC: number, expandRatio: number, kernel: number, stride: number, sdProb: number, generator?: Generator) {
    super();
    this.useResConnect = stride === 1 && inC === outC;
    const expanded = makeDivisible(inC * expandRatio);
    const layers: TensorModule[] = [];
    if (expanded !== inC) layers.push(new Conv2dNormActivation(inC, expanded, 1, { activationLayer: silu, generator }));
    layers.push(
      new Conv2dNormActivation(expanded, expanded, kernel, { stride, groups: expanded, activationLayer: silu, generator }),
      new SqueezeExcitation(expanded, Math.max(1, Math.floor(inC / 4)), { activation: silu, generator }),
      new Conv2dNormActivation(expanded, outC, 1, { activationLayer: null, generator }),
    );
    this.block = this.registerModule("block", new Sequential(...layers));
    this.stochastic_depth = this.registerModule("stochastic_depth", new StochasticDepth(sdProb, "row"));
  }

  forward(x: Tensor): Tensor {
    if (!this.useResConnect) return this.block.call(x);
    // the shortcut added in place when nothing is recorded; in an inference (eval mode, where stochastic depth keeps
    // every sample), by the projection as it writes
    return runLayers(x, inferenceScopeOpen() ? [this.block] : [this.block, this.stochastic_depth], x);
  }
}

/** Options of EfficientNet. */
export interface EfficientNetOptions extends ModelOptions {
  /** Dropout before the classifier. Default 0.2. */
  dropout?: number;
  /** The last block's stochastic-depth probability (block i of n gets p·i/n). Default 0.2. */
  stochasticDepthProb?: number;
}

/** [expand ratio, kernel, stride, in, out, blocks] per stage (B0: width and depth multipliers 1). */
const B0 = [[1, 3, 1, 32, 16, 1], [6, 3, 2, 16, 24, 2], [6, 5, 2, 24, 40, 2], [6, 3, 2, 40, 80, 3], [6, 5, 1, 80, 112, 3], [6, 5, 2, 112, 192, 4], [6, 3, 1, 192, 320, 1]] as const;

/** x: [N,3,H,W] → [N, numClasses]. */
export class EfficientNet extends Module {
  /** Stem (3×3 convolution, stride 2, 32 channels), the MBConv stages and a 1×1 convolution to 1280 channels. */
  readonly features: Sequential;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Dropout, then the linear layer 1280 → numClasses. */
  readonly classifier: Sequential;

  constructor(opts: EfficientNetOptions = {}) {
    super();
    const op = "efficientnet_b0";
    const numClasses = checkClasses(op, opts.numClasses, 1000);
    const g = opts.generator;
    for (const [k, v] of [["dropout", opts.dropout], ["stochasticDepthProb", opts.stochasticDepthProb]] as const) {
      if (v !== undefined && (typeof v !== "number" || !(v >= 0 && v <= 1))) throw new ValueError(`${op}: ${k} must be a probability in [0, 1], got ${String(v)}`);
    }
    const sdProb = opts.stochasticDepthProb ?? 0.2;
    const total = B0.reduce((n, s) => n + s[5], 0);
    let id = 0;
    const layers: TensorModule[] = [new Conv2dNormActivation(3, B0[0][3], 3, { stride: 2, activationLayer: silu, generator: g })];
    for (const [t, k, s, inC, outC, n] of B0) {
      const stage: MBConv[] = [];
      for (let i = 0; i < n; i++) stage.push(new MBConv(i === 0 ? inC : outC, outC, t, k, i === 0 ? s : 1, (sdProb * id++) / total, g));
      layers.push(new Sequential(...stage));
    }
    const lastIn = B0[B0.length - 1]![4], lastOut = 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, 1, { activationLayer: silu, generator: g }));
    this.features = this.registerModule("features", new Sequential(...layers));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(opts.dropout ?? 0.2, { inplace: true }), new Linear(lastOut, numClasses, { generator: g })));
    // torchvision's init: conv kaiming_normal_ (fan_out), BN γ 1 β 0 (their defaults), linear U(±1/√out) with bias 0
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        kaimingNormal_(m.weight, { mode: "fan_out", generator: g });
        if (m.bias) constant_(m.bias, 0);
      } else if (m instanceof BatchNorm2d) {
        if (m.weight) constant_(m.weight, 1);
        if (m.bias) constant_(m.bias, 0);
      } else if (m instanceof Linear) {
        const r = 1 / Math.sqrt(m.outFeatures);
        uniform_(m.weight, -r, r, g);
        if (m.bias) constant_(m.bias, 0);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** EfficientNet-B0 (Tan & Le 2019): 5.3 M parameters at 1000 classes. */
export const efficientnet_b0 = (opts: EfficientNetOptions = {}): EfficientNet => deferDefaultInit(() => new EfficientNet(opts));

markKeepsNoTensors(MBConv, EfficientNet);
