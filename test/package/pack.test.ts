// The package as a user gets it: `npm pack` (its prepack script builds dist/), the tarball installed into a fresh
// folder with `npm install` (dependencies from the npm registry), then the README's quick start and `npx convkit
// --version` run there, and the installed tree checked for what the first hour of a user trips on. About a minute:
// the build is most of it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
/** The target for everything `npm install convkit` puts in node_modules. */
const MAX_INSTALLED_BYTES = 15 * 2 ** 20;

// What a user's shell has: not the npm_* variables npm sets for the scripts it runs (npm test), which name this
// repository, nor the test runner's CONVKIT_BACKEND (the quick start runs on the default backend)
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") && k !== "CONVKIT_BACKEND"));

function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The README's quick start: the js blocks of its "Quick start" section, joined into one module. */
function quickStart(readme: string): string {
  const section = /^## Quick start\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  assert.ok(section, "README.md has no '## Quick start' section");
  const blocks = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  assert.ok(blocks.length > 0, "README.md's Quick start has no ```js block");
  return blocks.join("\n");
}

/** Every file under `dir` with its size. */
function walk(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [{ path: p, size: statSync(p).size }] : [];
  });
}

let user = "";
before(() => {
  user = mkdtempSync(join(tmpdir(), "convkit-pack-"));
  run("npm", ["pack", "--pack-destination", user], root, 300_000);
  const tgz = readdirSync(user).find((f) => f.endsWith(".tgz"));
  assert.ok(tgz, "npm pack wrote no tarball");
  // a package.json of its own, so that npm installs here and not into a project above the temporary folder
  writeFileSync(join(user, "package.json"), JSON.stringify({ name: "convkit-user", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", join(user, tgz)], user);
});
after(() => {
  if (user) rmSync(user, { recursive: true, force: true });
});

test("the README's quick start runs against the installed package", () => {
  writeFileSync(join(user, "quickstart.mjs"), quickStart(readFileSync(join(root, "README.md"), "utf8")));
  const out = run(process.execPath, ["quickstart.mjs"], user);
  assert.match(out, /^digits\/7\.png is a 7$/m);
  const acc = Number(/held-out accuracy after one epoch: ([\d.]+)%/.exec(out)?.[1]);
  assert.ok(acc >= 85, `one epoch of the quick start's loop should reach 85% on the held-out digits, got ${acc}%:\n${out}`);
});

test("npx convkit --version prints the package's version", () => {
  assert.equal(run("npx", ["--no", "--", "convkit", "--version"], user).trim(), pkg.version);
});

const installed = (): string => join(user, "node_modules", "convkit");

test("the package ships its LICENSE", () => {
  assert.ok(existsSync(join(installed(), "LICENSE")), "no LICENSE in the package (package.json says MIT)");
});

test("no source maps: they would point at src/, which is not shipped", () => {
  assert.deepEqual(walk(installed()).filter((f) => f.path.endsWith(".map")).map((f) => f.path), []);
});

test("no large declaration files (the base64 wasm module typed as its own string literal made a 203 KB .d.ts)", () => {
  const big = walk(installed()).filter((f) => f.path.endsWith(".d.ts") && f.size > 64 * 1024);
  assert.deepEqual(big.map((f) => `${f.path} (${f.size} bytes)`), []);
});

test(`npm install convkit puts at most ${MAX_INSTALLED_BYTES / 2 ** 20} MB in node_modules`, () => {
  const files = walk(join(user, "node_modules"));
  const total = files.reduce((a, f) => a + f.size, 0);
  const perPackage = new Map<string, number>();
  for (const f of files) {
    const name = f.path.slice(join(user, "node_modules").length + 1).split("/")[0]!;
    perPackage.set(name, (perPackage.get(name) ?? 0) + f.size);
  }
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const largest = [...perPackage].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([name, bytes]) => `${name} ${mb(bytes)}`);
  assert.ok(total <= MAX_INSTALLED_BYTES, `node_modules holds ${mb(total)}, the largest: ${largest.join(", ")}`);
});
