// The Node-only entry, `convkit/node`: file helpers that use node:fs. The main entry ("convkit") stays browser-safe.
export { readFileLimited, writeFileAtomic, loadStateDictFile, loadOnnxFile, DEFAULT_MAX_BYTES } from "./io/node.js";
export * from "./data/node.js";
export * from "./train/node.js";
export * from "./viz/node.js";
export * from "./apps/node.js";
