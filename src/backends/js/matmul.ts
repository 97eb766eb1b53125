// Reference batched matrix product C = op(A)·op(B). Two loop orders, chosen by how B is stored:
// B as [k,n] rows: i-k-j, streaming rows of B into a double row of C, four k at a time (fewer passes over C);
// B as [n,k] (transB, e.g. x·Wᵀ of a linear layer): dot products of contiguous rows, four columns at a time.
import type { Kernels } from "../backend.js";

export const matmulKernels: Pick<Kernels, "matmul"> = {
  matmul(a, b, out, p) {
    const { batch, m, n, k, aBatchStride, bBatchStride, transA, transB } = p;
    // element strides of A as [m,k], whichever way it is stored
    const aRow = transA ? 1 : k;
    const aCol = transA ? m : 1;
    const acc = new Float64Array(n);
    for (let bi = 0; bi < batch; bi++) {
      const ao = bi * aBatchStride;
      const bo = bi * bBatchStride;
      const co = bi * m * n;
      if (transB && !transA) {
        // C[i,j] = Σ_kk A[i,kk]·B[j,kk]: row i of A against rows j..j+3 of B
        for (let i = 0; i < m; i++) {
          const ar = ao + i * k;
          let j = 0;
          for (; j + 4 <= n; j += 4) {
            const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (let kk = 0; kk < k; kk++) {
              const av = a[ar + kk]!;
              s0 += av * b[b0 + kk]!;
              s1 += av * b[b1 + kk]!;
              s2 += av * b[b2 + kk]!;
              s3 += av * b[b3 + kk]!;
            }
            out[co + i * n + j] = s0;
            out[co + i * n + j + 1] = s1;
            out[co + i * n + j + 2] = s2;
            out[co + i * n + j + 3] = s3;
          }
          for (; j < n; j++) {
            const br = bo + j * k;
            let s = 0;
            for (let kk = 0; kk < k; kk++) s += a[ar + kk]! * b[br + kk]!;
            out[co + i * n + j] = s;
          }
        }
        continue;
      }
      if (transB) {
        // both transposed (rare): plain triple loop
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let kk = 0; kk < k; kk++) s += a[ao + i * aRow + kk * aCol]! * b[bo + j * k + kk]!;
            out[co + i * n + j] = s;
          }
        }
        continue;
      }
      // C[i,:] = Σ_kk A[i,kk]·B[kk,:], accumulated in a double row, four rows of B per pass
      for (let i = 0; i < m; i++) {
        acc.fill(0);
        const ar = ao + i * aRow;
        let kk = 0;
        for (; kk + 4 <= k; kk += 4) {
          const a0 = a[ar + kk * aCol]!, a1 = a[ar + (kk + 1) * aCol]!, a2 = a[ar + (kk + 2) * aCol]!, a3 = a[ar + (kk + 3) * aCol]!;
          const r0 = bo + kk * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
          for (let j = 0; j < n; j++) acc[j] += a0 * b[r0 + j]! + a1 * b[r1 + j]! + a2 * b[r2 + j]! + a3 * b[r3 + j]!;
        }
        for (; kk < k; kk++) {
          const av = a[ar + kk * aCol]!;
          const r = bo + kk * n;
          for (let j = 0; j < n; j++) acc[j] += av * b[r + j]!;
        }
        out.set(acc, co + i * n);
      }
    }
  },
};
