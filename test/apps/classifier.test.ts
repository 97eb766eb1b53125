// One-call classification: a model file's recorded preprocessing (LeNet-5's 32×32 padding, MNIST's mean and std, class
// names) applied by the library, in the browser-safe form (bytes, decoded pixels, tensors) and from files (convkit/node).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { F, data, loadClassifier, ImageClassifier, IMAGENET_MEAN, models, noGrad, io, manualSeed, ValueError } from "../../src/index.js";
import { classify, imagenetClasses, loadClassifierFile, readImage, readImageTensor } from "../../src/node.js";
import { ROOT } from "../cli/helpers.js";

const asset = (name: string): string => join(ROOT, "assets", name);
const dir = mkdtempSync(join(tmpdir(), "convkit-classify-"));

test("classify(model file, image file) applies the checkpoint's preprocessing: the README's hand-made pipeline, in one call", () => {
  const top = classify(asset("lenet5-mnist.safetensors"), asset("digits/7.png"), { top: 3 });
  assert.deepEqual(top.map((p) => [p.index, p.label]).slice(0, 1), [[7, "7"]]);
  assert.equal(top.length, 3);
  // by hand, as the README did before: pad 28 → 32, MNIST's mean and std, the shipped weights
  const net = models.lenet5();
  net.loadStateDict(io.loadSafetensors(new Uint8Array(readFileSync(asset("lenet5-mnist.safetensors")))).tensors);
  const toInput = data.compose(data.pad(2), data.normalize([0.1307], [0.3081]));
  const logits = noGrad(() => net.eval().call(toInput(readImageTensor(asset("digits/7.png"), 1)).unsqueeze(0)));
  const probs = F.softmax(logits, 1).data;
  top.forEach((p) => assert.ok(Math.abs(p.probability - probs[p.index]!) < 1e-6, `class ${p.index}`));
  // every shipped digit, with the model loaded once
  const clf = loadClassifierFile(asset("lenet5-mnist.safetensors"));
  for (let d = 0; d < 10; d++) assert.equal(classify(clf, asset(`digits/${d}.png`), { top: 1 })[0]!.label, String(d));
});

test("in the browser's terms: bytes in, decoded pixels (RGBA, like ImageData) or a tensor [C,H,W] to classify", () => {
  const clf = loadClassifier(new Uint8Array(readFileSync(asset("vgg6_bn-fashion-mnist.safetensors"))), { name: "vgg6_bn-fashion-mnist.safetensors" });
  assert.ok(clf instanceof ImageClassifier);
  assert.deepEqual([clf.name, clf.inputShape, clf.mean, clf.std, clf.classes?.[9]], ["vgg6_bn", [1, 28, 28], [0.286], [0.353], "Ankle boot"]);
  const rgba = readImage(asset("digits/3.png"));
  const fromPixels = clf.classify(rgba);
  const fromTensor = clf.classify(data.toTensor(data.toGrayscale(rgba)));
  assert.deepEqual(fromPixels, fromTensor);
  assert.equal(fromPixels.length, 5);
  assert.ok(fromPixels.every((p, i) => i === 0 || p.probability <= fromPixels[i - 1]!.probability));
  // the preprocessed input is the model's own: 28×28, normalised with the file's mean and std
  const x = clf.preprocess(rgba);
  assert.deepEqual(x.shape, [1, 1, 28, 28]);
  const raw = data.toTensor(data.toGrayscale(rgba));
  assert.ok(Math.abs(x.data[400]! - (raw.data[400]! - 0.286) / 0.353) < 1e-6);
  assert.throws(() => clf.classify(data.toTensor(rgba, 3)), /vgg6_bn: takes an image \[1,H,W\] in \[0,1\], got a tensor \[3,28,28\]/);
  assert.throws(() => clf.classify(rgba, { top: 0 }), /top must be an integer ≥ 1, got 0/);
});

test("a state dict that does not name its model: the model option, the usual preprocessing and ImageNet's class names", () => {
  manualSeed(1);
  const net = models.create("resnet20", { numClasses: 1000 });
  const file = join(dir, "weights.safetensors");
  writeFileSync(file, io.saveSafetensors(net.stateDict()));
  assert.throws(() => loadClassifierFile(file), (e: unknown) => e instanceof ValueError && /weights\.safetensors: cannot tell which model these weights belong to; pass \{ model: NAME \} \(lenet5, /.test(e.message));
  assert.throws(() => loadClassifierFile(file, { model: "resnet19" }), /loadClassifier: unknown model 'resnet19'/);
  assert.throws(() => loadClassifierFile(file, { model: "resnet56" }), /weights\.safetensors does not fit resnet56: \d+ missing keys/);
  const clf = loadClassifierFile(file, { model: "resnet20" });
  assert.deepEqual([clf.inputShape, clf.mean, clf.numClasses], [[3, 32, 32], IMAGENET_MEAN, 1000]);
  assert.deepEqual(clf.classes, imagenetClasses());
  // a photo of another size: resized (shorter side) and centre-cropped to 32×32
  const img = new PNG({ width: 50, height: 40 });
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) % 256;
  const photo = join(dir, "photo.png");
  writeFileSync(photo, new Uint8Array(PNG.sync.write(img)));
  assert.deepEqual(clf.preprocess(readImage(photo)).shape, [1, 3, 32, 32]);
  const [best] = classify(clf, photo, { top: 1 });
  assert.equal(best!.label, imagenetClasses()[best!.index]);
  const probs = clf.probabilities(clf.preprocess(readImage(photo)));
  assert.equal(best!.probability, Math.max(...probs.data));
});

test("a browser's ImageData (RGBA bytes, no channel count, fields as getters) classifies as the decoded image does", () => {
  const clf = loadClassifierFile(asset("lenet5-mnist.safetensors"));
  const rgba = readImage(asset("digits/4.png"));
  const bytes = new Uint8ClampedArray(rgba.width * rgba.height * 4);
  for (let p = 0; p < rgba.width * rgba.height; p++) for (let c = 0; c < 4; c++) bytes[p * 4 + c] = rgba.data[p * rgba.channels + Math.min(c, rgba.channels - 1)]!;
  class ImageDataLike {
    readonly #d = bytes;
    get width(): number { return rgba.width; }
    get height(): number { return rgba.height; }
    get data(): Uint8ClampedArray { return this.#d; }
  }
  assert.deepEqual(clf.classify(new ImageDataLike(), { top: 2 }), clf.classify(rgba, { top: 2 }));
  assert.equal(clf.classify(new ImageDataLike())[0]!.label, "4");
});
