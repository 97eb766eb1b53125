// AssemblyScript source of the WebAssembly kernels (compiled by scripts/build-wasm.mjs into kernels-wasm.ts).
// A packed GEMM in the GotoBLAS/BLIS style: a 4×8 register-blocked f32x4 micro-kernel (8 v128 accumulators:
// V8's register allocator keeps 8 loop-carried v128 values in xmm registers and spills beyond that) over
// packed A panels (4 rows) and packed B panels (8 columns), with convolution as GEMM over im2col panels
// packed on the fly, and Winograd F(2×2, 3×3) / F(4×4, 3×3) transforms feeding that GEMM (at the end of the
// file). Every "task" function takes (args, tid, nthreads) so that worker threads sharing the
// memory can split the units of work; args points at an i32 parameter block written by the JS side.
// The file has the .as extension so that the project's TypeScript compiler does not read it.

// f32x4 multiply-add: fused (relaxed SIMD) when the build enables it, else mul + add.
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}

@inline function arg(args: usize, i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

@inline function imin(a: i32, b: i32): i32 { return a < b ? a : b; }

/** C[4×8] (+)= Apanel · Bpanel: Apanel is kc×4 (4 row values per k), Bpanel is kc×8; ldc in bytes. */
function micro(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool): void {
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
function microRawEdge(kc: i32, a: usize, lda: usize, pb: usize, c: usize, ldc: usize, accumulate: bool, rows: i32, cols: i32, tile: usize): void {
  const o1 = rows > 1 ? lda : 0, o2 = <usize>imin(2, rows - 1) * lda, o3 = <usize>imin(3, rows - 1) * lda;
  if (rows == 4 && cols == 8) { microRaw(kc, a, o1, o2, o3, pb, c, ldc, accumulate); return; }
  microRaw(kc, a, o1, o2, o3, pb, tile, 32, false);
  copyTile(tile, c, ldc, accumulate, rows, cols);
}

/** micro() for a tile with only `rows`×`cols` valid: computes into `tile` (4×8) and copies the valid part. */
function microEdge(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, accumulate: bool, rows: i32, cols: i32, tile: usize): void {
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
function packBPanel(src: usize, rs: i32, cs: i32, k0: i32, kc: i32, j0: i32, cols: i32, dst: usize): void {
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

// Convolution geometry, read from the parameter block (indices into args).
const G_CIN = 0, G_H = 1, G_W = 2, G_KH = 3, G_KW = 4, G_SH = 5, G_SW = 6, G_PT = 7, G_PL = 8,
  G_DH = 9, G_DW = 10, G_OH = 11, G_OW = 12;

/** im2col panel: rows k0..k0+kc of the column matrix (k = (ci*kh + ky)*kw + kx), output pixels p0..p0+cols
 *  (≤ 8, p = oy*outW + ox) of one image and group; value x[ci, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw] or 0. */
function im2colPanel(x: usize, g: usize, k0: i32, kc: i32, p0: i32, cols: i32, dst: usize, colY: usize, colX: usize): void {
  const H = arg(g, G_H), W = arg(g, G_W), KH = arg(g, G_KH), KW = arg(g, G_KW);
  const SH = arg(g, G_SH), SW = arg(g, G_SW), PT = arg(g, G_PT), PL = arg(g, G_PL);
  const DH = arg(g, G_DH), DW = arg(g, G_DW), OW = arg(g, G_OW);
  // Per column: the top-left input coordinate of its window (before adding ky*dh, kx*dw).
  for (let j = 0; j < 8; j++) {
    const p = p0 + imin(j, cols - 1);
    const oy = p / OW, ox = p - oy * OW;
    store<i32>(colY + (<usize>j << 2), oy * SH - PT);
    store<i32>(colX + (<usize>j << 2), ox * SW - PL);
  }
  const y0 = load<i32>(colY), x0 = load<i32>(colX);
  // Fast path: 8 columns along one output row with stride 1 → 8 consecutive inputs.
  const oneRow = cols == 8 && SW == 1 && load<i32>(colY, 28) == y0;
  // Whether every tap of every valid column reads inside the input: no bounds checks needed.
  let inside = true;
  for (let j = 0; j < cols && inside; j++) {
    const iy = load<i32>(colY + (<usize>j << 2)), ix = load<i32>(colX + (<usize>j << 2));
    inside = iy >= 0 && iy + (KH - 1) * DH < H && ix >= 0 && ix + (KW - 1) * DW < W;
  }
  // Stride 1, every tap inside (the caller zero-pads the input for this), columns across output rows: a run of
  // consecutive inputs per output row. Each run stores a whole 8-wide vector pair; the next run overwrites the tail,
  // and the last one's tail lands in the next panel row (written after) or in the slack after the panel buffer.
  // runSrc/runDst (scratch after colX): a run's input offset (iy*W + ix, before the tap) and its byte offset in the row.
  const runs = SW == 1 && inside && !oneRow;
  // Stride 2 along one row with every tap inside (the caller pads): reads one float past the 8th column's tap.
  const oneRow2 = cols == 8 && SW == 2 && inside && load<i32>(colY, 28) == y0;
  const runSrc = colX + 32, runDst = colX + 64;
  let nRuns = 0;
  if (runs) {
    for (let j = 0; j < cols; j++) {
      const iy = load<i32>(colY + (<usize>j << 2));
      if (j == 0 || iy != load<i32>(colY + (<usize>(j - 1) << 2))) {
        store<i32>(runSrc + (<usize>nRuns << 2), iy * W + load<i32>(colX + (<usize>j << 2)));
        store<i32>(runDst + (<usize>nRuns << 2), j << 2);
        nRuns++;
      }
    }
  }
  let ci = k0 / (KH * KW);
  let rem = k0 - ci * KH * KW;
  let ky = rem / KW, kx = rem - ky * KW;
  const plane = <usize>H * <usize>W;
  for (let kk = 0; kk < kc; kk++) {
    const src = x + ((<usize>ci * plane) << 2);
    const dy = ky * DH, dx = kx * DW;
    if (oneRow) {
      const iy = y0 + dy, ix = x0 + dx;
      if (iy < 0 || iy >= H) {
        v128.store(dst, f32x4.splat(0)); v128.store(dst, f32x4.splat(0), 16);
      } else if (ix >= 0 && ix + 8 <= W) {
        const s = src + ((<usize>iy * W + ix) << 2);
        v128.store(dst, v128.load(s)); v128.store(dst, v128.load(s, 16), 16);
      } else {
        const rowp = src + ((<usize>iy * W) << 2);
        for (let j = 0; j < 8; j++) {
          const xx = ix + j;
          store<f32>(dst + (<usize>j << 2), xx >= 0 && xx < W ? load<f32>(rowp + (<usize>xx << 2)) : <f32>0);
        }
      }
    } else if (runs) {
      const off = dy * W + dx;
      for (let r = 0; r < nRuns; r++) {
        const sp = src + (<usize>(load<i32>(runSrc + (<usize>r << 2)) + off) << 2);
        const dp = dst + <usize>load<i32>(runDst + (<usize>r << 2));
        v128.store(dp, v128.load(sp)); v128.store(dp, v128.load(sp, 16), 16);
      }
    } else if (oneRow2) {
      // stride 2, 8 columns along one row, every tap inside: the even lanes of 16 consecutive inputs
      const s = src + ((<usize>(y0 + dy) * W + <usize>(x0 + dx)) << 2);
      v128.store(dst, v128.shuffle<f32>(v128.load(s), v128.load(s, 16), 0, 2, 4, 6));
      v128.store(dst, v128.shuffle<f32>(v128.load(s, 32), v128.load(s, 48), 0, 2, 4, 6), 16);
    } else if (inside && cols == 8) {
      const off = <usize>(dy * W + dx);
      for (let j = 0; j < 8; j++) {
        const base = <usize>(load<i32>(colY + (<usize>j << 2)) * W + load<i32>(colX + (<usize>j << 2)));
        store<f32>(dst + (<usize>j << 2), load<f32>(src + ((base + off) << 2)));
      }
    } else {
      for (let j = 0; j < 8; j++) {
        const iy = load<i32>(colY + (<usize>j << 2)) + dy, ix = load<i32>(colX + (<usize>j << 2)) + dx;
        const v: f32 = j < cols && iy >= 0 && iy < H && ix >= 0 && ix < W ? load<f32>(src + ((<usize>iy * W + ix) << 2)) : 0;
        store<f32>(dst + (<usize>j << 2), v);
      }
    }
    dst += 32;
    if (++kx == KW) { kx = 0; if (++ky == KH) { ky = 0; ci++; } }
  }
}

/** Transposed im2col panel for the weight gradient: pixels p0..p0+kc (rows), column-matrix rows c0..c0+cols
 *  (≤ 8) as columns: dst[p*8 + j] = col[c0 + j, p0 + p]. */
function im2colTPanel(x: usize, g: usize, p0: i32, kc: i32, c0: i32, cols: i32, dst: usize, scratch: usize): void {
  const H = arg(g, G_H), W = arg(g, G_W), KH = arg(g, G_KH), KW = arg(g, G_KW);
  const SH = arg(g, G_SH), SW = arg(g, G_SW), PT = arg(g, G_PT), PL = arg(g, G_PL);
  const DH = arg(g, G_DH), DW = arg(g, G_DW), OW = arg(g, G_OW);
  const plane = <usize>H * <usize>W;
  if (cols == 8 && SW == 1) { im2colTPanelRows(x, H, W, KH, KW, SH, PT, PL, DH, DW, OW, p0, kc, c0, dst, scratch); return; }
  for (let j = 0; j < 8; j++) {
    let d = dst + (<usize>j << 2);
    if (j >= cols) {
      for (let p = 0; p < kc; p++) { store<f32>(d, 0); d += 32; }
      continue;
    }
    const c = c0 + j;
    const ci = c / (KH * KW);
    const rem = c - ci * KH * KW;
    const ky = rem / KW, kx = rem - ky * KW;
    const src = x + ((<usize>ci * plane) << 2);
    let oy = p0 / OW, ox = p0 - oy * OW;
    let iy = oy * SH - PT + ky * DH;
    const ixStart = -PL + kx * DW;
    let ix = ox * SW + ixStart;
    for (let p = 0; p < kc; p++) {
      const v: f32 = iy >= 0 && iy < H && ix >= 0 && ix < W ? load<f32>(src + ((<usize>iy * W + ix) << 2)) : 0;
      store<f32>(d, v);
      d += 32;
      if (++ox == OW) { ox = 0; ix = ixStart; iy += SH; } else ix += SW;
    }
  }
}

/** im2colTPanel for 8 columns and stride-1 columns: runs of 4 pixels along an output row whose 8 taps all lie inside
 *  the input are 8 contiguous 4-float loads (one per column), transposed 4×4 twice into the panel's 4 rows of 8;
 *  other pixels are gathered one by one with bounds checks. scratch: 24 i32 (per column: plane offset, dy, dx). */
function im2colTPanelRows(x: usize, H: i32, W: i32, KH: i32, KW: i32, SH: i32, PT: i32, PL: i32, DH: i32, DW: i32, OW: i32,
  p0: i32, kc: i32, c0: i32, dst: usize, scratch: usize): void {
  const khw = KH * KW, plane = H * W;
  for (let j = 0; j < 8; j++) {
    const c = c0 + j, ci = c / khw, rem = c - ci * khw, ky = rem / KW, kx = rem - ky * KW;
    store<i32>(scratch + (<usize>j << 2), ci * plane);
    store<i32>(scratch + (<usize>(8 + j) << 2), ky * DH);
    store<i32>(scratch + (<usize>(16 + j) << 2), kx * DW - PL);
  }
  let oy = p0 / OW, ox = p0 - oy * OW;
  let p = 0;
  while (p < kc) {
    const y0 = oy * SH - PT;
    let fast = p + 4 <= kc && ox + 4 <= OW;
    for (let j = 0; j < 8 && fast; j++) {
      const iy = y0 + load<i32>(scratch + (<usize>(8 + j) << 2)), ix = ox + load<i32>(scratch + (<usize>(16 + j) << 2));
      fast = iy >= 0 && iy < H && ix >= 0 && ix + 4 <= W;
    }
    if (fast) {
      const base = x + (<usize>(y0 * W + ox) << 2);
      const r0 = v128.load(base + (<usize>(load<i32>(scratch) + load<i32>(scratch, 32) * W + load<i32>(scratch, 64)) << 2));
      const r1 = v128.load(base + (<usize>(load<i32>(scratch, 4) + load<i32>(scratch, 36) * W + load<i32>(scratch, 68)) << 2));
      const r2 = v128.load(base + (<usize>(load<i32>(scratch, 8) + load<i32>(scratch, 40) * W + load<i32>(scratch, 72)) << 2));
      const r3 = v128.load(base + (<usize>(load<i32>(scratch, 12) + load<i32>(scratch, 44) * W + load<i32>(scratch, 76)) << 2));
      const r4 = v128.load(base + (<usize>(load<i32>(scratch, 16) + load<i32>(scratch, 48) * W + load<i32>(scratch, 80)) << 2));
      const r5 = v128.load(base + (<usize>(load<i32>(scratch, 20) + load<i32>(scratch, 52) * W + load<i32>(scratch, 84)) << 2));
      const r6 = v128.load(base + (<usize>(load<i32>(scratch, 24) + load<i32>(scratch, 56) * W + load<i32>(scratch, 88)) << 2));
      const r7 = v128.load(base + (<usize>(load<i32>(scratch, 28) + load<i32>(scratch, 60) * W + load<i32>(scratch, 92)) << 2));
      const d = dst + (<usize>p << 5);
      let s0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), s1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      let s2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), s3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(s0, s1, 0, 1, 4, 5));
      v128.store(d, v128.shuffle<f32>(s0, s1, 2, 3, 6, 7), 32);
      v128.store(d, v128.shuffle<f32>(s2, s3, 0, 1, 4, 5), 64);
      v128.store(d, v128.shuffle<f32>(s2, s3, 2, 3, 6, 7), 96);
      s0 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5); s1 = v128.shuffle<f32>(r6, r7, 0, 4, 1, 5);
      s2 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7); s3 = v128.shuffle<f32>(r6, r7, 2, 6, 3, 7);
      v128.store(d, v128.shuffle<f32>(s0, s1, 0, 1, 4, 5), 16);
      v128.store(d, v128.shuffle<f32>(s0, s1, 2, 3, 6, 7), 48);
      v128.store(d, v128.shuffle<f32>(s2, s3, 0, 1, 4, 5), 80);
      v128.store(d, v128.shuffle<f32>(s2, s3, 2, 3, 6, 7), 112);
      p += 4; ox += 4;
    } else {
      const d = dst + (<usize>p << 5);
      for (let j = 0; j < 8; j++) {
        const iy = y0 + load<i32>(scratch + (<usize>(8 + j) << 2)), ix = ox + load<i32>(scratch + (<usize>(16 + j) << 2));
        const v: f32 = iy >= 0 && iy < H && ix >= 0 && ix < W
          ? load<f32>(x + (<usize>(load<i32>(scratch + (<usize>j << 2)) + iy * W + ix) << 2)) : 0;
        store<f32>(d + (<usize>j << 2), v);
      }
      p++; ox++;
    }
    if (ox == OW) { ox = 0; oy++; }
  }
}

// Parameter block of conv tasks: the 13 geometry fields above, then:
const C_N = 13, C_COUT = 14, C_GROUPS = 15, C_X = 16, C_A = 17, C_Y = 18, C_BIAS = 19, C_NC = 20,
  C_KC = 21, C_BUF = 22, C_BUFSTRIDE = 23, C_MC = 24, C_W = 25;
// Per-thread buffer layout: [tile 32 floats][colY 8 i32][colX 8 i32][pad to 64 floats][B or A panels...]

/** Convolution forward: units (image, group, block of NC output pixels); y (+bias) = W_g · im2col(x), W_g from
 *  packed panels (C_A) or, when C_A is 0, read in place from the weights (C_W). */
