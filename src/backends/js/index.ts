// The reference backend: plain, commented TypeScript loops for every kernel. Slow, complete, and the yardstick.
import type { Backend, HostKernels } from "../backend.js";
import { memoryKernels } from "./memory.js";
import { elementwiseKernels } from "./elementwise.js";
import { reduceKernels } from "./reduce.js";
import { matmulKernels } from "./matmul.js";
import { convKernels } from "./conv.js";
import { poolKernels } from "./pool.js";
import { resampleKernels } from "./resample.js";
import { normKernels } from "./norm.js";
import { optimKernels } from "./optim.js";

export const jsKernels: HostKernels = {
  ...memoryKernels,
  ...elementwiseKernels,
  ...reduceKernels,
  ...matmulKernels,
  ...convKernels,
  ...poolKernels,
  ...resampleKernels,
  ...normKernels,
  ...optimKernels,
};

export const jsBackend: Backend = { name: "js", kernels: jsKernels, supports: () => true };
