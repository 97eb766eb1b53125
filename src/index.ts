// convkit: convolutional neural networks in TypeScript. The public surface, shaped like PyTorch.
import "./ops/tensor-methods.js";
import "./autograd/backward.js";
export { Tensor, isTensor, type NestedArray, type TensorLike } from "./tensor/tensor.js";
export type { DType, DataArray } from "./tensor/dtype.js";
export type { Shape } from "./tensor/shape.js";
export type { GradFn } from "./tensor/grad-fn.js";
export type { Storage } from "./tensor/storage.js";
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye,
  rand, randn, randint, randperm, setMaxElements, getMaxElements, type TensorOptions, type RandomOptions, type NumericArray,
} from "./tensor/creation.js";
export { toDType } from "./ops/convert.js";
export { Generator, manualSeed, defaultGenerator } from "./tensor/random.js";
export { noGrad, isGradEnabled, withGradEnabled } from "./autograd/grad-mode.js";
export type { BackwardOptions } from "./autograd/backward.js";
export { memoryStats, type MemoryStats, type DeviceArray, type KernelArray, type IndexArray, type TensorMemory } from "./tensor/memory.js";
export * from "./errors.js";
export * as F from "./ops/functional.js";
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, neg, exp, log, log1p, expm1, sqrt, rsqrt,
  abs, sign, sin, cos, tanh, sigmoid, relu, square, reciprocal, floor, ceil, round, clamp, where,
} from "./ops/elementwise.js";
export { sum, mean, max, min, argmax, argmin, variance, logsumexp, all, any, type VarOptions } from "./ops/reduce.js";
export {
  reshape, permute, transpose, flatten, squeeze, unsqueeze, expand, slice, select, flip, clone, cat, stack, pad,
  gather, indexSelect, oneHot, split, chunk, repeat,
} from "./ops/movement.js";
export { isclose, allclose, type CloseOptions } from "./ops/elementwise.js";
export { matmul } from "./ops/matmul.js";
export { erf } from "./ops/activation.js";
export * from "./ops/arithmetic.js";
export { setBackend, getBackend, listBackends, registerBackend, kernelFallbacks } from "./backends/registry.js";
export type {
  Backend, Kernels, HostKernels, KernelName, ConvGeometry, PoolGeometry, MatmulParams, AvgPoolOptions, UnaryOp, BinaryOp, ReduceOp, ArgReduceOp, PoolMode, ActivationOp, FusedActivation,
  DeviceMemoryOps, SgdStepParams, AdamStepParams, RmspropStepParams,
} from "./backends/backend.js";
export * as nn from "./nn/index.js";
export * as models from "./models/index.js";
export * as io from "./io/index.js";
export { hostStateDict } from "./io/state-dict.js";
export * as data from "./data/index.js";
export * as optim from "./optim/index.js";
export * as train from "./train/index.js";
export * as viz from "./viz/index.js";
export * as wasm from "./backends/wasm/index.js";
export * as webgpu from "./backends/webgpu/index.js";
export {
  ImageClassifier, loadClassifier, MODEL_META_KEY, IMAGENET_MEAN, IMAGENET_STD, MAX_INPUT_PAD,
  type Prediction, type LoadClassifierOptions, type ClassifyOptions, type ImageClassifierInit, type ImageInput, type ImageDataLike,
} from "./apps/classifier.js";