export function convForwardTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), H = arg(args, G_H), W = arg(args, G_W), KH = arg(args, G_KH), KW = arg(args, G_KW);
  const OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, C_N), cout = arg(args, C_COUT), groups = arg(args, C_GROUPS);
  const x = <usize>arg(args, C_X), a = <usize>arg(args, C_A), y = <usize>arg(args, C_Y), bias = <usize>arg(args, C_BIAS);
  const NC = arg(args, C_NC), KC = arg(args, C_KC), MC = arg(args, C_MC), w = <usize>arg(args, C_W);
  const buf = <usize>arg(args, C_BUF) + <usize>tid * <usize>arg(args, C_BUFSTRIDE);
  const tile = buf, colY = buf + 128, colX = buf + 160, bp = buf + 256;
  const cinG = cin / groups, coutG = cout / groups;
  const K = cinG * KH * KW, P = OH * OW, mPad = (coutG + 3) & ~3;
  const nJc = (P + NC - 1) / NC, nMc = (coutG + MC - 1) / MC;
  const units = N * groups * nJc * nMc;
  const ldc = <usize>P << 2;
  for (let u = tid; u < units; u += nth) {
    // Unit = (image, group, block of MC output channels, block of NC output pixels); with few pixels (small maps,
    // batch 1) the channel blocks share the work among threads, each reading only its rows of the weights.
    const jc = u % nJc, mc = (u / nJc) % nMc, ng = u / (nJc * nMc), grp = ng % groups, img = ng / groups;
    const xg = x + ((<usize>(img * cin + grp * cinG) * <usize>(H * W)) << 2);
    const p0 = jc * NC, nc = imin(NC, P - p0);
    const m0 = mc * MC, m1 = imin(coutG, m0 + MC);
    const wg = w + ((<usize>grp * <usize>coutG * <usize>K) << 2);
    const yg = y + ((<usize>(img * cout + grp * coutG) * <usize>P + <usize>p0) << 2);
    const ag = a + ((<usize>grp * <usize>mPad * <usize>K) << 2);
    if (bias != 0) {
      for (let r = m0; r < m1; r++) {
        const bv = load<f32>(bias + (<usize>(grp * coutG + r) << 2));
        const row = yg + <usize>r * ldc;
        for (let j = 0; j < nc; j++) store<f32>(row + (<usize>j << 2), bv);
      }
    }
    const nq = (nc + 7) >> 3;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = imin(KC, K - k0);
      for (let q = 0; q < nq; q++)
        im2colPanel(xg, args, k0, kc, p0 + q * 8, imin(8, nc - q * 8), bp + (<usize>(q * kc) << 5), colY, colX);
      const acc = k0 > 0 || bias != 0;
      for (let q = 0; q < nq; q++) {
        const cols = imin(8, nc - q * 8);
        const pb = bp + (<usize>(q * kc) << 5);
        for (let i0 = m0; i0 < m1; i0 += 4) {
          if (a == 0) // weights read in place: rows of K floats
            microRawEdge(kc, wg + ((<usize>i0 * <usize>K + <usize>k0) << 2), <usize>K << 2, pb,
              yg + <usize>i0 * ldc + (<usize>(q * 8) << 2), ldc, acc, imin(4, m1 - i0), cols, tile);
          else
            microEdge(kc, ag + ((<usize>i0 * <usize>K + <usize>k0 * 4) << 2), pb,
              yg + <usize>i0 * ldc + (<usize>(q * 8) << 2), ldc, acc, imin(4, m1 - i0), cols, tile);
        }
      }
    }
  }
}

// Parameter block of the weight-gradient task (after the 13 geometry fields):
const D_N = 13, D_COUT = 14, D_GROUPS = 15, D_X = 16, D_DY = 17, D_DW = 18, D_DWSTRIDE = 19, D_KC = 20,
  D_BUF = 21, D_BUFSTRIDE = 22;

/** Weight gradient: units (image, group, block of KC output pixels); each thread accumulates
 *  dW_g += dy_g[:, block] · im2col(x)[:, block]ᵀ into its own partial buffer dw + tid*dwStride (zeroed here). */
export function convWeightTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), H = arg(args, G_H), W = arg(args, G_W), KH = arg(args, G_KH), KW = arg(args, G_KW);
  const OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, D_N), cout = arg(args, D_COUT), groups = arg(args, D_GROUPS);
  const x = <usize>arg(args, D_X), dy = <usize>arg(args, D_DY);
  const dw = <usize>arg(args, D_DW) + ((<usize>tid * <usize>arg(args, D_DWSTRIDE)) << 2);
  const KC = arg(args, D_KC);
  const buf = <usize>arg(args, D_BUF) + <usize>tid * <usize>arg(args, D_BUFSTRIDE);
  const tile = buf, bp = buf + 256;
  const cinG = cin / groups, coutG = cout / groups;
  const K = cinG * KH * KW, P = OH * OW;
  const ap = bp + (<usize>KC << 5); // A panels (dy block) after one B panel
  const total = cout * K;
  for (let i = 0; i < total; i++) store<f32>(dw + (<usize>i << 2), 0);
  const nPc = (P + KC - 1) / KC;
  const units = N * groups * nPc;
  const ldc = <usize>K << 2;
  for (let u = tid; u < units; u += nth) {
    const pc = u % nPc, ng = u / nPc, grp = ng % groups, img = ng / groups;
    const p0 = pc * KC, kc = imin(KC, P - p0);
    const xg = x + ((<usize>(img * cin + grp * cinG) * <usize>(H * W)) << 2);
    const dyg = dy + ((<usize>(img * cout + grp * coutG) * <usize>P + <usize>p0) << 2);
    packA(dyg, P, 1, coutG, kc, ap);
    const dwg = dw + ((<usize>(grp * coutG) * <usize>K) << 2);
    for (let c0 = 0; c0 < K; c0 += 8) {
      const cols = imin(8, K - c0);
      im2colTPanel(xg, args, p0, kc, c0, cols, bp, tile + 128);
      for (let i0 = 0; i0 < coutG; i0 += 4) {
        microEdge(kc, ap + ((<usize>i0 * <usize>kc) << 2), bp, dwg + <usize>i0 * ldc + (<usize>c0 << 2), ldc, true,
          imin(4, coutG - i0), cols, tile);
      }
    }
  }
}

// Parameter block of the matmul task:
const M_BATCH = 0, M_M = 1, M_N = 2, M_K = 3, M_A = 4, M_ASTRIDE = 5, M_B = 6, M_BSTRIDE = 7, M_BRS = 8,
  M_BCS = 9, M_C = 10, M_NC = 11, M_KC = 12, M_BUF = 13, M_BUFSTRIDE = 14, M_ACC = 15;

/** out[b] = A[b]·B[b] (or out[b] += A[b]·B[b] with ACC set) with A pre-packed (panels of full K, batch stride aStride
 *  floats, 0 = shared) and B read through element strides (rs, cs); units (batch, block of NC columns). */
export function matmulTask(args: usize, tid: i32, nth: i32): void {
  const batch = arg(args, M_BATCH), M = arg(args, M_M), N = arg(args, M_N), K = arg(args, M_K);
  const a = <usize>arg(args, M_A), aStride = <usize>arg(args, M_ASTRIDE);
  const b = <usize>arg(args, M_B), bStride = <usize>arg(args, M_BSTRIDE), rs = arg(args, M_BRS), cs = arg(args, M_BCS);
  const c = <usize>arg(args, M_C), NC = arg(args, M_NC), KC = arg(args, M_KC);
  const buf = <usize>arg(args, M_BUF) + <usize>tid * <usize>arg(args, M_BUFSTRIDE), acc = arg(args, M_ACC) != 0;
  const tile = buf, bp = buf + 256;
  const nJc = (N + NC - 1) / NC;
  const units = batch * nJc;
  const ldc = <usize>N << 2;
  for (let u = tid; u < units; u += nth) {
    const jc = u % nJc, bi = u / nJc;
    const j0 = jc * NC, nc = imin(NC, N - j0);
    const ab = a + ((<usize>bi * aStride) << 2);
    const bb = b + ((<usize>bi * bStride) << 2);
    const cb = c + ((<usize>bi * <usize>M * <usize>N + <usize>j0) << 2);
    const nq = (nc + 7) >> 3;
    if (K == 0) {
      for (let r = 0; r < M; r++) for (let j = 0; j < nc; j++) store<f32>(cb + <usize>r * ldc + (<usize>j << 2), 0);
      continue;
    }
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = imin(KC, K - k0);
      for (let q = 0; q < nq; q++)
        packBPanel(bb, rs, cs, k0, kc, j0 + q * 8, imin(8, nc - q * 8), bp + (<usize>(q * kc) << 5));
      for (let q = 0; q < nq; q++) {
        const cols = imin(8, nc - q * 8);
        const pb = bp + (<usize>(q * kc) << 5);
        for (let i0 = 0; i0 < M; i0 += 4) {
          microEdge(kc, ab + ((<usize>i0 * <usize>K + <usize>k0 * 4) << 2), pb,
            cb + <usize>i0 * ldc + (<usize>(q * 8) << 2), ldc, k0 > 0 || acc, imin(4, M - i0), cols, tile);
        }
      }
    }
  }
}

/** Zero-inserts dy [planes, oh, ow] into up [planes, (oh-1)*sh+1, (ow-1)*sw+1] (for stride > 1 input gradients). */
export function upsampleZeros(src: usize, planes: i32, oh: i32, ow: i32, sh: i32, sw: i32, dst: usize): void {
  const uh = (oh - 1) * sh + 1, uw = (ow - 1) * sw + 1;
  const total = <usize>planes * <usize>uh * <usize>uw;
  memory.fill(dst, 0, total << 2);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < oh; i++) {
      const s = src + ((<usize>(p * oh + i) * <usize>ow) << 2);
      const d = dst + ((<usize>(p * uh + i * sh) * <usize>uw) << 2);
      for (let j = 0; j < ow; j++) store<f32>(d + (<usize>(j * sw) << 2), load<f32>(s + (<usize>j << 2)));
    }
  }
}

/** out[i] = Σ_t parts[t*stride + i] over `count` partial buffers. */
export function sumPartials(parts: usize, count: i32, stride: i32, n: i32, out: usize): void {
  const st = <usize>stride << 2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    let s = v128.load(parts + off);
    for (let t = 1; t < count; t++) s = f32x4.add(s, v128.load(parts + <usize>t * st + off));
    v128.store(out + off, s);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let s = load<f32>(parts + off);
    for (let t = 1; t < count; t++) s += load<f32>(parts + <usize>t * st + off);
    store<f32>(out + off, s);
  }
}

// Parameter block of the input-gradient (GEMM + col2im) task, after the 13 geometry fields:
const I_N = 13, I_COUT = 14, I_GROUPS = 15, I_DY = 16, I_A = 17, I_DX = 18, I_NC = 19, I_CH = 20,
  I_ASTRIDE = 21, I_BUF = 22, I_BUFSTRIDE = 23;

/** Input gradient as dcol = W_gᵀ · dy_g followed by col2im (scatter-add into dx): units (image, group, chunk of
 *  CH input channels), so that each unit owns its dx planes. A holds Wᵀ packed per (group, chunk): rows
 *  (ci, ky, kx) of the chunk, shared dimension the group's output channels; ASTRIDE floats per chunk. */
export function convInputTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), H = arg(args, G_H), W = arg(args, G_W), KH = arg(args, G_KH), KW = arg(args, G_KW);
  const SH = arg(args, G_SH), SW = arg(args, G_SW), PT = arg(args, G_PT), PL = arg(args, G_PL);
  const DH = arg(args, G_DH), DW = arg(args, G_DW), OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, I_N), cout = arg(args, I_COUT), groups = arg(args, I_GROUPS);
  const dy = <usize>arg(args, I_DY), a = <usize>arg(args, I_A), dx = <usize>arg(args, I_DX);
  const NC = arg(args, I_NC), CH = arg(args, I_CH), aStride = <usize>arg(args, I_ASTRIDE);
  const buf = <usize>arg(args, I_BUF) + <usize>tid * <usize>arg(args, I_BUFSTRIDE);
  const tile = buf, bp = buf + 256;
  const cinG = cin / groups, coutG = cout / groups, khw = KH * KW;
  const P = OH * OW, plane = <usize>H * <usize>W;
  const nChunks = (cinG + CH - 1) / CH;
  const ncPad = (NC + 7) & ~7;
  const cbuf = bp + (<usize>(coutG * ncPad) << 2); // dcol block after the B panels
  const ldc = <usize>ncPad << 2;
  const units = N * groups * nChunks;
  for (let u = tid; u < units; u += nth) {
    const chunk = u % nChunks, ng = u / nChunks, grp = ng % groups, img = ng / groups;
    const c0 = chunk * CH, chans = imin(CH, cinG - c0), rows = chans * khw;
    const dxc = dx + ((<usize>(img * cin + grp * cinG + c0) * plane) << 2);
    memory.fill(dxc, 0, (<usize>chans * plane) << 2);
    const dyg = dy + ((<usize>(img * cout + grp * coutG) * <usize>P) << 2);
    const ac = a + ((<usize>(grp * nChunks + chunk) * aStride) << 2);
    for (let p0 = 0; p0 < P; p0 += NC) {
      const nc = imin(NC, P - p0), nq = (nc + 7) >> 3;
      for (let q = 0; q < nq; q++)
        packBPanel(dyg, P, 1, 0, coutG, p0 + q * 8, imin(8, nc - q * 8), bp + (<usize>(q * coutG) << 5));
      for (let q = 0; q < nq; q++) {
        const cols = imin(8, nc - q * 8);
        const pb = bp + (<usize>(q * coutG) << 5);
        for (let i0 = 0; i0 < rows; i0 += 4)
          microEdge(coutG, ac + ((<usize>i0 * <usize>coutG) << 2), pb, cbuf + <usize>i0 * ldc + (<usize>(q * 8) << 2), ldc,
            false, imin(4, rows - i0), cols, tile);
      }
      // col2im: dcol row r = (ci, ky, kx), column p = (oy, ox) adds into dx[ci, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw].
      const oyStart = p0 / OW, oxStart = p0 - oyStart * OW;
      for (let r = 0; r < rows; r++) {
        const ci = r / khw, rem = r - ci * khw, ky = rem / KW, kx = rem - ky * KW;
        const dst = dxc + ((<usize>ci * plane) << 2);
        const crow = cbuf + <usize>r * ldc;
        let oy = oyStart, ox = oxStart;
        const ixStart = kx * DW - PL;
        let iy = oy * SH - PT + ky * DH, ix = ox * SW + ixStart;
        // one output row's run of the block at a time: with stride 1 and the run inside the input, it adds to
        // consecutive dx elements, 4 at a time (the same float32 adds, in the same order per element)
        let j = 0;
        while (j < nc) {
          const len = imin(OW - ox, nc - j);
          const c = crow + (<usize>j << 2);
          if (SW == 1 && iy >= 0 && iy < H && ix >= 0 && ix + len <= W) {
            const d = dst + ((<usize>iy * W + ix) << 2);
            let t = 0;
            for (; t + 4 <= len; t += 4) {
              const o = <usize>t << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(c + o)));
            }
            for (; t < len; t++) {
              const o = <usize>t << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(c + o));
            }
          } else if (iy >= 0 && iy < H) {
            const drow = dst + ((<usize>iy * W) << 2);
            for (let t = 0; t < len; t++) {
              const xx = ix + t * SW;
              if (xx >= 0 && xx < W) {
                const d = drow + (<usize>xx << 2);
                store<f32>(d, load<f32>(d) + load<f32>(c + (<usize>t << 2)));
              }
            }
          }
          j += len; ox += len;
          if (ox == OW) { ox = 0; ix = ixStart; iy += SH; } else ix += len * SW;
        }
      }
    }
  }
}

// ---- pooling, scatter, elementwise (the kernels a LeNet step spent 8–16 ms on in the reference backend) ----

// Parameter block of the max-pooling task.
const M_PLANES = 0, M_H = 1, M_W = 2, M_SH = 3, M_SW = 4, M_PT = 5, M_PL = 6, M_DH = 7, M_DW = 8, M_OH = 9,
  M_OW = 10, M_X = 11, M_ROWS = 12, M_COLS = 13, M_Y = 14, M_IDX = 15, M_KH = 16, M_KW = 17, M_NEG = 18, M_DIV = 19;

/** Max pooling, units = planes. ROWS/COLS hold, per output row/column, the first and one-past-last kernel tap
 *  inside the input (computed by the caller, as the reference does). The running max starts at −∞ and a NaN
 *  takes over; the update is a branch-free select (on random data a branch mispredicts half the time). The index
 *  is the flat ih·w + iw of the taken element, starting from the window's first real tap (PyTorch's rule).
 *  NEG ≠ 0: min pooling as −maxPool(−x), the reference's rule (sign flips are exact; indices are the same). */
