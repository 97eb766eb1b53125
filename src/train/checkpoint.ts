// Checkpoints as one .safetensors file: the model's tensors under "model.", the optimizer's buffers under
// "optimizer.<param>.<name>", and everything else (epoch, step, callbacks' state such as schedules, RNG, config,
// class names) as JSON in the metadata. Any safetensors reader can open it; convkit predict/eval/export read the
// model from it.
import { Tensor } from "../tensor/tensor.js";
import { FormatError } from "../errors.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import type { LoadResult, StateDict } from "../nn/module.js";
import type { OptimizerState, ParamState } from "../optim/optimizer.js";
import type { Best, EpochStats } from "./fit.js";

/** The version string every checkpoint records; decodeCheckpoint refuses others. */
export const CHECKPOINT_FORMAT = "convkit-checkpoint-1";

/** What a training run needs to continue exactly where it stopped (besides the tensors). */
export interface CheckpointMeta {
  /** CHECKPOINT_FORMAT. */
  format: typeof CHECKPOINT_FORMAT;
  /** Zoo name of the model and the options it was built with (fit on a user's model: its class name, {}). */
  model: string;
  /** The options the model was built with. */
  modelOptions: Record<string, unknown>;
  /** Dataset spec, class names and the normalisation the model expects (empty where fit was not told). */
  dataset: string;
  /** The class names, label = index. */
  classes: string[];
  /** Per-channel mean the inputs were normalised with. */
  mean: number[];
  /** Per-channel standard deviation the inputs were normalised with. */
  std: number[];
  /** Input [C,H,W] of the model. */
  inputShape: number[];
  /** Epochs finished and the batches of the next one already done; epoch = epochs and batch 0 when finished. */
  epoch: number;
  /** Batches of the epoch in progress already done. */
  batch: number;
  /** Optimizer steps taken in total. */
  step: number;
  /** Partial sums of the epoch in progress (so its train metrics come out the same after a resume). */
  epochStats: EpochStats;
  /** The best epoch so far (counted from 1) by the monitored value. */
  best: Best;
  /** The training configuration (convkit train's settings). */
  config: Record<string, unknown>;
  /** The optimizer's class, its groups' hyper-parameters and its per-parameter counters (its buffers are tensors of
   *  the file); null when it was not saved. */
  optimizer: {
    /** The optimizer's class name ("SGD", "Adam"…). */
    kind: string;
    /** Each group's hyper-parameters. */
    groups: OptimizerState["groups"];
    /** Per-parameter numeric state (step counts), by parameter index. */
    scalars: Record<number, Record<string, number>>;
  } | null;
  /** Each fit callback's state (learning-rate schedules, early stopping), in order; null for those without. */
  callbacks: unknown[];
  /** State of the default generator (dropout, random init). */
  rng: number[];
}

/** A training checkpoint: the run's metadata, the model's weights and the optimizer's buffers. */
export interface Checkpoint {
  /** Everything but the tensors, as JSON in the file's metadata. */
  meta: CheckpointMeta;
  /** The model's state dict (stored under "model."). */
  model: StateDict;
  /** The optimizer's per-parameter buffers (momentum, Adam's moments) by parameter index and name. */
  optimizerBuffers: Record<number, Record<string, Float32Array | Float64Array>>;
}

const META_KEY = "convkit.checkpoint";

/** The optimizer state split into tensors (buffers) and JSON (groups, counters). */
export function splitOptimizerState(kind: string, sd: OptimizerState): {
  /** The JSON part: kind, groups and counters. */
  meta: NonNullable<CheckpointMeta["optimizer"]>;
  /** The arrays, stored as tensors. */
  buffers: Checkpoint["optimizerBuffers"];
} {
  const scalars: Record<number, Record<string, number>> = {};
  const buffers: Checkpoint["optimizerBuffers"] = {};
  for (const [i, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (typeof v === "number") (scalars[Number(i)] ??= {})[k] = v;
      else (buffers[Number(i)] ??= {})[k] = v;
    }
  }
  return { meta: { kind, groups: sd.groups, scalars }, buffers };
}

/** Join them back into an OptimizerState. */
export function joinOptimizerState(ck: Checkpoint): OptimizerState | null {
  const o = ck.meta.optimizer;
  if (!o) return null;
  const state: Record<number, ParamState> = {};
  for (const [i, s] of Object.entries(o.scalars)) Object.assign((state[Number(i)] ??= {}), s);
  for (const [i, s] of Object.entries(ck.optimizerBuffers)) Object.assign((state[Number(i)] ??= {}), s);
  return { state, groups: o.groups };
}

/** A checkpoint as the bytes of one .safetensors file (model tensors, optimizer buffers, metadata as JSON). */
export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of ck.model) tensors.set(`model.${k}`, t);
  for (const [i, s] of Object.entries(ck.optimizerBuffers)) {
    for (const [k, v] of Object.entries(s)) tensors.set(`optimizer.${i}.${k}`, new Tensor(v instanceof Float32Array ? v : Float32Array.from(v), [v.length]));
  }
  return saveSafetensors(tensors, { [META_KEY]: JSON.stringify(ck.meta) });
}

/** Why a state dict did not fit a model, in one short line ("3 missing keys (a, b, c); 1 shape mismatch (…)"), the
 *  way `convkit predict` says it: counts and the first few keys, never the whole list; null when it fits. */
export function describeFit(r: LoadResult): string | null {
  const some = (keys: readonly string[]): string => (keys.length > 3 ? `${keys.slice(0, 3).join(", ")}, … (${keys.length - 3} more)` : keys.join(", "));
  const parts: string[] = [];
  if (r.missingKeys.length) parts.push(`${r.missingKeys.length} missing keys (${some(r.missingKeys)})`);
  if (r.unexpectedKeys.length) parts.push(`${r.unexpectedKeys.length} unexpected keys (${some(r.unexpectedKeys)})`);
  if (r.shapeMismatches.length) {
    const m = r.shapeMismatches[0]!;
    parts.push(`${r.shapeMismatches.length} shape mismatches (${m.key}: model [${m.expected.join(",")}], file [${m.got.join(",")}])`);
  }
  return parts.length ? parts.join("; ") : null;
}

/** Whether safetensors metadata marks a convkit checkpoint. */
export function isCheckpointMetadata(metadata: Record<string, string>): boolean {
  return META_KEY in metadata;
}

/** Read a checkpoint from a .safetensors file's bytes; a file that is not one (or of another format version) is a
 *  FormatError naming `name`. */
export function decodeCheckpoint(bytes: Uint8Array, name = "checkpoint"): Checkpoint {
  const { tensors, metadata } = loadSafetensors(bytes, { name });
  const raw = metadata[META_KEY];
  if (raw === undefined) throw new FormatError(`${name}: a safetensors file but not a convkit checkpoint (no '${META_KEY}' metadata)`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw) as CheckpointMeta;
  } catch {
    throw new FormatError(`${name}: checkpoint metadata is not valid JSON`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) throw new FormatError(`${name}: unknown checkpoint format '${String(meta.format)}' (expected ${CHECKPOINT_FORMAT})`);
  const model: StateDict = new Map();
  const optimizerBuffers: Checkpoint["optimizerBuffers"] = {};
  for (const [k, t] of tensors) {
    if (k.startsWith("model.")) model.set(k.slice(6), t);
    else if (k.startsWith("optimizer.")) {
      const [, i, ...rest] = k.split(".");
      (optimizerBuffers[Number(i)] ??= {})[rest.join(".")] = t.data as Float32Array;
    }
  }
  return { meta, model, optimizerBuffers };
}
