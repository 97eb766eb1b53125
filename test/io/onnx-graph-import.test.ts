// Importer features for third-party files, on graphs built here (issue 16): nodes out of topological order, weights
// kept as Constant nodes made trainable, bilinear Resize as onnxruntime rounds it, and the integer path of the dynamic
// quantization (DynamicQuantizeLinear → ConvInteger/MatMulInteger with sums past 2^24) against onnxruntime-node.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { FormatError, manualSeed, models, noGrad, randn } from "../../src/index.js";
import { loadOnnx } from "../../src/io/onnx-import.js";
import { exportOnnx } from "../../src/io/onnx-export.js";
import { DataType, decodeModel, encodeModel, type ModelProto, type NodeProto, type TensorProto } from "../../src/io/onnx-proto.js";

const info = (name: string, elemType: number, shape: number[]) => ({ name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
function graph(nodes: NodeProto[], inputs: ReturnType<typeof info>[], outputs: ReturnType<typeof info>[], initializer: TensorProto[] = [], opset = 13): Uint8Array {
  const m: ModelProto = { irVersion: 8, opsetImport: [{ domain: "", version: opset }], graph: { name: "g", node: nodes, input: inputs, output: outputs, initializer } };
  return encodeModel(m);
}
const i64 = (name: string, values: number[]): TensorProto => ({ name, dims: [values.length], dataType: DataType.INT64, int64Data: values });
const bytesOf = (name: string, dataType: number, dims: number[], data: ArrayLike<number>): TensorProto =>
  ({ name, dims, dataType, rawData: dataType === DataType.INT8 ? new Uint8Array(Int8Array.from(data).buffer) : dataType === DataType.FLOAT ? new Uint8Array(Float32Array.from(data).buffer) : Uint8Array.from(data) });

async function ortRun(bytes: Uint8Array, feeds: Record<string, Float32Array>, shape: number[]): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  return s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v, shape)])));
}
function maxDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(Number(a[i]) - Number(b[i])));
  return d;
}

test("nodes listed out of order run in topological order; a cycle and a value made twice are FormatErrors", () => {
  manualSeed(1);
  const bytes = exportOnnx(models.create("lenet5"), randn([2, 1, 32, 32]));
  const m = decodeModel(bytes);
  m.graph!.node!.reverse();
  const x = randn([2, 1, 32, 32]);
  const want = noGrad(() => loadOnnx(bytes).call(x));
  assert.equal(maxDiff(noGrad(() => loadOnnx(encodeModel(m), { name: "reversed.onnx" }).call(x)).data, want.data), 0);
  const cyc = graph([{ opType: "Relu", input: ["b"], output: ["a"] }, { opType: "Relu", input: ["a"], output: ["b"] }, { opType: "Relu", input: ["x"], output: ["y"] }],
    [info("x", 1, [2])], [info("y", 1, [2])]);
  assert.throws(() => loadOnnx(cyc, { name: "cycle.onnx" }), (e: unknown) => e instanceof FormatError && /^cycle\.onnx: onnx: the graph has a cycle: node [01] \(Relu\)/.test(e.message));
  const twice = graph([{ opType: "Relu", input: ["x"], output: ["y"] }, { opType: "Neg", input: ["x"], output: ["y"] }], [info("x", 1, [2])], [info("y", 1, [2])]);
  assert.throws(() => loadOnnx(twice, { name: "twice.onnx" }), (e: unknown) => e instanceof FormatError && /value 'y' is produced by node 0 and again by node 1 \(Neg\)/.test(e.message));
});

test("trainableConstants: weights kept as Constant nodes become parameters with the gradients of initializers", () => {
  manualSeed(2);
  const bytes = exportOnnx(models.create("lenet5"), randn([2, 1, 32, 32]));
  // the same graph as Paddle2ONNX writes it: every float initializer a Constant node, listed first
  const m = decodeModel(bytes);
  const g = m.graph!;
  const floats = g.initializer!.filter((t) => t.dataType === DataType.FLOAT);
  g.node = [...floats.map((t): NodeProto => ({ opType: "Constant", output: [t.name!], attribute: [{ name: "value", type: 4, t }] })), ...g.node!];
  g.initializer = g.initializer!.filter((t) => t.dataType !== DataType.FLOAT);
  const asConstants = encodeModel(m);
  assert.equal([...loadOnnx(asConstants).parameters()].length, 0);
  const ref = loadOnnx(bytes), tuned = loadOnnx(asConstants, { trainableConstants: true });
  const names = (mod: typeof ref): string[] => [...mod.namedParameters()].map(([k]) => k).sort();
  assert.deepEqual(names(tuned), names(ref));
  assert.deepEqual([...tuned.stateDict().keys()].sort(), [...ref.stateDict().keys()].sort());
  const x = randn([2, 1, 32, 32]);
  for (const mod of [ref, tuned]) mod.call(x).square().sum().backward();
  const refParams = new Map(ref.namedParameters());
  for (const [k, p] of tuned.namedParameters()) assert.ok(maxDiff(p.grad!.data, refParams.get(k)!.grad!.data) <= 1e-5 * Math.max(1, ...refParams.get(k)!.grad!.data.map(Math.abs)), `grad ${k}`);
});

