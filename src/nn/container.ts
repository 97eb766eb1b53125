// Containers, like torch.nn.Sequential, ModuleList and ModuleDict: children named "0", "1", … (or by key), so
// torchvision's state-dict keys ("features.0.weight") come out the same.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { Module, type AnyModule, type TensorModule } from "./module.js";
import { inferenceScopeOpen, markKeepsNoTensors, openInferenceScope } from "./inference-scope.js";
import { BatchNorm1d, BatchNorm2d } from "./norm.js";
import { Hardsigmoid, Hardswish, ReLU, ReLU6, SiLU } from "./activation.js";
import { Conv2d } from "./conv.js";
import { ChannelGate } from "./channel-gate.js";
import { fusedActivation, type BatchNormActivation } from "../ops/fusion.js";
import { needsGrad } from "../autograd/graph.js";

/** Runs its children in order, each on the previous one's output. Children are named "0", "1", … or by the
 *  keys of a record ([name, module] pairs keep their order, like an OrderedDict). */
export class Sequential extends Module {
  private readonly list: TensorModule[] = [];

  constructor(...modules: TensorModule[] | [ReadonlyArray<readonly [string, TensorModule]>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && Array.isArray(first)) {
      for (const [name, m] of first as ReadonlyArray<readonly [string, TensorModule]>) this.add(name, m);
    } else {
      (modules as TensorModule[]).forEach((m, i) => this.add(String(i), m));
    }
  }

  /** Append a child under `name` (default: its index). */
  add(name: string | null, m: TensorModule): this {
    this.registerModule(name ?? String(this.list.length), m);
    this.list.push(m);
    return this;
  }

  /** Append a child under the next index. */
  append(m: TensorModule): this {
    return this.add(null, m);
  }

  /** Number of children. */
  get length(): number {
    return this.list.length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): TensorModule {
    const m = this.list[i < 0 ? i + this.list.length : i];
    if (!m) throw new ValueError(`Sequential: index ${i} is out of range for ${this.list.length} modules`);
    return m;
  }

  /** The children, in order. */
  [Symbol.iterator](): IterableIterator<TensorModule> {
    return this.list[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    // In an inference scope, each child's output is freed once the next child has read it (the first child's input
    // is the caller's), and a convolution runs with the batch norm and the activation after it in one call, a batch
    // norm with its activation in one pass (the scope's models are in eval mode, without hooks, and record nothing:
    // no one sees the inner outputs).
    const pool = openInferenceScope(), fuse = inferenceScopeOpen();
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const first = i === 0;
      const run = fuse ? fusedRun(list, i, x) : null;
      const y = run ? run.y : list[i]!.call(x);
      if (run) i += run.taken - 1;
      if (pool && !first) pool.discard(x.data, y.data);
      x = y;
    }
    return x;
  }
}

/** The activation layers fused into the layer before them, by class (exactly: a subclass may change forward). */
const FUSED = new Map<unknown, BatchNormActivation>([[ReLU, "relu"], [ReLU6, "relu6"], [Hardswish, "hardswish"], [Hardsigmoid, "hardsigmoid"], [SiLU, "silu"]]);

/** A layer of runLayers: a module, or an activation by name (a block that applies F.relu rather than a ReLU layer). */
export type Layer = TensorModule | BatchNormActivation;

/** The activation a layer applies alone, or null when it is not one. */
function activationOf(l: Layer | undefined): BatchNormActivation | null {
  return l === undefined ? null : typeof l === "string" ? l : FUSED.get(l.constructor) ?? null;
}

/** Runs layers one after another on x, as a Sequential of them does: in an inference scope, a convolution with the
 *  batch norm and activation after it as one call. For blocks whose forward calls their layers in turn (ResNet's,
 *  GoogLeNet's, DenseNet's), so that they fuse as torchvision's Sequential blocks do. A residual (a block's shortcut)
 *  is added before the layers' trailing activation, if any — relu(bn(conv(x)) + identity) — and in an inference by
 *  the convolution as it writes. */
