// Strided copies, plane gathers and scatters on the GPU (Kernels['copyStrided'], ['planeGather'], ['planeScatter']), and
// indices to and from a tensor's values (['indexToValues'], ['valuesToIndex']).
// A strided copy (permute, slices with any step, expand, cat and their gradients) runs one invocation per destination
// element; the source elements an expanded destination (stride 0) gathers are added by that one invocation, in the
// reference's order, so no two invocations write one element. Plane gathers and scatters serve pooling's backward
// through its indices, max unpooling, nearest upsampling, and the target pick of the negative log-likelihood. A gather
// is one invocation per output. A scatter may hit one destination several times (overlapping pooling windows): adding runs an
// atomic compare-and-swap loop on the float's bits (WGSL has no float atomics), so the order of the additions, and
// with it the last bits of a sum, may differ from run to run; writing keeps the reference's rule that the later
// source wins, by first claiming each destination with an atomicMax of the source's position.
import { ValueError } from "../../../errors.js";
import { coalesce } from "../../js/memory.js";
import type { WebGPUDevice } from "../device.js";
import { AT8, grid, linearMain, paramBlock } from "../wgsl.js";

const STRIDED = paramBlock({
  shape: "i32x8", srcStr: "i32x8", dstStr: "i32x8", sumShape: "i32x8", sumStr: "i32x8",
  srcOffset: "i32", dstOffset: "i32", count: "i32", rank: "i32", sumRank: "i32", sumCount: "i32",
});

/** Whether no two indices of `shape` reach one element through `strides` — a sufficient test that every layout of a
 *  non-overlapping tensor passes: with the dims sorted by |stride|, each stride is longer than the span that all the
 *  shorter ones cover. */
function distinct(shape: readonly number[], strides: readonly number[]): boolean {
  const dims = shape.map((n, d) => [Math.abs(strides[d]!), n] as const).filter(([, n]) => n > 1).sort((a, b) => a[0] - b[0]);
  let span = 0;
  for (const [s, n] of dims) {
    if (s <= span) return false;
    span += s * (n - 1);
  }
  return true;
}

/**
 * dst[dstOffset + Σ i_d·dstStrides_d] (+)= src[srcOffset + Σ i_d·srcStrides_d] over every index of `shape` (strides
 * may be negative or 0). Dims the destination does not step through (stride 0, an expand's gradient) are summed by the
 * invocation of their destination element, in the reference's order (so the float32 sums are the reference's bit for
 * bit); without accumulate, the last of them writes, as in the reference. src and dst must be different buffers (the
 * backend binds a copy of an aliased input). Throws a ValueError for more than 8 dims after merging, or destination
 * strides that reach one element from several indices otherwise than by a stride of 0.
 */
export function copyStrided(
  dev: WebGPUDevice, src: GPUBuffer, srcOffset: number, srcStrides: readonly number[], shape: readonly number[],
  dst: GPUBuffer, dstOffset: number, dstStrides: readonly number[], accumulate: boolean,
): void {
  if (shape.some((n) => n === 0)) return;
  // merged dims (a permuted NCHW tensor whose HW stays contiguous walks as [N, HW, C]): fewer divisions per element
  const c = coalesce(shape, [srcStrides, dstStrides]);
  const walk = { shape: [] as number[], src: [] as number[], dst: [] as number[] };
  const summed = { shape: [] as number[], src: [] as number[] };
  let from = srcOffset;
  c.shape.forEach((n, d) => {
    const ss = c.strides[0]![d]!, ds = c.strides[1]![d]!;
    if (ds !== 0 || n === 1) {
      walk.shape.push(n);
      walk.src.push(ss);
      walk.dst.push(ds);
    } else if (accumulate) {
      summed.shape.push(n);
      summed.src.push(ss);
    } else {
      from += (n - 1) * ss; // the last index writes
    }
  });
  if (walk.shape.length === 0) walk.shape.push(1), walk.src.push(0), walk.dst.push(0);
  const rank = Math.max(walk.shape.length, summed.shape.length);
  if (rank > 8) throw new ValueError(`webgpu copyStrided: ${rank} dims after merging, at most 8`);
  if (!distinct(walk.shape, walk.dst)) {
    throw new ValueError(`webgpu copyStrided: destination strides [${dstStrides.join(", ")}] over shape [${shape.join(", ")}] reach one element from several indices (only a stride of 0 may)`);
  }
  const count = walk.shape.reduce((p, n) => p * n, 1);
  const sumCount = summed.shape.reduce((p, n) => p * n, 1);
  const body = accumulate
    ? `var acc = D[d];
  for (var r = 0; r < P.sumCount; r++) {
    var q = r;
    var at = s;
    for (var k = P.sumRank - 1; k >= 0; k--) {
      let n = at8(P.sumShape, k);
      at += (q % n) * at8(P.sumStr, k);
      q = q / n;
    }
    acc += S[at];
  }
  D[d] = acc;`
    : "D[d] = S[s];";
  const code = `${STRIDED.wgsl}${AT8}
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read_write> D: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  var rest = i;
  var s = P.srcOffset;
  var d = P.dstOffset;
  for (var k = P.rank - 1; k >= 0; k--) {
    let n = at8(P.shape, k);
    let j = rest % n;
    rest = rest / n;
    s += j * at8(P.srcStr, k);
    d += j * at8(P.dstStr, k);
  }
  ${body}
}`;
  const values = STRIDED.pack({
    shape: walk.shape, srcStr: walk.src, dstStr: walk.dst, sumShape: summed.shape, sumStr: summed.src,
    srcOffset: from, dstOffset, count, rank: walk.shape.length, sumRank: summed.shape.length, sumCount,
  });
  dev.dispatch(code, values, [src, dst], grid(count));
}

