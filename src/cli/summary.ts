// convkit summary <model>: per-layer output shapes, parameters, MACs, activation bytes and receptive fields.
import type { Command } from "commander";
import * as models from "../models/index.js";
import { summarize, formatSummary } from "../nn/summary.js";
import { ValueError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "../nn/module.js";

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("summary")
    .description("layers of a zoo model: output shapes, parameters, multiply-accumulates, activation bytes, receptive fields")
    .argument("<model>", `zoo model: ${models.names().join(", ")}`)
    .option("--input <shape>", "input shape N,C,H,W (default: the model's usual one)")
    .option("--num-classes <n>", "size of the last layer")
    .option("--json", "print JSON (totals.params, totals.macs, layers)")
    .action((name: string, f: { input?: string; numClasses?: string; json?: boolean }) => run(async () => {
      const shape = f.input ? f.input.split(",").map((s) => Number(s.trim())) : models.defaultInputShape(name);
      if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`--input must be four positive integers N,C,H,W, got '${f.input}'`);
      const opts: Record<string, unknown> = {};
      if (f.numClasses !== undefined) opts.numClasses = Number(f.numClasses);
      if (name === "lenet5" || name === "unet") opts.inChannels = shape[1];
      const model = models.create(name, opts) as Module<[Tensor], unknown>;
      const data = summarize(model, shape);
      console.log(f.json ? JSON.stringify({ ...data, model: name }, null, 2) : formatSummary({ ...data, model: name }));
    }));
}
