// The state dict: parameter and buffer tensors by their dotted names ("features.0.weight"), in file order.
import type { Tensor } from "../tensor/tensor.js";
import { formatError } from "./bytes.js";

/** Tensors by state-dict key, in the order the file (or the model) lists them. */
export type StateDict = Record<string, Tensor>;

/** Keys that would not be plain data properties on a JavaScript object; a file that uses them is refused. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Set `key` on `sd`, refusing prototype-polluting and duplicate names. */
export function putTensor(sd: StateDict, key: string, t: Tensor, fileName: string | undefined): void {
  if (RESERVED_KEYS.has(key)) throw formatError(fileName, `tensor name '${key}' is not allowed`);
  if (Object.prototype.hasOwnProperty.call(sd, key)) throw formatError(fileName, `tensor name '${key}' appears twice`);
  sd[key] = t;
}
