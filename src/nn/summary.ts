// Model summary: per leaf-layer call the name, type, output shape, parameters, multiply-accumulates, activation bytes
// and receptive field, with totals; as data (summarize), as a table (formatSummary), printed (printSummary).
//
// Everything is read from the op table through the tape of one forward pass (on a meta tensor by default: shapes
// only, no arithmetic): a layer's MACs are the sum of its ops' `macs` rules (conv: output elements × Cin/groups × kh ×
// kw; transposed conv: input elements × Cout/groups × kh × kw; linear and matmul: output elements × the shared dim;
// everything else 0), and the receptive field of every tensor follows its producing op's `field` rule from the input
// (size 1, jump 1): windows add d(k−1)·jump and multiply the jump by the stride, resampling scales the jump by in/out,
// a linear layer sees its whole input map. An op without a rule keeps positions (element-wise ops, normalisation,
// flatten) or, joining branches (a residual sum, a concatenation), takes the largest field among its inputs: the
// union of what they see, which is the main (deepest) path's.
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import { producer, type Field } from "../ops/op.js";
import { ValueError } from "../errors.js";
import type { AnyModule, HookHandle, Module } from "./module.js";

/** Receptive field along [height, width]. */
export interface ReceptiveField {
  /** Input pixels one output element sees. */
  size: [number, number];
  /** Input distance between neighbouring outputs (fractional after upsampling). */
  jump: [number, number];
}

/** One leaf layer call in a summary. */
export interface LayerSummary {
  /** Dotted path of the module ("layer1.0.conv1"). */
  name: string;
  /** The module's type name ("Conv2d"). */
  type: string;
  /** The shape of its output. */
  outputShape: number[];
  /** Parameters owned by this layer (0 for a second call of a reused layer). */
  params: number;
  /** Multiply-accumulates of the call. */
  macs: number;
  /** Bytes of the output tensor. */
  activationBytes: number;
  /** The receptive field of its output on the model's input, or null where it does not depend on the input. */
  receptiveField: ReceptiveField | null;
}

/** What summarize returns: every leaf layer call and the totals. */
export interface SummaryData {
  /** The model's type name. */
  model: string;
  /** The input the model ran on. */
  inputShape: number[];
  /** Every leaf layer call, in call order. */
  layers: LayerSummary[];
  /** Sums over the model. */
  totals: {
    /** Parameter elements. */
    params: number;
    /** Parameter elements with requiresGrad. */
    trainableParams: number;
    /** Multiply-accumulates of one forward. */
    macs: number;
    /** Sum of every layer output's bytes (what a forward keeps alive for backward, roughly). */
    activationBytes: number;
    /** Bytes of the parameters. */
    paramBytes: number;
    /** Bytes of the input. */
    inputBytes: number;
  };
  /** Whether layers only computed shapes (the default) or ran their arithmetic. */
  shapeOnly: boolean;
  /** Time the pass took, in milliseconds. */
  elapsedMs: number;
}

/** Options of summarize. */
export interface SummaryOptions {
  /** Skip the arithmetic of leaf layers, computing shapes and costs only (fast even for VGG). Default true. */
  shapeOnly?: boolean;
}

const spatial = (shape: readonly number[]): [number, number] =>
  shape.length >= 3 ? [shape[shape.length - 2]!, shape[shape.length - 1]!] : [1, 1];

/** The receptive field of every tensor reached from the input through the tape, memoised. */
class FieldTracker {
  private readonly fields = new Map<Tensor, Field | null>();

  constructor(input: Tensor) {
    const [gh, gw] = spatial(input.shape);
    this.fields.set(input, [{ size: 1, jump: 1, grid: gh }, { size: 1, jump: 1, grid: gw }]);
  }

  /** The field of `root`, or null when it does not depend on the input. Iterative: deep networks have long tapes. */
  of(root: Tensor): Field | null {
    const stack: Tensor[] = [root];
    while (stack.length > 0) {
      const t = stack[stack.length - 1]!;
      if (this.fields.has(t)) { stack.pop(); continue; }
      const inputs = t.gradFn?.inputs ?? [];
      const pending = inputs.filter((i) => !this.fields.has(i));
      if (pending.length > 0) { stack.push(...pending); continue; }
      stack.pop();
      this.fields.set(t, this.compute(t, inputs));
    }
    return this.fields.get(root) ?? null;
  }

  private compute(t: Tensor, inputs: readonly Tensor[]): Field | null {
    const made = producer(t);
    const first = inputs.find((i) => this.fields.get(i));
    if (made?.op.field && first) return made.op.field(this.fields.get(first)!, inputs.map((i) => i.shape), made.attrs, t.shape);
    // positions pass through, or branches join: the largest field among the inputs
    let best: Field | null = null;
    for (const i of inputs) {
      const f = this.fields.get(i);
      if (f && (!best || f[0].size * f[1].size > best[0].size * best[1].size)) best = f;
    }
    return best;
  }
}

/** Multiply-accumulates of the table ops between a layer's inputs and its output. */
function macsBetween(out: Tensor, inputs: readonly unknown[]): number {
  const stop = new Set(inputs.filter((i): i is Tensor => i instanceof Tensor));
  const seen = new Set<Tensor>();
  const stack = [out];
  let macs = 0;
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || stop.has(t) || !t.gradFn) continue;
    seen.add(t);
    const made = producer(t);
    if (made?.op.macs) macs += made.op.macs(made.inputs.map((i) => i.shape), made.attrs, t.shape);
    stack.push(...t.gradFn.inputs);
  }
  return macs;
}