const PARAMS = paramBlock({ planes: "i32", srcPlane: "i32", dstPlane: "i32", perPlane: "i32", count: "i32" });

/** dst[p·outPlane + i] = src[p·srcPlane + index[(perPlane ? p·outPlane : 0) + i]] (0 for an index of −1). */
export function planeGather(
  dev: WebGPUDevice, src: GPUBuffer, srcPlane: number, index: GPUBuffer, perPlane: boolean, planes: number, outPlane: number, dst: GPUBuffer,
): void {
  const count = planes * outPlane;
  if (count === 0) return;
  const code = `${PARAMS.wgsl}
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> D: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  let p = i / P.dstPlane;
  let k = I[select(i % P.dstPlane, i, P.perPlane != 0)];
  D[i] = select(0.0, S[p * P.srcPlane + max(k, 0)], k >= 0);
}`;
  dev.dispatch(code, PARAMS.pack({ planes, srcPlane, dstPlane: outPlane, perPlane: +perPlane, count }), [src, index, dst], grid(count));
}

/** dst[p·dstPlane + index[(perPlane ? p·srcPlane : 0) + i]] (+)= src[p·srcPlane + i]; dst is not cleared; an index of
 *  −1 writes nothing. */
export function planeScatter(
  dev: WebGPUDevice, src: GPUBuffer, srcPlane: number, index: GPUBuffer, perPlane: boolean, planes: number,
  dst: GPUBuffer, dstPlane: number, accumulate: boolean,
): void {
  const count = planes * srcPlane;
  if (count === 0) return;
  const values = PARAMS.pack({ planes, srcPlane, dstPlane, perPlane: +perPlane, count });
  // the destination of source element i (none for an index of −1: see valuesToIndex)
  const target = `let p = i / P.srcPlane;
  let k = I[select(i % P.srcPlane, i, P.perPlane != 0)];
  if (k < 0) { return; }
  let d = p * P.dstPlane + k;`;
  if (accumulate) {
    const code = `${PARAMS.wgsl}
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> D: array<atomic<u32>>;
${linearMain()}
  if (i >= P.count) { return; }
  ${target}
  let v = S[i];
  var old = atomicLoad(&D[d]);
  loop {
    let r = atomicCompareExchangeWeak(&D[d], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}`;
    dev.dispatch(code, values, [src, index, dst], grid(count));
    return;
  }
  // each destination's winner: the last source (largest i) that writes it; −1 where none does
  const winners = dev.scratch(planes * dstPlane);
  const claim = `${PARAMS.wgsl}
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> W: array<atomic<i32>>;
${linearMain()}
  if (i >= P.count) { return; }
  ${target}
  atomicMax(&W[d], i + 1);
}`;
  const write = `${PARAMS.wgsl}
@group(0) @binding(1) var<storage, read> S: array<f32>;
@group(0) @binding(2) var<storage, read> I: array<i32>;
@group(0) @binding(3) var<storage, read> W: array<i32>;
@group(0) @binding(4) var<storage, read_write> D: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  ${target}
  if (W[d] == i + 1) { D[d] = S[i]; }
}`;
  // the scratch starts at zero, so winners are stored as i + 1
  dev.dispatch(claim, values, [index, winners], grid(count));
  dev.dispatch(write, values, [src, index, winners, dst], grid(count));
}

const COUNT = paramBlock({ count: "i32", limit: "i32" });

/** y[i] = index[i]. */
export function indexToValues(dev: WebGPUDevice, index: GPUBuffer, y: GPUBuffer): void {
  const count = dev.lengthOf(y);
  if (count === 0) return;
  const code = `${COUNT.wgsl}
@group(0) @binding(1) var<storage, read> I: array<i32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
${linearMain()}
  if (i >= P.count) { return; }
  Y[i] = f32(I[i]);
}`;
  dev.dispatch(code, COUNT.pack({ count, limit: 0 }), [index, y], grid(count));
}

/** index[i] = x[i] where x[i] is an integer in [0, limit), else −1 and a failed check (the device's check: the first
 *  such position and its value, reported at the next read with describe's message). */
export function valuesToIndex(dev: WebGPUDevice, x: GPUBuffer, limit: number, index: GPUBuffer, describe: (value: number, position: number) => string): void {
  const count = dev.lengthOf(index);
  if (count === 0) return;
  // words: [the first bad position (atomicMin, from 2³² − 1: none), that element's value's bits]
  const words = dev.buffer(2, Uint32Array.of(0xffffffff, 0));
  const convert = `${COUNT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> I: array<i32>;
@group(0) @binding(3) var<storage, read_write> E: array<atomic<u32>>;
${linearMain()}
  if (i >= P.count) { return; }
  let v = X[i];
  // a NaN fails both comparisons
  let ok = v >= 0.0 && v < f32(P.limit) && floor(v) == v;
  I[i] = select(-1, i32(select(0.0, v, ok)), ok);
  if (!ok) { atomicMin(&E[0], u32(i)); }
}`;
  const value = `@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> E: array<u32>;
@compute @workgroup_size(1)
fn main() {
  if (E[0] != 0xffffffffu) { E[1] = bitcast<u32>(X[E[0]]); }
}`;
  dev.dispatch(convert, COUNT.pack({ count, limit }), [x, index, words], grid(count));
  dev.dispatch(value, null, [x, words], [1]);
  dev.check(words, (position, bits) => describe(new Float32Array(Uint32Array.of(bits).buffer)[0]!, position));
}
