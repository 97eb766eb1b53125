// The wasm backend's kernels: conv2d forward, its input and weight gradients, and matmul, each copying its
// Float32Array operands into the runtime's arena, running a task (split over threads) and copying out.
// 3×3 stride-1 convolutions with enough channels run as Winograd transforms around 16 or 36 GEMMs (forward,
// input and weight gradients); the others as GEMM over im2col panels, or direct for few output channels.
// Input gradients run as a forward convolution of dy with flipped, transposed weights, or as GEMM + col2im.
// A convolution whose window covers its whole input (1×1 output, LeNet's C5) runs as a plain matmul. Depthwise
// convolutions have their own tasks (forward, weight gradient); 1×1 ones run as GEMMs on the planes (all three).
// Also: max, min and avg pooling, planeScatter (its backward), relu / relu mask, add/sub/mul/div on contiguous or
// row-broadcast operands, the activations (hardtanh, hardswish, hardsigmoid, silu, sigmoid, gelu) and their gradients,
// sums and batch norm's channel moments / affine map / backward; the other modes and ops of those kernels run on the reference kernels (below).
import type { ActivationOp, BinaryOp, ConvGeometry, FusedActivation, HostKernels, MatmulParams, PoolGeometry } from "../backend.js";
import type { DataArray } from "../../tensor/dtype.js";
import { jsKernels } from "../js/index.js";
import { coalesce } from "../js/memory.js";
import { avgDivisors, tapRanges } from "../js/pool.js";
import type { WasmRuntime } from "./runtime.js";
import { TASK, WINO_BLOCK_BYTES, WINO_SCRATCH_BYTES, taskArgs, type WinoTilesArgs } from "./tasks.js";

/** Work (in FLOPs) below which a call runs on one thread: waking a worker costs a few microseconds. */
const MIN_PARALLEL_FLOPS = 2e6;
/** Target block sizes: KC rows of the shared dimension (B panel fits L1), NC columns per unit (B block fits L2). */
const KC_TARGET = 256;
const NC_TARGET = 256;
/** Stride-1 convolutions with at most this many output channels per group run direct (no im2col): with few
 *  channels the GEMM does only 2·Cout FLOPs per packed im2col element, so packing dominated. */
let DIRECT_MAX_COUT = 32;
/** For measurements: the largest per-group Cout that runs direct (0: never). */
export function setDirectMaxCout(v: number): void { DIRECT_MAX_COUT = v; }

/** Stride-1 im2col from a zero-padded copy of the input (row runs as vectors); off: bounds-checked reads. */
let PADDED_IM2COL = true;
/** For measurements: turn the padded im2col copy on or off. */
export function setPaddedIm2col(on: boolean): void { PADDED_IM2COL = on; }

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;

/** Whether every value is finite. Winograd's tile transforms spread a NaN or ±∞ over their whole tile, and the input
 *  gradient computed as a convolution of the padded gradient multiplies that padding by a non-finite weight, where the
 *  reference (and PyTorch's im2col/col2im) has no product; a result holding one is recomputed by the paths that give
 *  the reference's pattern. Scanning a result costs little beside the convolution that made it. */
function allFinite(a: Float32Array): boolean {
  // v·0 is 0 for a finite v and NaN for NaN or ±∞: a sum without branches (20 % faster than testing each value)
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * 0;
  return s === 0;
}

/** Splits `total` into blocks of about `target`, with the block count rounded so that `outer`×count units
 *  share evenly among `nth` threads when `outer` alone cannot. Returns the block size (a multiple of `align`). */
function blockSize(total: number, target: number, align: number, outer: number, nth: number): number {
  let count = Math.max(1, Math.ceil(total / target));
  if (nth > 1 && (outer * count) % nth !== 0 && outer < 4 * nth) count = roundUp(count, nth / gcd(outer, nth));
  return Math.max(align, roundUp(Math.ceil(total / count), align));
}
function gcd(a: number, b: number): number { return b === 0 ? a : gcd(b, a % b); }

function threadsFor(rt: WasmRuntime, flops: number): number {
  return flops < MIN_PARALLEL_FLOPS ? 1 : rt.threads;
}

/** 3×3 stride-1 convolutions with ≥ 32 input and output channels run as Winograd transforms: measured faster than
 *  the GEMM and the direct paths there (bench/profile-winograd.ts); with fewer input channels its GEMMs are too short. */
let WINOGRAD = true, WINOGRAD4 = true;
/** For measurements: turn the Winograd path on or off, and its F(4×4, 3×3) variant. */
export function setWinograd(on: boolean, f4 = true): void { WINOGRAD = on; WINOGRAD4 = f4; }
/** Bytes of transformed input and GEMM output per chunk of tile rows (they stay in the outer caches). */
let WINOGRAD_CHUNK_BYTES = 8 << 20;
/** For tests: the chunk budget (small values force many chunks on small shapes). */
export function setWinogradChunkBytes(bytes: number): void { WINOGRAD_CHUNK_BYTES = bytes; }

/** Also ≥ 128 output pixels in all: on fewer (ResNet's 7×7 maps at batch 1) its transformed weights (1.8× the weights)
 *  cost what its fewer multiplications save, and the GEMM reads the weights in place with less memory. */
function winogradFits(g: ConvGeometry): boolean {
  return WINOGRAD && g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1
    && g.dilationW === 1 && g.groups === 1 && g.cIn >= 32 && g.cOut >= 32 && g.n * g.outH * g.outW >= 128;
}

/** What the Winograd tasks share for m×m output tiles: the zero-padded input (every tile's window inside, and room
 *  for the last 4-tile group's vector loads), per-thread scratch, and their parameter block for a chunk of tile rows. */
function winogradTiles(rt: WasmRuntime, g: ConvGeometry, xPtr: number, m: number, biasPtr: number) {
  const TH = Math.ceil(g.outH / m), TW = Math.ceil(g.outW / m);
  const HP = m * TH + 2, WP = m * roundUp(TW, 4) + (m === 4 ? 4 : 2);
  const xp = rt.allocF32(g.n * g.cIn * HP * WP + 16);
  rt.exports.padPlanes(xPtr, g.n * g.cIn, g.h, g.w, g.padTop, g.padLeft, HP, WP, xp);
  const scratch = rt.alloc(WINO_SCRATCH_BYTES * rt.threads), mPad = roundUp(g.cOut, 4);
  const fields = (row0: number, rows: number, src: number, dst: number): WinoTilesArgs => ({
    cIn: g.cIn, cOut: g.cOut, hp: HP, wp: WP, th: TH, tw: TW, row0, rows, src, dst, bias: biasPtr,
    outH: g.outH, outW: g.outW, mPad, scratch,
  });
  const geo = (row0: number, rows: number, src: number, dst: number) =>
    rt.args(taskArgs.winoTiles(fields(row0, rows, src, dst)));
  return { TW, totalRows: g.n * TH, mPad, geo, fields, xp };
}

/** Bytes of V and M a thread keeps per block of tile rows in the Winograd forward (within its 1 MiB L2). */
let WINOGRAD_UNIT_BYTES = 512 << 10;
/** For measurements and tests: the per-thread block budget (small values give one tile row per block). */
export function setWinogradUnitBytes(bytes: number): void { WINOGRAD_UNIT_BYTES = bytes; }
/** Transformed weights U up to this size go with per-thread blocks: every block reads all of U, which then stays in
 *  the L2 (measured, 2 threads: 8×64→64 on 56², U 0.6 MB, 14.5 → 11 ms; 1×128→128 on 28², U 2.4 MB, 1.30 → 1.44 ms);
 *  and only with ≥ 8 tile rows per thread: with fewer (ResNet's 56² maps at batch 1: 14 rows) the blocks' short GEMMs
 *  and ragged panels cost more than the chunks' (2.05 against 1.90 ms). */
let WINOGRAD_BLOCKS_MAX_U = 1 << 20;
const WINOGRAD_BLOCKS_MIN_ROWS = 8;
/** For measurements and tests: the largest U run in per-thread blocks (0: never, Infinity: always, whatever the rows). */
export function setWinogradBlocksMaxU(bytes: number): void { WINOGRAD_BLOCKS_MAX_U = bytes; }

/** Whether a Winograd call with `uBytes` of transformed weights (or of dU) and `totalRows` tile rows takes per-thread blocks. */
function winogradBlocksFit(uBytes: number, totalRows: number, nth: number): boolean {
  return uBytes <= WINOGRAD_BLOCKS_MAX_U && (totalRows >= WINOGRAD_BLOCKS_MIN_ROWS * nth || WINOGRAD_BLOCKS_MAX_U === Infinity);
}

/** Tile rows per thread's block: at most `fit` (the budget), at most half a thread's share, and the count that loads
 *  the busiest thread least (blocks alternate between threads: 14 rows in blocks of 2 gave one thread 8). */
function blockRows(totalRows: number, fit: number, nth: number): number {
  let best = 1, bestLoad = Infinity;
  for (let per = Math.max(1, Math.min(Math.floor(fit), Math.ceil(totalRows / (2 * nth)))); per >= 1; per--) {
    const load = Math.ceil(Math.ceil(totalRows / per) / nth) * per;
    if (load < bestLoad) { best = per; bestLoad = load; }
  }
  return best;
}

/** Winograd F(m×m, 3×3), m = 2 or 4: weights → U[ξ][Cout][Cin] (packed), input tiles → V[ξ][Cin][tiles], one GEMM
 *  M[ξ] = U[ξ]·V[ξ] per ξ of the (m+2)² transformed positions, then M → m×m output tiles (+ bias). With small U
 *  each thread takes blocks of tile rows through all three steps in its own buffers (V and M stay in its caches);
 *  with large U the threads share each step over chunks of tile rows (U is read once per chunk). F(4×4) where the
 *  maps give ≥ 4 tile columns (it transforms 2.25× more weights per call and wastes more on ragged edges), else F(2×2). */
