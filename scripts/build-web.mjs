// Bundles the browser playground with esbuild: web/main.ts (which imports convkit's src directly) → web/dist/main.js,
// and its model-zoo worker web/zoo-worker.ts → web/dist/zoo-worker.js. The browser core must not import Node-only
// modules; if it does, the build fails and names the whole import chain (esbuild alone names only the last file).
// Usage: node scripts/build-web.mjs [--watch] [--minify] [--outdir=DIR]   (default web/dist)
import * as esbuild from "esbuild";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, resolve } from "node:path";

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
    entryPoints: entryPoints ?? [join(root, "web", "main.ts"), join(root, "web", "zoo-worker.ts")],
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdirArg = process.argv.find((a) => a.startsWith("--outdir="));
  const options = webBuildOptions({ minify: process.argv.includes("--minify"), outdir: outdirArg ? resolve(outdirArg.slice(9)) : undefined });
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