export function maxPoolTask(args: usize, tid: i32, nth: i32): void {
  const planes = arg(args, M_PLANES), H = arg(args, M_H), W = arg(args, M_W), SH = arg(args, M_SH), SW = arg(args, M_SW);
  const PT = arg(args, M_PT), PL = arg(args, M_PL), DH = arg(args, M_DH), DW = arg(args, M_DW);
  const OH = arg(args, M_OH), OW = arg(args, M_OW);
  const x = <usize>arg(args, M_X), rows = <usize>arg(args, M_ROWS), cols = <usize>arg(args, M_COLS);
  const y = <usize>arg(args, M_Y), ix = <usize>arg(args, M_IDX), KH = arg(args, M_KH), KW = arg(args, M_KW);
  const p0 = <i32>((<i64>planes * tid) / nth), p1 = <i32>((<i64>planes * (tid + 1)) / nth);
  const inPlane = H * W, outPlane = OH * OW;
  // 2×2 windows, stride 2, no padding (LeNet, VGG): 4 outputs at a time from two 8-float loads per input row,
  // split into even and odd columns; the taps are taken in the scalar loop's order with the same rule.
  const pairs = KH == 2 && KW == 2 && SH == 2 && SW == 2 && PT == 0 && PL == 0 && DH == 1 && DW == 1;
  // (only windows wholly inside: ceil-mode outputs past the input's last pair take the scalar loop)
  const vecEnd = pairs ? imin(OW, W >> 1) & ~3 : 0;
  const lane2 = i32x4(0, 2, 4, 6), one = i32x4.splat(1), wv = i32x4.splat(W);
  const sign = arg(args, M_NEG) != 0 ? 0x80000000 : 0, signV = i32x4.splat(sign);
  // other windows: the 4-column groups whose windows lie wholly inside a row
  const general = !pairs && OW >= 4;
  const gLo = general ? firstInsideColumn(OW, SW, PL) : 0, gHi = general ? insideGroupsEnd(OW, W, KW, DW, SW, PL, gLo) : 0;
  for (let p = p0; p < p1; p++) {
    const xp = x + ((<usize>p * <usize>inPlane) << 2);
    let o = <usize>p * <usize>outPlane;
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - PT;
      const khs = load<i32>(rows + (<usize>(2 * oh) << 2)), khe = load<i32>(rows + (<usize>(2 * oh + 1) << 2));
      const rowEnd = khs == 0 && khe == 2 ? vecEnd : 0;
      for (let ow = 0; ow < rowEnd; ow += 4) {
        const r0 = xp + ((<usize>(2 * oh) * <usize>W + <usize>(2 * ow)) << 2), r1 = r0 + (<usize>W << 2);
        const a0 = v128.xor(v128.load(r0), signV), a1 = v128.xor(v128.load(r0, 16), signV);
        const b0 = v128.xor(v128.load(r1), signV), b1 = v128.xor(v128.load(r1, 16), signV);
        let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        let idx = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), lane2);
        let c = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let ci = i32x4.add(idx, one);
        let take = v128.or(f32x4.gt(c, best), f32x4.ne(c, c));
        best = v128.bitselect(c, best, take); idx = v128.bitselect(ci, idx, take);
        c = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const ib = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), lane2);
        ci = i32x4.add(ib, wv);
        take = v128.or(f32x4.gt(c, best), f32x4.ne(c, c));
        best = v128.bitselect(c, best, take); idx = v128.bitselect(ci, idx, take);
        c = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        ci = i32x4.add(ci, one);
        take = v128.or(f32x4.gt(c, best), f32x4.ne(c, c));
        best = v128.bitselect(c, best, take); idx = v128.bitselect(ci, idx, take);
        v128.store(y + (o << 2), v128.xor(best, signV));
        if (ix != 0) v128.store(ix + (o << 2), idx);
        o += 4;
      }
      // Other windows: 4 outputs at a time over the columns whose windows lie wholly inside the row (the taps in
      // the scalar loop's order, same rule, so values and indices are the same); the edge columns take the scalar loop.
      const vLo = general ? gLo : rowEnd, vHi = general ? gHi : rowEnd;
      o = maxPoolScalar(xp, y, ix, cols, o, ih0, khs, khe, W, SW, PL, DH, DW, rowEnd, vLo, sign);
      const lanes = i32x4(0, SW, 2 * SW, 3 * SW);
      for (let ow = vLo; ow < vHi; ow += 4) {
        const iw0 = ow * SW - PL;
        let best = f32x4.splat(-Infinity);
        let bestIdx = i32x4.splat((ih0 + khs * DH) * W + iw0);
        for (let a = khs; a < khe; a++) {
          const rowIdx = (ih0 + a * DH) * W + iw0;
          for (let b = 0; b < KW; b++) {
            const idx = rowIdx + b * DW;
            const s = xp + (<usize>idx << 2);
            const v = v128.xor(loadStrided4(s, SW), signV);
            const take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, take);
            if (ix != 0) bestIdx = v128.bitselect(i32x4.add(i32x4.splat(idx), lanes), bestIdx, take); // (inference: none)
          }
        }
        v128.store(y + (o << 2), v128.xor(best, signV));
        if (ix != 0) v128.store(ix + (o << 2), bestIdx);
        o += 4;
      }
      o = maxPoolScalar(xp, y, ix, cols, o, ih0, khs, khe, W, SW, PL, DH, DW, vHi, OW, sign);
    }
  }
}

/** Max pooling's scalar loop over output columns [owFrom, owTo) of one output row; returns the next output offset. */
@inline
function maxPoolScalar(xp: usize, y: usize, ix: usize, cols: usize, o: usize, ih0: i32, khs: i32, khe: i32, W: i32,
  SW: i32, PL: i32, DH: i32, DW: i32, owFrom: i32, owTo: i32, sign: i32): usize {
      for (let ow = owFrom; ow < owTo; ow++) {
        const iw0 = ow * SW - PL;
        const kws = load<i32>(cols + (<usize>(2 * ow) << 2)), kwe = load<i32>(cols + (<usize>(2 * ow + 1) << 2));
        // The running max is kept as i32 bits: V8 lowers an i32 select to cmov but an f32 select to a branch.
        let bestBits = reinterpret<i32>(-Infinity as f32);
        let bestIdx = (ih0 + khs * DH) * W + iw0 + kws * DW;
        for (let a = khs; a < khe; a++) {
          const rowIdx = (ih0 + a * DH) * W + iw0;
          for (let b = kws; b < kwe; b++) {
            const idx = rowIdx + b * DW;
            const v = reinterpret<f32>(load<i32>(xp + (<usize>idx << 2)) ^ sign);
            const take = <bool>(<i32>(v > reinterpret<f32>(bestBits)) | <i32>(v != v)); // `||` would compile to a branch
            bestBits = select<i32>(reinterpret<i32>(v), bestBits, take);
            bestIdx = select<i32>(idx, bestIdx, take);
          }
        }
        store<i32>(y + (o << 2), bestBits ^ sign);
        if (ix != 0) store<i32>(ix + (o << 2), bestIdx);
        o++;
      }
  return o;
}

/** The first output column whose window starts inside its row (ow·SW − PL ≥ 0). */
@inline
function firstInsideColumn(OW: i32, SW: i32, PL: i32): i32 {
  return imin(OW, (PL + SW - 1) / SW);
}

/** The end of the 4-column groups from `lo` whose windows end inside their row (iw0 + (KW−1)·DW ≤ W−1). */
@inline
function insideGroupsEnd(OW: i32, W: i32, KW: i32, DW: i32, SW: i32, PL: i32, lo: i32): i32 {
  const reach = W - 1 - (KW - 1) * DW + PL; // the condition is ow·SW ≤ reach
  const hi = reach < 0 ? lo : max<i32>(lo, imin(OW, reach / SW + 1));
  return lo + ((hi - lo) & ~3);
}

/** The 4 floats at s, s+SW, s+2·SW, s+3·SW (one load for stride 1, two and a shuffle for stride 2). */
@inline
function loadStrided4(s: usize, SW: i32): v128 {
  if (SW == 1) return v128.load(s);
  if (SW == 2) return v128.shuffle<f32>(v128.load(s), v128.load(s, 16), 0, 2, 4, 6);
  let v = f32x4.splat(load<f32>(s));
  v = f32x4.replace_lane(v, 1, load<f32>(s + (<usize>SW << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(s + (<usize>(2 * SW) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(s + (<usize>(3 * SW) << 2)));
}

/** Average pooling, units = planes, same parameter block (DIV: the f64 divisor of each output position, computed
 *  by the caller as the reference does). Each window's real taps are summed in double in the reference's order and
 *  divided in double, rounded once to f32: bit-exact. Columns whose windows lie wholly inside the row run 4 at a
 *  time (two f64x2 sums); a row with no real tap gives 0, as the reference does. */
export function avgPoolTask(args: usize, tid: i32, nth: i32): void {
  const planes = arg(args, M_PLANES), H = arg(args, M_H), W = arg(args, M_W), SH = arg(args, M_SH), SW = arg(args, M_SW);
  const PT = arg(args, M_PT), PL = arg(args, M_PL), DH = arg(args, M_DH), DW = arg(args, M_DW);
  const OH = arg(args, M_OH), OW = arg(args, M_OW);
  const x = <usize>arg(args, M_X), rows = <usize>arg(args, M_ROWS), cols = <usize>arg(args, M_COLS);
  const y = <usize>arg(args, M_Y), div = <usize>arg(args, M_DIV), KW = arg(args, M_KW);
  const p0 = <i32>((<i64>planes * tid) / nth), p1 = <i32>((<i64>planes * (tid + 1)) / nth);
  const inPlane = H * W, outPlane = OH * OW;
  const vLo = OW >= 4 ? firstInsideColumn(OW, SW, PL) : 0, vHi = OW >= 4 ? insideGroupsEnd(OW, W, KW, DW, SW, PL, vLo) : 0;
  for (let p = p0; p < p1; p++) {
    const xp = x + ((<usize>p * <usize>inPlane) << 2);
    const yp = y + ((<usize>p * <usize>outPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * SH - PT;
      const khs = load<i32>(rows + (<usize>(2 * oh) << 2)), khe = load<i32>(rows + (<usize>(2 * oh + 1) << 2));
      const yrow = yp + ((<usize>oh * <usize>OW) << 2), drow = div + ((<usize>oh * <usize>OW) << 3);
      avgPoolScalar(xp, yrow, drow, cols, ih0, khs, khe, W, SW, PL, DH, DW, 0, vLo);
      for (let ow = vLo; ow < vHi; ow += 4) {
        const iw0 = ow * SW - PL;
        let s01 = f64x2.splat(0), s23 = f64x2.splat(0);
        for (let a = khs; a < khe; a++) {
          const rowIdx = (ih0 + a * DH) * W + iw0;
          for (let b = 0; b < KW; b++) {
            const v = loadStrided4(xp + (<usize>(rowIdx + b * DW) << 2), SW);
            s01 = f64x2.add(s01, f64x2.promote_low_f32x4(v));
            s23 = f64x2.add(s23, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
          }
        }
        const d = drow + (<usize>ow << 3);
        const q01 = f32x4.demote_f64x2_zero(f64x2.div(s01, v128.load(d)));
        const q23 = f32x4.demote_f64x2_zero(f64x2.div(s23, v128.load(d, 16)));
        const q = khs < khe ? v128.shuffle<f32>(q01, q23, 0, 1, 4, 5) : f32x4.splat(0);
        v128.store(yrow + (<usize>ow << 2), q);
      }
      avgPoolScalar(xp, yrow, drow, cols, ih0, khs, khe, W, SW, PL, DH, DW, vHi, OW);
    }
  }
}

@inline
function avgPoolScalar(xp: usize, yrow: usize, drow: usize, cols: usize, ih0: i32, khs: i32, khe: i32, W: i32,
  SW: i32, PL: i32, DH: i32, DW: i32, owFrom: i32, owTo: i32): void {
  for (let ow = owFrom; ow < owTo; ow++) {
    const iw0 = ow * SW - PL;
    const kws = load<i32>(cols + (<usize>(2 * ow) << 2)), kwe = load<i32>(cols + (<usize>(2 * ow + 1) << 2));
    let s: f64 = 0;
    for (let a = khs; a < khe; a++) {
      const row = xp + (<usize>((ih0 + a * DH) * W + iw0) << 2);
      for (let b = kws; b < kwe; b++) s += <f64>load<f32>(row + (<usize>(b * DW) << 2));
    }
    store<f32>(yrow + (<usize>ow << 2), khs < khe && kws < kwe ? <f32>(s / load<f64>(drow + (<usize>ow << 3))) : 0);
  }
}

/** dst[p*dstPlane + index[(perPlane ? p*srcPlane : 0) + i]] (+)= src[p*srcPlane + i] (max-pooling backward). */
export function planeScatter(src: usize, srcPlane: i32, index: usize, perPlane: bool, planes: i32, dst: usize, dstPlane: i32, accumulate: bool): void {
  for (let p = 0; p < planes; p++) {
    const s = src + ((<usize>p * <usize>srcPlane) << 2);
    const d = dst + ((<usize>p * <usize>dstPlane) << 2);
    const ib = index + (perPlane ? (<usize>p * <usize>srcPlane) << 2 : 0);
    if (accumulate) {
      for (let i = 0; i < srcPlane; i++) {
        const at = d + (<usize>load<i32>(ib + (<usize>i << 2)) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(s + (<usize>i << 2)));
      }
    } else {
      for (let i = 0; i < srcPlane; i++)
        store<f32>(d + (<usize>load<i32>(ib + (<usize>i << 2)) << 2), load<f32>(s + (<usize>i << 2)));
    }
  }
}

/** Unary ops that pay in SIMD: 0 relu (max(v, 0): NaN stays NaN, −0 → 0, as the reference), 1 reluMask (v > 0 ? 1 : 0). */
export function unaryOp(op: i32, x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  if (op == 0) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      // pmax-style select keeps NaN (v ≠ v) and maps −0 and negatives to +0
      v128.store(y + off, v128.bitselect(zero, v, f32x4.le(v, zero)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      store<f32>(y + (<usize>i << 2), v <= 0 ? 0 : v);
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(y + off, v128.and(f32x4.gt(v128.load(x + off), zero), one));
    }
    for (; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) > 0 ? 1 : 0);
  }
}

/** y[r*inner + i] = a[r*aRow + i*aStep] op b[r*bRow + i*bStep] over rows × inner (steps 0 or 1: broadcast or
 *  contiguous); ops 0 add, 1 sub, 2 mul, 3 div, 4 reluGrad (0 where b ≤ 0, else a). Each lane computes exactly the
 *  scalar expression. */
export function binaryOp(op: i32, a: usize, aRow: i32, aStep: i32, b: usize, bRow: i32, bStep: i32, rows: i32, inner: i32, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>r * <usize>aRow) << 2), br = b + ((<usize>r * <usize>bRow) << 2);
    const yr = y + ((<usize>r * <usize>inner) << 2);
    const as = <usize>aStep << 2, bs = <usize>bStep << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const off = <usize>i << 2;
      const va = aStep != 0 ? v128.load(ar + off) : v128.load32_splat(ar);
      const vb = bStep != 0 ? v128.load(br + off) : v128.load32_splat(br);
      let v: v128;
      if (op == 0) v = f32x4.add(va, vb);
      else if (op == 1) v = f32x4.sub(va, vb);
      else if (op == 2) v = f32x4.mul(va, vb);
      else if (op == 3) v = f32x4.div(va, vb);
      else v = v128.andnot(va, f32x4.le(vb, f32x4.splat(0))); // reluGrad: +0 where b ≤ 0 (NaN compares false), else a
      v128.store(yr + off, v);
    }
    for (; i < inner; i++) {
      const p = load<f32>(ar + <usize>i * as), q = load<f32>(br + <usize>i * bs);
      store<f32>(yr + (<usize>i << 2), op == 0 ? p + q : op == 1 ? p - q : op == 2 ? p * q : op == 3 ? p / q : q <= 0 ? <f32>0 : p);
    }
  }
}

// ---- direct convolution for few output channels (LeNet's C1/C3, S1/S2): no im2col ----

/** dst[p, HP, WP] = src[p, H, W] placed at (PT, PL) in zeros, cropped to HP×WP: the input of a stride-1 direct
 *  convolution with every read inside the buffer. */
export function padPlanes(src: usize, planes: i32, H: i32, W: i32, PT: i32, PL: i32, HP: i32, WP: i32, dst: usize): void {
  memory.fill(dst, 0, (<usize>planes * <usize>HP * <usize>WP) << 2);
  // source columns [cx0, cx1) land inside [0, WP)
  const cx0 = PL < 0 ? -PL : 0, cx1 = imin(W, WP - PL);
  if (cx1 <= cx0) return;
  const bytes = <usize>(cx1 - cx0) << 2;
  for (let p = 0; p < planes; p++) {
    for (let iy = 0; iy < H; iy++) {
      const ty = iy + PT;
      if (ty < 0 || ty >= HP) continue;
      memory.copy(dst + ((<usize>(p * HP + ty) * <usize>WP + <usize>(cx0 + PL)) << 2),
        src + ((<usize>(p * H + iy) * <usize>W + <usize>cx0) << 2), bytes);
    }
  }
}

// Parameter block of the direct convolution task (after the 13 geometry fields):
const R_N = 13, R_COUT = 14, R_GROUPS = 15, R_XP = 16, R_A = 17, R_Y = 18, R_BIAS = 19, R_HP = 20, R_WP = 21,
  R_BUF = 22;

/** Stride-1, dilation-1 convolution straight from the padded input (padPlanes): units (image, group, block of 4
 *  output channels, output row); for each 8 output pixels of the row, 8 f32x4 accumulators (4 channels × 8
 *  pixels) take, per tap (ci, ky, kx), two unaligned loads of the input row and 4 broadcast weights from A
 *  (packA layout: per tap the 4 channels' weights). Work per tap equals the GEMM micro-kernel's, with no packing. */
export function convDirectTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), KH = arg(args, G_KH), KW = arg(args, G_KW), OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, R_N), cout = arg(args, R_COUT), groups = arg(args, R_GROUPS);
  const xp = <usize>arg(args, R_XP), a = <usize>arg(args, R_A), y = <usize>arg(args, R_Y), bias = <usize>arg(args, R_BIAS);
  const HP = arg(args, R_HP), WP = arg(args, R_WP);
  const tile = <usize>arg(args, R_BUF) + (<usize>tid << 7);
  const cinG = cin / groups, coutG = cout / groups;
  if (coutG == 1 && KW <= 5) { convDirectOneChannel(args, tid, nth); return; }
  const K = cinG * KH * KW, mPad = (coutG + 3) & ~3, nCb = mPad >> 2;
  const planeP = <usize>HP * <usize>WP, yPlane = <usize>OH * <usize>OW << 2;
  const rowStep = (<usize>WP - <usize>KW) << 2;
  const units = N * groups * nCb * OH;
  for (let u = tid; u < units; u += nth) {
    const oy = u % OH;
    let t = u / OH;
    const cb = t % nCb; t /= nCb;
    const grp = t % groups, img = t / groups;
    const rows = imin(4, coutG - cb * 4), co0 = grp * coutG + cb * 4;
    const xg = xp + ((<usize>(img * cin + grp * cinG) * planeP + <usize>oy * <usize>WP) << 2);
    const pa = a + ((<usize>(grp * mPad + cb * 4) * <usize>K) << 2);
    const yr = y + ((<usize>(img * cout + co0) * <usize>OH * <usize>OW + <usize>oy * <usize>OW) << 2);
    let b0 = f32x4.splat(0), b1 = b0, b2 = b0, b3 = b0;
    if (bias != 0) {
      const bp = bias + (<usize>co0 << 2);
      b0 = v128.load32_splat(bp);
      if (rows > 1) b1 = v128.load32_splat(bp, 4);
      if (rows > 2) b2 = v128.load32_splat(bp, 8);
      if (rows > 3) b3 = v128.load32_splat(bp, 12);
    }
    for (let ox = 0; ox < OW; ox += 8) {
      let c00 = b0, c01 = b0, c10 = b1, c11 = b1, c20 = b2, c21 = b2, c30 = b3, c31 = b3;
      let pw = pa;
      let px = xg + (<usize>ox << 2);
      for (let ci = 0; ci < cinG; ci++) {
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const x0 = v128.load(px), x1 = v128.load(px, 16);
            let w = v128.load32_splat(pw);
            c00 = fma(w, x0, c00); c01 = fma(w, x1, c01);
            w = v128.load32_splat(pw, 4);
            c10 = fma(w, x0, c10); c11 = fma(w, x1, c11);
            w = v128.load32_splat(pw, 8);
            c20 = fma(w, x0, c20); c21 = fma(w, x1, c21);
            w = v128.load32_splat(pw, 12);
            c30 = fma(w, x0, c30); c31 = fma(w, x1, c31);
            pw += 16; px += 4;
          }
          px += rowStep; // next input row, back to column ox
        }
        px += (planeP - <usize>KH * <usize>WP) << 2; // next input channel, row oy
      }
      const yo = yr + (<usize>ox << 2);
      if (ox + 8 <= OW) {
        v128.store(yo, c00); v128.store(yo, c01, 16);
        if (rows > 1) { v128.store(yo + yPlane, c10); v128.store(yo + yPlane, c11, 16); }
        if (rows > 2) { v128.store(yo + 2 * yPlane, c20); v128.store(yo + 2 * yPlane, c21, 16); }
        if (rows > 3) { v128.store(yo + 3 * yPlane, c30); v128.store(yo + 3 * yPlane, c31, 16); }
      } else {
        v128.store(tile, c00); v128.store(tile, c01, 16); v128.store(tile, c10, 32); v128.store(tile, c11, 48);
        v128.store(tile, c20, 64); v128.store(tile, c21, 80); v128.store(tile, c30, 96); v128.store(tile, c31, 112);
        const cols = OW - ox;
        for (let r = 0; r < rows; r++)
          for (let j = 0; j < cols; j++)
            store<f32>(yo + <usize>r * yPlane + (<usize>j << 2), load<f32>(tile + (<usize>(r * 8 + j) << 2)));
      }
    }
  }
}

