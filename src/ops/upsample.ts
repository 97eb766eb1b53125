// Upsampling (and resizing): interpolate with nearest, bilinear and bed-of-nails modes, by size or scale factor.
// Nearest and bilinear follow torch.nn.functional.interpolate in PyTorch 1.13; bed-of-nails is the lecture's sparse
// upsampling (zeros with each input value at (i·s, j·s)), usually followed by a convolution.
import { Tensor } from "../tensor/tensor.js";
import { checkInt, fmtShape, pair } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { record, needsGrad } from "../autograd/graph.js";
import { emptyLike } from "./util.js";
import { ShapeError, ValueError } from "../errors.js";

export type InterpolateMode = "nearest" | "bilinear" | "bed-of-nails";
const MODES: readonly InterpolateMode[] = ["nearest", "bilinear", "bed-of-nails"];

export interface InterpolateOptions {
  /** Output spatial size: a number or [h, w]. Give this or scaleFactor. */
  size?: number | readonly [number, number] | null;
  /** Output = floor(input · scaleFactor) per axis; the factor itself (not the rounded ratio) sets the source
   *  coordinates, as in PyTorch without recompute_scale_factor. Integers only for 'bed-of-nails'. */
  scaleFactor?: number | readonly [number, number] | null;
  /** Default 'nearest', as PyTorch. */
  mode?: InterpolateMode;
  /** Bilinear only: true maps corner pixel centres onto each other, false (default) aligns pixel areas. */
  alignCorners?: boolean | null;
}

/** Source pixel of each output coordinate for 'nearest' (PyTorch 1.13's nearest_idx): identity when the size is
 *  unchanged, o >> 1 when it doubles, else min(floor(o · scale), in − 1) computed in float32 with
 *  scale = 1/scaleFactor if given, else in/out. */
function nearestSource(size: number, out: number, scaleFactor: number | null): Int32Array {
  const src = new Int32Array(out);
  if (out === size) {
    for (let o = 0; o < out; o++) src[o] = o;
  } else if (out === 2 * size) {
    for (let o = 0; o < out; o++) src[o] = o >> 1;
  } else {
    const scale = Math.fround(scaleFactor !== null && scaleFactor > 0 ? 1 / scaleFactor : size / out);
    for (let o = 0; o < out; o++) src[o] = Math.min(Math.floor(Math.fround(o * scale)), size - 1);
  }
  return src;
}

