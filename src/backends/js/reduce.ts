// Reference reductions over the middle axis of an [outer, size, inner] view, and softmax along it.
import type { HostKernels } from "../backend.js";

export const reduceKernels: Pick<HostKernels, "reduce" | "argReduce" | "softmax"> = {
  // x is [outer, size, inner]; y[o, i] reduces x[o, 0..size, i]. With inner = 1 each reduction is one contiguous run;
  // otherwise the loops walk s outside i, so reads stay contiguous and a row of `inner` partial results is kept.
  reduce(op, x, outer, size, inner, y) {
    if (op === "sum" && inner === 1) {
      // one contiguous run per output, summed in a local double
      for (let o = 0; o < outer; o++) {
        let acc = 0;
        const base = o * size;
        for (let s = 0; s < size; s++) acc += x[base + s]!;
        y[o] = acc;
      }
      return;
    }
    if (op === "sum" || op === "prod") {
      // sums and products accumulate in double, whatever the dtype
      const acc = new Float64Array(inner);
      for (let o = 0; o < outer; o++) {
        const base = o * size * inner;
        acc.fill(op === "sum" ? 0 : 1);
        if (op === "sum") {
          for (let s = 0; s < size; s++) {
            const row = base + s * inner;
            for (let i = 0; i < inner; i++) acc[i] += x[row + i]!;
          }
        } else {
          for (let s = 0; s < size; s++) {
            const row = base + s * inner;
            for (let i = 0; i < inner; i++) acc[i] *= x[row + i]!;
          }
        }
        y.set(acc, o * inner);
      }
      return;
    }
    // max/min: start from the first row and compare; a NaN, once taken, stays (v > NaN is false, v !== v is false)
    for (let o = 0; o < outer; o++) {
      const base = o * size * inner, out = o * inner;
      for (let i = 0; i < inner; i++) y[out + i] = x[base + i]!;
      for (let s = 1; s < size; s++) {
        const row = base + s * inner;
        if (op === "max") {
          for (let i = 0; i < inner; i++) {
            const v = x[row + i]!;
            if (v > y[out + i]! || v !== v) y[out + i] = v;
          }
        } else {
          for (let i = 0; i < inner; i++) {
            const v = x[row + i]!;
            if (v < y[out + i]! || v !== v) y[out + i] = v;
          }
        }
      }
    }
  },

  // Index of the first extremum; the first NaN wins over everything (PyTorch's rule).
  argReduce(op, x, outer, size, inner, y) {
    const best = new Float64Array(inner);
    const max = op === "argmax";
    for (let o = 0; o < outer; o++) {
      const base = o * size * inner, out = o * inner;
      for (let i = 0; i < inner; i++) {
        best[i] = x[base + i]!;
        y[out + i] = 0;
      }
      for (let s = 1; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!, b = best[i]!;
          // strict comparisons keep the first of equal values; b === b stops at a NaN already found
          if (b === b && (v !== v || (max ? v > b : v < b))) {
            best[i] = v;
            y[out + i] = s;
          }
        }
      }
    }
  },

  softmax(x, outer, size, inner, log, y) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        // subtract the max so exp never overflows
        let max = -Infinity;
        for (let s = 0; s < size; s++) max = Math.max(max, x[base + s * inner]!);
        let sum = 0;
        for (let s = 0; s < size; s++) sum += Math.exp(x[base + s * inner]! - max);
        if (log) {
          const lse = max + Math.log(sum);
          for (let s = 0; s < size; s++) y[base + s * inner] = x[base + s * inner]! - lse;
        } else {
          for (let s = 0; s < size; s++) y[base + s * inner] = Math.exp(x[base + s * inner]! - max) / sum;
        }
      }
    }
  },
};
