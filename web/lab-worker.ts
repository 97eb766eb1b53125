// The playground's lab (bundled to dist/lab-worker.js): a Web Worker that holds the built-in digits (gzipped IDX files
// written by web/tools/make-mnist.ts), the trained LeNet-5 shipped with convkit and the one the page trains. Training
// runs in slices of ~100 ms between which the worker answers the page (classify a drawing, find neighbours, change a
// setting), so the page's own thread only draws. It computes on WebAssembly unless the page moves it to another
// backend: on 'webgpu' (opened here, in the worker) the tensors live on the GPU and every value the lab reports (a
// step's loss, the held-out accuracy, a layer's maps) is read back asynchronously, once per step or answer; the same
// reads cost nothing on the CPU backends, where the numbers are those of a synchronous read. Everything here is
// convkit's public API.
import {
  F, Generator, Tensor, argmax, data, getBackend, io, models, nn, noGrad, optim, setBackend, wasm, type DataArray,
} from "../src/index.js";
import { initWebGPUBackend } from "../src/backends/webgpu/index.js";
import { DIGIT, INPUT, digitAt, toModelInput } from "./digit-input.js";
import type {
  EvalPoint, InferResult, LabEnv, LabReply, LabRequest, LayerOutput, ModelChoice, Neighbor, NeighborsResult, ProgressPoint,
  TrainSettings,
} from "./lab-protocol.js";

const PLANE = INPUT * INPUT;
/** Files next to this script (dist/), written by scripts/build-web.mjs. */
const FILES = {
  weights: "lenet5-mnist.safetensors",
  trainImages: "mnist-train-images.idx.gz", trainLabels: "mnist-train-labels.idx.gz",
  testImages: "mnist-test-images.idx.gz", testLabels: "mnist-test-labels.idx.gz",
};
/** LeNet-5's layers by their index in the model, with the paper's names (C = convolution, S = subsampling, F = full). */
const TITLES: Record<string, string> = {
  "features.0": "C1 · conv 5×5, 1 → 6 maps", "features.1": "ReLU", "features.2": "S2 · max pool 2×2, stride 2",
  "features.3": "C3 · conv 5×5, 6 → 16 maps", "features.4": "ReLU", "features.5": "S4 · max pool 2×2, stride 2",
  "features.6": "C5 · conv 5×5, 16 → 120 maps of 1×1", "features.7": "ReLU", flatten: "flatten: the 120 values as a vector",
  "classifier.0": "F6 · linear 120 → 84", "classifier.1": "ReLU: the last hidden layer (84 features)",
  "classifier.2": "output · linear 84 → 10 (logits)",
};
const EVAL_BATCH = 500;

const post = (m: LabReply, transfer: Transferable[] = []): void =>
  (globalThis as unknown as { postMessage(m: LabReply, t: Transferable[]): void }).postMessage(m, transfer);

/** Digits as bytes (for pixel-space distances and the page) and as the model's normalised 32 × 32 inputs. */
interface Digits {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  inputs: Float32Array;
}

