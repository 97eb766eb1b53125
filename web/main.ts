// The convkit playground's entry point (bundled by scripts/build-web.mjs into dist/main.js): wires the sections of
// index.html to convkit's src and to the lab worker, and exposes the library as window.convkit for the console and
// the browser tests.
import * as convkit from "../src/index.js";
import { ConvSection } from "./conv-section.js";
import { StepsSection } from "./steps-section.js";
import { PoolSection } from "./pool-section.js";
import { ParamsSection } from "./params-section.js";
import { BackendSection } from "./backend-section.js";
import { ArchSection } from "./arch-section.js";
import { LabClient } from "./lab-client.js";
import { TrainSection, envText } from "./train-section.js";
import { FiltersSection } from "./filters-section.js";
import { DrawSection } from "./draw-section.js";
import { NeighborsSection } from "./nn-section.js";
import { $ } from "./dom.js";

/** What the page exposes on window: the library, how far the playground has started, and its lab worker's client
 *  (its broadcasts, for the console and the browser tests). */
export interface PlaygroundGlobals {
  convkit: typeof convkit;
  playground: { ready: boolean; labReady: boolean; error: string | null; timeConv: () => unknown; lab: LabClient | null };
}

const g = globalThis as unknown as PlaygroundGlobals;
g.convkit = convkit;

function fail(e: unknown): void {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  g.playground = { ...(g.playground ?? { ready: false, labReady: false, timeConv: () => null, lab: null }), error: msg };
  const status = document.getElementById("backend-status");
  if (status) status.textContent = `The playground failed to start: ${msg}`;
  console.error(e);
}

async function start(): Promise<void> {
  g.playground = { ready: false, labReady: false, error: null, timeConv: () => null, lab: null };
  if (!globalThis.crossOriginIsolated) {
    const note = $("isolation-note");
    note.textContent = "This host sends no COOP/COEP headers, so the page is not cross-origin isolated: convkit runs " +
      "single-threaded here (no SharedArrayBuffer for worker threads), and training is slower. Hosts that can send " +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp give it every core.";
    note.hidden = false;
  }
  const lab = new LabClient();
  g.playground.lab = lab;
  lab.on("error", (m) => fail(new Error(m.message)));
  let shipped = "";
  lab.on("ready", (m) => {
    g.playground.labReady = true;
    document.body.dataset["lab"] = "ready";
    shipped = ` The shipped LeNet-5 classifies ${(100 * m.shippedAccuracy).toFixed(2)} % of the ` +
      `${m.test.labels.length.toLocaleString("en-US")} held-out digits correctly.`;
    $("lab-info").textContent = envText(m.env) + shipped;
  });
  lab.on("env", (m) => { $("lab-info").textContent = envText(m.env) + shipped; });
  const conv = new ConvSection();
  new StepsSection();
  const pool = new PoolSection();
  const params = new ParamsSection();
  new ArchSection();
  const train = new TrainSection(lab);
  new FiltersSection(lab);
  const draw = new DrawSection(lab);
  const neighbors = new NeighborsSection(lab, () => draw.current());
  train.onPick = (i) => neighbors.pick(i);
  conv.onResult((r) => pool.setSource(r));
  const backend = new BackendSection(lab, () => conv.update());
  g.playground.timeConv = () => backend.timeConv();
  conv.update();
  params.update();
  await backend.init();
  g.playground.ready = true;
  document.body.dataset["ready"] = "true";
}

start().catch(fail);
