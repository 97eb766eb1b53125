// Every script in examples/ runs, quickly and on small data, against this checkout's sources (from-source.mjs maps
// their `import "convkit"` to src/): torchvision weights made here by PyTorch and classified as PyTorch does, a custom
// CNN trained with fit, a fine-tuned LeNet-5, an ONNX export run in onnxruntime-node, and the browser page in Chromium.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { PNG } from "pngjs";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { ROOT } from "../cli/helpers.js";

const EXAMPLES = join(ROOT, "examples");
const FROM_SOURCE = join(ROOT, "test", "examples", "from-source.mjs");
/** tsx by its own URL: the examples run in a temporary folder, where "tsx" would not resolve. */
const TSX = import.meta.resolve("tsx");
const CHROMIUM = "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "convkit-examples-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The scripts this file runs; the first test checks that it is all of them. */
const RUN = new Set<string>();

/** Run an example as a user would (node examples/x.mjs …), in `cwd`; its stdout, or a failure with its output. */
function example(script: string, args: string[], timeout = 300_000): string {
  RUN.add(script);
  const r = spawnSync(process.execPath, ["--import", TSX, "--import", FROM_SOURCE, join(EXAMPLES, script), ...args], {
    cwd: dir, encoding: "utf8", timeout, env: { ...process.env, FORCE_COLOR: "0" },
  });
  assert.equal(r.status, 0, `${script} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test("classify-photo: torchvision ResNet-18 weights (a .pth made by PyTorch) give PyTorch's top 5 on a photo", () => {
  // a 224×224 photo-like picture: smooth colour gradients and a disc
  const w = 224, png = new PNG({ width: w, height: w });
  const rgb = new Uint8Array(w * w * 3);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
    const disc = (x - 140) ** 2 + (y - 90) ** 2 < 50 ** 2;
    const px = [disc ? 230 : (x * 255) / w, disc ? 40 : (y * 255) / w, disc ? 60 : 128].map(Math.round);
    rgb.set(px, (y * w + x) * 3);
    png.data.set([...px, 255], (y * w + x) * 4);
  }
  writeFileSync(join(dir, "photo.png"), new Uint8Array(PNG.sync.write(png)));
  writeFileSync(join(dir, "photo.rgb"), rgb);
  // random torchvision weights (no download), with batch-norm statistics, and a last layer that maps this photo's
  // departure from random pictures' mean features to logits of spread 2.5 (a random ResNet's features hardly depend on
  // its input): the top five hold 6–15 % each, and a preprocessing off by 0.005 in one mean changes them. PyTorch's
  // top 5 on the same pixels with torchvision's preprocessing.
  const py = `import json, sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18().eval()
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.1, 0.1); mod.running_var.uniform_(0.5, 1.5)
x = torch.frombuffer(bytearray(open(sys.argv[2], 'rb').read()), dtype=torch.uint8).reshape(224, 224, 3).permute(2, 0, 1).float() / 255
x = ((x - torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1))[None]
body = torch.nn.Sequential(*list(m.children())[:-1])
with torch.no_grad():
    mu = body(torch.rand(16, 3, 224, 224)).flatten(1).mean(0)
    w = torch.randn(1000, 512) * (2.5 / (body(x).flatten(1)[0] - mu).norm())
    m.fc.weight.copy_(w); m.fc.bias.copy_(-w @ mu)
    top = torch.softmax(m(x), 1)[0].topk(5)
torch.save(m.state_dict(), sys.argv[1])
print(json.dumps({"index": top.indices.tolist(), "probability": top.values.tolist()}))`;
  const made = spawnSync("/usr/bin/python3", ["-c", py, join(dir, "resnet18.pth"), join(dir, "photo.rgb")], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const torch = JSON.parse(made.stdout) as { index: number[]; probability: number[] };
  const names = readFileSync(join(ROOT, "assets", "imagenet-classes.txt"), "utf8").trim().split("\n");

  const out = example("classify-photo.mjs", ["resnet18.pth", "photo.png", "--model", "resnet18", "--top", "5"]);
  const lines = out.trim().split("\n");
  assert.equal(lines[0], "photo.png");
  const ours = lines.slice(1).map((l) => /^\s+([\d.]+)%  (.+)$/.exec(l)!).map((m) => ({ label: m[2], percent: Number(m[1]) }));
  assert.deepEqual(ours.map((p) => p.label), torch.index.map((i) => names[i]));
  ours.forEach((p, k) => assert.ok(Math.abs(p.percent - 100 * torch.probability[k]!) < 0.006, `${p.label}: ${p.percent}% vs PyTorch's ${100 * torch.probability[k]!}%`));
});

