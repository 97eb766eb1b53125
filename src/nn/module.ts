// nn.Module, shaped like torch.nn.Module: parameters, buffers and child modules registered in order (which fixes the
// state-dict key order), train/eval, hooks, stateDict/loadStateDict and a printable tree like PyTorch's repr.
import { Tensor, replaceStorage } from "../tensor/tensor.js";
import { residentCopy } from "../backends/registry.js";
import { clearGrad } from "../autograd/backward.js";
import { noGrad } from "../autograd/grad-mode.js";
import { fmtShape, shapeEquals } from "../tensor/shape.js";
import { ShapeError, ValueError } from "../errors.js";
import { zeros } from "../tensor/creation.js";
import { onDevice } from "../tensor/memory.js";
import { callInScope } from "./inference-scope.js";

/** A state dict: tensors by dotted key ("layer1.0.conv1.weight"), in registration order. */
export type StateDict = Map<string, Tensor>;

/** What loadStateDict found wrong: keys the model has and the dict lacks, keys the dict has and the model lacks,
 *  and keys present in both with different shapes. */
export interface LoadResult {
  /** Keys of the model that the state dict lacks. */
  missingKeys: string[];
  /** Keys of the state dict that the model lacks. */
  unexpectedKeys: string[];
  /** Keys in both whose shapes differ. */
  shapeMismatches: {
    /** The key. */
    key: string;
    /** The model's shape. */
    expected: number[];
    /** The state dict's shape. */
    got: number[];
  }[];
}

/** Called after a module's forward with its inputs and output; return a value to replace the output. */
export type ForwardHook = (module: Module, inputs: readonly unknown[], output: unknown) => unknown;

/** What registerForwardHook returns: remove() takes the hook off again. */
export interface HookHandle {
  /** Take the hook off the module. */
  remove(): void;
}

