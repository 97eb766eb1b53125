// The model-zoo summaries: their form (shared by web/zoo-data.ts, its generator and the page) and the messages between
// the page and its model-zoo worker (web/zoo-worker.ts), which recomputes them live.

/** The architectures the page draws, in the lecture's (historical) order. */
export const ZOO_MODELS = ["lenet5", "alexnet", "vgg16", "vgg19", "googlenet", "resnet18", "resnet50", "resnet152", "densenet121", "unet"] as const;

/** One leaf-layer call: [name, type, output shape without the batch dimension, parameters, MACs]. */
export type ZooLayer = [name: string, type: string, shape: number[], params: number, macs: number];

/** One call of a block (a child module that is not a plain container): [dotted name, type, output shape without the batch]. */
export type ZooBlock = [name: string, type: string, shape: number[]];

/** nn.summarize of one zoo model at its usual input shape. */
export interface ZooSummary {
  name: string;
  description: string;
  /** [C, H, W] */
  inputShape: number[];
  params: number;
  macs: number;
  paramBytes: number;
  activationBytes: number;
  layers: ZooLayer[];
  /** The blocks in call order, for the layer diagram. */
  blocks: ZooBlock[];
}

/** Page → worker: summarize these zoo models, in this order. */
export interface ZooRequest {
  names: string[];
}

/** Worker → page: one model's summary, an error, or the end of the run. */
export type ZooReply =
  | { kind: "row"; summary: ZooSummary; buildMs: number }
  | { kind: "error"; name: string; message: string }
  | { kind: "done" };
