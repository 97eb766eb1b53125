// Upsampling (and resizing): interpolate with nearest, bilinear and bed-of-nails modes, by size or scale factor, and
// pixel shuffle (sub-pixel convolution's rearrangement of channels into space). Nearest, bilinear and pixelShuffle
// follow torch.nn.functional in PyTorch 1.13; bed-of-nails is the lecture's sparse upsampling (zeros with each input
// value at (i·s, j·s)), usually followed by a convolution.
import { Tensor } from "../tensor/tensor.js";
import { checkInt, contiguousStrides, fmtShape, pair, sizeOf, type Shape } from "../tensor/shape.js";
import { kernel } from "../backends/registry.js";
import { emptyLike } from "./util.js";
import { resampleFieldAxis } from "./arithmetic.js";
import { apply, defineOp, type Field, type OnnxAttr, type OnnxEmitter, type OpDef } from "./op.js";
import { ShapeError, ValueError } from "../errors.js";

/** How interpolate fills: the nearest pixel, bilinear weights, or bed-of-nails (each value at (i·s, j·s), zeros
 *  elsewhere). */
export type InterpolateMode = "nearest" | "bilinear" | "bed-of-nails";
const MODES: readonly InterpolateMode[] = ["nearest", "bilinear", "bed-of-nails"];

/** Options of interpolate: a size or a scale factor, and the mode. */
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

/** interpolate's attributes as the tape records them: the output [h, w], the user's scale factors (null when a size
 *  was given; bed-of-nails: its integer factors always), and alignCorners (bilinear; false otherwise). */
export interface InterpolateAttrs {
  /** How values are filled. */
  mode: InterpolateMode;
  /** The output's [h, w]. */
  size: [number, number];
  /** The user's scale factors, or null when a size was given. */
  scales: [number, number] | null;
  /** Bilinear's corner alignment (false for the other modes). */
  alignCorners: boolean;
}

const spatial = (s: Shape): [number, number] => [s[s.length - 2]!, s[s.length - 1]!];

/** A resampling's receptive field: the jump scales by in/out per axis; `extra` input steps more are seen. */
function resampleField(f: Field, x: Shape, y: Shape, extra: number): Field {
  const [ih, iw] = spatial(x), [oh, ow] = spatial(y);
  return [resampleFieldAxis(f[0], ih, oh, extra), resampleFieldAxis(f[1], iw, ow, extra)];
}

/** nearest and bilinear as ONNX Resize (opset 13): PyTorch's coordinate maps, by the user's scale factors when given
 *  (PyTorch maps coordinates by 1/scale then, as ONNX does with scales), else by the output size (in/out). */
function resizeOnnx(e: OnnxEmitter, x: string, a: InterpolateAttrs, y: Shape): string {
  const attrs: Record<string, OnnxAttr> = a.mode === "nearest"
    ? { mode: { string: "nearest" }, coordinate_transformation_mode: { string: "asymmetric" }, nearest_mode: { string: "floor" } }
    : { mode: { string: "linear" }, coordinate_transformation_mode: { string: a.alignCorners ? "align_corners" : "pytorch_half_pixel" } };
  const roi = e.floatConstant([], [0], "roi");
  if (a.scales && !a.alignCorners) return e.node("Resize", [x, roi, e.floatConstant([1, 1, ...a.scales], [4], "scales")], attrs);
  return e.node("Resize", [x, roi, "", e.intConstant(y, "sizes")], attrs);
}

/** One interpolate mode over x: [N,C,H,W] → [N,C,...size]; `saved` is the mode's index map (nearest, bed-of-nails). */
function interpolateDef(mode: InterpolateMode, def: Pick<OpDef<InterpolateAttrs, Int32Array | null>, "forward" | "backward" | "onnx">): OpDef<InterpolateAttrs, Int32Array | null> {
  return defineOp<InterpolateAttrs, Int32Array | null>({
    name: "interpolate",
    shape: ([x], a, op) => {
      if (x!.length !== 4) throw new ShapeError(`${op}: expects a [N,C,H,W] input, got ${fmtShape(x!)}`);
      return [x![0]!, x![1]!, ...a.size];
    },
    ...def,
    // bilinear blends two neighbours along each axis: one input step more
    field: (f, [x], _a, y) => resampleField(f, x!, y, mode === "bilinear" ? 1 : 0),
  });
}

