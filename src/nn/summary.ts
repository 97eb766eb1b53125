// Model summary: per leaf-layer call the name, type, output shape, parameters, multiply-accumulates, activation bytes
// and receptive field, with totals; as data (summarize) and as a table (formatSummary).
//
// MACs follow the usual count: conv = output elements × Cin/groups × kh × kw; transposed conv = input elements ×
// Cout/groups × kh × kw (each input scatters one kernel); linear = output elements × in features; everything else 0.
//
// Receptive field (per axis, in input pixels): the input starts at size 1, jump 1. A window layer (conv, pooling)
// with kernel k, dilation d and stride s gives size + (d(k−1))·jump and jump·s; a transposed conv with stride s reaches
// ceil((d(k−1)+1)/s) inputs per output (size + (that − 1)·jump) and divides the jump by s; nearest/bed-of-nails
// upsampling divides the jump by the factor, bilinear also adds one input step; adaptive pooling uses its largest
// window and jump·in/out; a linear layer sees its whole input map (size + (map − 1)·jump). Element-wise layers, batch
// norm, dropout, LRN (which mixes channels, not positions) and flatten keep it. Branches: a tensor made by a glue op
// (the sum of a residual block, an Inception or DenseNet concatenation, a U-Net skip concatenation) takes the
// largest field among its inputs, that is the union of what its inputs see, which is the main (deepest) path's.
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import { ValueError } from "../errors.js";
import { withShapeOnly, type AnyModule, type HookHandle, type Module } from "./module.js";
import { Conv2d, ConvTranspose2d } from "./conv.js";
import { Linear } from "./linear.js";
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, MaxUnpool2d, MinPool2d } from "./pool.js";
import { Upsample } from "./upsample.js";

/** Receptive field along [height, width]. */
export interface ReceptiveField {
  /** Input pixels one output element sees. */
  size: [number, number];
  /** Input distance between neighbouring outputs (fractional after upsampling). */
  jump: [number, number];
}

export interface LayerSummary {
  /** Dotted path of the module ("layer1.0.conv1"). */
  name: string;
  type: string;
  outputShape: number[];
  /** Parameters owned by this layer (0 for a second call of a reused layer). */
  params: number;
  macs: number;
  /** Bytes of the output tensor. */
  activationBytes: number;
  receptiveField: ReceptiveField | null;
}

export interface SummaryData {
  model: string;
  inputShape: number[];
  layers: LayerSummary[];
  totals: {
    params: number;
    trainableParams: number;
    macs: number;
    /** Sum of every layer output's bytes (what a forward keeps alive for backward, roughly). */
    activationBytes: number;
    paramBytes: number;
    inputBytes: number;
  };
  /** Whether layers only computed shapes (the default) or ran their arithmetic. */
  shapeOnly: boolean;
  /** Time the pass took, in milliseconds. */
  elapsedMs: number;
}

export interface SummaryOptions {
  /** Skip the arithmetic of leaf layers, computing shapes and costs only (fast even for VGG). Default true. */
  shapeOnly?: boolean;
}

interface FieldInfo {
  size: [number, number];
  jump: [number, number];
  /** Positions of the feature map along each axis (what a following linear layer sees). */
  grid: [number, number];
}

const spatial = (shape: readonly number[]): [number, number] =>
  shape.length >= 3 ? [shape[shape.length - 2]!, shape[shape.length - 1]!] : [1, 1];

/** Largest adaptive-pooling window for in → out: windows are [floor(j·in/out), ceil((j+1)·in/out)). */
function adaptiveWindow(inSize: number, outSize: number): number {
  let k = 0;
  for (let j = 0; j < outSize; j++) k = Math.max(k, Math.ceil(((j + 1) * inSize) / outSize) - Math.floor((j * inSize) / outSize));
  return k;
}

/** The receptive field after one leaf layer (see the file header for the rules). */
function propagate(m: AnyModule, inp: FieldInfo, inShape: readonly number[], outShape: readonly number[]): FieldInfo {
  const grid = spatial(outShape);
  const axes = [0, 1] as const;
  const window = (k: [number, number], s: [number, number], d: [number, number]): FieldInfo => ({
    size: axes.map((a) => inp.size[a] + d[a] * (k[a] - 1) * inp.jump[a]) as [number, number],
    jump: axes.map((a) => inp.jump[a] * s[a]) as [number, number],
    grid,
  });
  if (m instanceof Conv2d || m instanceof MaxPool2d || m instanceof MinPool2d) return window(m.kernelSize, m.stride, m.dilation);
  if (m instanceof AvgPool2d) return window(m.kernelSize, m.stride, [1, 1]);
  if (m instanceof ConvTranspose2d) {
    return {
      size: axes.map((a) => inp.size[a] + (Math.ceil((m.dilation[a] * (m.kernelSize[a] - 1) + 1) / m.stride[a]) - 1) * inp.jump[a]) as [number, number],
      jump: axes.map((a) => inp.jump[a] / m.stride[a]) as [number, number],
      grid,
    };
  }
  const inGrid = spatial(inShape);
  if (m instanceof MaxUnpool2d || m instanceof Upsample) {
    const bilinear = m instanceof Upsample && m.mode === "bilinear";
    return {
      size: axes.map((a) => inp.size[a] + (bilinear ? inp.jump[a] : 0)) as [number, number],
      jump: axes.map((a) => (inp.jump[a] * inGrid[a]) / grid[a]) as [number, number],
      grid,
    };
  }
  if (m instanceof AdaptiveAvgPool2d || m instanceof AdaptiveMaxPool2d) {
    return {
      size: axes.map((a) => inp.size[a] + (adaptiveWindow(inGrid[a], grid[a]) - 1) * inp.jump[a]) as [number, number],
      jump: axes.map((a) => (inp.jump[a] * inGrid[a]) / grid[a]) as [number, number],
      grid,
    };
  }
  if (m instanceof Linear) {
    return { size: axes.map((a) => inp.size[a] + (inp.grid[a] - 1) * inp.jump[a]) as [number, number], jump: inp.jump, grid: [1, 1] };
  }
  // element-wise, normalisation, dropout, flatten: same positions
  return { size: inp.size, jump: inp.jump, grid: outShape.length >= 3 ? grid : inp.grid };
}

