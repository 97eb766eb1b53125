// The command line's options are declared one way (src/cli/common.ts): one name per concept across commands, values
// parsed and checked by commander (argParser, choices, mandatory) before any work, required options and defaults shown
// alike in every --help, and old flag names still accepted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command, Option } from "commander";
import { buildProgram } from "../../src/cli/main.js";
import { optionHelp } from "../../src/cli/common.js";
import * as models from "../../src/models/index.js";
import { assertRefused, convkit, ROOT, tempDir } from "./helpers.js";

/** Every command with options, by its full name ("visualize filters"), with its visible options. */
function commands(): [string, Command, Option[]][] {
  const out: [string, Command, Option[]][] = [];
  const walk = (cmd: Command, prefix: string): void => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      out.push([name, sub, sub.options.filter((o) => !o.hidden)]);
      walk(sub, `${name} `);
    }
  };
  const program = buildProgram();
  out.push(["convkit", program, program.options.filter((o) => !o.hidden)]);
  walk(program, "");
  return out;
}

test("one name per concept: an option's attribute has the same flags in every command, outputs are -o/--output", () => {
  const flags = new Map<string, Set<string>>();
  for (const [name, , opts] of commands()) {
    for (const o of opts) {
      const key = o.attributeName();
      // a path either way: train's output is the run's folder
      (flags.get(key) ?? flags.set(key, new Set()).get(key)!).add(o.flags.replace(/<dir>$/, "<file>"));
      assert.ok(!["out", "limit", "outDir"].includes(key), `${name}: --${key} is an old name (use the shared options)`);
    }
  }
  const many = [...flags].filter(([, f]) => f.size > 1).map(([k, f]) => `${k}: ${[...f].join(" / ")}`);
  assert.deepEqual(many, []);
  assert.deepEqual([...flags.get("output")!], ["-o, --output <file>"]);
  assert.deepEqual([...flags.get("model")!], ["--model <name>"]);
  const train = commands().find(([name]) => name === "train")![2];
  assert.equal(train.find((o) => o.attributeName() === "output")?.flags, "-o, --output <dir>");
});

test("values are parsed by commander: integer options have a parser, fixed sets are choices, --model is a zoo name", () => {
  for (const [name, , opts] of commands()) {
    for (const o of opts) {
      const what = `${name} ${o.flags}`;
      if (/<(n|k|index)>/.test(o.flags)) assert.ok(o.parseArg, `${what}: no argParser`);
      if (o.attributeName() === "model") assert.deepEqual(o.argChoices, models.names(), what);
      // a list of alternatives in the description is what choices are for (files and folders aside)
      if (!o.argChoices && o.description.includes(" | ")) assert.match(o.description, /FILE|DIR|file|folder/, `${what}: alternatives without choices`);
    }
  }
});

test("--help shows required options and every default the same way: '(required)', '(…; default: x)'", () => {
  for (const [name, cmd, opts] of commands()) {
    const help = cmd.helpInformation().replace(/\s+/g, " ");
    for (const o of opts) {
      const what = `${name} ${o.flags}`;
      // the description itself says no default: that is the parenthesis' job
      assert.doesNotMatch(o.description, /default/i, `${what}: a default in the description`);
      const shown = optionHelp(o);
      if (o.mandatory) assert.match(shown, /\(required[;)]/, what);
      if (o.defaultValue !== undefined && !o.isBoolean() && !o.negate) assert.match(shown, /default: [^)]+\)$/, what);
      assert.ok(help.includes(shown.replace(/\s+/g, " ")), `${what}: not in --help as optionHelp writes it`);
    }
  }
  const neighbors = convkit(["neighbors", "--help"]).stdout.replace(/\s+/g, " ");
  assert.match(neighbors, /--query <index> index of the query image in the test split \(required\)/);
  assert.match(neighbors, /-o, --output <file> output PNG montage \(required\)/);
  assert.match(neighbors, /--space <space> .* \(one of pixel \| feature \| both; default: both\)/);
  assert.match(neighbors, /--data <name\|dir> .* \(default: the dataset the weights file records\)/);
});

