// The ONNX files onnxruntime-web runs in the WebGPU benchmark, exported by convkit itself (src/io/onnx-export.ts):
// a convolution's forward (its weight a constant of the graph) and ResNet-18 at the workload's batch and side, every
// dim fixed as traced. Run on whichever CPU backend is selected (the tracing runs the model once).
import { exportOnnx } from "../../src/io/onnx-export.js";
import { randn } from "../../src/tensor/creation.js";
import * as F from "../../src/ops/functional.js";
import * as models from "../../src/models/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import type { Module } from "../../src/nn/module.js";
import { inputShape, onnxName, type Workload } from "./workloads.js";

/** The ONNX files of the workloads that have one, by name (onnxName). */
export function exportWorkloadFiles(ws: Workload[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const w of ws) {
    const name = onnxName(w);
    if (!name || files.has(name)) continue;
    const x = randn(inputShape(w));
    if (w.kind === "conv") {
      const { Cout, Cin, k, s: stride, p: padding } = w.shape;
      const weight = randn([Cout, Cin, k, k]);
      files.set(name, exportOnnx((t: Tensor) => F.conv2d(t, weight, null, { stride, padding }), x, { inputNames: ["x"], outputNames: ["y"] }));
    } else {
      files.set(name, exportOnnx(models.resnet18() as unknown as Module<[Tensor], Tensor>, x, { inputNames: ["x"], outputNames: ["logits"] }));
    }
  }
  return files;
}
