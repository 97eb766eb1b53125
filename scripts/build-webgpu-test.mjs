// Bundles the WebGPU checks for the browser: web/webgpu-test.ts (the WGSL kernels against the reference kernels) →
// OUTDIR/webgpu-test.js with web/webgpu-test.html as OUTDIR/index.html, and web/webgpu-backend-test.ts (the webgpu
// backend through the public API) → OUTDIR/webgpu-backend-test.js with its page as OUTDIR/backend.html. The same
// esbuild options as the playground's, so a Node-only import reached from src/backends/webgpu fails the build and
// names its import chain. test/web/webgpu-kernels.test.ts builds and serves it.
// Usage: node scripts/build-webgpu-test.mjs [--outdir=DIR]   (default web/test-output/webgpu)
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { webBuildOptions } from "./build-web.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = process.argv.find((a) => a.startsWith("--outdir="));
const outdir = arg ? resolve(arg.slice("--outdir=".length)) : join(root, "web", "test-output", "webgpu");

mkdirSync(outdir, { recursive: true });
copyFileSync(join(root, "web", "webgpu-test.html"), join(outdir, "index.html"));
copyFileSync(join(root, "web", "webgpu-backend-test.html"), join(outdir, "backend.html"));
try {
  await esbuild.build(webBuildOptions({ entryPoints: [join(root, "web", "webgpu-test.ts"), join(root, "web", "webgpu-backend-test.ts")], outdir }));
} catch {
  process.exit(1); // esbuild has printed the errors
}
console.log(`build-webgpu-test: ${outdir}/webgpu-test.js, ${outdir}/webgpu-backend-test.js`);
