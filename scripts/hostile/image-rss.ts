// Peak memory (max RSS) of reading hostile images as the CLI does (readImageTensor: decode, then a float RGB tensor), each in a fresh process (made here, read there):
// the 97 KB PNG that declares 10000×10000 pixels (issue 11), a 1×1 interlaced PNG whose data inflates to 200 MB,
// a 5000×5000 RGBA PNG with almost no data, and a 1 KB JPEG whose frame header claims 5000×5000.
// Usage: npx tsx scripts/hostile/image-rss.ts [case…]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readImageTensor } from "../../src/data/node.js";
import { interlacedBomb, jpegClaiming, pngBomb, pngFile, smallJpeg } from "../../test/data/hostile.js";

const CASES: Record<string, () => Uint8Array> = {
  "png-bomb": pngBomb,
  "png-interlaced-200MB": () => interlacedBomb(200e6),
  "png-5000x5000-empty": () => pngFile(5000, 5000, { colorType: 6, raw: new Uint8Array(1000) }),
  "jpeg-claims-5000x5000": () => jpegClaiming(smallJpeg(), 5000, 5000),
};

if (process.argv[2] === "--read") {
  const path = process.argv[3]!;
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  let outcome: string;
  try {
    outcome = `decoded to a [${readImageTensor(path, 3).shape.join(",")}] tensor`;
  } catch (e) {
    outcome = `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
  console.log(`  ${outcome}\n  max RSS ${mb(before)} before reading, ${mb(process.resourceUsage().maxRSS)} after; ${(performance.now() - t0).toFixed(0)} ms`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "bombs-"));
  for (const name of process.argv.length > 2 ? process.argv.slice(2) : Object.keys(CASES)) {
    const bytes = CASES[name]!();
    const path = join(dir, name + (name.startsWith("jpeg") ? ".jpg" : ".png"));
    writeFileSync(path, bytes);
    console.log(`${name} (${bytes.length} bytes):`);
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--read", path], { stdio: "inherit" });
  }
}
