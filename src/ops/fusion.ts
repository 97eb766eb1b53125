// What an inference folds into the op before it. The activations a batch norm or a convolution applies to the values
// it writes (BatchNormOptions' and Conv2dOptions' `activation`): what each is for the kernels (ReLU and ReLU6 are
// hardtanh's clamps), its ONNX form, and the op that applies it on its own — what a recorded forward runs instead, so
// that the tape holds the ops a backward knows. And a batch norm with running statistics as the per-channel scale and
// shift that a convolution before it applies as it writes (Conv2dOptions' `batchNorm`), as onnxruntime folds it.
import type { Tensor } from "../tensor/tensor.js";
import type { FusedActivation } from "../backends/backend.js";
import type { KernelArray } from "../tensor/memory.js";
import { kernel } from "../backends/registry.js";
import { emptyLike, lift } from "./util.js";
import { relu } from "./elementwise.js";
import { hardsigmoid, hardswish, hardtanh, silu } from "./activation.js";
import type { OnnxEmitter } from "./op.js";
import { ValueError } from "../errors.js";

/** The activations a batch norm or a convolution can apply in its own pass over the data. */
export type BatchNormActivation = "relu" | "relu6" | "hardswish" | "hardsigmoid" | "silu";

/** One fused activation: the kernels' op and hardtanh's bounds, its ONNX form after the node writing y, its own op. */
export interface FusedActivationForm {
  /** The activation kernel's op. */
  op: FusedActivation;
  /** hardtanh's lower bound (0 for the others). */
  lo: number;
  /** hardtanh's upper bound (0 for the others). */
  hi: number;
  /** The ONNX nodes applying it to y; returns their output. */
  onnx: (e: OnnxEmitter, y: string) => string;
  /** The op applying it alone (recorded). */
  alone: (x: Tensor) => Tensor;
}

const FORMS: Record<BatchNormActivation, FusedActivationForm> = {
  relu: { op: "hardtanh", lo: 0, hi: Infinity, onnx: (e, y) => e.node("Relu", [y]), alone: relu },
  relu6: {
    op: "hardtanh", lo: 0, hi: 6, alone: (x) => hardtanh(x, { minVal: 0, maxVal: 6 }),
    onnx: (e, y) => e.node("Clip", [y, e.floatConstant([0], [], "clip_min"), e.floatConstant([6], [], "clip_max")]),
  },
  hardswish: {
    op: "hardswish", lo: 0, hi: 0, alone: hardswish,
    onnx: (e, y) => e.node("Mul", [y, e.node("HardSigmoid", [y], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })]),
  },
  hardsigmoid: {
    op: "hardsigmoid", lo: 0, hi: 0, alone: hardsigmoid,
    onnx: (e, y) => e.node("HardSigmoid", [y], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } }),
  },
  silu: { op: "silu", lo: 0, hi: 0, onnx: (e, y) => e.node("Mul", [y, e.node("Sigmoid", [y])]), alone: silu },
};

/** The form of `name`; `op` names the caller in the error for a name that is not one. */
export function fusedActivation(op: string, name: BatchNormActivation): FusedActivationForm {
  if (!Object.hasOwn(FORMS, name)) throw new ValueError(`${op}: activation must be one of ${Object.keys(FORMS).join(", ")}, got ${JSON.stringify(name)}`);
  return FORMS[name];
}

/** 1/√(var + eps) per channel, on the kernels of the backend holding var. */
export function inverseStd(variance: Tensor, eps: number): Tensor {
  const c = variance.size, v = variance.operand;
  const invStd = emptyLike(variance.dtype, [c]);
  kernel("binary", v)("add", v, [1], lift("batchNorm", eps, variance).operand, [0], [c], invStd.operand);
  kernel("unary", v)("rsqrt", invStd.operand, invStd.operand, 0);
  return invStd;
}

/** A batch norm in evaluation, (z − mean)/√(var + eps)·γ + β, over z = conv + bias as z·scale + shift per channel:
 *  scale = γ/√(var + eps), shift = β − mean·scale (+ bias·scale), as the kernels' operands. */
export function batchNormScaleShift(
  gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, eps: number, bias: Tensor | null,
): { scale: KernelArray; shift: KernelArray } {
  const c = variance.size, v = variance.operand;
  const ga = gamma.operand, be = beta.operand, me = mean.operand, bi = bias ? bias.operand : null;
  if (ga instanceof Float32Array && be instanceof Float32Array && me instanceof Float32Array && v instanceof Float32Array
    && (bi === null || bi instanceof Float32Array)) {
    // in host memory: one loop in doubles, each value rounded once, into a plain array the kernel reads (five kernel
    // calls and two tensors of the backend's memory for a few hundred values cost 5–25 µs a layer)
    const both = new Float32Array(2 * c), sc = both.subarray(0, c), sh = both.subarray(c);
    for (let i = 0; i < c; i++) {
      const k = ga[i]! / Math.sqrt(v[i]! + eps);
      sc[i] = k;
      sh[i] = be[i]! - me[i]! * k + (bi ? bi[i]! * k : 0);
    }
    return { scale: sc, shift: sh };
  }
  const binary = kernel("binary", v);
  const scale = inverseStd(variance, eps), shift = emptyLike(variance.dtype, [c]);
  binary("mul", scale.operand, [1], ga, [1], [c], scale.operand);
  binary("mul", me, [1], scale.operand, [1], [c], shift.operand);
  binary("sub", be, [1], shift.operand, [1], [c], shift.operand);
  if (bi) {
    const t = emptyLike(variance.dtype, [c]);
    binary("mul", bi, [1], scale.operand, [1], [c], t.operand);
    binary("add", shift.operand, [1], t.operand, [1], [c], shift.operand);
  }
  return { scale: scale.operand, shift: shift.operand };
}
