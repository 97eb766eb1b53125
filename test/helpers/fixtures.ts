// Loads the PyTorch fixtures written by scripts/fixtures/*.py and compares results with stated tolerances.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import assert from "node:assert/strict";
import { Tensor, tensor } from "../../src/index.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

interface RawTensor { shape: number[]; data: string }
interface RawCase {
  name: string;
  args: Record<string, unknown>;
  inputs: Record<string, RawTensor>;
  outputs: RawTensor[];
  upstream: (RawTensor | null)[];
  grads: Record<string, RawTensor>;
}
export interface FixtureCase {
  name: string;
  args: Record<string, unknown>;
  inputs: Record<string, Tensor>;
  outputs: Tensor[];
  upstream: (Tensor | null)[];
  grads: Record<string, Tensor>;
}

function decode(t: RawTensor): Tensor {
  const bytes = Buffer.from(t.data, "base64");
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return tensor(data, t.shape);
}

/** All cases of `op` in test/fixtures/<family>.json. */
export function loadCases(family: string, op: string): FixtureCase[] {
  const doc = JSON.parse(readFileSync(join(FIXTURES, `${family}.json`), "utf8")) as { ops: Record<string, RawCase[]> };
  const raw = doc.ops[op];
  if (!raw || raw.length === 0) throw new Error(`no fixture cases for ${op} in ${family}.json`);
  return raw.map((c) => ({
    name: c.name,
    args: c.args,
    inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, decode(v)])),
    outputs: c.outputs.map(decode),
    upstream: c.upstream.map((u) => (u ? decode(u) : null)),
    grads: Object.fromEntries(Object.entries(c.grads).map(([k, v]) => [k, decode(v)])),
  }));
}

export interface Tolerance { rtol: number; atol: number }
/** float32 against PyTorch: |a − e| ≤ atol·max|e| + rtol·|e| elementwise (atol is relative to the tensor's scale). */
export const F32: Tolerance = { rtol: 1e-4, atol: 1e-5 };

export function assertClose(actual: Tensor, expected: Tensor, tol: Tolerance = F32, label = ""): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${label}: shape ${JSON.stringify(actual.shape)} vs expected ${JSON.stringify(expected.shape)}`);
  let scale = 0;
  for (const v of expected.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const abs = tol.atol * Math.max(scale, 1e-30);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i]!, e = expected.data[i]!;
    if (Number.isNaN(e) ? Number.isNaN(a) : a === e) continue;
    const err = Math.abs(a - e);
    if (!(err <= abs + tol.rtol * Math.abs(e)) && (worst < 0 || err > worstErr)) {
      worst = i;
      worstErr = err;
    }
  }
  if (worst >= 0) {
    assert.fail(`${label}: element ${worst} is ${actual.data[worst]} but PyTorch gives ${expected.data[worst]} (|Δ| ${worstErr.toExponential(2)}, scale ${scale.toExponential(2)}, rtol ${tol.rtol}, atol ${tol.atol}×scale)`);
  }
}

/** Run forward and backward of a fixture case: `run` maps the (grad-requiring) inputs to the outputs. */
export function checkCase(c: FixtureCase, run: (inputs: Record<string, Tensor>) => Tensor | Tensor[], tol: Tolerance = F32): void {
  const inputs: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) inputs[k] = new Tensor(v.data, v.shape, k in c.grads);
  const result = run(inputs);
  const outs = Array.isArray(result) ? result : [result];
  assert.equal(outs.length, c.outputs.length, `${c.name}: ${outs.length} outputs, PyTorch gives ${c.outputs.length}`);
  outs.forEach((o, i) => assertClose(o, c.outputs[i]!, tol, `${c.name} output ${i}`));
  if (Object.keys(c.grads).length === 0) return;
  let total: Tensor | null = null;
  outs.forEach((o, i) => {
    const g = c.upstream[i];
    if (!g || !o.requiresGrad) return;
    const term = o.mul(g).sum();
    total = total ? total.add(term) : term;
  });
  assert.ok(total, `${c.name}: no differentiable output`);
  (total as Tensor).backward();
  for (const [k, expected] of Object.entries(c.grads)) {
    const g = inputs[k]!.grad;
    assert.ok(g, `${c.name}: no gradient reached input ${k}`);
    assertClose(g, expected, tol, `${c.name} grad ${k}`);
  }
}
