// Matrix products with torch.matmul's rules: 1-D operands are promoted (a vector a is a row [1, k], a vector b a
// column [k, 1]) and the added dim removed, batch dims broadcast.
import { Tensor } from "../tensor/tensor.js";
import type { KernelArray } from "../tensor/memory.js";
import { broadcastShapes, fmtShape, sizeOf, type Shape } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { emptyLike, sumTo } from "./util.js";
import type { NoAttrs } from "./elementwise.js";
import { apply, defineOp } from "./op.js";
import { DTypeError, ShapeError } from "../errors.js";

/** The batch dims of a product of a: [...batchA, ·, ·] and b: [...batchB, ·, ·], broadcast. */
function productBatch(op: string, a: Shape, b: Shape): number[] {
  const batchA = a.slice(0, -2), batchB = b.slice(0, -2);
  try {
    return broadcastShapes(op, batchA, batchB);
  } catch {
    throw new ShapeError(`${op}: batch dims ${fmtShape(batchA)} of ${fmtShape(a)} and ${fmtShape(batchB)} of ${fmtShape(b)} cannot be broadcast (each pair must be equal or one of them 1)`);
  }
}

/** The product's dims: its batch dims and [m, n]. */
function productShape(a: Shape, b: Shape, transA: boolean, transB: boolean): number[] {
  const m = a[a.length - (transA ? 1 : 2)]!, n = b[b.length - (transB ? 2 : 1)]!;
  return [...productBatch("matmul", a, b), m, n];
}

/** Writes the product of a: [..., m, k] and b: [..., k, n] (either with its last two dims transposed), batch dims
 *  broadcast, into `out` ([...batch, m, n], contiguous) with the backend's matmul kernel. The shapes are the caller's
 *  to check. */
export function productInto(a: Tensor, b: Tensor, transA: boolean, transB: boolean, out: KernelArray): void {
  const [m, k] = transA ? [a.shape[a.ndim - 1]!, a.shape[a.ndim - 2]!] : [a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];
  const n = b.shape[b.ndim - (transB ? 2 : 1)]!;
  const batchShape = productBatch("matmul", a.shape, b.shape);
  const batch = sizeOf(batchShape);
  // broadcast batch dims by materialising the expanded operand only when it is neither full nor a single matrix
  const prep = (t: Tensor): [Tensor, number] => {
    const own = sizeOf(t.shape.slice(0, -2)), mat = t.shape[t.ndim - 2]! * t.shape[t.ndim - 1]!;
    if (own === batch) return [t, mat];
    if (own === 1) return [t, 0];
    return [t.detach().expand([...batchShape, t.shape[t.ndim - 2]!, t.shape[t.ndim - 1]!]), mat];
  };
  const [pa, sa] = prep(a);
  const [pb, sb] = prep(b);
  kernel("matmul", a.operand)(pa.operand, pb.operand, out, { batch, m, n, k, aBatchStride: sa, bBatchStride: sb, transA, transB });
}

/** The product of productInto in a new tensor (the gradients' products, outside the tape). */
export function bmmRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const out = emptyLike(a.dtype, productShape(a.shape, b.shape, transA, transB));
  productInto(a, b, transA, transB, out.operand);
  return out;
}

/** A vector a as the row [1, k], a vector b as the column [k, 1]: views, as the product reads them. */
const rowMatrix = (t: Tensor): Tensor => (t.ndim === 1 ? new Tensor(t.storage, [1, t.shape[0]!]) : t);
const colMatrix = (t: Tensor): Tensor => (t.ndim === 1 ? new Tensor(t.storage, [t.shape[0]!, 1]) : t);

/** a: [..., m, k] @ b: [..., k, n] → [..., m, n] (a vector operand loses its added dim); the gradients are g·bᵀ and
 *  aᵀ·g, summed over the batch dims the operand was broadcast along. */
export const matmulOp = defineOp<NoAttrs>({
  name: "matmul",
  shape: ([a, b], _a, op) => {
    if (a!.length === 0 || b!.length === 0) throw new ShapeError(`${op}: both operands need at least 1 dim, got ${fmtShape(a!)} and ${fmtShape(b!)}`);
    const k1 = a![a!.length - 1]!, k2 = b![b!.length === 1 ? 0 : b!.length - 2]!;
    if (k1 !== k2) {
      throw new ShapeError(`${op}: ${fmtShape(a!)} @ ${fmtShape(b!)}: the last dim of a (${k1}) must equal the ${b!.length === 1 ? "only" : "second-to-last"} dim of b (${k2})`);
    }
    const batch = productBatch(op, a!.length === 1 ? [1, k1] : a!, b!.length === 1 ? [k2, 1] : b!);
    return [...batch, ...(a!.length > 1 ? [a![a!.length - 2]!] : []), ...(b!.length > 1 ? [b![b!.length - 1]!] : [])];
  },
  forward: ([a, b], _a, y) => productInto(rowMatrix(a!), colMatrix(b!), false, false, y.operand),
  backward: (g, [a, b]) => {
    const a2 = rowMatrix(a!), b2 = colMatrix(b!);
    const g2 = new Tensor(g.storage, productShape(a2.shape, b2.shape, false, false));
    return [
      a!.requiresGrad ? new Tensor(sumTo(bmmRaw(g2, b2, false, true), a2.shape).storage, a!.shape) : null,
      b!.requiresGrad ? new Tensor(sumTo(bmmRaw(a2, g2, true, false), b2.shape).storage, b!.shape) : null,
    ];
  },
  onnx: { export: (e, ins) => e.node("MatMul", ins) },
  macs: ([a], _a, y) => sizeOf(y) * a![a!.length - 1]!,
});

/** Matrix product with torch.matmul semantics. a: [..., m, k], b: [..., k, n] → [..., m, n]; 1-D vectors are promoted and the added dim removed. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: dtypes differ (${a.dtype} and ${b.dtype})`);
  return apply(matmulOp, [a, b], {});
}
