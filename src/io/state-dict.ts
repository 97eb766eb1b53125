// The state dict as the loaders return it: the same Map<string, Tensor> as nn.Module.stateDict(), in file order.
import type { Tensor } from "../tensor/tensor.js";
import { formatError } from "./bytes.js";

/** Tensors by dotted state-dict key ("features.0.weight"), in the order the file lists them. */
export type StateDict = Map<string, Tensor>;

/** Add `key` to `sd`, refusing a name the file uses twice. */
export function putTensor(sd: StateDict, key: string, t: Tensor, fileName: string | undefined): void {
  if (sd.has(key)) throw formatError(fileName, `tensor name '${key}' appears twice`);
  sd.set(key, t);
}
