// The op table's unit: an op defined once, as one typed record — its name, its attributes, its only shape rule (with
// the argument checks), its forward through the backend's kernels, its backward, its ONNX form, and where they apply
// its cost (multiply-accumulates) and receptive-field rule. `run` is the one path every table op takes: shape rule →
// output of that shape → forward (skipped on meta tensors, which carry shapes only) → the tape records the op and
// its attributes. nn's shape pass, nn.summarize and ONNX export read the same records; docs/architecture.md says how
// to add an op.
// Every table op's backward calls Tensor methods, and its users call x.backward(): loading the table installs both
// (the tensor layer defines neither). tensor-methods.ts imports the op families, which import this file: its top
// level touches none of their bindings, so whichever module loads first, the cycle resolves.
import "./tensor-methods.js";
import "../autograd/backward.js";
import { Tensor } from "../tensor/tensor.js";
import { allocateOutput, type DType } from "../tensor/dtype.js";
import { isTensorMemory, startTracking, stopTracking, type TensorMemory } from "../tensor/memory.js";
import { sizeOf, type Shape } from "../tensor/shape.js";
import { recordOp } from "../autograd/graph.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { ValueError } from "../errors.js";

/** An op or attribute that ONNX cannot express; the message names the op. */
export class OnnxExportError extends ValueError {}

/** The input shapes an op's rules see, in input order. */
export type Shapes = readonly Shape[];

/** A receptive field along one axis, in input pixels: the size one position sees, the input distance between
 *  neighbouring positions (fractional after upsampling), and the positions of the feature map (grid). */
export interface FieldAxis {
  size: number;
  jump: number;
  grid: number;
}
/** Receptive field along [height, width]. */
export type Field = readonly [FieldAxis, FieldAxis];

/** An ONNX attribute value, with its ONNX kind. */
export type OnnxAttr = { ints: readonly number[] } | { int: number } | { float: number } | { string: string };

