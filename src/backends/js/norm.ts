// Reference normalisation kernels: per-channel moments and the per-channel affine map batch norm is built from,
// and batch norm's backward (the two per-channel sums and the input gradient) in one kernel.
// x is viewed as [n, c, hw]: element (i, ch, s) sits at (i*c + ch)*hw + s, so one channel is n strided runs of hw values.
import type { HostKernels } from "../backend.js";
import { elementwiseKernels } from "./elementwise.js";

export const normKernels: Pick<HostKernels, "channelMoments" | "channelAffine" | "channelNormBackward"> = {
  channelMoments(x, n, c, hw, mean, variance) {
    const count = n * hw;
    for (let ch = 0; ch < c; ch++) {
      // two passes (mean, then squared deviations) in double precision: one-pass Σx² − (Σx)²/n loses digits in float32 data
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        for (let s = 0; s < hw; s++) sum += x[base + s]!;
      }
      const m = count > 0 ? sum / count : NaN;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        for (let s = 0; s < hw; s++) {
          const d = x[base + s]! - m;
          sq += d * d;
        }
      }
      mean[ch] = m;
      variance[ch] = count > 0 ? sq / count : NaN; // biased: divide by the count, as normalisation uses it
    }
  },

  channelAffine(x, n, c, hw, mean, invStd, weight, bias, y, act, lo, hi) {
    for (let ch = 0; ch < c; ch++) {
      // fold (x − mean)·invStd·weight + bias into x·scale + shift once per channel
      const scale = invStd[ch]! * (weight ? weight[ch]! : 1);
      const shift = (bias ? bias[ch]! : 0) - mean[ch]! * scale;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        for (let s = 0; s < hw; s++) y[base + s] = x[base + s]! * scale + shift;
      }
    }
    // the reference makes its second pass: the fast kernels fuse it, with these values
    if (act) elementwiseKernels.activation(act, y, y, lo, hi);
  },

  channelNormBackward(x, g, n, c, hw, mean, invStd, weight, training, dx, sumG, sumGXhat) {
    const count = n * hw;
    for (let ch = 0; ch < c; ch++) {
      const m = mean[ch]!, is = invStd[ch]!;
      // pass 1: Σg and Σg·x̂ over the channel's n runs, x̂ formed on the fly, in double (as channelMoments accumulates)
      let sg = 0, sgx = 0;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        for (let s = 0; s < hw; s++) {
          const gv = g[base + s]!;
          sg += gv;
          sgx += gv * ((x[base + s]! - m) * is);
        }
      }
      sumG[ch] = sg;
      sumGXhat[ch] = sgx;
      if (!dx) continue;
      // pass 2: the input gradient. y = γ·x̂ + β with x̂ = (x − mean)·invStd; in training mean and invStd are functions
      // of the whole channel, which adds the two mean terms: dx = γ·invStd·(g − mean(g) − x̂·mean(g·x̂))
      const scale = (weight ? weight[ch]! : 1) * is;
      const meanG = sg / count, meanGX = sgx / count;
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * hw;
        if (training) {
          for (let s = 0; s < hw; s++) {
            const xhat = (x[base + s]! - m) * is;
            dx[base + s] = scale * (g[base + s]! - meanG - xhat * meanGX);
          }
        } else {
          for (let s = 0; s < hw; s++) dx[base + s] = scale * g[base + s]!;
        }
      }
    }
  },
};
