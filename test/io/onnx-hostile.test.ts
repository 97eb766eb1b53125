// Hostile ONNX graphs, made here at run time: tiny files whose operators would allocate gigabytes (broadcasting,
// matrix products, Concat, attribute sizes) or keep many large values alive at once are refused quickly, before the
// memory goes, with a FormatError naming the node; Constant nodes are decoded once, at load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError, noGrad, randn, tensor, Tensor } from "../../src/index.js";
import { loadOnnx, DEFAULT_MAX_LIVE_BYTES, type OnnxImportOptions } from "../../src/io/onnx-import.js";
import { AttrType, DataType, encodeModel, type NodeProto, type TensorProto } from "../../src/io/onnx-proto.js";
import { assertClose } from "../helpers/fixtures.js";

const MiB = 2 ** 20;

/** A float value_info of a static shape. */
const info = (name: string, shape: readonly number[]) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
const ints = (name: string, values: number[]): TensorProto => ({ name, dims: [values.length], dataType: DataType.INT64, int64Data: values });
const floats = (name: string, dims: number[], values: number[]): TensorProto => ({ name, dims, dataType: DataType.FLOAT, floatData: values });
const node = (opType: string, name: string, input: string[], output: string[], attribute: NodeProto["attribute"] = []): NodeProto => ({ opType, name, input, output, attribute });

interface Graph { nodes: NodeProto[]; inputs?: [string, number[]][]; output: [string, number[]]; more?: [string, number[]][]; init?: TensorProto[] }
function onnx(g: Graph): Uint8Array {
  return encodeModel({
    irVersion: 8, opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "hostile", node: g.nodes, initializer: g.init ?? [],
      input: (g.inputs ?? []).map(([n, s]) => info(n, s)), output: [g.output, ...(g.more ?? [])].map(([n, s]) => info(n, s)),
    },
  });
}

/** A [n] float value of ones made by a ConstantOfShape node (a few bytes in the file, n floats at run time). */
const ones = (n: number, out: string): { node: NodeProto; init: TensorProto } => ({
  node: node("ConstantOfShape", `make_${out}`, [`${out}_shape`], [out], [{ name: "value", type: AttrType.TENSOR, t: floats("", [1], [1]) }]),
  init: ints(`${out}_shape`, [n]),
});

/** Loading (or running) `make` throws a FormatError matching `pattern`, within a time and memory bound. */
function refusedQuickly(label: string, make: () => unknown, pattern: RegExp, diag: string[]): void {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof FormatError, `${label}: expected a FormatError, got ${String(e)}`);
    assert.match(e.message, pattern, label);
    return true;
  }, label);
  const ms = performance.now() - t0, grew = (process.memoryUsage().rss - rss0) / MiB;
  diag.push(`${label}: ${ms.toFixed(0)} ms, RSS ${grew >= 0 ? "+" : ""}${grew.toFixed(0)} MiB`);
  assert.ok(ms < 3000, `${label}: refused after ${ms.toFixed(0)} ms`);
  // one value of the per-op limit is 256 MiB; the files below would reach 1–2 GiB
  assert.ok(grew < 128, `${label}: RSS grew by ${grew.toFixed(0)} MiB`);
}