test("train-custom-cnn: a Module of one's own trained with fit, its run directory, then a classifier of it", () => {
  const out = example("train-custom-cnn.mjs", ["--epochs", "1", "--limit", "1024", "--dir", "run"]);
  assert.match(out, /^SmallCNN on input \[1, ?1, ?28, ?28\]/m);
  assert.match(out, /Total params: +\d/);
  const acc = Number(/best valAccuracy ([\d.]+) at epoch 1/.exec(out)?.[1]);
  assert.ok(acc > 0.6, `held-out accuracy after one epoch on 1,024 digits: ${acc}\n${out}`);
  for (const f of ["last.safetensors", "best.safetensors", "metrics.jsonl", "curves.png"]) assert.ok(existsSync(join(dir, "run", f)), f);
  assert.match(out, /^digits\/3\.png is a \d \([\d.]+%\)$/m);
});

test("fine-tune: the shipped LeNet-5 with a new last layer learns even/odd, and its file classifies by itself", () => {
  const out = example("fine-tune.mjs", ["--train", "400", "--epochs", "1", "-o", "even-odd.safetensors"]);
  assert.match(out, /all weights but classifier\.2\.weight, classifier\.2\.bias$/m);
  const before = Number(/accuracy before: ([\d.]+)%/.exec(out)?.[1]);
  const afterTuning = Number(/accuracy after 1 epochs on 400 digits: ([\d.]+)%/.exec(out)?.[1]);
  assert.ok(afterTuning >= 85 && afterTuning > before + 20, `before ${before}%, after ${afterTuning}%`);
  assert.match(out, /even-odd\.safetensors: digits\/7\.png is odd \([\d.]+%\)$/m);
});

test("export-onnx: the exported file runs in onnxruntime-node with convkit's logits", () => {
  const out = example("export-onnx.mjs", ["-o", "lenet5.onnx"]);
  assert.match(out, /^lenet5 → lenet5\.onnx \(\d+ KiB\)$/m);
  const m = /onnxruntime says (\S+), convkit says (\S+); logits differ by at most (\S+)$/m.exec(out);
  assert.ok(m, out);
  assert.deepEqual([m[1], m[2]], ["7", "7"]);
  assert.ok(Number(m[3]) < 1e-4, `difference ${m[3]}`);
});

test("browser: the page bundled with esbuild classifies the canvas's pixels in Chromium", async () => {
  RUN.add("browser");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the browser tests need Debian's Chromium (apt-get install chromium)`);
  const site = join(dir, "site");
  // as a user's bundler would, with "convkit" resolved to this checkout's sources
  await esbuild.build({
    entryPoints: [join(EXAMPLES, "browser", "main.mjs")], outfile: join(site, "main.js"), bundle: true, format: "esm", platform: "browser",
    target: ["es2022"], logLevel: "error",
    plugins: [{ name: "convkit-from-source", setup: (b) => b.onResolve({ filter: /^convkit$/ }, () => ({ path: join(ROOT, "src", "index.ts") })) }],
  });
  copyFileSync(join(EXAMPLES, "browser", "index.html"), join(site, "index.html"));
  copyFileSync(join(ROOT, "assets", "lenet5-mnist.safetensors"), join(site, "lenet5-mnist.safetensors"));
  copyFileSync(join(ROOT, "assets", "digits", "7.png"), join(site, "7.png"));
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".png": "image/png" };
  const server = createServer((req, res) => {
    const file = join(site, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/$/, "/index.html"));
    if (!file.startsWith(site) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless=new", "--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => document.getElementById("result")?.textContent !== "loading…", null, { timeout: 60_000 });
    const text = await page.textContent("#result");
    assert.deepEqual(errors, []);
    assert.match(text ?? "", /^7: \d+\.\d%, \d: \d+\.\d%, \d: \d+\.\d%$/, `the page says: ${text}`);
  } finally {
    await browser.close();
    server.close();
  }
});

test("this file runs every example", () => {
  const scripts = readdirSync(EXAMPLES).filter((f) => f.endsWith(".mjs") || f === "browser");
  assert.deepEqual(scripts.filter((f) => !RUN.has(f)), []);
});
