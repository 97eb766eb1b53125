// Plane gathers and scatters on the GPU (Kernels['planeGather'], ['planeScatter']): pooling's backward through its
// indices, max unpooling, nearest upsampling, and the target pick of the negative log-likelihood. A gather is one
// invocation per output. A scatter may hit one destination several times (overlapping pooling windows): adding runs an
// atomic compare-and-swap loop on the float's bits (WGSL has no float atomics), so the order of the additions, and
// with it the last bits of a sum, may differ from run to run; writing keeps the reference's rule that the later
// source wins, by first claiming each destination with an atomicMax of the source's position.
import type { WebGPUDevice } from "../device.js";
import { grid, linearMain, paramBlock } from "../wgsl.js";

const PARAMS = paramBlock({ planes: "i32", srcPlane: "i32", dstPlane: "i32", perPlane: "i32", count: "i32" });

/** dst[p·outPlane + i] = src[p·srcPlane + index[(perPlane ? p·outPlane : 0) + i]]. */
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
  let at = select(i % P.dstPlane, i, P.perPlane != 0);
  D[i] = S[p * P.srcPlane + I[at]];
}`;
  dev.dispatch(code, PARAMS.pack({ planes, srcPlane, dstPlane: outPlane, perPlane: +perPlane, count }), [src, index, dst], grid(count));
}

/** dst[p·dstPlane + index[(perPlane ? p·srcPlane : 0) + i]] (+)= src[p·srcPlane + i]; dst is not cleared. */
export function planeScatter(
  dev: WebGPUDevice, src: GPUBuffer, srcPlane: number, index: GPUBuffer, perPlane: boolean, planes: number,
  dst: GPUBuffer, dstPlane: number, accumulate: boolean,
): void {
  const count = planes * srcPlane;
  if (count === 0) return;
  const values = PARAMS.pack({ planes, srcPlane, dstPlane, perPlane: +perPlane, count });
  // the destination of source element i
  const target = `let p = i / P.srcPlane;
  let d = p * P.dstPlane + I[select(i % P.srcPlane, i, P.perPlane != 0)];`;
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
