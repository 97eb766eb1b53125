// Training that runs anywhere: fit (the loop, callbacks: early stopping, learning-rate schedules), evaluation
// (accuracy, loss, confusion matrix) and the checkpoint format. convkit/node's fit (train/node.ts) adds the run
// directory (checkpoints, metrics files, curves, resume) and the progress bar.
export * from "./fit.js";
export * from "./metrics.js";
export * from "./checkpoint.js";
