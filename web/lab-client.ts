// The page's side of the lab worker (web/lab-worker.ts): starts it, turns its requests into promises, and hands its
// broadcasts (ready, env, progress, eval, stopped) to the sections that listen.
import type { InferResult, LabEnv, LabReply, LabRequest, ModelChoice, NeighborsResult, TrainSettings } from "./lab-protocol.js";

type Broadcast = Exclude<LabReply, { kind: "result" }>;
type Listener<K extends Broadcast["kind"]> = (m: Extract<Broadcast, { kind: K }>) => void;

export class LabClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, ((m: Broadcast) => void)[]>();
  /** The "ready" message once it came (sections created later read it here). */
  ready: Extract<LabReply, { kind: "ready" }> | null = null;

  constructor() {
    this.worker = new Worker(new URL("./lab-worker.js", import.meta.url), { type: "module" });
    this.worker.addEventListener("message", (ev: MessageEvent<LabReply>) => this.receive(ev.data));
    this.worker.addEventListener("error", (ev) => {
      this.emit({ kind: "error", id: null, message: `the lab worker failed: ${ev.message}` });
    });
  }

  private receive(m: LabReply): void {
    if (m.kind === "result" || (m.kind === "error" && m.id !== null)) {
      const p = this.pending.get(m.id!);
      this.pending.delete(m.id!);
      if (m.kind === "result") p?.resolve(m.result);
      else p?.reject(new Error(m.message));
      return;
    }
    if (m.kind === "ready") this.ready = m;
    if (m.kind === "env" && this.ready) this.ready = { ...this.ready, env: m.env };
    this.emit(m);
  }

  private emit(m: Broadcast): void {
    for (const fn of this.listeners.get(m.kind) ?? []) fn(m);
  }

  on<K extends Broadcast["kind"]>(kind: K, fn: Listener<K>): void {
    const list = this.listeners.get(kind) ?? [];
    list.push(fn as (m: Broadcast) => void);
    this.listeners.set(kind, list);
  }

  send(m: Extract<LabRequest, { kind: "settings" | "start" | "pause" | "reset" }>): void {
    this.worker.postMessage(m);
  }

  private request<T>(m: LabRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set((m as { id: number }).id, { resolve: resolve as (r: unknown) => void, reject });
      this.worker.postMessage(m);
    });
  }

  /** Runs a 32 × 32 model input through every layer of the chosen LeNet-5. */
  infer(model: ModelChoice, input: Float32Array): Promise<InferResult> {
    return this.request({ kind: "infer", id: this.nextId++, model, input });
  }

  neighbors(model: ModelChoice, query: { test: number } | { digit: Float32Array }, k = 8): Promise<NeighborsResult> {
    return this.request({ kind: "neighbors", id: this.nextId++, model, query, k });
  }

  /** Moves the lab to another backend ("js", "wasm", "webgpu"); rejects with the reason when it cannot. */
  backend(name: string): Promise<LabEnv> {
    return this.request({ kind: "backend", id: this.nextId++, name });
  }

  settings(settings: TrainSettings): void {
    this.send({ kind: "settings", settings });
  }
}
