// The webgpu backend through the public API, in Debian's headless Chromium on SwiftShader (WebGPU on the CPU): each
// case of web/webgpu-backend-test.ts (ops with their gradients on odd shapes, batch norm in training, LeNet-5 and a
// conv-BN-ReLU net trained for three steps with SGD and Adam) runs on the reference backend and on 'webgpu' from the
// same seeded values; every output, gradient and loss must match within float32 tolerance (1e-4 relative), the
// results must be GPU tensors whose .data refuses a synchronous read, and no kernel may be missing on the GPU.
// Only a missing Chromium skips it (saying so); scripts/setup-test-env.sh installs it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { CHROMIUM, openWebGPUPage, type WebGPUPage } from "./webgpu-page.js";
import type { Compared } from "../../web/webgpu-backend-test.js";

type Api = {
  cases: string[];
  init(): Promise<string>;
  run(name: string): Promise<{ compared: Compared[]; fallbacks: Record<string, number>; syncReadRefused: boolean; error: string | null }>;
  stats(): Record<string, number>;
  inferenceBuffers(): Promise<number[]>;
  stepStats(): Promise<{ compiled: number; submits: number; dispatches: number; readbacks: number; uploads: number; paramPages: number }>;
};

describe("the webgpu backend in headless Chromium (SwiftShader) against the reference backend", {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: the WebGPU tests need Debian's Chromium (apt-get install chromium, or scripts/setup-test-env.sh)`,
  timeout: 300_000,
}, () => {
  let p: WebGPUPage;
  let cases: string[] = [];
  let adapter = "";
  const started = Date.now();

  before(async () => {
    p = await openWebGPUPage("web/test-output/webgpu-backend", "backend.html", "webgpuBackendTest");
    adapter = await p.call<Api, string>((a) => a.init());
    cases = await p.call<Api, string[]>((a) => a.cases);
    // CONVKIT_WEBGPU_CASES=text[,text…] runs only the cases whose name contains one of them (while working on some)
    const only = process.env.CONVKIT_WEBGPU_CASES?.split(",");
    if (only) cases = cases.filter((c) => only.some((o) => c.includes(o)));
  });

  after(async () => {
    await p?.close();
    console.log(`# the webgpu backend checks took ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  test("the backend opens on the SwiftShader adapter", () => {
    assert.equal(adapter, "swiftshader");
    if (!process.env.CONVKIT_WEBGPU_CASES) assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  });

  test("every case equals the reference, on the GPU, with no kernel missing", async () => {
    const failures: string[] = [];
    for (const name of cases) {
      const t0 = Date.now();
      const r = await p.call<Api, Awaited<ReturnType<Api["run"]>>>((a, n) => a.run(n), name);
      if (r.error) failures.push(`${name}: ${r.error}`);
      for (const c of r.compared) if (!c.ok) failures.push(`${name} / ${c.name}: ${c.detail}`);
      if (process.env.CONVKIT_WEBGPU_CASES) for (const c of r.compared) console.log(`#   ${c.name}: ${c.detail}`);
      if (Object.keys(r.fallbacks).length > 0) failures.push(`${name}: kernels missing on the GPU: ${JSON.stringify(r.fallbacks)}`);
      if (!r.syncReadRefused) failures.push(`${name}: a GPU tensor's .data read did not throw`);
      console.log(`# ${name}: ${r.compared.length} results compared in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.error ? " (error)" : ""}`);
    }
    assert.deepEqual(failures, []);
  });

  test("a LeNet-5 training step after the first compiles nothing and submits its kernels once, for the loss's read", async () => {
    const s = await p.call<Api, Awaited<ReturnType<Api["stepStats"]>>>((a) => a.stepStats());
    console.log(`# two LeNet-5 steps: ${JSON.stringify(s)}`);
    assert.equal(s.compiled, 0, "pipelines compiled by a repeated step");
    assert.equal(s.readbacks, 2, "one read (the loss) a step");
    assert.equal(s.submits, 2, "one command buffer a step");
    assert.ok(s.dispatches > 40, `${s.dispatches} dispatches for two steps`);
    // the dispatches' parameter blocks go into uniform pages reused from step to step, not a buffer each
    assert.equal(s.paramPages, 0, "uniform pages made by a repeated step");
  });

  test("GPU inference gives its intermediates back: repeated ResNet-18 inferences reuse their buffers", async () => {
    const created = await p.call<Api, number[]>((a) => a.inferenceBuffers());
    console.log(`# GPU buffers created by each inference: ${created.join(", ")}`);
    // after the first, about one buffer a call (its output escapes; the collector returns it later, whenever it runs):
    // 83 a call without the scope
    for (const n of created.slice(1)) assert.ok(n <= 10, `an inference created ${n} buffers: ${created.join(", ")}`);
  });

  test("no console errors in the page", () => {
    assert.deepEqual(p.errors, []);
  });
});
