// MobileNetV2 (Sandler et al. 2018) and MobileNetV3 large/small (Howard et al. 2019) as torchvision 0.14 builds
// them: the same attribute paths and state-dict keys (features.{i}.conv / .block, classifier), the same init.
// mobilenet_v2: 3,504,872 parameters; mobilenet_v3_large: 5,483,032; mobilenet_v3_small: 2,542,856.
import type { Tensor } from "../tensor/tensor.js";
import { Module, type TensorModule } from "../nn/module.js";
import { runLayers, Sequential } from "../nn/container.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout, Linear } from "../nn/linear.js";
import { Hardsigmoid, Hardswish, ReLU, ReLU6 } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { AdaptiveAvgPool2d } from "../nn/pool.js";
import { Conv2dNormActivation, SqueezeExcitation } from "../nn/efficient.js";
import { adaptiveAvgPool2d } from "../ops/pool.js";
import { deferDefaultInit } from "../nn/init.js";
import type { Generator } from "../tensor/random.js";
import { ValueError } from "../errors.js";
import { checkClasses, initKaimingFanOut, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** torchvision's _make_divisible: v rounded to the nearest multiple of `divisor` (at least divisor), never more than
 *  10 % below v. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

function checkDropout(op: string, p: number | undefined, fallback: number): number {
  const v = p ?? fallback;
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new ValueError(`${op}: dropout must be a probability in [0, 1], got ${String(v)}`);
  return v;
}

function checkWidth(op: string, w: number | undefined): number {
  const v = w ?? 1;
  if (typeof v !== "number" || !(v > 0 && Number.isFinite(v))) throw new ValueError(`${op}: widthMult must be a positive number, got ${String(v)}`);
  return v;
}

const relu6 = (): ReLU6 => new ReLU6({ inplace: true });

/** MobileNetV2's inverted residual: 1×1 expansion (unless t = 1), 3×3 depthwise (carrying the stride), 1×1 linear
 *  projection + BN; x + block(x) when the stride is 1 and the channels stay. */
export class InvertedResidual extends Module {
  /** Expansion (unless t = 1), depthwise and projection layers, with their batch norms. */
  readonly conv: Sequential;
  /** Whether the block adds its input (stride 1 and as many channels out as in). */
  readonly useResConnect: boolean;

  /**
   * @param inp Input channels.
   * @param oup Output channels.
   * @param stride Stride of the depthwise convolution.
   * @param expandRatio Hidden channels ÷ input channels (t).
   * @param generator Source of the initial weights.
   */
  constructor(inp: number, oup: number, stride: number, expandRatio: number, generator?: Generator) {
    super();
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: TensorModule[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, 1, { activationLayer: relu6, generator }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, 3, { stride, groups: hidden, activationLayer: relu6, generator }),
      new Conv2d(hidden, oup, 1, { bias: false, generator }),
      new BatchNorm2d(oup),
    );
    this.conv = this.registerModule("conv", new Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    // the shortcut added in place when nothing is recorded; in an inference, by the projection as it writes
    return this.useResConnect ? runLayers(x, [this.conv], x) : this.conv.call(x);
  }
}

/** Options of MobileNetV2. */
export interface MobileNetV2Options extends ModelOptions {
  /** Scales every layer's channels (rounded to multiples of 8). Default 1. */
  widthMult?: number;
  /** Dropout before the classifier. Default 0.2. */
  dropout?: number;
}

/** [t (expansion), c (channels), n (blocks), s (first stride)] per stage. */
const V2_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]] as const;

/** x: [N,3,H,W] → [N, numClasses]; any H, W ≥ 1 (five stride-2 stages, then global average pooling). */
export class MobileNetV2 extends Module {
  /** The stem, the inverted residual stages and the last 1×1 convolution to lastChannel. */
  readonly features: Sequential;
  /** Dropout, then the linear layer lastChannel → numClasses. */
  readonly classifier: Sequential;
  /** Channels of the last convolution: 1280 × max(1, widthMult), a multiple of 8. */
  readonly lastChannel: number;

