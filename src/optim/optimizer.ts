// The optimizer base: parameter groups with their hyper-parameters, per-parameter state, zeroGrad, and state save/restore.
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { clearGrad } from "../autograd/backward.js";
import { allocateKernelArray, isDeviceArray, toKernelArray, type KernelArray } from "../tensor/memory.js";
import { deferHostCopies, hostCopy } from "../tensor/host-copy.js";

/** Hyper-parameters every group has; each optimizer adds its own. */
export interface GroupOptions {
  /** The learning rate. */
  lr: number;
}

/** A parameter group: tensors that share hyper-parameters (like PyTorch's param_groups). */
export type ParamGroup<O extends GroupOptions> = O & {
  /** The group's parameters. */
  params: Tensor[];
};

/** Per-parameter state: buffers (same length as the parameter) and counters. */
export type ParamState = Record<string, Float32Array | Float64Array | number>;
/** The state as the optimizer keeps it: on a device backend its buffers live on the device with the parameters. */
export type LiveState = Record<string, KernelArray | number>;

/** A serialisable snapshot: per-parameter state keyed by the parameter's position across groups, and the groups' hyper-parameters. */
export interface OptimizerState {
  /** Per-parameter state, keyed by the parameter's position across groups (params()). */
  state: Record<number, ParamState>;
  /** Each group's hyper-parameters, in group order. */
  groups: Record<string, number | boolean | number[]>[];
}

/** The parameters an optimizer takes: the tensors (one group), or groups of them each with its own hyper-parameters
 *  (`[{ params: backbone, lr: 1e-4 }, { params: head }]`). */
export type ParamsInput<O extends GroupOptions> = Iterable<Tensor> | (Partial<O> & {
  /** The group's parameters. */
  params: Iterable<Tensor>;
})[];

/** Base of the optimizers: parameter groups with their hyper-parameters, per-parameter state created on a parameter's
 *  first step, zeroGrad and a state dict to save and restore (like torch.optim.Optimizer). */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  /** The parameter groups, each with its hyper-parameters (a scheduler changes their lr). */
  readonly groups: ParamGroup<O>[];
  /** State of each parameter, created on its first step. */
  readonly state = new Map<Tensor, LiveState>();
  /** The optimizer's name, for messages. */
  private readonly label: string;

  /**
   * @param name The optimizer's name, for messages.
   * @param params The parameters, or groups of them with their own hyper-parameters.
   * @param defaults Hyper-parameters of the groups that do not set them.
   */
  constructor(name: string, params: ParamsInput<O>, defaults: O) {
    this.label = name;
    const list = [...(params as Iterable<Tensor | (Partial<O> & { params: Iterable<Tensor> })>)];
    const asGroups = list.length > 0 && !("data" in list[0]!) ? (list as (Partial<O> & { params: Iterable<Tensor> })[]) : [{ params: list as Tensor[] } as unknown as Partial<O> & { params: Iterable<Tensor> }];
    this.groups = asGroups.map((g) => ({ ...defaults, ...g, params: [...g.params] }) as ParamGroup<O>);
    const seen = new Set<Tensor>();
    for (const g of this.groups) {
      if (!(g.lr >= 0)) throw new ValueError(`${name}: lr must be ≥ 0, got ${g.lr}`);
      for (const p of g.params) {
        if (seen.has(p)) throw new ValueError(`${name}: a parameter appears in more than one group`);
        seen.add(p);
      }
    }
    if (seen.size === 0) throw new ValueError(`${name}: got an empty parameter list`);
  }

  /** Apply one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Clear the gradients: zero them in place (PyTorch 1.13's default: the next backward accumulates into the same
   *  memory, so a training step allocates no gradients), or drop them with `setToNone` (PyTorch 2's default). */
  zeroGrad(setToNone = false): void {
    for (const g of this.groups) for (const p of g.params) clearGrad(p, setToNone);
  }

  /** All parameters, in group order (the numbering the state dict uses). */
  params(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** A serialisable snapshot of the state and the groups' hyper-parameters; loadStateDict restores it on the same
   *  parameters. State on a GPU is read only asynchronously: there this throws, naming stateDictAsync. */
  stateDict(): OptimizerState {
    const state: Record<number, ParamState> = {};
    this.params().forEach((p, i) => {
      const s = this.state.get(p);
      if (s) {
        state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) =>
          [k, typeof v === "number" ? v : hostCopy(v, `stateDict: the optimizer state '${k}'`, "await optimizer.stateDictAsync()") as Float32Array | Float64Array]));
      }
    });
    const groups = this.groups.map((g) => {
      const { params: _params, ...rest } = g;
      return JSON.parse(JSON.stringify(rest)) as Record<string, number | boolean | number[]>;
    });
    return { state, groups };
  }

  /** stateDict on every backend: the snapshot of this moment (its reads from a GPU are started by the call), when
   *  its values have arrived. */
  async stateDictAsync(): Promise<OptimizerState> {
    const { value, ready } = deferHostCopies(() => this.stateDict());
    await ready;
    return value;
  }

  /** Restore a snapshot taken from an optimizer over parameters of the same shapes (on a GPU, the state moves there
   *  at the next step). */
  loadStateDict(sd: OptimizerState): void {
    if (sd.groups.length !== this.groups.length) throw new ValueError(`loadStateDict: snapshot has ${sd.groups.length} parameter groups, this optimizer ${this.groups.length}`);
    const params = this.params();
    this.state.clear();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = params[Number(k)];
      if (!p) throw new ValueError(`loadStateDict: state for parameter ${k} but the optimizer has ${params.length}`);
      for (const [name, v] of Object.entries(s)) {
        if (typeof v !== "number" && v.length !== p.size) throw new ValueError(`loadStateDict: state '${name}' of parameter ${k} has ${v.length} values, the parameter ${p.size}`);
      }
      this.state.set(p, Object.fromEntries(Object.entries(s).map(([n, v]) => [n, typeof v === "number" ? v : p.dtype === "float64" ? Float64Array.from(v) : Float32Array.from(v)])));
    }
    sd.groups.forEach((g, i) => Object.assign(this.groups[i]!, g));
  }

  /** The state buffer `name` of parameter p, made (zeros, p's dtype) on first use. */
  protected buffer(p: Tensor, s: LiveState, name: string): KernelArray {
    let b = s[name];
    if (b === undefined || typeof b === "number") {
      // in the backend's memory with the parameter (on the device, or a wasm block): the update reads both in place
      b = p.dtype === "float64" ? new Float64Array(p.size) : allocateKernelArray(p.size, true);
      s[name] = b;
    } else if (!isDeviceArray(b) && isDeviceArray(p.operand)) {
      b = s[name] = toKernelArray(b); // restored by loadStateDict on the host: a device's kernel writes device memory
    }
    return b;
  }

  /** A state buffer the update reads in JavaScript (an optimizer without a kernel of its own): on the host. */
  protected hostBuffer(p: Tensor, s: LiveState, name: string): Float32Array | Float64Array {
    const b = this.buffer(p, s, name);
    if (isDeviceArray(b)) throw new ValueError(`${this.label}: its update runs in JavaScript and cannot reach ${b.device} memory; use SGD, Adam or RMSprop on the GPU`);
    return b;
  }

  /** The state of parameter p, made (empty) on first use. */
  protected stateOf(p: Tensor): LiveState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }
}
