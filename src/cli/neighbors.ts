// convkit neighbors: the nearest training images to a test image, in pixel space and in feature space (the
// penultimate layer, the input of the last Linear): the lecture's demonstration that learned features group by class.
import { Option, type Command } from "commander";
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Linear } from "../nn/linear.js";
import { DataLoader } from "../data/loader.js";
import { Subset, withTransform, type Dataset } from "../data/dataset.js";
import { loadNamedDataset } from "../data/node.js";
import { montage, type MontageRow } from "../viz/plots.js";
import { writePng } from "../viz/node.js";
import { ValueError } from "../errors.js";
import { checkOutputPath, datasetOf, intArg, loadModelFile, modelInputTransform, options, type LoadedModel } from "./common.js";

/** Penultimate features [N, D] of every sample (captured at the last Linear's input) and the normalised inputs [N, P]. */
function embed(m: LoadedModel, ds: Dataset): { pixels: Float32Array[]; features: Float32Array[]; labels: number[] } {
  const linears = [...m.model.modules()].filter((x) => x instanceof Linear);
  const last = linears[linears.length - 1];
  if (!last) throw new ValueError(`${m.name} has no Linear layer to take features from`);
  let captured: Tensor | null = null;
  const h = last.registerForwardHook((_mod, inputs) => {
    captured = inputs[0] as Tensor;
    return undefined;
  });
  const pixels: Float32Array[] = [], features: Float32Array[] = [], labels: number[] = [];
  try {
    noGrad(() => {
      for (const b of new DataLoader(ds, { batchSize: 256 })) {
        m.model.call(b.images);
        const f = captured as Tensor | null;
        if (!f) throw new ValueError("the last Linear layer was not reached");
        const n = b.labels.size, d = f.size / n, p = b.images.size / n;
        for (let i = 0; i < n; i++) {
          features.push(Float32Array.from(f.data.subarray(i * d, (i + 1) * d)));
          pixels.push(Float32Array.from(b.images.data.subarray(i * p, (i + 1) * p)));
          labels.push(b.labels.data[i]!);
        }
      }
    });
  } finally {
    h.remove();
  }
  return { pixels, features, labels };
}

function nearest(q: Float32Array, all: Float32Array[], k: number): { index: number; dist: number }[] {
  const d = all.map((v, index) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += (v[i]! - q[i]!) ** 2;
    return { index, dist: Math.sqrt(s) };
  });
  return d.sort((a, b) => a.dist - b.dist).slice(0, k);
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("neighbors")
    .description("nearest training images to a test image: in pixel space vs in the network's feature space (penultimate layer)")
    .argument("<weights>", "training checkpoint, .safetensors or .pth")
    .addOption(options.data("the dataset the weights file records"))
    .addOption(new Option("--query <index>", "index of the query image in the test split").argParser(intArg(0)).makeOptionMandatory())
    .addOption(new Option("--k <n>", "neighbours to show").argParser(intArg(1)).default(5))
    .addOption(new Option("--space <space>", "where to measure distances: pixels, the penultimate layer's features, or both").choices(["pixel", "feature", "both"]).default("both"))
    .addOption(options.limitTrain())
    .addOption(options.alias("--limit <n>", "--limit-train").argParser(intArg(1)))
    .addOption(options.model())
    .addOption(options.output("output PNG montage"))
    .action((file: string, f: { data?: string; query: number; k: number; space: string; limitTrain?: number; limit?: number; model?: string; output: string }) => run(async () => {
      checkOutputPath("-o", f.output);
      const { query: q, k } = f;
      const limit = f.limitTrain ?? f.limit ?? 0;
      const m = loadModelFile(file, { model: f.model });
      const ds = loadNamedDataset(datasetOf(file, m, f.data), { channels: m.inputShape[0] === 1 ? 1 : 3 });
      if (q >= ds.test.length) throw new ValueError(`--query ${q} is out of range: the test split has ${ds.test.length} images`);
      const train = limit > 0 && limit < ds.train.length ? new Subset(ds.train, Array.from({ length: limit }, (_, i) => Math.floor((i * ds.train.length) / limit))) : ds.train;
      // refused rather than clamped: "5/5 nearest" must mean what it says
      if (k > train.length) throw new ValueError(`--k ${k} is more neighbours than the ${train.length} training images searched${train.length < ds.train.length ? " (--limit-train)" : ""}`);
      const tf = modelInputTransform(m, ds.train.get(0).image);
      const base = embed(m, withTransform(train, tf));
      const query = embed(m, withTransform(new Subset(ds.test, [q]), tf));
      const classes = m.classes ?? ds.classes;
      const ql = query.labels[0]!;
      const shape = ds.test.get(q).image.shape;
      const raw = (i: number): Tensor => train.get(i).image;
      const rows: MontageRow[] = [];
      const spaces = f.space === "both" ? ["pixel", "feature"] : [f.space];
      for (const space of spaces) {
        const hits = nearest(space === "pixel" ? query.pixels[0]! : query.features[0]!, space === "pixel" ? base.pixels : base.features, k);
        rows.push({
          label: `${space} space`,
          cells: [
            { image: ds.test.get(q).image, caption: `query ${classes[ql]}`, border: [80, 80, 80] },
            ...hits.map((h) => ({
              image: raw(h.index), caption: `${classes[base.labels[h.index]!]} d=${h.dist.toFixed(1)}`,
              border: (base.labels[h.index] === ql ? [44, 160, 44] : [214, 39, 40]) as [number, number, number],
            })),
          ],
        });
        const same = hits.filter((h) => base.labels[h.index] === ql).length;
        console.log(`${space} space: ${same}/${k} nearest share the query's class '${classes[ql]}' (${hits.map((h) => classes[base.labels[h.index]!]).join(", ")})`);
      }
      void shape;
      writePng(f.output, montage(rows, { title: `test image ${q} (${classes[ql]}): ${k} nearest of ${train.length} training images`, range: [0, 1] }));
      console.log(`montage: ${f.output}`);
    }));
}
