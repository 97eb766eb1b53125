// Batch normalisation over x:[n, c, hw]: per-channel moments, the per-channel affine map, and the backward.
import { arg, imin } from "./common";
import { ChannelAffine, ChannelMoments, ChannelNormBackward } from "./args";
import { activationForward } from "./elementwise";

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

/** Args: x, n, c, hw, out. out[2ch] = mean, out[2ch+1] = biased variance of channel ch (doubles), two passes accumulated in double as the
 *  reference does (only the summation order differs). Channel ch is n runs of hw values at (i*c + ch)*hw. */
export function channelMomentsTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, ChannelMoments.x), n = arg(args, ChannelMoments.n), c = arg(args, ChannelMoments.c);
  const hw = arg(args, ChannelMoments.hw), out = <usize>arg(args, ChannelMoments.out);
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

/** The runs [r0, r1) of channelAffineTask with activation `op` (−1: none; a constant once inlined, so that each op
 *  gets its own loop): each value widened, mapped in double and rounded once, exactly the reference's arithmetic,
 *  then the activation kernel's f32 steps (the scalar tail runs the same code in lane 0). */
@inline function affineRuns(op: i32, x: usize, y: usize, c: i32, hw: i32, coef: usize, lo: v128, hi: v128, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const i = r / c, ch = r % c;
    const sc = load<f64>(coef + (<usize>ch << 4)), sh = load<f64>(coef + (<usize>ch << 4), 8);
    const scv = f64x2.splat(sc), shv = f64x2.splat(sh);
    const off = (<usize>(i * c + ch) * <usize>hw) << 2;
    const xr = x + off, yr = y + off;
    let s = 0;
    for (; s + 4 <= hw; s += 4) {
      const v = v128.load(xr + (<usize>s << 2));
      const a = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scv), shv);
      const b = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), scv), shv);
      const v4 = v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
      v128.store(yr + (<usize>s << 2), op < 0 ? v4 : activationForward(op, v4, lo, hi));
    }
    for (; s < hw; s++) {
      const v = <f32>(<f64>load<f32>(xr + (<usize>s << 2)) * sc + sh);
      store<f32>(yr + (<usize>s << 2), op < 0 ? v : f32x4.extract_lane(activationForward(op, f32x4.splat(v), lo, hi), 0));
    }
  }
}

/** Args: x, n, c, hw, coef, y. y = act(x·scale[ch] + shift[ch]) with coef[2ch] = scale, coef[2ch+1] = shift
 *  (doubles), then coef[2c], coef[2c+1] = hardtanh's lo and hi and coef[2c+2] = the activation's code (the
 *  activation task's; −1: none): a batch norm and the activation after it in one pass. */
export function channelAffineTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, ChannelAffine.x), n = arg(args, ChannelAffine.n), c = arg(args, ChannelAffine.c);
  const hw = arg(args, ChannelAffine.hw), coef = <usize>arg(args, ChannelAffine.coef);
  const y = <usize>arg(args, ChannelAffine.y);
  // units are the n·c runs (image i, channel ch), split into contiguous blocks among the threads
  const runs = n * c, per = (runs + nth - 1) / nth, r0 = imin(runs, tid * per), r1 = imin(runs, r0 + per);
  const tail = coef + (<usize>c << 4);
  const lo = f32x4.splat(<f32>load<f64>(tail)), hi = f32x4.splat(<f32>load<f64>(tail, 8)), op = <i32>load<f64>(tail, 16);
  if (op < 0) affineRuns(-1, x, y, c, hw, coef, lo, hi, r0, r1);
  else if (op == 0) affineRuns(0, x, y, c, hw, coef, lo, hi, r0, r1);
  else if (op == 1) affineRuns(1, x, y, c, hw, coef, lo, hi, r0, r1);
  else if (op == 2) affineRuns(2, x, y, c, hw, coef, lo, hi, r0, r1);
  else affineRuns(3, x, y, c, hw, coef, lo, hi, r0, r1);
}

/** Args: x, g, n, c, hw, coef, training, dx (0: none), sums. Batch norm's backward over x, g:[n, c, hw] with
 *  coef[4ch..4ch+2] = mean, invStd, γ (doubles). Per channel, pass 1: sums[2ch] = Σg and sums[2ch+1] = Σg·x̂ with
 *  x̂ = (x − mean)·invStd, in double (Σg·(x − mean) is summed, then scaled once by invStd); pass 2 (dx ≠ 0):
 *  training: dx = γ·invStd·(g − Σg/count − x̂·Σg·x̂/count) = a·g + b·(x − mean) + d with per-channel doubles
 *  a = γ·invStd, b = −a·invStd·Σg·x̂/count, d = −a·Σg/count; evaluation: dx = a·g. Each value is mapped in double
 *  and rounded once. Threads take whole channels, so each channel's sum order is independent of the thread count. */
export function channelNormBackwardTask(args: usize, tid: i32, nth: i32): void {
  const x = <usize>arg(args, ChannelNormBackward.x), g = <usize>arg(args, ChannelNormBackward.g);
  const n = arg(args, ChannelNormBackward.n), c = arg(args, ChannelNormBackward.c);
  const hw = arg(args, ChannelNormBackward.hw);
  const coef = <usize>arg(args, ChannelNormBackward.coef), training = arg(args, ChannelNormBackward.training) != 0;
  const dx = <usize>arg(args, ChannelNormBackward.dx), sums = <usize>arg(args, ChannelNormBackward.sums);
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
