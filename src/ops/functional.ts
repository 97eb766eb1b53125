// The functional API, shaped like torch.nn.functional in camelCase with an options object: import { F } from "convkit".
export { relu, relu_, leakyRelu, sigmoid, tanh } from "./elementwise.js";
export { pad, oneHot, channelShuffle, type PadMode } from "./movement.js";
export * from "./activation.js";
export * from "./linear.js";
export * from "./conv.js";
export * from "./pool.js";
export * from "./upsample.js";
export * from "./norm.js";
export * from "./loss.js";
