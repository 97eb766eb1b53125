/// <reference types="@webgpu/types" />
// onnxruntime-web's WebGPU execution provider as a peer of the WebGPU benchmark: ONNX files exported by convkit
// (src/io/onnx-export.ts; made by scripts/bench-web.mjs or bench/webgpu-node.ts, bench/web/onnx-files.ts) of the
// convolutions' forward and of ResNet-18. Inputs stay in GPU buffers, as the other implementations' do. A model's
// logits come back to JavaScript on every run; the convolutions' outputs stay on the GPU ('gpu-buffer') and only the
// last of a timed call's runs is read, as the others read theirs.
import type * as Ort from "onnxruntime-web/webgpu";
import { inputShape, onnxName, type Impl, type Prepared } from "./workloads.js";

/** onnxruntime-web (the module of "onnxruntime-web/webgpu"), with `load` giving the bytes of a named ONNX file. */
export function ortImpl(ort: typeof Ort, load: (name: string) => Promise<Uint8Array>): Impl {
  return {
    name: "ort-web webgpu",
    async init() {
      const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
      if (!gpu) throw new Error("no navigator.gpu: onnxruntime-web's WebGPU provider needs it");
      return `onnxruntime-web ${ort.env.versions.web ?? "?"} (WebGPU execution provider)`;
    },
    supports: (w) => onnxName(w) !== null,
    async prepare(w, s): Promise<Prepared> {
      const conv = w.kind === "conv";
      const session = await ort.InferenceSession.create(await load(onnxName(w)!), {
        executionProviders: ["webgpu"], graphOptimizationLevel: "all", ...(conv ? { preferredOutputLocation: "gpu-buffer" as const } : {}),
      });
      const shape = inputShape(w);
      const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() * 2 - 1);
      const device = await ort.env.webgpu.device;
      const buffer = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buffer, 0, values);
      const feeds = { [session.inputNames[0]!]: ort.Tensor.fromGpuBuffer(buffer, { dataType: "float32", dims: shape }) };
      const out = session.outputNames[0]!;
      const calls = conv ? s.convCalls : 1;
      return {
        calls,
        release: async () => { await session.release(); buffer.destroy(); },
        run: async () => {
          const ys: Ort.Tensor[] = [];
          for (let i = 0; i < calls; i++) ys.push((await session.run(feeds))[out]!);
          await ys[ys.length - 1]!.getData();
          for (const y of ys) y.dispose();
        },
      };
    },
  };
}
