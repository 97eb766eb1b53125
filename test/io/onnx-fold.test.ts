// BatchNormalization and activations folded into the Conv before them at inference (as onnxruntime does at load):
// torchvision's MobileNetV2 and ResNet-18 exported with their BatchNormalization nodes (training=PRESERVE; the default
// eval export folds them itself) and non-trivial statistics give onnxruntime-node's outputs, with no batch-norm kernel
// run and one Conv per Conv node; a Conv whose output has a second reader, and training mode, are not folded; small
// graphs of each activation form give onnxruntime's output with the convolution alone running. The files are made
// at run time by Debian's python3-torch/torchvision (/usr/bin/python3, as test/io/torch-handoff.test.ts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as ort from "onnxruntime-node";
import { Tensor, io, noGrad, randn } from "../../src/index.js";
import { getBackend } from "../../src/backends/registry.js";
import { onSim, useSimDevice } from "../helpers/sim-device.js";

useSimDevice();

const PY = "/usr/bin/python3";
const SIDE = 64;

// torchvision models in eval mode with random batch-norm statistics and affine parameters (so that no two initializers
// are equal and the fold has something to do), exported keeping their BatchNormalization nodes; and two small graphs
// by hand: Conv → BatchNormalization, and the same with the Conv's output also read by a Relu added to the result.
const MAKE = `
import sys, torch, torchvision, onnx
from onnx import helper, numpy_helper, TensorProto
import numpy as np
out, side = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)
for name in ["mobilenet_v2", "resnet18"]:
    m = getattr(torchvision.models, name)().eval()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            with torch.no_grad():
                mod.running_mean.normal_(0, 0.2); mod.running_var.uniform_(0.3, 2.0)
                mod.weight.uniform_(0.5, 1.5); mod.bias.normal_(0, 0.2)
    torch.onnx.export(m, torch.randn(1, 3, side, side), f"{out}/{name}.onnx", input_names=["x"], output_names=["y"],
                      opset_version=13, training=torch.onnx.TrainingMode.PRESERVE)
rng = np.random.default_rng(1)
f = lambda *s: numpy_helper.from_array(rng.standard_normal(s).astype(np.float32))
def small(second_reader):
    inits = [f(8, 3, 3, 3), f(8), numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32)), f(8), f(8),
             numpy_helper.from_array(rng.uniform(0.2, 2, 8).astype(np.float32))]
    for t, n in zip(inits, ["w", "b", "gamma", "beta", "mean", "var"]): t.name = n
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n" if second_reader else "y"], epsilon=1e-3)]
    if second_reader:
        nodes += [helper.make_node("Relu", ["c"], ["r"]), helper.make_node("Add", ["n", "r"], ["y"])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 9, 11])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8, 9, 11])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), f"{out}/conv_bn{'_shared' if second_reader else ''}.onnx")
small(False)
small(True)
def act(name, opset, tail, bn=False, out_of_conv=False, batch=2, infos=()):
    """Conv (→ BatchNormalization) → the nodes of tail(value) → y; out_of_conv: the Conv's output is a graph output too."""
    inits = [f(6, 3, 3, 3), f(6)]
    for t, n in zip(inits, ["w", "b"]): t.name = n
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1])]
    v = "c"
    if bn:
        stats = [numpy_helper.from_array(rng.uniform(0.5, 1.5, 6).astype(np.float32)), f(6), f(6),
                 numpy_helper.from_array(rng.uniform(0.2, 2, 6).astype(np.float32))]
        for t, n in zip(stats, ["gamma", "beta", "mean", "var"]): t.name = n
        inits += stats
        nodes.append(helper.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"], epsilon=1e-3))
        v = "n"
    more, extra_inits = tail(v)
    nodes += more
    inits += extra_inits
    outs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 6, 9, 11])]
    if out_of_conv: outs.append(helper.make_tensor_value_info("c", TensorProto.FLOAT, [batch, 6, 9, 11]))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 9, 11])], outs, inits,
                          value_info=[helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n, shape in infos])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]), f"{out}/{name}.onnx")
scalar = lambda n, v: numpy_helper.from_array(np.array(v, dtype=np.float32), n)
const = lambda n, v: helper.make_node("Constant", [], [n], value=numpy_helper.from_array(np.array(v, dtype=np.float32)))
act("relu", 13, lambda v: ([helper.make_node("Relu", [v], ["y"])], []))
act("clip6_bn", 13, lambda v: ([const("lo", 0), helper.make_node("Clip", [v, "lo", "hi"], ["y"])], [scalar("hi", 6)]), bn=True)
act("clip6_opset6", 6, lambda v: ([helper.make_node("Clip", [v], ["y"], min=0.0, max=6.0)], []))
act("silu_bn", 13, lambda v: ([helper.make_node("Sigmoid", [v], ["s"]), helper.make_node("Mul", [v, "s"], ["y"])], []), bn=True)
act("hardswish_mul", 13, lambda v: ([helper.make_node("HardSigmoid", [v], ["s"], alpha=1/6, beta=0.5), helper.make_node("Mul", ["s", v], ["y"])], []))
act("hardsigmoid", 13, lambda v: ([helper.make_node("HardSigmoid", [v], ["y"], alpha=1/6, beta=0.5)], []))
act("hardswish", 14, lambda v: ([helper.make_node("HardSwish", [v], ["y"])], []), bn=True)
act("clip5", 13, lambda v: ([helper.make_node("Clip", [v, "lo", "hi"], ["y"])], [scalar("lo", 0), scalar("hi", 5)]))
act("hardsigmoid_default", 13, lambda v: ([helper.make_node("HardSigmoid", [v], ["y"])], []))
act("relu_shared", 13, lambda v: ([helper.make_node("Relu", [v], ["y"])], []), out_of_conv=True)
res = lambda shape: numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), "r")
act("residual_relu", 13, lambda v: ([helper.make_node("Add", ["r", v], ["a"]), helper.make_node("Relu", ["a"], ["y"])], [res((2, 6, 9, 11))]), bn=True)
act("residual_broadcast", 13, lambda v: ([helper.make_node("Add", [v, "r"], ["a"]), helper.make_node("Relu", ["a"], ["y"])], [res((6, 1, 1))]))
w2 = numpy_helper.from_array(rng.standard_normal((6, 6, 1, 1)).astype(np.float32), "w2")
# a gate (squeeze-and-excitation's shape: a per-channel factor of the map) multiplying the map before a 1×1 Conv
gate = lambda v: ([helper.make_node("GlobalAveragePool", [v], ["p"]), helper.make_node("Sigmoid", ["p"], ["g"]),
    helper.make_node("Mul", ["g", v], ["m"]), helper.make_node("Conv", ["m", "w2"], ["y"])], [w2])
act("gate_conv", 13, gate)
# the product's shape declared (as shape inference writes it): the Mul's output keeps it when the Conv takes the gate
act("gate_conv_1", 13, gate, batch=1, infos=[("m", [1, 6, 9, 11]), ("g", [1, 6, 1, 1])])
# x·Sigmoid(x) after the first Conv, read by a second: the activation's Mul, not a gate
act("silu_conv", 13, lambda v: ([helper.make_node("Sigmoid", [v], ["s"]), helper.make_node("Mul", [v, "s"], ["m"]),
    helper.make_node("Conv", ["m", "w2"], ["y"])], [w2]))
m = torchvision.models.mobilenet_v3_small().eval()
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        with torch.no_grad():
            mod.running_mean.normal_(0, 0.2); mod.running_var.uniform_(0.3, 2.0)
torch.onnx.export(m, torch.randn(1, 3, side, side), f"{out}/mobilenet_v3_small.onnx", input_names=["x"], output_names=["y"], opset_version=13)
# GELU between two convolutions (written out with Erf before opset 20), and a GELU whose x·½·(1 + erf(x/√2)) is also a
# graph output halfway (not fused)
gelu = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.GELU(), torch.nn.Conv2d(6, 4, 1)).eval()
torch.onnx.export(gelu, torch.randn(2, 3, 9, 11), f"{out}/gelu.onnx", input_names=["x"], output_names=["y"], opset_version=13)
class Halfway(torch.nn.Module):
    def forward(self, x):
        t = 1 + torch.erf(x / 1.4142135623730951)
        return x * t * 0.5, t
torch.onnx.export(Halfway(), torch.randn(2, 3, 9, 11), f"{out}/gelu_halfway.onnx", input_names=["x"], output_names=["y", "t"], opset_version=13)
`;

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "convkit-onnx-fold-"));
  const r = spawnSync(PY, ["-c", MAKE, dir, String(SIDE)], { encoding: "utf8" });
  assert.equal(r.status, 0, `${PY} could not export the models (install python3-torch python3-torchvision): ${r.stderr}`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Calls of the backend's kernels `names` (default: the convolution and batch norm) while fn runs. */
function countKernels(fn: () => void, names = ["conv2d", "channelAffine"]): Record<string, number> {
  const counts: Record<string, number> = {};
  const saved: [Record<string, unknown>, string, unknown][] = [];
  const rec = getBackend().kernels as Record<string, unknown>;
  for (const name of names) {
    const f = rec[name] as ((...a: unknown[]) => void) | undefined;
    if (!f) continue;
    saved.push([rec, name, f]);
    rec[name] = (...a: unknown[]) => { counts[name] = (counts[name] ?? 0) + 1; f(...a); };
  }
  try {
    fn();
  } finally {
    for (const [rec, name, f] of saved) rec[name] = f;
  }
  return counts;
}

/** The largest difference from onnxruntime-node's output, and the output's largest magnitude. */
async function againstOrt(path: string, x: Tensor, ours: Tensor): Promise<{ worst: number; scale: number }> {
  const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  const r = await session.run({ x: new ort.Tensor("float32", Float32Array.from(x.data), [...x.shape]) });
  const want = r.y!.data as Float32Array;
  assert.equal(want.length, ours.size);
  let worst = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(ours.data[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { worst, scale };
}

// MobileNetV2: every ReLU6 (Clip) follows a Conv → BatchNormalization; ResNet-18: the stem's and each block's first
// ReLU do, the second follows the residual Add.
// MobileNetV2's 10 residual Adds and ResNet-18's 8 fold into a Conv too (into the downsampling Conv where the exporter
// wrote it after the block's second one), and so each ReLU after a ResNet Add
for (const [name, convs, activations, residuals] of [["mobilenet_v2", 52, 35, 10], ["resnet18", 20, 17, 8]] as const) {
  test(`${name} (BatchNormalization kept, random statistics): every BatchNormalization folded, onnxruntime's output`, async () => {
    const path = join(dir, `${name}.onnx`);
    const model = io.loadOnnx(new Uint8Array(readFileSync(path)));
    assert.equal(model.foldedBatchNorms, convs);
    assert.equal(model.foldedActivations, activations);
    assert.equal(model.foldedResiduals, residuals);
    const x = randn([1, 3, SIDE, SIDE]);
    let y: Tensor | undefined;
    const counts = countKernels(() => { y = noGrad(() => model.call(x)); });
    assert.equal(counts.channelAffine ?? 0, 0, "no batch-norm kernel runs");
    assert.equal(counts.conv2d, convs);
    const { worst, scale } = await againstOrt(path, x, y!);
    assert.ok(worst <= 1e-4 * Math.max(1, scale), `onnxruntime differs by ${worst} (scale ${scale})`);
    // recording the parameters' gradients runs the graph as written: the same values
    const counted = countKernels(() => { y = model.call(x); });
    assert.equal(counted.channelAffine, convs);
    const again = await againstOrt(path, x, y!.detach());
    assert.ok(again.worst <= 1e-4 * Math.max(1, again.scale), `unfolded: onnxruntime differs by ${again.worst}`);
  });
}

test("Conv → BatchNormalization folds (onnxruntime's output); not with a second reader of the Conv's output, nor in training mode", async () => {
  for (const [file, folded] of [["conv_bn.onnx", 1], ["conv_bn_shared.onnx", 0]] as const) {
    const path = join(dir, file);
    const model = io.loadOnnx(new Uint8Array(readFileSync(path)));
    assert.equal(model.foldedBatchNorms, folded, file);
    const x = randn([2, 3, 9, 11]);
    let y: Tensor | undefined;
    const counts = countKernels(() => { y = noGrad(() => model.call(x)); });
    assert.equal(counts.channelAffine ?? 0, 1 - folded, `${file}: batch-norm kernels`);
    const { worst, scale } = await againstOrt(path, x, y!);
    assert.ok(worst <= 1e-4 * Math.max(1, scale), `${file}: onnxruntime differs by ${worst} (scale ${scale})`);
    // training mode normalises with the batch's statistics: never folded
    model.train();
    const trained = countKernels(() => noGrad(() => model.call(x)));
    assert.equal(trained.channelAffine, 1, `${file}: training mode`);
    model.eval();
  }
});

test("activations after a Conv (or Conv → BatchNormalization) fold into its kernel call: onnxruntime's output", async () => {
  // folded: Relu, Clip to [0, 6] (inputs from an initializer and a Constant node, or opset 6's attributes), x·Sigmoid(x),
  // x·HardSigmoid(x) (hardswish as convkit exports it), HardSigmoid(1/6, ½), HardSwish; not: Clip to [0, 5],
  // HardSigmoid's default slope, an activation whose input is also a graph output
  // with a residual Add before the activation: of the output's shape (added as the convolution writes), or broadcast
  // from [6, 1, 1] (added as its own op after the convolution)
  const cases = [["relu", 1], ["clip6_bn", 1], ["clip6_opset6", 1], ["silu_bn", 1], ["hardswish_mul", 1], ["hardsigmoid", 1],
    ["hardswish", 1], ["clip5", 0], ["hardsigmoid_default", 0], ["relu_shared", 0], ["residual_relu", 1], ["residual_broadcast", 1]] as const;
  for (const [name, folded] of cases) {
    const path = join(dir, `${name}.onnx`);
    const model = io.loadOnnx(new Uint8Array(readFileSync(path)));
    assert.equal(model.foldedActivations, folded, name);
    assert.equal(model.foldedResiduals, name.startsWith("residual") ? 1 : 0, name);
    const x = randn([2, 3, 9, 11]);
    let y: Tensor | undefined;
    const counts = countKernels(() => { y = noGrad(() => model.call(x)); }, ["conv2d", "activation", "unary", "binary", "channelAffine"]);
    assert.equal(counts.conv2d, 1, name);
    if (folded && name !== "residual_broadcast") assert.deepEqual(Object.keys(counts), ["conv2d"], `${name}: only the convolution runs`);
    const { worst, scale } = await againstOrt(path, x, y!);
    assert.ok(worst <= 1e-4 * Math.max(1, scale), `${name}: onnxruntime differs by ${worst} (scale ${scale})`);
    // recording: the activation runs as its own node (its gradient is the graph's)
    const recorded = countKernels(() => { y = model.call(x); }, ["conv2d", "activation", "unary", "binary"]);
    assert.ok(Object.keys(recorded).length > 1, `${name}: recorded, the activation runs as written`);
    const again = await againstOrt(path, x, y!.detach());
    assert.ok(again.worst <= 1e-4 * Math.max(1, again.scale), `${name} recorded: onnxruntime differs by ${again.worst}`);
  }
});

test("a Mul read by a Conv alone folds into it: a per-channel gate scales the Conv's weights where they are fewer than the map's values", async () => {
  // gate_conv: a [N, 6, 1, 1] gate times the [N, 6, 9, 11] map, then a 1×1 Conv to 6 channels (6 weights an input channel,
  // fewer than the 99 values a plane): one image scales the weights; two multiply the map inside the Conv's op
  // silu_conv: the Mul of x·Sigmoid(x) after the first Conv, read by a second: folded as that activation, not as a gate
  for (const [name, gates, n] of [["gate_conv_1", 1, 1], ["gate_conv", 1, 2], ["silu_conv", 0, 2]] as const) {
    const path = join(dir, `${name}.onnx`);
    const model = io.loadOnnx(new Uint8Array(readFileSync(path)));
    assert.equal(model.foldedGates, gates, name);
    const x = randn([n, 3, 9, 11]);
    let y: Tensor | undefined;
    const counts = countKernels(() => { y = noGrad(() => model.call(x)); }, ["conv2d", "binary"]);
    assert.equal(counts.conv2d, 2, name);
    const { worst, scale } = await againstOrt(path, x, y!);
    assert.ok(worst <= 1e-4 * Math.max(1, scale), `${name} n=${n}: onnxruntime differs by ${worst} (scale ${scale})`);
    const recorded = model.call(x); // recording: the Mul runs as written
    const again = await againstOrt(path, x, recorded.detach());
    assert.ok(again.worst <= 1e-4 * Math.max(1, again.scale), `${name} n=${n} recorded: onnxruntime differs by ${again.worst}`);
  }
  // torchvision's MobileNetV3-Small: nine squeeze-and-excitation gates, each read by its block's projection; at 64² the
  // first (16² map, 16 output channels) scales the weights, the later ones (4² and 2² maps) the map
  const path = join(dir, "mobilenet_v3_small.onnx");
  const model = io.loadOnnx(new Uint8Array(readFileSync(path)));
  assert.equal(model.foldedGates, 9);
  const x = randn([1, 3, SIDE, SIDE]);
  const y = noGrad(() => model.call(x));
  const { worst, scale } = await againstOrt(path, x, y);
  assert.ok(worst <= 1e-4 * Math.max(1, scale), `mobilenet_v3_small: onnxruntime differs by ${worst} (scale ${scale})`);
});

test("the folded weights follow the parameters: loadStateDict after a folded run changes the output", () => {
  const model = io.loadOnnx(new Uint8Array(readFileSync(join(dir, "conv_bn.onnx"))));
  const x = randn([2, 3, 9, 11]);
  const before = noGrad(() => model.call(x));
  const sd = model.stateDict();
  const gamma = sd.get("gamma")!;
  model.loadStateDict(new Map([...sd].map(([k, t]) => [k, k === "gamma" ? gamma.mul(2) : t])));
  const afterLoad = noGrad(() => model.call(x));
  const beta = sd.get("beta")!;
  // y = γ·x̂ + β, so doubling γ moves y − β by a factor of 2
  const c = 8, plane = 9 * 11;
  for (let i = 0; i < before.size; i += 37) {
    const ch = Math.floor(i / plane) % c;
    const want = 2 * (before.data[i]! - beta.data[ch]!) + beta.data[ch]!;
    assert.ok(Math.abs(afterLoad.data[i]! - want) <= 1e-4 * Math.max(1, Math.abs(want)), `element ${i}: ${afterLoad.data[i]} vs ${want}`);
  }
});

test("GELU written out with Erf (PyTorch's export before opset 20) runs as one gelu: onnxruntime's output, on the host and on a device", async () => {
  for (const [file, fused] of [["gelu.onnx", 1], ["gelu_halfway.onnx", 0]] as const) {
    const path = join(dir, file);
    const bytes = new Uint8Array(readFileSync(path));
    const model = io.loadOnnx(bytes);
    assert.equal(model.fusedGelus, fused, file);
    const x = randn([2, 3, 9, 11]);
    const y = noGrad(() => model.call(x));
    const { worst, scale } = await againstOrt(path, x, y);
    assert.ok(worst <= 1e-5 * Math.max(1, scale), `${file}: onnxruntime differs by ${worst} (scale ${scale})`);
    if (!fused) continue;
    // the gelu kernel where the graph runs, a device's too
    const onDevice = await onSim(async () => noGrad(() => io.loadOnnx(bytes).call(new Tensor(Float32Array.from(x.data), [...x.shape]))).valuesAsync());
    onDevice.forEach((v, i) => assert.ok(Math.abs(v - y.data[i]!) <= 1e-5 * Math.max(1, scale), `${file} on the device: element ${i} ${v}, ${y.data[i]} on the host`));
  }
});
