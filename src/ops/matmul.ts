// Matrix products with torch.matmul's rules: 1-D operands are promoted, batch dims broadcast.
import { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, fmtShape, sizeOf } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike, sumTo } from "./util.js";
import { DTypeError, ShapeError } from "../errors.js";

/** Raw product of [..., m, k] and [..., k, n] (optionally transposed last two dims), batch dims broadcast. */
export function bmmRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const ar = a.ndim, br = b.ndim;
  const [m, k] = transA ? [a.shape[ar - 1]!, a.shape[ar - 2]!] : [a.shape[ar - 2]!, a.shape[ar - 1]!];
  const [k2, n] = transB ? [b.shape[br - 1]!, b.shape[br - 2]!] : [b.shape[br - 2]!, b.shape[br - 1]!];
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)}${transA ? "ᵀ" : ""} @ ${fmtShape(b.shape)}${transB ? "ᵀ" : ""} has ${k} vs ${k2}`);
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = broadcastShapes("matmul", batchA, batchB);
  } catch {
    throw new ShapeError(`matmul: batch dims ${fmtShape(batchA)} of ${fmtShape(a.shape)} and ${fmtShape(batchB)} of ${fmtShape(b.shape)} cannot be broadcast (each pair must be equal or one of them 1)`);
  }
  const batch = sizeOf(batchShape);
  // broadcast batch dims by materialising the expanded operand only when it is neither full nor a single matrix
  const prep = (t: Tensor, own: readonly number[]): [Tensor, number] => {
    const mat = t.shape[t.ndim - 2]! * t.shape[t.ndim - 1]!;
    if (sizeOf(own) === batch) return [t, mat];
    if (sizeOf(own) === 1) return [t, 0];
    return [t.detach().expand([...batchShape, t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!]), mat];
  };
  const [pa, sa] = prep(a, batchA);
  const [pb, sb] = prep(b, batchB);
  const out = emptyLike(a.dtype, [...batchShape, m, n]);
  kernel("matmul", a.data)(pa.data, pb.data, out.data, { batch, m, n, k, aBatchStride: sa, bBatchStride: sb, transA, transB });
  return out;
}

/** Matrix product with torch.matmul semantics. a: [..., m, k], b: [..., k, n] → [..., m, n]; 1-D vectors are promoted and the added dim removed. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: dtypes differ (${a.dtype} and ${b.dtype})`);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both operands need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const k1 = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim === 1 ? 0 : b.ndim - 2]!;
  if (k1 !== k2) {
    throw new ShapeError(`matmul: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}: the last dim of a (${k1}) must equal the ${b.ndim === 1 ? "only" : "second-to-last"} dim of b (${k2})`);
  }
  const a2 = a.ndim === 1 ? a.reshape([1, a.shape[0]!]) : a;
  const b2 = b.ndim === 1 ? b.reshape([b.shape[0]!, 1]) : b;
  let out = bmmRaw(a2, b2, false, false);
  const full = out;
  if (needsGrad(a2, b2)) {
    record(full, "matmul", [a2, b2], (g) => [
      a2.requiresGrad ? sumTo(bmmRaw(g, b2, false, true), a2.shape) : null,
      b2.requiresGrad ? sumTo(bmmRaw(a2, g, true, false), b2.shape) : null,
    ]);
  }
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}
