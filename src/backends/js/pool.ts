// Reference pool kernels. PLACEHOLDER: being written; every entry throws until then.
import type { Kernels } from "../backend.js";

const todo = (k: string) => (): never => {
  throw new Error(`js kernel ${k} is not written yet`);
};

export const poolKernels: Pick<Kernels, "pool2d" | "avgPool2dBackward" | "adaptivePool2d" | "adaptiveAvgPool2dBackward"> = {
  pool2d: todo("pool2d"),
  avgPool2dBackward: todo("avgPool2dBackward"),
  adaptivePool2d: todo("adaptivePool2d"),
  adaptiveAvgPool2dBackward: todo("adaptiveAvgPool2dBackward"),
};