/** What an op's ONNX form writes with: nodes and constants in the graph being exported. */
export interface OnnxEmitter {
  /** Appends a node of `opType` over the named inputs ("" for an omitted optional input); returns its output's name. */
  node(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** A float32 constant (an initializer) of `shape`; returns its name. */
  floatConstant(values: readonly number[], shape: readonly number[], base?: string): string;
  /** An int64 vector constant; returns its name. */
  intConstant(values: readonly number[], base?: string): string;
}

/** How an op is written as ONNX. */
export interface OnnxForm<A> {
  /** Emits the node(s) computing the op's output from its inputs' names and returns the output's name. Throws an
   *  OnnxExportError (ValueError) naming the op for attribute values ONNX cannot express. */
  export(e: OnnxEmitter, inputs: readonly string[], a: A, x: Shapes, y: Shape): string;
}

/** One op. Every member without a `?` must be given, so a definition that forgets its shape rule, forward,
 *  gradient or ONNX form does not compile; `backward: null` and `onnx: null` say "none" explicitly. */
export interface OpDef<A, S = void> {
  readonly name: string;
  /** Checks the input shapes and attributes; returns the output shape. The op's only shape rule: layers' shape pass,
   *  summaries and the ONNX importer's dry run all use it. Errors name `caller`, the public function the user called
   *  (convolve2d runs conv2d), which is the op's name unless given. */
  shape(x: Shapes, a: A, caller: string): number[];
  /** Computes into `y` (of the rule's shape: zero-filled, unless the op `overwrites` it) through the kernels of the backend holding the inputs;
   *  returns what the backward (or a caller asking for it) needs besides the inputs and the output (pooling's
   *  indices…), which it may skip computing when `save` is false. */
  forward(x: readonly Tensor[], a: A, y: Tensor, save: boolean): S;
  /** The inputs' gradients from the output's gradient `g` (null for an input that gets none), or null for an op
   *  without a gradient (comparisons, argmax). */
  readonly backward: ((g: Tensor, x: readonly Tensor[], y: Tensor, a: A, saved: S) => readonly (Tensor | null)[]) | null;
  /** The ONNX form, or null where ONNX has none (export then names the op). */
  readonly onnx: OnnxForm<A> | null;
  /** The output's dtype from the attributes; absent: the first input's (`to` converts). */
  dtype?(a: A): DType;
  /** A view: the output shares the first input's storage (reshape), and `forward` is not called. */
  readonly view?: boolean;
  /** The forward's kernels write every element of `y` on every backend: the runner may hand it memory that holds old
   *  values (a buffer an inference scope reused) instead of zeroing it first — zeroing the reused activations cost a
   *  fifth of MobileNetV2's batch-1 inference. Ops that leave zeros in place (padding, scatters) must not say so;
   *  test/nn/inference-scope.test.ts fills such buffers with NaN to catch one that does. */
  readonly overwrites?: boolean;
  /** Multiply-accumulates, for summaries; absent: 0 (memory-bound ops). */
  macs?(x: Shapes, a: A, y: Shape): number;
  /** The receptive field after the op from the field of its first input; absent: positions pass through unchanged
   *  (element-wise ops, normalisation), or for ops joining branches, the largest field among the inputs. */
  field?(f: Field, x: Shapes, a: A, y: Shape): Field;
}

/** Any op definition, as the tape stores it (attributes and saved values are the op's own types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpDef = OpDef<any, any>;

/** Declares an op: the definition, frozen. */
export function defineOp<A, S = void>(def: OpDef<A, S>): OpDef<A, S> {
  return Object.freeze(def);
}

export interface RunOptions {
  /** Keep what the forward saves even when nothing is recorded (maxPool2d's returnIndices). */
  keepSaved?: boolean;
  /** The public function's name for error messages, if not the op's. */
  caller?: string;
}

/** Runs `op` on `x` with attributes `a`: its output, and what its forward saved (undefined on meta tensors) when the
 *  tape records it or `keepSaved` asks for it. */
export function run<A, S>(op: OpDef<A, S>, x: readonly Tensor[], a: A, opts: RunOptions = {}): { y: Tensor; saved: S | undefined } {
  const keepSaved = opts.keepSaved ?? false;
  const shape = op.shape(x.map((t) => t.shape), a, opts.caller ?? op.name);
  const dtype = op.dtype?.(a) ?? x[0]?.dtype ?? "float32";
  const meta = x.some((t) => t.isMeta);
  // meta tensors record too (when an input requires grad): summaries walk the tape of a shape-only pass
  const recorded = isGradEnabled() && x.some((t) => t.requiresGrad) && (op.backward !== null || meta);
  const y = op.view ? new Tensor(x[0]!.storage, shape)
    : meta ? Tensor.meta(shape, dtype) : new Tensor(allocateOutput(dtype, sizeOf(shape), opts.caller ?? op.name, shape, !op.overwrites), shape);
  // what the forward allocates and saves for the backward alone is released once a backward has used it
  const made = recorded && !keepSaved && !meta && !op.view ? startTracking() : null;
  let saved: S | undefined;
  try {
    saved = meta || op.view ? undefined : op.forward(x, a, y, recorded || keepSaved);
  } finally {
    if (made) stopTracking(made);
  }
  if (recorded) {
    recordOp(y, op, x, a, saved);
    if (made && made.size > 0) {
      const own = arraysIn(saved).filter((d) => made.has(d) && d !== y.storage.memory);
      if (own.length > 0) y.gradFn!.releasable = own;
    }
  }
  return { y, saved };
}

/** The arrays in what a forward saved: typed arrays, device arrays and tensors' memory, alone or in arrays and plain
 *  objects. */
function arraysIn(v: unknown, into: TensorMemory[] = [], depth = 0): TensorMemory[] {
  if (v instanceof Tensor) { if (!v.isMeta) into.push(v.storage.memory!); }
  else if (isTensorMemory(v)) into.push(v);
  else if (depth < 3 && Array.isArray(v)) for (const e of v) arraysIn(e, into, depth + 1);
  else if (depth < 3 && v !== null && typeof v === "object") for (const e of Object.values(v)) arraysIn(e, into, depth + 1);
  return into;
}

/** Runs `op` and returns its output. */
export function apply<A, S>(op: OpDef<A, S>, x: readonly Tensor[], a: A, opts: RunOptions = {}): Tensor {
  return run(op, x, a, opts).y;
}

/** The table op, its attributes and its inputs that made `t`, or null (a leaf, or an op outside the table). */
export function producer(t: Tensor): { op: AnyOpDef; attrs: unknown; inputs: readonly Tensor[] } | null {
  const fn = t.gradFn;
  return fn?.op ? { op: fn.op as AnyOpDef, attrs: fn.attrs, inputs: fn.inputs } : null;
}
