#!/usr/bin/env python3
"""The polynomial behind GELU's normal CDF in the wasm and WebGPU kernels.

erfc(z) = t·P(t)·e^{−z²} with t = 1/(1 + z/2), z ≥ 0: P (degree 10) is fitted by least squares in the relative error
of t·P(t) against erfc(z)·e^{z²} on Chebyshev nodes of t in (0, 1], then checked on a dense grid of z in [0, 10].
Prints the maximum relative error of degrees 9–12 and the degree-10 coefficients (lowest first), which
src/backends/wasm/assembly/elementwise.as (GELU) and src/backends/webgpu/kernels/elementwise.ts (ERFC_POLY) hold.
`/usr/bin/python3 scripts/fit-erfc.py` (numpy).
"""
import math

import numpy as np

P = 0.5


def scaled_erfc(z):
    """erfc(z)·e^{z²}, from its asymptotic series where erfc underflows."""
    if z < 25:
        return math.erfc(z) * math.exp(z * z)
    return 1 / (z * math.sqrt(math.pi)) * (1 - 1 / (2 * z * z) + 3 / (4 * z ** 4))


def fit(degree):
    ts = np.cos(np.pi * (np.arange(4000) + 0.5) / 4000) * 0.5 + 0.5
    ts = ts[ts > 1e-4]
    values = np.array([scaled_erfc((1 / t - 1) / P) for t in ts])
    basis = np.vander(ts, degree + 1, increasing=True) * ts[:, None]
    weights = 1 / values
    coef, *_ = np.linalg.lstsq(basis * weights[:, None], values * weights, rcond=None)
    return coef


def max_relative_error(coef):
    zs = np.concatenate([np.linspace(0, 1, 2001), np.linspace(1, 10, 20001)])
    worst = 0.0
    for z in zs:
        t = 1 / (1 + P * z)
        worst = max(worst, abs(t * np.polyval(coef[::-1], t) / scaled_erfc(z) - 1))
    return worst


if __name__ == "__main__":
    for degree in (9, 10, 11, 12):
        print(f"degree {degree}: max relative error {max_relative_error(fit(degree)):.2e}")
    print("degree 10 coefficients:", ", ".join(repr(float(c)) for c in fit(10)))