  constructor(opts: MobileNetV2Options = {}) {
    super();
    const numClasses = checkClasses("mobilenet_v2", opts.numClasses, 1000);
    const width = checkWidth("mobilenet_v2", opts.widthMult);
    const dropout = checkDropout("mobilenet_v2", opts.dropout, 0.2);
    const g = opts.generator;
    let inC = makeDivisible(32 * width);
    this.lastChannel = makeDivisible(1280 * Math.max(1, width));
    const features: TensorModule[] = [new Conv2dNormActivation(3, inC, 3, { stride: 2, activationLayer: relu6, generator: g })];
    for (const [t, c, n, s] of V2_SETTING) {
      const outC = makeDivisible(c * width);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidual(inC, outC, i === 0 ? s : 1, t, g));
        inC = outC;
      }
    }
    features.push(new Conv2dNormActivation(inC, this.lastChannel, 1, { activationLayer: relu6, generator: g }));
    this.features = this.registerModule("features", new Sequential(...features));
    this.classifier = this.registerModule("classifier", new Sequential(new Dropout(dropout), new Linear(this.lastChannel, numClasses, { generator: g })));
    initKaimingFanOut(this, "normal", g);
  }

  forward(x: Tensor): Tensor {
    // torchvision pools with F.adaptive_avg_pool2d (no module, so no key and no line in the printed tree)
    return this.classifier.call(adaptiveAvgPool2d(this.features.call(x), [1, 1]).flatten(1));
  }
}

/** One row of MobileNetV3's tables 1 and 2: input, kernel, expanded and output channels, squeeze-excitation, hard
 *  swish (else ReLU), stride, dilation. */
export type V3Row = readonly [inC: number, kernel: number, expanded: number, outC: number, se: boolean, hs: boolean, stride: number];

/** MobileNetV3's bottleneck: 1×1 expansion (when the channels grow), k×k depthwise, squeeze-excitation with a hard
 *  sigmoid gate (some rows), 1×1 linear projection; x + block(x) when the stride is 1 and the channels stay. */
export class InvertedResidualV3 extends Module {
  /** Expansion, depthwise, squeeze-excitation and projection layers. */
  readonly block: Sequential;
  /** Whether the block adds its input (stride 1 and as many channels out as in). */
  readonly useResConnect: boolean;

  /**
   * @param row The block's row of the architecture's table.
   * @param width The width multiplier.
   * @param generator Source of the initial weights.
   */
  constructor(row: V3Row, width: number, generator?: Generator) {
    super();
    const [inC, k, exp, outC] = [makeDivisible(row[0] * width), row[1], makeDivisible(row[2] * width), makeDivisible(row[3] * width)];
    const [, , , , se, hs, stride] = row;
    this.useResConnect = stride === 1 && inC === outC;
    const act = hs ? () => new Hardswish() : () => new ReLU({ inplace: true });
    const norm = (c: number): BatchNorm2d => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
    const layers: TensorModule[] = [];
    if (exp !== inC) layers.push(new Conv2dNormActivation(inC, exp, 1, { normLayer: norm, activationLayer: act, generator }));
    layers.push(new Conv2dNormActivation(exp, exp, k, { stride, groups: exp, normLayer: norm, activationLayer: act, generator }));
    if (se) layers.push(new SqueezeExcitation(exp, makeDivisible(Math.floor(exp / 4)), { scaleActivation: () => new Hardsigmoid(), generator }));
    layers.push(new Conv2dNormActivation(exp, outC, 1, { normLayer: norm, activationLayer: null, generator }));
    this.block = this.registerModule("block", new Sequential(...layers));
  }

  /** torchvision names this class InvertedResidual too; its printed tree says so. */
  override get typeName(): string {
    return "InvertedResidual";
  }

  forward(x: Tensor): Tensor {
    // the shortcut added in place when nothing is recorded; in an inference, by the projection as it writes
    return this.useResConnect ? runLayers(x, [this.block], x) : this.block.call(x);
  }
}