async function fetchBytes(file: string): Promise<Uint8Array> {
  const url = new URL(`./${file}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`lab: could not load ${url.pathname} (HTTP ${res.status}); run npm run build:web`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadDigits(imagesFile: string, labelsFile: string): Promise<Digits> {
  const [img, lab] = await Promise.all([fetchBytes(imagesFile), fetchBytes(labelsFile)]);
  const images = data.parseIdx(img, imagesFile);
  const labels = data.parseIdx(lab, labelsFile);
  const count = labels.dims[0]!;
  if (images.dims.join() !== `${count},${DIGIT},${DIGIT}`) throw new Error(`lab: ${imagesFile} holds [${images.dims}], not ${count} digits of 28×28`);
  const inputs = new Float32Array(count * PLANE);
  for (let i = 0; i < count; i++) toModelInput(digitAt(images.data, i), inputs.subarray(i * PLANE, (i + 1) * PLANE));
  return { count, pixels: images.data, labels: labels.data, inputs };
}

/** The lab's environment on a backend without threads or SIMD of its own (js, webgpu). */
function plainEnv(backend: string): LabEnv {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  return { backend, threads: 1, cores: navigator.hardwareConcurrency || 1, crossOriginIsolated: isolated, simd: false, relaxed: false };
}

/** The lab's environment on wasm, once started (the page may move the lab away and back). */
let wasmEnv: LabEnv | null = null;

/**
 * The backend the lab starts on: WebAssembly, with worker threads when the page is cross-origin isolated
 * (SharedArrayBuffer), one thread otherwise; the reference kernels without WebAssembly SIMD. The GPU only when the
 * page asks (useBackend): a real GPU outruns the CPU, but a browser's software WebGPU (SwiftShader) is far slower.
 */
async function startBackend(): Promise<LabEnv> {
  const env = plainEnv("wasm");
  try {
    // one core stays with the page (its drawing, the student's clicks): on 2 cores the lab computes on one thread
    const w = await wasm.initWasm({ threads: Math.max(1, Math.min(8, env.cores - 1)) });
    wasmEnv = { ...env, threads: w.threads, simd: w.simd, relaxed: w.relaxed };
    return wasmEnv;
  } catch {
    setBackend("js");
    return plainEnv(getBackend().name);
  }
}

/** Selects backend `name` in the worker (opening the GPU for "webgpu"); throws, changing nothing, when it cannot. */
async function useBackend(name: string): Promise<LabEnv> {
  if (name === "webgpu") {
    const { adapter } = await initWebGPUBackend({ select: true });
    return { ...plainEnv("webgpu"), adapter: `${adapter.vendor} ${adapter.architecture}`.trim() };
  }
  if (name === "wasm") {
    if (!wasmEnv) throw new Error("lab: the wasm backend did not start in this browser (no WebAssembly SIMD)");
    setBackend("wasm");
    return wasmEnv;
  }
  setBackend(name);
  // the reference kernels by choice: say whether WebAssembly SIMD was there to choose instead
  return { ...plainEnv(name), simd: wasmEnv?.simd ?? false, relaxed: wasmEnv?.relaxed ?? false };
}

function conv(m: models.LeNet5, i: number): nn.Conv2d {
  return m.features.at(i) as nn.Conv2d;
}

/** A copy of the values: made now on the CPU backends (a tensor's storage may live in the WebAssembly memory, which the
 *  next op can reuse), read back from the GPU there. Call it right after the op; await it later. */
function valuesOf(t: Tensor): Promise<Float32Array> {
  return t.valuesAsync() as Promise<Float32Array>;
}

/** Runs `fn` with `m` in eval mode and no autograd, then puts the mode back (`fn` is synchronous: the model's mode and
 *  the grad mode hold for its ops only; it starts the reads of what it needs and the caller awaits them). */
function inference<T>(m: models.LeNet5, fn: () => T): T {
  const was = m.training;
  m.eval();
  try {
    return noGrad(fn);
  } finally {
    m.train(was);
  }
}

/** The last hidden layer (F6 after its ReLU, 84 values) of `count` inputs starting at `inputs`. */
async function hiddenFeatures(m: models.LeNet5, inputs: Float32Array, count: number): Promise<Float32Array> {
  const dims = 84;
  const out = new Float32Array(count * dims);
  const reads: Promise<Float32Array>[] = [];
  inference(m, () => {
    for (let s = 0; s < count; s += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, count - s);
      const x = new Tensor(inputs.slice(s * PLANE, (s + n) * PLANE), [n, 1, INPUT, INPUT]);
      reads.push(valuesOf(m.classifier.at(1).call(m.classifier.at(0).call(m.features.call(x).flatten(1)))));
    }
  });
  (await Promise.all(reads)).forEach((h, b) => out.set(h, b * EVAL_BATCH * dims));
  return out;
}

/** LeNet-5 with the weights shipped with convkit, on the backend in use. */
function loadShipped(weights: Uint8Array): models.LeNet5 {
  const m = models.lenet5();
  m.loadStateDict(io.loadSafetensors(weights, { name: FILES.weights }).tensors, { strict: true });
  return m;
}

/** The k nearest rows of `rows` (each `dims` long) to `q` in Euclidean distance, nearest first. */
function nearest(rows: ArrayLike<number>, count: number, dims: number, q: ArrayLike<number>, k: number, scale = 1): { index: number; distance: number }[] {
  const best: { index: number; distance: number }[] = [];
  for (let i = 0; i < count; i++) {
    let d = 0;
    const off = i * dims;
    for (let j = 0; j < dims; j++) {
      const diff = rows[off + j]! * scale - q[j]!;
      d += diff * diff;
    }
    if (best.length < k || d < best[best.length - 1]!.distance) {
      best.push({ index: i, distance: d });
      best.sort((a, b) => a.distance - b.distance);
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => ({ index: b.index, distance: Math.sqrt(b.distance) }));
}

class Lab {
  private model!: models.LeNet5;
  /** Whether training steps are wanted; the loop stops after its current step when this turns false. */
  running = false;
  /** Whether the training loop is alive (it may finish a step after running turned false). */
  private looping = false;
  /** The jobs (training slices, answers, resets, backend moves) run one after another: on the GPU each waits for
   *  read-backs, during which the worker takes the page's messages, and none may see another's half-done state. */
  private queue: Promise<unknown> = Promise.resolve();
  private opt!: optim.Optimizer<optim.GroupOptions>;
  private settings: TrainSettings = { lr: 0.002, batchSize: 32, optimizer: "adam" };
  private seed = 1;
  private step = 0;
  private seen = 0;
  private epoch = 0;
  private order: number[] = [];
  private cursor = 0;
  private nextEval = 0;
  /** Bumped by every change of the trained weights, so cached features know when they are stale. */
  private version = 0;
  private features = new Map<ModelChoice, { version: number; data: Float32Array }>();
  private window = { loss: 0, steps: 0, images: 0, ms: 0, lastPost: 0, points: [] as ProgressPoint[] };

  constructor(
    public env: LabEnv,
    readonly train: Digits,
    readonly test: Digits,
    /** The shipped model's file, loaded again on each backend the lab moves to. */
    readonly weights: Uint8Array,
    public shipped: models.LeNet5,
  ) {}

  /** Runs `job` once every job queued before it is done. */
  serial<T>(job: () => T | Promise<T>): Promise<T> {
    const done = this.queue.then(job);
    this.queue = done.catch(() => {});
    return done;
  }

  /** A fresh LeNet-5 (a new seed each time) and optimizer; the curves start again. */
  async reset(): Promise<void> {
    this.model = models.lenet5({ generator: new Generator(this.seed++) });
    this.makeOptimizer();
    this.step = 0;
    this.seen = 0;
    this.epoch = 0;
    this.cursor = 0;
    this.order = this.shuffled(0);
    this.nextEval = 0;
    this.version++;
    this.window = { loss: 0, steps: 0, images: 0, ms: 0, lastPost: performance.now(), points: [] };
    await this.evaluate();
    await this.postProgress();
  }

  /**
   * Moves both models to backend `name` with their weights (read back, loaded into new models there: a GPU tensor
   * cannot go back to the CPU's kernels, nor a tensor in the WebAssembly memory to the GPU's in place); the optimizer
   * starts afresh. A job like a training slice: training, if it runs, goes on after it on the new backend. Tells the
   * page ("env"), and when training is paused reports the weights as they arrived.
   */
  moveTo(name: string): Promise<LabEnv> {
    return this.serial(async () => {
      if (name === this.env.backend) return this.env;
      const state = new Map<string, Tensor>();
      for (const [key, t] of this.model.stateDict()) state.set(key, new Tensor(await t.valuesAsync(), t.shape));
      this.env = await useBackend(name);
      this.shipped = loadShipped(this.weights);
      this.model = models.lenet5({ generator: new Generator(0) }); // its initial weights are replaced at once
      this.model.loadStateDict(state, { strict: true });
      this.makeOptimizer();
      this.version++;
      this.features.clear();
      post({ kind: "env", env: this.env });
      if (!this.running) await this.postProgress(); // the filters, as they are on the new backend
      return this.env;
    });
  }

  private makeOptimizer(): void {
    const params = [...this.model.parameters()];
    const { lr, optimizer } = this.settings;
    this.opt = optimizer === "sgd"
      ? new optim.SGD(params, { lr, momentum: 0.9, nesterov: true })
      : new optim.Adam(params, { lr });
  }

  /** New settings apply from the next step; a new optimizer starts with fresh state (momentum, Adam's moments). */
  async configure(s: TrainSettings): Promise<void> {
    const newOptimizer = s.optimizer !== this.settings.optimizer;
    this.settings = { ...s };
    if (newOptimizer) this.makeOptimizer();
    else for (const g of this.opt.groups) g.lr = s.lr;
    if (!this.running) await this.postProgress();
  }

  private shuffled(epoch: number): number[] {
    const g = new Generator(data.mixSeed(this.seed, epoch));
    const idx = Array.from({ length: this.train.count }, (_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = g.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx;
  }

  /** One optimisation step on the next batch of the epoch's order; returns the batch's loss (not finite: no step taken).
   *  The loss is the step's one read: on the GPU it waits for the forward pass (and the previous step's backward and
   *  update, which the same submission carries). */
  private async trainStep(): Promise<number> {
    const b = this.settings.batchSize;
    const x = new Float32Array(b * PLANE);
    const y = new Float32Array(b);
    for (let k = 0; k < b; k++) {
      if (this.cursor >= this.order.length) {
        this.epoch++;
        this.order = this.shuffled(this.epoch);
        this.cursor = 0;
      }
      const i = this.order[this.cursor++]!;
      x.set(this.train.inputs.subarray(i * PLANE, (i + 1) * PLANE), k * PLANE);
      y[k] = this.train.labels[i]!;
    }
    this.opt.zeroGrad();
    const loss = F.crossEntropy(this.model.call(new Tensor(x, [b, 1, INPUT, INPUT])), new Tensor(y, [b]));
    const lv = await loss.itemAsync();
    if (!Number.isFinite(lv)) return lv;
    loss.backward();
    this.opt.step();
    this.step++;
    this.seen += b;
    this.version++;
    this.window.loss += lv;
    this.window.steps++;
    this.window.images += b;
    return lv;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (!this.looping) {
      this.looping = true;
      void this.loop();
    }
  }

  pause(): Promise<void> {
    this.running = false;
    return this.serial(() => this.postProgress());
  }

  private async loop(): Promise<void> {
    try {
      while (this.running) {
        await this.serial(() => this.slice());
        await yieldToEvents();
      }
    } catch (e) {
      // a step that fails (a lost GPU device, say) stops training and says why; Start tries again
      this.running = false;
      post({ kind: "stopped", reason: `training stopped at step ${this.step + 1}: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.looping = false;
    }
  }

  /** A slice of steps (about 100 ms, at least one step), then back to the event loop: the page's requests are
   *  answered between slices. */
  private async slice(): Promise<void> {
    const t0 = performance.now();
    while (this.running && performance.now() - t0 < 100) {
      const lv = await this.trainStep();
      if (!Number.isFinite(lv)) {
        this.running = false;
        const { lr, optimizer } = this.settings;
        post({ kind: "stopped", reason: `the loss became ${lv} at step ${this.step + 1} (${optimizer}, learning rate ${lr}): training diverged. Lower the learning rate and reset.` });
      }
    }
    this.window.ms += performance.now() - t0;
    if (this.seen >= this.nextEval) await this.evaluate();
    if (performance.now() - this.window.lastPost >= 400) await this.postProgress();
  }

  private async postProgress(): Promise<void> {
    const w = this.window;
    this.window = { loss: 0, steps: 0, images: 0, ms: 0, lastPost: performance.now(), points: [] };
    if (w.steps > 0) w.points.push({ seen: this.seen, loss: w.loss / w.steps });
    const ips = w.ms > 0 ? (1000 * w.images) / w.ms : 0;
    const m = { running: this.running, step: this.step, epoch: this.epoch, seen: this.seen, settings: { ...this.settings } };
    const filters = await valuesOf(conv(this.model, 0).weight);
    post({ kind: "progress", ...m, points: w.points, imagesPerSecond: ips, filters });
  }

  /** Accuracy and mean loss on the held-out digits; evaluations get sparser as training goes (512, 1024, 2048 images, …, then every 4096). */
  private async evaluate(): Promise<void> {
    const t0 = performance.now();
    const { accuracy, loss, predictions } = await evaluateModel(this.model, this.test);
    const point: EvalPoint = { seen: this.seen, accuracy, loss };
    this.nextEval = this.seen < 4096 ? Math.max(512, 2 * this.seen) : this.seen + 4096;
    post({ kind: "eval", point, predictions, ms: performance.now() - t0 }, [predictions.buffer]);
  }

  private pick(which: ModelChoice): models.LeNet5 {
    return which === "shipped" ? this.shipped : this.model;
  }

  /** One image [1, 1, 32, 32] through every layer: each layer's output, the conv layers' kernels, the probabilities. */
  async infer(which: ModelChoice, input: Float32Array): Promise<InferResult> {
    if (input.length !== PLANE) throw new Error(`lab: infer takes a 32×32 input plane, got ${input.length} values`);
    const m = this.pick(which);
    // the values are read while the layers run (on the CPU, copies before the next layer can reuse the memory)
    const reads: Promise<unknown>[] = [];
    const layers: LayerOutput[] = [];
    const fill = <K extends string>(into: Partial<Record<K, Float32Array>>, key: K, t: Tensor) => {
      reads.push(valuesOf(t).then((v) => (into[key] = v)));
    };
    const probs = inference(m, () => {
      const record = (key: string, layer: nn.Module<[Tensor], Tensor> | null, t: Tensor) => {
        const out: LayerOutput = { key, title: TITLES[key] ?? key, type: layer ? layer.typeName : "flatten", shape: t.shape.slice(1), data: new Float32Array(0) };
        fill(out, "data", t);
        if (layer instanceof nn.Conv2d) {
          out.weight = { shape: [...layer.weight.shape], data: new Float32Array(0) };
          fill(out.weight, "data", layer.weight);
          if (layer.bias) fill(out, "bias", layer.bias);
        }
        layers.push(out);
      };
      let x = new Tensor(Float32Array.from(input), [1, 1, INPUT, INPUT]);
      for (let i = 0; i < m.features.length; i++) {
        const layer = m.features.at(i);
        x = layer.call(x);
        record(`features.${i}`, layer, x);
      }
      x = x.flatten(1);
      record("flatten", null, x);
      for (let i = 0; i < m.classifier.length; i++) {
        const layer = m.classifier.at(i);
        x = layer.call(x);
        record(`classifier.${i}`, layer, x);
      }
      return valuesOf(F.softmax(x, 1));
    });
    await Promise.all(reads);
    return { probs: await probs, layers };
  }

  /** The k nearest training digits to a test digit or a drawing, by raw pixels and by the model's last hidden layer. */
  async neighbors(which: ModelChoice, query: { test: number } | { digit: Float32Array }, k: number): Promise<NeighborsResult> {
    const m = this.pick(which);
    let digit: Float32Array;
    let queryLabel: number;
    const labelIsTrue = "test" in query;
    if ("test" in query) {
      if (!Number.isInteger(query.test) || query.test < 0 || query.test >= this.test.count) {
        throw new Error(`lab: there is no held-out digit #${query.test} (0–${this.test.count - 1})`);
      }
      digit = digitAt(this.test.pixels, query.test);
      queryLabel = this.test.labels[query.test]!;
    } else {
      digit = query.digit;
      queryLabel = -1;
    }
    const input = toModelInput(digit);
    let indexMs = 0;
    const version = which === "shipped" ? 0 : this.version;
    let cached = this.features.get(which);
    if (!cached || cached.version !== version) {
      const t0 = performance.now();
      cached = { version, data: await hiddenFeatures(m, this.train.inputs, this.train.count) };
      this.features.set(which, cached);
      indexMs = performance.now() - t0;
    }
    const qf = await hiddenFeatures(m, input, 1);
    if (queryLabel < 0) queryLabel = (await inference(m, () => valuesOf(argmax(m.call(new Tensor(input, [1, 1, INPUT, INPUT])), 1))))[0]!;
    const dims = qf.length;
    const withPixels = (list: { index: number; distance: number }[]): Neighbor[] => list.map(({ index, distance }) => ({
      index, distance, label: this.train.labels[index]!,
      pixels: this.train.pixels.slice(index * DIGIT * DIGIT, (index + 1) * DIGIT * DIGIT),
    }));
    return {
      pixel: withPixels(nearest(this.train.pixels, this.train.count, DIGIT * DIGIT, digit, k, 1 / 255)),
      feature: withPixels(nearest(cached.data, this.train.count, dims, qf, k)),
      queryLabel, labelIsTrue, featureDims: dims, indexMs,
    };
  }
}

