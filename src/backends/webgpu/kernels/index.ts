// The WGSL kernels: each a function over GPUBuffers with the argument order of the kernel interface (backend.ts),
// the device first. WebGPUKernels checks that the two stay in step.
import type { Kernels } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { matmul } from "./matmul.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv.js";
import { avgPool2dBackward, pool2d } from "./pool.js";
import { planeGather, planeScatter } from "./memory.js";
import { binary, fill, unary, where } from "./elementwise.js";
import { argReduce, reduce, softmax } from "./reduce.js";
import { channelAffine, channelMoments, channelNormBackward } from "./norm.js";

/** The kernel interface on the GPU: every array (values, indices) a GPUBuffer. */
type GpuKernels = Kernels<GPUBuffer, GPUBuffer>;

/** The kernel interface over GPUBuffers: Kernels' methods with every array a GPUBuffer and the device first. */
export type WebGPUKernels = { [K in keyof GpuKernels]: (dev: WebGPUDevice, ...args: Parameters<GpuKernels[K]>) => void };

/** The kernels written in WGSL so far (the rest: copyStrided, adaptive pooling, bilinear resampling). */
export const webgpuKernels = {
  matmul, conv2d, conv2dBackwardInput, conv2dBackwardWeight, pool2d, avgPool2dBackward, planeGather, planeScatter,
  unary, binary, where, fill, reduce, argReduce, softmax, channelMoments, channelAffine, channelNormBackward,
} satisfies Partial<WebGPUKernels>;
