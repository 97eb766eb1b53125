// Upsample, like torch.nn.Upsample, with the lecture's three unpooling modes: nearest, bilinear and bed-of-nails; and
// PixelShuffle, like torch.nn.PixelShuffle.
import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { interpolate, pixelShuffle, type InterpolateMode } from "../ops/upsample.js";
import { ShapeError, ValueError } from "../errors.js";
import { Module } from "./module.js";
import { pyBool, pyFloat } from "./repr.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** Options of Upsample: a size or a scale factor, and the mode. */
export interface UpsampleOptions {
  /** Output [h, w] (or one number for both). Give this or scaleFactor. */
  size?: number | readonly [number, number];
  /** Output = floor(input · scaleFactor). Integers only for 'bed-of-nails'. */
  scaleFactor?: number | readonly [number, number];
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /** Bilinear only. */
  alignCorners?: boolean;
}

/** Resize feature maps [N,C,H,W] to a size or by a factor: nearest, bilinear or bed-of-nails (torch.nn.Upsample). */
export class Upsample extends Module {
  /** The output's [h, w], or null when a scale factor is given. */
  readonly size: [number, number] | null;
  /** [fh, fw], or null when a size is given. */
  readonly scaleFactor: [number, number] | null;
  /** How values are interpolated. */
  readonly mode: InterpolateMode;
  /** Bilinear's corner alignment, or null for the other modes. */
  readonly alignCorners: boolean | null;
  /** @param opts A size or a scale factor, the mode and alignCorners. */
  constructor(opts: UpsampleOptions) {
    super();
    const toPair = (v: number | readonly [number, number]): [number, number] => (typeof v === "number" ? [v, v] : [v[0], v[1]]);
    if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new ValueError("Upsample: give exactly one of size and scaleFactor");
    this.size = opts.size === undefined ? null : toPair(opts.size);
    this.scaleFactor = opts.scaleFactor === undefined ? null : toPair(opts.scaleFactor);
    this.mode = opts.mode ?? "nearest";
    this.alignCorners = opts.alignCorners ?? null;
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners });
  }
  override extraRepr(): string {
    const sizeOrScale = this.size
      ? `size=(${this.size.join(", ")})`
      : `scale_factor=${this.scaleFactor![0] === this.scaleFactor![1] ? pyFloat(this.scaleFactor![0]) : `(${this.scaleFactor!.map(pyFloat).join(", ")})`}`;
    return `${sizeOrScale}, mode=${this.mode}${this.alignCorners === null ? "" : `, align_corners=${pyBool(this.alignCorners)}`}`;
  }
}

/** [*, C·r², H, W] → [*, C, H·r, W·r]: channels rearranged into r×r blocks (sub-pixel convolution's upsampling). */
export class PixelShuffle extends Module {
  /** @param upscaleFactor r: each r² channels become an r×r block of one channel. */
  constructor(readonly upscaleFactor: number) {
    super();
    if (!Number.isInteger(upscaleFactor) || upscaleFactor < 1) throw new ValueError(`PixelShuffle: upscaleFactor must be an integer ≥ 1, got ${String(upscaleFactor)}`);
  }
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

markKeepsNoTensors(Upsample, PixelShuffle);
