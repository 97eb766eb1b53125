// Direct convolution for few output channels (LeNet's C1/C3, S1/S2), no im2col: pixel-vector and channel-vector
// kernels over a zero-padded input (padPlanes), and their weight gradients.
import { fma, arg, imin, unitStart } from "./common";
import { ConvDirect, ConvDirectChannels, ConvWeightChannels, ConvWeightDirect } from "./args";

/** dst[c·lanes + r] = src[r·cols + c]: a [rows][cols] matrix transposed into rows of `lanes` floats (rows ≤ lanes),
 *  the lanes past `rows` zero — the channel-vector kernels' weights, one vector of output channels per tap. */
export function transposeLanes(src: usize, rows: i32, cols: i32, lanes: i32, dst: usize): void {
  memory.fill(dst, 0, (<usize>cols * <usize>lanes) << 2);
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>r * <usize>cols) << 2), d = dst + (<usize>r << 2);
    for (let c = 0; c < cols; c++) store<f32>(d + ((<usize>c * <usize>lanes) << 2), load<f32>(s + (<usize>c << 2)));
  }
}

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

/** Stride-1, dilation-1 convolution straight from the padded input (padPlanes): units (image, group, block of 4
 *  output channels, output row); for each 8 output pixels of the row, 8 f32x4 accumulators (4 channels × 8
 *  pixels) take, per tap (ci, ky, kx), two unaligned loads of the input row and 4 broadcast weights from A
 *  (packA layout: per tap the 4 channels' weights). Work per tap equals the GEMM micro-kernel's, with no packing. */
export function convDirectTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, ConvDirect.cIn), KH = arg(args, ConvDirect.kh), KW = arg(args, ConvDirect.kw);
  const OH = arg(args, ConvDirect.outH), OW = arg(args, ConvDirect.outW);
  const N = arg(args, ConvDirect.n), cout = arg(args, ConvDirect.cOut), groups = arg(args, ConvDirect.groups);
  const xp = <usize>arg(args, ConvDirect.xp), a = <usize>arg(args, ConvDirect.packed);
  const y = <usize>arg(args, ConvDirect.y), bias = <usize>arg(args, ConvDirect.bias);
  const HP = arg(args, ConvDirect.hp), WP = arg(args, ConvDirect.wp);
  const tile = <usize>arg(args, ConvDirect.buf) + (<usize>tid << 7);
  const cinG = cin / groups, coutG = cout / groups;
  if (coutG == 1 && KW <= 5) { convDirectOneChannel(args, tid, nth); return; }
  const K = cinG * KH * KW, mPad = (coutG + 3) & ~3, nCb = mPad >> 2;
  const planeP = <usize>HP * <usize>WP, yPlane = <usize>OH * <usize>OW << 2;
  const rowStep = (<usize>WP - <usize>KW) << 2;
  const units = N * groups * nCb * OH;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
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
  const cin = arg(args, ConvDirect.cIn), KH = arg(args, ConvDirect.kh), KW = arg(args, ConvDirect.kw);
  const OH = arg(args, ConvDirect.outH), OW = arg(args, ConvDirect.outW);
  const N = arg(args, ConvDirect.n), groups = arg(args, ConvDirect.groups);
  const xp = <usize>arg(args, ConvDirect.xp), a = <usize>arg(args, ConvDirect.packed);
  const y = <usize>arg(args, ConvDirect.y), bias = <usize>arg(args, ConvDirect.bias);
  const HP = arg(args, ConvDirect.hp), WP = arg(args, ConvDirect.wp);
  const tile = <usize>arg(args, ConvDirect.buf) + (<usize>tid << 7);
  const cinG = cin / groups, K = cinG * KH * KW;
  const planeP = <usize>HP * <usize>WP, rowBytes = <usize>WP << 2;
  const units = N * groups * OH;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
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

/** Stride-1 convolution with few output channels (≤ 16), vectorised over the channels instead of the pixels, so rows
 *  of any width waste nothing (LeNet's C3: 10-pixel rows fill 62 % of 8-pixel blocks). Per block of 8/NV output pixels
 *  (in row-major order, across rows) and NV vectors of 4 channels: for every tap t (ci, ky, kx, at input offset
 *  OFFS[t]), NV weight vectors W[t][0..4·NV) and one broadcast input value per pixel. Units: (image, run of PIX pixels).
 *  W: [K][4·NV] and BIAS: [4·NV] (channels padded with zeros); XP: the padded input [N, Cin, ·, WP]. */
