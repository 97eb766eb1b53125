// Messages between the playground page and its model-zoo worker (web/zoo-worker.ts).

/** Page → worker: summarize these zoo models, in this order. */
export interface ZooRequest {
  names: string[];
}

/** Worker → page: one model's totals from nn.summarize, an error, or the end of the run. */
export type ZooReply =
  | {
    kind: "row";
    name: string;
    description: string;
    inputShape: number[];
    params: number;
    macs: number;
    paramBytes: number;
    activationBytes: number;
    layers: number;
    buildMs: number;
  }
  | { kind: "error"; name: string; message: string }
  | { kind: "done" };
