// Every convkit command end to end on small data: --help, a tiny training run, eval, predict, summary, filter,
// visualize, neighbors, export; and bad input: one line on stderr, exit code ≠ 0, no stack trace unless --verbose,
// nothing written (hostile paths, sizes and files are made here, at run time).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, copyFileSync, statSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { spawnSync } from "node:child_process";
import { assertRefused, convkit, errLines, tempDir, ROOT } from "./helpers.js";
import { errorLine } from "../../src/cli/main.js";
import { ValueError } from "../../src/errors.js";
import { loadSafetensors, saveSafetensors } from "../../src/io/safetensors.js";
import { decodeModel, encodeModel } from "../../src/io/onnx-proto.js";

const dir = tempDir("cli");
const run = join(dir, "run");
const ckpt = join(run, "last.safetensors");
const digit7 = join(ROOT, "assets", "digits", "7.png");

function png(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

test("every command has --help", () => {
  for (const cmd of [[], ["train"], ["eval"], ["predict"], ["summary"], ["filter"], ["visualize"], ["visualize", "filters"], ["visualize", "features"], ["neighbors"], ["export"], ["bench"]]) {
    const r = convkit([...cmd, "--help"]);
    assert.equal(r.code, 0, `${cmd.join(" ")} --help: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: convkit/m, cmd.join(" "));
  }
});

test("train → eval → predict → visualize → neighbors → export on a small run", () => {
  const t = convkit(["train", "lenet5", "--epochs", "1", "--limit-train", "256", "--limit-test", "128", "--batch-size", "32", "--out", run]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /epoch 1\/1: train loss [\d.]+ acc [\d.]+% \| val loss [\d.]+ acc [\d.]+%/);
  for (const f of ["last.safetensors", "best.safetensors", "metrics.jsonl", "curves.png"]) assert.ok(existsSync(join(run, f)), f);
  const metrics = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { epoch: number; step: number; valAccuracy: number });
  assert.equal(metrics.length, 1);
  assert.equal(metrics[0]!.step, 8);
  assert.equal(png(join(run, "curves.png")).width, 840);

  const e = convkit(["eval", ckpt, "--limit", "100", "-o", join(dir, "confusion.png")]);
  assert.equal(e.code, 0, e.stderr);
  const acc = Number(/accuracy ([\d.]+)%/.exec(e.stdout)![1]);
  assert.ok(acc >= 0 && acc <= 100);
  // the text matrix: 10 rows whose counts add up to the 100 evaluated images
  const rows = e.stdout.split("\n").filter((l) => /^\d\s+\|/.test(l));
  assert.equal(rows.length, 10);
  const total = rows.reduce((a, l) => a + l.split("|")[1]!.trim().split(/\s+/).slice(0, 10).map(Number).reduce((x, y) => x + y, 0), 0);
  assert.equal(total, 100);
  assert.ok(png(join(dir, "confusion.png")).width > 100);

  const p = convkit(["predict", ckpt, digit7, "--top", "3", "--json"]);
  assert.equal(p.code, 0, p.stderr);
  const pred = JSON.parse(p.stdout) as { image: string; top: { label: string; probability: number }[] }[];
  assert.equal(pred[0]!.top.length, 3);
  const probs = pred[0]!.top.map((x) => x.probability);
  assert.ok(probs[0]! >= probs[1]! && probs[1]! >= probs[2]!);

  const vf = convkit(["visualize", "filters", ckpt, "-o", join(dir, "filters.png")]);
  assert.equal(vf.code, 0, vf.stderr);
  assert.match(vf.stdout, /features\.0: 6 filters of 1×5×5/);
  const vm = convkit(["visualize", "features", ckpt, digit7, "--layer", "features.1", "-o", join(dir, "maps.png")]);
  assert.equal(vm.code, 0, vm.stderr);
  assert.match(vm.stdout, /features\.1: 6 feature maps of 28×28/);

  const nb = convkit(["neighbors", ckpt, "--query", "3", "--k", "4", "--limit-train", "300", "-o", join(dir, "nn.png")]);
  assert.equal(nb.code, 0, nb.stderr);
  assert.match(nb.stdout, /pixel space: \d\/4 nearest/);
  assert.match(nb.stdout, /feature space: \d\/4 nearest/);
  assert.ok(existsSync(join(dir, "nn.png")));

  const st = join(dir, "lenet5.safetensors");
  const ex = convkit(["export", ckpt, "--safetensors", st]);
  assert.equal(ex.code, 0, ex.stderr);
  const sd = loadSafetensors(new Uint8Array(readFileSync(st)));
  assert.deepEqual([...sd.tensors.keys()].slice(0, 2), ["features.0.weight", "features.0.bias"]);
  // the export records the checkpoint's dataset: neighbors on it needs no --data
  const nb2 = convkit(["neighbors", st, "--query", "3", "--k", "2", "--limit-train", "100", "-o", join(dir, "nn2.png")]);
  assert.equal(nb2.code, 0, nb2.stderr);
  // the exported file predicts the same as the checkpoint, without being told the model
  const p2 = convkit(["predict", st, digit7, "--top", "3", "--json"]);
  assert.equal(p2.code, 0, p2.stderr);
  assert.deepEqual(JSON.parse(p2.stdout)[0].top, pred[0]!.top);
  // ONNX out and back in: the same ranking and probabilities within float32 tolerance
  const onnx = join(dir, "lenet5.onnx");
  const eo = convkit(["export", ckpt, "--onnx", onnx]);
  assert.equal(eo.code, 0, eo.stderr);
  const p3 = convkit(["predict", onnx, digit7, "--top", "3", "--json"]);
  assert.equal(p3.code, 0, p3.stderr);
  const top3 = (JSON.parse(p3.stdout) as typeof pred)[0]!.top;
  assert.deepEqual(top3.map((t) => t.label), pred[0]!.top.map((t) => t.label));
  top3.forEach((t, i) => assert.ok(Math.abs(t.probability - pred[0]!.top[i]!.probability) < 1e-5));
});

test("summary and filter", () => {
  const s = convkit(["summary", "lenet5", "--json"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { totals: { params: number } }).totals.params, 61706);
  // a 5×5 test image with a vertical edge: columns 0-1 black, 2-4 white
  const img = new PNG({ width: 5, height: 5 });
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) img.data.set(x >= 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], (y * 5 + x) * 4);
  const src = join(dir, "edge.png");
  writeFileSync(src, new Uint8Array(PNG.sync.write(img)));
  const out = join(dir, "edge-sobel.png");
  const f = convkit(["filter", src, "--kernel", "sobel-x", "-o", out]);
  assert.equal(f.code, 0, f.stderr);
  const o = png(out);
  assert.deepEqual([o.width, o.height], [5, 5]);
  // |sobel-x| in the middle row: strong at columns 1 and 2 (the edge) and 4 (white next to the zero padding),
  // nothing at 0 (black between black and padding) and 3 (white between white)
  const at = (x: number, y: number): number => o.data[(y * 5 + x) * 4]!;
  assert.deepEqual([0, 1, 2, 3, 4].map((x) => at(x, 2)), [0, 255, 255, 0, 255]);
  // a kernel from a file, stride 2, no padding: 5 → 2
  const kfile = join(dir, "k.txt");
  writeFileSync(kfile, "0 0 0\n0 1 0\n0 0 0\n");
  const g = convkit(["filter", src, "--kernel", kfile, "--stride", "2", "--padding", "0", "-o", join(dir, "id.png")]);
  assert.equal(g.code, 0, g.stderr);
  const id = png(join(dir, "id.png"));
  assert.deepEqual([id.width, id.height], [2, 2]);
  assert.deepEqual([id.data[0], id.data[4]], [0, 255]); // centres (1,1) black and (3,1) white
});

test("bad input: one line on stderr, exit ≠ 0, no stack trace unless --verbose, files left intact", () => {
  const corrupt = join(dir, "corrupt.safetensors");
  writeFileSync(corrupt, Uint8Array.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
  const notImage = join(dir, "notes.png");
  writeFileSync(notImage, "hello");
  const before = statSync(ckpt).mtimeMs;
  const cases: [string[], RegExp][] = [
    [["predict", join(dir, "missing.safetensors"), digit7], /missing\.safetensors: no such model file/],
    [["predict", corrupt, digit7], /corrupt\.safetensors.*header length 200 runs beyond the end of the file/],
    [["predict", ckpt, notImage], /notes\.png: not a PNG or JPEG image/],
    [["predict", ckpt, digit7, "--model", "resnet18"], /is a lenet5 checkpoint, not resnet18/],
    [["predict", join(ROOT, "assets", "imagenet-classes.txt"), digit7], /not a \.safetensors, \.pth or \.onnx model file/],
    [["train", "lenet5", "--data", "/nonexistent", "--out", join(dir, "x")], /dataset '\/nonexistent' not found/],
    [["train", "lenet5", "--epochs", "zero", "--out", join(dir, "x")], /option '--epochs <n>' argument 'zero' is invalid\. It must be an integer ≥ 1\./],
    [["train", "mobilenet_v2", "--image-size", "4", "--out", join(dir, "x")], /option '--image-size <n>' argument '4' is invalid\. It must be an integer ≥ 8\./],
    [["train", "lenet6"], /command-argument value 'lenet6' is invalid for argument 'model'/],
    [["train", "lenet5", "--out", run], /already holds a run \(last\.safetensors\); pass --resume/],
    [["eval", ckpt, "--data", "fashion-mnist", "--limit", "10", "--model", "alexnet"], /lenet5 checkpoint, not alexnet/],
    [["filter", digit7, "--kernel", "nope", "-o", join(dir, "f.png")], /--kernel 'nope' is neither a known kernel/],
    [["neighbors", ckpt, "--query", "99999", "-o", join(dir, "n.png")], /--query 99999 is out of range/],
    [["visualize", "filters", ckpt, "--layer", "classifier.0", "-o", join(dir, "v.png")], /'classifier\.0' is a Linear, not a Conv2d/],
    [["export", ckpt], /give --onnx FILE,? .*and\/or --\w+ FILE/],
    [["predict", ckpt], /missing required argument 'images'/],
    [["train", "lenet5", "--bogus"], /unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    const r = convkit(args);
    assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
    const lines = errLines(r);
    assert.equal(lines.length, 1, `${args.join(" ")}: expected one line, got:\n${r.stderr}`);
    assert.match(lines[0]!, re, args.join(" "));
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
  const v = convkit(["--verbose", "predict", corrupt, digit7]);
  assert.notEqual(v.code, 0);
  assert.match(v.stderr, /^\s+at /m);
  assert.equal(statSync(ckpt).mtimeMs, before, "the checkpoint was not touched");
  copyFileSync(ckpt, join(dir, "still-readable.safetensors"));
  assert.equal(convkit(["predict", join(dir, "still-readable.safetensors"), digit7]).code, 0);
});

test("predict reads a PyTorch .pth state dict (with --model) and ships ImageNet's 1000 class names", () => {
  const weights = join(ROOT, "assets", "lenet5-mnist.safetensors");
  const pth = join(dir, "lenet5.pth");
  // torch.save of the same tensors, read from the safetensors file by hand in Python
  const py = `import json,struct,sys,collections,torch
b=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); sd=collections.OrderedDict()
for k,v in h.items():
    if k!='__metadata__':
        s,e=v['data_offsets']; sd[k]=torch.frombuffer(bytearray(b[8+n+s:8+n+e]),dtype=torch.float32).reshape(v['shape']).clone()
torch.save(sd,sys.argv[2])`;
  const made = spawnSync("/usr/bin/python3", ["-c", py, weights, pth], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const a = convkit(["predict", weights, digit7, "--json"]);
  const b = convkit(["predict", pth, digit7, "--json", "--model", "lenet5"]);
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(JSON.parse(b.stdout)[0].top, JSON.parse(a.stdout)[0].top);
  assert.match(convkit(["predict", pth, digit7]).stderr, /cannot tell which model these weights belong to; pass --model/);
  // the shipped model classifies every sample digit correctly
  const all = convkit(["predict", weights, ...[...Array(10).keys()].map((d) => join(ROOT, "assets", "digits", `${d}.png`)), "--top", "1", "--json"]);
  (JSON.parse(all.stdout) as { top: { label: string }[] }[]).forEach((r, d) => assert.equal(r.top[0]!.label, String(d)));
  const names = readFileSync(join(ROOT, "assets", "imagenet-classes.txt"), "utf8").trim().split("\n");
  assert.deepEqual([names.length, names[0], names[999]], [1000, "tench", "toilet tissue"]);
  assert.match(convkit(["predict", weights, digit7, "--labels", "imagenet"]).stderr, /1000 class names for a model with 10 outputs/);
});

test("export --onnx keeps class names and preprocessing: predict on the .onnx names classes as the safetensors model does", () => {
  // the shipped weights with class names that cannot be mistaken for indices
  const names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
  const shipped = loadSafetensors(new Uint8Array(readFileSync(join(ROOT, "assets", "lenet5-mnist.safetensors"))));
  const info = JSON.parse(shipped.metadata["convkit.model"]!) as Record<string, unknown>;
  const named = join(dir, "lenet5-named.safetensors");
  writeFileSync(named, saveSafetensors(shipped.tensors, { "convkit.model": JSON.stringify({ ...info, classes: names }) }));
  const digits = [7, 3, 0].map((d) => join(ROOT, "assets", "digits", `${d}.png`));
  type Pred = { top: { label: string; index: number; probability: number }[] }[];
  const a = convkit(["predict", named, ...digits, "--top", "3", "--json"]);
  assert.equal(a.code, 0, a.stderr);
  const want = JSON.parse(a.stdout) as Pred;
  assert.deepEqual(want.map((r) => r.top[0]!.label), ["seven", "three", "zero"]);

  const onnx = join(dir, "lenet5-named.onnx");
  const ex = convkit(["export", named, "--onnx", onnx]);
  assert.equal(ex.code, 0, ex.stderr);
  const b = convkit(["predict", onnx, ...digits, "--top", "3", "--json"]);
  assert.equal(b.code, 0, b.stderr);
  const got = JSON.parse(b.stdout) as Pred;
  got.forEach((r, i) => {
    assert.deepEqual(r.top.map((t) => [t.label, t.index]), want[i]!.top.map((t) => [t.label, t.index]), digits[i]);
    r.top.forEach((t, k) => assert.ok(Math.abs(t.probability - want[i]!.top[k]!.probability) < 1e-5, `${digits[i]} top ${k + 1}`));
  });
  const plain = convkit(["predict", onnx, digits[0]!, "--top", "1"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^\s+1\. seven\s+\d+\.\d\d%$/m);

  // a foreign (torch-exported) ONNX file without metadata still predicts, with index labels (its input is 10×10: --resize)
  const foreign = convkit(["predict", join(ROOT, "test", "fixtures", "io", "tiny_cnn.onnx"), digits[0]!, "--resize", "--top", "2", "--json"]);
  assert.equal(foreign.code, 0, foreign.stderr);
  for (const t of (JSON.parse(foreign.stdout) as Pred)[0]!.top) assert.equal(t.label, String(t.index));

  // corrupt convkit metadata: one clear line naming the file and what is wrong, exit ≠ 0
  const model = decodeModel(new Uint8Array(readFileSync(onnx)));
  assert.deepEqual(model.metadataProps!.map((e) => e.key), ["convkit.model"]);
  const good = JSON.parse(model.metadataProps![0]!.value!) as Record<string, unknown>;
  assert.deepEqual([good.classes, good.mean, good.std, good.inputShape], [names, info.mean, info.std, info.inputShape]);
  const cases: [string, string, RegExp][] = [
    ["bad-json", "{not json", /bad-json\.onnx: 'convkit\.model' metadata is not valid JSON/],
    ["bad-classes", JSON.stringify({ ...good, classes: ["a", "b"] }), /bad-classes\.onnx: 'convkit\.model' metadata has 2 class names for a graph with 10 outputs/],
    ["bad-mean", JSON.stringify({ ...good, mean: ["x"] }), /bad-mean\.onnx: 'convkit\.model' metadata mean is not an array of finite numbers/],
    ["bad-std", JSON.stringify({ ...good, std: [0.3, 0.3, 0.3] }), /bad-std\.onnx: 'convkit\.model' metadata std has 3 values for 1 input channels/],
  ];
  for (const [name, value, re] of cases) {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, encodeModel({ ...model, metadataProps: [{ key: "convkit.model", value }] }));
    const r = convkit(["predict", path, digits[0]!]);
    assert.notEqual(r.code, 0, `${name} should fail`);
    const lines = errLines(r);
    assert.equal(lines.length, 1, `${name}: expected one line, got:\n${r.stderr}`);
    assert.match(lines[0]!, re, name);
  }
});

test("train --init fine-tunes from given weights: starting from the shipped LeNet-5, one short epoch is already accurate", () => {
  const out = join(dir, "finetune");
  const shipped = join(ROOT, "assets", "lenet5-mnist.safetensors");
  const t = convkit(["train", "lenet5", "--init", shipped, "--epochs", "1", "--limit-train", "128", "--limit-test", "256", "--lr", "0.001", "--out", out]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /starting from the weights in .*lenet5-mnist\.safetensors/);
  const acc = Number(/held-out accuracy ([\d.]+)%/.exec(t.stdout)?.[1]);
  // a random LeNet-5 after 2 steps of lr 0.001 is near chance; the shipped weights score ~99% on these digits
  assert.ok(acc > 95, `accuracy after fine-tuning ${acc}%`);
  const bad = convkit(["train", "vgg6_bn", "--init", shipped, "--epochs", "1", "--limit-train", "64", "--out", join(dir, "finetune-bad")]);
  assert.notEqual(bad.code, 0);
  assert.match(errLines(bad)[0]!, /--init: .*lenet5-mnist\.safetensors does not hold vgg6_bn's weights/);
  const missing = convkit(["train", "lenet5", "--init", join(dir, "nope.safetensors"), "--out", join(dir, "finetune-missing")]);
  assert.match(errLines(missing)[0]!, /--init: .*nope\.safetensors does not exist/);
});

test("hostile command-line input: one convkit: line, exit 1, nothing written and no work done first", () => {
  const shipped = join(ROOT, "assets", "lenet5-mnist.safetensors");
  const vgg = join(ROOT, "assets", "vgg6_bn-fashion-mnist.safetensors");
  const h = join(dir, "hostile");
  mkdirSync(h);
  const grey = (w: number, ht: number): Uint8Array => {
    const img = new PNG({ width: w, height: ht });
    img.data.fill(128);
    return new Uint8Array(PNG.sync.write(img));
  };
  const tiny = join(h, "tiny.png");
  writeFileSync(tiny, grey(1, 1));
  // a "weights file" that never ends: read whole, it grew the process to 6 GB
  const zero = join(h, "zero.safetensors");
  symlinkSync("/dev/zero", zero);
  const unknownModel = join(h, "unknown-model.safetensors");
  writeFileSync(unknownModel, saveSafetensors(loadSafetensors(new Uint8Array(readFileSync(shipped))).tensors, { "convkit.model": JSON.stringify({ model: "lenet7" }) }));
  const out = join(h, "out"); // every output goes in here, or into a folder that does not exist
  mkdirSync(out);
  const missing = join(h, "no-such-folder");
  const dirRe = (flag: string): RegExp => new RegExp(`^convkit: ${flag} \\S*out: is a directory, expected a file name$`);
  const missingRe = (flag: string): RegExp => new RegExp(`^convkit: ${flag} \\S*no-such-folder/\\S+: the folder \\S*no-such-folder does not exist$`);
  const sizeRe = /tiny\.png is 1×1 pixels; lenet5 takes 32×32 images \(down to 28×28, padded\): pass --resize to scale it to fit$/;
  const cases: [string[], RegExp][] = [
    // visualize --scale: was a TypeError, or a degenerate PNG
    ...["abc", "-2", "0", "65"].map((v): [string[], RegExp] => [["visualize", "filters", shipped, "--scale", v, "-o", join(out, "f.png")], new RegExp(`^convkit: option '--scale <n>' argument '${v}' is invalid\\. It must be an integer from 1 to 64\\. \\(add --help for usage\\)$`)]),
    // images of another size than the model takes: was classified silently
    [["predict", shipped, tiny], sizeRe],
    [["visualize", "features", shipped, tiny, "-o", join(out, "m.png")], sizeRe],
    // output paths: a directory, or in a missing folder (was the temporary file's name, after the work)
    [["visualize", "filters", shipped, "-o", out], dirRe("-o")],
    [["visualize", "filters", shipped, "-o", join(missing, "f.png")], missingRe("-o")],
    [["visualize", "features", shipped, digit7, "-o", out], dirRe("-o")],
    [["eval", shipped, "--data", "mnist", "-o", out], dirRe("-o")],
    [["eval", shipped, "--data", "mnist", "-o", join(missing, "c.png")], missingRe("-o")],
    [["neighbors", shipped, "--data", "mnist", "--query", "0", "-o", out], dirRe("-o")],
    [["filter", digit7, "--kernel", "sobel-x", "-o", join(missing, "e.png")], missingRe("-o")],
    [["export", shipped, "--onnx", out], dirRe("--onnx")],
    [["export", shipped, "--safetensors", join(missing, "w.safetensors")], missingRe("--safetensors")],
    // every file read is size-limited and refuses what is not a regular file
    [["predict", zero, digit7], /zero\.safetensors: not a regular file, expected a model file$/],
    [["predict", shipped, zero], /zero\.safetensors: not a regular file, expected an image$/],
    [["predict", shipped, digit7, "--labels", zero], /zero\.safetensors: not a regular file, expected a labels file$/],
    [["filter", zero, "--kernel", "sobel-x", "-o", join(out, "e.png")], /zero\.safetensors: not a regular file, expected an image$/],
    [["filter", digit7, "--kernel", zero, "-o", join(out, "e.png")], /zero\.safetensors: not a regular file, expected a kernel file$/],
    [["filter", digit7, "--kernel", "sobel-x", "--padding", "100000", "-o", join(out, "e.png")], /--padding must be an integer from 0 to 2, got '100000'$/],
    // weights of another model: counts and the first keys, not every key
    [["predict", vgg, digit7, "--model", "resnet18"], /does not fit resnet18: \d+ missing keys \(conv1\.weight, [^)]*, … \(\d+ more\)\); \d+ unexpected keys/],
    // model names: the flag or argument and the valid names (commander's choices), not models.create/defaultInputShape
    [["predict", shipped, digit7, "--model", "lenet7"], /^convkit: option '--model <name>' argument 'lenet7' is invalid\. Allowed choices are lenet5, .*, unet\b.* \(add --help for usage\)$/],
    [["predict", unknownModel, digit7], /unknown-model\.safetensors: its metadata names an unknown model 'lenet7' \(known: lenet5, /],
    [["summary", "lenet7"], /^convkit: command-argument value 'lenet7' is invalid for argument 'model'\. Allowed choices are lenet5, /],
    [["summary", "lenet5", "--num-classes", "ten"], /option '--num-classes <n>' argument 'ten' is invalid\. It must be an integer ≥ 1\. \(add --help for usage\)$/],
    // a shape that does not fit: the layer that fails and the input the model is built for
    [["summary", "lenet5", "--input", "1,1,28,28"], /^convkit: lenet5 fails at layer features\.\d+ \(Conv2d\) on --input 1,1,28,28: .*; lenet5 is built for --input 1,1,32,32$/],
    // neighbours: more than are searched was reported as "6/100000"
    [["neighbors", shipped, "--data", "mnist", "--query", "0", "--k", "100000", "--limit-train", "50", "-o", join(out, "n.png")], /--k 100000 is more neighbours than the 50 training images searched \(--limit-train\)$/],
    [["neighbors", shipped, "--query", "0", "-o", join(out, "n.png")], /lenet5-mnist\.safetensors does not record its dataset; pass --data mnist, fashion-mnist or DIR$/],
    // commander's own usage errors: one line with the prefix (were 2–3 lines without it)
    [["summary", "lenet5", "--bogus"], /^convkit: unknown option '--bogus' \(add --help for usage\)$/],
    [["predict", shipped], /^convkit: missing required argument 'images' \(add --help for usage\)$/],
    [["visualize", "filterz"], /^convkit: unknown command 'filterz' \(Did you mean filters\?\) \(add --help for usage\)$/],
    [["filter", digit7, "--kernel"], /^convkit: option '--kernel <name\|file>' argument missing \(add --help for usage\)$/],
  ];
  // a FIFO would block a plain read until someone writes to it
  const fifo = join(h, "fifo.safetensors");
  if (spawnSync("mkfifo", [fifo]).status === 0) cases.push([["predict", fifo, digit7], /fifo\.safetensors: not a regular file, expected a model file$/]);
  const before = readdirSync(h).sort();
  const failures: string[] = [];
  for (const [args, re] of cases) {
    const what = args.join(" ");
    try {
      const r = convkit(args, { timeout: 60_000 });
      assertRefused(r, re, what);
      assert.equal(r.stdout, "", `${what}: refused only after working:\n${r.stdout}`);
      assert.deepEqual(readdirSync(out), [], `${what}: wrote into ${out}`);
      assert.deepEqual(readdirSync(h).sort(), before, `${what}: left a file beside its output`);
      assert.ok(!existsSync(missing), `${what}: made ${missing}`);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  // every case is tried, so that one run lists all that fail
  assert.deepEqual(failures, []);
  // asked to, predict scales the 1×1 image; --help is still plain help on stdout
  assert.equal(convkit(["predict", shipped, tiny, "--resize", "--top", "1"]).code, 0);
  const help = convkit(["predict", "--help"]);
  assert.deepEqual([help.code, help.stderr], [0, ""]);
  assert.match(help.stdout, /--resize/);
});

test("an error line is one line and cut to a readable length (a state dict's every key ran to 1,900 characters)", () => {
  const keys = Array.from({ length: 120 }, (_, i) => `features.${i}.weight`).join(", ");
  const line = errorLine(new ValueError(`loadStateDict: the state dict does not fit VGG:\n  missing keys (120): ${keys}`));
  assert.ok(line.length <= 400, `${line.length} characters`);
  assert.match(line, /^loadStateDict: the state dict does not fit VGG:; missing keys \(120\): features\.0\.weight, .*…$/);
  assert.equal(errorLine(new ValueError("short\nmessage")), "short; message");
});

test("the README's neighbors example runs", () => {
  const line = readFileSync(join(ROOT, "README.md"), "utf8").split("\n").find((l) => l.startsWith("npx convkit neighbors "));
  assert.ok(line, "the README shows neighbors");
  const args = line.replace(/^npx convkit /, "").split(/\s+/).filter(Boolean);
  const o = args.indexOf("-o");
  args[o + 1] = join(dir, "readme-neighbors.png");
  // the same command on fewer training images, to stay quick
  const r = convkit([...args, "--limit-train", "300"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /feature space: \d\/5 nearest/);
  assert.ok(existsSync(join(dir, "readme-neighbors.png")));
});