export function convDirectChannelsTask(args: usize, tid: i32, nth: i32): void {
  const units = arg(args, ConvDirectChannels.units), PIX = arg(args, ConvDirectChannels.pix);
  const P = arg(args, ConvDirectChannels.p), OW = arg(args, ConvDirectChannels.outW);
  const WP = arg(args, ConvDirectChannels.wp);
  const planeX = <usize>arg(args, ConvDirectChannels.planeX), cin = arg(args, ConvDirectChannels.cIn);
  const cout = arg(args, ConvDirectChannels.cOut), K = arg(args, ConvDirectChannels.k);
  const offs = <usize>arg(args, ConvDirectChannels.offsets), xp = <usize>arg(args, ConvDirectChannels.xp);
  const w = <usize>arg(args, ConvDirectChannels.weights), y = <usize>arg(args, ConvDirectChannels.y);
  const bias = <usize>arg(args, ConvDirectChannels.bias), NV = arg(args, ConvDirectChannels.nv);
  const runs = (P + PIX - 1) / PIX;
  const step = 8 / NV; // pixels per block: 2 with 16 channels, 4 with 8
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
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
  const n = arg(args, ConvWeightChannels.n), OH = arg(args, ConvWeightChannels.outH);
  const OW = arg(args, ConvWeightChannels.outW), WP = arg(args, ConvWeightChannels.wp);
  const planeX = <usize>arg(args, ConvWeightChannels.planeX), cin = arg(args, ConvWeightChannels.cIn);
  const cout = arg(args, ConvWeightChannels.cOut), K = arg(args, ConvWeightChannels.k);
  const offs = <usize>arg(args, ConvWeightChannels.offsets), xp = <usize>arg(args, ConvWeightChannels.xp);
  const dy = <usize>arg(args, ConvWeightChannels.dy), P = OH * OW;
  const part = <usize>arg(args, ConvWeightChannels.parts) + ((<usize>tid * <usize>K) << 6);
  const dyT = <usize>arg(args, ConvWeightChannels.scratch) + ((<usize>tid * <usize>P) << 6);
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

/** Stride-1, dilation-1 weight gradient straight from the padded input (padPlanes, WP ≥ roundUp(OW,4) + KW):
 *  dW[co, ci, ky, kx] = Σ_n,oy,ox dy[n, co, oy, ox]·xp[n, ci, oy+ky, ox+kx]. Per (image, 4 output channels, ci, ky,
 *  pair of kx): 8 f32x4 accumulators (4 channels × 2 taps, lanes = 4 pixels of a row), 4 dy loads and 2 input
 *  loads per 8 multiply-adds; the last vector of a row is masked to its valid pixels (so non-finite values beyond
 *  the row never enter). Lane partial sums add into v128 accumulators per (channel, tap) in the thread's VACC
 *  area; at the end each thread writes its horizontal sums to dw + tid*TOTAL floats (summed by the caller).
 *  Units: (image, group). Output channels past coutG in the last block reuse the last valid plane (discarded). */
export function convWeightDirectTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, ConvWeightDirect.cIn), KH = arg(args, ConvWeightDirect.kh), KW = arg(args, ConvWeightDirect.kw);
  const OH = arg(args, ConvWeightDirect.outH), OW = arg(args, ConvWeightDirect.outW);
  const N = arg(args, ConvWeightDirect.n), cout = arg(args, ConvWeightDirect.cOut);
  const groups = arg(args, ConvWeightDirect.groups);
  const xp = <usize>arg(args, ConvWeightDirect.xp), dy = <usize>arg(args, ConvWeightDirect.dy);
  const total = arg(args, ConvWeightDirect.total);
  const HP = arg(args, ConvWeightDirect.hp), WP = arg(args, ConvWeightDirect.wp);
  const dw = <usize>arg(args, ConvWeightDirect.dw) + ((<usize>tid * <usize>total) << 2);
  const vacc = <usize>arg(args, ConvWeightDirect.vacc) + <usize>tid * <usize>arg(args, ConvWeightDirect.vStride);
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
