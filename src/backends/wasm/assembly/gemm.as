// The GEMM, in the GotoBLAS/BLIS style: a 4×8 register-blocked f32x4 micro-kernel (8 v128 accumulators: V8's
// register allocator keeps 8 loop-carried v128 values in xmm registers and spills beyond that) over packed A panels
// (4 rows) and packed B panels (8 columns); the matmul tasks, and the pieces the convolutions (conv.as) and the
// Winograd transforms (winograd.as) feed it with.
import { fma, arg, imin, imax, unitStart } from "./common";
import { Matmul, MatmulRows } from "./args";
import { applyEpilogue } from "./elementwise";

/** C[4×8] (+)= Apanel · Bpanel: Apanel is kc×4 (4 row values per k), Bpanel is kc×8; ldc in bytes. */
export function micro(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = fma(a, b0, c00); c01 = fma(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = fma(a, b0, c10); c11 = fma(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = fma(a, b0, c20); c21 = fma(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = fma(a, b0, c30); c31 = fma(a, b1, c31);
    pa += 16; pb += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** micro() with A read in place from 4 rows of a row-major matrix (at a, a + o1, a + o2, a + o3: the rows at the
 *  block's first k): for weights used by few output pixels (small maps at batch 1), where packing them cost more
 *  than it saved. One pointer and fixed offsets: four advancing row pointers ran ~12 % slower (register pressure). */
function microRaw(kc: i32, a: usize, o1: usize, o2: usize, o3: usize, pb: usize, c: usize, ldc: usize, accumulate: bool): void {
  let z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(a);
    c00 = fma(av, b0, c00); c01 = fma(av, b1, c01);
    av = v128.load32_splat(a + o1);
    c10 = fma(av, b0, c10); c11 = fma(av, b1, c11);
    av = v128.load32_splat(a + o2);
    c20 = fma(av, b0, c20); c21 = fma(av, b1, c21);
    av = v128.load32_splat(a + o3);
    c30 = fma(av, b0, c30); c31 = fma(av, b1, c31);
    a += 4; pb += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** microRaw() for a tile with `rows`×`cols` valid (rows past the matrix read its last valid row). */
export function microRawEdge(kc: i32, a: usize, lda: usize, pb: usize, c: usize, ldc: usize, accumulate: bool, rows: i32, cols: i32, tile: usize): void {
  const o1 = rows > 1 ? lda : 0, o2 = <usize>imin(2, rows - 1) * lda, o3 = <usize>imin(3, rows - 1) * lda;
  if (rows == 4 && cols == 8) { microRaw(kc, a, o1, o2, o3, pb, c, ldc, accumulate); return; }
  microRaw(kc, a, o1, o2, o3, pb, tile, 32, false);
  copyTile(tile, c, ldc, accumulate, rows, cols);
}

/** micro() for a tile with only `rows`×`cols` valid: computes into `tile` (4×8) and copies the valid part. */
export function microEdge(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool, rows: i32, cols: i32, tile: usize): void {
  if (rows == 4 && cols == 8) { micro(kc, pa, pb, c, ldc, accumulate); return; }
  micro(kc, pa, pb, tile, 32, false);
  copyTile(tile, c, ldc, accumulate, rows, cols);
}

/** C[rows×cols] (+)= tile (4×8, row stride 32 bytes). */
function copyTile(tile: usize, c: usize, ldc: usize, accumulate: bool, rows: i32, cols: i32): void {
  if (cols == 8) { // only rows are missing (M not a multiple of 4): copy whole rows as vectors
    for (let r = 0; r < rows; r++) {
      const crow = c + <usize>r * ldc;
      const trow = tile + (<usize>r << 5);
      let v0 = v128.load(trow), v1 = v128.load(trow, 16);
      if (accumulate) { v0 = f32x4.add(v0, v128.load(crow)); v1 = f32x4.add(v1, v128.load(crow, 16)); }
      v128.store(crow, v0); v128.store(crow, v1, 16);
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const crow = c + <usize>r * ldc;
    const trow = tile + (<usize>r << 5);
    for (let j = 0; j < cols; j++) {
      const off = <usize>j << 2;
      let v = load<f32>(trow + off);
      if (accumulate) v += load<f32>(crow + off);
      store<f32>(crow + off, v);
    }
  }
}

/** Packs A[i,k] = src[i*rs + k*cs] (M×K, element strides) into ceil(M/4) panels of K×4, zero rows past M. */
export function packA(src: usize, rs: i32, cs: i32, m: i32, k: i32, dst: usize): void {
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = imin(4, m - i0);
    let d = dst + (<usize>i0 * <usize>k << 2);
    let kk = 0;
    if (rows == 4 && cs == 1) {
      // Rows contiguous along k (weights [Cout, K]): 4×4 blocks read as one vector per row, transposed in registers.
      const s0 = src + (<usize>i0 * rs << 2), step = <usize>rs << 2;
      for (; kk + 4 <= k; kk += 4) {
        const off = <usize>kk << 2;
        const r0 = v128.load(s0 + off), r1 = v128.load(s0 + step + off);
        const r2 = v128.load(s0 + 2 * step + off), r3 = v128.load(s0 + 3 * step + off);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
        d += 64;
      }
    } else if (rows == 4 && rs == 1) {
      // The 4 rows of a column are adjacent (transposed weights): one vector per k.
      for (; kk < k; kk++) { v128.store(d, v128.load(src + ((<usize>i0 + <usize>kk * cs) << 2))); d += 16; }
    }
    for (; kk < k; kk++) {
      for (let r = 0; r < 4; r++) {
        const v: f32 = r < rows ? load<f32>(src + ((<usize>(i0 + r) * rs + <usize>kk * cs) << 2)) : 0;
        store<f32>(d + (<usize>r << 2), v);
      }
      d += 16;
    }
  }
}

/** Packs rows k0..k0+kc, columns j0..j0+cols (≤ 8) of B[k,j] = src[k*rs + j*cs] into a kc×8 panel. */
export function packBPanel(src: usize, rs: i32, cs: i32, k0: i32, kc: i32, j0: i32, cols: i32, dst: usize): void {
  if (cs == 1 && cols == 8) {
    let s = src + ((<usize>k0 * rs + <usize>j0) << 2);
    const step = <usize>rs << 2;
    for (let kk = 0; kk < kc; kk++) {
      v128.store(dst, v128.load(s)); v128.store(dst, v128.load(s, 16), 16);
      s += step; dst += 32;
    }
    return;
  }
  let kk = 0;
  if (rs == 1 && cols == 8) {
    // B stored transposed (columns contiguous along k: Linear's weights, Winograd's Vᵀ): 4×4 blocks, one vector
    // per column and k-quad, transposed in registers.
    const cstep = <usize>cs << 2;
    for (; kk + 4 <= kc; kk += 4) {
      for (let h = 0; h < 2; h++) {
        const s0 = src + ((<usize>(j0 + 4 * h) * <usize>cs + <usize>(k0 + kk)) << 2);
        const r0 = v128.load(s0), r1 = v128.load(s0 + cstep), r2 = v128.load(s0 + 2 * cstep), r3 = v128.load(s0 + 3 * cstep);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const d = dst + (<usize>h << 4);
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
        v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
        v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
      }
      dst += 128;
    }
  }
  for (; kk < kc; kk++) {
    const row = src + (<usize>(k0 + kk) * rs << 2);
    for (let j = 0; j < 8; j++) {
      const v: f32 = j < cols ? load<f32>(row + (<usize>(j0 + j) * cs << 2)) : 0;
      store<f32>(dst + (<usize>j << 2), v);
    }
    dst += 32;
  }
}

/** out[b] = A[b]·B[b] (or out[b] += A[b]·B[b] with ACC set) with A pre-packed (panels of full K, batch stride aStride
 *  floats, 0 = shared) or read in place (lda > 0: rows of lda floats) and B read through element strides (rs, cs);
 *  units (batch, block of NC columns, block of MC rows). Few columns (a 1×1 convolution on a 7² or 14² map at batch 1)
 *  make few column blocks: the row blocks then share the work among threads, each packing the B block it reads and
 *  reading only its rows of A (in place: packing weights that each unit uses once cost more than it saved). */
export function matmulTask(args: usize, tid: i32, nth: i32): void {
  const batch = arg(args, Matmul.batch), M = arg(args, Matmul.m), N = arg(args, Matmul.n), K = arg(args, Matmul.k);
  const a = <usize>arg(args, Matmul.a), aStride = <usize>arg(args, Matmul.aStride);
  const b = <usize>arg(args, Matmul.b), bStride = <usize>arg(args, Matmul.bStride), rs = arg(args, Matmul.bRowStride);
  const cs = arg(args, Matmul.bColStride);
  const c = <usize>arg(args, Matmul.c), NC = arg(args, Matmul.nc), KC = arg(args, Matmul.kc);
  const buf = <usize>arg(args, Matmul.buf) + <usize>tid * <usize>arg(args, Matmul.bufStride);
  const acc = arg(args, Matmul.accumulate) != 0, ep = <usize>arg(args, Matmul.epilogue);
  const MC = arg(args, Matmul.mc) > 0 ? arg(args, Matmul.mc) : imax(M, 1), lda = <usize>arg(args, Matmul.lda);
  const tile = buf, bp = buf + 256;
  const nJc = (N + NC - 1) / NC, nIc = (imax(M, 1) + MC - 1) / MC;
  const units = batch * nJc * nIc;
  const ldc = <usize>N << 2;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
    const ic = u % nIc, jc = (u / nIc) % nJc, bi = u / (nIc * nJc);
    const j0 = jc * NC, nc = imin(NC, N - j0), m0 = ic * MC, m1 = imin(M, m0 + MC);
    const ab = a + ((<usize>bi * aStride) << 2);
    const bb = b + ((<usize>bi * bStride) << 2);
    const cb = c + ((<usize>bi * <usize>M * <usize>N + <usize>j0) << 2);
    const nq = (nc + 7) >> 3;
    if (K == 0) for (let r = m0; r < m1; r++) for (let j = 0; j < nc; j++) store<f32>(cb + <usize>r * ldc + (<usize>j << 2), 0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = imin(KC, K - k0);
      for (let q = 0; q < nq; q++)
        packBPanel(bb, rs, cs, k0, kc, j0 + q * 8, imin(8, nc - q * 8), bp + (<usize>(q * kc) << 5));
      for (let q = 0; q < nq; q++) {
        const cols = imin(8, nc - q * 8);
        const pb = bp + (<usize>(q * kc) << 5), cq = cb + (<usize>(q * 8) << 2);
        for (let i0 = m0; i0 < m1; i0 += 4) {
          if (lda) microRawEdge(kc, ab + ((<usize>i0 * lda + <usize>k0) << 2), lda << 2, pb, cq + <usize>i0 * ldc, ldc, k0 > 0 || acc, imin(4, m1 - i0), cols, tile);
          else microEdge(kc, ab + ((<usize>i0 * <usize>K + <usize>k0 * 4) << 2), pb, cq + <usize>i0 * ldc, ldc, k0 > 0 || acc, imin(4, m1 - i0), cols, tile);
        }
      }
    }
    // the block's outputs, just written (in L2), with the epilogue's per-row scale, bias and activation
    if (ep) for (let r = m0; r < m1; r++) applyEpilogue(ep, r, cb + <usize>r * ldc, nc);
  }
}

/** out[b] = A[b]·Wᵀ for A with few rows (m ≤ 4: a Linear layer at batch 1) and W [n, k] row-major: one dot product
 *  per (row, column), 16 floats a step in 4 accumulators. Every weight is used m times, so packing it (what the GEMM
 *  does) would cost more than the products. Units: blocks of 16 output columns. */
export function matmulRowsTask(args: usize, tid: i32, nth: i32): void {
  const batch = arg(args, MatmulRows.batch), M = arg(args, MatmulRows.m), N = arg(args, MatmulRows.n);
  const K = arg(args, MatmulRows.k);
  const a = <usize>arg(args, MatmulRows.a), aStride = <usize>arg(args, MatmulRows.aStride);
  const b = <usize>arg(args, MatmulRows.b);
  const bStride = <usize>arg(args, MatmulRows.bStride), c = <usize>arg(args, MatmulRows.c);
  const blocks = (N + 15) >> 4, units = batch * blocks;
  for (let u = tid; u < units; u += nth) {
    const bi = u / blocks, j0 = (u - bi * blocks) << 4, j1 = imin(N, j0 + 16);
    for (let j = j0; j < j1; j++) {
      const w = b + ((<usize>bi * bStride + <usize>j * <usize>K) << 2);
      for (let i = 0; i < M; i++) {
        const x = a + ((<usize>bi * aStride + <usize>i * <usize>K) << 2);
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        let kk = 0;
        for (; kk + 16 <= K; kk += 16) {
          const o = <usize>kk << 2;
          s0 = fma(v128.load(x + o), v128.load(w + o), s0);
          s1 = fma(v128.load(x + o, 16), v128.load(w + o, 16), s1);
          s2 = fma(v128.load(x + o, 32), v128.load(w + o, 32), s2);
          s3 = fma(v128.load(x + o, 48), v128.load(w + o, 48), s3);
        }
        for (; kk + 4 <= K; kk += 4) s0 = fma(v128.load(x + (<usize>kk << 2)), v128.load(w + (<usize>kk << 2)), s0);
        const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
        let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
        for (; kk < K; kk++) t += load<f32>(x + (<usize>kk << 2)) * load<f32>(w + (<usize>kk << 2));
        store<f32>(c + ((<usize>(bi * M + i) * <usize>N + <usize>j) << 2), t);
      }
    }
  }
}
