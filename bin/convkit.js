#!/usr/bin/env node
// The convkit command. In the source repository it runs the TypeScript CLI through tsx (no build step);
// in an installed package it runs the compiled dist/. Relaxed SIMD is switched on for the wasm backend when V8 allows.
import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { fileURLToPath, pathToFileURL } from "node:url";

try {
  setFlagsFromString("--experimental-wasm-relaxed-simd");
} catch {
  /* an older or newer V8: relaxed SIMD is either on already or unavailable */
}
const root = fileURLToPath(new URL("..", import.meta.url));
const source = `${root}src/cli/main.ts`;
const compiled = `${root}dist/src/cli/main.js`;
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(pathToFileURL(source).href);
} else if (existsSync(compiled)) {
  cli = await import(pathToFileURL(compiled).href);
} else {
  process.stderr.write("convkit: neither src/cli/main.ts nor dist/src/cli/main.js found (run npm run build)\n");
  process.exit(1);
}
await cli.main(process.argv);