/** Accuracy, mean cross-entropy and the predicted class of every digit (one read of each batch's loss and classes). */
async function evaluateModel(m: models.LeNet5, set: Digits): Promise<{ accuracy: number; loss: number; predictions: Uint8Array }> {
  const batches: { s: number; n: number; loss: Promise<DataArray>; classes: Promise<DataArray> }[] = [];
  inference(m, () => {
    for (let s = 0; s < set.count; s += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, set.count - s);
      const x = new Tensor(set.inputs.slice(s * PLANE, (s + n) * PLANE), [n, 1, INPUT, INPUT]);
      const y = new Tensor(Float32Array.from(set.labels.subarray(s, s + n)), [n]);
      const logits = m.call(x);
      batches.push({ s, n, loss: F.crossEntropy(logits, y).valuesAsync(), classes: argmax(logits, 1).valuesAsync() });
    }
  });
  const predictions = new Uint8Array(set.count);
  let correct = 0, lossSum = 0;
  for (const { s, n, loss, classes } of batches) {
    lossSum += (await loss)[0]! * n;
    const p = await classes;
    for (let i = 0; i < n; i++) {
      predictions[s + i] = p[i]!;
      if (p[i] === set.labels[s + i]) correct++;
    }
  }
  return { accuracy: correct / set.count, loss: lossSum / set.count, predictions };
}

