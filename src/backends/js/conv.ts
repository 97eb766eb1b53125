// Reference conv kernels. PLACEHOLDER: being written; every entry throws until then.
import type { Kernels } from "../backend.js";

const todo = (k: string) => (): never => {
  throw new Error(`js kernel ${k} is not written yet`);
};

export const convKernels: Pick<Kernels, "conv2d" | "conv2dBackwardInput" | "conv2dBackwardWeight"> = {
  conv2d: todo("conv2d"),
  conv2dBackwardInput: todo("conv2dBackwardInput"),
  conv2dBackwardWeight: todo("conv2dBackwardWeight"),
};
