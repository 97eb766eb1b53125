// Depthwise convolution (groups = cIn = cOut: one input plane, one filter per output plane): MobileNet's and
// EfficientNet's 3×3–7×7 filters, any stride and dilation. Its work per element is a few multiply-adds, so it runs
// near the speed of the memory only when nothing is copied through the memory: no padded input, no im2col. Each unit
// (plane, band of output rows) copies the band's input rows into a small zero-padded buffer of its thread (it stays in
// L1), so every column takes the vector path with no bounds checks, and computes two output rows at a time, each
// input vector loaded once for both. The padding's zeros are multiplied as in the reference and PyTorch's im2col
// path (a non-finite weight makes every output whose window reads padding NaN). The weight gradient reads the same
// bands, a channel per unit, summing dy·x along output rows into one vector per tap.
import { fma, arg, imin, zeroFloats, copyFloats, unitStart } from "./common";
import { ConvDepthwise, ConvDepthwiseWeight } from "./args";
import { applyEpilogue } from "./elementwise";

/** Buffer rows [0, nR) of WP floats: row r holds input row iy0 + r, buffer column j input column j − PL; zeros outside
 *  the input and from buffer column `reach` on (the columns no output reads, which may hold any value). */
function fillBand(xp: usize, H: i32, W: i32, PL: i32, iy0: i32, nR: i32, WP: i32, reach: i32, buf: usize): void {
  const c0 = PL < 0 ? -PL : 0, c1 = imin(W, imin(reach, WP) - PL); // input columns [c0, c1) land in the buffer
  const rowBytes = <usize>WP << 2;
  for (let r = 0; r < nR; r++) {
    const iy = iy0 + r, dst = buf + <usize>r * rowBytes;
    if (iy < 0 || iy >= H || c1 <= c0) { zeroFloats(dst, rowBytes); continue; }
    const j0 = c0 + PL, j1 = c1 + PL;
    if (j0 > 0) zeroFloats(dst, <usize>j0 << 2);
    copyFloats(dst + (<usize>j0 << 2), xp + ((<usize>iy * <usize>W + <usize>c0) << 2), <usize>(c1 - c0) << 2);
    zeroFloats(dst + (<usize>j1 << 2), <usize>(WP - j1) << 2);
  }
}

/** 4 consecutive output pixels' inputs for one tap, from their first input at p: stride 1 one load, stride 2 the even
 *  lanes of two (reading one float past the last tap), larger strides lane by lane. */
@inline function taps4(p: usize, SW: i32): v128 {
  if (SW == 1) return v128.load(p);
  if (SW == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  const s = <usize>SW << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + s));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * s));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * s));
}

/** 4·NV output pixels of a pair of output rows from ox (y0, y1: the rows; two: whether row 1 is stored), over the
 *  span band rows from band0: per row r the table at tab holds the byte offsets in the plane's weights of the kernel row
 *  that output row 0 and row 1 apply to it (−1: none). A row's block stored in place (direct0, direct1) may pass the
 *  row's end only into a row the unit writes after it; otherwise a block that passes the end goes through tmp. */
