// Reference pooling kernels: max/min/avg windows with stride, padding and dilation, and adaptive pooling.
// Follows PyTorch 1.13's CPU kernels (MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp).
import type { DataArray } from "../../tensor/dtype.js";
import type { HostKernels, PoolGeometry } from "../backend.js";

/** For each output position o along one axis: the first and one-past-last kernel tap whose input coordinate
 *  o*stride − pad + tap*dilation lies inside [0, limit). The valid taps of a window are contiguous, so the inner
 *  loops run without bounds checks. `limit` bounds the coordinate from above (size for max/min and the real taps,
 *  size + pad for avg's count_include_pad divisor). */
export function tapRanges(out: number, k: number, stride: number, pad: number, dilation: number, limit: number): Int32Array {
  const r = new Int32Array(2 * out);
  for (let o = 0; o < out; o++) {
    const start = o * stride - pad; // input coordinate of tap 0
    let first = 0;
    while (first < k && start + first * dilation < 0) first++;
    let end = first;
    while (end < k && start + end * dilation < limit) end++;
    r[2 * o] = first;
    r[2 * o + 1] = end;
  }
  return r;
}

/** Divisor of every output position of an avg pooling (PyTorch's rule): the window clipped to the padded input
 *  [−pad, size+pad) when count_include_pad, to the real input otherwise, or the fixed override. */
export function avgDivisors(g: PoolGeometry, countIncludePad: boolean, divisorOverride: number | null): Float64Array {
  const div = new Float64Array(g.outH * g.outW);
  if (divisorOverride !== null) return div.fill(divisorOverride);
  const rowsPad = tapRanges(g.outH, g.kh, g.strideH, g.padTop, g.dilationH, g.h + g.padTop);
  const colsPad = tapRanges(g.outW, g.kw, g.strideW, g.padLeft, g.dilationW, g.w + g.padLeft);
  const rows = tapRanges(g.outH, g.kh, g.strideH, g.padTop, g.dilationH, g.h);
  const cols = tapRanges(g.outW, g.kw, g.strideW, g.padLeft, g.dilationW, g.w);
  for (let oh = 0; oh < g.outH; oh++) {
    for (let ow = 0; ow < g.outW; ow++) {
      // count_include_pad: every tap from tap 0 (left padding included) up to the end of the right padding,
      // i.e. the end of the range computed with limit size+pad; otherwise only the taps on real input.
      const nh = countIncludePad ? rowsPad[2 * oh + 1]! : rows[2 * oh + 1]! - rows[2 * oh]!;
      const nw = countIncludePad ? colsPad[2 * ow + 1]! : cols[2 * ow + 1]! - cols[2 * ow]!;
      div[oh * g.outW + ow] = nh * nw;
    }
  }
  return div;
}

/** Max pooling over every plane, with the valid tap ranges of each output row/column precomputed. The running max
 *  starts at −∞ (so padding never wins) and a NaN always takes over, like PyTorch; each output remembers the flat
 *  index (ih·w + iw) of the element it took, starting from the window's first real tap as PyTorch does. */
function maxPool(x: DataArray, g: PoolGeometry, rows: Int32Array, cols: Int32Array, y: DataArray, indices: Int32Array | null): void {
  const { h, w, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const planes = g.n * g.c;
  const inPlane = h * w, outPlane = outH * outW;
  for (let p = 0; p < planes; p++) {
    const xp = p * inPlane, yp = p * outPlane;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop; // input row of tap 0 (may lie in the padding)
      const khStart = rows[2 * oh]!, khEnd = rows[2 * oh + 1]!;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const kwStart = cols[2 * ow]!, kwEnd = cols[2 * ow + 1]!;
        let best = -Infinity;
        let bestIdx = (ih0 + khStart * dilationH) * w + iw0 + kwStart * dilationW;
        for (let a = khStart; a < khEnd; a++) {
          const rowIdx = (ih0 + a * dilationH) * w + iw0; // flat index of tap (a, 0) in the plane
          for (let b = kwStart; b < kwEnd; b++) {
            const idx = rowIdx + b * dilationW;
            const v = x[xp + idx]!;
            if (v > best || v !== v) {
              best = v;
              bestIdx = idx;
            }
          }
        }
        y[yp + oh * outW + ow] = best;
        if (indices) indices[yp + oh * outW + ow] = bestIdx;
      }
    }
  }
}

/** Average pooling: the sum over each window's real taps divided by that window's divisor. */
function avgPool(x: DataArray, g: PoolGeometry, rows: Int32Array, cols: Int32Array, div: Float64Array, y: DataArray): void {
  const { h, w, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const planes = g.n * g.c;
  const inPlane = h * w, outPlane = outH * outW;
  for (let p = 0; p < planes; p++) {
    const xp = p * inPlane, yp = p * outPlane;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop; // input row of tap 0
      const khStart = rows[2 * oh]!, khEnd = rows[2 * oh + 1]!;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        const kwStart = cols[2 * ow]!, kwEnd = cols[2 * ow + 1]!;
        let s = 0;
        for (let a = khStart; a < khEnd; a++) {
          const row = xp + (ih0 + a * dilationH) * w + iw0; // tap (a, 0) of the window
          for (let b = kwStart; b < kwEnd; b++) s += x[row + b * dilationW]!;
        }
        // a window with no real element (impossible under PyTorch's padding rules) gives 0, as PyTorch does
        y[yp + oh * outW + ow] = khStart < khEnd && kwStart < kwEnd ? s / div[oh * outW + ow]! : 0;
      }
    }
  }
}

