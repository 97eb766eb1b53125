// The convkit playground's entry point (bundled by scripts/build-web.mjs into web/dist/main.js): wires the sections
// of index.html to convkit's src, and exposes the library as window.convkit for the console and the browser tests.
import * as convkit from "../src/index.js";
import { ConvSection } from "./conv-section.js";
import { PoolSection } from "./pool-section.js";
import { ParamsSection } from "./params-section.js";
import { BackendSection } from "./backend-section.js";
import { ArchSection } from "./arch-section.js";

/** What the page exposes on window: the library, and whether the playground has finished starting. */
export interface PlaygroundGlobals {
  convkit: typeof convkit;
  playground: { ready: boolean; error: string | null; timeConv: () => unknown };
}

const g = globalThis as unknown as PlaygroundGlobals;
g.convkit = convkit;

async function start(): Promise<void> {
  const conv = new ConvSection();
  const pool = new PoolSection();
  const params = new ParamsSection();
  new ArchSection();
  conv.onResult((r) => pool.setSource(r));
  const backend = new BackendSection(() => conv.update());
  g.playground = { ready: false, error: null, timeConv: () => backend.timeConv() };
  conv.update();
  params.update();
  await backend.init();
  g.playground.ready = true;
  document.body.dataset["ready"] = "true";
}

start().catch((e: unknown) => {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  g.playground = { ready: false, error: msg, timeConv: () => null };
  const status = document.getElementById("backend-status");
  if (status) status.textContent = `The playground failed to start: ${msg}`;
  console.error(e);
});