/** Resize (usually upsample) each channel of x: [N,C,H,W] (or unbatched [C,H,W]) → [N,C,Hout,Wout].
 *  - 'nearest': each output pixel copies its nearest-neighbour source (PyTorch 1.13 'nearest');
 *  - 'bilinear': weighted mean of the four surrounding pixels, source coordinate (o+0.5)·scale−0.5 clamped at 0,
 *    or o·(H−1)/(Hout−1) with alignCorners;
 *  - 'bed-of-nails': zeros with x[i,j] at (i·s, j·s), integer s only.
 *  Differentiable in x. Unlike PyTorch, a 3-D input is one unbatched image, not a 1-D signal. */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = "interpolate";
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: input must be a Tensor, got ${String(x)}`);
  if (typeof opts !== "object" || opts === null) throw new ValueError(`${op}: options { size | scaleFactor, mode } are required`);
  const mode = opts.mode ?? "nearest";
  if (!MODES.includes(mode)) throw new ValueError(`${op}: unknown mode '${String(mode)}' (expected ${MODES.join(", ")})`);
  const alignCorners = opts.alignCorners ?? null;
  if (alignCorners !== null && mode !== "bilinear") {
    throw new ValueError(`${op}: alignCorners can only be set with mode 'bilinear', not '${mode}'`);
  }
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(`${op}: expects a [N,C,H,W] or unbatched [C,H,W] input, got ${fmtShape(x.shape)}`);
  }
  const unbatched = x.ndim === 3;
  const x4 = unbatched ? x.reshape([1, ...x.shape]) : x;
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has an empty spatial dim`);

  const hasSize = opts.size !== undefined && opts.size !== null;
  const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw new ValueError(`${op}: give exactly one of size and scaleFactor (got ${hasSize ? "both" : "neither"})`);
  }
  let outH: number, outW: number;
  let scales: [number, number] | null = null; // the user's scale factors, when given
  if (hasSize) {
    [outH, outW] = pair(op, "size", opts.size!, 1);
  } else {
    const sf = opts.scaleFactor!;
    const pairSf: readonly number[] = typeof sf === "number" ? [sf, sf] : sf;
    if (!Array.isArray(pairSf) || pairSf.length !== 2) {
      throw new ValueError(`${op}: scaleFactor must be a number or an [h, w] pair, got ${JSON.stringify(sf)}`);
    }
    for (const s of pairSf) {
      if (typeof s !== "number" || !Number.isFinite(s) || s <= 0) {
        throw new ValueError(`${op}: scaleFactor must be a positive finite number, got ${JSON.stringify(sf)}`);
      }
    }
    scales = [pairSf[0]!, pairSf[1]!];
    outH = Math.floor(h * scales[0]);
    outW = Math.floor(w * scales[1]);
    if (outH < 1 || outW < 1) {
      throw new ShapeError(`${op}: scaleFactor ${JSON.stringify(sf)} on input ${fmtShape(x.shape)} gives output size [${outH},${outW}] (floor(size·scale)); it must be ≥ 1`);
    }
  }

  const planes = n * c, inPlane = h * w, outPlane = outH * outW;
  const out = emptyLike(x.dtype, [n, c, outH, outW]);
  const attrs: Record<string, unknown> = { mode, size: [outH, outW], scales, alignCorners: alignCorners ?? false };

  if (mode === "bilinear") {
    const align = alignCorners ?? false;
    // source pixels per output pixel (used without alignCorners): 1/scaleFactor if given, else in/out
    const scaleH = scales ? 1 / scales[0] : h / outH;
    const scaleW = scales ? 1 / scales[1] : w / outW;
    kernel("bilinear2d", x.data)(x4.data, planes, h, w, outH, outW, align, scaleH, scaleW, out.data);
    if (needsGrad(x4)) {
      record(out, op, [x4], (dy) => {
        const gx = emptyLike(dy.dtype, x4.shape);
        kernel("bilinear2dBackward", dy.data)(dy.data, planes, h, w, outH, outW, align, scaleH, scaleW, gx.data);
        return [gx];
      }, attrs);
    }
  } else if (mode === "nearest") {
    // One index map shared by every plane: output (oh, ow) reads input (srcH[oh], srcW[ow]).
    const srcH = nearestSource(h, outH, scales ? scales[0] : null);
    const srcW = nearestSource(w, outW, scales ? scales[1] : null);
    const index = new Int32Array(outPlane);
    for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) index[oh * outW + ow] = srcH[oh]! * w + srcW[ow]!;
    kernel("planeGather", x.data)(x4.data, inPlane, index, false, planes, outPlane, out.data);
    if (needsGrad(x4)) {
      record(out, op, [x4], (dy) => {
        // every output that copied an input sends its gradient back to it (scatter-add)
        const gx = emptyLike(dy.dtype, x4.shape);
        kernel("planeScatter", dy.data)(dy.data, outPlane, index, false, planes, gx.data, inPlane, true);
        return [gx];
      }, attrs);
    }
  } else {
    // bed-of-nails: integer factors sh, sw; input (i, j) lands on output (i·sh, j·sw), the rest stays zero.
    const sh = hasSize ? outH / h : scales![0], sw = hasSize ? outW / w : scales![1];
    if (!Number.isInteger(sh) || !Number.isInteger(sw)) {
      const given = hasSize ? `size [${outH},${outW}] for input [${h},${w}] (scale ${+sh.toFixed(4)}×${+sw.toFixed(4)})` : `scaleFactor ${JSON.stringify(opts.scaleFactor)}`;
      throw new ValueError(`${op}: mode 'bed-of-nails' needs integer scale factors, got ${given}`);
    }
    checkInt(op, "scaleFactor", sh, 1);
    checkInt(op, "scaleFactor", sw, 1);
    const index = new Int32Array(inPlane);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) index[i * w + j] = i * sh * outW + j * sw;
    kernel("planeScatter", x.data)(x4.data, inPlane, index, false, planes, out.data, outPlane, false);
    attrs.scales = [sh, sw];
    if (needsGrad(x4)) {
      record(out, op, [x4], (dy) => {
        // only the nails carry input values, so only they pass a gradient back
        const gx = emptyLike(dy.dtype, x4.shape);
        kernel("planeGather", dy.data)(dy.data, outPlane, index, false, planes, inPlane, gx.data);
        return [gx];
      }, attrs);
    }
  }
  return unbatched ? out.reshape([c, outH, outW]) : out;
}
