// The zoo: every model's state-dict keys (in order), shapes and parameter count equal torchvision's (read at test
// time from /usr/bin/python3 through scripts/parity/make_parity.py --keys), plus the options each model documents.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tensor, randn, zeros, noGrad, models, nn, ShapeError, ValueError, Generator } from "../../src/index.js";

const PY = "/usr/bin/python3";
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "parity", "make_parity.py");
type KeyDump = Record<string, { keys: string[]; shapes: number[][]; num_params: number; macs_224?: number }>;
let ref: KeyDump = {};

before(() => {
  const probe = spawnSync(PY, ["-c", "import torch, torchvision"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`zoo: ${PY} cannot import torch and torchvision (install python3-torch and python3-torchvision; CI does): ${probe.stderr || probe.error}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "convkit-keys-"));
  const file = join(dir, "keys.json");
  const run = spawnSync(PY, [SCRIPT, "--keys", file], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`zoo: ${SCRIPT} --keys failed (exit ${run.status}):\n${run.stderr}`);
  ref = JSON.parse(readFileSync(file, "utf8")) as KeyDump;
  rmSync(dir, { recursive: true, force: true });
});

/** Reference name → how convkit builds it. */
const BUILD: Record<string, [string, Record<string, unknown>]> = {
  lenet5: ["lenet5", {}], unet: ["unet", {}], unet_bn: ["unet", { batchNorm: true }], alexnet: ["alexnet", {}],
  vgg11: ["vgg11", {}], vgg11_bn: ["vgg11_bn", {}], vgg13: ["vgg13", {}], vgg13_bn: ["vgg13_bn", {}],
  vgg16: ["vgg16", {}], vgg16_bn: ["vgg16_bn", {}], vgg19: ["vgg19", {}], vgg19_bn: ["vgg19_bn", {}], vgg6_bn: ["vgg6_bn", {}],
  googlenet: ["googlenet", {}], googlenet_aux: ["googlenet", { auxLogits: true }],
  resnet18: ["resnet18", {}], resnet34: ["resnet34", {}], resnet50: ["resnet50", {}], resnet101: ["resnet101", {}], resnet152: ["resnet152", {}],
  resnet20: ["resnet20", {}], resnet56: ["resnet56", {}],
  densenet121: ["densenet121", {}], densenet161: ["densenet161", {}], densenet169: ["densenet169", {}], densenet201: ["densenet201", {}],
  mobilenet_v2: ["mobilenet_v2", {}], mobilenet_v3_large: ["mobilenet_v3_large", {}], mobilenet_v3_small: ["mobilenet_v3_small", {}],
  squeezenet1_1: ["squeezenet1_1", {}], shufflenet_v2_x1_0: ["shufflenet_v2_x1_0", {}],
  efficientnet_b0: ["efficientnet_b0", {}], regnet_y_400mf: ["regnet_y_400mf", {}],
};

test("every zoo name is checked against a reference", () => {
  assert.deepEqual(Object.keys(BUILD).sort(), Object.keys(ref).sort());
  const covered = new Set(Object.values(BUILD).map(([n]) => n));
  assert.deepEqual(models.names().filter((n) => !covered.has(n)), []);
});

for (const name of Object.keys(BUILD)) {
  test(`zoo ${name}: state-dict keys, order, shapes and parameter count equal the reference`, () => {
    const [zoo, opts] = BUILD[name]!;
    const m = nn.init.skipInit(() => models.create(zoo, opts));
    const sd = m.stateDict();
    const r = ref[name]!;
    assert.deepEqual([...sd.keys()], r.keys);
    assert.deepEqual([...sd.values()].map((t) => [...t.shape]), r.shapes);
    assert.equal(m.numParameters(), r.num_params);
    // the efficient CNNs: nn.summarize's MACs at 224×224 equal the reference's forward-hook count
    if (r.macs_224 !== undefined) assert.equal(nn.summarize(m, [1, 3, 224, 224]).totals.macs, r.macs_224, `${name}: MACs at 224×224`);
  });
}

test("the parameter counts the issue names", () => {
  const count = (n: string): number => nn.init.skipInit(() => models.create(n)).numParameters();
  assert.equal(count("alexnet"), 61_100_840);
  assert.equal(count("vgg16"), 138_357_544);
  assert.equal(count("googlenet"), 6_624_904);
  assert.equal(count("resnet18"), 11_689_512);
  assert.equal(count("resnet50"), 25_557_032);
  assert.equal(count("densenet121"), 7_978_856);
  assert.equal(count("mobilenet_v2"), 3_504_872);
  assert.equal(count("mobilenet_v3_large"), 5_483_032);
  assert.equal(count("mobilenet_v3_small"), 2_542_856);
  assert.equal(count("squeezenet1_1"), 1_235_496);
  assert.equal(count("shufflenet_v2_x1_0"), 2_278_604);
  assert.equal(count("efficientnet_b0"), 5_288_548);
  assert.equal(count("regnet_y_400mf"), 4_344_144);
});

test("googlenet with auxLogits returns { logits, aux1, aux2 } in training and logits in eval", () => {
  const m = models.googlenet({ auxLogits: true, numClasses: 7, generator: new Generator(1) });
  const x = randn([2, 3, 64, 64], { generator: new Generator(2) });
  const out = noGrad(() => m.call(x));
  assert.ok(!(out instanceof Tensor));
  for (const k of ["logits", "aux1", "aux2"] as const) assert.deepEqual([...out[k].shape], [2, 7]);
  m.eval();
  const y = noGrad(() => m.call(x));
  assert.ok(y instanceof Tensor);
  assert.deepEqual([...y.shape], [2, 7]);
  // without aux heads there is nothing to return but the logits, in both modes
  assert.ok(noGrad(() => models.googlenet({ numClasses: 7 }).call(x)) instanceof Tensor);
});

test("googlenet transformInput rescales each channel like torchvision's _transform_input", () => {
  const g = new Generator(4);
  const plain = models.googlenet({ numClasses: 5, generator: g }).eval();
  const withT = models.googlenet({ numClasses: 5, transformInput: true }).eval();
  withT.loadStateDict(plain.stateDict());
  const x = randn([1, 3, 32, 32], { generator: new Generator(5) });
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const xt = x.clone();
  const plane = 32 * 32;
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) xt.data[c * plane + i] = x.data[c * plane + i]! * (std[c]! / 0.5) + (mean[c]! - 0.5) / 0.5;
  const a = noGrad(() => withT.call(x)) as Tensor, b = noGrad(() => plain.call(xt)) as Tensor;
  for (let i = 0; i < a.size; i++) assert.ok(Math.abs(a.data[i]! - b.data[i]!) <= 1e-5 * (1 + Math.abs(b.data[i]!)));
});

test("lenet5 variants: classic is tanh + average pooling, modern ReLU + max pooling; 32×32 in, classes out", () => {
  const types = (m: nn.AnyModule): string[] => [...m.modules()].map((x) => x.typeName);
  const classic = models.lenet5({ variant: "classic" }), modern = models.lenet5();
  assert.ok(types(classic).includes("Tanh") && types(classic).includes("AvgPool2d") && !types(classic).includes("ReLU"));
  assert.ok(types(modern).includes("ReLU") && types(modern).includes("MaxPool2d") && !types(modern).includes("Tanh"));
  const y = noGrad(() => models.lenet5({ numClasses: 4, inChannels: 3 }).call(zeros([2, 3, 32, 32])));
  assert.deepEqual([...y.shape], [2, 4]);
  assert.throws(() => models.lenet5({ variant: "fancy" as "classic" }), ValueError);
});

test("unet keeps the input size for any side divisible by 2^depth and refuses others", () => {
  const m = models.unet({ inChannels: 2, numClasses: 3, baseWidth: 4, depth: 2 });
  assert.deepEqual([...noGrad(() => m.call(zeros([1, 2, 12, 20]))).shape], [1, 3, 12, 20]);
  assert.throws(() => m.call(zeros([1, 2, 10, 20])), (e: unknown) => e instanceof ShapeError && /divisible by 2\^depth = 4/.test(e.message));
  const deep = models.unet({ baseWidth: 2, depth: 5 });
  assert.equal(deep.upconvs.length, 5);
  assert.deepEqual([...noGrad(() => deep.call(zeros([1, 1, 32, 32]))).shape], [1, 2, 32, 32]);
});

test("resnet zeroInitResidual zeroes the last BN of every block; numClasses sizes the head", () => {
  const m = models.resnet18({ zeroInitResidual: true, numClasses: 10 });
  for (const [k, t] of m.stateDict()) if (/layer\d\.\d\.bn2\.weight$/.test(k)) assert.ok(t.data.every((v) => v === 0), k);
  assert.deepEqual([...m.fc.weight.shape], [10, 512]);
});

test("models.create refuses unknown names, listing the known ones", () => {
  assert.throws(() => models.create("resnet19" as string), (e: unknown) => e instanceof ValueError && /resnet18/.test(e.message));
  assert.ok(models.names().includes("densenet121"));
  assert.deepEqual(models.defaultInputShape("resnet18"), [1, 3, 224, 224]);
});

test("a training step reaches every parameter and updates batch-norm statistics (resnet18, densenet121 at 32×32)", () => {
  for (const name of ["resnet18", "densenet121"]) {
    const m = models.create(name, { numClasses: 3, generator: new Generator(7) }).train();
    const x = randn([2, 3, 32, 32], { generator: new Generator(8) });
    const y = m.call(x) as Tensor;
    y.square().sum().backward();
    for (const [k, p] of m.namedParameters()) {
      assert.ok(p.grad, `${name}: ${k} got no gradient`);
      assert.ok(p.grad.data.some((v) => v !== 0), `${name}: ${k} gradient is all zero`);
    }
    for (const [k, b] of m.namedBuffers()) {
      if (k.endsWith("num_batches_tracked")) assert.equal(b.item(), 1, `${name}: ${k}`);
      if (k.endsWith("running_mean")) assert.ok(b.data.some((v) => v !== 0), `${name}: ${k} not updated`);
    }
  }
});

test("vgg6_bn: 151,018 parameters; 28×28 grey in by default, any channels/classes, 32×32 averaged to the same head", () => {
  assert.equal(nn.init.skipInit(() => models.create("vgg6_bn")).numParameters(), 151_018);
  assert.deepEqual(models.defaultInputShape("vgg6_bn"), [1, 1, 28, 28]);
  const m = models.vgg6_bn({ generator: new Generator(3) }).eval();
  assert.deepEqual([...(noGrad(() => m.call(randn([2, 1, 28, 28]))) as Tensor).shape], [2, 10]);
  const rgb = models.vgg6_bn({ inChannels: 3, numClasses: 100 }).eval();
  assert.deepEqual([...(noGrad(() => rgb.call(randn([1, 3, 32, 32]))) as Tensor).shape], [1, 100]);
  assert.throws(() => models.vgg6_bn({ inChannels: 0 }), /vgg6_bn: inChannels must be an integer ≥ 1/);
  assert.throws(() => noGrad(() => m.call(randn([1, 3, 28, 28]))), ShapeError);
});

test("resnet20/resnet56 (CIFAR ResNets): parameters, 6n+2 depths, grey or colour input, bad depth refused", () => {
  assert.equal(nn.init.skipInit(() => models.create("resnet20")).numParameters(), 272_474);
  assert.deepEqual(models.defaultInputShape("resnet20"), [1, 3, 32, 32]);
  const grey = models.resnet20({ inChannels: 1, generator: new Generator(2) }).eval();
  assert.deepEqual([...(noGrad(() => grey.call(randn([2, 1, 28, 28]))) as Tensor).shape], [2, 10]);
  assert.equal([...new models.SmallResNet(32).layer2.children()].length, 5);
  assert.throws(() => new models.SmallResNet(21), /depth must be 6n \+ 2/);
});
