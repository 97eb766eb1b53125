// Reference 2-D convolution kernels (cross-correlation, NCHW, groups, dilation, stride, zero padding) and their gradients.
//
// Index arithmetic shared by all three. Output position (oy, ox) with kernel tap (ky, kx) reads input row/column
//   iy = oy·strideH − padTop + ky·dilationH,   ix = ox·strideW − padLeft + kx·dilationW
// and a read outside [0,h)×[0,w) is a zero of the padding. Rather than testing every read, for each tap we compute
// once the range of output rows/columns whose reads land inside the input (tapRange), so the inner loops run over a
// contiguous span of the output width with no bounds checks. A padding read still multiplies, as in PyTorch's im2col
// path (and in a sum over an explicitly zero-padded input): that adds nothing unless the other factor is NaN or ±∞,
// whose product with the padding's zero is NaN — so the forward and the weight gradient add those products where
// they are not zeros (paddingReads); the input gradient has none (the padding receives no gradient).
// Groups: output channel oc belongs to group g = floor(oc / (cOut/groups)) and sees input channels
// g·(cIn/groups) … (g+1)·(cIn/groups) − 1; the weight is [cOut, cIn/groups, kh, kw] row-major. Every sum runs in
// doubles and is rounded once when stored, for float32 data too.
import type { ConvGeometry, HostKernels } from "../backend.js";
import { elementwiseKernels } from "./elementwise.js";

/** Output positions o in [lo, hi) whose input index o·stride − pad + tap falls inside [0, size). */
function tapRange(outSize: number, stride: number, pad: number, tap: number, size: number): [number, number] {
  // 0 ≤ o·stride − pad + tap  ⇔  o ≥ (pad − tap)/stride;  o·stride − pad + tap ≤ size − 1  ⇔  o ≤ (size − 1 + pad − tap)/stride
  const lo = Math.max(0, Math.ceil((pad - tap) / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - tap) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** The valid output-row span for each kernel row and output-column span for each kernel column. */
function tapRanges(g: ConvGeometry): { rowLo: Int32Array; rowHi: Int32Array; colLo: Int32Array; colHi: Int32Array } {
  const rowLo = new Int32Array(g.kh), rowHi = new Int32Array(g.kh);
  const colLo = new Int32Array(g.kw), colHi = new Int32Array(g.kw);
  for (let ky = 0; ky < g.kh; ky++) [rowLo[ky], rowHi[ky]] = tapRange(g.outH, g.strideH, g.padTop, ky * g.dilationH, g.h);
  for (let kx = 0; kx < g.kw; kx++) [colLo[kx], colHi[kx]] = tapRange(g.outW, g.strideW, g.padLeft, kx * g.dilationW, g.w);
  return { rowLo, rowHi, colLo, colHi };
}

/** The outputs (oy·outW + ox) outside the tap's span [oyLo,oyHi)×[oxLo,oxHi): those that read the tap in the padding. */
function paddingReads(outH: number, outW: number, oyLo: number, oyHi: number, oxLo: number, oxHi: number): number[] {
  const out: number[] = [];
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) if (oy < oyLo || oy >= oyHi || ox < oxLo || ox >= oxHi) out.push(oy * outW + ox);
  }
  return out;
}