test("Resize (linear) gives onnxruntime's float32 values bit for bit: half_pixel, align_corners, asymmetric, up and down", async () => {
  manualSeed(3);
  const x = randn([1, 2, 5, 7]);
  for (const [coord, sizes] of [["half_pixel", [1, 2, 13, 17]], ["align_corners", [1, 2, 9, 12]], ["asymmetric", [1, 2, 11, 4]], ["pytorch_half_pixel", [1, 2, 3, 1]], ["half_pixel", [1, 2, 2, 3]]] as const) {
    const bytes = graph([{ opType: "Resize", input: ["x", "", "", "sizes"], output: ["y"], attribute: [{ name: "mode", type: 3, s: new TextEncoder().encode("linear") }, { name: "coordinate_transformation_mode", type: 3, s: new TextEncoder().encode(coord) }] }],
      [info("x", 1, [1, 2, 5, 7])], [info("y", 1, [...sizes])], [i64("sizes", [...sizes])]);
    const ours = noGrad(() => loadOnnx(bytes).call(x));
    const r = await ortRun(bytes, { x: Float32Array.from(x.data) }, [1, 2, 5, 7]);
    assert.equal(maxDiff(ours.data, r.y!.data as Float32Array), 0, `${coord} → [${sizes}]`);
  }
});

test("DynamicQuantizeLinear → ConvInteger and MatMulInteger with 4,608-term sums past 2^24 equal onnxruntime's integers", async () => {
  manualSeed(4);
  const cin = 512, cout = 5;
  const x = randn([1, cin, 6, 7]).abs().mul(3);
  // output channel 0 all 127 on non-negative inputs: sums near 5·10^7, past float32's exact integers (2^24)
  const w = Int8Array.from({ length: cout * cin * 9 }, (_, i) => (i < cin * 9 ? 127 : i % 3 === 0 ? 127 : i % 3 === 1 ? -128 : (i * 37) % 255 - 127));
  const q = [
    { opType: "DynamicQuantizeLinear", input: ["x"], output: ["xq", "xs", "xz"] },
    { opType: "ConvInteger", input: ["xq", "w", "xz"], output: ["y"], attribute: [{ name: "pads", type: 7, ints: [1, 1, 1, 1] }] },
    { opType: "Reshape", input: ["xq", "flat"], output: ["xm"] },
    { opType: "MatMulInteger", input: ["xm", "wm", "xz"], output: ["z"] },
  ];
  const bytes = graph(q, [info("x", 1, [1, cin, 6, 7])], [info("y", DataType.INT32, [1, cout, 6, 7]), info("z", DataType.INT32, [cin, 3]), info("xq", DataType.UINT8, [1, cin, 6, 7]), info("xs", 1, []), info("xz", DataType.UINT8, [])],
    [bytesOf("w", DataType.INT8, [cout, cin, 3, 3], w), i64("flat", [cin, 42]), bytesOf("wm", DataType.INT8, [42, 3], w.slice(0, 126))], 13);
  const model = loadOnnx(bytes);
  const ours = noGrad(() => model.runGraph([x]));
  const r = await ortRun(bytes, { x: Float32Array.from(x.data) }, [1, cin, 6, 7]);
  ["y", "z", "xq", "xs", "xz"].forEach((name, i) => assert.equal(maxDiff(ours[i]!.data, r[name]!.data as ArrayLike<number>), 0, name));
  let biggest = 0;
  for (const v of ours[0]!.data) biggest = Math.max(biggest, Math.abs(v));
  assert.ok(biggest > 2 ** 24, `sums up to ${biggest}: the case should pass float32's exact integers`);
});
