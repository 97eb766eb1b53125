// The WebGPU kernels (src/backends/webgpu) in Debian's headless Chromium on SwiftShader, WebGPU on the CPU: the page
// web/webgpu-test.html (bundled by scripts/build-webgpu-test.mjs, served from http://127.0.0.1: navigator.gpu needs a
// secure context) runs every WGSL kernel and the reference kernel (src/backends/js) on the same seeded inputs, on odd
// shapes, twice: both calls must match the reference within float32 tolerance and the second must compile no pipeline.
// One test per kernel family; initWebGPU's errors (no navigator.gpu, no adapter, a missing feature) are checked in
// Node with stand-in GPU objects and in the page with a made-up feature. Only a missing Chromium skips the browser
// tests (saying so); scripts/setup-test-env.sh installs it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { initWebGPU, WebGPUUnavailableError } from "../../src/backends/webgpu/device.js";
import type { Check } from "../../web/webgpu-test.js";
import { CHROMIUM, openWebGPUPage, type WebGPUPage } from "./webgpu-page.js";
/** The kernel families of the page (webgpuTest.groups), in the order they run. */
const GROUPS = ["matmul", "conv2d", "conv2dBackwardInput", "conv2dBackwardWeight", "pool2d", "planeScatter", "unary", "binary",
  "reduce", "softmax", "norm", "copyStrided", "adaptivePool", "bilinear", "activation", "optim", "batching"];

type Api = {
  groups: string[];
  init(): Promise<{ ok: boolean; info: string }>;
  run(group: string): Promise<{ checks: Check[]; error: string | null }>;
  missingFeature(): Promise<string>;
};

/** A WebGPUUnavailableError whose message is one line matching `re`. */
const unavailable = (re: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof WebGPUUnavailableError, `expected a WebGPUUnavailableError, got ${String(e)}`);
  assert.match(e.message, re);
  assert.doesNotMatch(e.message, /\n/);
  return true;
};

describe("initWebGPU says in one line why it cannot", () => {
  test("in Node without navigator.gpu or the 'webgpu' package", async (t) => {
    try {
      await import(["web", "gpu"].join(""));
      t.skip("the npm package 'webgpu' is installed here: its no-adapter error is checked below instead");
      return;
    } catch { /* absent, as on these machines */ }
    await assert.rejects(initWebGPU(), unavailable(/^webgpu: no navigator\.gpu in Node, and the npm package 'webgpu' is not installed/));
  });

  test("no adapter", async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    await assert.rejects(initWebGPU({ gpu }), unavailable(/^webgpu: navigator\.gpu\.requestAdapter\(\) found no adapter/));
  });

  test("a feature the adapter lacks, by name", async () => {
    const adapter = { features: new Set(["timestamp-query"]), limits: {} };
    const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
    await assert.rejects(initWebGPU({ gpu, requiredFeatures: ["shader-f16"] }),
      unavailable(/^webgpu: the adapter lacks the feature 'shader-f16' \(it has: timestamp-query\)$/));
  });
});

const haveChromium = existsSync(CHROMIUM);

describe("the WGSL kernels in headless Chromium (SwiftShader) against the reference kernels", {
  skip: haveChromium ? false : `${CHROMIUM} is missing: the WebGPU tests need Debian's Chromium (apt-get install chromium, or scripts/setup-test-env.sh)`,
  timeout: 170_000,
}, () => {
  let p: WebGPUPage;
  const started = Date.now();
  let init: { ok: boolean; info: string } = { ok: false, info: "not started" };

  before(async () => {
    p = await openWebGPUPage("web/test-output/webgpu", "", "webgpuTest");
    init = await api((a) => a.init());
  });

  after(async () => {
    await p?.close();
    console.log(`# the WebGPU kernel checks took ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  const api = <T>(fn: (a: Api, arg: string) => Promise<T>, arg = ""): Promise<T> => p.call<Api, T>(fn, arg);

  test("the page gets a WebGPU adapter (SwiftShader) and lists every kernel family", async () => {
    assert.ok(init.ok, `initWebGPU failed in Chromium: ${init.info}`);
    console.log(`# adapter: ${init.info}`);
    assert.deepEqual(await api(async (a) => a.groups), GROUPS);
  });

  test("initWebGPU names a feature the adapter lacks", async () => {
    assert.match(await api((a) => a.missingFeature()), /^webgpu: the adapter lacks the feature 'convkit-imaginary-feature' \(it has: .*\)$/);
  });

  for (const group of GROUPS) {
    test(`${group}: equal to the reference; the second call compiles nothing`, async () => {
      assert.ok(init.ok, `no WebGPU device: ${init.info}`);
      const t0 = Date.now();
      const { checks, error } = await api((a, g) => a.run(g), group);
      assert.equal(error, null, `${group}: ${error}`);
      assert.ok(checks.length > 0, `${group}: no checks ran`);
      const failed = checks.filter((c) => !c.ok).map((c) => `${c.label}: ${c.detail}`);
      assert.deepEqual(failed, [], `${group}: ${failed.length} of ${checks.length} checks differ from the reference`);
      const recompiled = checks.filter((c) => c.compiledAgain > 0).map((c) => `${c.label}: ${c.compiledAgain}`);
      assert.deepEqual(recompiled, [], "pipelines compiled by a second identical call");
      const compiled = checks.reduce((s, c) => s + c.compiled, 0);
      console.log(`# ${group}: ${checks.length} checks in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${compiled} pipelines compiled`);
    });
  }

  test("no console errors in the page", () => {
    assert.deepEqual(p.errors, []);
  });
});