const V3_LARGE: readonly V3Row[] = [
  [16, 3, 16, 16, false, false, 1], [16, 3, 64, 24, false, false, 2], [24, 3, 72, 24, false, false, 1],
  [24, 5, 72, 40, true, false, 2], [40, 5, 120, 40, true, false, 1], [40, 5, 120, 40, true, false, 1],
  [40, 3, 240, 80, false, true, 2], [80, 3, 200, 80, false, true, 1], [80, 3, 184, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1], [80, 3, 480, 112, true, true, 1], [112, 3, 672, 112, true, true, 1],
  [112, 5, 672, 160, true, true, 2], [160, 5, 960, 160, true, true, 1], [160, 5, 960, 160, true, true, 1],
];
const V3_SMALL: readonly V3Row[] = [
  [16, 3, 16, 16, true, false, 2], [16, 3, 72, 24, false, false, 2], [24, 3, 88, 24, false, false, 1],
  [24, 5, 96, 40, true, true, 2], [40, 5, 240, 40, true, true, 1], [40, 5, 240, 40, true, true, 1],
  [40, 5, 120, 48, true, true, 1], [48, 5, 144, 48, true, true, 1], [48, 5, 288, 96, true, true, 2],
  [96, 5, 576, 96, true, true, 1], [96, 5, 576, 96, true, true, 1],
];

/** Options of MobileNetV3 large and small. */
export interface MobileNetV3Options extends ModelOptions {
  /** Scales every layer's channels (rounded to multiples of 8). Default 1. */
  widthMult?: number;
  /** Dropout inside the classifier. Default 0.2. */
  dropout?: number;
}

/** x: [N,3,H,W] → [N, numClasses]. */
export class MobileNetV3 extends Module {
  /** The stem, the bottlenecks and the last 1×1 convolution. */
  readonly features: Sequential;
  /** Global average pooling to 1×1. */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Linear, hard swish, dropout, linear → numClasses. */
  readonly classifier: Sequential;

  constructor(arch: "large" | "small", opts: MobileNetV3Options = {}) {
    super();
    const op = `mobilenet_v3_${arch}`;
    const numClasses = checkClasses(op, opts.numClasses, 1000);
    const width = checkWidth(op, opts.widthMult);
    const dropout = checkDropout(op, opts.dropout, 0.2);
    const g = opts.generator;
    const rows = arch === "large" ? V3_LARGE : V3_SMALL;
    const lastChannel = makeDivisible((arch === "large" ? 1280 : 1024) * width);
    const norm = (c: number): BatchNorm2d => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
    const hswish = (): Hardswish => new Hardswish();
    const firstC = makeDivisible(rows[0]![0] * width), lastIn = makeDivisible(rows[rows.length - 1]![3] * width);
    const features: TensorModule[] = [new Conv2dNormActivation(3, firstC, 3, { stride: 2, normLayer: norm, activationLayer: hswish, generator: g })];
    for (const row of rows) features.push(new InvertedResidualV3(row, width, g));
    features.push(new Conv2dNormActivation(lastIn, 6 * lastIn, 1, { normLayer: norm, activationLayer: hswish, generator: g }));
    this.features = this.registerModule("features", new Sequential(...features));
    this.avgpool = this.registerModule("avgpool", new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule("classifier", new Sequential(
      new Linear(6 * lastIn, lastChannel, { generator: g }), new Hardswish(), new Dropout(dropout, { inplace: true }), new Linear(lastChannel, numClasses, { generator: g }),
    ));
    initKaimingFanOut(this, "normal", g);
  }

  forward(x: Tensor): Tensor {
    return this.classifier.call(this.avgpool.call(this.features.call(x)).flatten(1));
  }
}

/** MobileNetV2 (Sandler et al. 2018): 3.5 M parameters at 1000 classes. */
export const mobilenet_v2 = (opts: MobileNetV2Options = {}): MobileNetV2 => deferDefaultInit(() => new MobileNetV2(opts));
/** MobileNetV3-Large (Howard et al. 2019): 5.5 M parameters at 1000 classes. */
export const mobilenet_v3_large = (opts: MobileNetV3Options = {}): MobileNetV3 => deferDefaultInit(() => new MobileNetV3("large", opts));
/** MobileNetV3-Small: 2.5 M parameters at 1000 classes. */
export const mobilenet_v3_small = (opts: MobileNetV3Options = {}): MobileNetV3 => deferDefaultInit(() => new MobileNetV3("small", opts));

markKeepsNoTensors(InvertedResidual, InvertedResidualV3, MobileNetV2, MobileNetV3);