export function runLayers(x: Tensor, layers: readonly Layer[], residual: Tensor | null = null): Tensor {
  const fuse = inferenceScopeOpen();
  // a Sequential last (before the activation), as torchvision's blocks end in a Conv2dNormActivation: its layers, so
  // that its convolution can take the residual (a Sequential's own forward is the same walk; no hooks in a scope)
  if (fuse && residual) layers = openLastSequential(layers);
  // with a residual, the trailing activation comes after the sum
  const tail = residual && activationOf(layers[layers.length - 1]) ? layers[layers.length - 1]! : null;
  const end = tail ? layers.length - 1 : layers.length, input = x;
  for (let i = 0; i < end; i++) {
    const run = fuse ? fusedRun(layers, i, x, end, residual ? { residual, tail } : null) : null;
    x = run ? run.y : applyLayer(layers[i]!, x);
    if (run) i += run.taken - 1;
    if (run?.summed) return x; // the residual and the tail applied by the convolution
  }
  // in place on the layers' own result when nothing is recorded (as torchvision's `out += identity`)
  if (residual) x = x === input || needsGrad(x, residual) ? x.add(residual) : x.add_(residual);
  return tail ? applyLayer(tail, x) : x;
}

/** layers with the last one (or the one before a trailing activation) replaced by its own layers while it is a
 *  Sequential that runs them as Sequential does (not overriding forward): a block's Sequential ending in another. */
function openLastSequential(layers: readonly Layer[]): readonly Layer[] {
  for (;;) {
    const k = activationOf(layers[layers.length - 1]) ? layers.length - 2 : layers.length - 1;
    const m = layers[k];
    if (!(m instanceof Sequential) || m.forward !== Sequential.prototype.forward) return layers;
    layers = [...layers.slice(0, k), ...m, ...layers.slice(k + 1)];
  }
}

/** A layer's forward on x: a module's call, or an activation's op. */
function applyLayer(l: Layer, x: Tensor): Tensor {
  return typeof l === "string" ? fusedActivation("runLayers", l).alone(x) : l.call(x);
}

/** In an inference, the layers from list[i] (up to `end`) that one kernel call computes on x, as its result and their
 *  count: a convolution with the batch norm (eval mode, running statistics) and the activation after it, either or
 *  both; a batch norm with its activation. With `sum` (runLayers' residual and trailing activation), a convolution
 *  whose run reaches `end` with no activation of its own adds the residual and applies the tail too (`summed`).
 *  Null: list[i] alone. */
function fusedRun(list: readonly Layer[], i: number, x: Tensor, end = list.length,
  sum: { residual: Tensor; tail: Layer | null } | null = null): { y: Tensor; taken: number; summed: boolean } | null {
  const m = list[i]!;
  if (typeof m === "string") return null;
  const at = (k: number): Layer | undefined => (k < end ? list[k] : undefined);
  if (m.constructor === Conv2d) return convRun(m as Conv2d, (m as Conv2d).weight, at, i, x, end, sum, false);
  const gated = gateFold(m, at(i + 1), x);
  if (gated?.inner) {
    // the convolution opens a Sequential (torchvision's Conv2dNormActivation): it and the layers fused with it, then
    // the Sequential's other layers
    const inner = gated.inner, run = convRun(gated.conv, gated.weight, (k) => inner[k], 0, x, inner.length, null, true)!;
    return { y: runLayers(run.y, inner.slice(run.taken)), taken: 2, summed: false };
  }
  if (gated) {
    const run = convRun(gated.conv, gated.weight, at, i + 1, x, end, sum, true)!;
    return { ...run, taken: run.taken + 1 };
  }
  const bn = evalBatchNorm(m, BatchNorm2d) ?? evalBatchNorm(m, BatchNorm1d);
  const act = bn ? activationOf(at(i + 1)) : null;
  return bn && act ? { y: bn.forwardWith(x, act), taken: 2, summed: false } : null;
}

/** The convolution `conv` at list[i] (with `weight` for its own) and the batch norm and activation after it as one
 *  call; null when there is nothing to fuse and `always` is false. */
function convRun(conv: Conv2d, weight: Tensor, at: (k: number) => Layer | undefined, i: number, x: Tensor, end: number,
  sum: { residual: Tensor; tail: Layer | null } | null, always: boolean): { y: Tensor; taken: number; summed: boolean } | null {
  const bn = evalBatchNorm(at(i + 1), BatchNorm2d);
  const act = activationOf(at(i + (bn ? 2 : 1)));
  const taken = 1 + (bn ? 1 : 0) + (act ? 1 : 0);
  const summed = sum !== null && !act && i + taken === end;
  if (!bn && !act && !summed && !always) return null;
  const stats = bn ? { runningMean: bn.runningMean!, runningVar: bn.runningVar!, weight: bn.weight, bias: bn.bias, eps: bn.eps } : null;
  const y = summed ? conv.forwardWith(x, stats, activationOf(sum.tail ?? undefined), sum.residual, weight) : conv.forwardWith(x, stats, act, null, weight);
  return { y, taken, summed };
}

