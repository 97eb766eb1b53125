// Depthwise convolution (groups = cIn = cOut: one input plane, one filter per output plane), straight from the
// unpadded planes: MobileNet's and EfficientNet's 3×3–7×7 filters, stride 1 or 2, any dilation. Its work per element
// is a few multiply-adds, so it runs at the speed of the memory only when nothing is copied: no padded input, no
// im2col. Rows outside the input read a row of zeros (so a non-finite weight times padding gives NaN, as the
// reference and PyTorch's im2col path); the columns whose window leaves the input are summed one by one.
import { fma, arg } from "./common";
import { ConvDepthwise } from "./args";

/** The first and past-last output column whose taps all read inside a row of W inputs (stride sw ≤ 2 in vectors). */
@inline function interiorLo(PL: i32, SW: i32): i32 {
  return PL > 0 ? (PL + SW - 1) / SW : 0;
}
@inline function interiorHi(W: i32, PL: i32, SW: i32, KW: i32, DW: i32, OW: i32, lo: i32): i32 {
  // last ox with ox·sw − pl + (kw−1)·dw ≤ W − 1
  const num = W - 1 + PL - (KW - 1) * DW;
  let hi = num < 0 ? 0 : num / SW + 1;
  if (hi > OW) hi = OW;
  return hi < lo ? lo : hi;
}

/** One output pixel, every tap checked: columns outside the input (and rows, through the zero row) read 0. */
@inline function pixel(xp: usize, zero: usize, wp: usize, b: f32, oy: i32, ox: i32, H: i32, W: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PT: i32, PL: i32, DH: i32, DW: i32): f32 {
  let acc = b;
  for (let ky = 0; ky < KH; ky++) {
    const iy = oy * SH - PT + ky * DH;
    const row = iy >= 0 && iy < H ? xp + ((<usize>iy * <usize>W) << 2) : zero;
    for (let kx = 0; kx < KW; kx++) {
      const ix = ox * SW - PL + kx * DW;
      const v: f32 = ix >= 0 && ix < W ? load<f32>(row + (<usize>ix << 2)) : 0;
      acc += v * load<f32>(wp + (<usize>(ky * KW + kx) << 2));
    }
  }
  return acc;
}

/** 4 consecutive output pixels' inputs for one tap, from their first input at p: stride 1 one load, stride 2 the even
 *  lanes of two (reading one float past the last tap). */
@inline function taps4(p: usize, SW: i32): v128 {
  if (SW == 1) return v128.load(p);
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/** y[n, c] = bias[c] + x[n, c] ⋆ w[c] for every plane: units (plane, band of `rows` output rows). Along a row, the
 *  interior columns (every tap inside) go 16 then 4 pixels at a time, one broadcast weight per tap against 4 or 1
 *  input vectors; stride > 2 and the border columns go one pixel at a time. zero: a row of ≥ w + 8 zeros. */
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
  const zero = <usize>arg(args, ConvDepthwise.zero), rows = arg(args, ConvDepthwise.rows);
  const bands = (OH + rows - 1) / rows, units = planes * bands;
  const lo = interiorLo(PL, SW);
  const hi = SW <= 2 ? interiorHi(W, PL, SW, KW, DW, OW, lo) : lo; // no vectors for stride > 2
  const inPlane = <usize>H * <usize>W << 2, outPlane = <usize>OH * <usize>OW << 2;
  const colStep = <usize>DW << 2, vecStep = <usize>SW << 4; // bytes between taps, between 4-pixel vectors' inputs
  for (let u = tid; u < units; u += nth) {
    const plane = u / bands, band = u - plane * bands, c = plane % C;
    const xp = x + <usize>plane * inPlane, yp = y + <usize>plane * outPlane;
    const wp = w + (<usize>(c * KH * KW) << 2);
    const b: f32 = bias ? load<f32>(bias + (<usize>c << 2)) : 0;
    const bv = f32x4.splat(b);
    const oy1 = band * rows + rows < OH ? band * rows + rows : OH;
    for (let oy = band * rows; oy < oy1; oy++) {
      const yrow = yp + ((<usize>oy * <usize>OW) << 2);
      let ox = 0;
      for (; ox < lo; ox++) store<f32>(yrow + (<usize>ox << 2), pixel(xp, zero, wp, b, oy, ox, H, W, KH, KW, SH, SW, PT, PL, DH, DW));
      // first input of the row's pixel ox (before the tap's offset)
      for (; ox + 16 <= hi; ox += 16) {
        let a0 = bv, a1 = bv, a2 = bv, a3 = bv;
        let wk = wp;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH - PT + ky * DH;
          let p = (iy >= 0 && iy < H ? xp + ((<usize>iy * <usize>W) << 2) : zero) + (<usize>(ox * SW - PL) << 2);
          for (let kx = 0; kx < KW; kx++) {
            const wv = v128.load32_splat(wk);
            a0 = fma(taps4(p, SW), wv, a0);
            a1 = fma(taps4(p + vecStep, SW), wv, a1);
            a2 = fma(taps4(p + 2 * vecStep, SW), wv, a2);
            a3 = fma(taps4(p + 3 * vecStep, SW), wv, a3);
            p += colStep; wk += 4;
          }
        }
        const o = yrow + (<usize>ox << 2);
        v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
      }
      for (; ox + 4 <= hi; ox += 4) {
        let a0 = bv;
        let wk = wp;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH - PT + ky * DH;
          let p = (iy >= 0 && iy < H ? xp + ((<usize>iy * <usize>W) << 2) : zero) + (<usize>(ox * SW - PL) << 2);
          for (let kx = 0; kx < KW; kx++) {
            a0 = fma(taps4(p, SW), v128.load32_splat(wk), a0);
            p += colStep; wk += 4;
          }
        }
        v128.store(yrow + (<usize>ox << 2), a0);
      }
      for (; ox < OW; ox++) store<f32>(yrow + (<usize>ox << 2), pixel(xp, zero, wp, b, oy, ox, H, W, KH, KW, SH, SW, PT, PL, DH, DW));
    }
  }
}
