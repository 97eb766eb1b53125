// One tiled GEMM in WGSL for every product: C[b] = A[b] · B[b] with A [M,K] and B [K,N] as functions (loadA, loadB)
// and the result written by a function (store), so that the matrix product reads strided or transposed operands and
// the three convolutions read their im2col matrix straight from the image (implicit GEMM: no im2col buffer).
// A workgroup of WX×WY threads computes a BM×BN tile of C (BM = WY·TM, BN = WX·TN), each thread TM×TN outputs held in
// registers; per step of TK along K the workgroup stages A's BM×TK and B's TK×BN panels in workgroup memory (every
// thread loads its share, out-of-range elements as zeros, so ragged sizes need no special case), then each thread
// runs TK rank-1 updates from there. Batch index b is the dispatch's z.
import type { WebGPUDevice } from "../device.js";
import type { ParamBlock } from "../wgsl.js";

/** A tile shape: threads WX×WY, outputs per thread TM×TN, K step TK. */
interface Tile {
  wx: number;
  wy: number;
  tm: number;
  tn: number;
  tk: number;
}

/** 64×64 tiles of 4×4 per thread: the shape for products with many rows. */
const BIG: Tile = { wx: 16, wy: 16, tm: 4, tn: 4, tk: 16 };
/** 4×64 tiles: few rows (a single-row product, a depthwise convolution's one output channel per group). */
const THIN: Tile = { wx: 16, wy: 4, tm: 1, tn: 4, tk: 16 };

/** What a product reads and writes, as WGSL: bindings from 1 on, and the three functions
 *  `fn loadA(b: i32, row: i32, k: i32) -> f32`, `fn loadB(b: i32, k: i32, col: i32) -> f32` (called in range only) and
 *  `fn store(b: i32, row: i32, col: i32, v: f32)` (called for every element of C). The parameter block must have
 *  i32 fields M, N, K. */
export interface GemmSpec {
  /** The parameter block's declaration (ParamBlock.wgsl). */
  params: string;
  /** Binding declarations and helper functions. */
  decls: string;
  /** loadA, loadB and store. */
  fns: string;
}

function gemmShader(spec: GemmSpec, t: Tile): string {
  const bm = t.wy * t.tm, bn = t.wx * t.tn, threads = t.wx * t.wy;
  return `${spec.params}${spec.decls}
${spec.fns}
var<workgroup> As: array<f32, ${bm * t.tk}>;
var<workgroup> Bs: array<f32, ${t.tk * bn}>;
@compute @workgroup_size(${t.wx}, ${t.wy})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let b = i32(wid.z);
  let row0 = i32(wid.y) * ${bm};
  let col0 = i32(wid.x) * ${bn};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  var acc: array<f32, ${t.tm * t.tn}>;
  for (var k0 = 0; k0 < P.K; k0 += ${t.tk}) {
    // A's panel, stored [k][row]; consecutive threads take consecutive k (A is usually row-major [M,K])
    for (var e = i32(li); e < ${bm * t.tk}; e += ${threads}) {
      let r = e / ${t.tk};
      let kk = e % ${t.tk};
      var v = 0.0;
      if (row0 + r < P.M && k0 + kk < P.K) { v = loadA(b, row0 + r, k0 + kk); }
      As[kk * ${bm} + r] = v;
    }
    // B's panel, stored [k][col]; consecutive threads take consecutive columns
    for (var e = i32(li); e < ${t.tk * bn}; e += ${threads}) {
      let kk = e / ${bn};
      let c = e % ${bn};
      var v = 0.0;
      if (k0 + kk < P.K && col0 + c < P.N) { v = loadB(b, k0 + kk, col0 + c); }
      Bs[kk * ${bn} + c] = v;
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${t.tk}; kk++) {
      var a: array<f32, ${t.tm}>;
      var q: array<f32, ${t.tn}>;
      for (var m = 0; m < ${t.tm}; m++) { a[m] = As[kk * ${bm} + ty + m * ${t.wy}]; }
      for (var n = 0; n < ${t.tn}; n++) { q[n] = Bs[kk * ${bn} + tx + n * ${t.wx}]; }
      for (var m = 0; m < ${t.tm}; m++) {
        for (var n = 0; n < ${t.tn}; n++) { acc[m * ${t.tn} + n] = fma(a[m], q[n], acc[m * ${t.tn} + n]); }
      }
    }
    workgroupBarrier();
  }
  for (var m = 0; m < ${t.tm}; m++) {
    for (var n = 0; n < ${t.tn}; n++) {
      let row = row0 + ty + m * ${t.wy};
      let col = col0 + tx + n * ${t.wx};
      if (row < P.M && col < P.N) { store(b, row, col, acc[m * ${t.tn} + n]); }
    }
  }
}
`;
}

/** Encodes the product of `spec` over `batch` products of M×N (M, N, K also packed into `params`). */
export function gemm<K extends string>(
  dev: WebGPUDevice, spec: GemmSpec, block: ParamBlock<K>, values: Record<K, number | readonly number[]>,
  buffers: readonly GPUBuffer[], batch: number, m: number, n: number,
): void {
  if (batch === 0 || m === 0 || n === 0) return;
  const t = m >= 32 ? BIG : THIN;
  const bm = t.wy * t.tm, bn = t.wx * t.tn;
  dev.dispatch(gemmShader(spec, t), block.pack(values), buffers, [Math.ceil(n / bn), Math.ceil(m / bm), batch]);
}