test("sizes set by broadcasting, matrix products and Concat are refused before the kernel allocates, naming the node", (t) => {
  const diag: string[] = [];
  const big = 16384; // [16384,1] with [1,16384]: 2^28 elements (1 GiB of float32) from inputs of 64 KiB
  const binary = (op: string): Graph => ({ nodes: [node(op, "wide", ["a", "b"], ["y"])], inputs: [["a", [big, 1]], ["b", [1, big]]], output: ["y", [big, big]] });
  const tooBig = (shape: number[]) => new RegExp(`node 0 \\((\\w+) 'wide'\\): would create a tensor of shape \\[${shape.join(",")}\\] \\(${shape.reduce((a, d) => a * d, 1)} elements, limit 67108864\\)`);
  for (const op of ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu", "MatMul"]) {
    refusedQuickly(op, () => loadOnnx(onnx(binary(op)), { name: "h.onnx" }), tooBig([big, big]), diag);
  }
  // the 131 KB file: the two operands are initializers
  const inits = { nodes: [node("Add", "wide", ["a", "b"], ["y"])], init: [floats("a", [big, 1], new Array<number>(big).fill(1)), floats("b", [1, big], new Array<number>(big).fill(2))], output: ["y", [big, big]] } as Graph;
  refusedQuickly("Add of initializers", () => loadOnnx(onnx(inits)), tooBig([big, big]), diag);
  // integers (shape arithmetic) too
  const intInits = { ...inits, init: [{ ...ints("a", new Array<number>(big).fill(1)), dims: [big, 1] }, { ...ints("b", new Array<number>(big).fill(1)), dims: [1, big] }] };
  refusedQuickly("Add of int64", () => loadOnnx(onnx(intInits)), tooBig([big, big]), diag);
  refusedQuickly("Where", () => loadOnnx(onnx({ nodes: [node("Where", "wide", ["c", "a", "b"], ["y"])], inputs: [["c", [big, 1]], ["a", [1, big]], ["b", [1]]], output: ["y", [big, big]] })), tooBig([big, big]), diag);
  refusedQuickly("Gemm's C", () => loadOnnx(onnx({ nodes: [node("Gemm", "wide", ["a", "b", "c"], ["y"])], inputs: [["a", [big, 1]], ["b", [1, 1]], ["c", [1, big]]], output: ["y", [big, big]] })), tooBig([big, big]), diag);
  // a batch-broadcast operand is materialised expanded: [4096,1,1,16] against [1,4096,16,1] would copy a to 2^28
  refusedQuickly("MatMul batch", () => loadOnnx(onnx({ nodes: [node("MatMul", "wide", ["a", "b"], ["y"])], inputs: [["a", [4096, 1, 1, 16]], ["b", [1, 4096, 16, 1]]], output: ["y", [4096, 4096, 1, 1]] }), { dryRun: true }), tooBig([4096, 4096, 1, 16]), diag);
  // Concat of one value many times: each input is small enough, the result is not
  const v = ones(2 ** 22, "v");
  refusedQuickly("Concat", () => loadOnnx(onnx({ nodes: [v.node, node("Concat", "wide", new Array<string>(17).fill("v"), ["y"], [{ name: "axis", type: AttrType.INT, i: 0 }])], init: [v.init], output: ["y", [17 * 2 ** 22]] })), /node 1 \(Concat 'wide'\): would create a tensor of shape \[71303168\]/, diag);
  // at inference (no dry run at load) the same check holds
  const model = loadOnnx(onnx(binary("Add")), { dryRun: false });
  refusedQuickly("Add at inference", () => noGrad(() => model.call(randn([big, 1]), randn([1, big]))), tooBig([big, big]), diag);
  t.diagnostic(diag.join("; "));
});

test("sizes set by attributes: MaxUnpool's kernel is checked; LRN's window is clamped to the channels", () => {
  const unpool = onnx({
    nodes: [node("MaxUnpool", "unpool", ["x", "i"], ["y"], [{ name: "kernel_shape", type: AttrType.INTS, ints: [2 ** 20, 2 ** 20] }])],
    inputs: [["x", [1, 1, 1, 1]]], init: [{ name: "i", dims: [1, 1, 1, 1], dataType: DataType.INT64, int64Data: [0] }], output: ["y", [1, 1, 2 ** 20, 2 ** 20]],
  });
  refusedQuickly("MaxUnpool", () => noGrad(() => loadOnnx(unpool, { dryRun: false }).call(tensor([[[[1]]]]))), /node 0 \(MaxUnpool 'unpool'\): would create a tensor of shape \[1,1,1048576,1048576\]/, []);
  // size 2^30 would have padded a billion channels; a window wider than 2C − 1 sums every channel, as here
  const size = 2 ** 30, alpha = 0.5, beta = 0.75, bias = 2;
  const lrn = loadOnnx(onnx({
    nodes: [node("LRN", "lrn", ["x"], ["y"], [{ name: "size", type: AttrType.INT, i: size }, { name: "alpha", type: AttrType.FLOAT, f: alpha }, { name: "beta", type: AttrType.FLOAT, f: beta }, { name: "bias", type: AttrType.FLOAT, f: bias }])],
    inputs: [["x", [1, 3, 2, 2]]], output: ["y", [1, 3, 2, 2]],
  }));
  const x = randn([1, 3, 2, 2]);
  const want = x.div(x.square().sum(1, true).mul(alpha / size).add(bias).pow(beta));
  assertClose(noGrad(() => lrn.call(x)), want, { rtol: 1e-5, atol: 1e-6 }, "LRN with a huge size");
});

