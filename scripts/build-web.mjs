// Bundles the browser playground with esbuild: web/main.ts (which imports convkit's src directly) → web/dist/main.js,
// and its model-zoo worker web/zoo-worker.ts → web/dist/zoo-worker.js.
// `--platform=browser` makes any Node-only import in the core a build error whose message shows the import chain.
// Usage: node scripts/build-web.mjs [--watch] [--minify]
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: [join(root, "web", "main.ts"), join(root, "web", "zoo-worker.ts")],
  outdir: join(root, "web", "dist"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2022"],
  sourcemap: true,
  minify: process.argv.includes("--minify"),
  metafile: true,
  logLevel: "warning",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("build-web: watching web/ and src/ …");
} else {
  const result = await esbuild.build(options);
  const outs = Object.entries(result.metafile.outputs).filter(([p]) => p.endsWith(".js"));
  const sizes = outs.map(([p, o]) => `${p.slice(p.lastIndexOf("/") + 1)} ${(o.bytes / 1024).toFixed(0)} KiB`).join(", ");
  console.log(`build-web: web/dist/: ${sizes}, from ${Object.keys(result.metafile.inputs).length} modules`);
}
