"""Deterministic aggregation of people into cells.

Counts are integers, so per-chunk histograms can be summed in any order and still give the
same result for any thread count. The number of chunks is fixed (not the thread count).

Cell index for people: ((((origin * R + location) * 2 + skill) * 2 + sex) * B + band) * S +
status, with R regions, B age bands and S statuses.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from kernels._config import PARALLEL_JIT

N_CHUNKS = 64


@nb.njit(**PARALLEL_JIT)
def count_cells(n, alive, origin, location, skill, sex, age, status, band_of_age,
                n_regions, n_bands, n_status):
    """Living agents per cell (int64 array of R*R*2*2*B*S)."""
    n_cells = n_regions * n_regions * 2 * 2 * n_bands * n_status
    partial = np.zeros((N_CHUNKS, n_cells), dtype=np.int64)
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        hist = partial[c]
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if alive[i] == 0:
                continue
            cell = (((origin[i] * n_regions + location[i]) * 2 + skill[i]) * 2 + sex[i])
            cell = (cell * n_bands + band_of_age[age[i]]) * n_status + status[i]
            hist[cell] += 1
    out = np.zeros(n_cells, dtype=np.int64)
    for c in range(N_CHUNKS):
        out += partial[c]
    return out


@nb.njit(**PARALLEL_JIT)
def count_pairs(n, flag, a, b, n_a, n_b):
    """Number of rows i < n with flag[i] != 0 by (a[i], b[i]) (int64 n_a x n_b)."""
    partial = np.zeros((N_CHUNKS, n_a, n_b), dtype=np.int64)
    chunk = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if flag[i] != 0:
                partial[c, a[i], b[i]] += 1
    out = np.zeros((n_a, n_b), dtype=np.int64)
    for c in range(N_CHUNKS):
        out += partial[c]
    return out