function convWinograd(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, biasPtr: number, yPtr: number): void {
  const m = WINOGRAD4 && g.outW >= 16 && g.outH >= 8 ? 4 : 2, a = m + 2, nXi = a * a;
  const tasks = m === 4 ? [TASK.wino4Weight, TASK.wino4Input, TASK.wino4Output] : [TASK.winoWeight, TASK.winoInput, TASK.winoOutput];
  const C = g.cIn, cout = g.cOut, nth = threadsFor(rt, 2 * g.n * cout * g.outH * g.outW * C * 4);
  const { TW, totalRows, mPad, geo, fields, xp } = winogradTiles(rt, g, xPtr, m, biasPtr);
  const U = rt.allocF32(nXi * mPad * C);
  rt.run(tasks[0]!, geo(0, 0, wPtr, U), threadsFor(rt, 4 * nXi * cout * C));
  const KC = Math.ceil(C / Math.ceil(C / KC_TARGET));
  if (winogradBlocksFit(nXi * mPad * C * 4, totalRows, nth)) {
    const per = blockRows(totalRows, WINOGRAD_UNIT_BYTES / (nXi * TW * (C + cout) * 4), nth);
    const T = per * TW, NC = T <= 256 ? roundUp(T, 8) : 256;
    // per thread: 3 parameter blocks, V, M (+ 16 floats each: the transforms move whole 4-tile vectors), GEMM panels
    const mOff = 3 * WINO_BLOCK_BYTES + roundUp(nXi * C * T * 4 + 64, 64), gemmOff = mOff + roundUp(nXi * cout * T * 4 + 64, 64);
    const stride = roundUp(gemmOff + 256 + NC * KC * 4, 64);
    const buf = rt.alloc(stride * nth);
    const args = taskArgs.winoFused({
      m, u: U, totalRows, unitRows: per, kc: KC, buf, bufStride: stride, mOff, gemmOff,
    }, fields(0, 0, xp, yPtr));
    rt.run(TASK.winoFused, rt.args(args), nth);
    return;
  }
  const rowsPerChunk = Math.max(1, Math.min(totalRows, Math.floor(WINOGRAD_CHUNK_BYTES / (nXi * TW * (C + cout) * 4))));
  const lastRows = totalRows - Math.floor((totalRows - 1) / rowsPerChunk) * rowsPerChunk;
  const ncFor = (T: number) => blockSize(T, NC_TARGET, 8, nXi, nth);
  const NCmax = Math.max(ncFor(rowsPerChunk * TW), ncFor(lastRows * TW));
  const bufStride = 256 + roundUp(NCmax, 8) * KC * 4;
  const buf = rt.alloc(bufStride * nth);
  // + 16: the output transform reads whole 4-tile vectors past the last tile
  const V = rt.allocF32(nXi * C * rowsPerChunk * TW + 16), M = rt.allocF32(nXi * cout * rowsPerChunk * TW + 16);
  for (let row0 = 0; row0 < totalRows; row0 += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, totalRows - row0), T = rows * TW;
    rt.run(tasks[1]!, geo(row0, rows, xp, V), nth);
    const mm = taskArgs.matmul({
      batch: nXi, m: cout, n: T, k: C, a: U, aStride: mPad * C, b: V, bStride: C * T, bRowStride: T, bColStride: 1, c: M,
      nc: ncFor(T), kc: KC, buf, bufStride, accumulate: false, epilogue: 0, mc: 0, lda: 0,
    });
    rt.run(TASK.matmul, rt.args(mm), nth);
    rt.run(tasks[2]!, geo(row0, rows, M, yPtr), nth);
  }
}

/** Weight gradient by Winograd F(2×2, 3×3): V[16][Cin][tiles] from x (as forward), Ŷ[16][Cout][tiles] from dy
 *  (A·dy·Aᵀ), 16 GEMMs dU[ξ] = Ŷ[ξ]·V[ξ]ᵀ per chunk of tile rows (summed over the chunks), then dW = Gᵀ·dU·G.
 *  Returns the arena offset of dW [Cout, Cin, 3, 3]. */
function convWinogradWeight(rt: WasmRuntime, g: ConvGeometry, xPtr: number, dyPtr: number): number {
  const C = g.cIn, cout = g.cOut, nth = threadsFor(rt, 2 * g.n * cout * g.outH * g.outW * C * 4);
  const { TW, totalRows, mPad, geo, fields, xp } = winogradTiles(rt, g, xPtr, 2, 0);
  // partial sums of dU [16][Cout][Cin]: one per thread (blocks) or per chunk of tile rows
  let parts: number, count: number;
  if (winogradBlocksFit(16 * mPad * C * 4, totalRows, nth)) {
    // per-thread blocks of tile rows, each thread summing into its own dU (as the forward's blocks)
    const per = blockRows(totalRows, WINOGRAD_UNIT_BYTES / (16 * TW * (C + mPad) * 4), nth);
    // the GEMM's shared dimension is a unit's tiles, in blocks of ≤ KC_TARGET
    const T = per * TW, KC = Math.min(T, KC_TARGET), NC = C <= 256 ? roundUp(C, 8) : 256;
    const yOff = 3 * WINO_BLOCK_BYTES + roundUp(16 * C * T * 4 + 64, 64), gemmOff = yOff + roundUp(16 * mPad * T * 4, 64);
    const stride = roundUp(gemmOff + 256 + NC * KC * 4, 64);
    const buf = rt.alloc(stride * nth);
    parts = rt.allocF32(nth * 16 * C * cout);
    count = nth;
    const args = taskArgs.winoFused({
      m: 2, u: parts, totalRows, unitRows: per, kc: KC, buf, bufStride: stride, mOff: yOff, gemmOff,
    }, fields(0, 0, xp, dyPtr));
    rt.run(TASK.winoFusedWeight, rt.args(args), nth);
  } else {
    const rowsPerChunk = Math.max(1, Math.min(totalRows, Math.floor(WINOGRAD_CHUNK_BYTES / (16 * TW * (2 * C + cout) * 4))));
    const Tmax = rowsPerChunk * TW;
    count = Math.ceil(totalRows / rowsPerChunk);
    // + 16: V's 4-tile groups reach a vector past the end
    // Yp: Ŷ[ξ] written by the dy transform as packed A panels (4 output channels each) over the chunk's tiles
    const V = rt.allocF32(16 * C * Tmax + 16), Yp = rt.allocF32(16 * mPad * Tmax);
    parts = rt.allocF32(count * 16 * C * cout);
    const NC = blockSize(C, NC_TARGET, 8, 16, nth);
    const kcFor = (T: number) => Math.ceil(T / Math.ceil(T / KC_TARGET));
    const KCmax = Math.max(kcFor(Tmax), kcFor(totalRows * TW - (count - 1) * Tmax));
    const bufStride = 256 + roundUp(NC, 8) * KCmax * 4;
    const buf = rt.alloc(bufStride * nth);
    for (let c = 0; c < count; c++) {
      const row0 = c * rowsPerChunk, rows = Math.min(rowsPerChunk, totalRows - row0), T = rows * TW;
      rt.run(TASK.winoInput, geo(row0, rows, xp, V), nth);
      rt.run(TASK.winoGradOutput, geo(row0, rows, dyPtr, Yp), nth);
      // B = V[ξ]ᵀ: element (t, ci) at ci·T + t (row stride 1, column stride T)
      const mm = taskArgs.matmul({
        batch: 16, m: cout, n: C, k: T, a: Yp, aStride: mPad * T, b: V, bStride: C * T, bRowStride: 1, bColStride: T,
        c: parts + c * 16 * C * cout * 4, nc: NC, kc: kcFor(T), buf, bufStride, accumulate: false, epilogue: 0, mc: 0, lda: 0,
      });
      rt.run(TASK.matmul, rt.args(mm), nth);
    }
  }
  let sum = parts;
  if (count > 1) {
    sum = rt.allocF32(16 * C * cout);
    rt.exports.sumPartials(parts, count, 16 * C * cout, 16 * C * cout, sum);
  }
  const dW = rt.allocF32(cout * C * 9);
  rt.run(TASK.winoWeightGrad, geo(0, 0, sum, dW), threadsFor(rt, 64 * cout * C));
  return dW;
}

/** What a convolution applies to the values it writes (Kernels.conv2d): act(scale[c]·sum + bias[c] + residual). The
 *  pointers are 0 for none; `bias` only with a scale (without one, the kernels add the bias as the unfused convolution
 *  does, so that an activation alone leaves the values the separate op would give). */
interface Epilogue { scale: number; bias: number; residual: number; act: FusedActivation | null; lo: number; hi: number }

/** The epilogue block in the arena that the tasks read (its layout: elementwise.as), for the output at yPtr. */
function epilogueBlock(rt: WasmRuntime, e: Epilogue, yPtr: number): number {
  const p = rt.alloc(28), v = new DataView(rt.memory.buffer, p, 28);
  v.setInt32(0, e.act ? ACTIVATION_CODE[e.act] : -1, true);
  v.setFloat32(4, e.lo, true);
  v.setFloat32(8, e.hi, true);
  v.setUint32(12, e.scale, true);
  v.setUint32(16, e.bias, true);
  v.setUint32(20, e.residual, true);
  v.setUint32(24, yPtr, true);
  return p;
}

/** Forward convolution over operands already in the arena (`wPtr`: the weights as given, [Cout, Cin/groups, kh, kw]);
 *  `winograd` false keeps to the direct and GEMM paths. An epilogue is applied by the depthwise, 1×1 and im2col GEMM
 *  paths to what they have just written, by the others in a pass afterwards. */