/** Back to the event loop at once (a MessageChannel task: no timer clamping), so queued messages run. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

async function start(): Promise<Lab> {
  const env = await startBackend();
  const [train, test, weights] = await Promise.all([
    loadDigits(FILES.trainImages, FILES.trainLabels), loadDigits(FILES.testImages, FILES.testLabels), fetchBytes(FILES.weights),
  ]);
  const shipped = loadShipped(weights);
  const lab = new Lab(env, train, test, weights, shipped);
  const shippedAccuracy = (await evaluateModel(shipped, test)).accuracy;
  post({
    kind: "ready", env, trainCount: train.count, test: { pixels: test.pixels.slice(), labels: test.labels.slice() },
    shippedAccuracy, shippedFilters: await valuesOf(conv(shipped, 0).weight),
  });
  await lab.serial(() => lab.reset()); // the first model, its held-out accuracy before training, its filters
  return lab;
}

const ready = start();
ready.catch((e: unknown) => post({ kind: "error", id: null, message: e instanceof Error ? e.message : String(e) }));

globalThis.addEventListener("message", (ev: Event) => {
  const msg = (ev as MessageEvent<LabRequest>).data;
  void ready.then(async (lab) => {
    const id = "id" in msg ? msg.id : null;
    try {
      switch (msg.kind) {
        case "settings": await lab.serial(() => lab.configure(msg.settings)); break;
        case "start": lab.start(); break;
        case "pause": await lab.pause(); break;
        case "reset": await lab.serial(() => lab.reset()); break;
        case "infer": post({ kind: "result", id: msg.id, result: await lab.serial(() => lab.infer(msg.model, msg.input)) }); break;
        case "neighbors": post({ kind: "result", id: msg.id, result: await lab.serial(() => lab.neighbors(msg.model, msg.query, msg.k)) }); break;
        case "backend": {
          post({ kind: "result", id: msg.id, result: await lab.moveTo(msg.name) });
          break;
        }
      }
    } catch (e) {
      post({ kind: "error", id, message: e instanceof Error ? e.message : String(e) });
    }
  }, () => { /* start() failed and said so */ });
});
