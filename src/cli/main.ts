// The convkit command line: `convkit <command> --help`. Errors print one line on stderr (the stack with --verbose)
// and exit with code 1; commander's own usage errors (unknown option, missing argument, a value its parser or choices
// refuse…) are one such line too.
import { createRequire } from "node:module";
import { Command, Option } from "commander";
import { ConvkitError } from "../errors.js";
import { helpConfig, intArg, setupBackend, shorten, teardownBackend } from "./common.js";
import * as train from "./train.js";
import * as evalCmd from "./eval.js";
import * as predict from "./predict.js";
import * as summary from "./summary.js";
import * as filter from "./filter.js";
import * as visualize from "./visualize.js";
import * as neighbors from "./neighbors.js";
import * as exportCmd from "./export.js";
import * as bench from "./bench.js";

/** One line for the user: the message's lines joined, the error class only for unexpected errors, cut to
 *  MAX_ERROR_LINE characters (a list of every key of a state dict runs to thousands). */
export function errorLine(e: unknown): string {
  if (e instanceof Error) {
    const msg = oneLine(e.message, "; ");
    return shorten(e instanceof ConvkitError || (e as NodeJS.ErrnoException).code !== undefined ? msg : `${e.name}: ${msg}`);
  }
  return shorten(oneLine(String(e), "; "));
}

function oneLine(text: string, sep: string): string {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).join(sep);
}

export function buildProgram(): Command {
  const program = new Command();
  program.name("convkit")
    .description("Convolutional neural networks in TypeScript: train, evaluate, predict and look inside CNNs")
    // the package's own package.json through its exports: the same path from src/ and from the installed dist/
    .version((createRequire(import.meta.url)("convkit/package.json") as { version: string }).version)
    .option("--verbose", "print stack traces on errors")
    .addOption(new Option("--backend <name>", "wasm: WebAssembly SIMD + threads, where available; js: the reference loops; webgpu: the GPU (in Node through the npm package webgpu)").choices(["auto", "wasm", "js", "webgpu"]).default("auto"))
    .addOption(new Option("-j, --threads <n>", "threads of the wasm backend").argParser(intArg(1)).default(undefined, "the cores, at most 8"))
    // the subcommands inherit what follows: commander's usage errors ("error: unknown option '--x'", a suggestion on
    // a second line) as our one line, the hint after it on the same line; --help still goes to stdout as it is
    .configureHelp(helpConfig)
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ outputError: (text, write) => write(`convkit: ${shorten(oneLine(text, " ").replace(/^error: /, ""))} `) });
  const run = async (fn: () => Promise<void>): Promise<void> => {
    const opts = program.opts<{ verbose?: boolean; backend: string; threads?: number }>();
    try {
      await setupBackend(opts.backend, opts.threads);
      await fn();
    } catch (e) {
      process.stderr.write(`convkit: ${errorLine(e)}\n`);
      if (opts.verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    } finally {
      await teardownBackend();
    }
  };
  for (const cmd of [train, evalCmd, predict, summary, filter, visualize, neighbors, exportCmd, bench]) cmd.register(program, run);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