test("bad values are refused by commander before any work, in one line; old names still work", () => {
  const shipped = join(ROOT, "assets", "lenet5-mnist.safetensors");
  const digit = join(ROOT, "assets", "digits", "7.png");
  const dir = tempDir("options");
  const cases: [string[], RegExp][] = [
    [["predict", shipped, digit, "--top", "0"], /^convkit: option '--top <k>' argument '0' is invalid\. It must be an integer ≥ 1\. \(add --help for usage\)$/],
    [["neighbors", shipped, "--query", "-1", "-o", join(dir, "n.png")], /option '--query <index>' argument '-1' is invalid\. It must be an integer ≥ 0\./],
    [["neighbors", shipped, "--query", "0", "--space", "pixels", "-o", join(dir, "n.png")], /option '--space <space>' argument 'pixels' is invalid\. Allowed choices are pixel, feature, both\./],
    [["neighbors", shipped, "-o", join(dir, "n.png")], /^convkit: required option '--query <index>' not specified \(add --help for usage\)$/],
    [["filter", digit, "--kernel", "sobel-x", "--mode", "conv", "-o", join(dir, "f.png")], /option '--mode <mode>' argument 'conv' is invalid\. Allowed choices are convolve, correlate\./],
    [["summary", "lenet5", "--input", "1,1,32"], /option '--input <shape>' argument '1,1,32' is invalid\. It must be 4 positive integers N,C,H,W\./],
    [["--backend", "gpu", "summary", "lenet5"], /option '--backend <name>' argument 'gpu' is invalid\. Allowed choices are auto, wasm, js, webgpu\./],
    // Node has no navigator.gpu, and the npm package 'webgpu' (Dawn) is not installed here (it finds no adapter here anyway)
    [["--backend", "webgpu", "summary", "lenet5"], /^convkit: --backend webgpu is unavailable here: webgpu: (no navigator\.gpu in Node, and the npm package 'webgpu' is not installed|navigator\.gpu\.requestAdapter\(\) found no adapter)/],
    [["--backend", "js", "-j", "2", "summary", "lenet5"], /^convkit: -j\/--threads is for the wasm backend, not --backend js$/],
    [["train", "lenet6"], /^convkit: command-argument value 'lenet6' is invalid for argument 'model'\. Allowed choices are lenet5, /],
    [["train", "lenet5", "--epochs", "zero", "-o", join(dir, "run")], /^convkit: option '--epochs <n>' argument 'zero' is invalid\. It must be an integer ≥ 1\. \(add --help for usage\)$/],
    [["train", "lenet5", "--lr", "0", "-o", join(dir, "run")], /option '--lr <x>' argument '0' is invalid\. It must be a number > 0\./],
    [["train", "lenet5", "--scheduler", "linear", "-o", join(dir, "run")], /option '--scheduler <name>' argument 'linear' is invalid\. Allowed choices are onecycle, cosine, step, none\./],
    [["eval", shipped, "--batch-size", "0", "-o", join(dir, "c.png")], /option '-b, --batch-size <n>' argument '0' is invalid\. It must be an integer ≥ 1\./],
  ];
  for (const [args, re] of cases) {
    const r = convkit(args, { timeout: 60_000 });
    assertRefused(r, re, args.join(" "));
    assert.equal(r.stdout, "");
  }
  assert.ok(!existsSync(join(dir, "n.png")) && !existsSync(join(dir, "f.png")) && !existsSync(join(dir, "run")) && !existsSync(join(dir, "c.png")));
  // the old name of --limit-train, and the torchvision-style -j
  const nb = convkit(["-j", "1", "neighbors", shipped, "--data", "mnist", "--query", "3", "--k", "2", "--limit", "40", "-o", join(dir, "old.png")]);
  assert.equal(nb.code, 0, nb.stderr);
  assert.match(nb.stdout, /2 nearest of 40 training images|pixel space: \d\/2 nearest/);
  // train's --out (now -o/--output) and eval's --limit (now --limit-test)
  const run = join(dir, "old-run");
  const t = convkit(["train", "lenet5", "--epochs", "1", "--limit-train", "32", "--limit-test", "16", "-b", "16", "--out", run]);
  assert.equal(t.code, 0, t.stderr);
  assert.ok(existsSync(join(run, "best.safetensors")));
  const ev = convkit(["eval", join(run, "best.safetensors"), "--limit", "20", "-o", join(dir, "confusion.png")]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /\(20 test images\)/);
});
