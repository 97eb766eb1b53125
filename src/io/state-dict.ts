// The state dict as the loaders return it: the same Map<string, Tensor> as nn.Module.stateDict(), in file order; and
// its copy on the host, which the writers need for a model trained on a GPU.
import { Tensor } from "../tensor/tensor.js";
import type { DataArray } from "../tensor/dtype.js";
import type { DeviceArray } from "../tensor/memory.js";
import { deferHostCopies, hostCopy } from "../tensor/host-copy.js";
import { ValueError } from "../errors.js";
import { formatError } from "./bytes.js";

/** Tensors by dotted state-dict key ("features.0.weight"), in the order the file lists them. */
export type StateDict = Map<string, Tensor>;

/** Add `key` to `sd`, refusing a name the file uses twice. */
export function putTensor(sd: StateDict, key: string, t: Tensor, fileName: string | undefined): void {
  if (sd.has(key)) throw formatError(fileName, `tensor name '${key}' appears twice`);
  sd.set(key, t);
}

/**
 * A copy on the host of a model's state dict (or of a state dict), as it is at the call: what the writers take from a
 * model trained on the GPU, whose values JavaScript reads only asynchronously (PyTorch's
 * `{k: v.cpu() for k, v in model.state_dict().items()}`). On a CPU backend the copies are made at once; later
 * training steps change none of them.
 *
 * ```ts
 * const bytes = io.saveSafetensors(await hostStateDict(net));   // or io.savePth(…)
 * ```
 */
export async function hostStateDict(source: { stateDict(): ReadonlyMap<string, Tensor> } | ReadonlyMap<string, Tensor>): Promise<StateDict> {
  const { value, ready } = deferHostCopies(() => copyStateDict(source instanceof Map ? source : (source as { stateDict(): ReadonlyMap<string, Tensor> }).stateDict()));
  await ready;
  return value;
}

/** hostStateDict's copies, made synchronously: complete for host tensors, filled by the reads that a surrounding
 *  deferHostCopies awaits for device ones (fit's checkpoints), refused in one line elsewhere. */
export function copyStateDict(sd: ReadonlyMap<string, Tensor>): StateDict {
  return new Map([...sd].map(([k, t]) => [k, new Tensor(hostCopy(t.storage.memory ?? t.data, `'${k}'`, "await hostStateDict(model)"), t.shape)]));
}

/** The values of `t` for the writer `op`; a tensor on a GPU is refused in one line naming hostStateDict. */
export function hostValues(op: string, key: string, t: Tensor): DataArray {
  if (t.isOnDevice) {
    throw new ValueError(`${op}: '${key}' is in ${(t.storage.memory as DeviceArray).device} memory, which JavaScript reads only asynchronously; save await hostStateDict(model) instead`);
  }
  return t.data;
}
