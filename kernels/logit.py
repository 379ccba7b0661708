"""The nested logit's choice probabilities of every home cell in one pass, for worlds of
many regions.

`migsim.model.choice.nested_logit` and the destination CDFs of
`MigrationStep.probabilities` take about ten NumPy passes over the utilities V[o, s, g, b,
d] (1.9M entries at 232 regions, 15 MB each, with their temporaries); here each home cell's
row is read once and its CDF written once, in parallel over rows. Each entry is the same
expression as NumPy's (the maximum, the exponentials, the shares added up in destination
order), but the sum of a row's exponentials is added in order where NumPy adds pairwise,
and the exponential and logarithm are the C library's instead of NumPy's vector loops: the
results can differ in the last bit, so the engine uses this in worlds of more than
`DENSE_CELLS_MAX_REGIONS` regions only, as `migsim.kernels.cellsums` does.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT

PARALLEL_EXACT_JIT = dict(EXACT_JIT, parallel=True)


@nb.njit(**PARALLEL_EXACT_JIT)
def move_and_destinations(V, rho):
    """V (H, R) float64, the utilities of the home cells h = ((o * 2 + s) * 2 + g) * B + b
    (B = H / (4 R)) of each destination d (d == o: staying): P(move) (H,) and the CDF over
    destinations given a move (H, R), its last entry 1.0, as `nested_logit` and
    `MigrationStep.probabilities` give them."""
    n_h, n_regions = V.shape
    per_origin = n_h // n_regions
    p_move = np.empty(n_h)
    cdf = np.empty((n_h, n_regions))
    for h in nb.prange(n_h):
        o = h // per_origin
        top = -np.inf
        for d in range(n_regions):
            if d != o:
                top = max(top, V[h, d] / rho)
        total = 0.0
        for d in range(n_regions):
            e = 0.0 if d == o else np.exp(V[h, d] / rho - top)
            cdf[h, d] = e
            total += e
        running = 0.0
        for d in range(n_regions):
            running += cdf[h, d] / total
            cdf[h, d] = running
        cdf[h, n_regions - 1] = 1.0
        a = rho * (np.log(total) + top)
        b = V[h, o]
        m = max(a, b)
        p_move[h] = np.exp(a - m) / (np.exp(a - m) + np.exp(b - m))
    return p_move, cdf
