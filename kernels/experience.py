"""Experience bands of the labour market: years since the end of schooling, by education."""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import JIT

# Experience: age at the end of schooling by education (primary or less, secondary, tertiary;
# Borjas 2003 counts experience from age 17 for dropouts, 18 for high-school graduates and
# 22 for college graduates [K]), in four ten-year bands, the last open [A].
EXPERIENCE_START = (17, 18, 22)
EXPERIENCE_WIDTH = 10
N_EXPERIENCE = 4


@nb.njit(inline="always", **JIT)
def experience_band(age, education):
    """Experience band (0 .. N_EXPERIENCE - 1) of a worker of this age and education code."""
    if education == 0:
        start = EXPERIENCE_START[0]
    elif education == 1:
        start = EXPERIENCE_START[1]
    else:
        start = EXPERIENCE_START[2]
    x = (np.int64(age) - start) // EXPERIENCE_WIDTH
    return min(max(x, 0), N_EXPERIENCE - 1)


@nb.njit(**JIT)
def experience_bands():
    """`experience_band` of every (education code, age) as a table (3, 256) int64: one
    load per person in the income passes instead of a branch on the education code."""
    out = np.empty((3, 256), dtype=np.int64)
    for e in range(3):
        for a in range(256):
            out[e, a] = experience_band(a, e)
    return out
