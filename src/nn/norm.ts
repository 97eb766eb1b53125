// Normalisation layers, like torch.nn.BatchNorm1d/2d (learned γ, β; running_mean, running_var, num_batches_tracked
// buffers) and LocalResponseNorm (AlexNet).
import { Tensor } from "../tensor/tensor.js";
import { ones, zeros } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import { batchNorm, localResponseNorm, type BatchNormActivation } from "../ops/norm.js";
import { ShapeError, ValueError } from "../errors.js";
import { Module } from "./module.js";
import { pyBool, pyFloat } from "./repr.js";
import { markKeepsNoTensors } from "./inference-scope.js";

/** Options of BatchNorm1d and BatchNorm2d (PyTorch's defaults). */
export interface BatchNormOptions {
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Weight of each batch in the running statistics; null for a cumulative average (1/num_batches_tracked). Default 0.1. */
  momentum?: number | null;
  /** Learn γ and β. Default true. */
  affine?: boolean;
  /** Keep running statistics (used in eval). Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  /** Channels (C). */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of each batch in the running statistics; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether γ (weight) and β (bias) are learnt. */
  readonly affine: boolean;
  /** Whether running statistics are kept (and used in eval mode). */
  readonly trackRunningStats: boolean;
  /** γ, one per channel (null without affine). */
  readonly weight: Tensor | null;
  /** β, one per channel (null without affine). */
  readonly bias: Tensor | null;
  /** Running mean of each channel (a buffer; null without trackRunningStats). */
  readonly runningMean: Tensor | null;
  /** Running (unbiased) variance of each channel (a buffer; null without trackRunningStats). */
  readonly runningVar: Tensor | null;
  /** Training batches seen (a buffer, PyTorch's num_batches_tracked). */
  readonly numBatchesTracked: Tensor | null;

  /** The input ranks the layer takes. */
  protected abstract readonly ranks: readonly number[];

  /**
   * @param numFeatures Channels (C).
   * @param opts eps, momentum, affine and trackRunningStats.
   */
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ValueError(`${new.target.name}: numFeatures must be an integer ≥ 1, got ${String(numFeatures)}`);
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.registerParameter("weight", this.affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter("bias", this.affine ? zeros([numFeatures]) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer("running_mean", track ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer("running_var", track ? ones([numFeatures]) : null);
    // PyTorch keeps this as an int64 scalar; here it is a float32 scalar (exact up to 2^24 batches)
    this.numBatchesTracked = this.registerBuffer("num_batches_tracked", track ? zeros([]) : null);
  }

  forward(x: Tensor): Tensor {
    return this.forwardWith(x, null);
  }

  /** The forward with `activation` applied to its result in the same pass over the data (null: none) — the same
   *  values as the activation's layer after it: what Sequential runs in an inference. */
  forwardWith(x: Tensor, activation: BatchNormActivation | null): Tensor {
    this.checkInput(x.shape);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      this.numBatchesTracked.data[0] = this.numBatchesTracked.data[0]! + 1;
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.data[0]!;
    }
    // like PyTorch: batch statistics in training, or whenever there are no running statistics
    const useBatch = this.training || !this.runningMean;
    return batchNorm(x, useBatch && !this.training ? null : this.runningMean, useBatch && !this.training ? null : this.runningVar, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps, activation,
    });
  }

  private checkInput(s: readonly number[]): void {
    if (!this.ranks.includes(s.length) || s[1] !== this.numFeatures) {
      throw new ShapeError(`${this.typeName}: expected input of rank ${this.ranks.join(" or ")} with ${this.numFeatures} channels in dim 1, got ${fmtShape(s)}`);
    }
  }


  override extraRepr(): string {
    const m = this.momentum === null ? "None" : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch norm over [N,C] or [N,C,L]. */
export class BatchNorm1d extends BatchNormBase {
  /** [N,C] or [N,C,L]. */
  protected readonly ranks = [2, 3];
}

/** Batch norm over [N,C,H,W]: per channel, statistics over N, H and W (Ioffe & Szegedy 2015). */
export class BatchNorm2d extends BatchNormBase {
  /** [N,C,H,W]. */
  protected readonly ranks = [4];
}

/** Options of LocalResponseNorm (PyTorch's defaults). */
export interface LocalResponseNormOptions {
  /** Scale of the neighbours' energy (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Added before the exponent (default 1). */
  k?: number;
}

/** Normalises each activation by the energy of `size` neighbouring channels (AlexNet §3.3). */
export class LocalResponseNorm extends Module {
  /** Scale of the neighbours' energy. */
  readonly alpha: number;
  /** Exponent. */
  readonly beta: number;
  /** Added before the exponent. */
  readonly k: number;
  /**
   * @param size Channels in the neighbourhood.
   * @param opts alpha, beta and k.
   */
  constructor(readonly size: number, opts: LocalResponseNormOptions = {}) {
    super();
    if (!Number.isInteger(size) || size < 1) throw new ValueError(`LocalResponseNorm: size must be an integer ≥ 1, got ${String(size)}`);
    this.alpha = opts.alpha ?? 1e-4;
    this.beta = opts.beta ?? 0.75;
    this.k = opts.k ?? 1;
  }
  forward(x: Tensor): Tensor {
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

markKeepsNoTensors(BatchNorm1d, BatchNorm2d, LocalResponseNorm);