/** A channel gate (squeeze-and-excitation) m followed by a convolution with one group (itself, or the first layer of
 *  a plain Sequential, `inner`: torchvision's projection Conv2dNormActivation): conv(gate(x)·x) is conv(x) with
 *  the weights scaled per input channel, w[o, c]·gate[c] — which multiplies Cout·C·kh·kw numbers instead of the C·H·W
 *  of the feature map, so it is taken where that is fewer (the 112²–14² stages of EfficientNet and MobileNetV3, not
 *  the 7² one, where the weights outnumber the map), for one image (a batch would need weights per image). */
function gateFold(m: Layer, next: Layer | undefined, x: Tensor): { conv: Conv2d; weight: Tensor; inner: readonly TensorModule[] | null } | null {
  if (!(m instanceof ChannelGate) || m.forward !== ChannelGate.prototype.forward || x.ndim !== 4 || x.shape[0] !== 1) return null;
  // the convolution itself, or the first layer of a Sequential that runs its layers in turn
  const inner = next instanceof Sequential && next.forward === Sequential.prototype.forward ? [...next] : null;
  const first = inner ? inner[0] : next;
  if (!first || typeof first === "string" || first.constructor !== Conv2d) return null;
  const conv = first as Conv2d, [, c, h, w] = x.shape as [number, number, number, number];
  if (conv.groups !== 1 || conv.outChannels * conv.kernelSize[0] * conv.kernelSize[1] >= h * w) return null;
  return { conv, weight: conv.weight.mul(m.gate(x).reshape([1, c, 1, 1])), inner };
}

/** m when it is exactly a `cls` in eval mode with running statistics (what an inference folds), else null. */
function evalBatchNorm<B extends BatchNorm1d | BatchNorm2d>(m: Layer | undefined, cls: new (...a: never[]) => B): B | null {
  if (!m || typeof m === "string" || m.constructor !== cls) return null;
  const bn = m as B;
  return !bn.training && bn.runningMean && bn.runningVar ? bn : null;
}

/** Holds modules in a list (registered as "0", "1", …); no forward of its own. */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<[], never> {
  private readonly list: M[] = [];

  /** @param modules The modules, registered as "0", "1", … */
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Append a module under the next index. */
  append(m: M): this {
    this.registerModule(String(this.list.length), m);
    this.list.push(m);
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.list.length;
  }

  /** The i-th module (negative counts from the end). */
  at(i: number): M {
    const m = this.list[i < 0 ? i + this.list.length : i];
    if (!m) throw new ValueError(`ModuleList: index ${i} is out of range for ${this.list.length} modules`);
    return m;
  }

  /** The modules, in order. */
  [Symbol.iterator](): IterableIterator<M> {
    return this.list[Symbol.iterator]();
  }

  forward(): never {
    throw new ValueError("ModuleList has no forward: iterate over its modules");
  }
}

/** Holds modules by name, in insertion order; no forward of its own. */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<[], never> {
  private readonly map = new Map<string, M>();

  /** @param entries [name, module] pairs, in order. */
  constructor(entries: Iterable<readonly [string, M]> = []) {
    super();
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Register a module under `key`. */
  set(key: string, m: M): this {
    this.registerModule(key, m);
    this.map.set(key, m);
    return this;
  }

  /** The module under `key`. */
  get(key: string): M | undefined {
    return this.map.get(key);
  }

  /** Whether a module is registered under `key`. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Number of modules. */
  get size(): number {
    return this.map.size;
  }

  /** The names, in insertion order. */
  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** The modules, in insertion order. */
  values(): IterableIterator<M> {
    return this.map.values();
  }

  /** [name, module] pairs, in insertion order. */
  entries(): IterableIterator<[string, M]> {
    return this.map.entries();
  }

  forward(): never {
    throw new ValueError("ModuleDict has no forward: look its modules up by key");
  }
}

markKeepsNoTensors(Sequential, ModuleList, ModuleDict);
