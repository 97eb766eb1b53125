// Layers of the efficient CNNs (MobileNetV2/V3, EfficientNet, ShuffleNetV2, RegNet), as torch.nn and torchvision.ops
// define them: Hardsigmoid, SiLU, SqueezeExcitation, StochasticDepth, ChannelShuffle and Conv2dNormActivation.
// Each is made of existing ops (no op of its own), so autograd, meta tensors and ONNX export come with them.
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { hardsigmoid, silu, stochasticDepth, checkDepthArgs, type StochasticDepthMode } from "../ops/activation.js";
import { channelShuffle } from "../ops/movement.js";
import { ValueError } from "../errors.js";
import { Module, type TensorModule } from "./module.js";
import { Sequential } from "./container.js";
import { Conv2d } from "./conv.js";
import { BatchNorm2d } from "./norm.js";
import { AdaptiveAvgPool2d } from "./pool.js";
import { ReLU, Sigmoid } from "./activation.js";
import { markKeepsNoTensors } from "./inference-scope.js";
import { pyFloat } from "./repr.js";


/** relu6(x + 3)/6 (MobileNetV3's gate). PyTorch prints no settings for it. */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/** x·sigmoid(x) (swish; EfficientNet's activation). `inplace` only shows in the printed tree, as torchvision sets it. */
export class SiLU extends Module {
  readonly inplace: boolean;
  constructor(opts: { inplace?: boolean } = {}) {
    super();
    this.inplace = opts.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return silu(x);
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** Squeeze-and-excitation (Hu et al. 2018) as torchvision.ops.SqueezeExcitation: x · scaleActivation(fc2(activation(
 *  fc1(avgpool(x))))), the fcs being 1×1 convolutions with bias. x: [N,C,H,W] → same shape. */
export class SqueezeExcitation extends Module {
  readonly avgpool: AdaptiveAvgPool2d;
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: TensorModule;
  readonly scale_activation: TensorModule;

  constructor(inputChannels: number, squeezeChannels: number, opts: { activation?: () => TensorModule; scaleActivation?: () => TensorModule; generator?: Generator } = {}) {
    super();
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.fc1 = this.registerModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1, { generator: opts.generator }));
    this.fc2 = this.registerModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1, { generator: opts.generator }));
    this.activation = this.registerModule("activation", (opts.activation ?? (() => new ReLU()))());
    this.scale_activation = this.registerModule("scale_activation", (opts.scaleActivation ?? (() => new Sigmoid()))());
  }

  forward(x: Tensor): Tensor {
    const s = this.fc2.call(this.activation.call(this.fc1.call(this.avgpool.call(x))));
    return this.scale_activation.call(s).mul(x);
  }
}

/** torchvision.ops.StochasticDepth: see stochasticDepth; active in training mode only. */
export class StochasticDepth extends Module {
  readonly p: number;
  readonly mode: StochasticDepthMode;
  generator: Generator;
  constructor(p: number, mode: StochasticDepthMode, opts: { generator?: Generator } = {}) {
    super();
    checkDepthArgs("StochasticDepth", p, mode);
    this.p = p;
    this.mode = mode;
    this.generator = opts.generator ?? defaultGenerator;
  }
  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training, this.generator);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, mode=${this.mode}`;
  }
}

/** torch.nn.ChannelShuffle. */
export class ChannelShuffle extends Module {
  constructor(readonly groups: number) {
    super();
    if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`ChannelShuffle: groups must be an integer ≥ 1, got ${String(groups)}`);
  }
  forward(x: Tensor): Tensor {
    return channelShuffle(x, this.groups);
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}

export interface Conv2dNormActivationOptions {
  stride?: number;
  groups?: number;
  dilation?: number;
  /** The normalisation after the conv (BatchNorm2d by default; null for none, which gives the conv a bias). */
  normLayer?: ((channels: number) => TensorModule) | null;
  /** The activation last (ReLU by default; null for none). */
  activationLayer?: (() => TensorModule) | null;
  generator?: Generator;
}

/** torchvision.ops.Conv2dNormActivation: a Sequential of conv ('same'-style padding (k − 1)/2·dilation, bias only
 *  without a norm), norm and activation, keyed 0, 1, 2. */
export class Conv2dNormActivation extends Sequential {
  readonly outChannels: number;
  constructor(inChannels: number, outChannels: number, kernelSize = 3, opts: Conv2dNormActivationOptions = {}) {
    const { stride = 1, groups = 1, dilation = 1, generator } = opts;
    const norm = opts.normLayer === undefined ? (c: number) => new BatchNorm2d(c) : opts.normLayer;
    const act = opts.activationLayer === undefined ? () => new ReLU({ inplace: true }) : opts.activationLayer;
    const layers: TensorModule[] = [new Conv2d(inChannels, outChannels, kernelSize, {
      stride, padding: Math.floor((kernelSize - 1) / 2) * dilation, dilation, groups, bias: norm === null, generator,
    })];
    if (norm) layers.push(norm(outChannels));
    if (act) layers.push(act());
    super(...layers);
    this.outChannels = outChannels;
  }
}

markKeepsNoTensors(Hardsigmoid, SiLU, SqueezeExcitation, StochasticDepth, ChannelShuffle);
