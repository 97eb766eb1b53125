// convkit summary <model>: per-layer output shapes, parameters, MACs, activation bytes and receptive fields.
import { Argument, Option, type Command } from "commander";
import * as models from "../models/index.js";
import { summarize, formatSummary, type SummaryData } from "../nn/summary.js";
import { ConvkitError, ShapeError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { intArg, shapeArg } from "./common.js";

/** summarize(), and when the input does not fit, an error naming the layer that failed and the input the model is
 *  built for (the layer's own message alone says "kernel 5 is larger than padded input 4", not where nor why). */
function summarizeOrExplain(model: Module<[Tensor], unknown>, name: string, shape: number[], usual: number[]): SummaryData {
  let failed: string | null = null;
  for (const [path, mod] of model.namedModules()) {
    const call = mod.call.bind(mod) as (...inputs: unknown[]) => unknown;
    // an error passes out through every enclosing module; the innermost one sees it first
    (mod as unknown as { call: (...inputs: unknown[]) => unknown }).call = (...inputs) => {
      try {
        return call(...inputs);
      } catch (e) {
        failed ??= path === "" ? "its own forward" : `layer ${path} (${mod.typeName})`;
        throw e;
      }
    };
  }
  try {
    return summarize(model, shape);
  } catch (e) {
    if (failed === null || !(e instanceof ConvkitError)) throw e;
    throw new ShapeError(`${name} fails at ${failed} on --input ${shape.join(",")}: ${e.message}; ${name} is built for --input ${usual.join(",")}`);
  }
}

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("summary")
    .description("layers of a zoo model: output shapes, parameters, multiply-accumulates, activation bytes, receptive fields")
    .addArgument(new Argument("<model>", "zoo model").choices(models.names()))
    .addOption(new Option("--input <shape>", "input shape N,C,H,W").argParser(shapeArg(4, "N,C,H,W")).default(undefined, "the model's usual one"))
    .addOption(new Option("--num-classes <n>", "size of the last layer").argParser(intArg(1)).default(undefined, "the model's"))
    .option("--json", "print JSON (totals.params, totals.macs, layers)")
    .action((name: string, f: { input?: number[]; numClasses?: number; json?: boolean }) => run(async () => {
      const usual = models.defaultInputShape(name);
      const shape = f.input ?? usual;
      const opts: Record<string, unknown> = {};
      if (f.numClasses !== undefined) opts.numClasses = f.numClasses;
      if (name === "lenet5" || name === "unet") {
        opts.inChannels = shape[1];
        usual[1] = shape[1]!; // these take any channel count
      }
      const model = models.create(name, opts) as Module<[Tensor], unknown>;
      const data = summarizeOrExplain(model, name, shape, usual);
      console.log(f.json ? JSON.stringify({ ...data, model: name }, null, 2) : formatSummary({ ...data, model: name }));
    }));
}
