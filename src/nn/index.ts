// The nn namespace: Module, the layers, containers, initialisation and the model summary. import { nn } from "convkit".
export { Module, describeLoadResult, type AnyModule, type TensorModule, type StateDict, type LoadResult, type ForwardHook, type HookHandle } from "./module.js";
export { Conv2d, ConvTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions, type IntPair } from "./conv.js";
export { Linear, Identity, Flatten, Dropout, Dropout2d, type LinearOptions } from "./linear.js";
export { ReLU, LeakyReLU, ReLU6, ELU, Sigmoid, Tanh, Softmax, LogSoftmax, Hardswish } from "./activation.js";
export { BatchNorm1d, BatchNorm2d, LocalResponseNorm, type BatchNormOptions, type LocalResponseNormOptions } from "./norm.js";
export { MaxPool2d, MinPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d, type PoolOptions, type AvgPoolOptions } from "./pool.js";
export { Upsample, PixelShuffle, type UpsampleOptions } from "./upsample.js";
export { Sequential, ModuleList, ModuleDict } from "./container.js";
export * as init from "./init.js";
export { summarize, summary, formatSummary, printSummary, type PrintSummaryOptions, type SummaryData, type LayerSummary, type ReceptiveField, type SummaryOptions } from "./summary.js";