/** convDirectTask for one output channel per group and kernels ≤ 5 wide (the input gradient of a 1-channel layer such as
 *  LeNet's C1): 16 output pixels of one row per block, and per kernel row 5 aligned loads whose KW shifted windows are
 *  built by shuffles — with one output channel, a load per window would be a load per multiply-add (1.75× slower,
 *  measured). WP ≥ roundUp(OW, 16) + 4 (the caller pads so). Units: (image, group, output row). */
function convDirectOneChannel(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), KH = arg(args, G_KH), KW = arg(args, G_KW), OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, R_N), groups = arg(args, R_GROUPS);
  const xp = <usize>arg(args, R_XP), a = <usize>arg(args, R_A), y = <usize>arg(args, R_Y), bias = <usize>arg(args, R_BIAS);
  const HP = arg(args, R_HP), WP = arg(args, R_WP);
  const tile = <usize>arg(args, R_BUF) + (<usize>tid << 7);
  const cinG = cin / groups, K = cinG * KH * KW;
  const planeP = <usize>HP * <usize>WP, rowBytes = <usize>WP << 2;
  const units = N * groups * OH;
  for (let u = tid; u < units; u += nth) {
    const oy = u % OH, ng = u / OH, grp = ng % groups, img = ng / groups;
    const xg = xp + ((<usize>(img * cin + grp * cinG) * planeP + <usize>oy * <usize>WP) << 2);
    const pa = a + ((<usize>grp * 4 * <usize>K) << 2); // packed A panel: the weight of tap t in lane 0 of vector t
    const yr = y + ((<usize>(img * groups + grp) * <usize>OH + <usize>oy) * <usize>OW << 2);
    const bv = bias != 0 ? v128.load32_splat(bias + (<usize>grp << 2)) : f32x4.splat(0);
    for (let ox = 0; ox < OW; ox += 16) {
      let c0 = bv, c1 = bv, c2 = bv, c3 = bv;
      let pw = pa;
      for (let ci = 0; ci < cinG; ci++) {
        let px = xg + ((<usize>ci * planeP + <usize>ox) << 2);
        for (let ky = 0; ky < KH; ky++) {
          const v0 = v128.load(px), v1 = v128.load(px, 16), v2 = v128.load(px, 32), v3 = v128.load(px, 48), v4 = v128.load(px, 64);
          let w = v128.load32_splat(pw);
          c0 = fma(w, v0, c0); c1 = fma(w, v1, c1); c2 = fma(w, v2, c2); c3 = fma(w, v3, c3);
          if (KW > 1) {
            w = v128.load32_splat(pw, 16);
            c0 = fma(w, v128.shuffle<f32>(v0, v1, 1, 2, 3, 4), c0); c1 = fma(w, v128.shuffle<f32>(v1, v2, 1, 2, 3, 4), c1);
            c2 = fma(w, v128.shuffle<f32>(v2, v3, 1, 2, 3, 4), c2); c3 = fma(w, v128.shuffle<f32>(v3, v4, 1, 2, 3, 4), c3);
          }
          if (KW > 2) {
            w = v128.load32_splat(pw, 32);
            c0 = fma(w, v128.shuffle<f32>(v0, v1, 2, 3, 4, 5), c0); c1 = fma(w, v128.shuffle<f32>(v1, v2, 2, 3, 4, 5), c1);
            c2 = fma(w, v128.shuffle<f32>(v2, v3, 2, 3, 4, 5), c2); c3 = fma(w, v128.shuffle<f32>(v3, v4, 2, 3, 4, 5), c3);
          }
          if (KW > 3) {
            w = v128.load32_splat(pw, 48);
            c0 = fma(w, v128.shuffle<f32>(v0, v1, 3, 4, 5, 6), c0); c1 = fma(w, v128.shuffle<f32>(v1, v2, 3, 4, 5, 6), c1);
            c2 = fma(w, v128.shuffle<f32>(v2, v3, 3, 4, 5, 6), c2); c3 = fma(w, v128.shuffle<f32>(v3, v4, 3, 4, 5, 6), c3);
          }
          if (KW > 4) {
            w = v128.load32_splat(pw, 64);
            c0 = fma(w, v1, c0); c1 = fma(w, v2, c1); c2 = fma(w, v3, c2); c3 = fma(w, v4, c3);
          }
          pw += <usize>KW << 4; px += rowBytes;
        }
      }
      const yo = yr + (<usize>ox << 2);
      if (ox + 16 <= OW) {
        v128.store(yo, c0); v128.store(yo, c1, 16); v128.store(yo, c2, 32); v128.store(yo, c3, 48);
      } else {
        v128.store(tile, c0); v128.store(tile, c1, 16); v128.store(tile, c2, 32); v128.store(tile, c3, 48);
        for (let j = 0; j < OW - ox; j++) store<f32>(yo + (<usize>j << 2), load<f32>(tile + (<usize>j << 2)));
      }
    }
  }
}

// Parameter block of the channel-vector direct convolution (its own, no geometry block):
const H_UNITS = 0, H_PIX = 1, H_IMGS = 2, H_P = 3, H_OW = 4, H_WP = 5, H_PLANE_X = 6, H_CIN = 7, H_COUT = 8, H_K = 9,
  H_OFFS = 10, H_XP = 11, H_W = 12, H_Y = 13, H_BIAS = 14, H_NV = 15;

/** Stride-1 convolution with few output channels (≤ 16), vectorised over the channels instead of the pixels, so rows
 *  of any width waste nothing (LeNet's C3: 10-pixel rows fill 62 % of 8-pixel blocks). Per block of 8/NV output pixels
 *  (in row-major order, across rows) and NV vectors of 4 channels: for every tap t (ci, ky, kx, at input offset
 *  OFFS[t]), NV weight vectors W[t][0..4·NV) and one broadcast input value per pixel. Units: (image, run of PIX pixels).
 *  W: [K][4·NV] and BIAS: [4·NV] (channels padded with zeros); XP: the padded input [N, Cin, ·, WP]. */
export function convDirectChannelsTask(args: usize, tid: i32, nth: i32): void {
  const units = arg(args, H_UNITS), PIX = arg(args, H_PIX), P = arg(args, H_P), OW = arg(args, H_OW), WP = arg(args, H_WP);
  const planeX = <usize>arg(args, H_PLANE_X), cin = arg(args, H_CIN), cout = arg(args, H_COUT), K = arg(args, H_K);
  const offs = <usize>arg(args, H_OFFS), xp = <usize>arg(args, H_XP), w = <usize>arg(args, H_W), y = <usize>arg(args, H_Y);
  const bias = <usize>arg(args, H_BIAS), NV = arg(args, H_NV), runs = (P + PIX - 1) / PIX;
  const step = 8 / NV; // pixels per block: 2 with 16 channels, 4 with 8
  for (let u = tid; u < units; u += nth) {
    const img = u / runs, p0 = (u % runs) * PIX, p1 = imin(P, p0 + PIX);
    const xi = xp + ((<usize>img * <usize>cin * planeX) << 2), yi = y + ((<usize>img * <usize>cout * <usize>P) << 2);
    for (let p = p0; p < p1; p += step) {
      const n = imin(step, p1 - p);
      // input address of each pixel's window origin (pixels past the run repeat the last: computed, not stored)
      const b0 = xi + (<usize>pixelOrigin(p, OW, WP) << 2), b1 = xi + (<usize>pixelOrigin(p + imin(1, n - 1), OW, WP) << 2);
      if (NV == 4) channelsBlock16(K, offs, w, b0, b1, yi, P, p, n, cout, bias);
      else {
        const b2 = xi + (<usize>pixelOrigin(p + imin(2, n - 1), OW, WP) << 2), b3 = xi + (<usize>pixelOrigin(p + imin(3, n - 1), OW, WP) << 2);
        channelsBlock8(K, offs, w, b0, b1, b2, b3, yi, P, p, n, cout, bias);
      }
    }
  }
}

@inline function pixelOrigin(p: i32, OW: i32, WP: i32): i32 { return (p / OW) * WP + p % OW; }

/** Bias lanes 4v..4v+3 from a bias padded with zeros to the vector count (zeros without bias). */
@inline function biasVector(bias: usize, v: i32): v128 {
  return bias == 0 ? f32x4.splat(0) : v128.load(bias + (<usize>v << 4));
}

/** Writes the first `cout` lanes of acc (channels 4v…) for pixel p: y[c][p]. */
@inline function storeChannels(yi: usize, P: i32, p: i32, v: i32, cout: i32, acc: v128): void {
  const c0 = 4 * v;
  const at = yi + ((<usize>c0 * <usize>P + <usize>p) << 2), plane = <usize>P << 2;
  if (c0 < cout) store<f32>(at, f32x4.extract_lane(acc, 0));
  if (c0 + 1 < cout) store<f32>(at + plane, f32x4.extract_lane(acc, 1));
  if (c0 + 2 < cout) store<f32>(at + 2 * plane, f32x4.extract_lane(acc, 2));
  if (c0 + 3 < cout) store<f32>(at + 3 * plane, f32x4.extract_lane(acc, 3));
}

function channelsBlock16(K: i32, offs: usize, w: usize, b0: usize, b1: usize, yi: usize, P: i32, p: i32, n: i32, cout: i32, bias: usize): void {
  let a00 = biasVector(bias, 0), a01 = biasVector(bias, 1), a02 = biasVector(bias, 2), a03 = biasVector(bias, 3);
  let a10 = a00, a11 = a01, a12 = a02, a13 = a03;
  let pw = w;
  for (let t = 0; t < K; t++) {
    const o = <usize>load<i32>(offs + (<usize>t << 2)) << 2;
    const w0 = v128.load(pw), w1 = v128.load(pw, 16), w2 = v128.load(pw, 32), w3 = v128.load(pw, 48);
    let x = v128.load32_splat(b0 + o);
    a00 = fma(x, w0, a00); a01 = fma(x, w1, a01); a02 = fma(x, w2, a02); a03 = fma(x, w3, a03);
    x = v128.load32_splat(b1 + o);
    a10 = fma(x, w0, a10); a11 = fma(x, w1, a11); a12 = fma(x, w2, a12); a13 = fma(x, w3, a13);
    pw += 64;
  }
  storeChannels(yi, P, p, 0, cout, a00); storeChannels(yi, P, p, 1, cout, a01);
  storeChannels(yi, P, p, 2, cout, a02); storeChannels(yi, P, p, 3, cout, a03);
  if (n > 1) {
    storeChannels(yi, P, p + 1, 0, cout, a10); storeChannels(yi, P, p + 1, 1, cout, a11);
    storeChannels(yi, P, p + 1, 2, cout, a12); storeChannels(yi, P, p + 1, 3, cout, a13);
  }
}

function channelsBlock8(K: i32, offs: usize, w: usize, b0: usize, b1: usize, b2: usize, b3: usize, yi: usize, P: i32, p: i32, n: i32,
  cout: i32, bias: usize): void {
  let a00 = biasVector(bias, 0), a01 = biasVector(bias, 1);
  let a10 = a00, a11 = a01, a20 = a00, a21 = a01, a30 = a00, a31 = a01;
  let pw = w;
  for (let t = 0; t < K; t++) {
    const o = <usize>load<i32>(offs + (<usize>t << 2)) << 2;
    const w0 = v128.load(pw), w1 = v128.load(pw, 16);
    let x = v128.load32_splat(b0 + o);
    a00 = fma(x, w0, a00); a01 = fma(x, w1, a01);
    x = v128.load32_splat(b1 + o);
    a10 = fma(x, w0, a10); a11 = fma(x, w1, a11);
    x = v128.load32_splat(b2 + o);
    a20 = fma(x, w0, a20); a21 = fma(x, w1, a21);
    x = v128.load32_splat(b3 + o);
    a30 = fma(x, w0, a30); a31 = fma(x, w1, a31);
    pw += 32;
  }
  storeChannels(yi, P, p, 0, cout, a00); storeChannels(yi, P, p, 1, cout, a01);
  if (n > 1) { storeChannels(yi, P, p + 1, 0, cout, a10); storeChannels(yi, P, p + 1, 1, cout, a11); }
  if (n > 2) { storeChannels(yi, P, p + 2, 0, cout, a20); storeChannels(yi, P, p + 2, 1, cout, a21); }
  if (n > 3) { storeChannels(yi, P, p + 3, 0, cout, a30); storeChannels(yi, P, p + 3, 1, cout, a31); }
}

/** Weight gradient of a stride-1 convolution with 5–16 output channels (LeNet's C3 and C1), vectorised over the
 *  channels: dW[t][c] += Σ_p x[origin(p) + OFFS[t]]·dy[c][p] for taps t (ci, ky, kx). Per image (units), dy is first
 *  transposed to [pixel][16 channels] in the thread's scratch; then, 2 taps at a time, 8 accumulators (2 taps × 4
 *  channel vectors; 3 taps spilled registers: 1.6× slower) take per pixel 4 dy vectors and 2 broadcast inputs, and add
 *  into the thread's partial dW [K][16]
 *  (PARTS + tid·K·16 floats, summed by the caller). XP: the zero-padded input [N, Cin, ·, WP] (every tap inside). */
