// ONNX import of a torch-exported CNN (logits and parameter gradients against PyTorch), graph checks on bad files,
// and export: hand-built graphs and zoo models run in onnxruntime-node against convkit's own outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import { F, FormatError, ShapeError, Tensor, cat, manualSeed, models, nn, noGrad, randn, tensor } from "../../src/index.js";
import { loadOnnx, OnnxModel } from "../../src/io/onnx-import.js";
import { exportOnnx, OnnxExportError } from "../../src/io/onnx-export.js";
import { decodeModel, encodeModel, type ModelProto } from "../../src/io/onnx-proto.js";
import { assertClose } from "../helpers/fixtures.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "io");
interface Raw { shape: number[]; values: number[] }
const t = (r: Raw): Tensor => tensor(Float32Array.from(r.values), r.shape);

test("import: a torch.onnx.export'ed CNN gives PyTorch's logits and parameter gradients; keys are torch's", () => {
  const doc = JSON.parse(readFileSync(join(DIR, "tiny_cnn.json"), "utf8")) as { input: Raw; logits: Raw; upstream: Raw; grads: Record<string, Raw>; state_dict_keys: string[] };
  const model = loadOnnx(new Uint8Array(readFileSync(join(DIR, "tiny_cnn.onnx"))), { name: "tiny_cnn.onnx" });
  assert.ok(model instanceof nn.Module);
  assert.deepEqual([...model.stateDict().keys()].sort(), [...doc.state_dict_keys].filter((k) => !k.endsWith("num_batches_tracked")).sort());
  assert.deepEqual([...model.namedParameters()].map(([k]) => k).sort(), Object.keys(doc.grads).sort(), "running stats are buffers, not parameters");
  const logits = model.call(t(doc.input));
  assertClose(logits, t(doc.logits), { rtol: 1e-4, atol: 1e-5 }, "logits");
  logits.mul(t(doc.upstream)).sum().backward();
  const params = new Map(model.namedParameters());
  for (const [k, g] of Object.entries(doc.grads)) assertClose(params.get(k)!.grad!, t(g), { rtol: 1e-3, atol: 1e-4 }, `grad ${k}`);
  // the dynamic batch dim really is dynamic
  assert.deepEqual([...model.call(randn([3, 3, 10, 10])).shape], [3, 5]);
});

/** A one-node model, for the bad-input cases. */
function oneNode(opType: string, inputShape: number[], outputShape: number[], extra: Partial<ModelProto["graph"]> = {}): ModelProto {
  const info = (name: string, shape: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
  return {
    irVersion: 8, opsetImport: [{ domain: "", version: 13 }],
    graph: { name: "g", node: [{ opType, input: ["x"], output: ["y"] }], input: [info("x", inputShape)], output: [info("y", outputShape)], ...extra },
  };
}
function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => loadOnnx(bytes, { name: "bad.onnx" }), (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test("import: unknown ops, dangling inputs, wrong shapes, bad tensors and garbage are FormatErrors naming file and node", () => {
  refused(encodeModel(oneNode("FancyOp", [1, 2], [1, 2])), /^bad\.onnx: onnx: node 0 \(FancyOp\): unsupported operator FancyOp/);
  const dangling = oneNode("Relu", [1, 2], [1, 2]);
  dangling.graph!.node![0]!.input = ["nowhere"];
  refused(encodeModel(dangling), /node 0 \(Relu\): input 0 'nowhere' is not produced by any earlier node/);
  refused(encodeModel(oneNode("Relu", [1, 2], [3, 4])), /output 'y' has shape \[1,2\] but the graph declares \[3,4\]/);
  const conv = oneNode("Conv", [1, 3, 8, 8], [1, 4, 6, 6], { initializer: [{ name: "w", dims: [4, 2, 3, 3], dataType: 1, rawData: new Uint8Array(4 * 2 * 9 * 4) }] });
  conv.graph!.node![0]!.input = ["x", "w"];
  refused(encodeModel(conv), /bad\.onnx: onnx: the graph does not run on inputs of its declared shapes: .*node 0 \(Conv\): conv2d: input has 3 channels/);
  const lying = oneNode("Relu", [1, 2], [1, 2], { initializer: [{ name: "w", dims: [1000000, 1000000], dataType: 1, rawData: new Uint8Array(8) }] });
  refused(encodeModel(lying), /tensor 'w' dims: shape \[1000000,1000000\] has more elements than the file can hold/);
  const unmade = oneNode("Relu", [1, 2], [1, 2]);
  unmade.graph!.output![0]!.name = "z";
  refused(encodeModel(unmade), /graph output 'z' is produced by no node/);
  refused(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x7f, 1, 2]), /^bad\.onnx: onnx: not a valid ModelProto/);
  // at run time, a wrong input shape stays a ShapeError (the user's mistake, not the file's) and names the node
  conv.graph!.initializer![0] = { name: "w", dims: [4, 3, 3, 3], dataType: 1, rawData: new Uint8Array(4 * 27 * 4) };
  const ok = loadOnnx(encodeModel(conv));
  assert.throws(() => ok.call(randn([1, 2, 8, 8])), (e: unknown) => e instanceof ShapeError && /node 0 \(Conv\)/.test(e.message));
});

