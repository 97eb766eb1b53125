// Convolution as GEMM: the forward and weight-gradient tasks over im2col panels packed on the fly, the input gradient
// as GEMM + col2im, and the data movement of input gradients run as forward convolutions (zero insertion, flipped
// transposed weights).
import { arg, imin, unitStart } from "./common";
import { Conv, ConvForward, ConvInput, ConvWeight } from "./args";
import { microEdge, microRawEdge, packA, packBPanel } from "./gemm";
import { applyEpilogue } from "./elementwise";

// g: the parameter block of any convolution task (its first fields are Conv's).

/** im2col panel: rows k0..k0+kc of the column matrix (k = (ci*kh + ky)*kw + kx), output pixels p0..p0+cols
 *  (≤ 8, p = oy*outW + ox) of one image and group; value x[ci, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw] or 0. */
function im2colPanel(x: usize, g: usize, k0: i32, kc: i32, p0: i32, cols: i32, dst: usize, colY: usize, colX: usize): void {
  const H = arg(g, Conv.h), W = arg(g, Conv.w), KH = arg(g, Conv.kh), KW = arg(g, Conv.kw);
  const SH = arg(g, Conv.strideH), SW = arg(g, Conv.strideW), PT = arg(g, Conv.padTop), PL = arg(g, Conv.padLeft);
  const DH = arg(g, Conv.dilationH), DW = arg(g, Conv.dilationW), OW = arg(g, Conv.outW);
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
  const H = arg(g, Conv.h), W = arg(g, Conv.w), KH = arg(g, Conv.kh), KW = arg(g, Conv.kw);
  const SH = arg(g, Conv.strideH), SW = arg(g, Conv.strideW), PT = arg(g, Conv.padTop), PL = arg(g, Conv.padLeft);
  const DH = arg(g, Conv.dilationH), DW = arg(g, Conv.dilationW), OW = arg(g, Conv.outW);
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

// Per-thread buffer layout: [tile 32 floats][colY 8 i32][colX 8 i32][pad to 64 floats][B or A panels...]

/** Convolution forward: units (image, group, block of NC output pixels); y (+bias) = W_g · im2col(x), W_g from
 *  packed panels (`packed`) or, when `packed` is 0, read in place from the weights (`weights`). */
export function convForwardTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, ConvForward.cIn), H = arg(args, ConvForward.h), W = arg(args, ConvForward.w);
  const KH = arg(args, ConvForward.kh), KW = arg(args, ConvForward.kw);
  const OH = arg(args, ConvForward.outH), OW = arg(args, ConvForward.outW);
  const N = arg(args, ConvForward.n), cout = arg(args, ConvForward.cOut), groups = arg(args, ConvForward.groups);
  const x = <usize>arg(args, ConvForward.x), a = <usize>arg(args, ConvForward.packed);
  const y = <usize>arg(args, ConvForward.y), ep = <usize>arg(args, ConvForward.epilogue);
  const NC = arg(args, ConvForward.nc), KC = arg(args, ConvForward.kc), MC = arg(args, ConvForward.mc);
  const w = <usize>arg(args, ConvForward.weights);
  const buf = <usize>arg(args, ConvForward.buf) + <usize>tid * <usize>arg(args, ConvForward.bufStride);
  const tile = buf, colY = buf + 128, colX = buf + 160, bp = buf + 256;
  const cinG = cin / groups, coutG = cout / groups;
  const K = cinG * KH * KW, P = OH * OW, mPad = (coutG + 3) & ~3;
  const nJc = (P + NC - 1) / NC, nMc = (coutG + MC - 1) / MC;
  const units = N * groups * nJc * nMc;
  const ldc = <usize>P << 2;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
    // Unit = (image, group, block of MC output channels, block of NC output pixels); with few pixels (small maps,
    // batch 1) the channel blocks share the work among threads, each reading only its rows of the weights.
    const jc = u % nJc, mc = (u / nJc) % nMc, ng = u / (nJc * nMc), grp = ng % groups, img = ng / groups;
    const xg = x + ((<usize>(img * cin + grp * cinG) * <usize>(H * W)) << 2);
    const p0 = jc * NC, nc = imin(NC, P - p0);
    const m0 = mc * MC, m1 = imin(coutG, m0 + MC);
    const wg = w + ((<usize>grp * <usize>coutG * <usize>K) << 2);
    const yg = y + ((<usize>(img * cout + grp * coutG) * <usize>P + <usize>p0) << 2);
    const ag = a + ((<usize>grp * <usize>mPad * <usize>K) << 2);
    const nq = (nc + 7) >> 3;
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = imin(KC, K - k0);
      for (let q = 0; q < nq; q++)
        im2colPanel(xg, args, k0, kc, p0 + q * 8, imin(8, nc - q * 8), bp + (<usize>(q * kc) << 5), colY, colX);
      const acc = k0 > 0;
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
    // the unit's outputs (≤ mc × nc values, just stored: in L1/L2) get their bias and activation now, not in a
    // pass over all of y afterwards
    if (ep != 0) for (let r = m0; r < m1; r++) applyEpilogue(ep, grp * coutG + r, yg + <usize>r * ldc, nc);
  }
}