export function convWeightChannelsTask(args: usize, tid: i32, nth: i32): void {
  const n = arg(args, 0), OH = arg(args, 1), OW = arg(args, 2), WP = arg(args, 3), planeX = <usize>arg(args, 4);
  const cin = arg(args, 5), cout = arg(args, 6), K = arg(args, 7), offs = <usize>arg(args, 8), xp = <usize>arg(args, 9);
  const dy = <usize>arg(args, 10), P = OH * OW;
  const part = <usize>arg(args, 11) + ((<usize>tid * <usize>K) << 6);
  const dyT = <usize>arg(args, 12) + ((<usize>tid * <usize>P) << 6);
  memory.fill(part, 0, <usize>K << 6);
  memory.fill(dyT, 0, <usize>P << 6); // channels past cout stay zero
  for (let img = tid; img < n; img += nth) {
    const di = dy + ((<usize>img * <usize>cout * <usize>P) << 2);
    // rows of 8 channels (32 bytes) when they hold all: C1's 784 pixels then fit the L1
    const rowShift: usize = cout <= 8 ? 5 : 6;
    for (let c = 0; c < cout; c++)
      for (let p = 0; p < P; p++) store<f32>(dyT + (<usize>p << rowShift) + (<usize>c << 2), load<f32>(di + ((<usize>c * <usize>P + <usize>p) << 2)));
    const xi = xp + ((<usize>img * <usize>cin * planeX) << 2);
    if (cout <= 8) { weightChannels8(K, offs, part, dyT, xi, OH, OW, WP); continue; }
    for (let t0 = 0; t0 < K; t0 += 2) {
      // a last block of 1 tap repeats it: both copies end equal, so storing both is harmless
      const t1 = imin(t0 + 1, K - 1);
      const o0 = <usize>load<i32>(offs + (<usize>t0 << 2)) << 2, o1 = <usize>load<i32>(offs + (<usize>t1 << 2)) << 2;
      const q0 = part + (<usize>t0 << 6), q1 = part + (<usize>t1 << 6);
      let a00 = v128.load(q0), a01 = v128.load(q0, 16), a02 = v128.load(q0, 32), a03 = v128.load(q0, 48);
      let a10 = v128.load(q1), a11 = v128.load(q1, 16), a12 = v128.load(q1, 32), a13 = v128.load(q1, 48);
      let pd = dyT;
      for (let oy = 0; oy < OH; oy++) {
        let px = xi + ((<usize>oy * <usize>WP) << 2);
        for (let ox = 0; ox < OW; ox++) {
          const d0 = v128.load(pd), d1 = v128.load(pd, 16), d2 = v128.load(pd, 32), d3 = v128.load(pd, 48);
          let x = v128.load32_splat(px + o0);
          a00 = fma(x, d0, a00); a01 = fma(x, d1, a01); a02 = fma(x, d2, a02); a03 = fma(x, d3, a03);
          x = v128.load32_splat(px + o1);
          a10 = fma(x, d0, a10); a11 = fma(x, d1, a11); a12 = fma(x, d2, a12); a13 = fma(x, d3, a13);
          pd += 64; px += 4;
        }
      }
      v128.store(q0, a00); v128.store(q0, a01, 16); v128.store(q0, a02, 32); v128.store(q0, a03, 48);
      v128.store(q1, a10); v128.store(q1, a11, 16); v128.store(q1, a12, 32); v128.store(q1, a13, 48);
    }
  }
}

/** convWeightChannelsTask's image loop for ≤ 8 output channels (LeNet's C1): dy rows of 8 channels, 2 vectors per tap,
 *  so 4 taps per pass over the pixels (the same 8 accumulators). */
function weightChannels8(K: i32, offs: usize, part: usize, dyT: usize, xi: usize, OH: i32, OW: i32, WP: i32): void {
  for (let t0 = 0; t0 < K; t0 += 4) {
    // past the last tap, blocks repeat it: every copy ends equal, so storing them all is harmless
    const t1 = imin(t0 + 1, K - 1), t2 = imin(t0 + 2, K - 1), t3 = imin(t0 + 3, K - 1);
    const o0 = <usize>load<i32>(offs + (<usize>t0 << 2)) << 2, o1 = <usize>load<i32>(offs + (<usize>t1 << 2)) << 2;
    const o2 = <usize>load<i32>(offs + (<usize>t2 << 2)) << 2, o3 = <usize>load<i32>(offs + (<usize>t3 << 2)) << 2;
    const q0 = part + (<usize>t0 << 6), q1 = part + (<usize>t1 << 6), q2 = part + (<usize>t2 << 6), q3 = part + (<usize>t3 << 6);
    let a00 = v128.load(q0), a01 = v128.load(q0, 16), a10 = v128.load(q1), a11 = v128.load(q1, 16);
    let a20 = v128.load(q2), a21 = v128.load(q2, 16), a30 = v128.load(q3), a31 = v128.load(q3, 16);
    let pd = dyT;
    for (let oy = 0; oy < OH; oy++) {
      let px = xi + ((<usize>oy * <usize>WP) << 2);
      for (let ox = 0; ox < OW; ox++) {
        const d0 = v128.load(pd), d1 = v128.load(pd, 16);
        let x = v128.load32_splat(px + o0);
        a00 = fma(x, d0, a00); a01 = fma(x, d1, a01);
        x = v128.load32_splat(px + o1);
        a10 = fma(x, d0, a10); a11 = fma(x, d1, a11);
        x = v128.load32_splat(px + o2);
        a20 = fma(x, d0, a20); a21 = fma(x, d1, a21);
        x = v128.load32_splat(px + o3);
        a30 = fma(x, d0, a30); a31 = fma(x, d1, a31);
        pd += 32; px += 4;
      }
    }
    v128.store(q0, a00); v128.store(q0, a01, 16); v128.store(q1, a10); v128.store(q1, a11, 16);
    v128.store(q2, a20); v128.store(q2, a21, 16); v128.store(q3, a30); v128.store(q3, a31, 16);
  }
}

// Parameter block of the direct weight-gradient task (after the 13 geometry fields):
const Q_N = 13, Q_COUT = 14, Q_GROUPS = 15, Q_XP = 16, Q_DY = 17, Q_DW = 18, Q_TOTAL = 19, Q_HP = 20, Q_WP = 21,
  Q_VACC = 22, Q_VSTRIDE = 23;

/** Stride-1, dilation-1 weight gradient straight from the padded input (padPlanes, WP ≥ roundUp(OW,4) + KW):
 *  dW[co, ci, ky, kx] = Σ_n,oy,ox dy[n, co, oy, ox]·xp[n, ci, oy+ky, ox+kx]. Per (image, 4 output channels, ci, ky,
 *  pair of kx): 8 f32x4 accumulators (4 channels × 2 taps, lanes = 4 pixels of a row), 4 dy loads and 2 input
 *  loads per 8 multiply-adds; the last vector of a row is masked to its valid pixels (so non-finite values beyond
 *  the row never enter). Lane partial sums add into v128 accumulators per (channel, tap) in the thread's VACC
 *  area; at the end each thread writes its horizontal sums to dw + tid*TOTAL floats (summed by the caller).
 *  Units: (image, group). Output channels past coutG in the last block reuse the last valid plane (discarded). */
export function convWeightDirectTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, G_CIN), KH = arg(args, G_KH), KW = arg(args, G_KW), OH = arg(args, G_OH), OW = arg(args, G_OW);
  const N = arg(args, Q_N), cout = arg(args, Q_COUT), groups = arg(args, Q_GROUPS);
  const xp = <usize>arg(args, Q_XP), dy = <usize>arg(args, Q_DY), total = arg(args, Q_TOTAL);
  const HP = arg(args, Q_HP), WP = arg(args, Q_WP);
  const dw = <usize>arg(args, Q_DW) + ((<usize>tid * <usize>total) << 2);
  const vacc = <usize>arg(args, Q_VACC) + <usize>tid * <usize>arg(args, Q_VSTRIDE);
  const cinG = cin / groups, coutG = cout / groups, khw = KH * KW, K = cinG * khw;
  const mPad = (coutG + 3) & ~3, nCb = mPad >> 2;
  const planeP = <usize>HP * <usize>WP, dyPlane = <usize>OH * <usize>OW;
  const full = OW & ~3, rem = OW - full;
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem));
  const vbytes = (<usize>groups * <usize>mPad * <usize>K) << 4;
  memory.fill(vacc, 0, vbytes);
  const units = N * groups;
  for (let u = tid; u < units; u += nth) {
    const grp = u % groups, img = u / groups;
    for (let cb = 0; cb < nCb; cb++) {
      const rows = imin(4, coutG - cb * 4);
      const d0 = dy + ((<usize>(img * cout + grp * coutG + cb * 4) * dyPlane) << 2);
      const d1 = d0 + ((<usize>imin(1, rows - 1) * dyPlane) << 2);
      const d2 = d0 + ((<usize>imin(2, rows - 1) * dyPlane) << 2);
      const d3 = d0 + ((<usize>imin(3, rows - 1) * dyPlane) << 2);
      const va = vacc + ((<usize>(grp * mPad + cb * 4) * <usize>K) << 4);
      for (let ci = 0; ci < cinG; ci++) {
        const xc = xp + ((<usize>(img * cin + grp * cinG + ci) * planeP) << 2);
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx += 2) {
            const z = f32x4.splat(0);
            let a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
            for (let oy = 0; oy < OH; oy++) {
              const px = xc + ((<usize>(oy + ky) * <usize>WP + <usize>kx) << 2);
              const pd = <usize>oy * <usize>OW << 2;
              let ox = 0;
              for (; ox < full; ox += 4) {
                const o = <usize>ox << 2;
                const x0 = v128.load(px + o), x1 = v128.load(px + o, 4);
                let d = v128.load(d0 + pd + o);
                a00 = fma(d, x0, a00); a01 = fma(d, x1, a01);
                d = v128.load(d1 + pd + o);
                a10 = fma(d, x0, a10); a11 = fma(d, x1, a11);
                d = v128.load(d2 + pd + o);
                a20 = fma(d, x0, a20); a21 = fma(d, x1, a21);
                d = v128.load(d3 + pd + o);
                a30 = fma(d, x0, a30); a31 = fma(d, x1, a31);
              }
              if (rem != 0) {
                const o = <usize>ox << 2;
                const x0 = v128.and(v128.load(px + o), mask), x1 = v128.and(v128.load(px + o, 4), mask);
                let d = v128.and(v128.load(d0 + pd + o), mask);
                a00 = fma(d, x0, a00); a01 = fma(d, x1, a01);
                d = v128.and(v128.load(d1 + pd + o), mask);
                a10 = fma(d, x0, a10); a11 = fma(d, x1, a11);
                d = v128.and(v128.load(d2 + pd + o), mask);
                a20 = fma(d, x0, a20); a21 = fma(d, x1, a21);
                d = v128.and(v128.load(d3 + pd + o), mask);
                a30 = fma(d, x0, a30); a31 = fma(d, x1, a31);
              }
            }
            // v128 accumulators of taps t and t+1 for channels 0..3 of the block (row stride K v128s)
            const t = <usize>((ci * KH + ky) * KW + kx);
            const kb = <usize>K << 4;
            let p = va + (t << 4);
            v128.store(p, f32x4.add(v128.load(p), a00));
            v128.store(p + kb, f32x4.add(v128.load(p + kb), a10));
            v128.store(p + 2 * kb, f32x4.add(v128.load(p + 2 * kb), a20));
            v128.store(p + 3 * kb, f32x4.add(v128.load(p + 3 * kb), a30));
            if (kx + 1 < KW) {
              p += 16;
              v128.store(p, f32x4.add(v128.load(p), a01));
              v128.store(p + kb, f32x4.add(v128.load(p + kb), a11));
              v128.store(p + 2 * kb, f32x4.add(v128.load(p + 2 * kb), a21));
              v128.store(p + 3 * kb, f32x4.add(v128.load(p + 3 * kb), a31));
            }
          }
        }
      }
    }
  }
  // horizontal sums of the valid channels into this thread's partial dW
  for (let grp = 0; grp < groups; grp++) {
    for (let r = 0; r < coutG; r++) {
      const src = vacc + ((<usize>(grp * mPad + r) * <usize>K) << 4);
      const dst = dw + ((<usize>(grp * coutG + r) * <usize>K) << 2);
      for (let t = 0; t < K; t++) {
        const v = v128.load(src + (<usize>t << 4));
        store<f32>(dst + (<usize>t << 2), f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
      }
    }
  }
}

/** y[o, i] = Σ_s x[o, s, i] over [outer, size, inner], accumulated in double (as the reference does) with f64x2
 *  lanes: inner = 1 sums each contiguous run with 4 independent pairs of lanes; otherwise rows of `inner` add
 *  into the double accumulator row `acc` (inner doubles). */
export function reduceSum(x: usize, outer: i32, size: i32, inner: i32, y: usize, acc: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = x + ((<usize>o * <usize>size) << 2);
      let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let s = 0;
      for (; s + 8 <= size; s += 8) {
        const v = v128.load(row + (<usize>s << 2)), w = v128.load(row + (<usize>s << 2), 16);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(w));
        a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)));
      }
      const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
      let sum = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
      for (; s < size; s++) sum += <f64>load<f32>(row + (<usize>s << 2));
      store<f32>(y + (<usize>o << 2), <f32>sum);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    memory.fill(acc, 0, <usize>inner << 3);
    const base = x + ((<usize>o * <usize>size * <usize>inner) << 2);
    for (let s = 0; s < size; s++) {
      const row = base + ((<usize>s * <usize>inner) << 2);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        const p = acc + (<usize>i << 3);
        v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
        v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
      }
      for (; i < inner; i++) {
        const p = acc + (<usize>i << 3);
        store<f64>(p, load<f64>(p) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const yo = y + ((<usize>o * <usize>inner) << 2);
    for (let i = 0; i < inner; i++) store<f32>(yo + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}

// ---- batch normalisation: per-channel moments and the per-channel affine map over x:[n, c, hw] ----

/** Σ of the f32 run [row, row + len) in double, with 2 pairs of f64x2 lanes (−m shifts each value first). */
@inline function runSumF64(row: usize, len: i32, m: f64, squares: bool): f64 {
  const mv = f64x2.splat(m);
  let a0 = f64x2.splat(0), a1 = a0;
  let s = 0;
  for (; s + 4 <= len; s += 4) {
    const v = v128.load(row + (<usize>s << 2));
    let lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    if (squares) {
      lo = f64x2.sub(lo, mv); hi = f64x2.sub(hi, mv);
      lo = f64x2.mul(lo, lo); hi = f64x2.mul(hi, hi);
    }
    a0 = f64x2.add(a0, lo); a1 = f64x2.add(a1, hi);
  }
  const t = f64x2.add(a0, a1);
  let sum = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; s < len; s++) {
    let d = <f64>load<f32>(row + (<usize>s << 2));
    if (squares) { d -= m; d *= d; }
    sum += d;
  }
  return sum;
}

/** Args: job, then the job's own args. The runtime's task table has one slot for the batch-norm statistics, so
 *  the first word picks the job: 0 = channel moments (channelMomentsArgs below), 1 = batch norm's backward
 *  (channelNormBackwardTask's args). */
/** Args: x, n, c, hw, out. out[2ch] = mean, out[2ch+1] = biased variance of channel ch (doubles), two passes accumulated in double as the
 *  reference does (only the summation order differs). Channel ch is n runs of hw values at (i*c + ch)*hw. */
export function channelMomentsTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, 0), n = arg(args, 1), c = arg(args, 2), hw = arg(args, 3), out = <usize>arg(args, 4);
  const count = <f64>n * <f64>hw;
  // threads take whole channels (contiguous blocks), so each channel's sum order is independent of the thread count
  const per = (c + nth - 1) / nth, c0 = imin(c, tid * per), c1 = imin(c, c0 + per);
  for (let ch = c0; ch < c1; ch++) {
    let sum: f64 = 0;
    for (let i = 0; i < n; i++) sum += runSumF64(x + ((<usize>(i * c + ch) * <usize>hw) << 2), hw, 0, false);
    const m = count > 0 ? sum / count : NaN;
    let sq: f64 = 0;
    for (let i = 0; i < n; i++) sq += runSumF64(x + ((<usize>(i * c + ch) * <usize>hw) << 2), hw, m, true);
    store<f64>(out + (<usize>ch << 4), m);
    store<f64>(out + (<usize>ch << 4), count > 0 ? sq / count : NaN, 8);
  }
}

/** Args: x, n, c, hw, coef, y. y = x·scale[ch] + shift[ch] with coef[2ch] = scale, coef[2ch+1] = shift (doubles): each value is widened, mapped
 *  in double and rounded once, exactly the reference's arithmetic. */
export function channelAffineTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, 0), n = arg(args, 1), c = arg(args, 2), hw = arg(args, 3), coef = <usize>arg(args, 4);
  const y = <usize>arg(args, 5);
  // units are the n·c runs (image i, channel ch), split into contiguous blocks among the threads
  const runs = n * c, per = (runs + nth - 1) / nth, r0 = imin(runs, tid * per), r1 = imin(runs, r0 + per);
  for (let r = r0; r < r1; r++) {
    const i = r / c, ch = r % c;
    {
      const sc = load<f64>(coef + (<usize>ch << 4)), sh = load<f64>(coef + (<usize>ch << 4), 8);
      const scv = f64x2.splat(sc), shv = f64x2.splat(sh);
      const off = (<usize>(i * c + ch) * <usize>hw) << 2;
      const xr = x + off, yr = y + off;
      let s = 0;
      for (; s + 4 <= hw; s += 4) {
        const v = v128.load(xr + (<usize>s << 2));
        const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scv), shv);
        const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), scv), shv);
        v128.store(yr + (<usize>s << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      }
      for (; s < hw; s++) store<f32>(yr + (<usize>s << 2), <f32>(<f64>load<f32>(xr + (<usize>s << 2)) * sc + sh));
    }
  }
}