/** Run `model` once on zeros of `inputShape` (in eval mode; shape-only by default) and describe every leaf layer call. */
export function summarize(model: Module<[Tensor], unknown>, inputShape: readonly number[], opts: SummaryOptions = {}): SummaryData {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ValueError(`summary: inputShape must be a list of positive integers like [1,3,224,224], got ${JSON.stringify(inputShape)}`);
  }
  const shapeOnly = opts.shapeOnly ?? true;
  // requiresGrad makes every op record itself on the tape, which the costs and fields are read from
  const input = shapeOnly ? Tensor.meta(inputShape) : zeros(inputShape);
  input.requiresGrad = true;
  const fields = new FieldTracker(input);

  const layers: LayerSummary[] = [];
  const counted = new Set<AnyModule>();
  const handles: HookHandle[] = [];
  for (const [name, m] of model.namedModules()) {
    if ([...m.children()].length > 0) continue;
    handles.push(m.registerForwardHook((mod, inputs, output) => {
      const out = output instanceof Tensor ? output : Array.isArray(output) && output[0] instanceof Tensor ? output[0] : null;
      if (!out) return undefined;
      const field = fields.of(out);
      const params = counted.has(mod) ? 0 : [...mod.parameters(false)].reduce((n, p) => n + p.size, 0);
      counted.add(mod);
      layers.push({
        name, type: mod.typeName, outputShape: [...out.shape], params, macs: macsBetween(out, inputs),
        activationBytes: out.size * bytesPer(out),
        receptiveField: field ? { size: [field[0].size, field[1].size], jump: [field[0].jump, field[1].jump] } : null,
      });
      return undefined;
    }));
  }

  const wasTraining = model.training;
  model.eval();
  const t0 = Date.now();
  try {
    model.call(input);
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  const elapsedMs = Date.now() - t0;
  let params = 0, trainable = 0, paramBytes = 0;
  for (const p of model.parameters()) {
    params += p.size;
    if (p.requiresGrad) trainable += p.size;
    paramBytes += p.size * bytesPer(p);
  }
  return {
    model: model.typeName, inputShape: [...inputShape], layers,
    totals: {
      params, trainableParams: trainable,
      macs: layers.reduce((n, l) => n + l.macs, 0),
      activationBytes: layers.reduce((n, l) => n + l.activationBytes, 0),
      paramBytes, inputBytes: input.size * bytesPer(input),
    },
    shapeOnly, elapsedMs,
  };
}

/** Bytes per element of t's dtype. */
const bytesPer = (t: Tensor): number => (t.dtype === "float64" ? 8 : 4);

/** Alias of summarize. */
export const summary = summarize;

const group = (n: number): string => Math.round(n).toLocaleString("en-US");

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function field(rf: ReceptiveField | null): string {
  if (!rf) return "-";
  const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  const size = rf.size[0] === rf.size[1] ? num(rf.size[0]) : `${num(rf.size[0])}x${num(rf.size[1])}`;
  const jump = rf.jump[0] === rf.jump[1] ? num(rf.jump[0]) : `${num(rf.jump[0])}x${num(rf.jump[1])}`;
  return `${size} / ${jump}`;
}

/** The summary as an aligned text table with totals. */
export function formatSummary(data: SummaryData): string {
  const header = ["Layer", "Type", "Output shape", "Params", "MACs", "Activations", "RF size / jump"];
  const rows = data.layers.map((l) => [l.name || "(model)", l.type, fmtShape(l.outputShape), group(l.params), group(l.macs), bytes(l.activationBytes), field(l.receptiveField)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([3, 4, 5]);
  const line = (cells: string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  const t = data.totals;
  return [
    `${data.model} on input ${fmtShape(data.inputShape)}`,
    rule, line(header), rule, ...rows.map(line), rule,
    `Total params:        ${group(t.params)}`,
    `Trainable params:    ${group(t.trainableParams)}`,
    `Total MACs:          ${group(t.macs)} (${(t.macs / 1e9).toFixed(3)} G)`,
    `Input size:          ${bytes(t.inputBytes)}`,
    `Activations (sum):   ${bytes(t.activationBytes)}`,
    `Params size:         ${bytes(t.paramBytes)}`,
    rule,
  ].join("\n");
}

/** Options of printSummary: summarize's, and where the table goes. */
export interface PrintSummaryOptions extends SummaryOptions {
  /** Receives the whole table as one string; default console.log. */
  print?: (text: string) => void;
}

/**
 * Print the layer table of `model` run on `inputShape` — Keras's `model.summary()`, torchinfo's `summary` — and return
 * its data: `nn.printSummary(models.resnet18(), [1, 3, 224, 224])`. summarize + formatSummary + console.log.
 */
export function printSummary(model: Module<[Tensor], unknown>, inputShape: readonly number[], opts: PrintSummaryOptions = {}): SummaryData {
  const data = summarize(model, inputShape, opts);
  (opts.print ?? console.log)(formatSummary(data));
  return data;
}
