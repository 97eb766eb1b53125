// Reference resample kernels. PLACEHOLDER: being written; every entry throws until then.
import type { Kernels } from "../backend.js";

const todo = (k: string) => (): never => {
  throw new Error(`js kernel ${k} is not written yet`);
};

export const resampleKernels: Pick<Kernels, "bilinear2d" | "bilinear2dBackward"> = {
  bilinear2d: todo("bilinear2d"),
  bilinear2dBackward: todo("bilinear2dBackward"),
};
