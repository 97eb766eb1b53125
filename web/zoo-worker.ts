// The playground's model-zoo worker (bundled to dist/zoo-worker.js): builds each requested model of convkit's zoo, runs
// nn.summarize at its usual input shape (shapes only) and posts the summary; building initialises every weight,
// seconds for VGG, which is why it runs off the page's main thread.
import type { ZooReply, ZooRequest } from "./zoo-protocol.js";
import { zooSummary } from "./zoo-summary.js";

const post = (m: ZooReply): void => (globalThis as unknown as { postMessage(m: ZooReply): void }).postMessage(m);

globalThis.addEventListener("message", (ev: Event) => {
  const { names } = (ev as MessageEvent<ZooRequest>).data;
  for (const name of names) {
    try {
      const t0 = performance.now();
      const summary = zooSummary(name);
      post({ kind: "row", summary, buildMs: performance.now() - t0 });
    } catch (e) {
      post({ kind: "error", name, message: e instanceof Error ? e.message : String(e) });
    }
  }
  post({ kind: "done" });
});
