// Batched matrix product on the GPU (Kernels['matmul']): the tiled GEMM of gemm.ts with A and B read in place,
// transposed or not, and broadcast over the batch by a batch stride of 0.
import type { MatmulParams } from "../../backend.js";
import type { WebGPUDevice } from "../device.js";
import { paramBlock } from "../wgsl.js";
import { gemm } from "./gemm.js";

const PARAMS = paramBlock({ M: "i32", N: "i32", K: "i32", aStride: "i32", bStride: "i32" });

/** out[b] = op(A[b]) · op(B[b]) over the batch (see MatmulParams); out is [batch, m, n] and overwritten. */
export function matmul(dev: WebGPUDevice, a: GPUBuffer, b: GPUBuffer, out: GPUBuffer, p: MatmulParams): void {
  // the transposes are part of the shader's text (and so of its pipeline's cache key)
  const aAt = p.transA ? "k * P.M + row" : "row * P.K + k";
  const bAt = p.transB ? "col * P.K + k" : "k * P.N + col";
  const spec = {
    params: PARAMS.wgsl,
    decls: `@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;`,
    fns: `fn loadA(b: i32, row: i32, k: i32) -> f32 { return A[b * P.aStride + ${aAt}]; }
fn loadB(b: i32, k: i32, col: i32) -> f32 { return B[b * P.bStride + ${bAt}]; }
fn store(b: i32, row: i32, col: i32, v: f32) { C[(b * P.M + row) * P.N + col] = v; }`,
  };
  gemm(dev, spec, PARAMS, { M: p.m, N: p.n, K: p.k, aStride: p.aBatchStride, bStride: p.bBatchStride }, [a, b, out], p.batch, p.m, p.n);
}
