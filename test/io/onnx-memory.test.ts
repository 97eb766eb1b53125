// An imported graph's inferences on the wasm backend keep its memory flat without the garbage collector: what an op
// allocates and does not return (a gated Conv's scaled weights) goes back to the model's buffer pool when the op
// returns, and small outputs leave as plain arrays. Runs on the wasm backend whatever CONVKIT_BACKEND says: what it
// counts is the wasm memory's live bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initWasm, wasmInfo } from "../../src/backends/wasm/index.js";
import { getBackend, setBackend } from "../../src/backends/registry.js";
import { io, noGrad, type Tensor } from "../../src/index.js";
import { encodeModel, type TensorProto } from "../../src/io/onnx-proto.js";
import { allocateFloat32 } from "../../src/tensor/memory.js";
import { Tensor as TensorClass } from "../../src/tensor/tensor.js";

const info = (name: string, shape: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
const floats = (name: string, dims: number[], f: (i: number) => number): TensorProto => {
  const n = dims.reduce((a, b) => a * b, 1);
  return { name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from({ length: n }, (_, i) => f(i)).buffer) };
};

test("repeated inferences of a graph with a squeeze-and-excitation gate keep the wasm memory flat", async () => {
  await initWasm({ threads: 2 });
  const previous = getBackend().name;
  setBackend("wasm");
  try {
    // x [1, 16, 12, 12] → GlobalAveragePool → Sigmoid (the gate) → Mul(x, gate) → 1×1 Conv 16→8: the Mul folds into the
    // Conv, which scales its 128 weights by the gate on every run (fewer than the map's 144 values a channel)
    const model = io.loadOnnx(encodeModel({
      irVersion: 8, opsetImport: [{ domain: "", version: 13 }],
      graph: {
        name: "se", input: [info("x", [1, 16, 12, 12])], output: [info("y", [1, 8, 12, 12]), info("pooled", [1, 16, 1, 1])],
        initializer: [floats("w", [8, 16, 1, 1], (i) => Math.sin(i)), floats("b", [8], (i) => i / 8)],
        node: [
          { opType: "GlobalAveragePool", input: ["x"], output: ["pooled"] },
          { opType: "Sigmoid", input: ["pooled"], output: ["gate"] },
          { opType: "Mul", input: ["x", "gate"], output: ["gated"] },
          { opType: "Conv", input: ["gated", "w", "b"], output: ["y"] },
        ],
      },
    }));
    assert.equal(model.foldedGates, 1);
    const x = new TensorClass(allocateFloat32(16 * 12 * 12, true), [1, 16, 12, 12]);
    x.data.set(Float32Array.from({ length: x.size }, (_, i) => Math.cos(i * 0.1)));
    const run = (): Tensor[] => noGrad(() => model.forwardAll(x));
    for (let i = 0; i < 3; i++) run();
    const before = wasmInfo().liveBytes;
    let last: Tensor[] = [];
    for (let i = 0; i < 50; i++) last = run();
    // both outputs are small (1,152 floats, 16): they leave as plain arrays, so nothing of a run stays in the memory;
    // before, each run kept its scaled weights and its outputs there until the collector ran (5 KB a run)
    const grew = wasmInfo().liveBytes - before;
    assert.ok(grew <= 0, `live bytes grew by ${grew} over 50 runs`);
    for (const t of last) assert.ok(!(t.data.buffer instanceof SharedArrayBuffer), "a small output is a plain array");
  } finally {
    setBackend(previous);
  }
});
