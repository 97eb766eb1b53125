// U-Net (Ronneberger, Fischer & Brox 2015): a contracting path of double 3×3 convs and 2×2 max pools, an expanding
// path of 2×2 up-convolutions (ConvTranspose2d, stride 2) whose outputs are concatenated with the encoder map of the
// same size (the skip connections), and a 1×1 conv to the classes. Unlike the paper the convs are padded, so the
// output has the input's size and any input whose sides divide by 2^depth works (no cropping of the skips).
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { cat } from "../ops/movement.js";
import { Module, type TensorModule } from "../nn/module.js";
import { ModuleList, Sequential } from "../nn/container.js";
import { Conv2d, ConvTranspose2d } from "../nn/conv.js";
import { ReLU } from "../nn/activation.js";
import { BatchNorm2d } from "../nn/norm.js";
import { MaxPool2d } from "../nn/pool.js";
import type { Generator } from "../tensor/random.js";
import { ShapeError, ValueError } from "../errors.js";
import { checkClasses, type ModelOptions } from "./common.js";
import { markKeepsNoTensors } from "../nn/inference-scope.js";

/** conv3×3 (+BN) + ReLU, twice: keys .0 (conv), [.1 BN], ReLU, conv, [BN], ReLU. */
export class DoubleConv extends Sequential {
  constructor(inC: number, outC: number, batchNorm: boolean, generator?: Generator) {
    const layers: TensorModule[] = [];
    for (const [a, b] of [[inC, outC], [outC, outC]] as const) {
      layers.push(new Conv2d(a, b, 3, { padding: 1, bias: !batchNorm, generator }));
      if (batchNorm) layers.push(new BatchNorm2d(b));
      layers.push(new ReLU());
    }
    super(...layers);
  }
}

/** Options of U-Net. */
export interface UNetOptions extends ModelOptions {
  /** Input channels. Default 1 (the paper's grey microscopy images). */
  inChannels?: number;
  /** Output channels (per-pixel class scores). Default 2. */
  numClasses?: number;
  /** Channels of the first level; each level down doubles them. Default 64. */
  baseWidth?: number;
  /** Number of poolings (levels below the first). Default 4. */
  depth?: number;
  /** Batch norm after each conv (convs then have no bias). Default false, as in the paper. */
  batchNorm?: boolean;
}

/** x: [N, inChannels, H, W] with H, W divisible by 2^depth → [N, numClasses, H, W].
 *  Keys: encoder.{i}.*, bottleneck.*, upconvs.{j}.*, decoder.{j}.*, head.* (j = 0 is the deepest level).
 *  Default (1 → 2 classes, width 64, depth 4, no BN): 31,030,658 parameters. */
export class UNet extends Module {
  /** Poolings (levels below the first). */
  readonly depth: number;
  /** The contracting path: a DoubleConv per level. */
  readonly encoder: ModuleList<DoubleConv>;
  /** 2×2 max pooling between levels. */
  readonly pool: MaxPool2d;
  /** The DoubleConv at the bottom. */
  readonly bottleneck: DoubleConv;
  /** 2×2 transposed convolutions halving the channels on the way up (j = 0 the deepest). */
  readonly upconvs: ModuleList<ConvTranspose2d>;
  /** The expanding path: a DoubleConv per level, on the upsampled map concatenated with the encoder's. */
  readonly decoder: ModuleList<DoubleConv>;
  /** 1×1 convolution to numClasses channels. */
  readonly head: Conv2d;

  constructor(opts: UNetOptions = {}) {
    super();
    const numClasses = checkClasses("unet", opts.numClasses, 2);
    const inC = opts.inChannels ?? 1, width = opts.baseWidth ?? 64, depth = opts.depth ?? 4, bn = opts.batchNorm ?? false;
    for (const [name, v] of [["inChannels", inC], ["baseWidth", width], ["depth", depth]] as const) {
      if (!Number.isInteger(v) || v < (name === "depth" ? 0 : 1)) throw new ValueError(`unet: ${name} must be an integer ≥ ${name === "depth" ? 0 : 1}, got ${String(v)}`);
    }
    const g = opts.generator;
    this.depth = depth;
    const widths = Array.from({ length: depth + 1 }, (_, i) => width * 2 ** i);
    this.encoder = this.registerModule("encoder", new ModuleList(widths.slice(0, depth).map((w, i) => new DoubleConv(i === 0 ? inC : widths[i - 1]!, w, bn, g))));
    this.pool = this.registerModule("pool", new MaxPool2d(2));
    this.bottleneck = this.registerModule("bottleneck", new DoubleConv(depth === 0 ? inC : widths[depth - 1]!, widths[depth]!, bn, g));
    const levels = widths.slice(0, depth).reverse(); // deepest first
    this.upconvs = this.registerModule("upconvs", new ModuleList(levels.map((w) => new ConvTranspose2d(2 * w, w, 2, { stride: 2, generator: g }))));
    this.decoder = this.registerModule("decoder", new ModuleList(levels.map((w) => new DoubleConv(2 * w, w, bn, g))));
    this.head = this.registerModule("head", new Conv2d(width, numClasses, 1, { generator: g }));
  }

  forward(x: Tensor): Tensor {
    const f = 2 ** this.depth;
    const [h, w] = [x.shape[x.ndim - 2] ?? 0, x.shape[x.ndim - 1] ?? 0];
    if (x.ndim !== 4 || h % f !== 0 || w % f !== 0) {
      throw new ShapeError(`unet: input must be [N,C,H,W] with H and W divisible by 2^depth = ${f}, got ${fmtShape(x.shape)}`);
    }
    const skips: Tensor[] = [];
    for (const block of this.encoder) {
      x = block.call(x);
      skips.push(x);
      x = this.pool.call(x);
    }
    x = this.bottleneck.call(x);
    for (let j = 0; j < this.depth; j++) {
      const up = this.upconvs.at(j).call(x);
      x = this.decoder.at(j).call(cat([skips[this.depth - 1 - j]!, up], 1));
    }
    return this.head.call(x);
  }
}

/** U-Net (Ronneberger et al. 2015) with padded convolutions, so the output is the input's size. */
export const unet = (opts: UNetOptions = {}): UNet => new UNet(opts);

markKeepsNoTensors(DoubleConv, UNet);