export const convKernels: Pick<HostKernels, "conv2d" | "conv2dBackwardInput" | "conv2dBackwardWeight"> = {
  /** y[n,oc,oy,ox] = bias[oc] + Σ_{icg,ky,kx} w[oc,icg,ky,kx] · x[n, g·cInG + icg, iy, ix]; with a scale, the sum
   *  times scale[oc] plus bias[oc]; plus the residual's value; then act over the result (the activation kernel's). */
  conv2d(x, w, bias, g, y, scale = null, act = null, lo = 0, hi = 0, residual = null) {
    const { n, cIn, h, w: width, cOut, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, outH, outW } = g;
    const cInG = cIn / groups, cOutG = cOut / groups;
    const inPlane = h * width, outPlane = outH * outW;
    const { rowLo, rowHi, colLo, colHi } = tapRanges(g);
    // one output plane is summed in doubles and rounded once (float32 data loses less, and runs a little faster)
    const acc = new Float64Array(outPlane);
    for (let b = 0; b < n; b++) {
      for (let oc = 0; oc < cOut; oc++) {
        const group = Math.floor(oc / cOutG);
        acc.fill(bias && !scale ? bias[oc]! : 0);
        for (let icg = 0; icg < cInG; icg++) {
          const xBase = (b * cIn + group * cInG + icg) * inPlane;
          const wBase = (oc * cInG + icg) * kh * kw;
          // weight-stationary: take one tap, add its contribution to every output it reaches
          for (let ky = 0; ky < kh; ky++) {
            const oyLo = rowLo[ky]!, oyHi = rowHi[ky]!;
            for (let kx = 0; kx < kw; kx++) {
              const wv = w[wBase + ky * kw + kx]!;
              const oxLo = colLo[kx]!, oxHi = colHi[kx]!;
              if (!Number.isFinite(wv)) for (const o of paddingReads(outH, outW, oyLo, oyHi, oxLo, oxHi)) acc[o] += wv * 0;
              for (let oy = oyLo; oy < oyHi; oy++) {
                const accRow = oy * outW;
                // x index of (oy, ox) for this tap is xRow + ox·strideW
                const xRow = xBase + (oy * strideH - padTop + ky * dilationH) * width - padLeft + kx * dilationW;
                for (let ox = oxLo; ox < oxHi; ox++) acc[accRow + ox] += wv * x[xRow + ox * strideW]!;
              }
            }
          }
        }
        if (scale) {
          const sc = scale[oc]!, sh = bias ? bias[oc]! : 0;
          for (let i = 0; i < outPlane; i++) acc[i] = acc[i]! * sc + sh;
        }
        const base = (b * cOut + oc) * outPlane;
        if (residual) for (let i = 0; i < outPlane; i++) acc[i] = acc[i]! + residual[base + i]!;
        y.set(acc, base);
      }
    }
    // the reference's second pass: the fast kernels apply it as they write
    if (act) elementwiseKernels.activation(act, y, y, lo, hi);
  },

  /** dx[n,ic,iy,ix] = Σ over (oc, tap, output position) reading (iy, ix) of w[oc,icg,ky,kx] · dy[n,oc,oy,ox]:
   *  the forward's reads turned into writes (a transposed convolution). Padding positions receive nothing. */
  conv2dBackwardInput(dy, w, g, dx) {
    const { n, cIn, h, w: width, cOut, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, outH, outW } = g;
    const cInG = cIn / groups, cOutG = cOut / groups;
    const inPlane = h * width, outPlane = outH * outW;
    const { rowLo, rowHi, colLo, colHi } = tapRanges(g);
    // one input-gradient plane is summed in doubles over every output channel of its group, then stored
    const acc = new Float64Array(inPlane);
    for (let b = 0; b < n; b++) {
      for (let ic = 0; ic < cIn; ic++) {
        const group = Math.floor(ic / cInG), icg = ic - group * cInG;
        acc.fill(0);
        for (let oc = group * cOutG; oc < (group + 1) * cOutG; oc++) {
          const yBase = (b * cOut + oc) * outPlane;
          const wBase = (oc * cInG + icg) * kh * kw;
          for (let ky = 0; ky < kh; ky++) {
            const oyLo = rowLo[ky]!, oyHi = rowHi[ky]!;
            for (let kx = 0; kx < kw; kx++) {
              const wv = w[wBase + ky * kw + kx]!;
              const oxLo = colLo[kx]!, oxHi = colHi[kx]!;
              for (let oy = oyLo; oy < oyHi; oy++) {
                const yRow = yBase + oy * outW;
                // plane index of the input pixel that (oy, ox) read through this tap is accRow + ox·strideW
                const accRow = (oy * strideH - padTop + ky * dilationH) * width - padLeft + kx * dilationW;
                for (let ox = oxLo; ox < oxHi; ox++) acc[accRow + ox * strideW] += wv * dy[yRow + ox]!;
              }
            }
          }
        }
        dx.set(acc, (b * cIn + ic) * inPlane);
      }
    }
  },

  /** dw[oc,icg,ky,kx] = Σ_n Σ_{oy,ox} dy[n,oc,oy,ox] · x[n, g·cInG + icg, iy, ix]: one shared weight, so its gradient
   *  is the sum of the per-position gradients over every place the kernel was applied (weight sharing). */
  conv2dBackwardWeight(x, dy, g, dw) {
    const { n, cIn, h, w: width, cOut, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, groups, outH, outW } = g;
    const cInG = cIn / groups, cOutG = cOut / groups;
    const inPlane = h * width, outPlane = outH * outW;
    const { rowLo, rowHi, colLo, colHi } = tapRanges(g);
    // the dy planes holding a NaN or ±∞, whose products with the padding's zeros are NaN
    const nonFinite: number[] = [];
    for (let p = 0; p < n * cOut; p++) {
      for (let i = p * outPlane; i < (p + 1) * outPlane; i++) if (!Number.isFinite(dy[i]!)) { nonFinite.push(p); break; }
    }
    for (let oc = 0; oc < cOut; oc++) {
      const group = Math.floor(oc / cOutG);
      for (let icg = 0; icg < cInG; icg++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const oxLo = colLo[kx]!, oxHi = colHi[kx]!;
            let acc = 0; // a double accumulator, also for float32 data
            const oyLo = rowLo[ky]!, oyHi = rowHi[ky]!;
            for (let b = 0; b < n; b++) {
              const yBase = (b * cOut + oc) * outPlane;
              const xBase = (b * cIn + group * cInG + icg) * inPlane;
              for (let oy = oyLo; oy < oyHi; oy++) {
                const yRow = yBase + oy * outW;
                const xRow = xBase + (oy * strideH - padTop + ky * dilationH) * width - padLeft + kx * dilationW;
                for (let ox = oxLo; ox < oxHi; ox++) acc += dy[yRow + ox]! * x[xRow + ox * strideW]!;
              }
            }
            for (const p of nonFinite) {
              if (p % cOut === oc) for (const o of paddingReads(outH, outW, oyLo, oyHi, oxLo, oxHi)) acc += dy[p * outPlane + o]! * 0;
            }
            dw[((oc * cInG + icg) * kh + ky) * kw + kx] = acc;
          }
        }
      }
    }
  },
};
