// Activation layers, like torch.nn.ReLU, LeakyReLU, ReLU6, SiLU, GELU, Hardsigmoid, ELU, Sigmoid, Tanh, Softmax, LogSoftmax,
// Hardswish.
import type { Tensor } from "../tensor/tensor.js";
import { leakyRelu, relu, sigmoid, tanh } from "../ops/elementwise.js";
import { elu, gelu, hardsigmoid, hardswish, logSoftmax, relu6, silu, softmax } from "../ops/activation.js";
import { ValueError } from "../errors.js";
import { Module } from "./module.js";
import { pyFloat } from "./repr.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** Elementwise layers keep the shape. */
abstract class Elementwise extends Module {
}

/** max(0, x). With `inplace` (torchvision's models use it) the input's buffer is overwritten when no graph is being
 *  recorded, keeping one activation less alive in inference; when autograd records, a new tensor is returned. */
export class ReLU extends Elementwise {
  /** Whether the input's buffer is overwritten when nothing is recorded. */
  readonly inplace: boolean;
  /** @param opts inplace (default false). */
  constructor(opts: {
    /** Overwrite the input's buffer when nothing is recorded (default false). */
    inplace?: boolean;
  } = {}) {
    super();
    this.inplace = opts.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return relu(x, { inplace: this.inplace });
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** x for x ≥ 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Elementwise {
  /** @param negativeSlope The slope for x < 0 (default 0.01). */
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** An element-wise layer whose `inplace` flag only shows in the printed tree (torchvision's MobileNets and EfficientNet
 *  set it): its function never writes over its input. */
abstract class PrintedInplace extends Elementwise {
  /** Printed in the tree only. */
  readonly inplace: boolean;
  /** @param opts inplace (printed only). */
  constructor(opts: {
    /** Printed in the tree only, as torchvision sets it. */
    inplace?: boolean;
  } = {}) {
    super();
    this.inplace = opts.inplace ?? false;
  }
  override extraRepr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/** min(max(0, x), 6). */
export class ReLU6 extends PrintedInplace {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** x·sigmoid(x) (swish; EfficientNet's activation). */
export class SiLU extends PrintedInplace {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** x·Φ(x), Φ the normal CDF (ConvNeXt's and the vision transformers' activation), or its tanh approximation, as
 *  torch.nn.GELU. */
export class GELU extends Elementwise {
  /** "none": the exact erf form; "tanh": x·(1 + tanh(√(2/π)·(x + 0.044715x³)))/2. */
  readonly approximate: "none" | "tanh";
  /** @param opts approximate (default "none"). */
  constructor(opts: {
    /** "none" (default) or "tanh". */
    approximate?: "none" | "tanh";
  } = {}) {
    super();
    const approximate = opts.approximate ?? "none";
    if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
    this.approximate = approximate;
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** relu6(x + 3)/6 (MobileNetV3's gate). PyTorch prints no settings for it. */
export class Hardsigmoid extends Elementwise {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Elementwise {
  /** @param alpha The scale for x < 0 (default 1). */
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/** 1 / (1 + e⁻ˣ). */
export class Sigmoid extends Elementwise {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh(x). */
export class Tanh extends Elementwise {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Softmax along `dim` (default 1: the classes of [N, C, …]). */
export class Softmax extends Elementwise {
  /** @param dim The dim that sums to 1 (default 1). */
  constructor(readonly dim = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim` (default 1), computed stably. */
export class LogSoftmax extends Elementwise {
  /** @param dim The dim the softmax runs along (default 1). */
  constructor(readonly dim = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x·relu6(x + 3)/6 (MobileNetV3). */
export class Hardswish extends Elementwise {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

markKeepsNoTensors(ReLU, LeakyReLU, ReLU6, SiLU, GELU, Hardsigmoid, ELU, Sigmoid, Tanh, Softmax, LogSoftmax, Hardswish);
