// convkit export <checkpoint>: hand the model to other tools as ONNX, as a plain safetensors state dict, or as a
// PyTorch checkpoint that torchvision's model loads with load_state_dict(torch.load(file), strict=True).
import type { Command } from "commander";
import { saveSafetensors } from "../io/safetensors.js";
import { savePth } from "../io/pth-save.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { ValueError } from "../errors.js";
import { writeFileAtomic } from "../io/node.js";
import { checkOutputPath, loadModelFile, options, type LoadedModel } from "./common.js";

type OnnxExporter = (model: LoadedModel["model"], inputs: Tensor, opts?: Record<string, unknown>) => Uint8Array;

/** The ONNX exporter of src/io, looked up at run time (it lives in the io module). */
async function onnxExporter(): Promise<OnnxExporter> {
  const spec = "../io/onnx-export.js";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ spec)) as Record<string, unknown>;
  } catch {
    throw new ValueError("ONNX export is not available in this build");
  }
  const fn = mod.exportOnnx;
  if (typeof fn !== "function") throw new ValueError("ONNX export is not available in this build");
  return fn as OnnxExporter;
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("export")
    .description("write a model as ONNX (runs in onnxruntime, PyTorch, …) or as a safetensors state dict")
    .argument("<weights>", "training checkpoint, .safetensors or .pth")
    .option("--onnx <file>", "ONNX output")
    .option("--safetensors <file>", "safetensors output: the model's state dict, torchvision key names")
    .option("--torch <file>", "PyTorch checkpoint (torch.save format): torch.load gives the state dict, torchvision key names")
    .addOption(options.model())
    .action((file: string, f: { onnx?: string; safetensors?: string; torch?: string; model?: string }) => run(async () => {
      if (!f.onnx && !f.safetensors && !f.torch) throw new ValueError("give --onnx FILE, --safetensors FILE and/or --torch FILE");
      if (f.onnx !== undefined) checkOutputPath("--onnx", f.onnx);
      if (f.safetensors !== undefined) checkOutputPath("--safetensors", f.safetensors);
      if (f.torch !== undefined) checkOutputPath("--torch", f.torch);
      const m = loadModelFile(file, { model: f.model });
      // both formats carry the same description, so predict/eval/neighbors on the exported file show class names,
      // normalise and find the dataset alike
      const metadata = m.metadata();
      if (f.safetensors) {
        writeFileAtomic(f.safetensors, saveSafetensors(m.model.stateDict(), metadata));
        console.log(`${m.name} weights (${[...m.model.stateDict().keys()].length} tensors) → ${f.safetensors}`);
      }
      if (f.torch) {
        writeFileAtomic(f.torch, savePth(m.model.stateDict()));
        console.log(`${m.name} weights (${[...m.model.stateDict().keys()].length} tensors) as a PyTorch checkpoint → ${f.torch}`);
      }
      if (f.onnx) {
        const exporter = await onnxExporter();
        m.model.eval();
        // a symbolic batch dim: the one file serves any batch size in onnxruntime or Triton
        writeFileAtomic(f.onnx, exporter(m.model, zeros([1, ...m.inputShape]), { metadata, dynamicBatch: true }));
        console.log(`${m.name} as ONNX (input [batch,${m.inputShape.join(",")}]) → ${f.onnx}`);
      }
    }));
}
