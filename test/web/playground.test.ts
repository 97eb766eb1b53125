// Browser tests: the playground bundle (web/, built by scripts/build-web.mjs) in Debian's headless Chromium through
// playwright-core. The same op recipes run in the page and in Node and must agree (exactly on the js backend: the same
// code on the same IEEE arithmetic); hard facts (Sobel of an edge, pooling of 0..15, …) are checked in the page; then
// the playground's controls are clicked through and their output sizes and counts checked. A missing Chromium fails, and
// a Node-only import reached by the browser build must fail the build with its import chain.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "../../web/serve.js";
import * as ck from "../../src/index.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCREENSHOT = "/tmp/convkit-playground.png";

interface Flat { shape: number[]; data: number[] }
type Results = Record<string, Flat>;

/**
 * One recipe, as JavaScript source, run both in the page (on window.convkit, the bundle) and in Node (on src/):
 * conv2d forward and backward in three configurations, max/min/avg pooling with their gradients and indices,
 * max unpooling, interpolate in its three modes with gradients, and convolve2d with a named kernel.
 * A string, not a function, so that the very same text runs in both places (no transpiler helpers sneak in).
 */
const OPS_RECIPE = `(ck, inp, backend) => {
  const { Tensor, F } = ck;
  ck.setBackend(backend);
  const leaf = (name) => new Tensor(Float32Array.from(inp[name].data), inp[name].shape, true);
  const plain = (name) => new Tensor(Float32Array.from(inp[name].data), inp[name].shape);
  const out = {};
  const put = (name, t) => { out[name] = { shape: [...t.shape], data: Array.from(t.data) }; };
  const convs = [
    ["conv_s2p1", "x1", "w1", "b1", { stride: 2, padding: 1 }],
    ["conv_dil", "x1", "w1", "b1", { stride: [2, 1], padding: [2, 1], dilation: 2 }],
    ["conv_groups", "x2", "w2", "b2", { padding: "same", groups: 2 }],
  ];
  for (const [tag, xn, wn, bn, opts] of convs) {
    const x = leaf(xn), w = leaf(wn), b = leaf(bn);
    const y = F.conv2d(x, w, b, opts);
    const g = new Tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i * 0.37)), y.shape);
    y.mul(g).sum().backward();
    put(tag + ".y", y); put(tag + ".dx", x.grad); put(tag + ".dw", w.grad); put(tag + ".db", b.grad);
  }
  for (const kind of ["max", "min", "avg"]) {
    const x = leaf("p");
    let y, idx = null;
    if (kind === "avg") y = F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
    else [y, idx] = (kind === "max" ? F.maxPool2d : F.minPool2d)(x, { kernelSize: 3, stride: 2, padding: 1, returnIndices: true });
    const g = new Tensor(Float32Array.from({ length: y.size }, (_, i) => Math.cos(i * 0.21)), y.shape);
    y.mul(g).sum().backward();
    put("pool_" + kind + ".y", y); put("pool_" + kind + ".dx", x.grad);
    if (idx) put("pool_" + kind + ".idx", idx);
  }
  {
    const [m, idx] = F.maxPool2d(plain("p"), { kernelSize: 2, stride: 2, returnIndices: true });
    put("unpool", F.maxUnpool2d(m, idx, { kernelSize: 2, stride: 2, outputSize: [inp.p.shape[2], inp.p.shape[3]] }));
  }
  const ups = [
    ["up_bilinear", { scaleFactor: 2, mode: "bilinear" }],
    ["up_bilinear_ac", { size: [11, 5], mode: "bilinear", alignCorners: true }],
    ["up_nearest", { size: [11, 5], mode: "nearest" }],
    ["up_nails", { scaleFactor: 3, mode: "bed-of-nails" }],
  ];
  for (const [tag, opts] of ups) {
    const x = leaf("u");
    const y = F.interpolate(x, opts);
    const g = new Tensor(Float32Array.from({ length: y.size }, (_, i) => ((i * 7) % 11) - 5), y.shape);
    y.mul(g).sum().backward();
    put(tag + ".y", y); put(tag + ".dx", x.grad);
  }
  put("convolve_sobel", F.convolve2d(plain("img"), "sobel-x", { padding: "same" }));
  put("correlate_gauss", F.convolve2d(plain("img"), "gauss", { mode: "correlate", stride: 2 }));
  ck.setBackend("js");
  return out;
}`;