@inline function pairBlock(NV: i32, band0: usize, rowBytes: usize, ox: i32, SW: i32, DW: i32, KW: i32, span: i32,
  wp: usize, tab: usize, bv: v128, y0: usize, y1: usize, two: bool, OW: i32, tmp: usize, direct0: bool, direct1: bool): void {
  const vecStep = <usize>SW << 4, colStep = <usize>DW << 2;
  let a0 = bv, a1 = bv, a2 = bv, a3 = bv, b0 = bv, b1 = bv, b2 = bv, b3 = bv;
  for (let r = 0; r < span; r++) {
    const o0 = load<i32>(tab + (<usize>r << 3)), o1 = load<i32>(tab + (<usize>r << 3), 4);
    let p = band0 + <usize>r * rowBytes + <usize>(ox * SW << 2);
    if (o0 >= 0 && o1 >= 0) {
      let w0 = wp + <usize>o0, w1 = wp + <usize>o1;
      for (let kx = 0; kx < KW; kx++) {
        const u0 = v128.load32_splat(w0), u1 = v128.load32_splat(w1);
        const v0 = taps4(p, SW);
        a0 = fma(v0, u0, a0); b0 = fma(v0, u1, b0);
        if (NV > 1) { const v1 = taps4(p + vecStep, SW); a1 = fma(v1, u0, a1); b1 = fma(v1, u1, b1); }
        if (NV > 2) { const v2 = taps4(p + 2 * vecStep, SW); a2 = fma(v2, u0, a2); b2 = fma(v2, u1, b2); }
        if (NV > 3) { const v3 = taps4(p + 3 * vecStep, SW); a3 = fma(v3, u0, a3); b3 = fma(v3, u1, b3); }
        p += colStep; w0 += 4; w1 += 4;
      }
    } else if (o0 >= 0) {
      let w0 = wp + <usize>o0;
      for (let kx = 0; kx < KW; kx++) {
        const u0 = v128.load32_splat(w0);
        a0 = fma(taps4(p, SW), u0, a0);
        if (NV > 1) a1 = fma(taps4(p + vecStep, SW), u0, a1);
        if (NV > 2) a2 = fma(taps4(p + 2 * vecStep, SW), u0, a2);
        if (NV > 3) a3 = fma(taps4(p + 3 * vecStep, SW), u0, a3);
        p += colStep; w0 += 4;
      }
    } else if (o1 >= 0) {
      let w1 = wp + <usize>o1;
      for (let kx = 0; kx < KW; kx++) {
        const u1 = v128.load32_splat(w1);
        b0 = fma(taps4(p, SW), u1, b0);
        if (NV > 1) b1 = fma(taps4(p + vecStep, SW), u1, b1);
        if (NV > 2) b2 = fma(taps4(p + 2 * vecStep, SW), u1, b2);
        if (NV > 3) b3 = fma(taps4(p + 3 * vecStep, SW), u1, b3);
        p += colStep; w1 += 4;
      }
    }
  }
  const d0 = direct0 ? y0 + (<usize>ox << 2) : tmp, d1 = direct1 ? y1 + (<usize>ox << 2) : tmp + 64;
  v128.store(d0, a0);
  if (NV > 1) v128.store(d0, a1, 16);
  if (NV > 2) v128.store(d0, a2, 32);
  if (NV > 3) v128.store(d0, a3, 48);
  if (two) {
    v128.store(d1, b0);
    if (NV > 1) v128.store(d1, b1, 16);
    if (NV > 2) v128.store(d1, b2, 32);
    if (NV > 3) v128.store(d1, b3, 48);
  }
  for (let j = 0; !direct0 && j < OW - ox; j++) store<f32>(y0 + (<usize>(ox + j) << 2), load<f32>(tmp + (<usize>j << 2)));
  for (let j = 0; two && !direct1 && j < OW - ox; j++) store<f32>(y1 + (<usize>(ox + j) << 2), load<f32>(tmp + (<usize>j << 2), 64));
}

/** A pair of output rows (more: whether the unit writes rows after them), 16 pixels at a time. On rows of 16 or more
 *  the last block ends at the row's end (recomputing a few pixels of the block before it), all stored in place; a
 *  shorter row is one block of 4, 8 or 16 that may pass the end into the next row where the unit stores that row after
 *  it (MobileNet's 7² and 14² maps store nothing through tmp). */
@inline function pairRow(SW: i32, KW: i32, band0: usize, rowBytes: usize, DW: i32, span: i32, wp: usize, tab: usize,
  bv: v128, y0: usize, y1: usize, two: bool, more: bool, OW: i32, tmp: usize): void {
  if (OW >= 16) {
    for (let ox = 0; ;) {
      pairBlock(4, band0, rowBytes, ox, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp, true, true);
      if (ox + 16 >= OW) break;
      ox = imin(ox + 16, OW - 16);
    }
    return;
  }
  const NV = OW > 8 ? 4 : OW > 4 ? 2 : 1, over = 4 * NV - OW;
  const direct0 = over <= 0 || (two && over <= OW), direct1 = over <= 0 || (more && over <= OW);
  if (NV == 4) pairBlock(4, band0, rowBytes, 0, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp, direct0, direct1);
  else if (NV == 2) pairBlock(2, band0, rowBytes, 0, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp, direct0, direct1);
  else pairBlock(1, band0, rowBytes, 0, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp, direct0, direct1);
}

/** y[n, c] = bias[c] + x[n, c] ⋆ w[c] for every plane: units (plane, band of `rows` output rows, even). Per pair of
 *  output rows, 16 pixels at a time (the row's end as pairRow says): along each band row that either
 *  output row reads, per tap one broadcast weight per output row against the 4 input vectors they share.
 *  buf + tid·bufStride: 32 floats, the rows' table (2 i32 per band row of a pair), then the thread's band of
 *  (rows − 1)·strideH + (kh − 1)·dilationH + 1 rows of wp floats; wp covers the reads of the row's last 16 pixels. */
