// convkit bench: runs the benchmark harness (bench/run.ts, in the source repository) with relaxed SIMD enabled.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ValueError } from "../errors.js";

export function register(program: Command, run: (fn: () => Promise<void>) => Promise<void>): void {
  program.command("bench")
    .description("benchmark convkit's backends against TF.js, onnxruntime and PyTorch on this machine (see BENCHMARKS.md)")
    .option("--json", "print JSON")
    .option("--quick", "shorter timings")
    .option("--no-peers", "convkit only")
    .option("--no-models", "conv shapes only, no whole models")
    .action((f: { json?: boolean; quick?: boolean; peers?: boolean; models?: boolean }) => run(async () => {
      const root = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/dist\/$/, "/");
      const script = `${root}bench/run.ts`;
      if (!existsSync(script)) throw new ValueError("the benchmark ships with the source repository (bench/run.ts), not with the installed package");
      const args = [f.json && "--json", f.quick && "--quick", f.peers === false && "--no-peers", f.models === false && "--no-models"].filter((a): a is string => typeof a === "string");
      const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", script, ...args], { stdio: "inherit", cwd: root });
      if (r.status !== 0) throw new ValueError(`the benchmark exited with code ${r.status ?? r.signal}`);
    }));
}
