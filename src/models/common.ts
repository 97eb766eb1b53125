// Shared pieces of the model zoo: option types and torchvision's model-specific initialisations.
import type { Generator } from "../tensor/random.js";
import { defaultGenerator } from "../tensor/random.js";
import type { AnyModule } from "../nn/module.js";
import { Conv2d } from "../nn/conv.js";
import { Linear } from "../nn/linear.js";
import { BatchNorm1d, BatchNorm2d } from "../nn/norm.js";
import { constant_, defaultLayerInit_, kaimingNormal_, normal_, truncNormal_ } from "../nn/init.js";
import { ValueError } from "../errors.js";

/** Options every zoo model takes. */
export interface ModelOptions {
  /** Size of the last layer. Default 1000 (ImageNet) unless the model says otherwise. */
  numClasses?: number;
  /** Source of the initial weights; the global default generator if omitted. */
  generator?: Generator;
}

export function checkClasses(op: string, n: number | undefined, fallback: number): number {
  const v = n ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: numClasses must be an integer ≥ 1, got ${String(v)}`);
  return v;
}

const isBatchNorm = (m: AnyModule): m is BatchNorm2d | BatchNorm1d => m instanceof BatchNorm2d || m instanceof BatchNorm1d;

function initBatchNorm(m: BatchNorm1d | BatchNorm2d): void {
  if (m.weight) constant_(m.weight, 1);
  if (m.bias) constant_(m.bias, 0);
}

/** torchvision's VGG/ResNet init: conv weights kaiming_normal_(fan_out, relu), conv biases 0; BN γ 1, β 0;
 *  linear N(0, 0.01) with bias 0 (VGG) or left at PyTorch's default (ResNet: linear = "default"). */
export function initKaimingFanOut(root: AnyModule, linear: "normal" | "default", g: Generator = defaultGenerator): void {
  for (const m of root.modules()) {
    if (m instanceof Conv2d) {
      kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu", generator: g });
      if (m.bias) constant_(m.bias, 0);
    } else if (isBatchNorm(m)) {
      initBatchNorm(m);
    } else if (m instanceof Linear) {
      if (linear === "normal") {
        normal_(m.weight, 0, 0.01, g);
        if (m.bias) constant_(m.bias, 0);
      } else {
        defaultLayerInit_(m.weight, m.bias, g, true);
      }
    }
  }
}

/** torchvision's GoogLeNet init: conv and linear weights trunc_normal_(std 0.01, [−2, 2]); BN γ 1, β 0. */
export function initTruncNormal(root: AnyModule, g: Generator = defaultGenerator): void {
  for (const m of root.modules()) {
    if (m instanceof Conv2d || m instanceof Linear) truncNormal_(m.weight, 0, 0.01, -2, 2, g);
    else if (isBatchNorm(m)) initBatchNorm(m);
  }
}

/** torchvision's DenseNet init: conv kaiming_normal_ (fan_in, gain √2); BN γ 1, β 0; linear bias 0. */
export function initDenseNet(root: AnyModule, g: Generator = defaultGenerator): void {
  for (const m of root.modules()) {
    if (m instanceof Conv2d) kaimingNormal_(m.weight, { generator: g });
    else if (isBatchNorm(m)) initBatchNorm(m);
    else if (m instanceof Linear) {
      defaultLayerInit_(m.weight, null, g, true);
      if (m.bias) constant_(m.bias, 0);
    }
  }
}
