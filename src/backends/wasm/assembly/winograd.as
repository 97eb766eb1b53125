// Winograd F(2×2, 3×3): 3×3 stride-1 convolutions with 2.25× fewer multiplications.
// y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A per 2×2 output tile d (4×4 input window). Over all channels, the 16 element
// positions ξ of the 4×4 transformed tiles give 16 independent GEMMs M[ξ] = U[ξ]·V[ξ] (U: Cout×Cin transformed
// weights, V: Cin×tiles transformed input), run by matmulTask; these tasks do the transforms. The transforms
// use only additions and halvings (Lavin & Gray 2015, F(2×2, 3×3)), so rounding stays close to the direct sum.
import { fma, arg, imin, setArg } from "./common";
import { Matmul, WinoFused, WinoTiles, WINO_BLOCK_BYTES, WINO_SCRATCH_BYTES } from "./args";
import { matmulTask } from "./gemm";

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
  const C = arg(args, WinoTiles.cIn), cout = arg(args, WinoTiles.cOut), mPad = arg(args, WinoTiles.mPad);
  const w = <usize>arg(args, WinoTiles.src), dst = <usize>arg(args, WinoTiles.dst);
  const xiStride = <usize>mPad * <usize>C << 2, sStride: usize = WB << 4;
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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
  const C = arg(args, WinoTiles.cIn), HP = arg(args, WinoTiles.hp), WP = arg(args, WinoTiles.wp);
  const TH = arg(args, WinoTiles.th), TW = arg(args, WinoTiles.tw);
  const row0 = arg(args, WinoTiles.row0), rows = arg(args, WinoTiles.rows);
  const x = <usize>arg(args, WinoTiles.src), V = <usize>arg(args, WinoTiles.dst);
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>C * T) << 2;
  const units = rows * C;
  // 16 of 36 vectors per thread: Bᵀ·d
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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
  const cout = arg(args, WinoTiles.cOut), TH = arg(args, WinoTiles.th), TW = arg(args, WinoTiles.tw);
  const row0 = arg(args, WinoTiles.row0), rows = arg(args, WinoTiles.rows);
  const M = <usize>arg(args, WinoTiles.src), y = <usize>arg(args, WinoTiles.dst);
  const bias = <usize>arg(args, WinoTiles.bias);
  const OH = arg(args, WinoTiles.outH), OW = arg(args, WinoTiles.outW);
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

/** Weight gradient by Winograd, the transpose of the forward map: dU[ξ] = Σ_t Ŷ[ξ][·][t]·V[ξ][·][t]ᵀ with
 *  Ŷ = A·dy·Aᵀ for each 2×2 tile of dy (A = [[1,0],[1,1],[1,−1],[0,−1]]), then dW = Gᵀ·dU·G. This task writes
 *  Ŷ[ξ] for the chunk's tiles (SRC: dy [n, Cout, OH, OW]) straight as the GEMM's packed A operand: panels of 4
 *  output channels over the T tiles, (co, t) at ξ·mPad·T + (co & ~3)·T + 4t + (co & 3), channels past Cout zero.
 *  Units: (tile row, group of 4 output channels); 4 tiles at a time from the even and odd lanes of each dy row,
 *  transposed in registers so that each tile's 4 channels go out as one vector; dy past the output reads 0. */