/** Export, run in onnxruntime, compare with our own forward; also import the file back. Returns the bytes. */
async function checkExport(label: string, model: nn.Module | ((x: Tensor) => Tensor), x: Tensor, rel = 1e-4): Promise<Uint8Array> {
  const ours = noGrad(() => (model instanceof nn.Module ? (model as nn.Module<[Tensor], Tensor>).call(x) : model(x)));
  const bytes = exportOnnx(model as nn.Module<[Tensor], Tensor>, x);
  const session = await ort.InferenceSession.create(bytes);
  const r = await session.run({ input: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) });
  const got = r.output!;
  assert.deepEqual([...got.dims], [...ours.shape], `${label}: shape`);
  let scale = 0, worst = 0;
  for (const v of ours.data) scale = Math.max(scale, Math.abs(v));
  (got.data as Float32Array).forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ours.data[i]!))));
  assert.ok(worst <= rel * Math.max(scale, 1e-12), `${label}: onnxruntime differs by ${worst} (scale ${scale})`);
  const back = noGrad(() => loadOnnx(bytes).call(x));
  assertClose(back, ours, { rtol: 1e-5, atol: 1e-6 }, `${label}: re-imported`);
  return bytes;
}

test("export: hand-built graphs of every mapped op run in onnxruntime-node with our outputs (relative ≤ 1e-4)", async () => {
  manualSeed(1);
  const x = randn([2, 4, 9, 9]);
  const w = randn([6, 2, 3, 3]), b = randn([6]), wt = randn([6, 3, 3, 3]), lw = randn([5, 6 * 4 * 4]), lb = randn([5]);
  for (const p of [w, b, wt, lw, lb]) p.requiresGrad = true;
  await checkExport("conv/pool/linear", (v) => {
    let y = F.conv2d(v, w, b, { stride: 2, padding: [1, 2, 0, 1], groups: 2 });     // asymmetric pads
    y = F.maxPool2d(y.relu(), { kernelSize: 2, stride: 1, padding: 1, ceilMode: true });
    y = F.avgPool2d(y, { kernelSize: 2, stride: 2, countIncludePad: false, padding: 1 });
    y = F.convTranspose2d(y, wt, null, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    y = F.adaptiveAvgPool2d(y.sigmoid(), [4, 4]).flatten(1);
    return F.logSoftmax(F.linear(y.tanh(), lw, lb), 1);
  }, x);
  await checkExport("elementwise/cat/interpolate", (v) => {
    const a = F.interpolate(v, { scaleFactor: 2, mode: "nearest" });
    const c = F.interpolate(v, { size: [18, 18], mode: "bilinear" });
    const d = F.interpolate(v, { size: [13, 11], mode: "bilinear", alignCorners: true });
    const e = F.interpolate(v, { scaleFactor: 2, mode: "bed-of-nails" });
    const m = F.minPool2d(cat([a, c], 1), { kernelSize: 3 });
    const s = F.softmax(d.sub(1).mul(d.exp()).div(d.abs().add(2)).maximum(tensor(0.1)), 1).sum([2, 3], true);
    return m.add(F.adaptiveAvgPool2d(cat([e, e], 1), [6, 6]).square()).add(cat([s, s], 1)).sqrt().neg().minimum(tensor(-0.01)).reshape([2, -1]);
  }, x);
  const lrn = new nn.Sequential(new nn.BatchNorm2d(4), new nn.LocalResponseNorm(3, { alpha: 0.1, beta: 0.5, k: 2 }), new nn.LeakyReLU(0.3), new nn.AdaptiveAvgPool2d([5, 7]), new nn.Dropout(0.5));
  const bn = lrn.getChild("0") as nn.BatchNorm2d;
  bn.runningMean!.data.set([0.1, -0.2, 0.3, 0]);
  bn.runningVar!.data.set([1, 2, 0.5, 1.5]);
  bn.weight!.data.set([1, 2, 3, -1]);
  lrn.eval();
  const bytes = await checkExport("BatchNorm/LRN/LeakyReLU modules", lrn, x);
  const g = decodeModel(bytes).graph!;
  assert.deepEqual(g.initializer!.map((i) => i.name).filter((n) => n!.startsWith("0.")).sort(), ["0.bias", "0.running_mean", "0.running_var", "0.weight"]);
  assert.ok(g.node!.some((n) => n.opType === "LRN") && g.node!.some((n) => n.opType === "LeakyRelu"));
  // ops whose settings are not on the tape are refused by name (reported to their owners)
  assert.throws(() => exportOnnx((v: Tensor) => v.max(1), x), OnnxExportError);
  // settings the movement and scalar ops keep on the tape: permute, slice (negative steps too), pow, leakyRelu
  await checkExport("permute/slice/pow/leakyRelu", (v: Tensor) =>
    F.leakyRelu(cat([v.permute([0, 2, 3, 1]).slice(1, 1, 8, 2), v.permute([0, 2, 3, 1]).flip([1]).slice(1, 0, 4)], 1).pow(3), 0.2), x);
});

// One model per zoo family (the parity list), at small input sizes.
const ZOO: [string, number[], Record<string, unknown>][] = [
  ["lenet5", [2, 1, 32, 32], {}], ["lenet5", [2, 1, 32, 32], { variant: "classic" }], ["alexnet", [1, 3, 64, 64], { numClasses: 10 }],
  ["vgg11_bn", [1, 3, 32, 32], { numClasses: 10 }], ["googlenet", [1, 3, 64, 64], { numClasses: 10 }],
  ["resnet18", [1, 3, 32, 32], { numClasses: 10 }], ["resnet50", [1, 3, 32, 32], { numClasses: 10 }],
  ["densenet121", [1, 3, 32, 32], { numClasses: 10 }], ["unet", [1, 1, 32, 32], { baseWidth: 16 }],
];
for (const [name, shape, opts] of ZOO) {
  test(`export: zoo ${name} ${JSON.stringify(opts)} at ${shape.join("×")} runs in onnxruntime with our logits`, async () => {
    manualSeed(0);
    const m = models.create(name, opts);
    m.eval();
    const bytes = await checkExport(name, m as nn.Module<[Tensor], Tensor>, randn(shape));
    const inits = new Set(decodeModel(bytes).graph!.initializer!.map((i) => i.name));
    for (const key of m.stateDict().keys()) if (!key.endsWith("num_batches_tracked")) assert.ok(inits.has(key), `${name}: initializer ${key}`);
  });
}

test("import: the model is an nn.Module that trains (SGD step lowers the loss)", () => {
  const model = loadOnnx(new Uint8Array(readFileSync(join(DIR, "tiny_cnn.onnx"))));
  model.train();
  manualSeed(3);
  const x = randn([4, 3, 10, 10]);
  const loss = (): Tensor => model.call(x).square().mean();
  const before = loss();
  model.zeroGrad();
  before.backward();
  noGrad(() => { for (const p of model.parameters()) if (p.grad) p.data.set(p.sub(p.grad.mul(0.002)).data); });
  assert.ok(loss().item() < before.item());
  assert.ok(model instanceof OnnxModel);
});

/** The metadata_props of an ONNX file as the real onnx library reads them (Debian's python3), after its checker. */
function pythonMetadata(path: string): [string, string][] {
  const py = "import onnx,sys,json\nm=onnx.load(sys.argv[1])\nonnx.checker.check_model(m)\nprint(json.dumps([[p.key,p.value] for p in m.metadata_props]))";
  const r = spawnSync("/usr/bin/python3", ["-c", py, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as [string, string][];
}

test("metadata_props: export writes them in key order, onnx.load reads the same, import exposes them; Python's too", () => {
  manualSeed(2);
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(2 * 2 * 2, 3));
  const x = randn([1, 1, 4, 4]);
  const metadata = { "convkit.model": JSON.stringify({ classes: ["cat", "dog", "émeu ✓"], mean: [0.5], std: [0.25] }), author: "me", "": "empty key", zeta: "", alpha: "line\nbreak" };
  const bytes = exportOnnx(model, x, { metadata });
  const expected = Object.entries(metadata);
  assert.deepEqual(decodeModel(bytes).metadataProps!.map((e) => [e.key, e.value]), expected);
  const imported = loadOnnx(bytes);
  assert.deepEqual({ ...imported.metadata }, metadata);
  assert.ok(Object.isFrozen(imported.metadata));
  assert.deepEqual(Object.keys(imported.metadata), Object.keys(metadata));
  const dir = mkdtempSync(join(tmpdir(), "convkit-onnx-meta-"));
  const path = join(dir, "meta.onnx");
  writeFileSync(path, bytes);
  assert.deepEqual(pythonMetadata(path), expected);

  // without metadata: nothing written, an empty object read
  const plain = exportOnnx(model, x);
  assert.equal(decodeModel(plain).metadataProps?.length ?? 0, 0);
  assert.deepEqual({ ...loadOnnx(plain).metadata }, {});
  writeFileSync(path, plain);
  assert.deepEqual(pythonMetadata(path), []);
  // non-string values from untyped callers are refused
  assert.throws(() => exportOnnx(model, x, { metadata: { n: 3 } as unknown as Record<string, string> }), /metadata 'n' is a number, not a string/);

  // the other way: metadata written by onnx's own helper reads back here
  const pyPath = join(dir, "py.onnx");
  const py = `import onnx,sys
from onnx import helper
g=helper.make_graph([helper.make_node('Relu',['x'],['y'])],'g',[helper.make_tensor_value_info('x',1,[1,2])],[helper.make_tensor_value_info('y',1,[1,2])])
m=helper.make_model(g,opset_imports=[helper.make_opsetid('',13)])
helper.set_model_props(m,{'b':'2','a':'1 \u00e9'})
onnx.save(m,sys.argv[1])`;
  const made = spawnSync("/usr/bin/python3", ["-c", py, pyPath], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  assert.deepEqual({ ...loadOnnx(new Uint8Array(readFileSync(pyPath))).metadata }, { b: "2", a: "1 é" });

  // a key given twice is refused, as onnx.checker refuses it
  const twice = decodeModel(plain);
  twice.metadataProps = [{ key: "k", value: "1" }, { key: "k", value: "2" }];
  refused(encodeModel(twice), /^bad\.onnx: onnx: metadata_props key 'k' appears twice/);
});

test("import: inference reuses the buffers of dropped values without touching live ones, earlier outputs or inputs", () => {
  manualSeed(5);
  const net = models.resnet20({ numClasses: 5 });
  net.eval();
  // outputs: the logits (also read by later nodes, through a Reshape that shares its buffer) and a value made from them
  class Both extends nn.Module<[Tensor], Tensor[]> {
    readonly net = this.registerModule("net", net);
    forward(x: Tensor): Tensor[] {
      const logits = this.net.call(x);
      return [logits, logits.reshape([10]).mul(2).add(logits.reshape([10]))];
    }
  }
  const both = new Both();
  const x1 = randn([2, 3, 16, 16]), x2 = randn([2, 3, 16, 16]);
  const model = loadOnnx(exportOnnx(both, x1));
  const expect = (x: Tensor) => noGrad(() => both.call(x));
  const first = noGrad(() => model.forwardAll(x1));
  assert.ok(model.pooledBytes > 0, "dropped intermediate values were kept for reuse");
  const firstCopies = first.map((t) => Float32Array.from(t.data));
  const x2Copy = Float32Array.from(x2.data);
  const second = noGrad(() => model.forwardAll(x2));
  const third = noGrad(() => model.forwardAll(x2));
  first.forEach((t, i) => assert.deepEqual(t.data, firstCopies[i], `output ${i} of the first run was overwritten by later runs`));
  assert.deepEqual(x2.data, x2Copy, "the input is never reused");
  for (const [got, want] of [[first, expect(x1)], [second, expect(x2)], [third, expect(x2)]] as const) {
    got.forEach((t, i) => assertClose(t, want[i]!, { rtol: 1e-5, atol: 1e-6 }, `output ${i}`));
  }
  // recorded runs (training through the graph) allocate as usual: the pool is neither drawn from nor added to
  const held = model.pooledBytes;
  model.forwardAll(x1)[0]!.sum().backward();
  assert.equal(model.pooledBytes, held);
});
