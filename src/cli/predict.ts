// convkit predict <weights> <image…>: top-k classes with probabilities (the library's ImageClassifier).
import { Option, type Command } from "commander";
import type { Prediction } from "../apps/classifier.js";
import { intArg, loadModelFile, options, readLabels, readModelInput } from "./common.js";

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("predict")
    .description("classify images with a trained model: top-k classes and probabilities")
    .argument("<weights>", "training checkpoint, .safetensors, .pth or .onnx")
    .argument("<images...>", "PNG or JPEG files")
    .addOption(new Option("--top <k>", "how many classes to show").argParser(intArg(1)).default(5))
    .option("--labels <imagenet|file>", "class names: imagenet (shipped) or a file with one name per line")
    .addOption(options.model())
    .addOption(options.invert())
    .addOption(options.resize())
    .addOption(options.json())
    .action((file: string, images: string[], f: { top: number; labels?: string; model?: string; invert?: boolean; resize?: boolean; json?: boolean }) => run(async () => {
      const m = loadModelFile(file, { model: f.model });
      const results: { image: string; top: Prediction[] }[] = [];
      let named = false;
      for (const path of images) {
        const probs = m.probabilities(readModelInput(m, path, { invert: f.invert, resize: f.resize }));
        // the class names are checked against the outputs once the first image has shown how many there are
        if (!named) [m.classes, named] = [readLabels(f.labels, m, probs.shape[1]!), true];
        results.push({ image: path, top: m.rank(probs, f.top) });
      }
      if (f.json) console.log(JSON.stringify(results, null, 2));
      else for (const r of results) {
        console.log(r.image);
        r.top.forEach((t, k) => console.log(`  ${k + 1}. ${t.label.padEnd(24)} ${(100 * t.probability).toFixed(2).padStart(6)}%`));
      }
    }));
}
