// ONNX export (opset 13) by reading the autograd tape: run the model once with requiresGrad on its inputs, walk from
// the outputs back through each result's gradFn (op name, inputs, attrs) and emit one or a few ONNX nodes per op.
// Parameters and buffers become initializers named by their state-dict keys; other leaves become constants.
// A few composite layers (LocalResponseNorm, LeakyReLU) are caught by forward hooks, because their settings (window,
// slope) are not on the tape.
import { Tensor } from "../tensor/tensor.js";
import { onDevice } from "../tensor/memory.js";
import { ValueError } from "../errors.js";
import { Module, type AnyModule } from "../nn/module.js";
import { LocalResponseNorm } from "../nn/norm.js";
import { LeakyReLU } from "../nn/activation.js";
import { OnnxExportError, producer, type OnnxAttr, type OnnxEmitter } from "../ops/op.js";
import { AttrType, DataType, encodeModel, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from "./onnx-proto.js";
import { intTensorToProto, tensorToProto } from "./onnx-tensor.js";

/** The opset version exportOnnx writes. */
export const EXPORT_OPSET = 13;

/** Options of exportOnnx. */
export interface OnnxExportOptions {
  /** Graph input names (default input, or input_0, input_1… for several). */
  inputNames?: string[];
  /** Graph output names (default output, or output_0…). */
  outputNames?: string[];
  /** The graph's name. */
  graphName?: string;
  /** Free-form key/value strings stored as the model's metadata_props, in the object's key order (class names,
   *  preprocessing…); OnnxModel.metadata reads them back, as does onnx.load(path).metadata_props in Python. */
  metadata?: Record<string, string>;
  /** Declare dim 0 of the inputs and outputs as a symbolic batch size ("batch"), so that one file serves any batch
   *  in onnxruntime or Triton: the shapes written into the graph that carry the traced batch (Reshape targets, and
   *  Resize/Expand sizes of a value whose dim 0 is the batch) are rewritten to follow the input's. Trace with a batch
   *  size that no other leading dim equals (a batch of 1 with a model that reshapes to [1, …] for another reason
   *  would be read as the batch). Default false: every dim as traced. */
  dynamicBatch?: boolean;
}

/** What a hooked composite module contributes: its ONNX node(s), given its input's ONNX name. */
interface Hooked {
  module: AnyModule;
  input: Tensor;
}

/** The export could not map something; the message names the op and what is missing. */
export { OnnxExportError };

/** What exportOnnx and exportOnnxAsync take as the model: a module, or a function of tensors. */
export type ExportableModel = AnyModule | ((...xs: Tensor[]) => Tensor | Tensor[]);

/** Run `model` on `inputs` (in eval mode) and return the ONNX bytes of the computation it recorded. It runs on a CPU
 *  backend, which reads the weights synchronously; a model on the GPU is exported with exportOnnxAsync. */
export function exportOnnx(model: ExportableModel, inputs: Tensor | readonly Tensor[], opts: OnnxExportOptions = {}): Uint8Array {
  const given = inputs instanceof Tensor ? [inputs] : [...inputs];
  // the trace's values become the file's (weights, constants), read synchronously: a GPU's are not
  if (onDevice() || [...given, ...(model instanceof Module ? model.stateDict().values() : [])].some((t) => t.isOnDevice)) {
    throw new ValueError("exportOnnx: the model or its inputs are on the GPU, whose values JavaScript reads only asynchronously; use await exportOnnxAsync(model, inputs)");
  }
  return trace(model, given, opts).encode((t) => t.data);
}

/** exportOnnx on any backend: the model runs where its weights are (the GPU's too), and the weights and constants the
 *  file holds are read back with an await. The same bytes as exportOnnx for the same model and inputs. */
export async function exportOnnxAsync(model: ExportableModel, inputs: Tensor | readonly Tensor[], opts: OnnxExportOptions = {}): Promise<Uint8Array> {
  const traced = trace(model, inputs instanceof Tensor ? [inputs] : [...inputs], opts);
  // every read started at once: a GPU's are queued together
  const read = await Promise.all(traced.valued.map((t) => t.valuesAsync()));
  const values = new Map<Tensor, ArrayLike<number>>(traced.valued.map((t, i) => [t, read[i]!]));
  return traced.encode((t) => values.get(t)!);
}

/** The graph of one run of `model`: its nodes, with the float initializers (weights, constants) still tensors, so
 *  that their values are read last, synchronously or not. */
interface Traced {
  /** The tensors whose values the file holds. */
  valued: readonly Tensor[];
  /** The ONNX bytes, given those tensors' values. */
  encode(values: (t: Tensor) => ArrayLike<number>): Uint8Array;
}

function trace(model: ExportableModel, given: readonly Tensor[], opts: OnnxExportOptions): Traced {
  const xs = given.map((t) => t.detach().requiresGrad_());
  const hooked = new Map<Tensor, Hooked>();
  const names = new Map<Tensor, string>();
  let outs: Tensor[];
  if (model instanceof Module) {
    const wasTraining = [...model.modules()].map((m) => [m, m.training] as const);
    model.eval();
    for (const [key, t] of model.stateDict()) if (!names.has(t)) names.set(t, key);
    const handles = [...model.modules()].filter((m) => m instanceof LocalResponseNorm || m instanceof LeakyReLU)
      .map((m) => m.registerForwardHook((mod, ins, out) => {
        if (out instanceof Tensor && ins[0] instanceof Tensor) hooked.set(out, { module: mod as AnyModule, input: ins[0] });
      }));
    try {
      const r = (model as unknown as Module<Tensor[], Tensor | Tensor[]>).call(...xs);
      outs = Array.isArray(r) ? r : [r];
    } finally {
      handles.forEach((h) => h.remove());
      for (const [m, t] of wasTraining) m.training = t;
    }
  } else {
    const r = model(...xs);
    outs = Array.isArray(r) ? r : [r];
  }
  return new Exporter(names, hooked).build(xs, outs, opts);
}

class Exporter implements OnnxEmitter {
  private readonly nodes: NodeProto[] = [];
  /** In emission order: integer constants as protos, float values as the tensors holding them (see Traced). */
  private readonly initializers: (TensorProto | { name: string; t: Tensor })[] = [];
  private readonly valueNames = new Map<Tensor, string>();
  private readonly usedNames = new Set<string>();
  private counter = 0;

  constructor(private readonly paramNames: Map<Tensor, string>, private readonly hooked: Map<Tensor, Hooked>) {}

  private fresh(base: string): string {
    let name = base;
    while (this.usedNames.has(name)) name = `${base}_${++this.counter}`;
    this.usedNames.add(name);
    return name;
  }

  /** A float constant as an initializer. */
  private constant(t: Tensor, base = "const"): string {
    const name = this.fresh(base);
    this.initializers.push({ name, t });
    return name;
  }
  intConstant(values: readonly number[], base = "shape"): string {
    const name = this.fresh(base);
    this.initializers.push(intTensorToProto(values, [values.length], name));
    return name;
  }

  private protoNode(opType: string, inputs: readonly string[], attrs: AttributeProto[] = [], base = opType.toLowerCase()): string {
    const out = this.fresh(`${base}_out`);
    this.nodes.push({ opType, input: [...inputs], output: [out], name: this.fresh(base), attribute: attrs });
    return out;
  }

  /** OnnxEmitter: a node with attributes given by kind (the op table's ONNX forms write through this). */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttr>> = {}): string {
    return this.protoNode(opType, inputs, Object.entries(attrs).map(([name, v]) => attribute(name, v)));
  }

  floatConstant(values: readonly number[], shape: readonly number[], base = "const"): string {
    return this.constant(new Tensor(Float32Array.from(values), shape), base);
  }

  build(inputs: Tensor[], outputs: Tensor[], opts: OnnxExportOptions): Traced {
    const inNames = opts.inputNames ?? (inputs.length === 1 ? ["input"] : inputs.map((_, i) => `input_${i}`));
    const outNames = opts.outputNames ?? (outputs.length === 1 ? ["output"] : outputs.map((_, i) => `output_${i}`));
    inputs.forEach((t, i) => { this.valueNames.set(t, inNames[i]!); this.usedNames.add(inNames[i]!); });
    outNames.forEach((n) => this.usedNames.add(n));
    for (const n of this.paramNames.values()) this.usedNames.add(n);

    const outValues = outputs.map((t) => this.value(t));
    // graph outputs get their requested names through Identity nodes
    outputs.forEach((_, i) => this.nodes.push({ opType: "Identity", input: [outValues[i]!], output: [outNames[i]!], name: this.fresh(`output_${i}`) }));
    const metadataProps = Object.entries(opts.metadata ?? {}).map(([key, value]) => {
      if (typeof value !== "string") throw new OnnxExportError(`ONNX export: metadata '${key}' is a ${typeof value}, not a string (metadata_props holds strings only)`);
      return { key, value };
    });
    const batch = opts.dynamicBatch ? this.followBatch(inputs) : null;
    const info = (name: string, t: Tensor): ValueInfoProto => ({
      name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: t.shape.map((d, i) => (i === 0 && d === batch ? { dimParam: "batch" } : { dimValue: d })) } } },
    });
    const valued = this.initializers.flatMap((i) => ("t" in i ? [i.t] : []));
    return {
      valued,
      encode: (values) => encodeModel({
        irVersion: 8, producerName: "convkit", producerVersion: "0.1.0",
        opsetImport: [{ domain: "", version: EXPORT_OPSET }],
        graph: {
          name: opts.graphName ?? "convkit", node: this.nodes,
          initializer: this.initializers.map((i) => ("t" in i ? tensorToProto(i.t, i.name, values(i.t)) : i)),
          input: inputs.map((t, i) => info(inNames[i]!, t)), output: outputs.map((t, i) => info(outNames[i]!, t)),
        },
        metadataProps,
      }),
    };
  }

  /** OnnxExportOptions.dynamicBatch: rewrite the emitted shape constants that hold the traced batch size n (the
   *  inputs' dim 0) so that they follow the batch of the value they apply to. Reshape: a leading n becomes 0 (copy
   *  the input's dim), a leading multiple of n (batch merged with other dims) becomes −1 when no other dim is −1;
   *  Resize sizes and Expand shapes with a leading n on a value of batch n: Concat(Shape(value)[0:1], rest). Returns
   *  n, or null when the inputs disagree on dim 0 (then nothing is rewritten). */
  private followBatch(inputs: Tensor[]): number | null {
    const n = inputs[0]?.shape[0];
    if (n === undefined || inputs.some((t) => t.shape[0] !== n)) return null;
    const shapes = new Map<string, readonly number[]>();
    for (const [t, name] of this.valueNames) shapes.set(name, t.shape);
    const inits = new Map(this.initializers.flatMap((i) => ("t" in i ? [] : [[i.name ?? "", i] as const])));
    const readers = new Map<string, number>();
    for (const node of this.nodes) for (const i of node.input ?? []) readers.set(i, (readers.get(i) ?? 0) + 1);
    const emitted: NodeProto[] = [];
    for (const node of this.nodes) {
      const slot = node.opType === "Reshape" || node.opType === "Expand" ? 1 : node.opType === "Resize" ? 3 : -1;
      const constName = node.input?.[slot] ?? "";
      const c = inits.get(constName);
      const xShape = shapes.get(node.input?.[0] ?? "");
      const values = c?.int64Data?.map(Number);
      if (slot < 0 || !c || !values || values.length === 0 || xShape?.[0] !== n || readers.get(constName) !== 1) {
        emitted.push(node);
        continue;
      }
      if (node.opType === "Reshape") {
        if (values[0] === n) values[0] = 0;
        else if (n > 0 && values[0]! % n === 0 && !values.includes(-1)) values[0] = -1;
        c.int64Data = values;
        emitted.push(node);
      } else if (values[0] === n) {
        // the sizes' first entry from the value itself: Concat(Slice(Shape(x), 0, 1), rest)
        const shape = this.fresh("batch_shape"), lead = this.fresh("batch_size"), full = this.fresh("batch_sizes");
        const [zero, one, rest] = [this.intConstant([0], "starts"), this.intConstant([1], "ends"), this.intConstant(values.slice(1), "sizes_rest")];
        emitted.push(
          { opType: "Shape", input: [node.input![0]!], output: [shape], name: this.fresh("shape") },
          { opType: "Slice", input: [shape, zero, one], output: [lead], name: this.fresh("slice") },
          { opType: "Concat", input: [lead, rest], output: [full], name: this.fresh("concat"), attribute: [attribute("axis", { int: 0 })] },
          { ...node, input: node.input!.map((v, i) => (i === slot ? full : v)) },
        );
      } else emitted.push(node);
    }
    this.nodes.splice(0, this.nodes.length, ...emitted);
    return n;
  }

  /** The ONNX name of tensor t, emitting the nodes that compute it (iteratively, so deep graphs do not overflow). */
  private value(root: Tensor): string {
    // post-order over a DAG: expand each tensor once, emit it after all its dependencies
    const expanded = new Set<Tensor>();
    const stack: [Tensor, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [t, ready] = stack.pop()!;
      if (this.valueNames.has(t)) continue;
      if (ready) {
        this.valueNames.set(t, this.emit(t));
        continue;
      }
      if (expanded.has(t)) continue;
      expanded.add(t);
      stack.push([t, true]);
      for (const d of this.dependencies(t)) if (!this.valueNames.has(d) && !expanded.has(d)) stack.push([d, false]);
    }
    return this.valueNames.get(root)!;
  }

  private dependencies(t: Tensor): Tensor[] {
    const h = this.hooked.get(t);
    if (h) return [h.input];
    if (this.paramNames.has(t) || !t.gradFn) return [];
    return [...t.gradFn.inputs];
  }

  private name(t: Tensor): string {
    return this.valueNames.get(t)!;
  }

  private emit(t: Tensor): string {
    const param = this.paramNames.get(t);
    if (param !== undefined) {
      this.initializers.push({ name: param, t });
      return param;
    }
    const h = this.hooked.get(t);
    if (h) return this.emitHooked(h);
    const fn = t.gradFn;
    if (!fn) return this.constant(t);
    const ins = fn.inputs.map((x) => this.name(x));
    const made = producer(t);
    if (made) {
      if (!made.op.onnx) throw new OnnxExportError(`ONNX export: op '${made.op.name}' has no ONNX form`);
      return made.op.onnx.export(this, ins, made.attrs, fn.inputs.map((x) => x.shape), t.shape);
    }
    const a = (fn.attrs ?? {}) as Record<string, unknown>;
    // ops outside the op table (until they move into it)
    switch (fn.name) {
      default:
        throw new OnnxExportError(`ONNX export: op '${fn.name}' has no ONNX mapping${fn.attrs ? "" : " (and records no attrs on the tape)"}`);
    }
  }

  private emitHooked(h: Hooked): string {
    const m = h.module;
    const x = this.name(h.input);
    if (m instanceof LocalResponseNorm) {
      // ONNX's window is c − ⌊(n−1)/2⌋ … c + ⌈(n−1)/2⌉, PyTorch's c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋: equal for odd sizes
      if (m.size % 2 === 0) throw new OnnxExportError(`ONNX export: LocalResponseNorm with an even size ${m.size} centres its window differently from ONNX LRN`);
      return this.protoNode("LRN", [x], [int("size", m.size), float("alpha", m.alpha), float("beta", m.beta), float("bias", m.k)]);
    }
    if (m instanceof LeakyReLU) return this.protoNode("LeakyRelu", [x], [float("alpha", m.negativeSlope)]);
    throw new OnnxExportError(`ONNX export: no mapping for hooked module ${m.typeName}`);
  }

}

// ---- attribute builders ----
function need<T = number[]>(a: Record<string, unknown>, op: string, key: string): T {
  if (!(key in a)) throw new OnnxExportError(`ONNX export: op '${op}' does not record '${key}' on the tape`);
  return a[key] as T;
}
const ints = (name: string, v: readonly number[]): AttributeProto => ({ name, type: AttrType.INTS, ints: [...v] });
const int = (name: string, v: number): AttributeProto => ({ name, type: AttrType.INT, i: v });
const float = (name: string, v: number): AttributeProto => ({ name, type: AttrType.FLOAT, f: v });
const str = (name: string, v: string): AttributeProto => ({ name, type: AttrType.STRING, s: new TextEncoder().encode(v) });


/** An OnnxAttr as an AttributeProto. */
function attribute(name: string, v: OnnxAttr): AttributeProto {
  if ("ints" in v) return ints(name, v.ints);
  if ("int" in v) return int(name, v.int);
  if ("float" in v) return float(name, v.float);
  return str(name, v.string);
}
