// Layers of the efficient CNNs (MobileNetV2/V3, EfficientNet, ShuffleNetV2, RegNet), as torch.nn and torchvision.ops
// define them: SqueezeExcitation, StochasticDepth, ChannelShuffle and Conv2dNormActivation (their activations,
// Hardsigmoid and SiLU, are in activation.ts).
// Each is made of existing ops (no op of its own), so autograd, meta tensors and ONNX export come with them.
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { stochasticDepth, checkDepthArgs, type StochasticDepthMode } from "../ops/activation.js";
import { channelShuffle } from "../ops/movement.js";
import { ValueError } from "../errors.js";
import { Module, type TensorModule } from "./module.js";
import { runLayers, Sequential } from "./container.js";
import { ChannelGate } from "./channel-gate.js";
import { Conv2d } from "./conv.js";
import { BatchNorm2d } from "./norm.js";
import { AdaptiveAvgPool2d } from "./pool.js";
import { ReLU, Sigmoid } from "./activation.js";
import { markKeepsNoTensors } from "./inference-scope.js";
import { pyFloat } from "./repr.js";


/** Squeeze-and-excitation (Hu et al. 2018) as torchvision.ops.SqueezeExcitation: x · scaleActivation(fc2(activation(
 *  fc1(avgpool(x))))), the fcs being 1×1 convolutions with bias. x: [N,C,H,W] → same shape. */
export class SqueezeExcitation extends ChannelGate {
  /** Global average pooling to 1×1: the squeeze. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** 1×1 convolution to squeezeChannels. */
  readonly fc1: Conv2d;
  /** 1×1 convolution back to the input's channels. */
  readonly fc2: Conv2d;
  /** Between fc1 and fc2 (ReLU by default). */
  readonly activation: TensorModule;
  /** The gate on fc2's output (sigmoid by default; MobileNetV3: hard sigmoid). */
  readonly scale_activation: TensorModule;

  /**
   * @param inputChannels Channels of the input (and output).
   * @param squeezeChannels Channels between fc1 and fc2.
   * @param opts The two activations and the generator of the initial weights.
   */
  constructor(inputChannels: number, squeezeChannels: number, opts: {
    /** Makes the activation between fc1 and fc2 (default ReLU). */
    activation?: () => TensorModule;
    /** Makes the gate (default sigmoid). */
    scaleActivation?: () => TensorModule;
    /** Source of the initial weights. */
    generator?: Generator;
  } = {}) {
    super();
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.fc1 = this.registerModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1, { generator: opts.generator }));
    this.fc2 = this.registerModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1, { generator: opts.generator }));
    this.activation = this.registerModule("activation", (opts.activation ?? (() => new ReLU()))());
    this.scale_activation = this.registerModule("scale_activation", (opts.scaleActivation ?? (() => new Sigmoid()))());
  }

  /** scaleActivation(fc2(activation(fc1(avgpool(x))))): [N, C, 1, 1], the factor forward multiplies x by. */
  gate(x: Tensor): Tensor {
    return runLayers(this.avgpool.call(x), [this.fc1, this.activation, this.fc2, this.scale_activation]);
  }
}

/** torchvision.ops.StochasticDepth: see stochasticDepth; active in training mode only. */
export class StochasticDepth extends Module {
  /** Probability of dropping the input (a sample, or the whole batch). */
  readonly p: number;
  /** "row": per sample; "batch": the whole batch at once. */
  readonly mode: StochasticDepthMode;
  /** Source of the random draws. */
  generator: Generator;
  /**
   * @param p Probability of dropping.
   * @param mode "row" or "batch".
   * @param opts The generator of the draws.
   */
  constructor(p: number, mode: StochasticDepthMode, opts: {
    /** Source of the random draws (the global default generator if omitted). */
    generator?: Generator;
  } = {}) {
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
  /** @param groups Groups whose channels are interleaved. */
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

/** Options of Conv2dNormActivation. */
export interface Conv2dNormActivationOptions {
  /** The convolution's stride (default 1). */
  stride?: number;
  /** The convolution's groups (default 1). */
  groups?: number;
  /** The convolution's dilation (default 1). */
  dilation?: number;
  /** The normalisation after the conv (BatchNorm2d by default; null for none, which gives the conv a bias). */
  normLayer?: ((channels: number) => TensorModule) | null;
  /** The activation last (ReLU by default; null for none). */
  activationLayer?: (() => TensorModule) | null;
  /** Source of the initial weights. */
  generator?: Generator;
}

/** torchvision.ops.Conv2dNormActivation: a Sequential of conv ('same'-style padding (k − 1)/2·dilation, bias only
 *  without a norm), norm and activation, keyed 0, 1, 2. */
export class Conv2dNormActivation extends Sequential {
  /** Output channels. */
  readonly outChannels: number;
  /**
   * @param inChannels Input channels.
   * @param outChannels Output channels.
   * @param kernelSize The convolution's size (default 3).
   * @param opts Stride, groups, dilation, the norm and activation layers, the generator.
   */
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

markKeepsNoTensors(SqueezeExcitation, StochasticDepth, ChannelShuffle, Conv2dNormActivation);
