// Training helpers that run anywhere: evaluation (accuracy, loss, confusion matrix) and the checkpoint format.
// The training run itself (files, progress bar) is Node-side: train/node.ts (convkit/node).
export * from "./metrics.js";
export * from "./checkpoint.js";
