// Optimisers (SGD, Adam, AdamW, RMSprop), learning-rate schedules and gradient clipping, with PyTorch's update rules.
export * from "./optimizer.js";
export * from "./sgd.js";
export * from "./adam.js";
export * from "./rmsprop.js";
export * from "./schedulers.js";
export * from "./clip.js";
