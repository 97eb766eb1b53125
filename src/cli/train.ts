// convkit train <model>: train a zoo model on a dataset, with checkpoints, metrics and curves in --out.
import type { Command } from "commander";
import { runTraining, TRAIN_DEFAULTS, type TrainConfig } from "../train/node.js";
import { ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { intOption, numberOption } from "./common.js";
import { basename } from "node:path";

export interface TrainFlags {
  data?: string; epochs?: string; batchSize?: string; lr?: string; optimizer?: string; momentum?: string; weightDecay?: string;
  scheduler?: string; seed?: string; out?: string; resume?: boolean; augment?: boolean; checkpointEvery?: string;
  limitTrain?: string; limitTest?: string; variant?: string; init?: string;
}

export function trainConfig(model: string, f: TrainFlags): TrainConfig {
  if (!models.names().includes(model)) throw new ValueError(`unknown model '${model}' (known: ${models.names().join(", ")})`);
  const d = TRAIN_DEFAULTS;
  const data = f.data ?? d.data;
  const optimizer = (f.optimizer ?? d.optimizer) as TrainConfig["optimizer"];
  if (!["sgd", "adam", "adamw"].includes(optimizer)) throw new ValueError(`--optimizer must be sgd, adam or adamw, got '${optimizer}'`);
  const scheduler = (f.scheduler ?? d.scheduler) as TrainConfig["scheduler"];
  if (!["onecycle", "cosine", "step", "none"].includes(scheduler)) throw new ValueError(`--scheduler must be onecycle, cosine, step or none, got '${scheduler}'`);
  const lr = numberOption("--lr", f.lr, optimizer === "sgd" ? d.lr : 2e-3);
  if (!(lr > 0)) throw new ValueError(`--lr must be > 0, got '${f.lr}'`);
  const modelOptions: Record<string, unknown> = {};
  if (f.variant) modelOptions.variant = f.variant;
  return {
    ...d, model, modelOptions, data,
    epochs: intOption("--epochs", f.epochs, d.epochs),
    batchSize: intOption("--batch-size", f.batchSize, d.batchSize),
    lr, optimizer, scheduler,
    momentum: numberOption("--momentum", f.momentum, d.momentum),
    weightDecay: numberOption("--weight-decay", f.weightDecay, d.weightDecay),
    seed: intOption("--seed", f.seed, d.seed, 0),
    out: f.out ?? `runs/${model}-${basename(data)}`,
    augment: f.augment ?? d.augment,
    checkpointEvery: intOption("--checkpoint-every", f.checkpointEvery, d.checkpointEvery, 0),
    limitTrain: intOption("--limit-train", f.limitTrain, 0, 0),
    limitTest: intOption("--limit-test", f.limitTest, 0, 0),
    init: f.init ?? "",
  };
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("train")
    .description("train a model (e.g. lenet5) on mnist (built in), fashion-mnist, an IDX directory or train/ + test/ image folders")
    .argument("<model>", `zoo model: ${models.names().join(", ")}`)
    .option("--data <name|dir>", "mnist | fashion-mnist | DIR", "mnist")
    .option("--epochs <n>", `epochs (default ${TRAIN_DEFAULTS.epochs})`)
    .option("--batch-size <n>", `batch size (default ${TRAIN_DEFAULTS.batchSize})`)
    .option("--lr <x>", `peak learning rate (default ${TRAIN_DEFAULTS.lr} for sgd, 0.002 for adam/adamw)`)
    .option("--optimizer <name>", "sgd (Nesterov momentum) | adam | adamw", "sgd")
    .option("--momentum <x>", `SGD momentum (default ${TRAIN_DEFAULTS.momentum})`)
    .option("--weight-decay <x>", `weight decay (default ${TRAIN_DEFAULTS.weightDecay})`)
    .option("--scheduler <name>", "onecycle | cosine | step | none", "onecycle")
    .option("--seed <n>", "seed of initialisation, shuffling and augmentation (same seed → same metrics)", "0")
    .option("--out <dir>", "output directory (default runs/<model>-<data>)")
    .option("--resume", "continue the run in --out from its last checkpoint")
    .option("--no-augment", "no random shifts/flips while training")
    .option("--checkpoint-every <n>", `also checkpoint every n steps (default ${TRAIN_DEFAULTS.checkpointEvery}; 0: epoch ends only)`)
    .option("--limit-train <n>", "use only n training images (quick runs)")
    .option("--limit-test <n>", "use only n test images")
    .option("--variant <name>", "lenet5: modern (ReLU, max pool) | classic (tanh, avg pool)")
    .option("--init <file>", "start from these weights (a checkpoint or .safetensors of the same model): fine-tuning")
    .addHelpText("after", "\nWrites to --out: last.safetensors and best.safetensors (checkpoints), metrics.jsonl, curves.png.")
    .action((model: string, flags: TrainFlags) => run(async () => {
      const cfg = trainConfig(model, flags);
      const t0 = performance.now();
      const r = await runTraining(cfg, { resume: flags.resume === true });
      const wall = (performance.now() - t0) / 1000;
      console.log(`done: held-out accuracy ${(100 * r.final.valAccuracy).toFixed(2)}% after ${r.records.length} epochs ` +
        `(best ${(100 * r.best.accuracy).toFixed(2)}% at epoch ${r.best.epoch + 1}); wall ${wall.toFixed(1)} s, training ${r.trainSeconds.toFixed(1)} s at ${r.imagesPerSecond.toFixed(0)} images/s`);
      console.log(`  ${r.outDir}/last.safetensors, best.safetensors, metrics.jsonl, curves.png`);
    }));
}
