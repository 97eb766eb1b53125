// nn.printSummary: the Keras-like summary one call away — summarize's table printed (console.log by default), its data
// returned.
import { test } from "node:test";
import assert from "node:assert/strict";
import { models, nn } from "../../src/index.js";

test("printSummary prints formatSummary's table on console.log and returns summarize's data", (t) => {
  const printed: unknown[][] = [];
  t.mock.method(console, "log", (...args: unknown[]) => void printed.push(args));
  const net = models.lenet5();
  const data = nn.printSummary(net, [1, 1, 32, 32]);
  t.mock.restoreAll();
  assert.equal(data.totals.params, 61_706);
  assert.deepEqual(printed, [[nn.formatSummary(data)]]);
  assert.match(String(printed[0]![0]), /^LeNet5 on input \[1, ?1, ?32, ?32\]/);
  assert.match(String(printed[0]![0]), /Total params: +61,706/);
});

test("printSummary sends the table where `print` says, with summarize's options", () => {
  const out: string[] = [];
  const data = nn.printSummary(models.lenet5(), [2, 1, 32, 32], { shapeOnly: false, print: (s) => out.push(s) });
  assert.equal(data.shapeOnly, false);
  assert.equal(out.length, 1);
  assert.equal(out[0], nn.formatSummary(data));
});