/** Args: x, g, n, c, hw, coef, training, dx (0: none), sums. Batch norm's backward over x, g:[n, c, hw] with
 *  coef[4ch..4ch+2] = mean, invStd, γ (doubles). Per channel, pass 1: sums[2ch] = Σg and sums[2ch+1] = Σg·x̂ with
 *  x̂ = (x − mean)·invStd, in double (Σg·(x − mean) is summed, then scaled once by invStd); pass 2 (dx ≠ 0):
 *  training: dx = γ·invStd·(g − Σg/count − x̂·Σg·x̂/count) = a·g + b·(x − mean) + d with per-channel doubles
 *  a = γ·invStd, b = −a·invStd·Σg·x̂/count, d = −a·Σg/count; evaluation: dx = a·g. Each value is mapped in double
 *  and rounded once. Threads take whole channels, so each channel's sum order is independent of the thread count. */
export function channelNormBackwardTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, 0), g = <usize>arg(args, 1), n = arg(args, 2), c = arg(args, 3), hw = arg(args, 4);
  const coef = <usize>arg(args, 5), training = arg(args, 6) != 0, dx = <usize>arg(args, 7), sums = <usize>arg(args, 8);
  const count = <f64>n * <f64>hw;
  const per = (c + nth - 1) / nth, c0 = imin(c, tid * per), c1 = imin(c, c0 + per);
  for (let ch = c0; ch < c1; ch++) {
    const m = load<f64>(coef + (<usize>ch << 5)), is = load<f64>(coef + (<usize>ch << 5), 8), gamma = load<f64>(coef + (<usize>ch << 5), 16);
    const mv = f64x2.splat(m);
    // pass 1: two f64x2 accumulators for Σg (low and high halves of each 4-vector) and two for Σg·(x − mean)
    let sg0 = f64x2.splat(0), sg1 = sg0, sd0 = sg0, sd1 = sg0;
    let sgTail: f64 = 0, sdTail: f64 = 0;
    for (let i = 0; i < n; i++) {
      const off = (<usize>(i * c + ch) * <usize>hw) << 2;
      const xr = x + off, gr = g + off;
      let s = 0;
      for (; s + 4 <= hw; s += 4) {
        const xv = v128.load(xr + (<usize>s << 2)), gv = v128.load(gr + (<usize>s << 2));
        const glo = f64x2.promote_low_f32x4(gv), ghi = f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1));
        const dlo = f64x2.sub(f64x2.promote_low_f32x4(xv), mv), dhi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1)), mv);
        sg0 = f64x2.add(sg0, glo); sg1 = f64x2.add(sg1, ghi);
        sd0 = f64x2.add(sd0, f64x2.mul(glo, dlo)); sd1 = f64x2.add(sd1, f64x2.mul(ghi, dhi));
      }
      for (; s < hw; s++) {
        const gs = <f64>load<f32>(gr + (<usize>s << 2));
        sgTail += gs;
        sdTail += gs * (<f64>load<f32>(xr + (<usize>s << 2)) - m);
      }
    }
    const tg = f64x2.add(sg0, sg1), td = f64x2.add(sd0, sd1);
    const sumG = f64x2.extract_lane(tg, 0) + f64x2.extract_lane(tg, 1) + sgTail;
    const sumGX = (f64x2.extract_lane(td, 0) + f64x2.extract_lane(td, 1) + sdTail) * is;
    store<f64>(sums + (<usize>ch << 4), sumG);
    store<f64>(sums + (<usize>ch << 4), sumGX, 8);
    if (dx == 0) continue;
    // pass 2: dx = a·g + b·(x − mean) + d in double (b = d = 0 in evaluation, where x does not enter)
    const a = gamma * is;
    const b = training ? -a * is * (sumGX / count) : 0, d = training ? -a * (sumG / count) : 0;
    const av = f64x2.splat(a), bv = f64x2.splat(b), dv = f64x2.splat(d);
    for (let i = 0; i < n; i++) {
      const off = (<usize>(i * c + ch) * <usize>hw) << 2;
      const xr = x + off, gr = g + off, dr = dx + off;
      let s = 0;
      if (training) {
        for (; s + 4 <= hw; s += 4) {
          const xv = v128.load(xr + (<usize>s << 2)), gv = v128.load(gr + (<usize>s << 2));
          const dlo = f64x2.sub(f64x2.promote_low_f32x4(xv), mv), dhi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1)), mv);
          const lo = f64x2.add(f64x2.add(f64x2.mul(av, f64x2.promote_low_f32x4(gv)), f64x2.mul(bv, dlo)), dv);
          const hi = f64x2.add(f64x2.add(f64x2.mul(av, f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1))), f64x2.mul(bv, dhi)), dv);
          v128.store(dr + (<usize>s << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
        }
        for (; s < hw; s++) {
          const xs = <f64>load<f32>(xr + (<usize>s << 2)), gs = <f64>load<f32>(gr + (<usize>s << 2));
          store<f32>(dr + (<usize>s << 2), <f32>(a * gs + b * (xs - m) + d));
        }
      } else {
        for (; s + 4 <= hw; s += 4) {
          const gv = v128.load(gr + (<usize>s << 2));
          const lo = f64x2.mul(av, f64x2.promote_low_f32x4(gv));
          const hi = f64x2.mul(av, f64x2.promote_low_f32x4(v128.shuffle<f32>(gv, gv, 2, 3, 0, 1)));
          v128.store(dr + (<usize>s << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
        }
        for (; s < hw; s++) store<f32>(dr + (<usize>s << 2), <f32>(a * <f64>load<f32>(gr + (<usize>s << 2))));
      }
    }
  }
}

// ---- Winograd F(2×2, 3×3): 3×3 stride-1 convolutions with 2.25× fewer multiplications ----
// y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output tile d (4×4 input window). Over all channels, the 16 element
// positions ξ of the 4×4 transformed tiles give 16 independent GEMMs M[ξ] = U[ξ]·V[ξ] (U: Cout×Cin transformed
// weights, V: Cin×tiles transformed input), run by matmulTask; these tasks do the transforms. The transforms
// use only additions and halvings (Lavin & Gray 2015, F(2×2, 3×3)), so rounding stays close to the direct sum.

// Parameter block of the Winograd transforms.
const WG_C = 0, WG_COUT = 1, WG_HP = 2, WG_WP = 3, WG_TH = 4, WG_TW = 5, WG_ROW0 = 6, WG_ROWS = 7, WG_SRC = 8,
  WG_DST = 9, WG_BIAS = 10, WG_OH = 11, WG_OW = 12, WG_MPAD = 13, WG_SCRATCH = 14;
/** Bytes of per-thread scratch the Winograd tasks get (WG_SCRATCH + tid·WG_SCRATCH_BYTES): 36 vectors for the
 *  tile transforms, or [36 ξ][WB input channels] vectors for the weight transforms. */
const WG_SCRATCH_BYTES = 36 * 16 * 16;
/** Input channels per block of the weight transforms: U's 16–36 destinations per channel lie mPad·Cin·4 bytes apart
 *  (a multiple of 4 KiB, so they share one L1 set), and 16-byte stores into them evicted half-written lines. A block's
 *  transforms go to scratch first, then out as whole 256-byte runs per ξ: F(4×4) of 128→128 0.79 → 0.26 ms, of
 *  64→64 0.26 → 0.10 ms; F(2×2) of 256→256 0.57 → 0.45 ms (2 threads). */
const WB = 16;

/** Copies `count` 16-byte vectors of each of `nXi` scratch rows (WB vectors apart) to dst + ξ·xiStride. */
function flushWeightBlock(scratch: usize, nXi: i32, count: i32, dst: usize, xiStride: usize): void {
  for (let xi = 0; xi < nXi; xi++) {
    const s = scratch + (<usize>(xi * WB) << 4), d = dst + <usize>xi * xiStride;
    for (let v = 0; v < count; v++) v128.store(d + (<usize>v << 4), v128.load(s + (<usize>v << 4)));
  }
}

/** U[ξ] = (G g Gᵀ)[ξ] for every (co, ci), written as packA panels (4 rows of Cout, K = Cin) per ξ, rows past
 *  Cout zero. Units: panels of 4 output channels, which are the 4 lanes of every vector here (one 16-byte store per
 *  ξ and input channel). G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]. */
export function winoWeightTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), cout = arg(args, WG_COUT), mPad = arg(args, WG_MPAD);
  const w = <usize>arg(args, WG_SRC), dst = <usize>arg(args, WG_DST);
  const xiStride = <usize>mPad * <usize>C << 2, sStride: usize = WB << 4;
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES;
  const half = f32x4.splat(0.5);
  for (let pnl = tid; pnl < (mPad >> 2); pnl += nth) {
    const co0 = pnl << 2, lanes = imin(4, cout - co0);
    const panel = dst + ((<usize>co0 * <usize>C) << 2);
    for (let ci0 = 0; ci0 < C; ci0 += WB) {
      const cb = imin(WB, C - ci0);
      for (let ci = ci0; ci < ci0 + cb; ci++) {
        // the 3×3 kernels of the panel's channels: kernel element e of channel co0 + r in lane r (0 past Cout)
        const g = w + ((<usize>(co0 * C + ci) * 9) << 2), chan = (<usize>C * 9) << 2;
        const a0 = wino4(g, chan, lanes, 0), a1 = wino4(g, chan, lanes, 1), a2 = wino4(g, chan, lanes, 2);
        const b0 = wino4(g, chan, lanes, 3), b1 = wino4(g, chan, lanes, 4), b2 = wino4(g, chan, lanes, 5);
        const c0 = wino4(g, chan, lanes, 6), c1 = wino4(g, chan, lanes, 7), c2 = wino4(g, chan, lanes, 8);
        // rows of G·g (4×3), then each row times Gᵀ
        const out = scratch + (<usize>(ci - ci0) << 4);
        winoWeightRow(out, sStride, 0, a0, a1, a2);
        winoWeightRow(out, sStride, 1, f32x4.mul(half, f32x4.add(f32x4.add(a0, b0), c0)),
          f32x4.mul(half, f32x4.add(f32x4.add(a1, b1), c1)), f32x4.mul(half, f32x4.add(f32x4.add(a2, b2), c2)));
        winoWeightRow(out, sStride, 2, f32x4.mul(half, f32x4.add(f32x4.sub(a0, b0), c0)),
          f32x4.mul(half, f32x4.add(f32x4.sub(a1, b1), c1)), f32x4.mul(half, f32x4.add(f32x4.sub(a2, b2), c2)));
        winoWeightRow(out, sStride, 3, c0, c1, c2);
      }
      flushWeightBlock(scratch, 16, cb, panel + (<usize>ci0 << 4), xiStride);
    }
  }
}

/** Kernel element e of `lanes` consecutive channels (stride `chan` bytes) as one vector, zero past them. */
@inline
function wino4(g: usize, chan: usize, lanes: i32, e: i32): v128 {
  const p = g + (<usize>e << 2);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + chan));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * chan));
  if (lanes > 3) v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * chan));
  return v;
}

/** Stores row `a` of (G g)Gᵀ: ξ = 4a + b for b = 0..3. */
@inline
function winoWeightRow(out: usize, xiStride: usize, a: i32, r0: v128, r1: v128, r2: v128): void {
  const p = out + <usize>(4 * a) * xiStride, half = f32x4.splat(0.5);
  v128.store(p, r0);
  v128.store(p + xiStride, f32x4.mul(half, f32x4.add(f32x4.add(r0, r1), r2)));
  v128.store(p + 2 * xiStride, f32x4.mul(half, f32x4.add(f32x4.sub(r0, r1), r2)));
  v128.store(p + 3 * xiStride, r2);
}

/** V[ξ][ci][t] = (Bᵀ d B)[ξ] for the tiles t of tile rows ROW0..ROW0+ROWS (over images × TH) of the zero-padded
 *  input SRC [n, C, HP, WP] (HP = 2·TH + 2, WP = 2·roundUp(TW, 4) + 2: the last 4-tile group's loads stay in the row).
 *  Units: (tile row, channel). 4 tiles at a time: their window columns are the even and odd lanes of two vector pairs.
 *  Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]]. */
export function winoInputTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), HP = arg(args, WG_HP), WP = arg(args, WG_WP), TH = arg(args, WG_TH), TW = arg(args, WG_TW);
  const row0 = arg(args, WG_ROW0), rows = arg(args, WG_ROWS);
  const x = <usize>arg(args, WG_SRC), V = <usize>arg(args, WG_DST);
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>C * T) << 2;
  const units = rows * C;
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES; // 16 of 36 vectors per thread: Bᵀ·d
  for (let u = tid; u < units; u += nth) {
    const rr = u / C, ci = u - rr * C;
    const r = row0 + rr, img = r / TH, ty = r - img * TH;
    const plane = x + ((<usize>(img * C + ci) * <usize>HP * <usize>WP + <usize>(2 * ty) * <usize>WP) << 2);
    const out = V + ((<usize>ci * T + <usize>rr * <usize>TW) << 2);
    for (let tx = 0; tx < TW; tx += 4) {
      // Bᵀ along each window row i (lanes = 4 tiles): t_i = d_0 − d_2, d_1 + d_2, d_2 − d_1, d_1 − d_3, into scratch[4i + j]
      for (let i = 0; i < 4; i++) {
        const p = plane + ((<usize>i * <usize>WP + <usize>(2 * tx)) << 2);
        const lo = v128.load(p), hi = v128.load(p, 16), lo2 = v128.load(p, 8), hi2 = v128.load(p, 24);
        const d0 = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), d1 = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
        const d2 = v128.shuffle<f32>(lo2, hi2, 0, 2, 4, 6), d3 = v128.shuffle<f32>(lo2, hi2, 1, 3, 5, 7);
        const q = scratch + (<usize>(4 * i) << 4);
        v128.store(q, f32x4.sub(d0, d2)); v128.store(q, f32x4.add(d1, d2), 16);
        v128.store(q, f32x4.sub(d2, d1), 32); v128.store(q, f32x4.sub(d1, d3), 48);
      }
      // then down each column j: V_0 = t_0 − t_2, V_1 = t_1 + t_2, V_2 = t_2 − t_1, V_3 = t_1 − t_3 (ξ = 4·row + column)
      const o = out + (<usize>tx << 2), n = imin(4, TW - tx);
      for (let j = 0; j < 4; j++) {
        const q = scratch + (<usize>j << 4);
        const e0 = v128.load(q), e1 = v128.load(q, 64), e2 = v128.load(q, 128), e3 = v128.load(q, 192);
        const oj = o + <usize>j * xiStride, step = 4 * xiStride;
        winoStore(oj, n, f32x4.sub(e0, e2));
        winoStore(oj + step, n, f32x4.add(e1, e2));
        winoStore(oj + 2 * step, n, f32x4.sub(e2, e1));
        winoStore(oj + 3 * step, n, f32x4.sub(e1, e3));
      }
    }
  }
}

/** Stores the first n (1–4) lanes of v at p. */
@inline
function winoStore(p: usize, n: i32, v: v128): void {
  if (n == 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** y = Aᵀ m A (+ bias) for the tiles of tile rows ROW0..ROW0+ROWS, m = M[ξ][co][t] at SRC; y [n, Cout, OH, OW] at DST.
 *  Units: (tile row, output channel). Aᵀ = [[1,1,1,0],[0,1,−1,−1]]; 4 tiles → 8 output columns per row. */
export function winoOutputTask(args: usize, tid: i32, nth: i32): void {
  const cout = arg(args, WG_COUT), TH = arg(args, WG_TH), TW = arg(args, WG_TW);
  const row0 = arg(args, WG_ROW0), rows = arg(args, WG_ROWS);
  const M = <usize>arg(args, WG_SRC), y = <usize>arg(args, WG_DST), bias = <usize>arg(args, WG_BIAS);
  const OH = arg(args, WG_OH), OW = arg(args, WG_OW);
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>cout * T) << 2;
  const units = rows * cout;
  for (let u = tid; u < units; u += nth) {
    const rr = u / cout, co = u - rr * cout;
    const r = row0 + rr, img = r / TH, ty = r - img * TH;
    const bv = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>co << 2))) : f32x4.splat(0);
    const src = M + ((<usize>co * T + <usize>rr * <usize>TW) << 2);
    const oy = 2 * ty;
    const yrow = y + ((<usize>(img * cout + co) * <usize>OH * <usize>OW + <usize>oy * <usize>OW) << 2);
    const second = oy + 1 < OH;
    for (let tx = 0; tx < TW; tx += 4) {
      const s = src + (<usize>tx << 2);
      // rows of m·A: s_a0 = m_a0 + m_a1 + m_a2, s_a1 = m_a1 − m_a2 − m_a3
      let m0 = v128.load(s), m1 = v128.load(s + xiStride), m2 = v128.load(s + 2 * xiStride), m3 = v128.load(s + 3 * xiStride);
      const s00 = f32x4.add(f32x4.add(m0, m1), m2), s01 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 4 * xiStride); m1 = v128.load(s + 5 * xiStride); m2 = v128.load(s + 6 * xiStride); m3 = v128.load(s + 7 * xiStride);
      const s10 = f32x4.add(f32x4.add(m0, m1), m2), s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 8 * xiStride); m1 = v128.load(s + 9 * xiStride); m2 = v128.load(s + 10 * xiStride); m3 = v128.load(s + 11 * xiStride);
      const s20 = f32x4.add(f32x4.add(m0, m1), m2), s21 = f32x4.sub(f32x4.sub(m1, m2), m3);
      m0 = v128.load(s + 12 * xiStride); m1 = v128.load(s + 13 * xiStride); m2 = v128.load(s + 14 * xiStride); m3 = v128.load(s + 15 * xiStride);
      const s30 = f32x4.add(f32x4.add(m0, m1), m2), s31 = f32x4.sub(f32x4.sub(m1, m2), m3);
      // then Aᵀ down the columns: y_0· = s_0 + s_1 + s_2, y_1· = s_1 − s_2 − s_3
      const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s10), s20), bv), y01 = f32x4.add(f32x4.add(f32x4.add(s01, s11), s21), bv);
      const y10 = f32x4.add(f32x4.sub(f32x4.sub(s10, s20), s30), bv), y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s21), s31), bv);
      const ox = 2 * tx, o = yrow + (<usize>ox << 2);
      winoStoreRow(o, OW - ox, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7));
      if (second) winoStoreRow(o + (<usize>OW << 2), OW - ox, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), v128.shuffle<f32>(y10, y11, 2, 6, 3, 7));
    }
  }
}

