// Runs every test/**/*.test.ts with Node's own test runner (through tsx), which prints the pass/fail counts.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const only = process.argv.slice(2);
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : find(p);
    return p.endsWith(".test.ts") ? [p] : [];
  });
}
const files = (only.length ? only : find("test")).sort();
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