/** Source pixels per output pixel of bilinear without alignCorners: 1/scaleFactor if given, else in/out. */
function bilinearScales(x: Shape, a: InterpolateAttrs): [number, number] {
  const [h, w] = spatial(x);
  return a.scales ? [1 / a.scales[0], 1 / a.scales[1]] : [h / a.size[0], w / a.size[1]];
}

const bilinearOp = interpolateDef("bilinear", {
  forward: ([x], a, y) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [scaleH, scaleW] = bilinearScales(x!.shape, a);
    kernel("bilinear2d", x!.operand)(x!.operand, n * c, h, w, a.size[0], a.size[1], a.alignCorners, scaleH, scaleW, y.operand);
    return null;
  },
  backward: (dy, [x], _y, a) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [scaleH, scaleW] = bilinearScales(x!.shape, a);
    const gx = emptyLike(dy.dtype, x!.shape);
    kernel("bilinear2dBackward", dy.operand)(dy.operand, n * c, h, w, a.size[0], a.size[1], a.alignCorners, scaleH, scaleW, gx.operand);
    return [gx];
  },
  onnx: { export: (e, [x], a, _x, y) => resizeOnnx(e, x!, a, y) },
});

const nearestOp = interpolateDef("nearest", {
  forward: ([x], a, y) => {
    // One index map shared by every plane: output (oh, ow) reads input (srcH[oh], srcW[ow]).
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [outH, outW] = a.size;
    const srcH = nearestSource(h, outH, a.scales ? a.scales[0] : null);
    const srcW = nearestSource(w, outW, a.scales ? a.scales[1] : null);
    const index = new Int32Array(outH * outW);
    for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) index[oh * outW + ow] = srcH[oh]! * w + srcW[ow]!;
    kernel("planeGather", x!.operand)(x!.operand, h * w, index, false, n * c, outH * outW, y.operand);
    return index;
  },
  backward: (dy, [x], _y, a, index) => {
    // every output that copied an input sends its gradient back to it (scatter-add)
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const gx = emptyLike(dy.dtype, x!.shape);
    kernel("planeScatter", dy.operand)(dy.operand, a.size[0] * a.size[1], index!, false, n * c, gx.operand, h * w, true);
    return [gx];
  },
  onnx: { export: (e, [x], a, _x, y) => resizeOnnx(e, x!, a, y) },
});

const bedOfNailsOp = interpolateDef("bed-of-nails", {
  forward: ([x], a, y) => {
    // integer factors sh, sw: input (i, j) lands on output (i·sh, j·sw), the rest stays zero
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [sh, sw] = a.scales!, outW = a.size[1];
    const index = new Int32Array(h * w);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) index[i * w + j] = i * sh * outW + j * sw;
    kernel("planeScatter", x!.operand)(x!.operand, h * w, index, false, n * c, y.operand, a.size[0] * outW, false);
    return index;
  },
  backward: (dy, [x], _y, a, index) => {
    // only the nails carry input values, so only they pass a gradient back
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const gx = emptyLike(dy.dtype, x!.shape);
    kernel("planeGather", dy.operand)(dy.operand, a.size[0] * a.size[1], index!, false, n * c, h * w, gx.operand);
    return [gx];
  },
  onnx: {
    // a depthwise transposed convolution with a 1×1 kernel of ones, stride s and output padding s − 1
    export: (e, [x], a, [xs]) => {
      const c = xs![1]!, s = a.scales!;
      const ones = e.floatConstant(new Array<number>(c).fill(1), [c, 1, 1, 1], "nails");
      return e.node("ConvTranspose", [x!, ones], { kernel_shape: { ints: [1, 1] }, strides: { ints: s }, group: { int: c }, output_padding: { ints: s.map((v) => v - 1) } });
    },
  },
});

/** The interpolate table ops, by mode (all record as 'interpolate'). */
export const INTERPOLATE: Readonly<Record<InterpolateMode, OpDef<InterpolateAttrs, Int32Array | null>>> = {
  nearest: nearestOp, bilinear: bilinearOp, "bed-of-nails": bedOfNailsOp,
};

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
  const [, c, h, w] = x4.shape as [number, number, number, number];
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

  let attrs: InterpolateAttrs = { mode, size: [outH, outW], scales, alignCorners: alignCorners ?? false };
  if (mode === "bed-of-nails") {
    // integer factors only: sh, sw from the size when one was given
    const sh = hasSize ? outH / h : scales![0], sw = hasSize ? outW / w : scales![1];
    if (!Number.isInteger(sh) || !Number.isInteger(sw)) {
      const given = hasSize ? `size [${outH},${outW}] for input [${h},${w}] (scale ${+sh.toFixed(4)}×${+sw.toFixed(4)})` : `scaleFactor ${JSON.stringify(opts.scaleFactor)}`;
      throw new ValueError(`${op}: mode 'bed-of-nails' needs integer scale factors, got ${given}`);
    }
    checkInt(op, "scaleFactor", sh, 1);
    checkInt(op, "scaleFactor", sw, 1);
    attrs = { ...attrs, scales: [sh, sw] };
  }
  const out = apply(INTERPOLATE[mode], [x4], attrs);
  return unbatched ? out.reshape([c, outH, outW]) : out;
}

