// convkit predict <model file> <image…>: top-k classes with probabilities.
import type { Command } from "commander";
import { noGrad } from "../autograd/grad-mode.js";
import { softmax } from "../ops/activation.js";
import { logitsOf } from "../train/metrics.js";
import { intOption, loadModelFile, readLabels, readModelInput } from "./common.js";

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("predict")
    .description("classify images with a trained model: top-k classes and probabilities")
    .argument("<model>", "training checkpoint, .safetensors, .pth or .onnx")
    .argument("<images...>", "PNG or JPEG files")
    .option("--top <k>", "how many classes to show", "5")
    .option("--labels <imagenet|file>", "class names: imagenet (shipped) or a file with one name per line")
    .option("--model <name>", "zoo model, for weights files that do not say (.pth)")
    .option("--invert", "invert grey images (dark digits on white paper → MNIST's white on black)")
    .option("--resize", "scale images of another size to the model's input (otherwise they are refused)")
    .option("--json", "print JSON")
    .action((file: string, images: string[], f: { top?: string; labels?: string; model?: string; invert?: boolean; resize?: boolean; json?: boolean }) => run(async () => {
      const top = intOption("--top", f.top, 5);
      const m = loadModelFile(file, { model: f.model });
      const results: { image: string; top: { label: string; index: number; probability: number }[] }[] = [];
      let names: string[] | null = null;
      for (const path of images) {
        const x = readModelInput(m, path, { invert: f.invert, resize: f.resize });
        const probs = noGrad(() => softmax(logitsOf(m.model.call(x)), 1));
        const n = probs.shape[1]!;
        names ??= readLabels(f.labels, m, n);
        const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs.data[b]! - probs.data[a]!).slice(0, Math.min(top, n));
        results.push({ image: path, top: order.map((i) => ({ label: names![i]!, index: i, probability: probs.data[i]! })) });
      }
      if (f.json) console.log(JSON.stringify(results, null, 2));
      else for (const r of results) {
        console.log(r.image);
        r.top.forEach((t, k) => console.log(`  ${k + 1}. ${t.label.padEnd(24)} ${(100 * t.probability).toFixed(2).padStart(6)}%`));
      }
    }));
}
