// The playground on the webgpu backend, in Debian's headless Chromium with WebGPU on SwiftShader (WebGPU emulated on
// the CPU; the flags of test/web/webgpu-page.ts): the backend section offers webgpu (wasm stays the default), picking
// it moves the page and the lab worker to the GPU, the convolution section draws the values read back from it (equal
// to the CPU's), LeNet-5 trains there for a few steps with its loss read back once per step (finite, falling), the
// network being trained classifies a drawing there, the convolution benchmark includes webgpu, and the lab moves back
// to wasm with its weights and trains on from there. Screenshots at 1280 and 390 px go to
// web/test-output/screenshots/webgpu-*.png. SwiftShader is slow (seconds a step), so the steps are few.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "../../web/serve.js";
import { CHROMIUM } from "./webgpu-page.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** A site of its own (test/web/playground.test.ts builds web/test-output/site, perhaps at the same time). */
const SITE = join(ROOT, "web", "test-output", "site-webgpu");
const SHOTS = join(ROOT, "web", "test-output", "screenshots");
/** WebGPU on SwiftShader, as test/web/webgpu-page.ts opens it. */
const ARGS = ["--headless=new", "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--no-sandbox", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Training steps on the GPU, of the default batch of 32: SwiftShader takes half a minute for the first (compiling the
 *  kernels) and seconds for each next one. */
const STEPS = 6;

function buildSite(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, "scripts", "build-web.mjs"), `--site=${SITE}`], { cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/build-web.mjs --site failed:\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

/** A point of the loss curve as the lab reported it, with the backend the lab was on. */
interface LossPoint { backend: string; seen: number; loss: number }
/** What the page recorded of the lab's reports: the loss points, and C1's weights at each report. */
interface Recorded { losses: LossPoint[]; filters: { backend: string; step: number; weights: number[] }[] }

/** Starts recording the lab's reports in the page (window.__lab), through the client it exposes. */
const RECORD = `(() => {
  const lab = window.playground.lab;
  let backend = lab.ready.env.backend;
  window.__lab = { losses: [], filters: [] };
  lab.on("env", (m) => { backend = m.env.backend; });
  lab.on("progress", (m) => {
    for (const p of m.points) window.__lab.losses.push({ backend, seen: p.seen, loss: p.loss });
    window.__lab.filters.push({ backend, step: m.step, weights: Array.from(m.filters) });
  });
})()`;
const recorded = (page: Page) => page.evaluate(() => (window as unknown as { __lab: Recorded }).__lab);

/** The training stats' data attributes. */
async function trainStats(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => ({ ...document.getElementById("train-stats")!.dataset }) as Record<string, string>);
}

/** Screenshots of the header and the sections that show the backend at work, tagged `webgpu-<width>`. */
async function screenshots(page: Page, width: number): Promise<string[]> {
  mkdirSync(SHOTS, { recursive: true });
  const paths: string[] = [];
  for (const id of ["header", "#sec-conv", "#sec-train", "#sec-backend"]) {
    const path = join(SHOTS, `webgpu-${width}-${id.replace("#", "")}.png`);
    // sections off screen are not rendered (content-visibility: auto): scroll there and let two frames pass
    await page.locator(id).scrollIntoViewIfNeeded();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.locator(id).screenshot({ path });
    paths.push(path);
  }
  return paths;
}