function macsOf(m: AnyModule, inShape: readonly number[], out: Tensor): number {
  const inSize = inShape.reduce((p, d) => p * d, 1);
  if (m instanceof Conv2d) return out.size * (m.inChannels / m.groups) * m.kernelSize[0] * m.kernelSize[1];
  if (m instanceof ConvTranspose2d) return inSize * (m.outChannels / m.groups) * m.kernelSize[0] * m.kernelSize[1];
  if (m instanceof Linear) return out.size * m.inFeatures;
  return 0;
}

/** Run `model` once on zeros of `inputShape` (in eval mode; shape-only by default) and describe every leaf layer call. */
export function summarize(model: Module<[Tensor], unknown>, inputShape: readonly number[], opts: SummaryOptions = {}): SummaryData {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ValueError(`summary: inputShape must be a list of positive integers like [1,3,224,224], got ${JSON.stringify(inputShape)}`);
  }
  const shapeOnly = opts.shapeOnly ?? true;
  const fields = new WeakMap<Tensor, FieldInfo>();
  const inputFieldOf = (t: Tensor): FieldInfo | null => {
    const known = fields.get(t);
    if (known) return known;
    // a glue op's result: the largest field among its inputs (the union of what they see)
    let best: FieldInfo | null = null;
    for (const i of t.gradFn?.inputs ?? []) {
      const f = inputFieldOf(i);
      if (f && (!best || f.size[0] * f.size[1] > best.size[0] * best.size[1])) best = f;
    }
    if (best) fields.set(t, best);
    return best;
  };

  const layers: LayerSummary[] = [];
  const counted = new Set<AnyModule>();
  const handles: HookHandle[] = [];
  for (const [name, m] of model.namedModules()) {
    if ([...m.children()].length > 0) continue;
    handles.push(m.registerForwardHook((mod, inputs, output) => {
      const out = output instanceof Tensor ? output : Array.isArray(output) && output[0] instanceof Tensor ? output[0] : null;
      if (!out) return undefined;
      const x = inputs[0] instanceof Tensor ? inputs[0] : null;
      const inShape = x ? x.shape : [];
      const inField = x ? inputFieldOf(x) : null;
      const field = inField ? propagate(mod, inField, inShape, out.shape) : null;
      if (field) fields.set(out, field);
      const params = counted.has(mod) ? 0 : [...mod.parameters(false)].reduce((n, p) => n + p.size, 0);
      counted.add(mod);
      layers.push({
        name, type: mod.typeName, outputShape: [...out.shape], params, macs: macsOf(mod, inShape, out),
        activationBytes: out.size * out.data.BYTES_PER_ELEMENT,
        receptiveField: field ? { size: [...field.size], jump: [...field.jump] } : null,
      });
      return undefined;
    }));
  }

  const wasTraining = model.training;
  model.eval();
  const input = zeros(inputShape);
  // requiresGrad makes the glue ops between layers (add, cat…) record their inputs, which the field lookup walks
  input.requiresGrad = true;
  fields.set(input, { size: [1, 1], jump: [1, 1], grid: spatial(inputShape) });
  const t0 = Date.now();
  try {
    if (shapeOnly) withShapeOnly(() => model.call(input));
    else model.call(input);
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  const elapsedMs = Date.now() - t0;
  let params = 0, trainable = 0, paramBytes = 0;
  for (const p of model.parameters()) {
    params += p.size;
    if (p.requiresGrad) trainable += p.size;
    paramBytes += p.size * p.data.BYTES_PER_ELEMENT;
  }
  return {
    model: model.typeName, inputShape: [...inputShape], layers,
    totals: {
      params, trainableParams: trainable,
      macs: layers.reduce((n, l) => n + l.macs, 0),
      activationBytes: layers.reduce((n, l) => n + l.activationBytes, 0),
      paramBytes, inputBytes: input.size * input.data.BYTES_PER_ELEMENT,
    },
    shapeOnly, elapsedMs,
  };
}

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