/** Weight gradient: units (image, group, block of KC output pixels); each thread accumulates
 *  dW_g += dy_g[:, block] · im2col(x)[:, block]ᵀ into its own partial buffer dw + tid*dwStride (zeroed here). */
export function convWeightTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, ConvWeight.cIn), H = arg(args, ConvWeight.h), W = arg(args, ConvWeight.w);
  const KH = arg(args, ConvWeight.kh), KW = arg(args, ConvWeight.kw);
  const OH = arg(args, ConvWeight.outH), OW = arg(args, ConvWeight.outW);
  const N = arg(args, ConvWeight.n), cout = arg(args, ConvWeight.cOut), groups = arg(args, ConvWeight.groups);
  const x = <usize>arg(args, ConvWeight.x), dy = <usize>arg(args, ConvWeight.dy);
  const dw = <usize>arg(args, ConvWeight.dw) + ((<usize>tid * <usize>arg(args, ConvWeight.dwStride)) << 2);
  const KC = arg(args, ConvWeight.kc);
  const buf = <usize>arg(args, ConvWeight.buf) + <usize>tid * <usize>arg(args, ConvWeight.bufStride);
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

/** Input gradient as dcol = W_gᵀ · dy_g followed by col2im (scatter-add into dx): units (image, group, chunk of
 *  CH input channels), so that each unit owns its dx planes. A holds Wᵀ packed per (group, chunk): rows
 *  (ci, ky, kx) of the chunk, shared dimension the group's output channels; ASTRIDE floats per chunk. */
export function convInputTask(args: usize, tid: i32, nth: i32): void {
  const cin = arg(args, ConvInput.cIn), H = arg(args, ConvInput.h), W = arg(args, ConvInput.w);
  const KH = arg(args, ConvInput.kh), KW = arg(args, ConvInput.kw);
  const SH = arg(args, ConvInput.strideH), SW = arg(args, ConvInput.strideW), PT = arg(args, ConvInput.padTop);
  const PL = arg(args, ConvInput.padLeft);
  const DH = arg(args, ConvInput.dilationH), DW = arg(args, ConvInput.dilationW), OH = arg(args, ConvInput.outH);
  const OW = arg(args, ConvInput.outW);
  const N = arg(args, ConvInput.n), cout = arg(args, ConvInput.cOut), groups = arg(args, ConvInput.groups);
  const dy = <usize>arg(args, ConvInput.dy), a = <usize>arg(args, ConvInput.packed);
  const dx = <usize>arg(args, ConvInput.dx);
  const NC = arg(args, ConvInput.nc), CH = arg(args, ConvInput.ch), aStride = <usize>arg(args, ConvInput.aStride);
  const buf = <usize>arg(args, ConvInput.buf) + <usize>tid * <usize>arg(args, ConvInput.bufStride);
  const tile = buf, bp = buf + 256;
  const cinG = cin / groups, coutG = cout / groups, khw = KH * KW;
  const P = OH * OW, plane = <usize>H * <usize>W;
  const nChunks = (cinG + CH - 1) / CH;
  const ncPad = (NC + 7) & ~7;
  const cbuf = bp + (<usize>(coutG * ncPad) << 2); // dcol block after the B panels
  const ldc = <usize>ncPad << 2;
  const units = N * groups * nChunks;
  for (let u = unitStart(units, tid, nth), end = unitStart(units, tid + 1, nth); u < end; u++) {
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