/** Base class of every layer and model. Subclasses register what they own in the constructor
 *  (`this.conv1 = this.registerModule("conv1", new Conv2d(…))`) and implement forward(). Call a module with
 *  `m.call(x)` (which runs hooks), or `m.forward(x)` (which does not). */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch norm uses batch statistics and updates its running ones). */
  training = true;
  private readonly _parameters = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, AnyModule | null>();
  private readonly _forwardHooks = new Map<number, ForwardHook>();
  private _nextHookId = 0;

  /** The computation: the module's inputs to its output (call() runs it with the hooks). */
  abstract forward(...inputs: In): Out;

  /** The type name printed by toString and summary (the class name by default). */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Run forward, then the forward hooks (like calling a torch module). In eval mode with nothing recorded, a zoo
   *  model's intermediates are freed as it goes (see inference-scope.ts). */
  call(...inputs: In): Out {
    return callInScope(this as unknown as AnyModule, () => this.runForward(inputs));
  }

  private runForward(inputs: In): Out {
    let out = this.forward(...inputs);
    for (const hook of this._forwardHooks.values()) {
      const r = hook(this as unknown as Module, inputs, out);
      if (r !== undefined) out = r as Out;
    }
    return out;
  }

  // ---- registration ----
  /** Register a parameter under `name` (marks it requiresGrad) and return it. null registers an absent one (bias=False).
   *  Its values move into the backend's own memory where the backend keeps one (the wasm backend with threads), so
   *  that kernels read them in place; the tensor object stays the same. */
  registerParameter<T extends Tensor | null>(name: string, param: T): T {
    this.checkName(name, this._parameters);
    if (param) {
      param.requiresGrad = true;
      const resident = param.isOnDevice ? null : residentCopy(param.data);
      if (resident) replaceStorage(param, resident);
    }
    this._parameters.set(name, param);
    return param;
  }

  /** Register a buffer (state that is not a parameter: running statistics…). Non-persistent buffers stay out of the state dict. */
  registerBuffer<T extends Tensor | null>(name: string, buffer: T, persistent = true): T {
    this.checkName(name, this._buffers);
    this._buffers.set(name, buffer);
    if (!persistent) this._nonPersistent.add(name);
    return buffer;
  }

  /** Register a child module and return it. null registers an absent one (e.g. downsample: None). */
  registerModule<M extends AnyModule | null>(name: string, module: M): M {
    this.checkName(name, this._modules);
    this._modules.set(name, module);
    return module;
  }

  /** Replace a registered parameter, buffer or child module in place of the old one (same name, same position). */
  protected replace(name: string, value: Tensor | AnyModule | null): void {
    if (this._parameters.has(name)) this._parameters.set(name, value as Tensor | null);
    else if (this._buffers.has(name)) this._buffers.set(name, value as Tensor | null);
    else if (this._modules.has(name)) this._modules.set(name, value as AnyModule | null);
    else throw new ValueError(`${this.typeName}: nothing is registered as '${name}'`);
  }

  private checkName(name: string, own: Map<string, unknown>): void {
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new ValueError(`${this.typeName}: a registered name must be a non-empty string without '.', got '${String(name)}'`);
    }
    const taken = own.has(name) || this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name);
    if (taken) throw new ValueError(`${this.typeName}: '${name}' is already registered`);
  }

  /** A child by name, or undefined. */
  getChild(name: string): AnyModule | undefined {
    return this._modules.get(name) ?? undefined;
  }

  /** A submodule by dotted path ("layer1.0.conv1"); throws if there is none. */
  getSubmodule(path: string): AnyModule {
    if (path === "") return this as unknown as AnyModule;
    let m: AnyModule = this as unknown as AnyModule;
    for (const part of path.split(".")) {
      const next = m.getChild(part);
      if (!next) throw new ValueError(`getSubmodule: ${m.typeName} has no submodule '${part}' (path '${path}')`);
      m = next;
    }
    return m;
  }

  // ---- traversal ----
  /** Direct children with their names, in registration order (absent ones skipped). */
  *namedChildren(): IterableIterator<[string, AnyModule]> {
    for (const [name, m] of this._modules) if (m) yield [name, m];
  }

  /** Direct children, in registration order. */
  *children(): IterableIterator<AnyModule> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module ("") and every descendant with its dotted path, depth first in registration order; each once. */
  *namedModules(prefix = "", seen: Set<AnyModule> = new Set()): IterableIterator<[string, AnyModule]> {
    const self = this as unknown as AnyModule;
    if (seen.has(self)) return;
    seen.add(self);
    yield [prefix, self];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, seen);
  }

  /** This module and every descendant, depth first in registration order; each once. (Collected without the dotted
   *  names namedModules builds: inference and training scopes walk the tree on every outermost call.) */
  modules(): IterableIterator<AnyModule> {
    const out: AnyModule[] = [], seen = new Set<AnyModule>();
    const visit = (m: AnyModule): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push(m);
      for (const child of m._modules.values()) if (child) visit(child);
    };
    visit(this as unknown as AnyModule);
    return out.values();
  }

  /** Every parameter with its dotted key, in state-dict order; a tensor shared by two modules is listed once. */
  *namedParameters(recurse = true): IterableIterator<[string, Tensor]> {
    yield* this.namedTensors("param", recurse);
  }

  /** Every parameter, in state-dict order (this module's own only when recurse is false). */
  *parameters(recurse = true): IterableIterator<Tensor> {
    for (const [, p] of this.namedParameters(recurse)) yield p;
  }

  /** Every buffer (batch norm's running statistics…) with its dotted key, in state-dict order. */
  *namedBuffers(recurse = true): IterableIterator<[string, Tensor]> {
    yield* this.namedTensors("buffer", recurse);
  }

  /** Every buffer, in state-dict order. */
  *buffers(recurse = true): IterableIterator<Tensor> {
    for (const [, b] of this.namedBuffers(recurse)) yield b;
  }

  private *namedTensors(kind: "param" | "buffer", recurse: boolean): IterableIterator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, AnyModule]> = recurse ? this.namedModules() : [["", this as unknown as AnyModule]];
    for (const [path, m] of mods) {
      for (const [name, t] of kind === "param" ? m._parameters : m._buffers) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        yield [path ? `${path}.${name}` : name, t];
      }
    }
  }

  /** Number of parameter elements (trainable only if asked). */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // ---- modes ----
  /** Set training mode on this module and every descendant. */
  train(on = true): this {
    for (const m of this.modules()) m.training = on;
    return this;
  }

  /** Set evaluation mode on this module and every descendant: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Apply fn to every descendant, children first, then this module (like torch's Module.apply). */
  apply(fn: (m: AnyModule) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  /** Clear every parameter's gradient: zero it in place (PyTorch 1.13's default: the next backward accumulates into
   *  the same memory, so a training step allocates no gradients), or drop it with `setToNone`. */
  zeroGrad(setToNone = false): void {
    for (const p of this.parameters()) clearGrad(p, setToNone);
  }

  /** Turn gradients on or off for every parameter (freezing a backbone). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  // ---- hooks ----
  /** hook(module, inputs, output) runs after every call(); remove() it when done. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    const id = this._nextHookId++;
    this._forwardHooks.set(id, hook);
    return { remove: () => void this._forwardHooks.delete(id) };
  }

  /** Whether a forward hook is registered on this module (not its children). */
  hasForwardHooks(): boolean {
    return this._forwardHooks.size > 0;
  }

  // ---- state ----
  /** Parameters and persistent buffers by dotted key, in PyTorch's order: per module (depth first), its parameters
   *  then its buffers. The tensors are the module's own (not copies). */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const [name, p] of m._parameters) if (p) sd.set(prefix + name, p);
      for (const [name, b] of m._buffers) if (b && !m._nonPersistent.has(name)) sd.set(prefix + name, b);
      for (const [name, c] of m._modules) if (c) visit(c, `${prefix}${name}.`);
    };
    visit(this as unknown as AnyModule, "");
    return sd;
  }

  /** Copy tensors into this module's parameters and buffers by key (values are copied into the existing tensors, so
   *  references to them stay valid). With strict (the default), any missing, unexpected or mis-shaped key throws a
   *  ShapeError listing all of them and nothing is copied; otherwise matching keys are copied and the problems returned. */
  loadStateDict(sd: StateDict | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const source = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const result: LoadResult = { missingKeys: [], unexpectedKeys: [], shapeMismatches: [] };
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      const src = source.get(key);
      if (!src) {
        result.missingKeys.push(key);
      } else if (!shapeEquals(src.shape, target.shape) && !(src.size === 1 && target.size === 1)) {
        result.shapeMismatches.push({ key, expected: [...target.shape], got: [...src.shape] });
      } else {
        pairs.push([target, src]);
      }
    }
    for (const key of source.keys()) if (!own.has(key)) result.unexpectedKeys.push(key);
    const problems = result.missingKeys.length + result.unexpectedKeys.length + result.shapeMismatches.length;
    if (strict && problems > 0) throw new ShapeError(`loadStateDict: the state dict does not fit ${this.typeName}:\n${describeLoadResult(result)}`);
    // on a device, a copy by its kernels (the source may be on the host: it is uploaded; a target still on the host,
    // as a new model's are until their first use, moves there)
    for (const [target, src] of pairs) {
      if (target.isOnDevice || (src.isOnDevice && onDevice())) noGrad(() => target.copy_(src));
      else target.data.set(src.data);
    }
    return result;
  }

  // ---- printing ----
  /** The layer's settings for toString, like PyTorch's extra_repr ("3, 64, kernel_size=(7, 7)…"). */
  extraRepr(): string {
    return "";
  }

  /** A tree like PyTorch's repr. */
  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    const kids = [...this._modules].filter((e): e is [string, AnyModule] => e[1] !== null);
    if (kids.length === 0) return `${this.typeName}(${extra})`;
    if (extra) lines.push(...extra.split("\n"));
    for (const [name, m] of kids) {
      const sub = m.toString().split("\n").join("\n  ");
      lines.push(`(${name}): ${sub}`);
    }
    return `${this.typeName}(\n  ${lines.join("\n  ")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** A module of any signature (what containers and traversal hold); narrow it to call it. */
export type AnyModule = Module<never, unknown>;

/** A module from one tensor to one tensor (what Sequential chains). */
export type TensorModule = Module<[Tensor], Tensor>;

/** The problems of a load, one per line, for error messages. */
export function describeLoadResult(r: LoadResult): string {
  const lines: string[] = [];
  if (r.missingKeys.length) lines.push(`  missing keys (${r.missingKeys.length}): ${r.missingKeys.join(", ")}`);
  if (r.unexpectedKeys.length) lines.push(`  unexpected keys (${r.unexpectedKeys.length}): ${r.unexpectedKeys.join(", ")}`);
  for (const m of r.shapeMismatches) lines.push(`  shape mismatch for ${m.key}: the model has ${fmtShape(m.expected)}, the state dict ${fmtShape(m.got)}`);
  return lines.join("\n");
}
