// Reference norm kernels. PLACEHOLDER: being written; every entry throws until then.
import type { Kernels } from "../backend.js";

const todo = (k: string) => (): never => {
  throw new Error(`js kernel ${k} is not written yet`);
};

export const normKernels: Pick<Kernels, "channelMoments" | "channelAffine"> = {
  channelMoments: todo("channelMoments"),
  channelAffine: todo("channelAffine"),
};
