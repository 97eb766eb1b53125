// Fully connected and shape layers, like torch.nn.Linear, Identity, Flatten, Dropout.
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { fmtShape, normDim } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { linear } from "../ops/linear.js";
import { dropout, dropout2d } from "../ops/activation.js";
import { ShapeError, ValueError } from "../errors.js";
import { Module } from "./module.js";
import { defaultLayerInit_ } from "./init.js";
import { pyBool } from "./repr.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** Options of Linear. */
export interface LinearOptions {
  /** Learn a bias. Default true. */
  bias?: boolean;
  /** Source of the initial weights (the global default generator if omitted). */
  generator?: Generator;
}

/** y = x Wᵀ + b. x: [*, inFeatures] → [*, outFeatures]; weight [outFeatures, inFeatures]. */
export class Linear extends Module {
  /** Size of each input sample. */
  readonly inFeatures: number;
  /** Size of each output sample. */
  readonly outFeatures: number;
  /** W, [outFeatures, inFeatures]. */
  readonly weight: Tensor;
  /** b, [outFeatures], or null. */
  readonly bias: Tensor | null;

  /**
   * @param inFeatures Size of each input sample.
   * @param outFeatures Size of each output sample.
   * @param opts bias, and the generator of the initial weights.
   */
  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [name, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`Linear: ${name} must be an integer ≥ 1, got ${String(v)}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter("weight", zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter("bias", opts.bias === false ? null : zeros([outFeatures]));
    defaultLayerInit_(this.weight, this.bias, opts.generator);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }


  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Merges dims startDim..endDim (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  /**
   * @param startDim The first dim merged (default 1).
   * @param endDim The last dim merged (default −1).
   */
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

function checkP(op: string, p: number): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: p must be a probability in [0, 1], got ${String(p)}`);
  return p;
}

/** Inverted dropout: zeroes elements with probability p in training (scaling the rest by 1/(1−p)); identity in eval. */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Only shows in the printed tree (torchvision's MobileNetV3 and EfficientNet set it). */
  readonly inplace: boolean;
  /** Source of the random masks. */
  generator: Generator;
  /**
   * @param p Probability of zeroing an element (default 0.5).
   * @param opts The generator of the masks, and inplace (printed only).
   */
  constructor(p = 0.5, opts: {
    /** Source of the random masks (the global default generator if omitted). */
    generator?: Generator;
    /** Printed in the tree only, as torchvision sets it. */
    inplace?: boolean;
  } = {}) {
    super();
    this.p = checkP("Dropout", p);
    this.inplace = opts.inplace ?? false;
    this.generator = opts.generator ?? defaultGenerator;
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, generator: this.generator });
  }
  override extraRepr(): string {
    return `p=${String(this.p)}, inplace=${this.inplace ? "True" : "False"}`;
  }
}

/** Channel dropout: zeroes whole feature maps with probability p in training. */
export class Dropout2d extends Module {
  /** Probability of zeroing a feature map. */
  readonly p: number;
  /** Source of the random masks. */
  generator: Generator;
  /**
   * @param p Probability of zeroing a feature map (default 0.5).
   * @param opts The generator of the masks.
   */
  constructor(p = 0.5, opts: {
    /** Source of the random masks (the global default generator if omitted). */
    generator?: Generator;
  } = {}) {
    super();
    this.p = checkP("Dropout2d", p);
    this.generator = opts.generator ?? defaultGenerator;
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, { p: this.p, training: this.training, generator: this.generator });
  }
  override extraRepr(): string {
    return `p=${String(this.p)}, inplace=False`;
  }
}

markKeepsNoTensors(Linear, Identity, Flatten, Dropout, Dropout2d);
