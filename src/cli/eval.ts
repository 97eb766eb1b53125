// convkit eval <weights>: accuracy and confusion matrix (text and PNG) on a dataset's test split.
import type { Command } from "commander";
import { DataLoader } from "../data/loader.js";
import { Subset, withTransform } from "../data/dataset.js";
import { loadNamedDataset } from "../data/node.js";
import { evaluate } from "../train/metrics.js";
import { progressBar } from "../train/node.js";
import { confusionMatrixImage } from "../viz/plots.js";
import { writePng } from "../viz/node.js";
import { checkOutputPath, datasetOf, intArg, loadModelFile, modelInputTransform, options } from "./common.js";

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("eval")
    .description("accuracy and confusion matrix of a model on a dataset's test split")
    .argument("<weights>", "training checkpoint, .safetensors, .pth or .onnx")
    .addOption(options.data("the dataset the weights file records"))
    .addOption(options.model())
    .addOption(options.batchSize(256))
    .addOption(options.limitTest())
    .addOption(options.alias("--limit <n>", "--limit-test").argParser(intArg(1)))
    .addOption(options.output("confusion matrix picture", "confusion.png"))
    .action((file: string, f: { data?: string; model?: string; batchSize: number; limitTest?: number; limit?: number; output: string }) => run(async () => {
      // everything the command line says is checked before the evaluation, which can take minutes
      checkOutputPath("-o", f.output);
      const { batchSize } = f;
      const limit = f.limitTest ?? f.limit ?? 0;
      const m = loadModelFile(file, { model: f.model });
      const ds = loadNamedDataset(datasetOf(file, m, f.data), { channels: m.inputShape[0] === 1 ? 1 : 3 });
      const test = limit > 0 && limit < ds.test.length ? new Subset(ds.test, Array.from({ length: limit }, (_, i) => Math.floor((i * ds.test.length) / limit))) : ds.test;
      const sample = test.get(0).image;
      const tf = modelInputTransform(m, sample);
      const loader = new DataLoader(withTransform(test, tf), { batchSize });
      const classes = m.classes ?? ds.classes;
      // a bar on a terminal (stderr, so that stdout holds only the results): a large test set takes a while
      const bar = process.stderr.isTTY ? progressBar(process.stderr, `evaluating on ${test.length} ${ds.name} images [{bar}] {value}/{total} batches | ETA {eta_formatted}`, loader.length) : null;
      let r;
      try {
        r = evaluate(m.model, loader, classes.length, { onBatch: (done) => bar?.update(done) });
      } finally {
        bar?.stop();
      }
      console.log(`${file} on ${ds.name} (${r.count} test images): accuracy ${(100 * r.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`);
      console.log(r.confusion.format(classes));
      writePng(f.output, confusionMatrixImage(r.confusion.counts, classes, `${m.name} on ${ds.name}: ${(100 * r.accuracy).toFixed(2)}%`));
      console.log(`confusion matrix picture: ${f.output}`);
    }));
}
