// RegNetY-400MF (Radosavovic et al. 2020) as torchvision 0.14 builds it: a 3×3 stem, four stages of residual
// bottleneck blocks (1×1, grouped 3×3 with group width 8, squeeze-excitation, 1×1), global average, fc.
// regnet_y_400mf: 4,344,144 parameters.
import type { Tensor } from "../tensor/tensor.js";
import { Module, type TensorModule } from "../nn/module.js";
import { needsGrad } from "../autograd/graph.js";
import { Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { Conv2dNormActivation, SqueezeExcitation } from "../nn/efficient.js";
import { constant_, kaimingNormal_, normal_ } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** The 3×3 stride-2 conv, BN, ReLU stem. */
export class SimpleStemIN extends Conv2dNormActivation {
  constructor(widthIn: number, widthOut: number, generator?: Generator) {
    super(widthIn, widthOut, 3, { stride: 2, generator });
  }
}

/** 1×1 (a), grouped 3×3 carrying the stride (b), squeeze-excitation to round(seRatio · widthIn) (se), 1×1 (c). */
export class BottleneckTransform extends Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, groupWidth: number, seRatio: number | null, generator?: Generator) {
    const wb = widthOut; // bottleneck multiplier 1 (every RegNetY)
    const layers: [string, TensorModule][] = [
      ["a", new Conv2dNormActivation(widthIn, wb, 1, { generator })],
      ["b", new Conv2dNormActivation(wb, wb, 3, { stride, groups: Math.floor(wb / groupWidth), generator })],
    ];
    if (seRatio) layers.push(["se", new SqueezeExcitation(wb, Math.round(seRatio * widthIn), { generator })]);
    layers.push(["c", new Conv2dNormActivation(wb, widthOut, 1, { activationLayer: null, generator })]);
    super(layers);
  }
}

/** relu(proj(x) + f(x)), proj a strided 1×1 conv + BN where the shape changes, else the identity. */
export class ResBottleneckBlock extends Module {
  /** Strided 1×1 convolution + batch norm matching the shortcut to the output, or null for the identity. */
  readonly proj: Conv2dNormActivation | null;
  /** The residual branch: 1×1, grouped 3×3 (with the stride), squeeze-excitation, 1×1. */
  readonly f: BottleneckTransform;
  /** ReLU after the sum. */
  readonly activation: ReLU;

  constructor(widthIn: number, widthOut: number, stride: number, groupWidth: number, seRatio: number | null, generator?: Generator) {
    super();
    this.proj = this.registerModule("proj", widthIn !== widthOut || stride !== 1 ? new Conv2dNormActivation(widthIn, widthOut, 1, { stride, activationLayer: null, generator }) : null);
    this.f = this.registerModule("f", new BottleneckTransform(widthIn, widthOut, stride, groupWidth, seRatio, generator));
    this.activation = this.registerModule("activation", new ReLU({ inplace: true }));
  }

  forward(x: Tensor): Tensor {
    const shortcut = this.proj ? this.proj.call(x) : x;
    const out = this.f.call(x);
    // into the branch's buffer when nothing is recorded (in-place changes are not recorded)
    return this.activation.call(needsGrad(out, shortcut) ? shortcut.add(out) : out.add_(shortcut));
  }
}

/** A stage: blocks named block{stage}-{i}, the first carrying the stride. */
export class AnyStage extends Sequential {
  constructor(widthIn: number, widthOut: number, stride: number, depth: number, groupWidth: number, seRatio: number | null, stageIndex: number, generator?: Generator) {
    const blocks: [string, TensorModule][] = [];
    for (let i = 0; i < depth; i++) blocks.push([`block${stageIndex}-${i}`, new ResBottleneckBlock(i === 0 ? widthIn : widthOut, widthOut, i === 0 ? stride : 1, groupWidth, seRatio, generator)]);
    super(blocks);
  }
}

/** A RegNet's stages: torchvision's BlockParams.from_init_params, evaluated (the quantised widths are fixed numbers, so
 *  they are listed as VGG's configs are rather than recomputed in float32). */
export interface RegNetConfig {
  /** Blocks in each stage. */
  depths: readonly number[];
  /** Output channels of each stage. */
  widths: readonly number[];
  /** Channels per group of the 3×3 convolutions. */
  groupWidth: number;
  /** Squeeze-excitation's reduction ratio, or null for none. */
  seRatio: number | null;
}

/** regnet_y_400mf: from_init_params(depth 16, w_0 48, w_a 27.89, w_m 2.09, group width 8, SE 0.25). */
export const REGNET_Y_400MF: RegNetConfig = { depths: [1, 3, 6, 6], widths: [48, 104, 208, 440], groupWidth: 8, seRatio: 0.25 };

/** Options of RegNet: the ones every zoo model takes. */
export type RegNetOptions = ModelOptions;

/** x: [N,3,H,W] → [N, numClasses]. */
export class RegNet extends Module {
  /** Stem: 3×3 convolution, stride 2, 32 channels, batch norm, ReLU. */
  readonly stem: SimpleStemIN;
  /** The stages (torchvision's trunk_output.block1 … block4). */
  readonly trunk_output: Sequential;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** The classifier: the last stage's channels → numClasses. */
  readonly fc: Linear;

  constructor(cfg: RegNetConfig, opts: RegNetOptions = {}) {
    super();
    const numClasses = checkClasses("regnet", opts.numClasses, 1000);
    const g = opts.generator;
    this.stem = this.registerModule("stem", new SimpleStemIN(3, 32, g));
    let width = 32;
    const stages: [string, TensorModule][] = cfg.widths.map((w, i) => {
      const stage = new AnyStage(width, w, 2, cfg.depths[i]!, cfg.groupWidth, cfg.seRatio, i + 1, g);
      width = w;
      return [`block${i + 1}`, stage];
    });
    this.trunk_output = this.registerModule("trunk_output", new Sequential(stages));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d([1, 1]));
    this.fc = this.registerModule("fc", new Linear(width, numClasses, { generator: g }));
    // torchvision's init: conv N(0, 2/fan_out) (fan_out = k·k·out; biases, only in SE, keep PyTorch's default),
    // BN γ 1 β 0, linear N(0, 0.01) with bias 0
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: "fan_out", generator: g });
      else if (m instanceof BatchNorm2d) {
        if (m.weight) constant_(m.weight, 1);
        if (m.bias) constant_(m.bias, 0);
      } else if (m instanceof Linear) {
        normal_(m.weight, 0, 0.01, g);
        if (m.bias) constant_(m.bias, 0);
      }
    }
  }

  forward(x: Tensor): Tensor {
    return this.fc.call(this.avgpool.call(this.trunk_output.call(this.stem.call(x))).flatten(1));
  }
}

/** Built without deferring the default init: the SE convs' biases keep it, as in torchvision. */
export const regnet_y_400mf = (opts: RegNetOptions = {}): RegNet => new RegNet(REGNET_Y_400MF, opts);

markKeepsNoTensors(SimpleStemIN, BottleneckTransform, AnyStage, ResBottleneckBlock, RegNet);
