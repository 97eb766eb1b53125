// Special functions of the reference kernels, in double precision: erf, and GELU's two forms with their slopes (the
// js backend's gelu; the ONNX importer's Erf).

/** erf(a) for 0 ≤ a < 3 by its series 2/√π·e^{−a²}·Σ 2ⁿa^{2n+1}/(1·3·…·(2n+1)): double precision relative to its value. */
function erfSeries(a: number): number {
  let term = a, total = a;
  for (let n = 0; term > total * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 3);
    total += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * total;
}

/** erfc(a) for a ≥ 3 by its continued fraction e^{−a²}/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated from
 *  the tail: double precision relative to its value. */
function erfcFraction(a: number): number {
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
}

/** erf of a number, to double precision relative to its value (the series below 3, so small arguments keep theirs). */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x), r = a < 3 ? erfSeries(a) : 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}

/** erfc(a) for a ≥ 0, relative to its value: 1 − the series below 3 (erfc ≥ 2e-5 there: 11 digits kept), the
 *  continued fraction above. */
const erfcNonNegative = (a: number): number => (a < 3 ? 1 - erfSeries(a) : erfcFraction(a));

/** Φ(x) = (1 + erf(x/√2))/2, the normal distribution's CDF: erfc(|x|/√2)/2 below 0 (no cancellation in the tail). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const half = 0.5 * erfcNonNegative(Math.abs(x) / Math.SQRT2);
  return x < 0 ? half : 1 - half;
}

const TANH_SCALE = Math.sqrt(2 / Math.PI), TANH_CUBIC = 0.044715;

/** σ(w) and σ(−w) from e = e^{−|w|} (no overflow, no cancellation). */
function sigmoids(w: number): [number, number] {
  const e = Math.exp(-Math.abs(w)), d = 1 / (1 + e);
  return w >= 0 ? [d, e * d] : [e * d, d];
}

/** The tanh form's 2u = 2·√(2/π)·(x + 0.044715x³): ½(1 + tanh u) is σ(2u), which keeps its relative accuracy where
 *  1 + tanh u cancels (u below about −19 in double). */
const tanhArg = (x: number): number => 2 * TANH_SCALE * (x + TANH_CUBIC * x * x * x);

/** gelu(x) = x·Φ(x); tanh form: x·(1 + tanh(√(2/π)·(x + 0.044715x³)))/2 = x·σ(2u), as PyTorch's approximate='tanh'. */
export function gelu(x: number, tanh: boolean): number {
  return tanh ? x * sigmoids(tanhArg(x))[0] : x * normalCdf(x);
}

/** gelu's slope: Φ(x) + x·φ(x); tanh form: σ(2u) + x·σ(2u)·σ(−2u)·2u′, 2u′ = 2·√(2/π)·(1 + 3·0.044715x²). */
export function geluSlope(x: number, tanh: boolean): number {
  if (!tanh) return normalCdf(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  const [s, sn] = sigmoids(tanhArg(x));
  return s + x * s * sn * 2 * TANH_SCALE * (1 + 3 * TANH_CUBIC * x * x);
}

/** gelu's tanh form's constants (for the ONNX export's graph of it). */
export const GELU_TANH = { scale: TANH_SCALE, cubic: TANH_CUBIC } as const;