test("live values: a graph keeping many large values alive is refused at the node that passes maxLiveBytes", (t) => {
  const diag: string[] = [];
  const n = 2 ** 21; // 8 MiB per value
  /** v0 = ones; v_k = op(v_{k−1}); a Sum reads them all, so all stay alive. */
  const chain = (op: "Relu" | "Add", count: number): Uint8Array => {
    const v0 = ones(n, "v0");
    const nodes = [v0.node];
    for (let k = 1; k < count; k++) nodes.push(node(op, `n${k}`, op === "Add" ? [`v${k - 1}`, "one"] : [`v${k - 1}`], [`v${k}`]));
    nodes.push(node("Sum", "all", Array.from({ length: count }, (_, k) => `v${k}`), ["y"]));
    return onnx({ nodes, init: [v0.init, floats("one", [1], [1])], output: ["y", [n]] });
  };
  const opts: OnnxImportOptions = { name: "live.onnx", maxLiveBytes: 32 * MiB };
  // Add is sized before it runs (broadcasting): refused before its value exists
  refusedQuickly("Add chain", () => loadOnnx(chain("Add", 10), opts),
    /^live\.onnx: onnx: node 4 \(Add 'n4'\): a new value of 8\.0 MiB would bring the live values to 40\.0 MiB, over the limit of 32\.0 MiB \(maxLiveBytes\)$/, diag);
  // Relu's value is no larger than its input: counted once made
  refusedQuickly("Relu chain", () => loadOnnx(chain("Relu", 10), opts),
    /^live\.onnx: onnx: node 4 \(Relu 'n4'\): its outputs bring the live values to 40\.0 MiB, over the limit of 32\.0 MiB \(maxLiveBytes\)$/, diag);
  // values dropped after their last reader do not count: a chain without the Sum runs in two values' room
  const v0 = ones(n, "v0");
  const nodes = [v0.node, ...Array.from({ length: 9 }, (_, k) => node("Relu", `n${k + 1}`, [`v${k}`], [`v${k + 1}`]))];
  const long = loadOnnx(onnx({ nodes, init: [v0.init], output: ["v9", [n]] }), { ...opts, maxLiveBytes: 16 * MiB });
  assert.equal(noGrad(() => long.call()).size, n);
  // the budget holds at inference too, and defaults to 1 GiB
  const late = loadOnnx(chain("Relu", 10), { ...opts, dryRun: false });
  refusedQuickly("Relu chain at inference", () => noGrad(() => late.call()), /node 4 \(Relu 'n4'\): its outputs bring the live values to 40\.0 MiB/, diag);
  assert.equal(loadOnnx(chain("Relu", 2)).maxLiveBytes, DEFAULT_MAX_LIVE_BYTES);
  assert.equal(DEFAULT_MAX_LIVE_BYTES, 2 ** 30);
  assert.throws(() => loadOnnx(chain("Relu", 2), { maxLiveBytes: 0 }), /maxLiveBytes must be a positive number of bytes/);
  t.diagnostic(diag.join("; "));
});

test("buffers kept for reuse count against maxLiveBytes: values of ever new sizes do not pile up in the pool", () => {
  // each Pad makes a value 1 MiB larger than its input, which dies: a pool of every dropped buffer would hold 49 MiB
  const v0 = ones(2 ** 20, "v0");
  const nodes = [v0.node, ...Array.from({ length: 7 }, (_, k) => node("Pad", `pad${k + 1}`, [`v${k}`, "pads"], [`v${k + 1}`]))];
  const model = loadOnnx(onnx({ nodes, init: [v0.init, ints("pads", [0, 2 ** 18])], output: ["v7", [2 ** 20 + 7 * 2 ** 18]] }), { maxLiveBytes: 24 * MiB });
  assert.ok(model.pooledBytes <= 24 * MiB, `the pool holds ${model.pooledBytes / MiB} MiB`);
  noGrad(() => model.call());
  assert.ok(model.pooledBytes <= 24 * MiB, `the pool holds ${model.pooledBytes / MiB} MiB after a run`);
});

test("Constant nodes are decoded once, at load: every run reads the same tensor", () => {
  const value = floats("", [2, 2], [1, 2, 3, 4]);
  const model = loadOnnx(onnx({
    nodes: [node("Constant", "c", [], ["c"], [{ name: "value", type: AttrType.TENSOR, t: value }]), node("Add", "add", ["x", "c"], ["y"])],
    inputs: [["x", [2, 2]]], output: ["y", [2, 2]], more: [["c", [2, 2]]], // the constant is also an output
  }));
  const x = tensor([[1, 1], [1, 1]]);
  const [y1, c1] = noGrad(() => model.forwardAll(x)) as [Tensor, Tensor];
  const [y2, c2] = noGrad(() => model.forwardAll(x)) as [Tensor, Tensor];
  assert.equal(c1, c2, "the Constant's tensor is decoded once and reused");
  assert.deepEqual([...y1.data], [2, 3, 4, 5]);
  assert.deepEqual([...y2.data], [2, 3, 4, 5]);
  assert.deepEqual([...c2.data], [1, 2, 3, 4], "the constant is not overwritten by reused buffers");
  // a Constant without a value is refused when the file loads, naming the node, with no dry run
  const empty = onnx({ nodes: [node("Constant", "nothing", [], ["y"])], output: ["y", [1]] });
  assert.throws(() => loadOnnx(empty, { dryRun: false }), /node 0 \(Constant 'nothing'\): Constant has no supported value attribute/);
});

test("op_type names of Object's prototype (toString, constructor, __proto__) are unsupported operators, not functions called", () => {
  for (const op of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    const bytes = onnx({ nodes: [node(op, "odd", ["x"], ["y"])], inputs: [["x", [2]]], output: ["y", [2]] });
    assert.throws(() => loadOnnx(bytes), (e: unknown) => e instanceof FormatError && e.message.startsWith(`onnx: node 0 (${op} 'odd'): unsupported operator ${op} `), op);
  }
});
