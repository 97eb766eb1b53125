// Reference batched matrix product. The i-k-j loop order streams rows of B and C, which keeps plain JS near its best.
import type { Kernels } from "../backend.js";

export const matmulKernels: Pick<Kernels, "matmul"> = {
  matmul(a, b, out, p) {
    const { batch, m, n, k, aBatchStride, bBatchStride, transA, transB } = p;
    // element strides of A as [m,k] and B as [k,n], whichever way they are stored
    const aRow = transA ? 1 : k;
    const aCol = transA ? m : 1;
    const bRow = transB ? 1 : n;
    const bCol = transB ? k : 1;
    for (let bi = 0; bi < batch; bi++) {
      const ao = bi * aBatchStride;
      const bo = bi * bBatchStride;
      const co = bi * m * n;
      for (let i = 0; i < m * n; i++) out[co + i] = 0;
      for (let i = 0; i < m; i++) {
        const crow = co + i * n;
        for (let kk = 0; kk < k; kk++) {
          const av = a[ao + i * aRow + kk * aCol]!;
          const brow = bo + kk * bRow;
          for (let j = 0; j < n; j++) out[crow + j] += av * b[brow + j * bCol]!;
        }
      }
    }
  },
};
