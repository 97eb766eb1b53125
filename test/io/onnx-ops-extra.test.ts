// ONNX's own node tests (libonnx-testdata) for the operators added for third-party files (issue 16): Split, Erf, Tile,
// Range, comparisons, ArgMax/ArgMin, TopK, DepthToSpace/SpaceToDepth, LayerNormalization, HardSwish, PRelu, Expand
// and the quantized operators. Every case must pass; integer outputs (quantized values, indices) must be equal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runCase, TESTDATA } from "./onnx-conformance.js";

const FAMILIES: [RegExp, string][] = [
  [/^test_split_/, "Split"], [/^test_erf$/, "Erf"], [/^test_tile/, "Tile"], [/^test_range_/, "Range"],
  [/^test_equal/, "Equal"], [/^test_less/, "Less"], [/^test_greater/, "Greater"], [/^test_not_/, "Not"], [/^test_and/, "And"], [/^test_or/, "Or"],
  [/^test_argmax_/, "ArgMax"], [/^test_argmin_/, "ArgMin"], [/^test_top_k/, "TopK"],
  [/^test_depthtospace/, "DepthToSpace"], [/^test_spacetodepth/, "SpaceToDepth"], [/^test_layer_normalization_/, "LayerNormalization"],
  [/^test_hardswish/, "HardSwish"], [/^test_prelu/, "PRelu"], [/^test_expand/, "Expand"],
  [/^test_quantizelinear/, "QuantizeLinear"], [/^test_dequantizelinear/, "DequantizeLinear"], [/^test_dynamicquantizelinear/, "DynamicQuantizeLinear"],
  [/^test_convinteger/, "ConvInteger"], [/^test_matmulinteger/, "MatMulInteger"], [/^test_qlinearconv/, "QLinearConv"], [/^test_qlinearmatmul/, "QLinearMatMul"],
];

test("ONNX conformance: the operators of third-party files (quantized ones included)", { skip: !existsSync(TESTDATA) && "libonnx-testdata is not installed" }, (t) => {
  const node = join(TESTDATA, "node");
  const cases = readdirSync(node).sort().flatMap((d) => {
    const fam = FAMILIES.find(([re]) => re.test(d));
    return fam ? [{ path: join(node, d), op: fam[1] }] : [];
  });
  const results = cases.map((c) => runCase(c.path, c.op));
  const per = new Map<string, string>();
  for (const f of new Set(results.map((r) => r.op))) per.set(f, `${results.filter((r) => r.op === f && r.ok).length}/${results.filter((r) => r.op === f).length}`);
  t.diagnostic([...per].map(([op, p]) => `${op}: ${p}`).join(", "));
  for (const [, op] of FAMILIES) assert.ok(per.has(op), `no conformance case for ${op}`);
  // Range's expanded form is a Loop over a subgraph: control flow is not imported
  const expected = (r: { dir: string; reason: string }): boolean => /^test_range_.*_expanded$/.test(r.dir) && /unsupported operator Loop/.test(r.reason);
  assert.deepEqual(results.filter((r) => !r.ok && !expected(r)).map((r) => `${r.dir}: ${r.reason.slice(0, 300)}`), []);
  assert.equal(results.length, 148, "the set of conformance cases changed: update the count deliberately");
});
