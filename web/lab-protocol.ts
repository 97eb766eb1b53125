// Messages between the page and its lab worker (web/lab-worker.ts), which holds the digits, the shipped LeNet-5 and the
// one being trained: it trains, evaluates, classifies drawings layer by layer and finds nearest neighbours.

/** Which LeNet-5 answers: the trained one shipped with convkit (assets/lenet5-mnist.safetensors) or the page's own. */
export type ModelChoice = "shipped" | "training";
export type OptimizerName = "sgd" | "adam";

export interface TrainSettings {
  lr: number;
  batchSize: number;
  optimizer: OptimizerName;
}

/** Where the lab computes. */
export interface LabEnv {
  /** convkit backend the lab trains on: "wasm" (or "js" without WebAssembly SIMD), or the one the page picked. */
  backend: string;
  /** On "webgpu": the adapter, as "vendor architecture" ("google swiftshader"). */
  adapter?: string;
  threads: number;
  /** navigator.hardwareConcurrency: the lab leaves one core to the page. */
  cores: number;
  crossOriginIsolated: boolean;
  /** Whether WebAssembly SIMD is there (the lab computes with it on "wasm"). */
  simd: boolean;
  relaxed: boolean;
}

/** One layer's output for one image: shape without the batch (e.g. [6, 28, 28] or [84]) and its values. */
export interface LayerOutput {
  /** Index in the model: features.i, "flatten", classifier.i. */
  key: string;
  /** What it is, for the page: "C1: conv 5×5, 6 maps". */
  title: string;
  type: string;
  shape: number[];
  data: Float32Array;
  /** For a convolution or linear layer: its weight (shape as in the model) and bias. */
  weight?: { shape: number[]; data: Float32Array };
  bias?: Float32Array;
}

export interface InferResult {
  probs: Float32Array;
  layers: LayerOutput[];
}

export interface Neighbor {
  index: number;
  label: number;
  distance: number;
  /** 28 × 28 bytes. */
  pixels: Uint8Array;
}

export interface NeighborsResult {
  pixel: Neighbor[];
  feature: Neighbor[];
  /** The query's class: the label of a test digit, the model's prediction for a drawing. */
  queryLabel: number;
  /** Whether queryLabel is a true label (a test digit) or the model's prediction (a drawing). */
  labelIsTrue: boolean;
  featureDims: number;
  /** Milliseconds spent computing the features of every training image (0 when they were cached). */
  indexMs: number;
}

/** Page → lab. Requests with an id are answered by one { kind: "result" } or { kind: "error" } with that id. */
export type LabRequest =
  | { kind: "settings"; settings: TrainSettings }
  | { kind: "start" }
  | { kind: "pause" }
  | { kind: "reset" }
  | { kind: "infer"; id: number; model: ModelChoice; input: Float32Array }
  | { kind: "neighbors"; id: number; model: ModelChoice; query: { test: number } | { digit: Float32Array }; k: number }
  /** Compute on another backend ("js", "wasm", "webgpu"): answered with the new LabEnv, or an error saying why not
   *  (the lab then stays where it was). Both models move with their weights; the optimizer starts afresh. */
  | { kind: "backend"; id: number; name: string };

export interface ProgressPoint {
  /** Training images seen so far. */
  seen: number;
  loss: number;
}

export interface EvalPoint {
  seen: number;
  accuracy: number;
  loss: number;
}

/** Lab → page. */
export type LabReply =
  | {
    kind: "ready";
    env: LabEnv;
    trainCount: number;
    /** The held-out digits (28 × 28 bytes each) and labels, for the page's grids. */
    test: { pixels: Uint8Array; labels: Uint8Array };
    shippedAccuracy: number;
    shippedFilters: Float32Array;
  }
  | {
    kind: "progress";
    running: boolean;
    step: number;
    epoch: number;
    seen: number;
    /** Mean training loss over the steps since the last message (one every 0.4 s while training). */
    points: ProgressPoint[];
    imagesPerSecond: number;
    /** C1's weights [6, 1, 5, 5], as they are now. */
    filters: Float32Array;
    /** The last step's settings. */
    settings: TrainSettings;
  }
  | { kind: "eval"; point: EvalPoint; predictions: Uint8Array; ms: number }
  | { kind: "stopped"; reason: string }
  /** The lab moved to another backend (after a "backend" request). */
  | { kind: "env"; env: LabEnv }
  | { kind: "result"; id: number; result: InferResult | NeighborsResult | LabEnv }
  | { kind: "error"; id: number | null; message: string };