function convForwardPtrs(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, biasPtr: number, yPtr: number,
  winograd = true, ep: Epilogue | null = null): void {
  const wino = winograd && winogradFits(g);
  if (depthwiseFits(g) && !wino) { convDepthwise(rt, g, xPtr, wPtr, biasPtr, yPtr, ep ? epilogueBlock(rt, ep, yPtr) : 0); return; }
  // The GEMM paths add the bias too in the epilogue, to each block of outputs as it is finished (not in a pass before),
  // with or without an activation: so a fused activation leaves the values the separate op would give.
  const gemmEpilogue = (): number => {
    const e: Epilogue = ep
      ? { scale: ep.scale, bias: ep.bias || biasPtr, residual: ep.residual, act: ep.act, lo: ep.lo, hi: ep.hi }
      : { scale: 0, bias: biasPtr, residual: 0, act: null, lo: 0, hi: 0 };
    return e.bias || e.scale || e.residual || e.act ? epilogueBlock(rt, e, yPtr) : 0;
  };
  if (pointwiseFits(g) && !wino) { convPointwise(rt, g, xPtr, wPtr, yPtr, gemmEpilogue()); return; }
  if (!wino && !directFits(g)) { convIm2colGemm(rt, g, xPtr, wPtr, yPtr, gemmEpilogue()); return; }
  if (wino) convWinograd(rt, g, xPtr, wPtr, biasPtr, yPtr);
  else convDirect(rt, g, xPtr, wPtr, biasPtr, yPtr);
  if (ep) {
    const planes = g.n * g.cOut, hw = g.outH * g.outW;
    const args = taskArgs.epilogue({ y: yPtr, planes, c: g.cOut, hw, epilogue: epilogueBlock(rt, ep, yPtr) });
    rt.run(TASK.epilogue, rt.args(args), threadsFor(rt, MIN_PARALLEL_ELEMENT_FLOPS * planes * hw));
  }
}

/** A convolution with nothing to sum or nothing to write (no image, channel, output pixel or tap): the reference's
 *  loops handle it (the output is the bias, or empty); the tasks' block sizes would divide by zero. */
function emptyGeometry(g: ConvGeometry): boolean {
  return g.n * g.cIn * g.cOut * g.outH * g.outW * g.kh * g.kw === 0;
}

/** Stride-1, undilated convolutions with few output channels per group run direct, without im2col. */
function directFits(g: ConvGeometry): boolean {
  return g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 && g.cOut / g.groups <= DIRECT_MAX_COUT;
}

/** The direct paths (directFits), bias included. */
function convDirect(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, biasPtr: number, yPtr: number): void {
  const nth = threadsFor(rt, 2 * g.n * g.cOut * g.outH * g.outW * (g.cIn / g.groups) * g.kh * g.kw);
  if (channelVectorsFit(g)) {
    convDirectChannels(rt, g, xPtr, wPtr, biasPtr, yPtr, nth);
    return;
  }
  // Direct convolution from a zero-padded copy of the input: rows up to OH+KH−1, columns up to the last
  // 8-pixel block's reach (with one output channel per group and KW ≤ 5: 16-pixel blocks read 20 columns).
  const oneChannel = g.cOut === g.groups && g.kw <= 5;
  const HP = g.outH + g.kh - 1, WP = oneChannel ? roundUp(g.outW, 16) + 4 : roundUp(g.outW, 8) + g.kw - 1;
  const xp = rt.allocF32(g.n * g.cIn * HP * WP);
  rt.exports.padPlanes(xPtr, g.n * g.cIn, g.h, g.w, g.padTop, g.padLeft, HP, WP, xp);
  const buf = rt.alloc(128 * nth);
  const packed = packWeights(rt, g, wPtr);
  const args = taskArgs.convDirect({ xp, packed, y: yPtr, bias: biasPtr, hp: HP, wp: WP, buf }, g);
  rt.run(TASK.convDirect, rt.args(args), nth);
}

