// ONNX import: a ModelProto becomes an nn.Module whose parameters are the float initializers (named by their ONNX
// names, so a torch-exported file has torch's state-dict keys) and whose forward interprets the graph with
// convkit's differentiable ops. The graph is checked when loaded: unknown ops, dangling names, and (for small static
// input shapes, or on request) every shape, by one dry run on zeros. Nodes run in a topological order (files from
// some converters list them out of order, which onnxruntime accepts too). Half-precision (FLOAT16, BFLOAT16) weights
// and values are widened to float32 when read and every op computes in float32: a fp16 file gives the fp32 model's
// results, not fp16 rounding. In inference (eval mode) a Conv whose output only a BatchNormalization with constant
// statistics reads, and an activation reading that alone, run as one Conv whose kernel applies both as it writes
// (F.conv2d's batchNorm and activation; onnxruntime folds the same at load).
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { memoryKey, type MemoryKey } from "../tensor/memory.js";
import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { BufferPool, withBufferPool } from "../tensor/buffer-pool.js";
import { Module } from "../nn/module.js";
import { handBackSmallResults } from "../nn/inference-scope.js";
import { ConvkitError, FormatError, ValueError } from "../errors.js";
import { formatError, type LoadOptions } from "./bytes.js";
import { decodeModel, int64, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from "./onnx-proto.js";
import { IntTensor, tensorFromProto, dataTypeName, type Value } from "./onnx-tensor.js";
import { Attrs, OPS, convFused, runOp, splitGate, type ConvFolds, type OpContext } from "./onnx-ops.js";
import type { BatchNormActivation } from "../ops/fusion.js";
import { DataType } from "./onnx-proto.js";

export interface OnnxImportOptions extends LoadOptions {
  /** Check every shape at load time by running the graph once on zeros of the declared (static) input shapes:
   *  true always, false never, "auto" (the default) when the inputs hold at most 65,536 elements — a full forward
   *  pass of a large model costs seconds, and its shape errors surface at the first call anyway (naming the node). */
  dryRun?: boolean | "auto";
  /** The most bytes the values a run makes may hold at once (the load-time dry run's and every inference's; each
   *  value is dropped after the last node that reads it, so this bounds the run's peak, not its sum; a recorded run's
   *  tape keeps more for backward). A node that would go past it is a FormatError naming it. Default 1 GiB (raise it
   *  for large batches); inputs, parameters and constants do not count. */
  maxLiveBytes?: number;
  /** Make the weight tensors that the file keeps as Constant nodes (Paddle2ONNX and some TensorFlow converters do,
   *  instead of initializers) trainable parameters, named by the Constant's output, so that the model can be
   *  fine-tuned: float Constants read (directly or through Reshape/Unsqueeze/Squeeze/Cast/Identity) as the weight or
   *  bias of Conv, ConvTranspose, Gemm and MatMul, the bias Add after one of those, the scale and bias of
   *  BatchNormalization/InstanceNormalization/LayerNormalization/GroupNormalization and PRelu's slope (a
   *  BatchNormalization's mean and variance become buffers). Default false: they stay constants. */
  trainableConstants?: boolean;
}

/** OnnxImportOptions.maxLiveBytes's default: four values of the largest size one op may make (2^26 float32s). */
export const DEFAULT_MAX_LIVE_BYTES = 2 ** 30;

/** A holder for parameters under a dotted prefix ("features" of "features.0.weight"). */
class ParamGroup extends Module<[], never> {
  forward(): never {
    throw new ValueError("an ONNX parameter group is not callable; call the imported model");
  }
}

/** Description of one graph input or output: name, element type and shape (null for a symbolic dim). */
export interface OnnxIO {
  /** The value's name in the graph. */
  name: string;
  /** ONNX's element type name ("FLOAT", "INT64"…). */
  elemType: string;
  /** Its dimensions, null for a symbolic one (a batch size); null when the file gives no shape. */
  shape: (number | null)[] | null;
}

/** A value's memory, to tell values that share it (a Reshape's output and its input) from the rest: a host array, or a
 *  device array whose values JavaScript cannot read synchronously. */
function keyOf(v: Value): MemoryKey {
  return memoryKey(v instanceof IntTensor ? v.data : v.storage.memory ?? v.data);
}

/** A runnable, differentiable convkit module built from an ONNX graph. Starts in eval mode (ONNX graphs are
 *  inference graphs); train() makes BatchNormalization use batch statistics and Dropout drop. */
export class OnnxModel extends Module<Tensor[], Tensor> {
  /** The graph's inputs (initializers excluded), in the order forward takes them. */
  readonly inputs: OnnxIO[];
  /** The graph's outputs, in the order forward returns them. */
  readonly outputs: OnnxIO[];
  /** The default domain's opset version the file declares. */
  readonly opset: number;
  /** The producer_name the file records (e.g. "pytorch", "convkit"). */
  readonly producer: string;
  /** The file's metadata_props as key → value (empty when it has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The budget of bytes for the values of a run (OnnxImportOptions.maxLiveBytes). */
  readonly maxLiveBytes: number;
  private readonly nodes: NodeProto[];
  /** Per node (in run order), its index in the file's node list, for messages. */
  private readonly fileIndex: number[];
  /** Per node, what each run would otherwise rebuild: its name for errors and its parsed attributes. */
  private readonly prepared: { where: string; attrs: Attrs }[];
  /** Per node, the outputs of a Constant node, decoded once at load (null for every other node). */
  private readonly folded: ((Value | null)[] | null)[];
  private readonly constants = new Map<string, Value>();
  private readonly params = new Map<string, Tensor>();
  private readonly file: string | undefined;
  /** Per node, the intermediate values it is the last reader of (or that nothing reads): dropped after it runs. */
  private readonly dying: string[][];
  /** Buffers of dropped values, reused by later nodes and later runs when nothing is recorded (inference). */
  private readonly pool = new BufferPool();
  /** What inference folds into a Conv, by the Conv's node index: the BatchNormalization after it and the activation
   *  after that, applied by the convolution as it writes (F.conv2d's batchNorm and activation). */
  private readonly convFolds = new Map<number, ConvFold>();
  /** The BatchNormalization and Add nodes, and the activations' nodes, whose work the Conv before them does when it
   *  folds: each passes on its input in the given slot (the Conv's output, as the Conv computed it). */
  private readonly passedOn = { inEval: new Map<number, number>(), activation: new Map<number, number>() };
  /** Each Mul node that a Conv with one group alone reads, to that Conv's node index: in an inference, where one factor
   *  is a per-channel gate (splitGate), the Mul passes on the other and the Conv scales its weights by the gate. */
  private readonly gateMuls = new Map<number, number>();
  /** How many BatchNormalization nodes inference (eval mode) folds into the Conv before them: those whose input only
   *  they read, whose scale, bias, mean and variance are initializers of the Conv's output channels. */
  readonly foldedBatchNorms: number;
  /** How many activations inference (eval mode) folds into the Conv (or Conv → BatchNormalization) before them:
   *  Relu, Clip to [0, 6] or [0, ∞), HardSigmoid(1/6, ½), HardSwish, x·Sigmoid(x) and x·HardSigmoid(x), reading
   *  a value no other node reads. */
  readonly foldedActivations: number;
  /** How many Add nodes inference folds into the Conv (or Conv → BatchNormalization) before them: those reading that
   *  value alone with a value made before the Conv (a residual block's shortcut), added as the Conv writes. */
  readonly foldedResiduals: number;
  /** How many Mul nodes inference (without gradients) folds into the Conv after them: a product read by that Conv
   *  alone, with one group. Where one factor is a per-channel gate ([1, C, 1, 1], squeeze-and-excitation's) and the
   *  Conv's weights are fewer than the map's values, the Conv scales its weights by the gate instead of the map. */
  readonly foldedGates: number;

  /** GELUs written out with Erf (PyTorch's export before opset 20: x·½·(1 + erf(x/√2))) that run as one gelu. */
  readonly fusedGelus: number;

  /** Build from a decoded ModelProto; loadOnnx(bytes) reads the file.
   *  @internal */
  constructor(model: ModelProto, opts: OnnxImportOptions = {}) {
    super();
    const file = opts.name;
    this.file = file;
    const graph: GraphProto = model.graph ?? formatErr(file, "the model has no graph");
    const opsets = model.opsetImport ?? [];
    const main = opsets.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
    this.opset = main ? int64(main.version, file, "opset version") : 1;
    this.producer = `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim();
    const order = topologicalOrder(graph.node ?? [], file);
    const fused = fuseGelus(order.map((i) => graph.node![i]!), order, graph);
    this.nodes = fused.nodes;
    this.fileIndex = fused.fileIndex;
    this.fusedGelus = fused.count;
    this.metadata = readMetadata(model, file);
    this.maxLiveBytes = opts.maxLiveBytes ?? DEFAULT_MAX_LIVE_BYTES;
    if (!(this.maxLiveBytes > 0)) throw new ValueError(`loadOnnx: maxLiveBytes must be a positive number of bytes, got ${opts.maxLiveBytes}`);

    // Initializers: floats become parameters (or buffers when a BatchNormalization reads them as statistics).
    const statNames = new Set<string>();
    for (const n of this.nodes) if (n.opType === "BatchNormalization") for (const i of [3, 4]) if (n.input?.[i]) statNames.add(n.input[i]!);
    const floats = new Map<string, Tensor>();
    for (const init of graph.initializer ?? []) {
      const name = init.name ?? "";
      if (name === "") throw formatError(file, "onnx: an initializer has no name");
      if (floats.has(name) || this.constants.has(name)) throw formatError(file, `onnx: initializer '${name}' is defined twice`);
      const v = tensorFromProto(init, file);
      if (v instanceof Tensor) floats.set(name, v);
      else this.constants.set(name, v);
    }

    const initNames = new Set([...floats.keys(), ...this.constants.keys()]);
    this.inputs = (graph.input ?? []).filter((i) => !initNames.has(i.name ?? "")).map((i) => describeIO(i));
    this.outputs = (graph.output ?? []).map((o) => describeIO(o));
    if (this.outputs.length === 0) throw formatError(file, "onnx: the graph has no outputs");
    this.validateGraph(initNames);
    this.prepared = this.nodes.map((n, i) => {
      const where = this.where(i, n);
      return { where, attrs: new Attrs(n.attribute, where) };
    });
    // A Constant's value is the same on every run: decoded here once rather than per inference. Its size is the
    // file's, so it takes nothing from the budget.
    this.folded = this.nodes.map((n, i) => (n.opType === "Constant" ? runOp([], this.context(i, () => {})) : null));
    if (opts.trainableConstants) {
      // the decoded tensor itself becomes the parameter: the Constant node hands it to its readers, so they see
      // its gradient and every optimizer step
      for (const [i, stat] of this.weightConstants()) {
        const v = this.folded[i]![0];
        const name = this.nodes[i]!.output![0]!;
        if (!(v instanceof Tensor) || floats.has(name)) continue;
        floats.set(name, v);
        if (stat) statNames.add(name);
      }
    }
    this.registerTensors(floats, statNames);
    this.findConvFolds();
    this.foldedBatchNorms = [...this.convFolds.values()].filter((f) => f.batchNorm).length;
    this.foldedActivations = [...this.convFolds.values()].filter((f) => f.activation).length;
    this.foldedResiduals = [...this.convFolds.values()].filter((f) => f.residual).length;
    this.foldedGates = [...this.convFolds.values()].filter((f) => f.gate).length;
    this.dying = this.lastReaders();
    this.eval();
    const staticShapes = this.inputs.every((i) => i.shape && i.shape.every((d) => d !== null));
    const inputElements = this.inputs.reduce((n, i) => n + (i.shape ?? []).reduce((a: number, d) => a * (d ?? 0), 1), 0);
    const wanted = opts.dryRun === undefined || opts.dryRun === "auto" ? inputElements <= AUTO_DRY_RUN_ELEMENTS : opts.dryRun;
    if (wanted && staticShapes && !this.inputsSetParameters()) this.dryRun(graph);
  }

  /** Register float initializers under their names, split at dots into child modules where the names allow it. */
  private registerTensors(floats: Map<string, Tensor>, statNames: Set<string>): void {
    const names = [...floats.keys()];
    const asPath = (n: string): string[] | null => {
      const parts = n.split(".");
      return parts.every((p) => p !== "") ? parts : null;
    };
    // A name can be a dotted path unless a shorter name is a prefix of it as a tensor (then the tree would clash).
    const nameSet = new Set(names);
    for (const name of names) {
      const t = floats.get(name)!;
      this.params.set(name, t);
      let path = asPath(name);
      if (path && path.slice(1).some((_, i) => nameSet.has(path!.slice(0, i + 1).join(".")))) path = null;
      const parts = path ?? [name.replace(/\./g, "_")];
      let owner: Module<never, unknown> = this as unknown as Module<never, unknown>;
      for (const p of parts.slice(0, -1)) {
        let child = owner.getChild(p);
        if (!child) child = owner.registerModule(p, new ParamGroup() as unknown as Module<never, unknown>);
        owner = child;
      }
      const leaf = parts[parts.length - 1]!;
      try {
        if (statNames.has(name)) owner.registerBuffer(leaf, t);
        else owner.registerParameter(leaf, t);
      } catch (e) {
        throw formatError(this.file, `onnx: cannot register initializer '${name}': ${(e as Error).message}`);
      }
    }
  }

  /** The Convs to fold what follows them into. A BatchNormalization: the Conv's output read by it alone (in slot 0,
   *  not a graph output), in inference form (one output, not training_mode, spatial), with scale, bias, mean and
   *  variance of shape [Cout], all initializers — directly or through Identity nodes (PyTorch's exporter writes one
   *  initializer for equal ones, and Identity nodes for the rest). Then an activation reading that value alone. */
  private findConvFolds(): void {
    const readers = new Map<string, number[]>();
    const alias = new Map<string, string>();
    const constantOf = new Map<string, Value>();
    this.nodes.forEach((n, i) => {
      for (const name of n.input ?? []) if (name !== "") readers.set(name, [...(readers.get(name) ?? []), i]);
      if (n.opType === "Identity" && n.input?.[0] && n.output?.[0]) alias.set(n.output[0], n.input[0]);
      const v = this.folded[i]?.[0];
      if (v && n.output?.[0]) constantOf.set(n.output[0], v);
    });
    const param = (name: string | undefined): Tensor | null => {
      for (let hops = 0; name !== undefined && !this.params.has(name) && hops < this.nodes.length; hops++) name = alias.get(name);
      return name === undefined ? null : this.params.get(name) ?? null;
    };
    /** The one value of a constant input (an initializer or a Constant node's), or null. */
    const scalar = (name: string | undefined): number | null => {
      const v = name ? param(name) ?? constantOf.get(name) ?? this.constants.get(name) ?? null : null;
      return v && v.size === 1 ? Number(v.data[0]) : null;
    };
    const graphOutputs = new Set(this.outputs.map((o) => o.name));
    const producer = new Map<string, number>();
    this.nodes.forEach((n, i) => { for (const o of n.output ?? []) if (o) producer.set(o, i); });
    /** Whether `name` exists before node i runs: a graph input, an initializer, or an earlier node's output. */
    const madeBefore = (name: string, i: number): boolean => (producer.get(name) ?? -1) < i;
    /** The node reading `name` alone (one output, `name` not a graph output), or null. */
    const soleReader = (name: string): number | null => {
      const rs = readers.get(name) ?? [];
      return rs.length === 1 && !graphOutputs.has(name) ? rs[0]! : null;
    };
    const hardSigmoid = (j: number): boolean => {
      const a = this.prepared[j]!.attrs;
      return this.nodes[j]!.opType === "HardSigmoid" && a.float("alpha", 0.2) === Math.fround(1 / 6) && a.float("beta", 0.5) === 0.5;
    };
    /** The activation reading `name` as its only reader(s), and the nodes it takes. */
    const activationAfter = (name: string): { activation: BatchNormActivation; nodes: number[] } | null => {
      const rs = readers.get(name) ?? [];
      if (graphOutputs.has(name)) return null;
      if (rs.length === 1) {
        const j = rs[0]!, n = this.nodes[j]!;
        if ((n.output ?? []).length !== 1) return null;
        if (n.opType === "Relu") return { activation: "relu", nodes: [j] };
        if (n.opType === "HardSwish") return { activation: "hardswish", nodes: [j] };
        if (hardSigmoid(j)) return { activation: "hardsigmoid", nodes: [j] };
        if (n.opType === "Clip" && n.input?.[0] === name) {
          const a = this.prepared[j]!.attrs, opset = this.opset;
          const lo = opset < 11 ? a.float("min", -Infinity) : n.input[1] ? scalar(n.input[1]) : -Infinity;
          const hi = opset < 11 ? a.float("max", Infinity) : n.input[2] ? scalar(n.input[2]) : Infinity;
          if (lo === 0 && hi === 6) return { activation: "relu6", nodes: [j] };
          if (lo === 0 && hi === Infinity) return { activation: "relu", nodes: [j] };
        }
        return null;
      }
      // x·Sigmoid(x) (SiLU, as PyTorch exports it) and x·HardSigmoid(x) (hardswish, as convkit exports it)
      if (rs.length !== 2) return null;
      const gate = rs.find((j) => this.nodes[j]!.opType === "Sigmoid" || hardSigmoid(j)), mul = rs.find((j) => j !== gate);
      if (gate === undefined || mul === undefined || this.nodes[mul]!.opType !== "Mul") return null;
      const g = this.nodes[gate]!.output?.[0];
      if (!g || soleReader(g) !== mul || (this.nodes[gate]!.output ?? []).length !== 1) return null;
      const ins = this.nodes[mul]!.input ?? [];
      if (ins.length !== 2 || !ins.includes(name) || !ins.includes(g)) return null;
      return { activation: this.nodes[gate]!.opType === "Sigmoid" ? "silu" : "hardswish", nodes: [gate, mul] };
    };
    this.nodes.forEach((conv, i) => {
      let out = conv.output?.[0];
      if (conv.opType !== "Conv" || !out || (conv.output ?? []).length !== 1) return;
      let batchNorm: ConvFold["batchNorm"] = null, residual: string | null = null, gate: ConvFold["gate"] = null;
      // a Mul that only this Conv reads (in slot 0): its two factors (the Conv reads them: see lastReaders)
      const product = conv.input?.[0], m = product ? producer.get(product) : undefined;
      const mul = m === undefined ? null : this.nodes[m]!;
      // (not when the Mul is the activation of an earlier Conv's fold: x·Sigmoid(x) feeding this Conv)
      if (mul?.opType === "Mul" && !this.passedOn.activation.has(m!) && mul.input?.length === 2 && mul.input.every((n) => n !== "") && (mul.output ?? []).length === 1
        && soleReader(product!) === i && this.prepared[i]!.attrs.int("group", 1) === 1) {
        gate = [mul.input[0]!, mul.input[1]!];
        this.gateMuls.set(m!, i);
      }
      const taken: [number, number][] = []; // node, the slot of the value passed on
      const j = soleReader(out);
      if (j !== null) {
        const bn = this.nodes[j]!, attrs = this.prepared[j]!.attrs, w = param(conv.input?.[1]);
        const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((k) => param(bn.input?.[k]));
        if (bn.opType === "BatchNormalization" && bn.input?.[0] === out && (bn.output ?? []).filter((o) => o !== "").length === 1
          && attrs.int("training_mode", 0) === 0 && attrs.int("spatial", 1) === 1 && w && w.ndim >= 3
          && [gamma, beta, mean, variance].every((t) => t && t.ndim === 1 && t.size === w.shape[0])) {
          batchNorm = { weight: gamma!, bias: beta!, runningMean: mean!, runningVar: variance!, eps: attrs.float("epsilon", 1e-5) };
          taken.push([j, 0]);
          out = bn.output![0]!;
        }
      }
      // an Add of a value made before the Conv (a residual block's shortcut)
      const a = soleReader(out);
      if (a !== null) {
        const add = this.nodes[a]!, other = add.input?.find((n) => n !== out);
        if (add.opType === "Add" && add.input?.length === 2 && other && (add.output ?? []).length === 1 && madeBefore(other, i)) {
          residual = other;
          taken.push([a, add.input!.indexOf(out)]);
          out = add.output![0]!;
        }
      }
      const act = activationAfter(out);
      if (!batchNorm && !residual && !act && !gate) return;
      this.convFolds.set(i, { batchNorm, residual, activation: act?.activation ?? null, gate });
      for (const [k, slot] of taken) this.passedOn.inEval.set(k, slot);
      for (const k of act?.nodes ?? []) this.passedOn.activation.set(k, this.nodes[k]!.input!.indexOf(out));
    });
  }

  /** What node i's operator sees besides its inputs. */
  private context(i: number, reserve: (bytes: number) => void): OpContext {
    const n = this.nodes[i]!;
    const { where, attrs } = this.prepared[i]!;
    return { node: n, attrs, opset: this.opset, training: this.training, outputs: n.output ?? [], where, reserve };
  }

  private where(i: number, n: NodeProto): string {
    return `${this.file ? `${this.file}: ` : ""}onnx: node ${this.fileIndex[i]} (${n.opType ?? "?"}${n.name ? ` '${n.name}'` : ""})`;
  }

  /** Every op known, every input produced before it is read, every output produced. */
  private validateGraph(initNames: Set<string>): void {
    const known = new Set<string>([...initNames, ...this.inputs.map((i) => i.name)]);
    this.nodes.forEach((n, i) => {
      const domain = n.domain ?? "";
      if (domain !== "" && domain !== "ai.onnx") throw new FormatError(`${this.where(i, n)}: operator domain '${domain}' is not supported`);
      // own keys only: "toString" or "__proto__" name no operator
      if (!n.opType || !Object.hasOwn(OPS, n.opType)) {
        throw new FormatError(`${this.where(i, n)}: unsupported operator ${n.opType ?? "(none)"} (supported: ${Object.keys(OPS).sort().join(", ")})`);
      }
      (n.input ?? []).forEach((name, k) => {
        if (name !== "" && !known.has(name)) throw new FormatError(`${this.where(i, n)}: input ${k} '${name}' is not produced by any earlier node, initializer or graph input`);
      });
      for (const o of n.output ?? []) if (o !== "") known.add(o);
    });
    for (const o of this.outputs) if (!known.has(o.name)) throw formatError(this.file, `onnx: graph output '${o.name}' is produced by no node`);
  }

  /** The float Constant nodes that hold weights (OnnxImportOptions.trainableConstants): node index → whether it is
   *  a statistic (a buffer) rather than a parameter. A Constant is followed through the ops that only reshape or
   *  convert it to the ops that read it. */
  private weightConstants(): Map<number, boolean> {
    const readers = new Map<string, { node: NodeProto; slot: number }[]>();
    const producerOp = new Map<string, string>();
    for (const n of this.nodes) {
      (n.input ?? []).forEach((name, slot) => {
        if (!readers.has(name)) readers.set(name, []);
        readers.get(name)!.push({ node: n, slot });
      });
      for (const o of n.output ?? []) producerOp.set(o, n.opType ?? "");
    }
    const found = new Map<number, boolean>();
    this.nodes.forEach((n, i) => {
      if (n.opType !== "Constant" || !(this.folded[i]?.[0] instanceof Tensor)) return;
      const seen = new Set<string>();
      const queue = [n.output?.[0] ?? ""];
      while (queue.length > 0) {
        const name = queue.pop()!;
        if (seen.has(name)) continue;
        seen.add(name);
        for (const { node, slot } of readers.get(name) ?? []) {
          const op = node.opType ?? "";
          if (PASS_THROUGH.has(op) && slot === 0) queue.push(...(node.output ?? []).slice(0, 1));
          const role = WEIGHT_SLOTS[op]?.[slot];
          if (role) found.set(i, role === "stat" || found.get(i) === true);
          // a bias added to a layer's output: Add(Conv(…), c)
          if (op === "Add" && WEIGHTED_OPS.has(producerOp.get(node.input?.[1 - slot] ?? "") ?? "")) found.set(i, found.get(i) ?? false);
        }
      }
    });
    return found;
  }

  /** For each node, the node outputs (not graph outputs) whose last reader it is, or that it produces unread. */
  private lastReaders(): string[][] {
    const graphOutputs = new Set(this.outputs.map((o) => o.name));
    const last = new Map<string, number>();
    this.nodes.forEach((n, i) => {
      for (const o of n.output ?? []) if (o !== "" && !graphOutputs.has(o)) last.set(o, i);
      // a Conv that folds the Mul before it reads the Mul's factors itself
      for (const name of [...(n.input ?? []), ...(this.convFolds.get(i)?.gate ?? [])]) if (last.has(name)) last.set(name, i);
    });
    const dying: string[][] = this.nodes.map(() => []);
    for (const [name, i] of last) dying[i]!.push(name);
    return dying;
  }

  /** Bytes the model holds for reuse between runs (buffers of dropped intermediate values). */
  get pooledBytes(): number {
    return this.pool.heldBytes;
  }

  /** Whether a graph input feeds an op's settings (Reshape's shape, Resize's scales, Gather's indices…), where zeros
   *  would not be a meaningful value for a dry run. */
  private inputsSetParameters(): boolean {
    const names = new Set(this.inputs.map((i) => i.name));
    return this.nodes.some((n) => (n.input ?? []).some((name, k) => names.has(name) && k >= (DATA_SLOTS[n.opType ?? ""] ?? 1)));
  }

  /** Run once on zeros of the declared input shapes; any error, or an output whose shape differs from the declared
   *  one, makes the file invalid. */
  private dryRun(graph: GraphProto): void {
    const declared = new Map<string, (number | null)[]>();
    for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
      const io = describeIO(v);
      if (io.shape) declared.set(io.name, io.shape);
    }
    const inputs = this.inputs.map((i) => zeroValue(i));
    if (inputs.some((v) => v === null)) return;
    try {
      noGrad(() => this.runGraph(inputs as Value[], declared));
    } catch (e) {
      if (e instanceof FormatError) throw e;
      // a RangeError here is an allocation the graph asked for and the engine refused
      if (e instanceof ConvkitError || e instanceof RangeError) throw formatError(this.file, `onnx: the graph does not run on inputs of its declared shapes: ${e.message}`);
      throw e;
    }
  }

  /** Interpret the graph. Returns every graph output (integer outputs as IntTensors). */
  runGraph(inputs: readonly Value[], checkShapes?: Map<string, (number | null)[]>): Value[] {
    if (inputs.length !== this.inputs.length) {
      throw new ValueError(`OnnxModel: expected ${this.inputs.length} inputs (${this.inputs.map((i) => i.name).join(", ")}), got ${inputs.length}`);
    }
    const env = new Map<string, Value>(this.constants);
    for (const [k, t] of this.params) env.set(k, t);
    this.inputs.forEach((io, i) => env.set(io.name, inputs[i]!));
    // The values this run makes, by buffer (Reshape, Identity and Flatten outputs share their input's): how many live
    // values share it and its bytes. Their bytes count against maxLiveBytes, and with nothing recorded a dropped
    // value's buffer is reused once no live value shares it. Buffers of inputs, parameters and constants are neither.
    const pooled = !isGradEnabled();
    // eval mode folds the batch norms (F.conv2d runs the ops one by one itself where a gradient is recorded); the
    // activations only with nothing recorded, since Clip's gradient passes at its bounds where ReLU6's stops
    const folding = !this.training && FOLDING && this.convFolds.size > 0, foldActivations = folding && !isGradEnabled();
    const external = new Set([...env.values()].map(keyOf));
    for (const r of this.folded) for (const v of r ?? []) if (v) external.add(keyOf(v));
    const held = new Map<MemoryKey, { refs: number; bytes: number }>();
    let liveBytes = 0;
    const limit = this.maxLiveBytes;
    const hold = (v: Value): void => {
      const key = keyOf(v);
      if (external.has(key)) return;
      const h = held.get(key);
      if (h) h.refs++;
      else {
        const bytes = v.size * (v instanceof IntTensor || v.dtype === "float64" ? 8 : 4);
        held.set(key, { refs: 1, bytes });
        liveBytes += bytes;
      }
    };
    const drop = (v: Value): void => {
      const key = keyOf(v);
      const h = held.get(key);
      if (!h || --h.refs > 0) return;
      held.delete(key);
      liveBytes -= h.bytes;
      if (pooled && v instanceof Tensor && !v.isOnDevice) this.pool.release(v.data);
    };
    const gates = new Map<number, Tensor>(); // a gated Conv's gate, by its node index, as its Mul found it
    const run = (): void => this.nodes.forEach((n, i) => {
      const where = this.prepared[i]!.where;
      const overBudget = (what: string, total: number): FormatError =>
        new FormatError(`${where}: ${what} the live values to ${mib(total)}, over the limit of ${mib(limit)} (maxLiveBytes)`);
      const args = (n.input ?? []).map((name) => (name === "" ? null : env.get(name) ?? null));
      const outputs = n.output ?? [];
      const ctx = this.context(i, (bytes) => {
        if (liveBytes + bytes > limit) throw overBudget(`a new value of ${mib(bytes)} would bring`, liveBytes + bytes);
      });
      let results: (Value | null)[] = [];
      // what the op allocates and does not return (a gated Conv's scaled weights, the steps of an op built from several)
      // goes back to the pool when it returns, not to the collector: a run left ~1.3 MB of them per EfficientNet-B0
      // inference, and each run's scratch then landed on pages never touched before (1.4 ms to copy the input alone)
      if (pooled) this.pool.openScope();
      try {
        const slot = folding ? this.passedOn.inEval.get(i) ?? (foldActivations ? this.passedOn.activation.get(i) : undefined) : undefined;
        const gatedConv = folding && foldActivations ? this.gateMuls.get(i) : undefined;
        const split = gatedConv === undefined ? null : splitGate(args, env.get(this.nodes[gatedConv]!.input?.[1] ?? "") ?? null);
        if (slot !== undefined) {
          results = [args[slot]!]; // the Conv before it applied it
        } else if (split) {
          results = [split.map]; // the product's shape: the Conv after it scales its weights by the gate
          gates.set(gatedConv!, split.gate);
        } else if (folding && this.convFolds.has(i)) {
          const f = this.convFolds.get(i)!;
          const residual = f.residual ? env.get(f.residual) ?? null : null;
          results = convFused(args, ctx, { batchNorm: f.batchNorm, residual, activation: foldActivations ? f.activation : null, gate: gates.get(i) ?? null });
        } else results = this.folded[i] ?? runOp(args, ctx);
      } catch (e) {
        if (e instanceof FormatError || !(e instanceof ConvkitError)) throw e;
        // keep the error's class (a ShapeError stays one) but say which node raised it
        const Cls = e.constructor as new (m: string) => ConvkitError;
        throw new Cls(`${where}: ${e.message}`);
      } finally {
        if (pooled) this.pool.closeScope(new Set(results.flatMap((v) => (v instanceof Tensor && v.storage.memory ? [v.storage.memory] : []))));
      }
      outputs.forEach((name, k) => {
        if (name === "") return;
        const v = results[k];
        if (!v) throw new FormatError(`${where}: output ${k} '${name}' is not produced by this operator here`);
        const want = checkShapes?.get(name);
        if (want && (want.length !== v.ndim || want.some((d, j) => d !== null && d !== v.shape[j]))) {
          throw new FormatError(`${where}: output '${name}' has shape [${v.shape.join(",")}] but the graph declares [${want.map((d) => d ?? "?").join(",")}]`);
        }
        env.set(name, v);
        hold(v);
      });
      // the sizes no rule foresaw (several outputs, ops whose results are no larger than an input) count once made
      if (liveBytes > limit) throw overBudget("its outputs bring", liveBytes);
      for (const name of this.dying[i]!) {
        const v = env.get(name);
        env.delete(name);
        if (v) drop(v);
      }
      // buffers kept for reuse count too: a graph whose values all differ in size would otherwise pile them up
      if (liveBytes + this.pool.heldBytes > limit) this.pool.clear();
    });
    if (pooled) withBufferPool(this.pool, run);
    else run();
    const results = this.outputs.map((o) => env.get(o.name)!);
    // small outputs (a classifier's logits) leave as plain arrays and their blocks go back to the pool, as an eager
    // inference's do
    if (pooled) handBackSmallResults(this.pool, results);
    return results;
  }

  /** Run the graph on float inputs and return its first output (integer outputs come back as float32). */
  forward(...inputs: Tensor[]): Tensor {
    return toTensor(this.runGraph(inputs)[0]!);
  }

  /** Every output of the graph, in order, as tensors. */
  forwardAll(...inputs: Tensor[]): Tensor[] {
    return this.runGraph(inputs).map(toTensor);
  }

  override extraRepr(): string {
    return `opset=${this.opset}, nodes=${this.nodes.length}, inputs=[${this.inputs.map((i) => i.name).join(", ")}]`;
  }
}

let FOLDING = true;
/** For measurements: fold BatchNormalization and activations into the Conv before them in inference (default), or
 *  run them as written. */
export function setBatchNormFolding(on: boolean): void { FOLDING = on; }

/** What inference folds into a Conv: ConvFolds with the residual by the name of its value in the graph, and for a
 *  gate the names of the Mul's two factors (kept alive until the Conv, which may scale its weights by one). */
type ConvFold = Omit<ConvFolds, "residual" | "gate"> & { residual: string | null; gate: [string, string] | null };

/** The ops a weight passes through unchanged in value (slot 0 is the tensor). */
const PASS_THROUGH = new Set(["Reshape", "Unsqueeze", "Squeeze", "Cast", "Identity", "Flatten", "Transpose"]);
/** The input slots that hold weights: "param" (trainable) or "stat" (a buffer, like BatchNormalization's statistics). */
const WEIGHT_SLOTS: Record<string, Record<number, "param" | "stat">> = {
  Conv: { 1: "param", 2: "param" }, ConvTranspose: { 1: "param", 2: "param" }, Gemm: { 1: "param", 2: "param" },
  MatMul: { 0: "param", 1: "param" }, PRelu: { 1: "param" },
  BatchNormalization: { 1: "param", 2: "param", 3: "stat", 4: "stat" },
  InstanceNormalization: { 1: "param", 2: "param" }, LayerNormalization: { 1: "param", 2: "param" }, GroupNormalization: { 1: "param", 2: "param" },
};
/** Ops whose output a bias is added to. */
const WEIGHTED_OPS = new Set(["Conv", "ConvTranspose", "Gemm", "MatMul"]);

/**
 * GELU as PyTorch's exporter writes it before opset 20 — Div(x, √2) → Erf → Add(·, 1) → Mul(x, ·) → Mul(·, 0.5), each
 * value read by the next node alone and none a graph output, the constants scalars (initializers or Constant nodes),
 * either operand order — becomes one Gelu node writing the last Mul's output: one pass of the gelu kernel instead of
 * five. Nodes in topological order, with their indices in the file.
 */
function fuseGelus(nodes: NodeProto[], fileIndex: number[], graph: GraphProto): { nodes: NodeProto[]; fileIndex: number[]; count: number } {
  const producer = new Map<string, number>(), readers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) producer.set(o, i);
    for (const name of n.input ?? []) if (name !== "") readers.set(name, [...(readers.get(name) ?? []), i]);
  });
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ""));
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const scalar = (name: string | undefined): number | null => {
    if (name === undefined) return null;
    const p = producer.get(name);
    const attr = p === undefined ? undefined : nodes[p]!.opType === "Constant" ? nodes[p]!.attribute?.find((a) => a.name === "value") : undefined;
    const proto = attr?.t ?? (p === undefined ? inits.get(name) : undefined);
    if (!proto || (proto.dims ?? []).some((d) => Number(d) !== 1)) return null;
    try {
      const v = tensorFromProto(proto);
      return v instanceof Tensor && v.size === 1 ? v.data[0]! : null;
    } catch {
      return null; // a bad constant is reported where the graph reads it
    }
  };
  /** The node reading `value` alone, of type `op`, when the value is no graph output. */
  const next = (value: string | undefined, op: string): number | null => {
    const r = value === undefined || outputs.has(value) ? undefined : readers.get(value);
    return r?.length === 1 && nodes[r[0]!]!.opType === op ? r[0]! : null;
  };
  /** The operand of binary node `i` other than `value`, or null when `value` is not one of its two. */
  const other = (i: number, value: string): string | null => {
    const [a, b] = nodes[i]!.input ?? [];
    return a === value ? b ?? null : b === value ? a ?? null : null;
  };
  const near = (v: number | null, want: number): boolean => v !== null && Math.abs(v - want) <= 1e-6 * want;
  const drop = new Set<number>(), replace = new Map<number, NodeProto>();
  nodes.forEach((div, i) => {
    if (div.opType !== "Div" || !near(scalar(div.input?.[1]), Math.SQRT2) || drop.has(i)) return;
    const x = div.input![0]!;
    const erf = next(div.output?.[0], "Erf");
    const add = erf === null ? null : next(nodes[erf]!.output?.[0], "Add");
    if (erf === null || add === null || !near(scalar(other(add, nodes[erf]!.output![0]!) ?? undefined), 1)) return;
    const mul = next(nodes[add]!.output?.[0], "Mul");
    if (mul === null || other(mul, nodes[add]!.output![0]!) !== x) return;
    const half = next(nodes[mul]!.output?.[0], "Mul");
    if (half === null || !near(scalar(other(half, nodes[mul]!.output![0]!) ?? undefined), 0.5)) return;
    for (const k of [i, erf, add, mul]) drop.add(k);
    replace.set(half, { opType: "Gelu", input: [x], output: [...nodes[half]!.output!], name: `${nodes[half]!.name ?? "gelu"}_gelu`, attribute: [] });
  });
  const keep = nodes.map((_, i) => i).filter((i) => !drop.has(i));
  return { nodes: keep.map((i) => replace.get(i) ?? nodes[i]!), fileIndex: keep.map((i) => fileIndex[i]!), count: replace.size };
}

/** The nodes' indices in an order where every node comes after the producers of its inputs: the file's own order
 *  where it already is one (a depth-first walk that visits each node's producers first), so nothing moves in a sorted
 *  file. Inputs that no node produces are left for validateGraph to report; a cycle is a FormatError. */
function topologicalOrder(nodes: readonly NodeProto[], file: string | undefined): number[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (o === "") continue;
      if (producer.has(o)) throw formatError(file, `onnx: value '${o}' is produced by node ${producer.get(o)} and again by node ${i} (${n.opType ?? "?"})`);
      producer.set(o, i);
    }
  });
  const state = new Uint8Array(nodes.length); // 0 unseen, 1 on the walk's path, 2 placed
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    const stack: [node: number, nextInput: number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = nodes[top[0]]!.input ?? [];
      if (top[1] < inputs.length) {
        const p = producer.get(inputs[top[1]++]!);
        if (p === undefined || state[p] === 2) continue;
        if (state[p] === 1) throw formatError(file, `onnx: the graph has a cycle: node ${p} (${nodes[p]!.opType ?? "?"}) depends on its own output`);
        state[p] = 1;
        stack.push([p, 0]);
      } else {
        state[top[0]] = 2;
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

/** How many leading inputs of an op are data (the rest are settings); ops not listed take data only in slot 0. */
const DATA_SLOTS: Record<string, number> = {
  Conv: 3, ConvTranspose: 3, Gemm: 3, MatMul: 2, Add: 2, Sub: 2, Mul: 2, Div: 2, Pow: 2, BatchNormalization: 5,
  Concat: Infinity, Max: Infinity, Min: Infinity, Sum: Infinity, Mean: Infinity, Where: 3, PRelu: 2, ConstantOfShape: 0,
};

/** metadata_props as a frozen object; a key given twice is an error, as in onnx.checker. */
function readMetadata(model: ModelProto, file: string | undefined): Readonly<Record<string, string>> {
  const entries = new Map<string, string>();
  for (const entry of model.metadataProps ?? []) {
    const key = entry.key ?? "", value = entry.value ?? "";
    if (entries.has(key)) throw formatError(file, `onnx: metadata_props key '${key}' appears twice`);
    entries.set(key, value);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays plain data
  return Object.freeze(Object.fromEntries(entries));
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function toTensor(v: Value): Tensor {
  return v instanceof IntTensor ? v.toFloat() : v;
}

function formatErr(file: string | undefined, problem: string): never {
  throw formatError(file, `onnx: ${problem}`);
}

function describeIO(v: ValueInfoProto): OnnxIO {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim;
  return {
    name: v.name ?? "",
    elemType: dataTypeName(tt?.elemType),
    shape: dims ? dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && !d.dimParam ? int64(d.dimValue) : null)) : null,
  };
}

/** dryRun "auto" runs the check for inputs up to this many elements. */
const AUTO_DRY_RUN_ELEMENTS = 65536;

/** Inputs larger than this are never dry-run at load time (they are checked when the model runs). */
const DRY_RUN_MAX_ELEMENTS = 2 ** 22;

function zeroValue(io: OnnxIO): Value | null {
  const shape = io.shape!.map((d) => d!);
  const size = shape.reduce((a, d) => a * d, 1);
  if (size > DRY_RUN_MAX_ELEMENTS) return null;
  const code = (DataType as Record<string, number>)[io.elemType];
  if (code === DataType.FLOAT || code === DataType.FLOAT16 || code === DataType.BFLOAT16 || code === undefined) return zeros(shape);
  if (code === DataType.DOUBLE) return zeros(shape, { dtype: "float64" });
  return new IntTensor(new Float64Array(size), shape, "int64");
}

/** Parse ONNX bytes into a runnable, differentiable module. Malformed protobuf, unsupported operators, dangling
 *  names and (for static input shapes) wrong shapes are FormatErrors naming the file and the node. */
export function loadOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): OnnxModel {
  return new OnnxModel(decodeModel(bytes, opts.name), opts);
}
