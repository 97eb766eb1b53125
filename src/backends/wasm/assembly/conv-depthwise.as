// Depthwise convolution (groups = cIn = cOut: one input plane, one filter per output plane): MobileNet's and
// EfficientNet's 3×3–7×7 filters, any stride and dilation. Its work per element is a few multiply-adds, so it runs
// near the speed of the memory only when nothing is copied through the memory: no padded input, no im2col. Each unit
// (plane, band of output rows) copies the band's input rows into a small zero-padded buffer of its thread (it stays in
// L1), so every column takes the vector path with no bounds checks, and computes two output rows at a time, each
// input vector loaded once for both. The padding's zeros are multiplied as in the reference and PyTorch's im2col
// path (a non-finite weight makes every output whose window reads padding NaN).
import { fma, arg, imin } from "./common";
import { ConvDepthwise } from "./args";

/** Buffer rows [0, nR) of WP floats: row r holds input row iy0 + r, buffer column j input column j − PL; zeros outside
 *  the input and from buffer column `reach` on (the columns no output reads, which may hold any value). */
function fillBand(xp: usize, H: i32, W: i32, PL: i32, iy0: i32, nR: i32, WP: i32, reach: i32, buf: usize): void {
  const c0 = PL < 0 ? -PL : 0, c1 = imin(W, imin(reach, WP) - PL); // input columns [c0, c1) land in the buffer
  const rowBytes = <usize>WP << 2;
  for (let r = 0; r < nR; r++) {
    const iy = iy0 + r, dst = buf + <usize>r * rowBytes;
    if (iy < 0 || iy >= H || c1 <= c0) { memory.fill(dst, 0, rowBytes); continue; }
    const j0 = c0 + PL, j1 = c1 + PL;
    if (j0 > 0) memory.fill(dst, 0, <usize>j0 << 2);
    memory.copy(dst + (<usize>j0 << 2), xp + ((<usize>iy * <usize>W + <usize>c0) << 2), <usize>(c1 - c0) << 2);
    memory.fill(dst + (<usize>j1 << 2), 0, <usize>(WP - j1) << 2);
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
 *  that output row 0 and row 1 apply to it (−1: none). A block that passes the row's end is stored through tmp. */
@inline function pairBlock(NV: i32, band0: usize, rowBytes: usize, ox: i32, SW: i32, DW: i32, KW: i32, span: i32,
  wp: usize, tab: usize, bv: v128, y0: usize, y1: usize, two: bool, OW: i32, tmp: usize): void {
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
  const direct = ox + 4 * NV <= OW;
  const d0 = direct ? y0 + (<usize>ox << 2) : tmp, d1 = direct ? y1 + (<usize>ox << 2) : tmp + 64;
  v128.store(d0, a0);
  if (NV > 1) v128.store(d0, a1, 16);
  if (NV > 2) v128.store(d0, a2, 32);
  if (NV > 3) v128.store(d0, a3, 48);
  if (two || !direct) {
    v128.store(d1, b0);
    if (NV > 1) v128.store(d1, b1, 16);
    if (NV > 2) v128.store(d1, b2, 32);
    if (NV > 3) v128.store(d1, b3, 48);
  }
  if (!direct) {
    for (let j = 0; j < OW - ox; j++) {
      store<f32>(y0 + (<usize>(ox + j) << 2), load<f32>(tmp + (<usize>j << 2)));
      if (two) store<f32>(y1 + (<usize>(ox + j) << 2), load<f32>(tmp + (<usize>j << 2), 64));
    }
  }
}

/** A pair of output rows: 16 pixels at a time, the row's last 1–16 in one block of 4, 8 or 16. */
@inline function pairRow(SW: i32, KW: i32, band0: usize, rowBytes: usize, DW: i32, span: i32, wp: usize, tab: usize,
  bv: v128, y0: usize, y1: usize, two: bool, OW: i32, tmp: usize): void {
  let ox = 0;
  for (; ox + 16 <= OW; ox += 16) pairBlock(4, band0, rowBytes, ox, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp);
  const rest = OW - ox;
  if (rest > 8) pairBlock(4, band0, rowBytes, ox, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp);
  else if (rest > 4) pairBlock(2, band0, rowBytes, ox, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp);
  else if (rest > 0) pairBlock(1, band0, rowBytes, ox, SW, DW, KW, span, wp, tab, bv, y0, y1, two, OW, tmp);
}

/** y[n, c] = bias[c] + x[n, c] ⋆ w[c] for every plane: units (plane, band of `rows` output rows, even). Per pair of
 *  output rows, 16 pixels at a time (the row's last 1–16 in one block of 4, 8 or 16): along each band row that either
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
  const rows = arg(args, ConvDepthwise.rows), WP = arg(args, ConvDepthwise.wp);
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
  for (let u = tid; u < units; u += nth) {
    const plane = u / bands, band = u - plane * bands, c = plane % C;
    const yp = y + <usize>plane * outPlane, wp = w + (<usize>(c * KH * KW) << 2);
    const bv = bias ? v128.load32_splat(bias + (<usize>c << 2)) : f32x4.splat(0);
    const oy0 = band * rows, oy1 = imin(oy0 + rows, OH);
    const pairs = (oy1 - oy0 + 1) >> 1;
    fillBand(x + <usize>plane * inPlane, H, W, PL, oy0 * SH - PT, (2 * pairs - 1) * SH + (KH - 1) * DH + 1, WP, reach, buf);
    for (let oy = oy0; oy < oy1; oy += 2) {
      const two = oy + 1 < oy1;
      const band0 = buf + <usize>((oy - oy0) * SH) * rowBytes;
      const y0 = yp + ((<usize>oy * <usize>OW) << 2), y1 = y0 + (<usize>OW << 2);
      // the common strides and widths as constants, so that the inner loops lose their branches and counters
      if (SW == 1 && KW == 3) pairRow(1, 3, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
      else if (SW == 1 && KW == 5) pairRow(1, 5, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
      else if (SW == 1 && KW == 7) pairRow(1, 7, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
      else if (SW == 1) pairRow(1, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
      else if (SW == 2) pairRow(2, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
      else pairRow(SW, KW, band0, rowBytes, DW, span, wp, tab, bv, y0, y1, two, OW, tmp);
    }
  }
}