export const poolKernels: Pick<HostKernels, "pool2d" | "avgPool2dBackward" | "adaptivePool2d" | "adaptiveAvgPool2dBackward"> = {
  pool2d(mode, x, g, avg, y, indices) {
    const rows = tapRanges(g.outH, g.kh, g.strideH, g.padTop, g.dilationH, g.h);
    const cols = tapRanges(g.outW, g.kw, g.strideW, g.padLeft, g.dilationW, g.w);
    if (mode === "avg") {
      avgPool(x, g, rows, cols, avgDivisors(g, avg.countIncludePad, avg.divisorOverride), y);
    } else if (mode === "max") {
      maxPool(x, g, rows, cols, y, indices);
    } else {
      // min pooling is −maxPool(−x): negation is exact, the first strictly larger of −x is the first strictly
      // smaller of x, and NaNs stay NaNs; one extra copy keeps a single hot loop (a comparator callback ran 2× slower).
      const neg = x.slice();
      for (let i = 0; i < neg.length; i++) neg[i] = -neg[i]!;
      maxPool(neg, g, rows, cols, y, indices);
      for (let i = 0; i < y.length; i++) y[i] = -y[i]!;
    }
  },

  avgPool2dBackward(dy, g, avg, dx) {
    // Each output's gradient is shared equally (÷ the forward's divisor) by the real input elements of its window.
    const { h, w, dilationH, dilationW, outH, outW } = g;
    const planes = g.n * g.c;
    const inPlane = h * w, outPlane = outH * outW;
    const rows = tapRanges(outH, g.kh, g.strideH, g.padTop, dilationH, h);
    const cols = tapRanges(outW, g.kw, g.strideW, g.padLeft, dilationW, w);
    const div = avgDivisors(g, avg.countIncludePad, avg.divisorOverride);
    dx.fill(0);
    for (let p = 0; p < planes; p++) {
      const xp = p * inPlane, yp = p * outPlane;
      for (let oh = 0; oh < outH; oh++) {
        const ih0 = oh * g.strideH - g.padTop;
        const khStart = rows[2 * oh]!, khEnd = rows[2 * oh + 1]!;
        for (let ow = 0; ow < outW; ow++) {
          const iw0 = ow * g.strideW - g.padLeft;
          const kwStart = cols[2 * ow]!, kwEnd = cols[2 * ow + 1]!;
          const share = dy[yp + oh * outW + ow]! / div[oh * outW + ow]!;
          for (let a = khStart; a < khEnd; a++) {
            const row = xp + (ih0 + a * dilationH) * w + iw0;
            for (let b = kwStart; b < kwEnd; b++) dx[row + b * dilationW] += share;
          }
        }
      }
    }
  },

  adaptivePool2d(mode, x, planes, h, w, outH, outW, y, indices) {
    const [r0, r1] = adaptiveBounds(h, outH);
    const [c0, c1] = adaptiveBounds(w, outW);
    const inPlane = h * w, outPlane = outH * outW;
    for (let p = 0; p < planes; p++) {
      const xp = p * inPlane, yp = p * outPlane;
      for (let oh = 0; oh < outH; oh++) {
        const ih0 = r0[oh]!, ih1 = r1[oh]!;
        for (let ow = 0; ow < outW; ow++) {
          const iw0 = c0[ow]!, iw1 = c1[ow]!;
          const o = yp + oh * outW + ow;
          if (mode === "avg") {
            let s = 0;
            for (let ih = ih0; ih < ih1; ih++) for (let iw = iw0; iw < iw1; iw++) s += x[xp + ih * w + iw]!;
            y[o] = s / ((ih1 - ih0) * (iw1 - iw0));
          } else {
            let best = -Infinity, bestIdx = ih0 * w + iw0;
            for (let ih = ih0; ih < ih1; ih++) {
              for (let iw = iw0; iw < iw1; iw++) {
                const v = x[xp + ih * w + iw]!;
                if (v > best || v !== v) {
                  best = v;
                  bestIdx = ih * w + iw;
                }
              }
            }
            y[o] = best;
            if (indices) indices[o] = bestIdx;
          }
        }
      }
    }
  },

  adaptiveAvgPool2dBackward(dy, planes, h, w, outH, outW, dx) {
    const [r0, r1] = adaptiveBounds(h, outH);
    const [c0, c1] = adaptiveBounds(w, outW);
    const inPlane = h * w, outPlane = outH * outW;
    dx.fill(0);
    for (let p = 0; p < planes; p++) {
      const xp = p * inPlane, yp = p * outPlane;
      for (let oh = 0; oh < outH; oh++) {
        const ih0 = r0[oh]!, ih1 = r1[oh]!;
        for (let ow = 0; ow < outW; ow++) {
          const iw0 = c0[ow]!, iw1 = c1[ow]!;
          const share = dy[yp + oh * outW + ow]! / ((ih1 - ih0) * (iw1 - iw0));
          for (let ih = ih0; ih < ih1; ih++) for (let iw = iw0; iw < iw1; iw++) dx[xp + ih * w + iw] += share;
        }
      }
    }
  },
};

/** Adaptive window i of `out` over `size` inputs covers [floor(i·size/out), ceil((i+1)·size/out)). */
function adaptiveBounds(size: number, out: number): [Int32Array, Int32Array] {
  const start = new Int32Array(out), end = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    start[i] = Math.floor((i * size) / out);
    end[i] = Math.ceil(((i + 1) * size) / out);
  }
  return [start, end];
}
