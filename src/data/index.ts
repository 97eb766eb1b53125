// Data: datasets, the DataLoader, transforms, the IDX format and the built-in MNIST split. File reading is in node.ts (convkit/node).
export * from "./dataset.js";
export * from "./loader.js";
export * from "./transforms.js";
export * from "./idx.js";
export * from "./mnist.js";