/** Stores the first min(8, n) of the 8 floats (lo, hi) at p. */
@inline
function winoStoreRow(p: usize, n: i32, lo: v128, hi: v128): void {
  if (n >= 8) { v128.store(p, lo); v128.store(p, hi, 16); return; }
  if (n > 0) store<f32>(p, f32x4.extract_lane(lo, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(lo, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(lo, 2), 8);
  if (n > 3) store<f32>(p, f32x4.extract_lane(lo, 3), 12);
  if (n > 4) store<f32>(p, f32x4.extract_lane(hi, 0), 16);
  if (n > 5) store<f32>(p, f32x4.extract_lane(hi, 1), 20);
  if (n > 6) store<f32>(p, f32x4.extract_lane(hi, 2), 24);
}

/** The transposed convolution's weights: dst[g][ci][co][khw−1−k] = src[g][co][ci][k] (flipped kernels, channels
 *  swapped), for input gradients computed as a forward convolution. Blocks of 16 output channels keep both the 16
 *  read streams and the writes sequential. */
export function flipTransposeWeights(src: usize, groups: i32, coutG: i32, cinG: i32, khw: i32, dst: usize): void {
  for (let grp = 0; grp < groups; grp++)
    for (let co0 = 0; co0 < coutG; co0 += 16) {
      const co1 = imin(coutG, co0 + 16);
      for (let ci = 0; ci < cinG; ci++)
        for (let co = co0; co < co1; co++) {
          const s = src + ((<usize>((grp * coutG + co) * cinG + ci) * <usize>khw) << 2);
          const d = dst + ((<usize>((grp * cinG + ci) * coutG + co) * <usize>khw + <usize>(khw - 1)) << 2);
          for (let k = 0; k < khw; k++) store<f32>(d - (<usize>k << 2), load<f32>(s + (<usize>k << 2)));
        }
    }
}

/** Weight gradient by Winograd, the transpose of the forward map: dU[ξ] = Σ_t Ŷ[ξ][·][t]·V[ξ][·][t]ᵀ with
 *  Ŷ = A·dy·Aᵀ for each 2×2 tile of dy (A = [[1,0],[1,1],[1,−1],[0,−1]]), then dW = Gᵀ·dU·G. This task writes
 *  Ŷ[ξ] for the chunk's tiles (SRC: dy [n, Cout, OH, OW]) straight as the GEMM's packed A operand: panels of 4
 *  output channels over the T tiles, (co, t) at ξ·mPad·T + (co & ~3)·T + 4t + (co & 3), channels past Cout zero.
 *  Units: (tile row, group of 4 output channels); 4 tiles at a time from the even and odd lanes of each dy row,
 *  transposed in registers so that each tile's 4 channels go out as one vector; dy past the output reads 0. */
export function winoGradOutputTask(args: usize, tid: i32, nth: i32): void {
  const cout = arg(args, WG_COUT), TH = arg(args, WG_TH), TW = arg(args, WG_TW), mPad = arg(args, WG_MPAD);
  const row0 = arg(args, WG_ROW0), rows = arg(args, WG_ROWS);
  const dy = <usize>arg(args, WG_SRC), Y = <usize>arg(args, WG_DST);
  const OH = arg(args, WG_OH), OW = arg(args, WG_OW);
  const T = <usize>rows * <usize>TW;
  const xiStride = (T * <usize>mPad) << 2;
  const groups = mPad >> 2, units = rows * groups;
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES; // Ŷ[ξ] of 4 channels × 4 tiles: 64 vectors
  const zero = f32x4.splat(0), owv = i32x4.splat(OW);
  for (let u = tid; u < units; u += nth) {
    const rr = u / groups, co0 = (u - rr * groups) << 2;
    const r = row0 + rr, img = r / TH, ty = r - img * TH;
    const oy = 2 * ty, second = oy + 1 < OH;
    const panel = Y + ((<usize>co0 * T + (<usize>(rr * TW) << 2)) << 2);
    for (let tx = 0; tx < TW; tx += 4) {
      const ox = 2 * tx;
      // columns 2(tx+t) and 2(tx+t)+1 of lane t, kept where inside the output
      const c0 = i32x4.add(i32x4.splat(ox), i32x4(0, 2, 4, 6));
      const m0 = i32x4.lt_s(c0, owv), m1 = i32x4.lt_s(i32x4.add(c0, i32x4.splat(1)), owv);
      for (let c = 0; c < 4; c++) {
        let d00 = zero, d01 = zero, d10 = zero, d11 = zero;
        if (co0 + c < cout) {
          const row0p = dy + ((<usize>(img * cout + co0 + c) * <usize>OH * <usize>OW + <usize>oy * <usize>OW + <usize>ox) << 2);
          let lo = v128.load(row0p), hi = v128.load(row0p, 16);
          d00 = v128.and(v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), m0); d01 = v128.and(v128.shuffle<f32>(lo, hi, 1, 3, 5, 7), m1);
          if (second) {
            const row1p = row0p + (<usize>OW << 2);
            lo = v128.load(row1p); hi = v128.load(row1p, 16);
            d10 = v128.and(v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), m0); d11 = v128.and(v128.shuffle<f32>(lo, hi, 1, 3, 5, 7), m1);
          }
        }
        // rows of A·dy: r0 = d0, r1 = d0 + d1, r2 = d0 − d1, r3 = −d1; then each row times Aᵀ the same way, into
        // scratch[ξ][c] (lanes: the 4 tiles)
        const o = scratch + (<usize>c << 4);
        winoGradRow(o, 64, 4, 0, d00, d01);
        winoGradRow(o, 64, 4, 1, f32x4.add(d00, d10), f32x4.add(d01, d11));
        winoGradRow(o, 64, 4, 2, f32x4.sub(d00, d10), f32x4.sub(d01, d11));
        winoGradRow(o, 64, 4, 3, f32x4.neg(d10), f32x4.neg(d11));
      }
      const n = imin(4, TW - tx), dst = panel + (<usize>tx << 4);
      for (let xi = 0; xi < 16; xi++) {
        const q = scratch + (<usize>xi << 6), d = dst + <usize>xi * xiStride;
        const v0 = v128.load(q), v1 = v128.load(q, 16), v2 = v128.load(q, 32), v3 = v128.load(q, 48);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        if (n > 1) v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        if (n > 2) v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        if (n > 3) v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      }
    }
  }
}

@inline
function winoGradRow(o: usize, xiStride: usize, n: i32, a: i32, r0: v128, r1: v128): void {
  const p = o + <usize>(4 * a) * xiStride;
  winoStore(p, n, r0);
  winoStore(p + xiStride, n, f32x4.add(r0, r1));
  winoStore(p + 2 * xiStride, n, f32x4.sub(r0, r1));
  winoStore(p + 3 * xiStride, n, f32x4.neg(r1));
}

/** dW[co][ci] = Gᵀ·dU[co][ci]·G (4×4 → 3×3) from dU[ξ][co][ci] at SRC into dW [Cout, Cin, 3, 3] at DST.
 *  Gᵀ = [[1,½,½,0],[0,½,−½,0],[0,½,½,1]]. Units: output channels. */
export function winoWeightGradTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), cout = arg(args, WG_COUT);
  const dU = <usize>arg(args, WG_SRC), dW = <usize>arg(args, WG_DST);
  const xiStride = (<usize>C * <usize>cout) << 2;
  for (let co = tid; co < cout; co += nth) {
    for (let ci = 0; ci < C; ci++) {
      const s = dU + ((<usize>co * <usize>C + <usize>ci) << 2);
      // column pass (·G): for each row a of dU, c_a = (u0 + ½(u1 + u2), ½(u1 − u2), ½(u1 + u2) + u3)
      let u0 = load<f32>(s), u1 = load<f32>(s + xiStride), u2 = load<f32>(s + 2 * xiStride), u3 = load<f32>(s + 3 * xiStride);
      const c00 = u0 + <f32>0.5 * (u1 + u2), c01 = <f32>0.5 * (u1 - u2), c02 = <f32>0.5 * (u1 + u2) + u3;
      u0 = load<f32>(s + 4 * xiStride); u1 = load<f32>(s + 5 * xiStride); u2 = load<f32>(s + 6 * xiStride); u3 = load<f32>(s + 7 * xiStride);
      const c10 = u0 + <f32>0.5 * (u1 + u2), c11 = <f32>0.5 * (u1 - u2), c12 = <f32>0.5 * (u1 + u2) + u3;
      u0 = load<f32>(s + 8 * xiStride); u1 = load<f32>(s + 9 * xiStride); u2 = load<f32>(s + 10 * xiStride); u3 = load<f32>(s + 11 * xiStride);
      const c20 = u0 + <f32>0.5 * (u1 + u2), c21 = <f32>0.5 * (u1 - u2), c22 = <f32>0.5 * (u1 + u2) + u3;
      u0 = load<f32>(s + 12 * xiStride); u1 = load<f32>(s + 13 * xiStride); u2 = load<f32>(s + 14 * xiStride); u3 = load<f32>(s + 15 * xiStride);
      const c30 = u0 + <f32>0.5 * (u1 + u2), c31 = <f32>0.5 * (u1 - u2), c32 = <f32>0.5 * (u1 + u2) + u3;
      // row pass (Gᵀ·): kernel rows ky = 0, 1, 2
      const d = dW + ((<usize>(co * C + ci) * 9) << 2);
      store<f32>(d, c00 + <f32>0.5 * (c10 + c20)); store<f32>(d, c01 + <f32>0.5 * (c11 + c21), 4); store<f32>(d, c02 + <f32>0.5 * (c12 + c22), 8);
      store<f32>(d, <f32>0.5 * (c10 - c20), 12); store<f32>(d, <f32>0.5 * (c11 - c21), 16); store<f32>(d, <f32>0.5 * (c12 - c22), 20);
      store<f32>(d, <f32>0.5 * (c10 + c20) + c30, 24); store<f32>(d, <f32>0.5 * (c11 + c21) + c31, 28); store<f32>(d, <f32>0.5 * (c12 + c22) + c32, 32);
    }
  }
}

// ---- Winograd F(4×4, 3×3): 36 GEMMs for 16 outputs per tile, 4× fewer multiplications than direct ----
// Points 0, ±1, ±2, ∞ (Lavin & Gray 2015): BT, G and AT below. Rounding grows with the larger transform
// coefficients (relative error ~1e-5 against ~1e-6 for F(2×2, 3×3), measured), still far inside float32 tolerance
// for a sum over Cin·9 products; the caller takes it for maps large enough that the 36 weight GEMMs pay.

/** U[ξ] = (G g Gᵀ)[ξ], ξ = 6a + b, as packA panels per ξ; 4 output channels per vector (units: panels).
 *  G = [[¼,0,0],[−⅙,−⅙,−⅙],[−⅙,⅙,−⅙],[1/24,1/12,⅙],[1/24,−1/12,⅙],[0,0,1]]. */
export function wino4WeightTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), cout = arg(args, WG_COUT), mPad = arg(args, WG_MPAD);
  const w = <usize>arg(args, WG_SRC), dst = <usize>arg(args, WG_DST);
  const xiStride = <usize>mPad * <usize>C << 2, sStride: usize = WB << 4;
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES;
  for (let pnl = tid; pnl < (mPad >> 2); pnl += nth) {
    const co0 = pnl << 2, lanes = imin(4, cout - co0);
    const panel = dst + ((<usize>co0 * <usize>C) << 2);
    for (let ci0 = 0; ci0 < C; ci0 += WB) {
      const cb = imin(WB, C - ci0);
      for (let ci = ci0; ci < ci0 + cb; ci++) {
        const g = w + ((<usize>(co0 * C + ci) * 9) << 2), chan = (<usize>C * 9) << 2;
        const a0 = wino4(g, chan, lanes, 0), a1 = wino4(g, chan, lanes, 1), a2 = wino4(g, chan, lanes, 2);
        const b0 = wino4(g, chan, lanes, 3), b1 = wino4(g, chan, lanes, 4), b2 = wino4(g, chan, lanes, 5);
        const c0 = wino4(g, chan, lanes, 6), c1 = wino4(g, chan, lanes, 7), c2 = wino4(g, chan, lanes, 8);
        const out = scratch + (<usize>(ci - ci0) << 4);
        // rows of G·g (6×3): G applied down each kernel column
        wino6WeightRow(out, sStride, 0, g6r0(a0), g6r0(a1), g6r0(a2));
        wino6WeightRow(out, sStride, 1, g6r1(a0, b0, c0), g6r1(a1, b1, c1), g6r1(a2, b2, c2));
        wino6WeightRow(out, sStride, 2, g6r2(a0, b0, c0), g6r2(a1, b1, c1), g6r2(a2, b2, c2));
        wino6WeightRow(out, sStride, 3, g6r3(a0, b0, c0), g6r3(a1, b1, c1), g6r3(a2, b2, c2));
        wino6WeightRow(out, sStride, 4, g6r4(a0, b0, c0), g6r4(a1, b1, c1), g6r4(a2, b2, c2));
        wino6WeightRow(out, sStride, 5, c0, c1, c2);
      }
      flushWeightBlock(scratch, 36, cb, panel + (<usize>ci0 << 4), xiStride);
    }
  }
}

// The rows of G applied to a column (x0, x1, x2) of the kernel.
@inline function g6r0(x0: v128): v128 { return f32x4.mul(x0, f32x4.splat(0.25)); }
@inline function g6r1(x0: v128, x1: v128, x2: v128): v128 { return f32x4.mul(f32x4.add(f32x4.add(x0, x1), x2), f32x4.splat(<f32>(-1.0 / 6.0))); }
@inline function g6r2(x0: v128, x1: v128, x2: v128): v128 { return f32x4.mul(f32x4.add(f32x4.sub(x0, x1), x2), f32x4.splat(<f32>(-1.0 / 6.0))); }
@inline function g6r3(x0: v128, x1: v128, x2: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 24.0))), f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 12.0)))), f32x4.mul(x2, f32x4.splat(<f32>(1.0 / 6.0))));
}
@inline function g6r4(x0: v128, x1: v128, x2: v128): v128 {
  return f32x4.add(f32x4.sub(f32x4.mul(x0, f32x4.splat(<f32>(1.0 / 24.0))), f32x4.mul(x1, f32x4.splat(<f32>(1.0 / 12.0)))), f32x4.mul(x2, f32x4.splat(<f32>(1.0 / 6.0))));
}

/** Stores row `a` of (G g)Gᵀ: ξ = 6a + b for b = 0..5 (G applied along the row). */
@inline
function wino6WeightRow(out: usize, xiStride: usize, a: i32, r0: v128, r1: v128, r2: v128): void {
  const p = out + <usize>(6 * a) * xiStride;
  v128.store(p, g6r0(r0));
  v128.store(p + xiStride, g6r1(r0, r1, r2));
  v128.store(p + 2 * xiStride, g6r2(r0, r1, r2));
  v128.store(p + 3 * xiStride, g6r3(r0, r1, r2));
  v128.store(p + 4 * xiStride, g6r4(r0, r1, r2));
  v128.store(p + 5 * xiStride, r2);
}

/** Bᵀ applied to (d0..d5), output j. Bᵀ rows: [4,0,−5,0,1,0], [0,−4,−4,1,1,0], [0,4,−4,−1,1,0], [0,−2,−1,2,1,0],
 *  [0,2,−1,−2,1,0], [0,4,0,−5,0,1]. */
