// convkit summary <model>: per-layer output shapes, parameters, MACs, activation bytes and receptive fields.
import type { Command } from "commander";
import * as models from "../models/index.js";
import { summarize, formatSummary, type SummaryData } from "../nn/summary.js";
import { ConvkitError, ShapeError, ValueError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";
import { checkModelName, intOption } from "./common.js";

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
    .argument("<model>", `zoo model: ${models.names().join(", ")}`)
    .option("--input <shape>", "input shape N,C,H,W (default: the model's usual one)")
    .option("--num-classes <n>", "size of the last layer")
    .option("--json", "print JSON (totals.params, totals.macs, layers)")
    .action((name: string, f: { input?: string; numClasses?: string; json?: boolean }) => run(async () => {
      checkModelName("summary <model>", name);
      const usual = models.defaultInputShape(name);
      const shape = f.input ? f.input.split(",").map((s) => Number(s.trim())) : usual;
      if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`--input must be four positive integers N,C,H,W, got '${f.input}'`);
      const opts: Record<string, unknown> = {};
      if (f.numClasses !== undefined) opts.numClasses = intOption("--num-classes", f.numClasses, 0);
      if (name === "lenet5" || name === "unet") {
        opts.inChannels = shape[1];
        usual[1] = shape[1]!; // these take any channel count
      }
      const model = models.create(name, opts) as Module<[Tensor], unknown>;
      const data = summarizeOrExplain(model, name, shape, usual);
      console.log(f.json ? JSON.stringify({ ...data, model: name }, null, 2) : formatSummary({ ...data, model: name }));
    }));
}