/** Hard facts, computed in the page only: every expected value below is written out by hand. */
const FACTS_RECIPE = `(ck) => {
  const { Tensor, F } = ck;
  const flat = (t) => ({ shape: [...t.shape], data: Array.from(t.data) });
  const edge = new Tensor(Float32Array.from({ length: 64 }, (_, i) => (i % 8 >= 4 ? 1 : 0)), [1, 1, 8, 8]);
  const grid = new Tensor(Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
  const small = new Tensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
  const [m, idx] = F.maxPool2d(grid, { kernelSize: 2, returnIndices: true });
  return {
    sobelCorrelate: flat(F.convolve2d(edge, "sobel-x", { mode: "correlate" })),
    sobelConvolve: flat(F.convolve2d(edge, "sobel-x")),
    lectureOnOnes: flat(F.convolve2d(ck.ones([1, 1, 4, 5]), "lecture-example", { padding: "same" })),
    maxPool: flat(m), maxIdx: flat(idx),
    minPool: flat(F.minPool2d(grid, { kernelSize: 2 })),
    avgPool: flat(F.avgPool2d(grid, { kernelSize: 2 })),
    unpool: flat(F.maxUnpool2d(m, idx, { kernelSize: 2 })),
    nearest: flat(F.interpolate(small, { scaleFactor: 2, mode: "nearest" })),
    bilinear: flat(F.interpolate(small, { scaleFactor: 2, mode: "bilinear" })),
    nails: flat(F.interpolate(small, { scaleFactor: 2, mode: "bed-of-nails" })),
    outSize: [ck.convOutputSize(4, 3), ck.convOutputSize(128, 3, { padding: 1, stride: 2 }), ck.samePadding(5)[0]],
    params: [ck.linearParamCount(128 * 128 * 3, 64, false), ck.conv2dParamCount(3, 64, 3, { bias: false })],
    receptive: ck.receptiveField([{ kernel: 3 }, { kernel: 3 }, { kernel: 3 }]).size,
  };
}`;

type Recipe = (lib: typeof ck, inputs: Results, backend: string) => Results;

function randomInput(gen: ck.Generator, shape: number[]): Flat {
  const t = ck.randn(shape, { generator: gen });
  return { shape, data: Array.from(t.data) };
}

function makeInputs(): Results {
  const gen = new ck.Generator(2026);
  return {
    x1: randomInput(gen, [2, 3, 9, 8]), w1: randomInput(gen, [4, 3, 3, 3]), b1: randomInput(gen, [4]),
    x2: randomInput(gen, [1, 4, 7, 10]), w2: randomInput(gen, [6, 2, 3, 3]), b2: randomInput(gen, [6]),
    p: randomInput(gen, [2, 3, 7, 9]),
    u: randomInput(gen, [1, 2, 4, 3]),
    img: randomInput(gen, [1, 1, 12, 11]),
  };
}

/** |a − e| ≤ atol·max|e| + rtol·|e| for every element, shapes equal; exact when both tolerances are 0. */
function assertNear(actual: Flat, expected: Flat, label: string, rtol = 0, atol = 0): void {
  assert.ok(actual, `${label}: missing from the page's results`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const scale = expected.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!, e = expected.data[i]!;
    if (a === e) continue;
    const err = Math.abs(a - e);
    assert.ok(err <= atol * scale + rtol * Math.abs(e),
      `${label}: element ${i} is ${a} in the browser, ${e} in Node (|Δ| ${err.toExponential(2)}, scale ${scale.toExponential(2)})`);
  }
}

function assertValues(actual: Flat, shape: number[], data: number[], label: string, tol = 0): void {
  assert.deepEqual(actual.shape, shape, `${label}: shape`);
  actual.data.forEach((v, i) => assert.ok(Math.abs(v - data[i]!) <= tol, `${label}: element ${i} is ${v}, expected ${data[i]}`));
}

test("the web build names the import chain that reaches a Node-only module", () => {
  const dir = mkdtempSync(join(tmpdir(), "convkit-chain-"));
  try {
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, `import * as n from ${JSON.stringify(join(ROOT, "src", "node.ts"))};\nconsole.log(n);\n`);
    const code = `import * as esbuild from "esbuild";
      import { webBuildOptions } from ${JSON.stringify(join(ROOT, "scripts", "build-web.mjs"))};
      try { await esbuild.build({ ...webBuildOptions({ entryPoints: [${JSON.stringify(entry)}], outdir: ${JSON.stringify(join(dir, "out"))} }), logLevel: "silent" }); console.log("BUILT"); }
      catch (e) { console.log(e.errors.map((x) => x.text).join("\\n")); }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /BUILT/, "bundling src/node.ts for the browser must fail");
    assert.match(r.stdout, /Node-only module "node:\w+" in the browser bundle: .*entry\.ts → src\/node\.ts → src\/(io|data|viz)\/node\.ts → node:\w+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// outside the suite, so that a missing browser shows as a failed test, not only as a failed hook
test("Chromium is installed", () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium)`);
});

