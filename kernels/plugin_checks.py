"""The checks of a kernel plug-in's output (`migsim.people.passes.decide`), in parallel
passes over fixed chunks of rows (about 3 ns a row a year on the project's machine:
docs/plugins.md), giving the same answer for any number of threads.

`read_only_digest` folds each read-only column of every chunk into a 64-bit FNV-1a style
hash before and after the plug-in's kernel (a change shows as a different hash);
`output_faults` counts, per chunk, what the kernel may not leave: a location that is not a
region, a status outside the codes or at odds with where the person lives, a wealth that
is not finite, a `family` flag other than 0 or 1, and the people whose location changed (to
set against the recorded moves).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import PARALLEL_JIT

N_CHUNKS = 64
READ_ONLY = 7  # person_id, alive, age, sex, skill, origin, productivity (bits)
FAULTS = 6  # bad location, bad status, bad wealth, status against location, moved, family
_PRIME = np.uint64(1099511628211)
_OFFSET = np.uint64(14695981039346656037)


@nb.njit(**PARALLEL_JIT)
def read_only_digest(n, person_id, alive, age, sex, skill, origin, productivity_bits):
    """(N_CHUNKS, READ_ONLY) uint64: each column's hash over each chunk of rows 0..n-1."""
    out = np.empty((N_CHUNKS, READ_ONLY), dtype=np.uint64)
    size = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        h = np.full(READ_ONLY, _OFFSET, dtype=np.uint64)
        for i in range(c * size, min(n, (c + 1) * size)):
            h[0] = (h[0] ^ np.uint64(person_id[i])) * _PRIME
            h[1] = (h[1] ^ np.uint64(alive[i])) * _PRIME
            h[2] = (h[2] ^ np.uint64(age[i])) * _PRIME
            h[3] = (h[3] ^ np.uint64(sex[i])) * _PRIME
            h[4] = (h[4] ^ np.uint64(skill[i])) * _PRIME
            h[5] = (h[5] ^ np.uint64(origin[i])) * _PRIME
            h[6] = (h[6] ^ np.uint64(productivity_bits[i])) * _PRIME
        out[c] = h
    return out


@nb.njit(**PARALLEL_JIT)
def output_faults(
    n, alive, origin, location, location_before, status, wealth, family, n_regions, n_status
):
    """(N_CHUNKS, FAULTS) int64 counts over the living rows 0..n-1 (see the module)."""
    out = np.zeros((N_CHUNKS, FAULTS), dtype=np.int64)
    size = (n + N_CHUNKS - 1) // N_CHUNKS
    for c in nb.prange(N_CHUNKS):
        for i in range(c * size, min(n, (c + 1) * size)):
            if alive[i] == 0:
                continue
            loc = location[i]
            s = status[i]
            if loc >= n_regions:
                out[c, 0] += 1
            if s >= n_status:
                out[c, 1] += 1
            if not np.isfinite(wealth[i]):
                out[c, 2] += 1
            home = loc == origin[i]
            if home != (s == 0 or s == 4):  # NATIVE or INTRA_REGIONAL at home, the rest abroad
                out[c, 3] += 1
            if loc != location_before[i]:
                out[c, 4] += 1
            if family[i] > 1:
                out[c, 5] += 1
    return out
