// Issue 13's activation kernels and batch-norm folding, before/after alternating in one process: the wasm activation
// kernels (hardtanh/relu6, hardswish, hardsigmoid, silu, sigmoid and their gradients) against the reference kernels
// they fall back to, on a MobileNetV2 training step (batch 8, 96²) and MobileNetV3-Large batch-1 inference (224²); and
// io.loadOnnx's BatchNormalization folding on and off, on torchvision MobileNetV2 and ResNet-18 exported with their
// BatchNormalization nodes (training=PRESERVE: the default eval export folds them itself), batch 1, 224². Medians of
// rounds; between steps a collection (--expose-gc) and an event-loop turn, as bench/profile-mobile-grads.ts.
// `node --expose-gc --import tsx bench/profile-activations.ts [threads=2] [rounds=5] [onnx dir, made here when absent]`
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { wasmBackend, initWasm } from "../src/backends/wasm/index.js";
import { jsKernels } from "../src/backends/js/index.js";
import type { HostKernels } from "../src/backends/backend.js";
import { randn } from "../src/tensor/creation.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import * as models from "../src/models/index.js";
import { loadOnnx, setBatchNormFolding } from "../src/io/onnx-import.js";
import type { Module } from "../src/nn/module.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { makeTrainStep } from "./profile-step.js";

const threads = Number(process.argv[2] ?? 2), rounds = Number(process.argv[3] ?? 5);
const onnxDir = process.argv[4] ?? join(tmpdir(), "convkit-bench-onnx-bn");
await initWasm({ threads });

const k = wasmBackend.kernels as Partial<HostKernels>;
const wasmUnary = k.unary!, wasmActivation = k.activation, wasmActivationGrad = k.activationGrad;
/** The wasm activation kernels on, or their cases handed to the reference kernels. */
function activations(on: boolean): void {
  k.activation = on ? wasmActivation : jsKernels.activation;
  k.activationGrad = on ? wasmActivationGrad : jsKernels.activationGrad;
  k.unary = on ? wasmUnary : (op, x, y, a) => (op === "sigmoid" ? jsKernels.unary : wasmUnary)(op, x, y, a);
}

const gc = (globalThis as { gc?: () => void }).gc;
const median = (ts: number[]): number => [...ts].sort((a, b) => a - b)[ts.length >> 1]!;
const fmt = (off: number, on: number): string => `${off.toFixed(1).padStart(8)} ms ${on.toFixed(1).padStart(8)} ms   ×${(off / on).toFixed(2)}`;

/** Alternates `set(false)` / `set(true)` for `rounds`, `reps` timed calls of fn each (after a warm-up of each). */
async function alternate(label: string, set: (on: boolean) => void, fn: () => void, reps: number): Promise<void> {
  const time = async (): Promise<number> => {
    const t = performance.now();
    fn();
    const ms = performance.now() - t;
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return ms;
  };
  for (const on of [false, true]) { set(on); await time(); }
  const ts = { off: [] as number[], on: [] as number[] };
  for (let r = 0; r < rounds; r++)
    for (const on of [false, true]) {
      set(on);
      for (let j = 0; j < reps; j++) ts[on ? "on" : "off"].push(await time());
    }
  set(true);
  console.log(`${label.padEnd(42)} ${fmt(median(ts.off), median(ts.on))}`);
}

console.log(`wasm, ${threads} threads; columns: before (reference kernels / BatchNormalization run) and after, medians of ${rounds} rounds`);
const step = makeTrainStep(models.create("mobilenet_v2", { numClasses: 10 }) as unknown as Module<[Tensor], Tensor>, [8, 3, 96, 96], 10);
let i = 0;
await alternate("mobilenet_v2 train step b8 96²", activations, () => step(i++), 3);
const v3 = (models.create("mobilenet_v3_large") as unknown as Module<[Tensor], Tensor>).eval();
const x = randn([1, 3, 224, 224]);
await alternate("mobilenet_v3_large infer b1 224²", activations, () => void noGrad(() => v3.call(x)).data, 5);
const eff = (models.create("efficientnet_b0") as unknown as Module<[Tensor], Tensor>).eval();
await alternate("efficientnet_b0 infer b1 224²", activations, () => void noGrad(() => eff.call(x)).data, 5);

if (!existsSync(join(onnxDir, "resnet18.onnx"))) {
  mkdirSync(onnxDir, { recursive: true });
  const py = `import sys, torch, torchvision
torch.manual_seed(0)
for n in ["mobilenet_v2", "resnet18"]:
    torch.onnx.export(getattr(torchvision.models, n)().eval(), torch.randn(1, 3, 224, 224), f"{sys.argv[1]}/{n}.onnx", input_names=["x"], output_names=["y"], opset_version=13, training=torch.onnx.TrainingMode.PRESERVE)`;
  const r = spawnSync("/usr/bin/python3", ["-c", py, onnxDir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`exporting the ONNX files failed: ${r.stderr}`);
}
for (const name of ["mobilenet_v2", "resnet18"]) {
  const net = loadOnnx(new Uint8Array(readFileSync(join(onnxDir, `${name}.onnx`))));
  await alternate(`${name} onnx (BN kept) b1 224², fold`, setBatchNormFolding, () => void noGrad(() => net.call(x)).data, 5);
}
process.exit(0);