describe("the playground in headless Chromium", { timeout: 60_000 }, () => {
  let server: StaticServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let profile: string | undefined;
  let site: string | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium)`);
    }
    // the page and a fresh bundle in a temporary folder: web/dist in the working tree is left alone
    site = mkdtempSync(join(tmpdir(), "convkit-web-"));
    for (const f of ["index.html", "style.css"]) copyFileSync(join(ROOT, "web", f), join(site, f));
    const build = spawnSync(process.execPath, [join(ROOT, "scripts", "build-web.mjs"), `--outdir=${join(site, "dist")}`], { cwd: ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, `scripts/build-web.mjs failed:\n${build.stdout}\n${build.stderr}`);
    server = await serveStatic(site);
    profile = mkdtempSync(join(tmpdir(), "convkit-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") pageErrors.push(`console.error: ${m.text()}`); });
    await page.goto(server.url);
    await page.waitForFunction(() => {
      const p = (globalThis as { playground?: { ready: boolean; error: string | null } }).playground;
      return p?.ready === true || !!p?.error;
    });
    const error = await page.evaluate(() => (globalThis as { playground?: { error: string | null } }).playground?.error ?? null);
    assert.equal(error, null, `the playground failed to start: ${error}`);
  });

  after(async () => {
    await context?.close();
    await server?.close();
    for (const dir of [profile, site]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("ops in the page equal the same ops in Node (js backend: exactly; wasm: float32 tolerance)", async () => {
    const inputs = makeInputs();
    const recipe = new Function(`return ${OPS_RECIPE}`)() as Recipe;
    const expected = recipe(ck, inputs, "js");
    const backends = await page.evaluate(() => (globalThis as unknown as { convkit: typeof ck }).convkit.listBackends());
    assert.ok(backends.includes("js"));
    for (const backend of backends) {
      const got = await page.evaluate(`(${OPS_RECIPE})(window.convkit, ${JSON.stringify(inputs)}, ${JSON.stringify(backend)})`) as Results;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
      for (const [name, e] of Object.entries(expected)) {
        if (backend === "js") assertNear(got[name]!, e, `${name} (${backend})`);
        else assertNear(got[name]!, e, `${name} (${backend})`, 1e-4, 1e-5);
      }
    }
  });

  test("hard facts in the page: Sobel of an edge, the lecture's kernel, pooling of 0..15, upsampling of [[1,2],[3,4]]", async () => {
    const f = await page.evaluate(`(${FACTS_RECIPE})(window.convkit)`) as Record<string, Flat> & { outSize: number[]; params: number[]; receptive: number };
    // an edge from 0 (columns 0–3) to 1 (columns 4–7): windows over columns j..j+2 give 4·(A[j] − A[j+2]) when
    // correlating; only j = 2, 3 straddle the edge. True convolution flips the kernel, so the sign flips.
    const row = [0, 0, -4, -4, 0, 0];
    assertValues(f.sobelCorrelate!, [1, 1, 6, 6], Array.from({ length: 6 }, () => row).flat(), "sobel-x correlate");
    assertValues(f.sobelConvolve!, [1, 1, 6, 6], Array.from({ length: 6 }, () => row.map((v) => -v + 0)).flat(), "sobel-x convolve");
    // [[0,1,0],[1,4,1],[0,1,0]] sums to 8; with zero 'same' padding edges lose one neighbour, corners two
    assertValues(f.lectureOnOnes!, [1, 1, 4, 5], [6, 7, 7, 7, 6, 7, 8, 8, 8, 7, 7, 8, 8, 8, 7, 6, 7, 7, 7, 6], "lecture kernel on ones");
    assertValues(f.maxPool!, [1, 1, 2, 2], [5, 7, 13, 15], "max pool");
    assertValues(f.maxIdx!, [1, 1, 2, 2], [5, 7, 13, 15], "max pool indices");
    assertValues(f.minPool!, [1, 1, 2, 2], [0, 2, 8, 10], "min pool");
    assertValues(f.avgPool!, [1, 1, 2, 2], [2.5, 4.5, 10.5, 12.5], "mean pool");
    assertValues(f.unpool!, [1, 1, 4, 4], [0, 0, 0, 0, 0, 5, 0, 7, 0, 0, 0, 0, 0, 13, 0, 15], "max unpool");
    assertValues(f.nearest!, [1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], "nearest ×2");
    // half-pixel centres: output 1 samples source 0.25, output 2 samples 0.75; the borders clamp
    assertValues(f.bilinear!, [1, 1, 4, 4],
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], "bilinear ×2", 1e-6);
    assertValues(f.nails!, [1, 1, 4, 4], [1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0], "bed of nails ×2");
    assert.deepEqual(f.outSize, [2, 64, 2], "convOutputSize(4,3) = 2 (the lecture's example), 128 → 64 at stride 2, same p for k=5");
    assert.deepEqual(f.params, [3_145_728, 1_728], "the lecture's 64 × 49,152 vs 64 × 27 weights");
    assert.equal(f.receptive, 7, "three stacked 3×3 convs see 7×7");
  });

  test("weight sharing in the page: ∂Σconv2d(x, w)/∂w[u,v] is the sum of x over the window shifted by (u,v)", async () => {
    const gen = new ck.Generator(7);
    const x = Array.from(ck.randn([6, 7], { generator: gen }).data);
    const grad = await page.evaluate(([xs]) => {
      const lib = (globalThis as unknown as { convkit: typeof ck }).convkit;
      const xt = new lib.Tensor(Float32Array.from(xs), [1, 1, 6, 7]);
      const w = lib.zeros([1, 1, 3, 3]);
      w.requiresGrad = true;
      lib.F.conv2d(xt, w).sum().backward();
      return Array.from(w.grad!.data);
    }, [x] as const);
    // independent: every output (i, j), i < 4, j < 5, adds x[i+u][j+v] to the gradient of tap (u, v)
    for (let u = 0; u < 3; u++) {
      for (let v = 0; v < 3; v++) {
        let s = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) s += x[(i + u) * 7 + j + v]!;
        assert.ok(Math.abs(grad[u * 3 + v]! - s) <= 1e-5 * (1 + Math.abs(s)), `tap (${u},${v}): ${grad[u * 3 + v]} vs ${s}`);
      }
    }
  });

  test("clicking through the playground: output sizes, pooling, upsampling, parameter counts, backends", async () => {
    const text = async (sel: string) => (await page.textContent(sel)) ?? "";
    const value = async (sel: string) => page.getAttribute(sel, "data-value");
    const canvasSize = async (sel: string) => [await page.getAttribute(sel, "data-h"), await page.getAttribute(sel, "data-w")].map(Number);

    // defaults: 28×28 digit, 3×3 kernel, s = 1, p = 0, d = 1
    assert.equal(await value("#output-size"), "26");
    assert.match(await text("#output-size"), /⌊\(28 \+ 2·0 − 3\)\/1⌋ \+ 1 = 26/);
    assert.deepEqual(await canvasSize("#output-canvas"), [26, 26]);

    await page.fill("#stride", "2");
    await page.fill("#padding", "1");
    assert.equal(await value("#output-size"), "14");
    assert.match(await text("#output-size"), /⌊\(28 \+ 2·1 − 3\)\/2⌋ \+ 1 = 14/);
    assert.deepEqual(await canvasSize("#output-canvas"), [14, 14]);

    await page.fill("#stride", "1");
    await page.fill("#dilation", "2");
    await page.fill("#padding", "0");
    assert.equal(await value("#output-size"), "24");
    assert.match(await text("#output-size"), /2·\(3−1\) − 1\)\/1⌋ \+ 1 = 24/);
    await page.check("#same");
    assert.equal(await page.inputValue("#padding"), "2", "'same' with d = 2 pads d(k−1)/2 = 2");
    assert.equal(await value("#output-size"), "28");
    await page.uncheck("#same");
    await page.fill("#dilation", "1");
    await page.fill("#padding", "0");

    // a vertical 0→1 edge under sobel-x: −4 on the edge when correlating, +4 when convolving
    await page.selectOption("#image", "pattern:vertical edge");
    await page.selectOption("#kernel", "sobel-x");
    await page.selectOption("#mode", "correlate");
    assert.match(await text("#output-range"), /values -4 … 0\b/);
    await page.selectOption("#mode", "convolve");
    assert.match(await text("#output-range"), /values 0 … 4\b/);
    assert.equal(await page.locator("#kernel-applied table").count(), 1, "convolution shows the flipped kernel");
    // the weight-sharing gradient: L = Σ output over 26×26 positions; the centre tap sums x[1..26][1..26] = 26 rows × 13 ones
    await page.selectOption("#loss", "sum");
    const gradCells = await page.locator("#kernel-grad td").allTextContents();
    assert.equal(gradCells.length, 9);
    assert.equal(gradCells[4], "338");

    // pooling 26×26 with k = 2, s = 2 → 13×13; every upsampling ×2 → 26×26
    assert.equal(await value("#pool-info"), "13");
    assert.deepEqual(await canvasSize("#pool-out"), [13, 13]);
    for (const id of ["#up-nearest", "#up-bilinear", "#up-nails", "#up-unpool"]) assert.deepEqual(await canvasSize(id), [26, 26], id);
    await page.selectOption("#pool-type", "avg");
    await page.fill("#pool-k", "3");
    assert.equal(await value("#pool-info"), "12");
    assert.match(await text("#pool-info"), /⌊\(26 − 3\)\/2⌋ \+ 1 = 12/);

    // the lecture's parameter counts, then a 5×5 kernel
    assert.equal(await value("#fc-count"), "3145728");
    assert.equal(await value("#conv-count"), "1728");
    assert.match(await text("#conv-count"), /1,728 weights \(\+64 biases\)/);
    await page.fill("#fc-k", "5");
    assert.equal(await value("#conv-count"), String(5 * 5 * 3 * 64));

    // the zoo through nn.summarize in the page's worker: equal to Node's, and torchvision's known counts
    await page.click("#arch-run");
    for (const [name, params] of [["lenet5", 61_706], ["resnet18", 11_689_512]] as const) {
      await page.waitForSelector(`#arch-${name}[data-params]`, { timeout: 20_000 });
      const node = ck.nn.summarize(ck.models.create(name), ck.models.defaultInputShape(name));
      assert.equal(await page.getAttribute(`#arch-${name}`, "data-params"), String(node.totals.params), `${name} parameters`);
      assert.equal(await page.getAttribute(`#arch-${name}`, "data-macs"), String(node.totals.macs), `${name} MACs`);
      assert.equal(node.totals.params, params, `${name}: the published parameter count`);
    }

    // drawing: clear, then drag across the input canvas
    await page.click("#clear");
    const box = (await page.locator("#input-canvas").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.8, { steps: 8 });
    await page.mouse.up();
    assert.equal(await page.inputValue("#image"), "drawing");
    assert.doesNotMatch(await text("#output-range"), /values 0 … 0\b/, "the drawing must give a non-zero response");

    // hovering an output pixel explains its receptive field
    await page.selectOption("#image", "digit:7");
    const out = (await page.locator("#output-canvas").boundingBox())!;
    await page.mouse.move(out.x + 2, out.y + 2);
    assert.match(await text("#hover-info"), /output \(0, 0\) = .* reads input rows 0…2, columns 0…2/);
    const rgbAt = (y: number, x: number) => page.evaluate(([yy, xx]) => {
      const c = document.getElementById("input-canvas") as HTMLCanvasElement;
      return Array.from(c.getContext("2d")!.getImageData(xx, yy, 1, 1).data.slice(0, 3));
    }, [y, x] as const);
    const [r, g, b] = await rgbAt(2, 2);
    assert.ok(r! > 150 && b! < 60 && r! > g!, `tap (2,2) is marked orange, got rgb(${r},${g},${b})`);
    const [r2, g2, b2] = await rgbAt(3, 3);
    assert.ok(r2 === g2 && g2 === b2, `pixel (3,3) is outside the window and stays grey, got rgb(${r2},${g2},${b2})`);

    // backends: switch to wasm when the page has it, time a convolution on each
    const backends = await page.locator("#backend option").allTextContents();
    assert.ok(backends.includes("js"), `backends offered: ${backends.join(", ")}`);
    if (backends.includes("wasm")) {
      await page.selectOption("#backend", "wasm");
      assert.equal(await page.getAttribute("#backend-status", "data-backend"), "wasm");
      assert.match(await text("#output-size"), /= 26$/);
    }
    await page.click("#time-conv");
    const timings = JSON.parse((await page.getAttribute("#timing", "data-results")) ?? "[]") as { backend: string; ms: number }[];
    assert.deepEqual(timings.map((t) => t.backend), backends);
    assert.ok(timings.every((t) => t.ms > 0));
    console.log(`# browser conv2d timings: ${timings.map((t) => `${t.backend} ${t.ms.toFixed(2)} ms`).join(", ")}; ` +
      `${await text("#wasm-info")}`);

    // back to the defaults for the screenshot
    await page.selectOption("#backend", "js");
    await page.selectOption("#image", "digit:3");
    await page.selectOption("#mode", "correlate");
    await page.fill("#fc-k", "3");
    await page.fill("#pool-k", "2");
    await page.selectOption("#pool-type", "max");
    await page.selectOption("#loss", "square");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(pageErrors, [], "the page logged errors");
  });
});