describe("the playground on webgpu in headless Chromium (SwiftShader)", { timeout: 600_000 }, () => {
  let server: StaticServer | undefined;
  let context: BrowserContext | undefined;
  let profile = "";
  let page: Page;
  const errors: string[] = [];
  const text = async (sel: string) => (await page.textContent(sel)) ?? "";
  /** Waits until `sel`'s text matches `re` (the GPU's values come back asynchronously). */
  const waitText = (sel: string, re: RegExp, timeout = 60_000) =>
    page.waitForFunction(([s, src, flags]) => new RegExp(src, flags).test(document.querySelector(s)?.textContent ?? ""),
      [sel, re.source, re.flags] as const, { timeout });

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium)`);
    await buildSite();
    server = await serveStatic(SITE);
    profile = mkdtempSync(join(tmpdir(), "convkit-webgpu-playground-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(60_000);
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console.error: ${m.text()}`); });
    await page.goto(server.url);
    await page.waitForFunction(() => {
      const p = (globalThis as { playground?: { ready: boolean; labReady: boolean; error: string | null } }).playground;
      return (p?.ready === true && p.labReady) || !!p?.error;
    }, null, { timeout: 120_000 });
    const error = await page.evaluate(() => (globalThis as { playground?: { error: string | null } }).playground?.error ?? null);
    assert.equal(error, null, `the playground failed to start: ${error}`);
    await page.evaluate(RECORD);
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
  });

  test("webgpu is offered with its adapter; wasm stays the default", async () => {
    // the nearest-neighbour section searches once it comes near the screen: let it do so on wasm (on SwiftShader the
    // features of the 8,004 training digits take minutes, and the lab answers in order)
    await page.locator("#sec-nn").scrollIntoViewIfNeeded();
    await page.waitForSelector("#nn-feature[data-labels]");
    await page.evaluate(() => window.scrollTo(0, 0));
    assert.match(await text("#webgpu-info"), /^webgpu backend ready: adapter google swiftshader/);
    const options = await page.locator("#backend option").allTextContents();
    assert.ok(options.includes("webgpu") && options.includes("wasm"), `backends offered: ${options.join(", ")}`);
    assert.equal(await page.getAttribute("#backend-status", "data-backend"), "wasm");
    assert.equal(await page.getAttribute("#backend-status", "data-lab"), "wasm");
    assert.match(await text("#train-env"), /WebAssembly SIMD/);
  });

  test("picking webgpu moves the page and the lab; the convolution section draws the GPU's values, equal to the CPU's", async () => {
    const sections = ["#output-range", "#grad-info", "#pool-info", "#up-shape"];
    const onWasm = await Promise.all(sections.map(text));
    await page.selectOption("#backend", "webgpu");
    await page.waitForFunction(() => document.getElementById("backend-status")?.dataset["lab"] === "webgpu", null, { timeout: 120_000 });
    assert.equal(await page.getAttribute("#backend-status", "data-backend"), "webgpu");
    assert.match(await text("#backend-status"), /convkit backend in use: webgpu .*the lab trains there too/);
    assert.match(await text("#train-env"), /on the GPU, through WebGPU \(adapter: google swiftshader\)/);
    // the same image, kernel and settings, computed again on the GPU: the same numbers as printed
    for (const [i, sel] of sections.entries()) assert.equal(await text(sel), onWasm[i], `${sel} on webgpu`);
    // controls change faster than the GPU answers: the latest settings' result is what stays on screen
    await page.selectOption("#image", "pattern:vertical edge");
    await page.selectOption("#kernel", "sobel-x");
    await page.selectOption("#mode", "correlate");
    await waitText("#output-range", /values -4 … 0\b/);
    await page.selectOption("#mode", "convolve");
    await waitText("#output-range", /values 0 … 4\b/);
    await page.selectOption("#loss", "sum");
    // the weight-sharing gradient: the centre tap sums x[1..26][1..26] = 26 rows × 13 ones
    await page.waitForFunction(() => document.querySelectorAll("#kernel-grad td")[4]?.textContent === "338");
    assert.equal(await page.locator("#kernel-applied table").count(), 1, "convolution shows the flipped kernel");
    // the step-by-step convolution: a 7 × 7 input (padding 1, 3 × 3 kernel) gives 7 × 7, each hand sum equal to F.conv2d's
    await page.fill("#step-i", "7");
    await page.waitForFunction(() => document.getElementById("step-output")?.dataset["rows"] === "7");
    for (let t = 0; t < 3; t++) {
      if (t > 0) await page.click("#step-next");
      assert.match(await text("#step-sum"), /✓ F\.conv2d gives the same/, `step ${t + 1}`);
    }
  });

  test(`LeNet-5 trains on the GPU: ${STEPS} steps, the loss read back finite and falling`, { timeout: 400_000 }, async () => {
    await page.locator("#sec-train").scrollIntoViewIfNeeded();
    const t0 = Date.now();
    await page.click("#train-run");
    await page.waitForFunction((n) => Number(document.getElementById("train-stats")?.dataset["step"] ?? 0) >= n, STEPS, { timeout: 360_000 });
    await page.click("#train-run");
    const seconds = (Date.now() - t0) / 1000;
    await page.waitForFunction(() => document.getElementById("train-run")?.dataset["running"] === "false");
    const s = await trainStats(page);
    const points = (await recorded(page)).losses;
    console.log(`# webgpu training: ${s["step"]} steps in ${seconds.toFixed(0)} s; losses ${points.map((p) => p.loss.toFixed(3)).join(", ")}`);
    assert.ok(points.length >= 2 && points.every((p) => p.backend === "webgpu"), JSON.stringify(points));
    const [first, last] = [points[0]!.loss, points.at(-1)!.loss];
    assert.ok(points.every((p) => Number.isFinite(p.loss)), "every loss is finite");
    assert.ok(first > 2 && first < 2.6, `the first loss ${first}: a fresh LeNet-5 starts near ln 10 = 2.30`);
    assert.ok(last < first - 0.05, `the loss went from ${first} to ${last}`);
    assert.equal(Number(s["loss"]), last, "the page shows the last loss read");
    assert.match(await text("#train-stats"), new RegExp(`training loss ${last.toFixed(3)}`));
    // the network being trained classifies the drawing on the GPU too
    await page.selectOption("#draw-model", "training");
    await page.waitForFunction(() => {
      const el = document.getElementById("top5");
      return el?.dataset["busy"] === "0" && /^\d$/.test(el.dataset["top"] ?? "");
    }, null, { timeout: 120_000 });
    await page.selectOption("#draw-model", "shipped");
  });

  test("the convolution benchmark times webgpu beside the CPU's backends", { timeout: 200_000 }, async () => {
    await page.click("#time-conv");
    await page.waitForSelector("#timing[data-results]", { timeout: 180_000 });
    const timings = JSON.parse((await page.getAttribute("#timing", "data-results"))!) as { backend: string; ms: number }[];
    assert.deepEqual(timings.map((t) => t.backend).sort(), ["js", "wasm", "webgpu"]);
    assert.ok(timings.every((t) => t.ms > 0));
    const diff = Number(/largest difference between backends (\S+)$/.exec(await text("#timing"))?.[1]);
    assert.ok(diff < 1e-3, `the backends' outputs differ by ${diff}`);
    assert.equal(await page.getAttribute("#backend-status", "data-backend"), "webgpu", "the page's backend is restored");
    console.log(`# ${await text("#timing")}`);
  });

  test("screenshots at 1280 and 390 px", async () => {
    const wide = await screenshots(page, 1280);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500); // resize handlers redraw the charts
    const narrow = await screenshots(page, 390);
    await page.setViewportSize({ width: 1280, height: 900 });
    console.log(`# screenshots: ${[...wide, ...narrow].map((p) => p.slice(SHOTS.length + 1)).join(", ")}`);
  });

  test("back to wasm: the lab moves with its weights and trains on from there", async () => {
    const onGpu = (await recorded(page)).filters.at(-1)!;
    assert.equal(onGpu.backend, "webgpu");
    await page.selectOption("#backend", "wasm");
    await page.waitForFunction(() => document.getElementById("backend-status")?.dataset["lab"] === "wasm", null, { timeout: 60_000 });
    assert.match(await text("#train-env"), /WebAssembly SIMD/);
    // the lab reports the weights it moved: C1's 150 weights exactly as they were on the GPU
    await page.waitForFunction(() => (window as unknown as { __lab: Recorded }).__lab.filters.at(-1)!.backend === "wasm");
    const moved = (await recorded(page)).filters.at(-1)!;
    assert.equal(moved.step, onGpu.step);
    assert.equal(moved.weights.length, 150);
    assert.deepEqual(moved.weights, onGpu.weights);
    const gpuLast = (await recorded(page)).losses.at(-1)!;
    await page.click("#train-run");
    await page.waitForFunction(() => (window as unknown as { __lab: Recorded }).__lab.losses.some((p) => p.backend === "wasm"));
    await page.click("#train-run");
    const onWasm = (await recorded(page)).losses.filter((p) => p.backend === "wasm");
    console.log(`# back on wasm: the GPU's last loss ${gpuLast.loss.toFixed(3)} after ${gpuLast.seen} images, then ${onWasm[0]!.loss.toFixed(3)} after ${onWasm[0]!.seen}`);
    assert.ok(onWasm[0]!.seen > gpuLast.seen && Number.isFinite(onWasm[0]!.loss));
  });

  test("no console errors", () => {
    assert.deepEqual(errors, []);
  });
});