export function winoGradOutputTask(args: usize, tid: i32, nth: i32): void {
  const cout = arg(args, WinoTiles.cOut), TH = arg(args, WinoTiles.th), TW = arg(args, WinoTiles.tw);
  const mPad = arg(args, WinoTiles.mPad);
  const row0 = arg(args, WinoTiles.row0), rows = arg(args, WinoTiles.rows);
  const dy = <usize>arg(args, WinoTiles.src), Y = <usize>arg(args, WinoTiles.dst);
  const OH = arg(args, WinoTiles.outH), OW = arg(args, WinoTiles.outW);
  const T = <usize>rows * <usize>TW;
  const xiStride = (T * <usize>mPad) << 2;
  const groups = mPad >> 2, units = rows * groups;
  // Ŷ[ξ] of 4 channels × 4 tiles: 64 vectors
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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
  const C = arg(args, WinoTiles.cIn), cout = arg(args, WinoTiles.cOut);
  const dU = <usize>arg(args, WinoTiles.src), dW = <usize>arg(args, WinoTiles.dst);
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
  const C = arg(args, WinoTiles.cIn), cout = arg(args, WinoTiles.cOut), mPad = arg(args, WinoTiles.mPad);
  const w = <usize>arg(args, WinoTiles.src), dst = <usize>arg(args, WinoTiles.dst);
  const xiStride = <usize>mPad * <usize>C << 2, sStride: usize = WB << 4;
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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
  const C = arg(args, WinoTiles.cIn), HP = arg(args, WinoTiles.hp), WP = arg(args, WinoTiles.wp);
  const TH = arg(args, WinoTiles.th), TW = arg(args, WinoTiles.tw);
  const row0 = arg(args, WinoTiles.row0), rows = arg(args, WinoTiles.rows);
  const x = <usize>arg(args, WinoTiles.src), V = <usize>arg(args, WinoTiles.dst);
  const T = <usize>rows * <usize>TW;
  const xiStride = (<usize>C * T) << 2;
  const units = rows * C;
  // 36 vectors per thread: the row transforms
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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
  const cout = arg(args, WinoTiles.cOut), TH = arg(args, WinoTiles.th), TW = arg(args, WinoTiles.tw);
  const row0 = arg(args, WinoTiles.row0), rows = arg(args, WinoTiles.rows);
  const M = <usize>arg(args, WinoTiles.src), y = <usize>arg(args, WinoTiles.dst);
  const bias = <usize>arg(args, WinoTiles.bias);
  const OH = arg(args, WinoTiles.outH), OW = arg(args, WinoTiles.outW);
  // 24 of 36 vectors per thread: m·A
  const scratch = <usize>arg(args, WinoTiles.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
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

/** Forward Winograd F(m×m, 3×3) over units of `unitRows` tile rows: each thread transforms its unit's input tiles into its
 *  own V, runs the (m+2)² GEMMs M[ξ] = U[ξ]·V[ξ] and the output transform, so that V and M stay in its caches (split
 *  across threads by task, V and M went through memory and the other core: half of a 64-channel layer's time). The
 *  per-unit calls are the transform and matmul tasks themselves, on one thread with the unit's parameter blocks.
 *  Per-thread buffer at buf + tid·bufStride: [3 parameter blocks of WINO_BLOCK_BYTES][V][M at mOff][GEMM panels at gemmOff]. */
export function winoFusedTask(args: usize, tid: i32, nth: i32): void {
  const m = arg(args, WinoFused.m), nXi = (m + 2) * (m + 2);
  const C = arg(args, WinoFused.cIn), cout = arg(args, WinoFused.cOut), TW = arg(args, WinoFused.tw);
  const mPad = arg(args, WinoFused.mPad);
  const total = arg(args, WinoFused.totalRows), per = arg(args, WinoFused.unitRows), KC = arg(args, WinoFused.kc);
  const base = <usize>arg(args, WinoFused.buf) + <usize>tid * <usize>arg(args, WinoFused.bufStride);
  // the per-unit parameter blocks of the transform and matmul tasks take WINO_BLOCK_BYTES each (as the caller lays it out)
  if (WinoTiles.FIELDS * 4 > WINO_BLOCK_BYTES || Matmul.FIELDS * 4 > WINO_BLOCK_BYTES) ERROR("winoFusedTask: a parameter block outgrew WINO_BLOCK_BYTES");
  const aIn = base, aMM = base + WINO_BLOCK_BYTES, aOut = base + 2 * WINO_BLOCK_BYTES, V = base + 3 * WINO_BLOCK_BYTES;
  const Mb = base + <usize>arg(args, WinoFused.mOff), gemm = base + <usize>arg(args, WinoFused.gemmOff);
  const scratch = <usize>arg(args, WinoFused.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
  for (let i = 0; i < WinoTiles.FIELDS; i++) {
    const v = arg(args, i);
    store<i32>(aIn + (<usize>i << 2), v);
    store<i32>(aOut + (<usize>i << 2), v);
  }
  setArg(aIn, WinoTiles.dst, <i32>V); setArg(aIn, WinoTiles.scratch, <i32>scratch);
  setArg(aOut, WinoTiles.src, <i32>Mb); setArg(aOut, WinoTiles.scratch, <i32>scratch);
  const units = (total + per - 1) / per;
  for (let u = tid; u < units; u += nth) {
    const row0 = u * per, rows = imin(per, total - row0), T = rows * TW;
    setArg(aIn, WinoTiles.row0, row0); setArg(aIn, WinoTiles.rows, rows);
    setArg(aOut, WinoTiles.row0, row0); setArg(aOut, WinoTiles.rows, rows);
    if (m == 4) wino4InputTask(aIn, 0, 1); else winoInputTask(aIn, 0, 1);
    setArg(aMM, Matmul.batch, nXi); setArg(aMM, Matmul.m, cout); setArg(aMM, Matmul.n, T); setArg(aMM, Matmul.k, C);
    setArg(aMM, Matmul.a, arg(args, WinoFused.u)); setArg(aMM, Matmul.aStride, mPad * C); setArg(aMM, Matmul.b, <i32>V);
    setArg(aMM, Matmul.bStride, C * T); setArg(aMM, Matmul.bRowStride, T); setArg(aMM, Matmul.bColStride, 1);
    setArg(aMM, Matmul.c, <i32>Mb); setArg(aMM, Matmul.nc, T <= 256 ? (T + 7) & ~7 : 256); setArg(aMM, Matmul.kc, KC);
    setArg(aMM, Matmul.buf, <i32>gemm); setArg(aMM, Matmul.bufStride, 0); setArg(aMM, Matmul.accumulate, 0);
    setArg(aMM, Matmul.epilogue, 0); setArg(aMM, Matmul.mc, 0); setArg(aMM, Matmul.lda, 0);
    matmulTask(aMM, 0, 1);
    if (m == 4) wino4OutputTask(aOut, 0, 1); else winoOutputTask(aOut, 0, 1);
  }
}

/** Weight gradient by Winograd F(2×2, 3×3) over units of `unitRows` tile rows, for small dU: each thread transforms its
 *  unit's tiles of x (V, from SRC) and of dy (Ŷ as packed panels, from DST) in its own buffers and accumulates the 16
 *  GEMMs dU_t[ξ] += Ŷ[ξ]·V[ξ]ᵀ into its own partial sums at u + tid·16·Cout·Cin floats (zero if it gets no unit). */
export function winoFusedWeightTask(args: usize, tid: i32, nth: i32): void {
  const C = arg(args, WinoFused.cIn), cout = arg(args, WinoFused.cOut), TW = arg(args, WinoFused.tw);
  const mPad = arg(args, WinoFused.mPad);
  // KC: blocks of the shared dimension (tiles)
  const total = arg(args, WinoFused.totalRows), per = arg(args, WinoFused.unitRows), KC = arg(args, WinoFused.kc);
  const base = <usize>arg(args, WinoFused.buf) + <usize>tid * <usize>arg(args, WinoFused.bufStride);
  if (WinoTiles.FIELDS * 4 > WINO_BLOCK_BYTES || Matmul.FIELDS * 4 > WINO_BLOCK_BYTES) ERROR("winoFusedWeightTask: a parameter block outgrew WINO_BLOCK_BYTES");
  const aIn = base, aDy = base + WINO_BLOCK_BYTES, aMM = base + 2 * WINO_BLOCK_BYTES, V = base + 3 * WINO_BLOCK_BYTES;
  const Yp = base + <usize>arg(args, WinoFused.mOff), gemm = base + <usize>arg(args, WinoFused.gemmOff);
  const dU = <usize>arg(args, WinoFused.u) + ((<usize>tid * 16 * <usize>cout * <usize>C) << 2);
  const scratch = <usize>arg(args, WinoFused.scratch) + <usize>tid * WINO_SCRATCH_BYTES;
  for (let i = 0; i < WinoTiles.FIELDS; i++) {
    const v = arg(args, i);
    store<i32>(aIn + (<usize>i << 2), v);
    store<i32>(aDy + (<usize>i << 2), v);
  }
  setArg(aIn, WinoTiles.dst, <i32>V); setArg(aIn, WinoTiles.scratch, <i32>scratch);
  setArg(aDy, WinoTiles.src, arg(args, WinoFused.dst)); setArg(aDy, WinoTiles.dst, <i32>Yp);
  setArg(aDy, WinoTiles.scratch, <i32>scratch);
  const units = (total + per - 1) / per;
  if (tid >= units) memory.fill(dU, 0, (<usize>16 * <usize>cout * <usize>C) << 2);
  for (let u = tid; u < units; u += nth) {
    const row0 = u * per, rows = imin(per, total - row0), T = rows * TW;
    setArg(aIn, WinoTiles.row0, row0); setArg(aIn, WinoTiles.rows, rows);
    setArg(aDy, WinoTiles.row0, row0); setArg(aDy, WinoTiles.rows, rows);
    winoInputTask(aIn, 0, 1);
    winoGradOutputTask(aDy, 0, 1);
    // B = V[ξ]ᵀ: element (t, ci) at ci·T + t (row stride 1, column stride T)
    setArg(aMM, Matmul.batch, 16); setArg(aMM, Matmul.m, cout); setArg(aMM, Matmul.n, C); setArg(aMM, Matmul.k, T);
    setArg(aMM, Matmul.a, <i32>Yp); setArg(aMM, Matmul.aStride, mPad * T); setArg(aMM, Matmul.b, <i32>V);
    setArg(aMM, Matmul.bStride, C * T); setArg(aMM, Matmul.bRowStride, 1); setArg(aMM, Matmul.bColStride, T);
    setArg(aMM, Matmul.c, <i32>dU); setArg(aMM, Matmul.nc, C <= 256 ? (C + 7) & ~7 : 256); setArg(aMM, Matmul.kc, KC);
    setArg(aMM, Matmul.buf, <i32>gemm); setArg(aMM, Matmul.bufStride, 0);
    setArg(aMM, Matmul.accumulate, u == tid ? 0 : 1); setArg(aMM, Matmul.epilogue, 0);
    setArg(aMM, Matmul.mc, 0); setArg(aMM, Matmul.lda, 0);
    matmulTask(aMM, 0, 1);
  }
}

