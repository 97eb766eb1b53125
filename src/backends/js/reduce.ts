// Reference reductions over the middle axis of an [outer, size, inner] view, and softmax along it.
import type { Kernels } from "../backend.js";

export const reduceKernels: Pick<Kernels, "reduce" | "argReduce" | "softmax"> = {
  reduce(op, x, outer, size, inner, y) {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let acc = op === "sum" ? 0 : op === "prod" ? 1 : x[base]!;
        if (op === "sum") for (let s = 0; s < size; s++) acc += x[base + s * inner]!;
        else if (op === "prod") for (let s = 0; s < size; s++) acc *= x[base + s * inner]!;
        else if (op === "max") {
          for (let s = 0; s < size; s++) {
            const v = x[base + s * inner]!;
            if (v > acc || v !== v) acc = v;
            if (acc !== acc) break; // NaN propagates
          }
        } else {
          for (let s = 0; s < size; s++) {
            const v = x[base + s * inner]!;
            if (v < acc || v !== v) acc = v;
            if (acc !== acc) break;
          }
        }
        y[o * inner + i] = acc;
      }
    }
  },

  argReduce(op, x, outer, size, inner, y) {
    const better = op === "argmax" ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let best = x[base]!;
        let at = 0;
        for (let s = 1; s < size && best === best; s++) {
          const v = x[base + s * inner]!;
          if (better(v, best) || v !== v) {
            best = v;
            at = s;
          }
        }
        y[o * inner + i] = at;
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
