// The playground's model-zoo worker (bundled to web/dist/zoo-worker.js): builds each requested model of convkit's
// zoo, runs nn.summarize at its usual input shape (shapes only) and posts the totals; building initialises every
// weight, seconds for VGG, which is why it runs off the page's main thread.
import { models, nn } from "../src/index.js";
import type { ZooReply, ZooRequest } from "./zoo-protocol.js";

const post = (m: ZooReply): void => (globalThis as unknown as { postMessage(m: ZooReply): void }).postMessage(m);

globalThis.addEventListener("message", (ev: Event) => {
  const { names } = (ev as MessageEvent<ZooRequest>).data;
  for (const name of names) {
    try {
      const t0 = performance.now();
      const model = models.create(name);
      const inputShape = models.defaultInputShape(name);
      const s = nn.summarize(model, inputShape);
      post({
        kind: "row", name, description: models.describe(name), inputShape,
        params: s.totals.params, macs: s.totals.macs, paramBytes: s.totals.paramBytes,
        activationBytes: s.totals.activationBytes, layers: s.layers.length, buildMs: performance.now() - t0,
      });
    } catch (e) {
      post({ kind: "error", name, message: e instanceof Error ? e.message : String(e) });
    }
  }
  post({ kind: "done" });
});