@inline function bt0(d0: v128, d2: v128, d4: v128): v128 { return f32x4.add(f32x4.sub(f32x4.mul(d0, f32x4.splat(4)), f32x4.mul(d2, f32x4.splat(5))), d4); }
@inline function bt1(d1: v128, d2: v128, d3: v128, d4: v128): v128 { return f32x4.sub(f32x4.add(d3, d4), f32x4.mul(f32x4.add(d1, d2), f32x4.splat(4))); }
@inline function bt2(d1: v128, d2: v128, d3: v128, d4: v128): v128 { return f32x4.add(f32x4.sub(d4, d3), f32x4.mul(f32x4.sub(d1, d2), f32x4.splat(4))); }
@inline function bt3(d1: v128, d2: v128, d3: v128, d4: v128): v128 { return f32x4.add(f32x4.sub(d4, d2), f32x4.mul(f32x4.sub(d3, d1), f32x4.splat(2))); }
@inline function bt4(d1: v128, d2: v128, d3: v128, d4: v128): v128 { return f32x4.add(f32x4.sub(d4, d2), f32x4.mul(f32x4.sub(d1, d3), f32x4.splat(2))); }
@inline function bt5(d1: v128, d3: v128, d5: v128): v128 { return f32x4.add(f32x4.sub(f32x4.mul(d1, f32x4.splat(4)), f32x4.mul(d3, f32x4.splat(5))), d5); }

/** V[ξ][ci][t] = (Bᵀ d B)[ξ], ξ = 6a + b, for the tiles of tile rows ROW0..ROW0+ROWS (4×4 outputs, 6×6 windows
 *  at stride 4) of the padded input (HP = 4·TH + 2; WP leaves room for 20 columns past the last 4-tile group's start).
 *  Units: (tile row, channel); 4 tiles at a time, their window columns gathered by 4×4 register transposes. */
export function wino4InputTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), HP = arg(args, WG_HP), WP = arg(args, WG_WP), TH = arg(args, WG_TH), TW = arg(args, WG_TW);
  const row0 = arg(args, WG_ROW0), rows = arg(args, WG_ROWS);
  const x = <usize>arg(args, WG_SRC), V = <usize>arg(args, WG_DST);
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>C * T) << 2;
  const units = rows * C;
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES; // 36 vectors per thread: the row transforms
  for (let u = tid; u < units; u += nth) {
    const rr = u / C, ci = u - rr * C;
    const r = row0 + rr, img = r / TH, ty = r - img * TH;
    const plane = x + ((<usize>(img * C + ci) * <usize>HP * <usize>WP + <usize>(4 * ty) * <usize>WP) << 2);
    const out = V + ((<usize>ci * T + <usize>rr * <usize>TW) << 2);
    for (let tx = 0; tx < TW; tx += 4) {
      // Bᵀ along each of the 6 window rows (lanes = 4 tiles), kept in scratch[6·i + j]
      for (let i = 0; i < 6; i++) {
        const p = plane + ((<usize>i * <usize>WP + <usize>(4 * tx)) << 2);
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48), v4 = v128.load(p, 64);
        // column j of tile t is element j of vector t (j < 4) or element j − 4 of vector t + 1
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        const d0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), d1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
        const d2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), d3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
        const u0 = v128.shuffle<f32>(v1, v2, 0, 4, 1, 5), u1 = v128.shuffle<f32>(v3, v4, 0, 4, 1, 5);
        const d4 = v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), d5 = v128.shuffle<f32>(u0, u1, 2, 3, 6, 7);
        const s = scratch + (<usize>(6 * i) << 4);
        v128.store(s, bt0(d0, d2, d4)); v128.store(s, bt1(d1, d2, d3, d4), 16); v128.store(s, bt2(d1, d2, d3, d4), 32);
        v128.store(s, bt3(d1, d2, d3, d4), 48); v128.store(s, bt4(d1, d2, d3, d4), 64); v128.store(s, bt5(d1, d3, d5), 80);
      }
      // then Bᵀ down each column b: V[a][b] from the 6 row results in column b
      const o = out + (<usize>tx << 2), n = imin(4, TW - tx);
      for (let b = 0; b < 6; b++) {
        const s = scratch + (<usize>b << 4);
        const e0 = v128.load(s), e1 = v128.load(s, 96), e2 = v128.load(s, 192), e3 = v128.load(s, 288), e4 = v128.load(s, 384), e5 = v128.load(s, 480);
        const ob = o + <usize>b * xiStride, step = 6 * xiStride;
        winoStore(ob, n, bt0(e0, e2, e4));
        winoStore(ob + step, n, bt1(e1, e2, e3, e4));
        winoStore(ob + 2 * step, n, bt2(e1, e2, e3, e4));
        winoStore(ob + 3 * step, n, bt3(e1, e2, e3, e4));
        winoStore(ob + 4 * step, n, bt4(e1, e2, e3, e4));
        winoStore(ob + 5 * step, n, bt5(e1, e3, e5));
      }
    }
  }
}

/** y = Aᵀ m A (+ bias) for F(4×4, 3×3): 36 values per tile → 4×4 outputs. Aᵀ = [[1,1,1,1,1,0],[0,1,−1,2,−2,0],
 *  [0,1,1,4,4,0],[0,1,−1,8,−8,1]]. Units: (tile row, output channel); 4 tiles → 16 output columns per row. */
export function wino4OutputTask(args: usize, tid: i32, nth: i32): void {
  const cout = arg(args, WG_COUT), TH = arg(args, WG_TH), TW = arg(args, WG_TW);
  const row0 = arg(args, WG_ROW0), rows = arg(args, WG_ROWS);
  const M = <usize>arg(args, WG_SRC), y = <usize>arg(args, WG_DST), bias = <usize>arg(args, WG_BIAS);
  const OH = arg(args, WG_OH), OW = arg(args, WG_OW);
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES; // 24 of 36 vectors per thread: m·A
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>cout * T) << 2;
  const units = rows * cout;
  for (let u = tid; u < units; u += nth) {
    const rr = u / cout, co = u - rr * cout;
    const r = row0 + rr, img = r / TH, ty = r - img * TH;
    const bv = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>co << 2))) : f32x4.splat(0);
    const src = M + ((<usize>co * T + <usize>rr * <usize>TW) << 2);
    const oy = 4 * ty;
    const plane = y + ((<usize>(img * cout + co) * <usize>OH * <usize>OW) << 2);
    for (let tx = 0; tx < TW; tx += 4) {
      const s = src + (<usize>tx << 2);
      // Aᵀ along each row a of m (6 values → 4), into scratch[4·a + j]
      for (let a = 0; a < 6; a++) {
        const p = s + <usize>(6 * a) * xiStride;
        const m0 = v128.load(p), m1 = v128.load(p + xiStride), m2 = v128.load(p + 2 * xiStride);
        const m3 = v128.load(p + 3 * xiStride), m4 = v128.load(p + 4 * xiStride), m5 = v128.load(p + 5 * xiStride);
        const q = scratch + (<usize>(4 * a) << 4);
        const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2), s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
        v128.store(q, f32x4.add(f32x4.add(m0, s12), s34));
        v128.store(q, f32x4.add(d12, f32x4.mul(d34, f32x4.splat(2))), 16);
        v128.store(q, f32x4.add(s12, f32x4.mul(s34, f32x4.splat(4))), 32);
        v128.store(q, f32x4.add(f32x4.add(d12, f32x4.mul(d34, f32x4.splat(8))), m5), 48);
      }
      // then Aᵀ down each column j: output rows i = 0..3, column j of each tile
      const ox = 4 * tx;
      for (let i = 0; i < 4; i++) {
        if (oy + i >= OH) break;
        const yrow = plane + ((<usize>(oy + i) * <usize>OW + <usize>ox) << 2);
        let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
        for (let j = 0; j < 4; j++) {
          const q = scratch + (<usize>j << 4);
          const e0 = v128.load(q), e1 = v128.load(q, 64), e2 = v128.load(q, 128), e3 = v128.load(q, 192), e4 = v128.load(q, 256), e5 = v128.load(q, 320);
          const s12 = f32x4.add(e1, e2), d12 = f32x4.sub(e1, e2), s34 = f32x4.add(e3, e4), d34 = f32x4.sub(e3, e4);
          let v: v128;
          if (i == 0) v = f32x4.add(f32x4.add(e0, s12), s34);
          else if (i == 1) v = f32x4.add(d12, f32x4.mul(d34, f32x4.splat(2)));
          else if (i == 2) v = f32x4.add(s12, f32x4.mul(s34, f32x4.splat(4)));
          else v = f32x4.add(f32x4.add(d12, f32x4.mul(d34, f32x4.splat(8))), e5);
          v = f32x4.add(v, bv);
          if (j == 0) c0 = v; else if (j == 1) c1 = v; else if (j == 2) c2 = v; else c3 = v;
        }
        // lane t of c_j is column 4t + j: transpose to 4 vectors of 4 consecutive columns (one per tile)
        const t0 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
        const n = OW - ox;
        winoStoreRow(yrow, n, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
        if (n > 8) winoStoreRow(yrow + 32, n - 8, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      }
    }
  }
}

// ---- Winograd, one thread per block of tile rows: transform, 16 or 36 GEMMs and inverse transform in its cache ----
// Parameter block: the 15 transform fields (WG_*; ROW0/ROWS unused), then:
const WF_M = 15, WF_U = 16, WF_TOTAL = 17, WF_ROWS = 18, WF_KC = 19, WF_BUF = 20, WF_BUFSTRIDE = 21, WF_MOFF = 22,
  WF_GEMMOFF = 23;

/** Forward Winograd F(m×m, 3×3) over units of WF_ROWS tile rows: each thread transforms its unit's input tiles into its
 *  own V, runs the (m+2)² GEMMs M[ξ] = U[ξ]·V[ξ] and the output transform, so that V and M stay in its caches (split
 *  across threads by task, V and M went through memory and the other core: half of a 64-channel layer's time). The
 *  per-unit calls are the transform and matmul tasks themselves, on one thread with the unit's parameter blocks.
 *  Per-thread buffer at WF_BUF + tid·WF_BUFSTRIDE: [3 parameter blocks][V][M at WF_MOFF][GEMM panels at WF_GEMMOFF]. */
export function winoFusedTask(args: usize, tid: i32, nth: i32): void {
  const m = arg(args, WF_M), nXi = (m + 2) * (m + 2);
  const C = arg(args, WG_C), cout = arg(args, WG_COUT), TW = arg(args, WG_TW), mPad = arg(args, WG_MPAD);
  const total = arg(args, WF_TOTAL), per = arg(args, WF_ROWS), KC = arg(args, WF_KC);
  const base = <usize>arg(args, WF_BUF) + <usize>tid * <usize>arg(args, WF_BUFSTRIDE);
  const aIn = base, aMM = base + 64, aOut = base + 128, V = base + 192;
  const Mb = base + <usize>arg(args, WF_MOFF), gemm = base + <usize>arg(args, WF_GEMMOFF);
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES;
  for (let i = 0; i < 15; i++) {
    const v = arg(args, i);
    store<i32>(aIn + (<usize>i << 2), v);
    store<i32>(aOut + (<usize>i << 2), v);
  }
  store<i32>(aIn + (WG_DST << 2), <i32>V); store<i32>(aIn + (WG_SCRATCH << 2), <i32>scratch);
  store<i32>(aOut + (WG_SRC << 2), <i32>Mb); store<i32>(aOut + (WG_SCRATCH << 2), <i32>scratch);
  const units = (total + per - 1) / per;
  for (let u = tid; u < units; u += nth) {
    const row0 = u * per, rows = imin(per, total - row0), T = rows * TW;
    store<i32>(aIn + (WG_ROW0 << 2), row0); store<i32>(aIn + (WG_ROWS << 2), rows);
    store<i32>(aOut + (WG_ROW0 << 2), row0); store<i32>(aOut + (WG_ROWS << 2), rows);
    if (m == 4) wino4InputTask(aIn, 0, 1); else winoInputTask(aIn, 0, 1);
    store<i32>(aMM, nXi); store<i32>(aMM, cout, 4); store<i32>(aMM, T, 8); store<i32>(aMM, C, 12);
    store<i32>(aMM, arg(args, WF_U), 16); store<i32>(aMM, mPad * C, 20); store<i32>(aMM, <i32>V, 24);
    store<i32>(aMM, C * T, 28); store<i32>(aMM, T, 32); store<i32>(aMM, 1, 36); store<i32>(aMM, <i32>Mb, 40);
    store<i32>(aMM, T <= 256 ? (T + 7) & ~7 : 256, 44); store<i32>(aMM, KC, 48); store<i32>(aMM, <i32>gemm, 52);
    store<i32>(aMM, 0, 56); store<i32>(aMM, 0, 60);
    matmulTask(aMM, 0, 1);
    if (m == 4) wino4OutputTask(aOut, 0, 1); else winoOutputTask(aOut, 0, 1);
  }
}

/** Weight gradient by Winograd F(2×2, 3×3) over units of WF_ROWS tile rows, for small dU: each thread transforms its
 *  unit's tiles of x (V, from SRC) and of dy (Ŷ as packed panels, from DST) in its own buffers and accumulates the 16
 *  GEMMs dU_t[ξ] += Ŷ[ξ]·V[ξ]ᵀ into its own partial sums at WF_U + tid·16·Cout·Cin floats (zero if it gets no unit). */
export function winoFusedWeightTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WG_C), cout = arg(args, WG_COUT), TW = arg(args, WG_TW), mPad = arg(args, WG_MPAD);
  const total = arg(args, WF_TOTAL), per = arg(args, WF_ROWS), KC = arg(args, WF_KC); // KC: blocks of the shared dimension (tiles)
  const base = <usize>arg(args, WF_BUF) + <usize>tid * <usize>arg(args, WF_BUFSTRIDE);
  const aIn = base, aDy = base + 64, aMM = base + 128, V = base + 192;
  const Yp = base + <usize>arg(args, WF_MOFF), gemm = base + <usize>arg(args, WF_GEMMOFF);
  const dU = <usize>arg(args, WF_U) + ((<usize>tid * 16 * <usize>cout * <usize>C) << 2);
  const scratch = <usize>arg(args, WG_SCRATCH) + <usize>tid * WG_SCRATCH_BYTES;
  for (let i = 0; i < 15; i++) {
    const v = arg(args, i);
    store<i32>(aIn + (<usize>i << 2), v);
    store<i32>(aDy + (<usize>i << 2), v);
  }
  store<i32>(aIn + (WG_DST << 2), <i32>V); store<i32>(aIn + (WG_SCRATCH << 2), <i32>scratch);
  store<i32>(aDy + (WG_SRC << 2), arg(args, WG_DST)); store<i32>(aDy + (WG_DST << 2), <i32>Yp);
  store<i32>(aDy + (WG_SCRATCH << 2), <i32>scratch);
  const units = (total + per - 1) / per;
  if (tid >= units) memory.fill(dU, 0, (<usize>16 * <usize>cout * <usize>C) << 2);
  for (let u = tid; u < units; u += nth) {
    const row0 = u * per, rows = imin(per, total - row0), T = rows * TW;
    store<i32>(aIn + (WG_ROW0 << 2), row0); store<i32>(aIn + (WG_ROWS << 2), rows);
    store<i32>(aDy + (WG_ROW0 << 2), row0); store<i32>(aDy + (WG_ROWS << 2), rows);
    winoInputTask(aIn, 0, 1);
    winoGradOutputTask(aDy, 0, 1);
    // B = V[ξ]ᵀ: element (t, ci) at ci·T + t (row stride 1, column stride T)
    store<i32>(aMM, 16); store<i32>(aMM, cout, 4); store<i32>(aMM, C, 8); store<i32>(aMM, T, 12);
    store<i32>(aMM, <i32>Yp, 16); store<i32>(aMM, mPad * T, 20); store<i32>(aMM, <i32>V, 24); store<i32>(aMM, C * T, 28);
    store<i32>(aMM, 1, 32); store<i32>(aMM, T, 36); store<i32>(aMM, <i32>dU, 40);
    store<i32>(aMM, C <= 256 ? (C + 7) & ~7 : 256, 44); store<i32>(aMM, KC, 48);
    store<i32>(aMM, <i32>gemm, 52); store<i32>(aMM, 0, 56); store<i32>(aMM, u == tid ? 0 : 1, 60);
    matmulTask(aMM, 0, 1);
  }
}

// Parameter block of the few-rows matmul task.
const V_BATCH = 0, V_M = 1, V_N = 2, V_K = 3, V_A = 4, V_ASTRIDE = 5, V_B = 6, V_BSTRIDE = 7, V_C = 8;

/** out[b] = A[b]·Wᵀ for A with few rows (m ≤ 4: a Linear layer at batch 1) and W [n, k] row-major: one dot product
 *  per (row, column), 16 floats a step in 4 accumulators. Every weight is used m times, so packing it (what the GEMM
 *  does) would cost more than the products. Units: blocks of 16 output columns. */
export function matmulRowsTask(args: usize, tid: i32, nth: i32): void {
  const batch = arg(args, V_BATCH), M = arg(args, V_M), N = arg(args, V_N), K = arg(args, V_K);
  const a = <usize>arg(args, V_A), aStride = <usize>arg(args, V_ASTRIDE), b = <usize>arg(args, V_B);
  const bStride = <usize>arg(args, V_BSTRIDE), c = <usize>arg(args, V_C);
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
