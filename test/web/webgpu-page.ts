// A page of the WebGPU checks in Debian's headless Chromium on SwiftShader (WebGPU on the CPU): builds the bundles
// (scripts/build-webgpu-test.mjs), serves them from http://127.0.0.1 (navigator.gpu needs a secure context) and opens
// `file`, collecting the page's errors. The tests call the page's global API object through `call`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "../../web/serve.js";

export const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARGS = ["--headless=new", "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--no-sandbox", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** An open page and what closes it. */
export interface WebGPUPage {
  page: Page;
  /** Errors the page logged or threw. */
  errors: string[];
  /** Calls `fn(api, arg)` in the page, with api = globalThis[global]. */
  call<A, T>(fn: (api: A, arg: string) => Promise<T> | T, arg?: string): Promise<T>;
  close(): Promise<void>;
}

/** Builds the bundles into `outdir` (asynchronously: the test runner keeps ticking). */
function build(outdir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(ROOT, "scripts", "build-webgpu-test.mjs"), `--outdir=${outdir}`], { cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/build-webgpu-test.mjs failed:\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

/** Builds, serves and opens `file` of the built folder `outdir`, waiting for globalThis[global]. */
export async function openWebGPUPage(outdir: string, file: string, global: string): Promise<WebGPUPage> {
  await build(join(ROOT, outdir));
  const server: StaticServer = await serveStatic(join(ROOT, outdir), 0, "127.0.0.1", { isolate: false });
  const profile = mkdtempSync(join(tmpdir(), "convkit-webgpu-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(120_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console.error: ${m.text()}`); });
    await page.goto(`${server.url}${file}`);
    await page.waitForFunction((g) => g in globalThis, global);
    const ctx = context;
    return {
      page,
      errors,
      call: <A, T>(fn: (api: A, arg: string) => Promise<T> | T, arg = "") =>
        page.evaluate(([src, g, a]) => (new Function("api", "arg", `return (${src})(api, arg)`))((globalThis as Record<string, unknown>)[g], a),
          [fn.toString(), global, arg] as const) as Promise<T>,
      close: async () => {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
        await server.close();
      },
    };
  } catch (e) {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
    throw e;
  }
}
