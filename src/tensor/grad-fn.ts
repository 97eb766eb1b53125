// How a tensor was computed, as the autograd tape records it on the tensor (autograd/graph.ts writes these records,
// autograd/backward.ts reads them); declared here because every tensor carries one.
import type { Tensor } from "./tensor.js";
import type { TensorMemory } from "./memory.js";

/** How one op sends the gradient of its output back to its inputs (null where an input gets none). */
export interface GradFn {
  /** The op's name ("conv2d", "add"…), as PyTorch's grad_fn names its backward. */
  readonly name: string;
  /** The tensors the op read, in order: the gradient goes back to these. */
  readonly inputs: readonly Tensor[];
  /** The gradients of the inputs, given the gradient of the output. */
  backward(grad: Tensor): readonly (Tensor | null)[];
  /** The op's settings (stride, padding, dims…), kept so the tape can be read back as a graph (ONNX export). */
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** The op-table definition that made the result (src/ops/op.ts reads it back with its types), for ops defined
   *  there; the tape stays independent of the table's types. */
  readonly op?: object;
  /** Memory that only this node's backward reads (what the op saved for it, and a training forward's intermediates
   *  that its module did not return): handed back to the backend once a backward has gone through the node. */
  releasable?: TensorMemory[];
  /** Set once a backward released the node's memory: a second backward through it is an error (retainGraph keeps it). */
  released?: boolean;
}

