// Reference batched matrix product C = op(A)·op(B). Two loop orders, chosen by how B is stored:
// B as [k,n] rows: i-k-j, streaming rows of B into two double rows of C, four k at a time (fewer passes over C);
// B as [n,k] (transB, e.g. x·Wᵀ of a linear layer): dot products of contiguous rows, a 2×4 block of C at a time.
import type { HostKernels } from "../backend.js";

export const matmulKernels: Pick<HostKernels, "matmul"> = {
  matmul(a, b, out, p) {
    const { batch, m, n, k, aBatchStride, bBatchStride, transA, transB } = p;
    // element strides of A as [m,k], whichever way it is stored
    const aRow = transA ? 1 : k;
    const aCol = transA ? m : 1;
    const acc = new Float64Array(n), acc1 = new Float64Array(n);
    for (let bi = 0; bi < batch; bi++) {
      const ao = bi * aBatchStride;
      const bo = bi * bBatchStride;
      const co = bi * m * n;
      if (transB && !transA) {
        // C[i,j] = Σ_kk A[i,kk]·B[j,kk]: rows i, i+1 of A against rows j..j+3 of B (8 sums share 6 loads per kk)
        let i = 0;
        for (; i + 2 <= m; i += 2) {
          const a0 = ao + i * k, a1 = a0 + k;
          const c0 = co + i * n, c1 = c0 + n;
          let j = 0;
          for (; j + 4 <= n; j += 4) {
            const b0 = bo + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
            let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
            for (let kk = 0; kk < k; kk++) {
              const x0 = a[a0 + kk]!, x1 = a[a1 + kk]!;
              const y0 = b[b0 + kk]!, y1 = b[b1 + kk]!, y2 = b[b2 + kk]!, y3 = b[b3 + kk]!;
              s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
              s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
            }
            out[c0 + j] = s00; out[c0 + j + 1] = s01; out[c0 + j + 2] = s02; out[c0 + j + 3] = s03;
            out[c1 + j] = s10; out[c1 + j + 1] = s11; out[c1 + j + 2] = s12; out[c1 + j + 3] = s13;
          }
          for (; j < n; j++) {
            const br = bo + j * k;
            let s0 = 0, s1 = 0;
            for (let kk = 0; kk < k; kk++) {
              const y = b[br + kk]!;
              s0 += a[a0 + kk]! * y;
              s1 += a[a1 + kk]! * y;
            }
            out[c0 + j] = s0;
            out[c1 + j] = s1;
          }
        }
        for (; i < m; i++) {
          // the last odd row: one dot product per column
          const ar = ao + i * k;
          for (let j = 0; j < n; j++) {
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
      // C[i,:] = Σ_kk A[i,kk]·B[kk,:], accumulated in double rows: rows i, i+1 of C together, four rows of B per pass
      let i = 0;
      for (; i + 2 <= m; i += 2) {
        acc.fill(0);
        acc1.fill(0);
        const p0 = ao + i * aRow, p1 = p0 + aRow;
        let kk = 0;
        for (; kk + 4 <= k; kk += 4) {
          const q0 = kk * aCol, q1 = q0 + aCol, q2 = q1 + aCol, q3 = q2 + aCol;
          const x0 = a[p0 + q0]!, x1 = a[p0 + q1]!, x2 = a[p0 + q2]!, x3 = a[p0 + q3]!;
          const z0 = a[p1 + q0]!, z1 = a[p1 + q1]!, z2 = a[p1 + q2]!, z3 = a[p1 + q3]!;
          const r0 = bo + kk * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
          for (let j = 0; j < n; j++) {
            const y0 = b[r0 + j]!, y1 = b[r1 + j]!, y2 = b[r2 + j]!, y3 = b[r3 + j]!;
            acc[j] += x0 * y0 + x1 * y1 + x2 * y2 + x3 * y3;
            acc1[j] += z0 * y0 + z1 * y1 + z2 * y2 + z3 * y3;
          }
        }
        for (; kk < k; kk++) {
          const x = a[p0 + kk * aCol]!, z = a[p1 + kk * aCol]!;
          const r = bo + kk * n;
          for (let j = 0; j < n; j++) {
            const y = b[r + j]!;
            acc[j] += x * y;
            acc1[j] += z * y;
          }
        }
        out.set(acc, co + i * n);
        out.set(acc1, co + (i + 1) * n);
      }
      for (; i < m; i++) {
        acc.fill(0);
        const ar = ao + i * aRow;
        for (let kk = 0; kk < k; kk++) {
          const av = a[ar + kk * aCol]!;
          const r = bo + kk * n;
          for (let j = 0; j < n; j++) acc[j] += av * b[r + j]!;
        }
        out.set(acc, co + i * n);
      }
    }
  },
};
