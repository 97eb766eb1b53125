// Python-style formatting for module reprs, so convkit's model trees read like PyTorch's.

/** A pair as a Python tuple: (3, 3). */
export function pyTuple(v: readonly number[]): string {
  return `(${v.join(", ")}${v.length === 1 ? "," : ""})`;
}

/** A float as Python's repr writes it: 1.0, 0.1, 1e-05, 0.0001. */
export function pyFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    // JavaScript writes 1e-5; Python pads the exponent to two digits: 1e-05
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return String(x);
}

export function pyBool(b: boolean): string {
  return b ? "True" : "False";
}
