// Finite-difference gradient checks in float64: central differences against the tape's gradient of Σ out·g.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, Tensor, noGrad, randn } from "../../src/index.js";
import { getBackend } from "../../src/backends/registry.js";

/** float64 runs on the reference kernels whatever the backend (the wasm kernels are float32): gradchecks belong to the
 *  js pass of the suite, and in the wasm pass they are skipped, so that none is counted as a check of wasm. */
const SKIP_OFF_REFERENCE = getBackend().name === "js" ? false : "float64 gradchecks run on the reference backend: counted in the js pass";

/** A test of float64 gradchecks: run on the reference backend, skipped (and reported so) on the others. */
export function gradcheckTest(name: string, fn: () => void): void {
  test(name, { skip: SKIP_OFF_REFERENCE }, fn);
}

/** A suite of float64 gradchecks, skipped off the reference backend as gradcheckTest. */
export function gradcheckSuite(name: string, fn: () => void): void {
  describe(name, { skip: SKIP_OFF_REFERENCE }, fn);
}

export interface GradcheckOptions { eps?: number; atol?: number; rtol?: number; seed?: number }

/** Check every input's gradient of Σ fn(inputs)·g, for a random g, against central differences. Inputs must be float64. */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-4, seed = 7 } = opts;
  assert.equal(SKIP_OFF_REFERENCE, false, "gradcheck ran off the reference backend: declare its test with gradcheckTest or gradcheckSuite");
  for (const x of inputs) assert.equal(x.dtype, "float64", "gradcheck needs float64 inputs");
  const leaves = inputs.map((x) => new Tensor(Float64Array.from(x.data), x.shape, true));
  const out = fn(...leaves);
  const g = randn(out.shape, { dtype: "float64", generator: new Generator(seed) });
  out.mul(g).sum().backward();
  const f = (): number => noGrad(() => {
    const o = fn(...leaves.map((l) => l.detach()));
    let s = 0;
    for (let i = 0; i < o.size; i++) s += o.data[i]! * g.data[i]!;
    return s;
  });
  leaves.forEach((leaf, k) => {
    const analytic = leaf.grad;
    assert.ok(analytic, `input ${k}: no gradient`);
    for (let i = 0; i < leaf.size; i++) {
      const orig = leaf.data[i]!;
      leaf.data[i] = orig + eps;
      const up = f();
      leaf.data[i] = orig - eps;
      const down = f();
      leaf.data[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const a = analytic.data[i]!;
      assert.ok(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric), `input ${k} element ${i}: autograd ${a}, finite difference ${numeric}`);
    }
  });
}

/** A float64 random tensor for gradchecks. */
export function rand64(shape: number[], seed = 1): Tensor {
  return randn(shape, { dtype: "float64", generator: new Generator(seed) });
}
