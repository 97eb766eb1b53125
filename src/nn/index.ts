// The nn namespace: Module, the layers, containers, initialisation and the model summary. import { nn } from "convkit".
// Each layer file exports only its layers and their option types, all of them public: a new layer needs no line here.
export { Module, describeLoadResult, type AnyModule, type TensorModule, type StateDict, type LoadResult, type ForwardHook, type HookHandle } from "./module.js";
export * from "./conv.js";
export * from "./linear.js";
export * from "./activation.js";
export * from "./norm.js";
export * from "./pool.js";
export * from "./upsample.js";
export * from "./efficient.js";
export { ChannelGate } from "./channel-gate.js";
export { Sequential, ModuleList, ModuleDict, runLayers, type Layer } from "./container.js";
export * as init from "./init.js";
export { summarize, summary, formatSummary, printSummary, type PrintSummaryOptions, type SummaryData, type LayerSummary, type ReceptiveField, type SummaryOptions } from "./summary.js";
