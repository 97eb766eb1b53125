// The base of layers that multiply their input by a per-channel gate computed from it (squeeze-and-excitation):
// y = gate(x)·x. Its own file so that Sequential can recognise it without importing the layers built on it.
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** A layer whose output is its input scaled per channel: forward(x) = gate(x)·x, gate(x) of shape [N, C, 1, 1].
 *  In an inference, a Sequential folds the gate into the convolution that follows it (scaling that convolution's
 *  weights per input channel instead of the feature map) where that is the smaller product; a subclass that
 *  overrides forward is run as it is. */
export abstract class ChannelGate extends Module {
  /** The per-channel factors, [N, C, 1, 1], that forward multiplies x by. */
  abstract gate(x: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    return this.gate(x).mul(x);
  }
}
