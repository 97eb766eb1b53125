// Max, min and average pooling, and planeScatter (their backward, and max unpooling): with the elementwise ops, the
// kernels a LeNet step spent 8–16 ms on in the reference backend.
import { arg, imin } from "./common";
import { Pool } from "./args";

/** Max pooling, units = planes. ROWS/COLS hold, per output row/column, the first and one-past-last kernel tap
 *  inside the input (computed by the caller, as the reference does). The running max starts at −∞ and a NaN
 *  takes over; the update is a branch-free select (on random data a branch mispredicts half the time). The index
 *  is the flat ih·w + iw of the taken element, starting from the window's first real tap (PyTorch's rule).
 *  NEG ≠ 0: min pooling as −maxPool(−x), the reference's rule (sign flips are exact; indices are the same). */
export function maxPoolTask(args: usize, tid: i32, nth: i32): void {
  const planes = arg(args, Pool.planes), H = arg(args, Pool.h), W = arg(args, Pool.w), SH = arg(args, Pool.strideH);
  const SW = arg(args, Pool.strideW);
  const PT = arg(args, Pool.padTop), PL = arg(args, Pool.padLeft), DH = arg(args, Pool.dilationH);
  const DW = arg(args, Pool.dilationW);
  const OH = arg(args, Pool.outH), OW = arg(args, Pool.outW);
  const x = <usize>arg(args, Pool.x), rows = <usize>arg(args, Pool.rows), cols = <usize>arg(args, Pool.cols);
  const y = <usize>arg(args, Pool.y), ix = <usize>arg(args, Pool.indices), KH = arg(args, Pool.kh);
  const KW = arg(args, Pool.kw);
  const p0 = <i32>((<i64>planes * tid) / nth), p1 = <i32>((<i64>planes * (tid + 1)) / nth);
  const inPlane = H * W, outPlane = OH * OW;
  // 2×2 windows, stride 2, no padding (LeNet, VGG): 4 outputs at a time from two 8-float loads per input row,
  // split into even and odd columns; the taps are taken in the scalar loop's order with the same rule.
  const pairs = KH == 2 && KW == 2 && SH == 2 && SW == 2 && PT == 0 && PL == 0 && DH == 1 && DW == 1;
  // (only windows wholly inside: ceil-mode outputs past the input's last pair take the scalar loop)
  const vecEnd = pairs ? imin(OW, W >> 1) & ~3 : 0;
  const lane2 = i32x4(0, 2, 4, 6), one = i32x4.splat(1), wv = i32x4.splat(W);
  const sign = arg(args, Pool.min) != 0 ? 0x80000000 : 0, signV = i32x4.splat(sign);
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
  const planes = arg(args, Pool.planes), H = arg(args, Pool.h), W = arg(args, Pool.w), SH = arg(args, Pool.strideH);
  const SW = arg(args, Pool.strideW);
  const PT = arg(args, Pool.padTop), PL = arg(args, Pool.padLeft), DH = arg(args, Pool.dilationH);
  const DW = arg(args, Pool.dilationW);
  const OH = arg(args, Pool.outH), OW = arg(args, Pool.outW);
  const x = <usize>arg(args, Pool.x), rows = <usize>arg(args, Pool.rows), cols = <usize>arg(args, Pool.cols);
  const y = <usize>arg(args, Pool.y), div = <usize>arg(args, Pool.divisors), KW = arg(args, Pool.kw);
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