/** The GEMM over im2col panels; `epilogue`: an epilogue block (bias included) each unit applies to its outputs, or 0. */
function convIm2colGemm(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, yPtr: number, epilogue: number): void {
  const cinG = g.cIn / g.groups, coutG = g.cOut / g.groups;
  const K = cinG * g.kh * g.kw, P = g.outH * g.outW;
  const nth = threadsFor(rt, 2 * g.n * g.cOut * P * K);
  // With padding, im2col reads a zero-padded copy (every tap inside): panels crossing output rows are filled with one
  // vector pair per row run (stride 1) or with unchecked loads (other strides) instead of bounds-checked scalars.
  let src = xPtr, H = g.h, W = g.w, padTop = g.padTop, padLeft = g.padLeft;
  const reachH = (g.outH - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1, reachW = (g.outW - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1;
  if (PADDED_IM2COL && g.kh * g.kw > 1 && (padTop > 0 || padLeft > 0 || reachH - padTop > g.h || reachW - padLeft > g.w)) {
    H = reachH;
    W = reachW;
    src = rt.allocF32(g.n * g.cIn * H * W);
    rt.exports.padPlanes(xPtr, g.n * g.cIn, g.h, g.w, padTop, padLeft, H, W, src);
    padTop = 0; padLeft = 0;
  }
  // Too few (image, group, pixel block) units to keep the threads busy (small maps at batch 1): split the output
  // channels among the threads instead, so that each reads only its share of the weights.
  const outer = g.n * g.groups, colBlocks = Math.ceil(P / NC_TARGET);
  const splitM = nth > 1 && outer * colBlocks < 2 * nth && coutG >= 16 * nth;
  const NC = splitM ? roundUp(Math.ceil(P / colBlocks), 8) : blockSize(P, NC_TARGET, 8, outer, nth);
  const MC = splitM ? roundUp(Math.ceil(coutG / nth), 4) : roundUp(coutG, 4);
  // Split that way, each weight is used by one unit only: read the weights in place rather than pack them.
  const aPtr = splitM ? 0 : packWeights(rt, g, wPtr);
  const KC = Math.ceil(K / Math.ceil(K / KC_TARGET));
  // + 32: the last row run of a panel stores a whole vector pair past the panel's end
  const bufStride = 256 + roundUp(NC, 8) * KC * 4 + 32;
  const buf = rt.alloc(bufStride * nth);
  rt.alloc(64); // and reads up to 8 floats past a run's start: keep the input away from the memory's end
  const args = taskArgs.convForward({
    h: H, w: W, padTop, padLeft, x: src, packed: aPtr, y: yPtr, nc: NC, kc: KC, buf, bufStride, mc: MC,
    weights: wPtr, epilogue,
  }, g);
  rt.run(TASK.convForward, rt.args(args), nth);
}

/** Depthwise convolutions (groups = cIn = cOut) run on their own task, from a zero-padded band of rows per thread
 *  (no padded copy of the input, no im2col), two output rows at a time (bench/profile-depthwise.ts, 2 threads, against
 *  the direct kernel or the GEMM over im2col panels: 32@112² 3×3 0.54 → 0.49 ms, 96@56² 7×7 2.8 → 0.95 ms,
 *  96@112² 3×3 stride 2 8.2 → 0.97 ms; 576@14² 3×3 0.32 against 0.35 ms, on par). */
let DEPTHWISE: "auto" | "always" | "never" = "auto";
/** For measurements and tests: the depthwise task where it is faster ("auto": every depthwise shape with kernels up to
 *  7×7), for every depthwise shape, or never. */
export function setDepthwise(mode: boolean | "auto" | "always" | "never"): void {
  DEPTHWISE = mode === true ? "auto" : mode === false ? "never" : mode;
}
/** Kernels up to 7×7, the sizes measured (its padded row band holds kw − 1 extra columns per row; a 1500-wide kernel
 *  would run for minutes where col2im refuses it at once for its memory). */
const DEPTHWISE_MAX_KERNEL = 7;
function depthwiseFits(g: ConvGeometry): boolean {
  return DEPTHWISE !== "never" && g.groups === g.cIn && g.cIn === g.cOut
    && (DEPTHWISE === "always" || (g.kh <= DEPTHWISE_MAX_KERNEL && g.kw <= DEPTHWISE_MAX_KERNEL));
}

/** y = x ⋆ w per plane (+ bias), w [c, 1, kh, kw] at wPtr; units (plane, band of an even number of output rows):
 *  bands of ~16 KB of padded input rows (in L1), more of them where the planes alone are too few for the threads. */
function convDepthwise(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, biasPtr: number, yPtr: number, ep = 0): void {
  const planes = g.n * g.cIn, nth = threadsFor(rt, 2 * planes * g.outH * g.outW * g.kh * g.kw);
  // the buffer's columns: up to the reads of the row's last 16 pixels (+ 1 float for stride 2's pairs of loads)
  const wp = roundUp((roundUp(g.outW, 16) - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1 + (g.strideW === 2 ? 1 : 0), 4);
  const bandRows = (rows: number) => (rows - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1;
  let rows = 2;
  while (rows < g.outH && bandRows(rows + 2) * wp * 4 <= 16384) rows += 2;
  const minBands = Math.ceil((8 * nth) / planes);
  if (nth > 1 && Math.ceil(g.outH / rows) < minBands) rows = Math.max(2, roundUp(Math.ceil(g.outH / minBands), 2));
  // 32 floats for the last blocks of rows, the table of band rows (8 bytes per row a pair reads), the band
  const bufStride = 128 + roundUp(8 * ((g.kh - 1) * g.dilationH + g.strideH + 1), 64) + roundUp(bandRows(rows) * wp * 4, 64);
  const buf = rt.alloc(bufStride * nth);
  const args = taskArgs.convDepthwise({ x: xPtr, weights: wPtr, y: yPtr, bias: biasPtr, rows, buf, bufStride, wp, epilogue: ep }, g);
  rt.run(TASK.convDepthwise, rt.args(args), nth);
}

/** Depthwise weight gradients (kernels up to 7×7) run on their own task, split by channel: before it they went to the
 *  direct kernel or the GEMM over im2col panels of one output channel each (bench/profile-mobile-grads.ts). */
let DEPTHWISE_WEIGHT = true;
/** For measurements and tests: turn the depthwise weight-gradient task on or off. */
export function setDepthwiseWeight(on: boolean): void { DEPTHWISE_WEIGHT = on; }
function depthwiseWeightFits(g: ConvGeometry): boolean {
  return DEPTHWISE_WEIGHT && depthwiseFits(g) && g.kh <= DEPTHWISE_MAX_KERNEL && g.kw <= DEPTHWISE_MAX_KERNEL;
}

/** dW [c, kh, kw] of a depthwise convolution into dwPtr: each channel's taps summed over the batch by one thread, along
 *  output rows, from bands of ~16 KB of zero-padded input rows (as the forward). */
function convDepthwiseWeight(rt: WasmRuntime, g: ConvGeometry, xPtr: number, dyPtr: number, dwPtr: number): void {
  const nth = threadsFor(rt, 2 * g.n * g.cIn * g.outH * g.outW * g.kh * g.kw);
  // the buffer's columns: up to the reads of the row's last 4 pixels (+ 1 float for stride 2's pairs of loads)
  const wp = roundUp((roundUp(g.outW, 4) - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1 + (g.strideW === 2 ? 1 : 0), 4);
  const bandRows = (rows: number) => (rows - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1;
  let rows = 1;
  while (rows < g.outH && bandRows(rows + 1) * wp * 4 <= 16384) rows++;
  const bufStride = roundUp(16 * g.kh * g.kw, 64) + roundUp(bandRows(rows) * wp * 4, 64);
  const buf = rt.alloc(bufStride * nth);
  const args = taskArgs.convDepthwiseWeight({ x: xPtr, dy: dyPtr, dw: dwPtr, rows, buf, bufStride, wp }, g);
  rt.run(TASK.convDepthwiseWeight, rt.args(args), nth);
}

/** 1×1 convolutions that read every input pixel (stride 1, no padding, one group) run as the matmul task straight on
 *  the planes: y[n] = W·x[n] with x[n] [cIn, h·w] as B (row stride h·w); the im2col panels copied the whole input. */
let POINTWISE_GEMM = true;
/** For measurements and tests: turn the 1×1 GEMM on the planes on or off. */
export function setPointwiseGemm(on: boolean): void { POINTWISE_GEMM = on; }
function pointwiseFits(g: ConvGeometry): boolean {
  return POINTWISE_GEMM && g.kh === 1 && g.kw === 1 && g.groups === 1 && g.padTop === 0 && g.padLeft === 0
    && g.outH === g.h && g.outW === g.w && (g.strideH === 1 || g.h === 1) && (g.strideW === 1 || g.w === 1);
}

/** y[n] = W·x[n] (+ bias: y is filled with it first and the GEMM accumulates onto it), one batch item per image. */
function convPointwise(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, yPtr: number, ep: number): void {
  const P = g.h * g.w, K = g.cIn, nth = threadsFor(rt, 2 * g.n * g.cOut * P * K);
  // Too few (image, pixel block) units for the threads (7² and 14² maps at batch 1): blocks of output channels share
  // the work instead (bench/profile-pointwise.ts, two threads: 464→1024 at 7² 1.02 → 0.62 ms, 232→232 at 7² 128 →
  // 89 µs). Where each weight is then read by one unit only, it is read in place: packing it cost more than it saved
  // (3–5 % on one thread at 7² and 14²), as in the convolution task.
  const colBlocks = Math.ceil(P / NC_TARGET);
  const splitM = nth > 1 && g.n * colBlocks < 2 * nth && g.cOut >= 16 * nth;
  const NC = splitM ? roundUp(Math.ceil(P / colBlocks), 8) : blockSize(P, NC_TARGET, 8, g.n, nth);
  const MC = splitM ? roundUp(Math.ceil(g.cOut / nth), 4) : 0;
  const raw = splitM || g.n * colBlocks === 1;
  const packed = raw ? wPtr : packWeights(rt, g, wPtr);
  const KC = Math.ceil(K / Math.ceil(K / KC_TARGET));
  const bufStride = 256 + roundUp(NC, 8) * KC * 4;
  const buf = rt.alloc(bufStride * nth);
  const args = taskArgs.matmul({
    batch: g.n, m: g.cOut, n: P, k: K, a: packed, aStride: 0, b: xPtr, bStride: K * P, bRowStride: P, bColStride: 1, c: yPtr,
    nc: NC, kc: KC, buf, bufStride, accumulate: false, epilogue: ep, mc: MC, lda: raw ? K : 0,
  });
  rt.run(TASK.matmul, rt.args(args), nth);
}

/** The 1×1 gradients as the matmul task straight on the planes too, where the forward takes it: before, dx ran as the
 *  transposed convolution (weights flipped, dx scanned for non-finite values) and dW on the direct kernel (a padded copy
 *  of x) or the GEMM over im2col panels. */
let POINTWISE_GRADS = true;
/** For measurements and tests: turn the 1×1 gradients on the planes on or off. */
export function setPointwiseGrads(on: boolean): void { POINTWISE_GRADS = on; }
function pointwiseGradsFit(g: ConvGeometry): boolean {
  return POINTWISE_GRADS && pointwiseFits(g);
}

/** c[b] (+)= A[b]·B[b] for b < batch by the matmul task: A packed (aStride floats per batch item, 0: shared) or, with
 *  lda > 0, read in place (rows of lda floats), B [k, n] read through element strides (rs, cs), bStride floats per batch
 *  item; c[b] at c + b·m·n floats. */
function gemmOnPlanes(rt: WasmRuntime, batch: number, m: number, n: number, k: number, a: number, aStride: number,
  b: number, bStride: number, rs: number, cs: number, c: number, accumulate = false, lda = 0): void {
  const nth = threadsFor(rt, 2 * batch * m * n * k);
  const NC = blockSize(n, NC_TARGET, 8, batch, nth), KC = k > 0 ? Math.ceil(k / Math.ceil(k / KC_TARGET)) : 1;
  const bufStride = 256 + roundUp(NC, 8) * KC * 4;
  const buf = rt.alloc(bufStride * nth);
  const args = taskArgs.matmul({
    batch, m, n, k, a, aStride, b, bStride, bRowStride: rs, bColStride: cs, c, nc: NC, kc: KC, buf, bufStride, accumulate, epilogue: 0, mc: 0, lda,
  });
  rt.run(TASK.matmul, rt.args(args), nth);
}

/** 1×1 dx[n] = Wᵀ·dy[n]: Wᵀ packed from the weights as they are (A[ci, co] = w[co, ci]), dy[n] [cOut, h·w] as B. */
function pointwiseBackwardInput(rt: WasmRuntime, g: ConvGeometry, dyPtr: number, wPtr: number, dxPtr: number): void {
  const P = g.h * g.w, packed = rt.allocF32(roundUp(g.cIn, 4) * g.cOut);
  rt.exports.packA(wPtr, 1, g.cIn, g.cIn, g.cOut, packed);
  gemmOnPlanes(rt, g.n, g.cIn, P, g.cOut, packed, 0, dyPtr, g.cOut * P, P, 1, dxPtr);
}

/** Bytes of per-image partial dW the 1×1 weight gradient may take; past them, per-thread partials. */
const POINTWISE_PARTIALS_BYTES = 4 << 20;

/** 1×1 dW = Σ_n dy[n]·x[n]ᵀ: dy[n] [cOut, h·w] read in place as A (rows of h·w floats), x[n] read transposed as B
 *  (element (p, ci) at ci·h·w + p). One partial dW per image, in one task over (image, column block) units, then
 *  summed; where those would take over 4 MB (320→1280 on 3² at batch 8: 13 MB, written and read again), the images go
 *  in rounds of one per thread, each thread's partial accumulating over its rounds. dy is not packed: each of its
 *  values is used by one or two column blocks only (cIn ≤ 512), and packing it all on the calling thread took 30 of a
 *  MobileNetV2 training step's ~440 ms (batch 32, 96²). */
function pointwiseBackwardWeight(rt: WasmRuntime, g: ConvGeometry, xPtr: number, dyPtr: number, dwPtr: number): void {
  const P = g.h * g.w, total = g.cOut * g.cIn;
  if (g.n === 0) { rt.f32(dwPtr, total).fill(0); return; } // no image: no GEMM writes dW
  const per = g.n * total * 4 <= POINTWISE_PARTIALS_BYTES ? g.n : Math.min(g.n, threadsFor(rt, 2 * g.n * total * P));
  const parts = per > 1 ? rt.allocF32(per * total) : dwPtr;
  for (let i0 = 0; i0 < g.n; i0 += per) {
    gemmOnPlanes(rt, Math.min(per, g.n - i0), g.cOut, g.cIn, P, dyPtr + i0 * g.cOut * P * 4, g.cOut * P, xPtr + i0 * g.cIn * P * 4,
      g.cIn * P, 1, P, parts, i0 > 0, P);
  }
  if (per > 1) rt.exports.sumPartials(parts, per, total, total, dwPtr);
}

/** Stride-1 convolutions with 5–16 output channels whose rows leave ≥ 20 % of their 8-pixel blocks empty (LeNet's C3:
 *  10-pixel rows in 16) run vectorised over the channels, with no pixel wasted at row ends: C3's forward 1.4 → 0.8–1.2
 *  ms; on 28-pixel rows (C1, 12 % empty) the pixel-vector kernel stays faster (bench/profile-conv.ts). */
let CHANNEL_VECTORS = true;
/** For measurements and tests: turn the channel-vector direct convolution on or off. */
export function setChannelVectors(on: boolean): void { CHANNEL_VECTORS = on; }
/** Whether a direct (stride 1, dilation 1, few channels) convolution takes the channel-vector kernel. */
export function channelVectorsFit(g: ConvGeometry): boolean {
  return CHANNEL_VECTORS && g.groups === 1 && g.cOut > 4 && g.cOut <= 16 && roundUp(g.outW, 8) >= 1.25 * g.outW;
}

/** The channel-vector direct convolution (groups 1, 5 ≤ Cout ≤ 16): weights as [tap][channels padded to 8 or 16],
 *  the input offset of every tap, and a zero-padded input in which every window lies. */
function convDirectChannels(rt: WasmRuntime, g: ConvGeometry, xPtr: number, wPtr: number, biasPtr: number, yPtr: number, nth: number): void {
  const nv = g.cOut > 8 ? 4 : 2, lanes = 4 * nv, P = g.outH * g.outW;
  const { xp, WP, planeX, K, offsPtr } = channelTaps(rt, g, xPtr);
  const wc = rt.allocF32(K * lanes), bc = biasPtr ? rt.allocF32(lanes) : 0;
  rt.exports.transposeLanes(wPtr, g.cOut, K, lanes, wc);
  if (bc) rt.f32(bc, lanes).fill(0).set(rt.f32(biasPtr, g.cOut));
  // runs of ≤ 64 pixels, of equal length, so that the threads' shares hold equal work (with two runs per image, C3's
  // 100 pixels as 64 + 36 had given one thread all the long runs)
  const PIX = roundUp(Math.ceil(P / Math.ceil(P / 64)), 4), units = g.n * Math.ceil(P / PIX);
  const args = taskArgs.convDirectChannels({
    units, pix: PIX, images: g.n, p: P, outW: g.outW, wp: WP, planeX, cIn: g.cIn, cOut: g.cOut, k: K, offsets: offsPtr, xp,
    weights: wc, y: yPtr, bias: bc, nv,
  });
  rt.run(TASK.convDirectChannels, rt.args(args), nth);
}

/** Tables that depend on a geometry alone (tap offsets, tap ranges), kept under a key of its numbers: building them
 *  was a few microseconds of each kernel call of a small model. At most 256 are kept (a model has a few dozen). */
const geometryTables = new Map<string, Int32Array>();
function geometryTable(key: string, make: () => Int32Array): Int32Array {
  let t = geometryTables.get(key);
  if (!t) {
    if (geometryTables.size >= 256) geometryTables.clear();
    geometryTables.set(key, (t = make()));
  }
  return t;
}

/** The padded input and tap offsets of the channel-vector kernels: every tap of every output pixel inside. */
function channelTaps(rt: WasmRuntime, g: ConvGeometry, xPtr: number) {
  const HP = g.outH + g.kh - 1, WP = g.outW + g.kw - 1, K = g.cIn * g.kh * g.kw;
  const xp = rt.allocF32(g.n * g.cIn * HP * WP);
  rt.exports.padPlanes(xPtr, g.n * g.cIn, g.h, g.w, g.padTop, g.padLeft, HP, WP, xp);
  const offs = geometryTable(`taps ${g.cIn} ${g.kh} ${g.kw} ${HP} ${WP}`, () => {
    const o = new Int32Array(K);
    for (let ci = 0, t = 0; ci < g.cIn; ci++)
      for (let ky = 0; ky < g.kh; ky++)
        for (let kx = 0; kx < g.kw; kx++) o[t++] = ci * HP * WP + ky * WP + kx;
    return o;
  });
  return { xp, WP, planeX: HP * WP, K, offsPtr: rt.table(offs) };
}

/** Weight gradients of stride-1 convolutions with 9–16 output channels on rows under 16 pixels (LeNet's C3), where
 *  the pixel-vector direct kernel wastes its vectors and the GEMM spends as long building transposed panels (C3: 2.0 →
 *  0.8–1.0 ms at 2 threads), and with 5–8 output channels on any rows (C1: 0.90 → 0.74 ms on 1 thread, 0.65 → 0.43 on 2). */
function weightChannelsFit(g: ConvGeometry): boolean {
  return CHANNEL_VECTORS && g.groups === 1 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1
    && g.cOut > 4 && g.cOut <= 16 && (g.outW < 16 || g.cOut <= 8);
}

/** dW by the channel-vector task: per-thread partials [K][16], summed and transposed to [Cout][K] straight into dw. */
function convWeightChannels(rt: WasmRuntime, g: ConvGeometry, xPtr: number, dyPtr: number, nth: number, dw: Float32Array): void {
  const { xp, WP, planeX, K, offsPtr } = channelTaps(rt, g, xPtr);
  const P = g.outH * g.outW, parts = rt.allocF32(nth * K * 16), scratch = rt.allocF32(nth * P * 16);
  const args = taskArgs.convWeightChannels({
    n: g.n, outH: g.outH, outW: g.outW, wp: WP, planeX, cIn: g.cIn, cOut: g.cOut, k: K, offsets: offsPtr, xp, dy: dyPtr, parts,
    scratch,
  });
  rt.run(TASK.convWeightChannels, rt.args(args), nth);
  const part = rt.f32(parts, nth * K * 16);
  for (let co = 0; co < g.cOut; co++)
    for (let t = 0; t < K; t++) {
      let v = 0;
      for (let th = 0; th < nth; th++) v += part[(th * K + t) * 16 + co]!;
      dw[co * K + t] = v;
    }
}

/** Packs weights w:[cOut, cIn/groups·kh·kw] (at wPtr) into per-group A panels; returns their offset. */
function packWeights(rt: WasmRuntime, g: ConvGeometry, wPtr: number): number {
  const coutG = g.cOut / g.groups, K = (g.cIn / g.groups) * g.kh * g.kw, mPad = roundUp(coutG, 4);
  const aPtr = rt.allocF32(g.groups * mPad * K);
  for (let grp = 0; grp < g.groups; grp++)
    rt.exports.packA(wPtr + grp * coutG * K * 4, K, 1, coutG, K, aPtr + grp * mPad * K * 4);
  return aPtr;
}

/** Elements below which the elementwise kernels stay in JS: the copies and the call cost more than the loop. */
const MIN_WASM_ELEMENTS = 512;
/** Streaming kernels (batch norm) count this many "FLOPs" per element against MIN_PARALLEL_FLOPS: split from
 *  ~250k elements, where a pass takes ~0.1 ms and a worker's wake-up is small beside it. */
const MIN_PARALLEL_ELEMENT_FLOPS = 8;
const BINARY_CODE: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, reluGrad: 4 };
/** The activation task's op codes (elementwise.as). */
const ACTIVATION_CODE: Record<ActivationOp, number> = { hardtanh: 0, hardswish: 1, hardsigmoid: 2, silu: 3, sigmoid: 4, gelu: 5, geluTanh: 6, erf: 7 };
/** Elements from which an activation runs in wasm, and from which it is split over the threads (the clamps stream
 *  memory, so they count as batch norm's passes do; the sigmoids' exp and division make them ~4× dearer). */
let ACTIVATION_MIN_WASM = MIN_WASM_ELEMENTS;
let ACTIVATION_MIN_SPLIT: number | null = null;
/** For tests: the element counts from which the activations run in wasm and split over the threads (defaults:
 *  512 and the element-wise FLOP threshold), so that short and ragged lengths take both paths. */
export function setActivationThresholds(minWasm = MIN_WASM_ELEMENTS, minSplit: number | null = null): void {
  ACTIVATION_MIN_WASM = minWasm;
  ACTIVATION_MIN_SPLIT = minSplit;
}

/** Whether the convolution's window covers its whole input exactly: then y[n, co] = Σ_k x[n, k]·w[co, k] with
 *  k running over (ci, ky, kx) in memory order of both x[n] and w[co], i.e. y = X·Wᵀ, a matmul. */
function wholeInput(g: ConvGeometry): boolean {
  return g.groups === 1 && g.outH === 1 && g.outW === 1 && g.kh === g.h && g.kw === g.w && g.padTop === 0 && g.padLeft === 0
    && g.dilationH === 1 && g.dilationW === 1;
}


function timed<T>(rt: WasmRuntime, f: () => T): T {
  if (!rt.measure) return f();
  const t = performance.now();
  try {
    return f();
  } finally {
    rt.stats.calls++;
    rt.stats.totalMs += performance.now() - t;
  }
}

export function makeKernels(rt: WasmRuntime): Partial<HostKernels> {
  const conv2d: HostKernels["conv2d"] = (x, w, bias, g, y, scale = null, act = null, lo = 0, hi = 0, residual = null) =>
    timed(rt, () => {
      if (emptyGeometry(g)) { jsKernels.conv2d(x, w, bias, g, y, scale, act, lo, hi, residual); return; }
      if (wholeInput(g)) { conv2dWhole(x, w, bias, g, y, scale, act, lo, hi, residual); return; }
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const wPtr = rt.copyIn(w as Float32Array);
      const bPtr = bias ? rt.copyIn(bias as Float32Array) : 0, sPtr = scale ? rt.copyIn(scale as Float32Array) : 0;
      const rPtr = residual ? rt.copyIn(residual as Float32Array) : 0;
      const ep = scale || act || residual ? { scale: sPtr, bias: sPtr ? bPtr : 0, residual: rPtr, act, lo, hi } : null;
      const kernelBias = sPtr ? 0 : bPtr;
      const yPtr = rt.out(y as Float32Array, x, w, bias, scale, residual);
      convForwardPtrs(rt, g, xPtr, wPtr, kernelBias, yPtr, true, ep);
      // Winograd's transforms make NaN where a sum overflows: such an output is computed again without them
      if (winogradFits(g) && !allFinite(rt.f32(yPtr, y.length))) convForwardPtrs(rt, g, xPtr, wPtr, kernelBias, yPtr, false, ep);
      rt.copyOut(yPtr, y as Float32Array);
    });

  /** dx = col2im(W_gᵀ · dy_g): exact FLOPs, plus a scalar scatter-add of the column matrix. */
  const backwardInputCol2im = (dy: DataArray, w: DataArray, g: ConvGeometry, dx: DataArray): void => {
    const cinG = g.cIn / g.groups, coutG = g.cOut / g.groups, khw = g.kh * g.kw, K = cinG * khw, P = g.outH * g.outW;
    const nth = threadsFor(rt, 2 * g.n * g.cOut * P * K);
    const outer = g.n * g.groups;
    // Channel chunks: one per unit unless there are too few (image, group) pairs to share among the threads.
    const nChunks = outer >= 2 * nth || nth === 1 ? 1 : Math.min(cinG, nth * 2);
    const CH = Math.ceil(cinG / nChunks);
    const realChunks = Math.ceil(cinG / CH);
    const NC = Math.min(roundUp(P, 8), 256);
    const dyPtr = rt.copyIn(dy as Float32Array);
    const wPtr = rt.copyIn(w as Float32Array);
    const aStride = roundUp(CH * khw, 4) * coutG;
    const aPtr = rt.allocF32(g.groups * realChunks * aStride);
    for (let grp = 0; grp < g.groups; grp++)
      for (let c = 0; c < realChunks; c++) {
        const rows = Math.min(CH, cinG - c * CH) * khw;
        // A[r, co] = W[grp*coutG + co, c*CH*khw + r]: rows r of the chunk, element strides (1, K).
        rt.exports.packA(wPtr + (grp * coutG * K + c * CH * khw) * 4, 1, K, rows, coutG, aPtr + (grp * realChunks + c) * aStride * 4);
      }
    const dxPtr = rt.out(dx as Float32Array, dy, w);
    const bufStride = 256 + coutG * NC * 4 + roundUp(CH * khw, 4) * NC * 4;
    const buf = rt.alloc(bufStride * nth);
    const args = taskArgs.convInput({ dy: dyPtr, packed: aPtr, dx: dxPtr, nc: NC, ch: CH, aStride, buf, bufStride }, g);
    rt.run(TASK.convInput, rt.args(args), nth);
    rt.copyOut(dxPtr, dx as Float32Array);
  };

  /** Depthwise dx: the depthwise task on dy (zero-inserted for strides > 1) with each plane's weights flipped. It reads
   *  padding around dy that the reference never multiplies: only for finite weights, whose products with it are 0. */
  const depthwiseBackwardInput = (dy: DataArray, w: DataArray, g: ConvGeometry, dx: DataArray): void => {
    const wIn = rt.copyIn(w as Float32Array), wPtr = rt.allocF32(w.length);
    rt.exports.flipTransposeWeights(wIn, g.cIn, 1, 1, g.kh * g.kw, wPtr);
    const uh = (g.outH - 1) * g.strideH + 1, uw = (g.outW - 1) * g.strideW + 1;
    let dyPtr = rt.copyIn(dy as Float32Array);
    if (g.strideH > 1 || g.strideW > 1) {
      const up = rt.allocF32(g.n * g.cOut * uh * uw);
      rt.exports.upsampleZeros(dyPtr, g.n * g.cOut, g.outH, g.outW, g.strideH, g.strideW, up);
      dyPtr = up;
    }
    const gt: ConvGeometry = {
      ...g, h: uh, w: uw, strideH: 1, strideW: 1, outH: g.h, outW: g.w,
      padTop: (g.kh - 1) * g.dilationH - g.padTop, padLeft: (g.kw - 1) * g.dilationW - g.padLeft,
    };
    const dxPtr = rt.out(dx as Float32Array, dy, w);
    convDepthwise(rt, gt, dyPtr, wPtr, 0, dxPtr);
    rt.copyOut(dxPtr, dx as Float32Array);
  };

  const conv2dBackwardInput = (dy: DataArray, w: DataArray, g: ConvGeometry, dx: DataArray): void =>
    timed(rt, () => {
      if (emptyGeometry(g)) { jsKernels.conv2dBackwardInput(dy, w, g, dx); return; }
      if (wholeInput(g)) { matmulCore(dy, w, dx, mm(g.n, g.cIn * g.kh * g.kw, g.cOut, false, false)); return; }
      rt.begin();
      // The transposed convolution as a forward convolution costs (h·w)/(outH·outW) times the useful FLOPs (its
      // padding is zeros) and pads its M = cIn/groups to 4, except for one input channel and kernels ≤ 5 wide, which the
      // direct kernel takes as they are (S1: 0.99 → 0.86 ms on one thread, 1.05 → 0.65 on two); col2im costs exactly the useful FLOPs
      // plus a scatter.
      if (depthwiseFits(g) && allFinite(w as Float32Array)) { depthwiseBackwardInput(dy, w, g, dx); return; }
      if (pointwiseGradsFit(g)) {
        const dyPtr = rt.copyIn(dy as Float32Array), wPtr = rt.copyIn(w as Float32Array), dxPtr = rt.out(dx as Float32Array, dy, w);
        pointwiseBackwardInput(rt, g, dyPtr, wPtr, dxPtr);
        rt.copyOut(dxPtr, dx as Float32Array);
        return;
      }
      const oneChannel = g.cIn / g.groups === 1 && g.kw <= 5 && g.dilationH === 1 && g.dilationW === 1;
      if (g.strideH > 1 || g.strideW > 1 || g.h * g.w > 1.5 * g.outH * g.outW || (g.cIn / g.groups < 4 && !oneChannel)) {
        backwardInputCol2im(dy, w, g, dx);
        return;
      }
      const { n, cIn, cOut, kh, kw, groups } = g;
      const cinG = cIn / groups, coutG = cOut / groups;
      // W'[grp*cinG + ci, co, ky, kx] = W[grp*coutG + co, ci, kh-1-ky, kw-1-kx]: the transposed convolution's
      // weights, built in wasm (a JS loop took ~25 ms on a 512→512 3×3 layer).
      const wIn = rt.copyIn(w as Float32Array);
      const wPtr = rt.allocF32(w.length);
      rt.exports.flipTransposeWeights(wIn, groups, coutG, cinG, kh * kw, wPtr);
      // dy zero-inserted to stride 1: [n, cOut, (outH-1)*sh+1, (outW-1)*sw+1].
      const uh = (g.outH - 1) * g.strideH + 1, uw = (g.outW - 1) * g.strideW + 1;
      let dyPtr = rt.copyIn(dy as Float32Array);
      if (g.strideH > 1 || g.strideW > 1) {
        const up = rt.allocF32(n * cOut * uh * uw);
        rt.exports.upsampleZeros(dyPtr, n * cOut, g.outH, g.outW, g.strideH, g.strideW, up);
        dyPtr = up;
      }
      const gt: ConvGeometry = {
        n, cIn: cOut, h: uh, w: uw, cOut: cIn, kh, kw, strideH: 1, strideW: 1,
        padTop: (kh - 1) * g.dilationH - g.padTop, padLeft: (kw - 1) * g.dilationW - g.padLeft,
        dilationH: g.dilationH, dilationW: g.dilationW, groups, outH: g.h, outW: g.w,
      };
      const dxPtr = rt.out(dx as Float32Array, dy, w);
      convForwardPtrs(rt, gt, dyPtr, wPtr, 0, dxPtr);
      if (!allFinite(rt.f32(dxPtr, dx.length))) { backwardInputCol2im(dy, w, g, dx); return; }
      rt.copyOut(dxPtr, dx as Float32Array);
    });

  const conv2dBackwardWeight = (x: DataArray, dy: DataArray, g: ConvGeometry, dw: DataArray): void =>
    timed(rt, () => {
      if (emptyGeometry(g)) { jsKernels.conv2dBackwardWeight(x, dy, g, dw); return; }
      if (wholeInput(g)) { matmulCore(dy, x, dw, mm(g.cOut, g.cIn * g.kh * g.kw, g.n, true, false)); return; }
      rt.begin();
      const coutG = g.cOut / g.groups, K = (g.cIn / g.groups) * g.kh * g.kw, P = g.outH * g.outW;
      const flops = 2 * g.n * g.cOut * P * K;
      const nth = threadsFor(rt, flops);
      const dyPtr = rt.copyIn(dy as Float32Array);
      const xPtr = rt.copyIn(x as Float32Array); // after dy: the direct task's masked last vector reads past dy's end
      if (depthwiseWeightFits(g) || pointwiseGradsFit(g)) {
        const dwPtr = rt.out(dw as Float32Array, x, dy);
        if (depthwiseWeightFits(g)) convDepthwiseWeight(rt, g, xPtr, dyPtr, dwPtr);
        else pointwiseBackwardWeight(rt, g, xPtr, dyPtr, dwPtr);
        rt.copyOut(dwPtr, dw as Float32Array);
        return;
      }
      if (winogradFits(g)) {
        const dW = convWinogradWeight(rt, g, xPtr, dyPtr);
        if (allFinite(rt.f32(dW, dw.length))) { rt.copyOut(dW, dw as Float32Array); return; }
      }
      if (weightChannelsFit(g)) { convWeightChannels(rt, g, xPtr, dyPtr, nth, dw as Float32Array); return; }
      const total = g.cOut * K;
      // one thread writes dW in place; more write partial sums that sumPartials adds into it
      const parts = nth > 1 ? rt.allocF32(total * nth) : rt.out(dw as Float32Array, x, dy);
      // Direct only along rows of ≥ 16 pixels: on LeNet's C3 (10-pixel rows) the per-pass overhead made it 1.5× slower
      // than the GEMM, on C1 (28-pixel rows) it is 2.4× faster.
      if (g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 && coutG <= DIRECT_MAX_COUT && g.outW >= 16) {
        const HP = g.outH + g.kh - 1, WP = roundUp(g.outW, 4) + g.kw;
        const xp = rt.allocF32(g.n * g.cIn * HP * WP);
        rt.exports.padPlanes(xPtr, g.n * g.cIn, g.h, g.w, g.padTop, g.padLeft, HP, WP, xp);
        const vStride = g.groups * roundUp(coutG, 4) * K * 16;
        const vacc = rt.alloc(vStride * nth);
        const args = taskArgs.convWeightDirect({ xp, dy: dyPtr, dw: parts, total, hp: HP, wp: WP, vacc, vStride }, g);
        rt.run(TASK.convWeightDirect, rt.args(args), nth);
      } else {
        const KC = blockSize(P, KC_TARGET, 4, g.n * g.groups, nth);
        const bufStride = 256 + KC * 32 + roundUp(coutG, 4) * KC * 4;
        const buf = rt.alloc(bufStride * nth);
        const args = taskArgs.convWeight({ x: xPtr, dy: dyPtr, dw: parts, dwStride: total, kc: KC, buf, bufStride }, g);
        rt.run(TASK.convWeight, rt.args(args), nth);
      }
      let out = parts;
      if (nth > 1) {
        out = rt.out(dw as Float32Array, x, dy);
        rt.exports.sumPartials(parts, nth, total, total, out);
      }
      rt.copyOut(out, dw as Float32Array);
    });

  const matmulCore = (a: DataArray, b: DataArray, out: DataArray, p: MatmulParams): void => {
      const { batch, m, n, k } = p;
      if (batch === 0 || m === 0 || n === 0) return;
      rt.begin();
      const aPtr = rt.copyIn(a as Float32Array);
      const bPtr = rt.copyIn(b as Float32Array);
      if (m <= 4 && !p.transA && p.transB && k >= 16) {
        // A few rows against Wᵀ (a Linear layer at batch 1): dot products over W's rows, no packing.
        const cPtr = rt.out(out as Float32Array, a, b);
        const args = taskArgs.matmulRows({
          batch, m, n, k, a: aPtr, aStride: p.aBatchStride, b: bPtr, bStride: p.bBatchStride, c: cPtr,
        });
        rt.run(TASK.matmulRows, rt.args(args), threadsFor(rt, 2 * batch * m * n * k));
        rt.copyOut(cPtr, out as Float32Array);
        return;
      }
      const mPad = roundUp(m, 4);
      // A is packed once when shared over the batch, else once per batch item.
      const aBatches = p.aBatchStride === 0 ? 1 : batch;
      const packed = rt.allocF32(aBatches * mPad * k);
      const rs = p.transA ? 1 : k, cs = p.transA ? m : 1;
      for (let bi = 0; bi < aBatches; bi++)
        rt.exports.packA(aPtr + bi * p.aBatchStride * 4, rs, cs, m, k, packed + bi * mPad * k * 4);
      const cPtr = rt.out(out as Float32Array, a, b);
      const nth = threadsFor(rt, 2 * batch * m * n * k);
      const NC = blockSize(n, NC_TARGET, 8, batch, nth);
      const KC = k > 0 ? Math.ceil(k / Math.ceil(k / KC_TARGET)) : 1;
      const bufStride = 256 + roundUp(NC, 8) * KC * 4;
      const buf = rt.alloc(bufStride * nth);
      const args = taskArgs.matmul({
        batch, m, n, k, a: packed, aStride: aBatches === 1 ? 0 : mPad * k, b: bPtr, bStride: p.bBatchStride,
        bRowStride: p.transB ? 1 : n, bColStride: p.transB ? k : 1, c: cPtr, nc: NC, kc: KC, buf, bufStride, accumulate: false, epilogue: 0, mc: 0, lda: 0,
      });
      rt.run(TASK.matmul, rt.args(args), nth);
      rt.copyOut(cPtr, out as Float32Array);
    };
  const matmul = (a: DataArray, b: DataArray, out: DataArray, p: MatmulParams): void => timed(rt, () => matmulCore(a, b, out, p));

  const mm = (m: number, n: number, k: number, transA: boolean, transB: boolean): MatmulParams =>
    ({ batch: 1, m, n, k, aBatchStride: 0, bBatchStride: 0, transA, transB });
  /** Whole-input convolutions as matmuls: y[N,Cout] = X[N,K]·W[Cout,K]ᵀ (+ bias), dX = dY·W, dW = dYᵀ·X. */
  const conv2dWhole = (x: DataArray, w: DataArray, bias: DataArray | null, g: ConvGeometry, y: DataArray,
    scale: DataArray | null, act: FusedActivation | null, lo: number, hi: number, residual: DataArray | null): void => {
    const K = g.cIn * g.kh * g.kw;
    matmulCore(x, w, y, mm(g.n, g.cOut, K, false, true));
    if (bias || scale || residual) {
      for (let i = 0; i < g.n; i++) for (let co = 0; co < g.cOut; co++) {
        const j = i * g.cOut + co;
        y[j] = y[j]! * (scale ? scale[co]! : 1) + (bias ? bias[co]! : 0) + (residual ? residual[j]! : 0);
      }
    }
    if (act) jsKernels.activation(act, y, y, lo, hi); // n·cOut values
  };

  const pool2d: HostKernels["pool2d"] = (mode, x, g: PoolGeometry, avg, y, indices) => {
    timed(rt, () => {
      rt.begin();
      const planes = g.n * g.c;
      const xPtr = rt.copyIn(x as Float32Array);
      const rows = rt.table(geometryTable(`ranges ${g.outH} ${g.kh} ${g.strideH} ${g.padTop} ${g.dilationH} ${g.h}`,
        () => tapRanges(g.outH, g.kh, g.strideH, g.padTop, g.dilationH, g.h)));
      const cols = rt.table(geometryTable(`ranges ${g.outW} ${g.kw} ${g.strideW} ${g.padLeft} ${g.dilationW} ${g.w}`,
        () => tapRanges(g.outW, g.kw, g.strideW, g.padLeft, g.dilationW, g.w)));
      const yPtr = rt.out(y as Float32Array, x);
      const iPtr = indices ? rt.outI32(indices) : 0;
      let divPtr = 0;
      if (mode === "avg") {
        const div = avgDivisors(g, avg.countIncludePad, avg.divisorOverride);
        divPtr = rt.alloc(div.length * 8);
        new Float64Array(rt.memory.buffer, divPtr, div.length).set(div);
      }
      const args = rt.args(taskArgs.pool({
        planes, x: xPtr, rows, cols, y: yPtr, indices: iPtr, min: mode === "min", divisors: divPtr,
      }, g));
      // ~1–2 ns per tap: split from ~250k taps (a quarter of a millisecond), well above a worker's wake-up.
      rt.run(mode === "avg" ? TASK.avgPool : TASK.maxPool, args, threadsFor(rt, 8 * y.length * g.kh * g.kw));
      rt.copyOut(yPtr, y as Float32Array);
      if (indices) rt.copyOutI32(iPtr, indices);
    });
  };

  /** Adaptive average pooling to 1×1 (global average pooling: squeeze-and-excitation's, the classifier heads') as
   *  plane means split over the threads; other adaptive pooling is the reference's. In EfficientNet-B0's inference the
   *  reference's took 2.7 ms on one thread (its 16 squeeze-and-excitation blocks). */
  const adaptivePool2d: HostKernels["adaptivePool2d"] = (mode, x, planes, h, w, outH, outW, y, indices) => {
    if (mode !== "avg" || outH !== 1 || outW !== 1 || x.length < MIN_WASM_ELEMENTS) {
      jsKernels.adaptivePool2d(mode, x, planes, h, w, outH, outW, y, indices);
      return;
    }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const yPtr = rt.out(y as Float32Array, x);
      const args = rt.args(taskArgs.planeMeans({ x: xPtr, planes, size: h * w, y: yPtr }));
      rt.run(TASK.planeMeans, args, threadsFor(rt, MIN_PARALLEL_ELEMENT_FLOPS * x.length));
      rt.copyOut(yPtr, y as Float32Array);
    });
  };

  /** Strided copies (cat, a channel shuffle, permute, slices with steps, expand, and their gradients) between arrays in
   *  the memory, merged to at most 4 dims: one call into the module, whose runs of contiguous floats are vector copies.
   *  A source in a JavaScript array (a strided view may read a small part of a large one, which copyIn would copy
   *  whole), more dims, few elements or one contiguous run stay with the reference's, whose run is a native copy. */
  const copyStrided: HostKernels["copyStrided"] = (src, srcOffset, srcStrides, shape, dst, dstOffset, dstStrides, accumulate) => {
    const total = shape.reduce((a, d) => a * d, 1);
    const c = total >= MIN_WASM_ELEMENTS && src instanceof Float32Array && dst instanceof Float32Array && rt.isResident(src)
      && rt.isResident(dst) ? coalesce(shape, [srcStrides, dstStrides]) : null;
    const rank = c?.shape.length ?? 0;
    if (!c || rank > 4 || (rank === 1 && c.strides[0]![0] === 1 && c.strides[1]![0] === 1 && !accumulate)) {
      jsKernels.copyStrided(src, srcOffset, srcStrides, shape, dst, dstOffset, dstStrides, accumulate);
      return;
    }
    timed(rt, () => {
      rt.begin();
      const pad = 4 - rank, t = new Int32Array(12);
      for (let d = 0; d < 4; d++) {
        t[d] = d < pad ? 1 : c.shape[d - pad]!;
        t[4 + d] = d < pad ? 0 : c.strides[0]![d - pad]!;
        t[8 + d] = d < pad ? 0 : c.strides[1]![d - pad]!;
      }
      rt.exports.copyStrided(src.byteOffset + srcOffset * 4, dst.byteOffset + dstOffset * 4, rt.table(t), accumulate);
    });
  };

  const planeScatter: HostKernels["planeScatter"] = (src, srcPlane, index, perPlane, planes, dst, dstPlane, accumulate) => {
    if (planes * srcPlane < MIN_WASM_ELEMENTS) {
      jsKernels.planeScatter(src, srcPlane, index, perPlane, planes, dst, dstPlane, accumulate);
      return;
    }
    timed(rt, () => {
      rt.begin();
      const sPtr = rt.copyIn(src as Float32Array);
      const iPtr = rt.copyInI32(index);
      const dPtr = rt.copyIn(dst as Float32Array); // dst is not cleared: its values are read (and kept)
      rt.exports.planeScatter(sPtr, srcPlane, iPtr, perPlane, planes, dPtr, dstPlane, accumulate);
      rt.copyOut(dPtr, dst as Float32Array);
    });
  };

  const unary: HostKernels["unary"] = (op, x, y, alpha) => {
    if (op === "sigmoid" && x.length >= ACTIVATION_MIN_WASM) { activationTask("sigmoid", x, null, y, 0, 0); return; }
    const code = op === "relu" ? 0 : op === "reluMask" ? 1 : -1;
    if (code < 0 || x.length < MIN_WASM_ELEMENTS) { jsKernels.unary(op, x, y, alpha); return; }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const yPtr = rt.out(y as Float32Array, x);
      rt.exports.unaryOp(code, xPtr, x.length, yPtr);
      rt.copyOut(yPtr, y as Float32Array);
    });
  };

  const binary: HostKernels["binary"] = (op, a, aStrides, b, bStrides, outShape, y) => {
    const code = BINARY_CODE[op];
    if (code === undefined || y.length < MIN_WASM_ELEMENTS) { jsKernels.binary(op, a, aStrides, b, bStrides, outShape, y); return; }
    // y is contiguous; merge the dims all three walk back to back. Runs here when what is left is rows × inner
    // with each operand's inner step 0 (broadcast) or 1 (contiguous).
    const yStrides = new Array<number>(outShape.length);
    for (let d = outShape.length - 1, s = 1; d >= 0; d--) { yStrides[d] = s; s *= outShape[d]!; }
    const c = coalesce(outShape, [aStrides, bStrides, yStrides]);
    const r = c.shape.length;
    const aS = c.strides[0]!, bS = c.strides[1]!;
    const as = aS[r - 1]!, bs = bS[r - 1]!;
    if (r > 2 || as > 1 || bs > 1 || as < 0 || bs < 0) { jsKernels.binary(op, a, aStrides, b, bStrides, outShape, y); return; }
    const rows = r === 2 ? c.shape[0]! : 1, inner = c.shape[r - 1]!;
    const aRow = r === 2 ? aS[0]! : 0, bRow = r === 2 ? bS[0]! : 0;
    if (aRow < 0 || bRow < 0) { jsKernels.binary(op, a, aStrides, b, bStrides, outShape, y); return; }
    timed(rt, () => {
      rt.begin();
      const aPtr = rt.copyIn(a as Float32Array);
      const bPtr = rt.copyIn(b as Float32Array);
      const yPtr = rt.out(y as Float32Array, a, b);
      rt.exports.binaryOp(code, aPtr, aRow, as, bPtr, bRow, bs, rows, inner, yPtr);
      rt.copyOut(yPtr, y as Float32Array);
    });
  };

  /** An activation or its gradient (dy given) as one task over the elements, split over the threads when large. */
  const activationTask = (op: ActivationOp, x: DataArray, dy: DataArray | null, y: DataArray, lo: number, hi: number): void =>
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const dyPtr = dy ? rt.copyIn(dy as Float32Array) : 0;
      const yPtr = rt.out(y as Float32Array, x, dy);
      const bounds = rt.alloc(8);
      rt.f32(bounds, 2).set([lo, hi]);
      const code = ACTIVATION_CODE[op];
      const work = (code >= 3 ? 4 : 1) * MIN_PARALLEL_ELEMENT_FLOPS * x.length;
      const nth = ACTIVATION_MIN_SPLIT === null ? threadsFor(rt, work) : x.length >= ACTIVATION_MIN_SPLIT ? rt.threads : 1;
      rt.run(TASK.activation, rt.args(taskArgs.activation({ op: code, grad: dy !== null, n: x.length, x: xPtr, dy: dyPtr, y: yPtr, bounds })), nth);
      rt.copyOut(yPtr, y as Float32Array);
    });

  const activation: HostKernels["activation"] = (op, x, y, lo, hi) => {
    if (x.length < ACTIVATION_MIN_WASM) { jsKernels.activation(op, x, y, lo, hi); return; }
    activationTask(op, x, null, y, lo, hi);
  };

  const activationGrad: HostKernels["activationGrad"] = (op, x, dy, dx, lo, hi) => {
    if (x.length < ACTIVATION_MIN_WASM) { jsKernels.activationGrad(op, x, dy, dx, lo, hi); return; }
    activationTask(op, x, dy, dx, lo, hi);
  };

  /** Sums in wasm (double accumulators, like the reference; the other reductions stay there). */
  const reduce: HostKernels["reduce"] = (op, x, outer, size, inner, y) => {
    if (op !== "sum" || x.length < MIN_WASM_ELEMENTS || y.length === 0) { jsKernels.reduce(op, x, outer, size, inner, y); return; }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const yPtr = rt.out(y as Float32Array, x);
      const acc = rt.alloc(inner * 8 + 16);
      rt.exports.reduceSum(xPtr, outer, size, inner, yPtr, acc);
      rt.copyOut(yPtr, y as Float32Array);
    });
  };

  /** Batch-norm moments: two passes in double as the reference (only the summation order differs); the doubles
   *  come back here and are stored into mean/variance as the reference stores its doubles. */
  const channelMoments: HostKernels["channelMoments"] = (x, n, c, hw, mean, variance) => {
    if (x.length < MIN_WASM_ELEMENTS) { jsKernels.channelMoments(x, n, c, hw, mean, variance); return; }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const out = rt.alloc(c * 16);
      const args = rt.args(taskArgs.channelMoments({ x: xPtr, n, c, hw, out }));
      rt.run(TASK.channelMoments, args, threadsFor(rt, MIN_PARALLEL_ELEMENT_FLOPS * x.length));
      const r = new Float64Array(rt.memory.buffer, out, 2 * c);
      for (let ch = 0; ch < c; ch++) { mean[ch] = r[2 * ch]!; variance[ch] = r[2 * ch + 1]!; }
    });
  };

  /** Batch-norm affine map with the reference's folding (scale, shift in double) and its double arithmetic. */
  const channelAffine: HostKernels["channelAffine"] = (x, n, c, hw, mean, invStd, weight, bias, y, act, lo, hi) => {
    if (x.length < MIN_WASM_ELEMENTS) { jsKernels.channelAffine(x, n, c, hw, mean, invStd, weight, bias, y, act, lo, hi); return; }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      // per channel (scale, shift), then the activation's code (−1: none) and hardtanh's bounds
      const coef = rt.alloc(c * 16 + 24);
      const cv = new Float64Array(rt.memory.buffer, coef, 2 * c + 3);
      cv[2 * c] = lo;
      cv[2 * c + 1] = hi;
      cv[2 * c + 2] = act ? ACTIVATION_CODE[act] : -1;
      for (let ch = 0; ch < c; ch++) {
        const scale = invStd[ch]! * (weight ? weight[ch]! : 1);
        cv[2 * ch] = scale;
        cv[2 * ch + 1] = (bias ? bias[ch]! : 0) - mean[ch]! * scale;
      }
      const yPtr = rt.out(y as Float32Array, x);
      const args = rt.args(taskArgs.channelAffine({ x: xPtr, n, c, hw, coef, y: yPtr }));
      rt.run(TASK.channelAffine, args, threadsFor(rt, MIN_PARALLEL_ELEMENT_FLOPS * x.length));
      rt.copyOut(yPtr, y as Float32Array);
    });
  };

  /** Batch norm's backward in one task: per channel Σg and Σg·x̂ (double), then dx mapped in double and rounded once,
   *  as the reference (only the summation order and the folding of the dx map differ). */
  const channelNormBackward: HostKernels["channelNormBackward"] = (x, g, n, c, hw, mean, invStd, weight, training, dx, sumG, sumGXhat) => {
    if (x.length < MIN_WASM_ELEMENTS) { jsKernels.channelNormBackward(x, g, n, c, hw, mean, invStd, weight, training, dx, sumG, sumGXhat); return; }
    timed(rt, () => {
      rt.begin();
      const xPtr = rt.copyIn(x as Float32Array);
      const gPtr = rt.copyIn(g as Float32Array);
      const coef = rt.alloc(c * 32);
      const cv = new Float64Array(rt.memory.buffer, coef, 4 * c);
      for (let ch = 0; ch < c; ch++) {
        cv[4 * ch] = mean[ch]!;
        cv[4 * ch + 1] = invStd[ch]!;
        cv[4 * ch + 2] = weight ? weight[ch]! : 1;
      }
      const dxPtr = dx ? rt.out(dx as Float32Array, x, g) : 0;
      const sums = rt.alloc(c * 16);
      const args = rt.args(taskArgs.channelNormBackward({ x: xPtr, g: gPtr, n, c, hw, coef, training, dx: dxPtr, sums }));
      // 2 passes over x and g (3 with dx): count the elements twice against the threshold
      rt.run(TASK.channelNormBackward, args, threadsFor(rt, 2 * MIN_PARALLEL_ELEMENT_FLOPS * x.length));
      const r = new Float64Array(rt.memory.buffer, sums, 2 * c);
      for (let ch = 0; ch < c; ch++) { sumG[ch] = r[2 * ch]!; sumGXhat[ch] = r[2 * ch + 1]!; }
      if (dx) rt.copyOut(dxPtr, dx as Float32Array);
    });
  };

  return { conv2d, conv2dBackwardInput, conv2dBackwardWeight, matmul, pool2d, adaptivePool2d, copyStrided, planeScatter, unary, binary, activation, activationGrad, reduce, channelMoments, channelAffine, channelNormBackward };
}
