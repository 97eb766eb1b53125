// Infinite and NaN values against PyTorch (scripts/fixtures/nonfinite.py): the losses pick the target's
// log-probability (a −∞ logit elsewhere is harmless), and the convolutions multiply their zero padding like PyTorch's
// im2col path (a NaN or ∞ weight turns every output whose window reads padding into NaN). Runs on both backends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, tensor } from "../../src/index.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import type { Reduction } from "../../src/ops/loss.js";
import type { Conv2dOptions, ConvTranspose2dOptions } from "../../src/ops/conv.js";

interface LossArgs { reduction?: Reduction; weight?: boolean; ignoreIndex?: number; labelSmoothing?: number }

for (const c of loadCases("nonfinite", "crossEntropy")) {
  test(`fixture ${c.name}`, () => {
    const a = c.args as LossArgs;
    checkCase(c, ({ input, target, weight }) => F.crossEntropy(input!, target!, { ...a, weight: a.weight ? weight! : null }));
  });
}

for (const c of loadCases("nonfinite", "nllLoss")) {
  test(`fixture ${c.name}`, () => {
    const a = c.args as LossArgs;
    checkCase(c, ({ logProbs, target, weight }) => F.nllLoss(logProbs!, target!, { ...a, weight: a.weight ? weight! : null }));
  });
}

test("crossEntropy([[0, −∞, 1]], [0]) is 1.3133, as PyTorch, with the gradient [−0.7311, 0, 0.7311]", () => {
  const x = tensor([[0, -Infinity, 1]], undefined, { requiresGrad: true });
  const loss = F.crossEntropy(x, tensor([0]));
  loss.backward();
  assert.ok(Math.abs(loss.item() - 1.3132616) < 1e-6, `loss ${loss.item()}`);
  assert.deepEqual([...x.grad!.data].map((v) => Math.round(v * 1e4) / 1e4), [-0.7311, 0, 0.7311]);
});

for (const c of loadCases("nonfinite", "conv2d")) {
  test(`fixture ${c.name}`, () => {
    checkCase(c, ({ x, weight }) => F.conv2d(x!, weight!, null, c.args as Conv2dOptions));
  });
}

for (const c of loadCases("nonfinite", "convTranspose2d")) {
  test(`fixture ${c.name}`, () => {
    checkCase(c, ({ x, weight }) => F.convTranspose2d(x!, weight!, null, c.args as ConvTranspose2dOptions));
  });
}

test("a NaN weight with padding 1 makes all 64 outputs of an 8×8 map NaN (0 × NaN in the padding), as PyTorch's im2col", () => {
  const w = tensor([[[[Number.NaN, 1, 1], [1, 1, 1], [1, 1, 1]]]]);
  const y = F.conv2d(tensor(new Float32Array(64).fill(1), [1, 1, 8, 8]), w, null, { padding: 1 });
  assert.equal([...y.data].filter(Number.isNaN).length, 64);
});
