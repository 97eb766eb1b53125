// The WGSL kernels: each a function over GPUBuffers with the argument order of the kernel interface (backend.ts),
// the device first. WebGPUKernels checks that the two stay in step.
import type { Kernels } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { matmul } from "./matmul.js";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv.js";
import { adaptiveAvgPool2dBackward, adaptivePool2d, avgPool2dBackward, pool2d } from "./pool.js";
import { copyStrided, indexToValues, planeGather, planeScatter, valuesToIndex } from "./memory.js";
import { activation, activationGrad, binary, fill, unary, where } from "./elementwise.js";
import { argReduce, reduce, softmax } from "./reduce.js";
import { channelAffine, channelMoments, channelNormBackward } from "./norm.js";
import { bilinear2d, bilinear2dBackward } from "./resample.js";
import { adamStep, rmspropStep, sgdStep } from "./optim.js";

/** The kernel interface on the GPU: every array (values, indices) a GPUBuffer. */
type GpuKernels = Kernels<GPUBuffer, GPUBuffer>;

/** The kernel interface over GPUBuffers: Kernels' methods with every array a GPUBuffer and the device first. */
export type WebGPUKernels = { [K in keyof GpuKernels]: (dev: WebGPUDevice, ...args: Parameters<GpuKernels[K]>) => void };

/** Every kernel of the interface in WGSL (`satisfies WebGPUKernels`: a kernel added to Kernels must be added here). */
export const webgpuKernels = {
  fill, copyStrided, planeGather, planeScatter, indexToValues, valuesToIndex,
  unary, binary, where, activation, activationGrad,
  reduce, argReduce, softmax,
  matmul, conv2d, conv2dBackwardInput, conv2dBackwardWeight,
  pool2d, avgPool2dBackward, adaptivePool2d, adaptiveAvgPool2dBackward,
  bilinear2d, bilinear2dBackward,
  channelMoments, channelAffine, channelNormBackward,
  sgdStep, adamStep, rmspropStep,
} satisfies WebGPUKernels;