/** pixelShuffle's attribute: the factor r. */
export interface PixelShuffleAttrs {
  /** r. */
  upscaleFactor: number;
}

/** x [B, C·r², H, W] (B: the leading dims, flattened) read as [B, C, r, r, H, W] and walked in the output's order
 *  [B, C, H, r, W, r]: that shape, with the input's strides for it and the output's own. */
function shuffleLayout(x: Shape, r: number): { shape: number[]; xStrides: number[]; yStrides: number[] } {
  const [ch, h, w] = x.slice(-3) as [number, number, number];
  const b = sizeOf(x.slice(0, -3)), c = ch / (r * r);
  const [sb, sc, sr1, sr2, sh, sw] = contiguousStrides([b, c, r, r, h, w]);
  const shape = [b, c, h, r, w, r];
  return { shape, xStrides: [sb!, sc!, sh!, sr1!, sw!, sr2!], yStrides: contiguousStrides(shape) };
}

/** Pixel shuffle (Shi et al. 2016, sub-pixel convolution), as torch.nn.functional.pixel_shuffle:
 *  y[…, c, h·r + i, w·r + j] = x[…, c·r² + i·r + j, h, w]. A permutation: forward and backward are strided copies.
 *  ONNX: DepthToSpace in mode CRD (the same channel order). */
export const pixelShuffleOp = defineOp<PixelShuffleAttrs>({
  name: "pixelShuffle",
  shape: (xs, a, op) => {
    const x = xs[0]!, r = a.upscaleFactor;
    if (x.length < 3) throw new ShapeError(`${op}: expects an input with at least 3 dims [*,C·r²,H,W], got ${fmtShape(x)}`);
    const [ch, h, w] = x.slice(-3) as [number, number, number];
    if (ch % (r * r) !== 0) throw new ShapeError(`${op}: the ${ch} channels of input ${fmtShape(x)} are not divisible by upscaleFactor² = ${r * r}`);
    return [...x.slice(0, -3), ch / (r * r), h * r, w * r];
  },
  forward: ([x], a, y) => {
    const { shape, xStrides, yStrides } = shuffleLayout(x!.shape, a.upscaleFactor);
    kernel("copyStrided", x!.operand)(x!.operand, 0, xStrides, shape, y.operand, 0, yStrides, false);
  },
  // the inverse permutation (pixel unshuffle) of the output's gradient
  backward: (g, [x], _y, a) => {
    const { shape, xStrides, yStrides } = shuffleLayout(x!.shape, a.upscaleFactor);
    const gx = emptyLike(g.dtype, x!.shape);
    kernel("copyStrided", g.operand)(g.operand, 0, yStrides, shape, gx.operand, 0, xStrides, false);
    return [gx];
  },
  onnx: {
    // DepthToSpace takes [N,C,H,W] only: other ranks go through a 4-D reshape
    export: (e, [x], a, [xs], y) => {
      const node = (v: string): string => e.node("DepthToSpace", [v], { blocksize: { int: a.upscaleFactor }, mode: { string: "CRD" } });
      if (xs!.length === 4) return node(x!);
      const x4 = e.node("Reshape", [x!, e.intConstant([sizeOf(xs!.slice(0, -3)), ...xs!.slice(-3)])]);
      return e.node("Reshape", [node(x4), e.intConstant(y)]);
    },
  },
  // each output position copies one input position: the jump shrinks by r, the size stays
  field: (f, [x], _a, y) => resampleField(f, x!, y, 0),
});

/** Rearranges x: [*, C·r², H, W] → [*, C, H·r, W·r] (sub-pixel convolution's upsampling), as
 *  torch.nn.functional.pixel_shuffle; differentiable (the gradient is the inverse rearrangement). */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  checkInt("pixelShuffle", "upscaleFactor", upscaleFactor, 1);
  return apply(pixelShuffleOp, [x], { upscaleFactor });
}