export function convDepthwiseTask(args: usize, tid: i32, nth: i32): void {
  const H = arg(args, ConvDepthwise.h), W = arg(args, ConvDepthwise.w);
  const KH = arg(args, ConvDepthwise.kh), KW = arg(args, ConvDepthwise.kw);
  const SH = arg(args, ConvDepthwise.strideH), SW = arg(args, ConvDepthwise.strideW);
  const PT = arg(args, ConvDepthwise.padTop), PL = arg(args, ConvDepthwise.padLeft);
  const DH = arg(args, ConvDepthwise.dilationH), DW = arg(args, ConvDepthwise.dilationW);
  const OH = arg(args, ConvDepthwise.outH), OW = arg(args, ConvDepthwise.outW);
  const C = arg(args, ConvDepthwise.cOut), planes = arg(args, ConvDepthwise.n) * C;
  const x = <usize>arg(args, ConvDepthwise.x), w = <usize>arg(args, ConvDepthwise.weights);
  const y = <usize>arg(args, ConvDepthwise.y), bias = <usize>arg(args, ConvDepthwise.bias);
  const rows = arg(args, ConvDepthwise.rows), WP = arg(args, ConvDepthwise.wp), ep = <usize>arg(args, ConvDepthwise.epilogue);
  const span = (KH - 1) * DH + SH + 1; // band rows a pair of output rows reads
  const tmp = <usize>arg(args, ConvDepthwise.buf) + <usize>tid * <usize>arg(args, ConvDepthwise.bufStride);
  const tab = tmp + 128, buf = tab + ((<usize>span << 3) + 63 & ~63);
  for (let r = 0; r < span; r++) {
    // kernel row of output row 0 (band row r) and of output row 1 (band row r − SH), as byte offsets in the weights
    const r1 = r - SH;
    store<i32>(tab + (<usize>r << 3), r % DH == 0 && r / DH < KH ? (r / DH) * KW << 2 : -1);
    store<i32>(tab + (<usize>r << 3), r1 >= 0 && r1 % DH == 0 && r1 / DH < KH ? (r1 / DH) * KW << 2 : -1, 4);
  }
  const bands = (OH + rows - 1) / rows, units = planes * bands;
  const reach = (OW - 1) * SW + (KW - 1) * DW + 1; // buffer columns the outputs read
  const inPlane = <usize>H * <usize>W << 2, outPlane = <usize>OH * <usize>OW << 2, rowBytes = <usize>WP << 2;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
    const plane = u / bands, band = u - plane * bands, c = plane % C;
    const yp = y + <usize>plane * outPlane, wp = w + (<usize>(c * KH * KW) << 2);
    const bv = bias ? v128.load32_splat(bias + (<usize>c << 2)) : f32x4.splat(0);
    const oy0 = band * rows, oy1 = imin(oy0 + rows, OH);
    const pairs = (oy1 - oy0 + 1) >> 1;
    fillBand(x + <usize>plane * inPlane, H, W, PL, oy0 * SH - PT, (2 * pairs - 1) * SH + (KH - 1) * DH + 1, WP, reach, buf);
    for (let oy = oy0; oy < oy1; oy += 2) {
      const two = oy + 1 < oy1, more = oy + 2 < oy1;
      const band0 = buf + <usize>((oy - oy0) * SH) * rowBytes;
      const y0 = yp + ((<usize>oy * <usize>OW) << 2), y1 = y0 + (<usize>OW << 2);
      // the common strides and widths as constants, so that the inner loops lose their branches and counters
      if (SW == 1 && KW == 3) pairRow(1, 3, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
      else if (SW == 1 && KW == 5) pairRow(1, 5, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
      else if (SW == 1 && KW == 7) pairRow(1, 7, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
      else if (SW == 1) pairRow(1, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
      else if (SW == 2) pairRow(2, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
      else pairRow(SW, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, more, OW, tmp);
    }
    if (ep) applyEpilogue(ep, c, yp + ((<usize>oy0 * <usize>OW) << 2), (oy1 - oy0) * OW); // the unit's rows, in L1
  }
}

/** acc[t] += Σ over a row of output pixels of dy·x for the row's taps t = 0..KW−1 (accumulators at acc, 16 bytes
 *  each): dy at d (OW floats), the row's first tap of output 0 at xr in the zero-padded band. Vectors of 4 output
 *  pixels; the row's last 1–3 with both operands masked, so that neither what follows the dy row nor the input past
 *  the last output's taps (an ∞ there) reaches a sum. With 3 taps or fewer, two vectors a step in two sets of
 *  accumulators (more independent additions in flight). */
@inline function weightRow(KW: i32, SW: i32, DW: i32, d: usize, xr: usize, OW: i32, mask: v128, acc: usize): void {
  const colStep = <usize>DW << 2, vecStep = <usize>SW << 4;
  const z = f32x4.splat(0);
  let a0 = v128.load(acc), a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z;
  let b0 = z, b1 = z, b2 = z;
  if (KW > 1) a1 = v128.load(acc, 16);
  if (KW > 2) a2 = v128.load(acc, 32);
  if (KW > 3) a3 = v128.load(acc, 48);
  if (KW > 4) a4 = v128.load(acc, 64);
  if (KW > 5) a5 = v128.load(acc, 80);
  if (KW > 6) a6 = v128.load(acc, 96);
  let ox = 0;
  if (KW <= 3) {
    for (; ox + 8 <= OW; ox += 8) {
      const d0 = v128.load(d + (<usize>ox << 2)), d1 = v128.load(d + (<usize>ox << 2), 16);
      const p = xr + (<usize>(ox * SW) << 2), q = p + vecStep;
      a0 = fma(taps4(p, SW), d0, a0); b0 = fma(taps4(q, SW), d1, b0);
      if (KW > 1) { a1 = fma(taps4(p + colStep, SW), d0, a1); b1 = fma(taps4(q + colStep, SW), d1, b1); }
      if (KW > 2) { a2 = fma(taps4(p + 2 * colStep, SW), d0, a2); b2 = fma(taps4(q + 2 * colStep, SW), d1, b2); }
    }
  }
  for (; ox + 4 <= OW; ox += 4) {
    const dv = v128.load(d + (<usize>ox << 2)), p = xr + (<usize>(ox * SW) << 2);
    a0 = fma(taps4(p, SW), dv, a0);
    if (KW > 1) a1 = fma(taps4(p + colStep, SW), dv, a1);
    if (KW > 2) a2 = fma(taps4(p + 2 * colStep, SW), dv, a2);
    if (KW > 3) a3 = fma(taps4(p + 3 * colStep, SW), dv, a3);
    if (KW > 4) a4 = fma(taps4(p + 4 * colStep, SW), dv, a4);
    if (KW > 5) a5 = fma(taps4(p + 5 * colStep, SW), dv, a5);
    if (KW > 6) a6 = fma(taps4(p + 6 * colStep, SW), dv, a6);
  }
  if (ox < OW) {
    const dv = v128.and(v128.load(d + (<usize>ox << 2)), mask), p = xr + (<usize>(ox * SW) << 2);
    a0 = fma(v128.and(taps4(p, SW), mask), dv, a0);
    if (KW > 1) a1 = fma(v128.and(taps4(p + colStep, SW), mask), dv, a1);
    if (KW > 2) a2 = fma(v128.and(taps4(p + 2 * colStep, SW), mask), dv, a2);
    if (KW > 3) a3 = fma(v128.and(taps4(p + 3 * colStep, SW), mask), dv, a3);
    if (KW > 4) a4 = fma(v128.and(taps4(p + 4 * colStep, SW), mask), dv, a4);
    if (KW > 5) a5 = fma(v128.and(taps4(p + 5 * colStep, SW), mask), dv, a5);
    if (KW > 6) a6 = fma(v128.and(taps4(p + 6 * colStep, SW), mask), dv, a6);
  }
  if (KW <= 3) { a0 = f32x4.add(a0, b0); a1 = f32x4.add(a1, b1); a2 = f32x4.add(a2, b2); }
  v128.store(acc, a0);
  if (KW > 1) v128.store(acc, a1, 16);
  if (KW > 2) v128.store(acc, a2, 32);
  if (KW > 3) v128.store(acc, a3, 48);
  if (KW > 4) v128.store(acc, a4, 64);
  if (KW > 5) v128.store(acc, a5, 80);
  if (KW > 6) v128.store(acc, a6, 96);
}

/** weightRow for 3×3 kernels over output rows oy0..oy1 of a band at once: the 9 taps' accumulators stay in registers
 *  across the rows, each dy vector is loaded once for all 9 (instead of once per kernel row). */
@inline function weightBand3(SW: i32, DW: i32, DH: i32, SH: i32, dp: usize, oy0: i32, oy1: i32, OW: i32, band: usize,
  rowBytes: usize, mask: v128, acc: usize): void {
  const colStep = <usize>DW << 2, rowStep = <usize>DH * rowBytes;
  let a0 = v128.load(acc), a1 = v128.load(acc, 16), a2 = v128.load(acc, 32);
  let a3 = v128.load(acc, 48), a4 = v128.load(acc, 64), a5 = v128.load(acc, 80);
  let a6 = v128.load(acc, 96), a7 = v128.load(acc, 112), a8 = v128.load(acc, 128);
  for (let oy = oy0; oy < oy1; oy++) {
    const d = dp + ((<usize>oy * <usize>OW) << 2);
    const r0 = band + <usize>((oy - oy0) * SH) * rowBytes, r1 = r0 + rowStep, r2 = r1 + rowStep;
    let ox = 0;
    for (; ox + 4 <= OW; ox += 4) {
      const dv = v128.load(d + (<usize>ox << 2)), o = <usize>(ox * SW) << 2;
      a0 = fma(taps4(r0 + o, SW), dv, a0); a1 = fma(taps4(r0 + o + colStep, SW), dv, a1); a2 = fma(taps4(r0 + o + 2 * colStep, SW), dv, a2);
      a3 = fma(taps4(r1 + o, SW), dv, a3); a4 = fma(taps4(r1 + o + colStep, SW), dv, a4); a5 = fma(taps4(r1 + o + 2 * colStep, SW), dv, a5);
      a6 = fma(taps4(r2 + o, SW), dv, a6); a7 = fma(taps4(r2 + o + colStep, SW), dv, a7); a8 = fma(taps4(r2 + o + 2 * colStep, SW), dv, a8);
    }
    if (ox < OW) {
      const dv = v128.and(v128.load(d + (<usize>ox << 2)), mask), o = <usize>(ox * SW) << 2;
      a0 = fma(v128.and(taps4(r0 + o, SW), mask), dv, a0);
      a1 = fma(v128.and(taps4(r0 + o + colStep, SW), mask), dv, a1);
      a2 = fma(v128.and(taps4(r0 + o + 2 * colStep, SW), mask), dv, a2);
      a3 = fma(v128.and(taps4(r1 + o, SW), mask), dv, a3);
      a4 = fma(v128.and(taps4(r1 + o + colStep, SW), mask), dv, a4);
      a5 = fma(v128.and(taps4(r1 + o + 2 * colStep, SW), mask), dv, a5);
      a6 = fma(v128.and(taps4(r2 + o, SW), mask), dv, a6);
      a7 = fma(v128.and(taps4(r2 + o + colStep, SW), mask), dv, a7);
      a8 = fma(v128.and(taps4(r2 + o + 2 * colStep, SW), mask), dv, a8);
    }
  }
  v128.store(acc, a0); v128.store(acc, a1, 16); v128.store(acc, a2, 32);
  v128.store(acc, a3, 48); v128.store(acc, a4, 64); v128.store(acc, a5, 80);
  v128.store(acc, a6, 96); v128.store(acc, a7, 112); v128.store(acc, a8, 128);
}

/** Depthwise weight gradient dW[c, ky, kx] = Σ_n Σ_oy,ox dy[n, c, oy, ox]·x[n, c, oy·sh + ky·dh − pt, ox·sw + kx·dw − pl]
 *  (kernels up to 7 wide): units are channels, so that each thread sums its channels' whole gradient and writes it
 *  once (no partial sums). Per plane, bands of `rows` output rows: the band's input rows copied into the thread's
 *  zero-padded buffer (as the forward), then per output row and kernel row, the row's kw taps as vector sums along
 *  the row (weightRow). The padding's zeros are multiplied as the reference does (a NaN or ∞ in dy reaches every tap
 *  whose window it reads padding with). buf + tid·bufStride: kh·kw accumulator vectors (64-byte rounded), then the
 *  band of (rows − 1)·strideH + (kh − 1)·dilationH + 1 rows of wp floats. */
export function convDepthwiseWeightTask(args: usize, tid: i32, nth: i32): void {
  const H = arg(args, ConvDepthwiseWeight.h), W = arg(args, ConvDepthwiseWeight.w);
  const KH = arg(args, ConvDepthwiseWeight.kh), KW = arg(args, ConvDepthwiseWeight.kw);
  const SH = arg(args, ConvDepthwiseWeight.strideH), SW = arg(args, ConvDepthwiseWeight.strideW);
  const PT = arg(args, ConvDepthwiseWeight.padTop), PL = arg(args, ConvDepthwiseWeight.padLeft);
  const DH = arg(args, ConvDepthwiseWeight.dilationH), DW = arg(args, ConvDepthwiseWeight.dilationW);
  const OH = arg(args, ConvDepthwiseWeight.outH), OW = arg(args, ConvDepthwiseWeight.outW);
  const C = arg(args, ConvDepthwiseWeight.cOut), N = arg(args, ConvDepthwiseWeight.n);
  const x = <usize>arg(args, ConvDepthwiseWeight.x), dy = <usize>arg(args, ConvDepthwiseWeight.dy);
  const dw = <usize>arg(args, ConvDepthwiseWeight.dw);
  const rows = arg(args, ConvDepthwiseWeight.rows), WP = arg(args, ConvDepthwiseWeight.wp);
  const K = KH * KW;
  const acc = <usize>arg(args, ConvDepthwiseWeight.buf) + <usize>tid * <usize>arg(args, ConvDepthwiseWeight.bufStride);
  const band = acc + ((<usize>K << 4) + 63 & ~63);
  const reach = (OW - 1) * SW + (KW - 1) * DW + 1; // buffer columns the outputs read
  const inPlane = <usize>H * <usize>W << 2, outPlane = <usize>OH * <usize>OW << 2, rowBytes = <usize>WP << 2;
  // lanes of the row's last vector that hold outputs
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(OW & 3));
  // 3×3 on rows up to 32 outputs: all 9 taps per dy vector (MobileNetV2's 6–28-wide maps at batch 8, 2 threads:
  // 576@6² 0.82 → 0.65 ms, 144@24² stride 2 1.08 → 0.65); on longer rows kernel row by kernel row was faster
  // (144@56² 4.5 against 5.4 ms)
  const band3 = KH == 3 && KW == 3 && OW <= 32 && SW <= 2;
  for (let c = tid; c < C; c += nth) {
    memory.fill(acc, 0, <usize>K << 4);
    for (let n = 0; n < N; n++) {
      const plane = <usize>(n * C + c);
      const xp = x + plane * inPlane, dp = dy + plane * outPlane;
      for (let oy0 = 0; oy0 < OH; oy0 += rows) {
        const oy1 = imin(oy0 + rows, OH);
        fillBand(xp, H, W, PL, oy0 * SH - PT, (oy1 - oy0 - 1) * SH + (KH - 1) * DH + 1, WP, reach, band);
        if (band3 && SW == 1) { weightBand3(1, DW, DH, SH, dp, oy0, oy1, OW, band, rowBytes, mask, acc); continue; }
        if (band3 && SW == 2) { weightBand3(2, DW, DH, SH, dp, oy0, oy1, OW, band, rowBytes, mask, acc); continue; }
        for (let oy = oy0; oy < oy1; oy++) {
          const d = dp + ((<usize>oy * <usize>OW) << 2);
          for (let ky = 0; ky < KH; ky++) {
            const xr = band + <usize>((oy - oy0) * SH + ky * DH) * rowBytes, a = acc + (<usize>(ky * KW) << 4);
            // the common strides and widths as constants (no branches or counters in the inner loops)
            if (SW == 1 && KW == 3) weightRow(3, 1, DW, d, xr, OW, mask, a);
            else if (SW == 1 && KW == 5) weightRow(5, 1, DW, d, xr, OW, mask, a);
            else if (SW == 1 && KW == 7) weightRow(7, 1, DW, d, xr, OW, mask, a);
            else if (SW == 2 && KW == 3) weightRow(3, 2, DW, d, xr, OW, mask, a);
            else if (SW == 2 && KW == 5) weightRow(5, 2, DW, d, xr, OW, mask, a);
            else if (SW == 2 && KW == 7) weightRow(7, 2, DW, d, xr, OW, mask, a);
            else weightRow(KW, SW, DW, d, xr, OW, mask, a);
          }
        }
      }
    }
    const out = dw + (<usize>(c * K) << 2);
    for (let t = 0; t < K; t++) {
      const v = v128.load(acc + (<usize>t << 4));
      store<f32>(out + (<usize>t << 2),
        f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
    }
  }
}
