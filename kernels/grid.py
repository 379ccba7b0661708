"""Float sums that do not depend on the order of addition.

Every addend of a float tally that passes add up over people (efficiency units, people
counted by their weights, money) is first rounded to a multiple of a power of two, 2**-k.
Sums of such multiples are exact while they stay below 2**(53 - k) in magnitude, so they do
not depend on the order in which they are added: the threads' chunks, the parts of a pass
and the shards of a split run give the same bits. Rounding to nearest (ties to even) is
unbiased; each grid is far finer than what the tables report, and its bound far above what
one sum holds in any world migsim builds:

| quantity | grid | exact while a sum is below |
|---|---|---|
| efficiency units (labour supply) | 2**-14 units | 2**39, 5.5e11 units |
| people (agents' weights) | 2**-16 people | 2**37, 1.4e11 people |
| money (PPP $) | 2**-2 $, a quarter dollar | 2**51, 2.3e15 $ |

Beyond its bound a sum is still correct to float rounding; only its order independence is
lost. Integer counts (agents by cell, moves) and the expected applicants (fixed point,
`migsim.kernels.applicants`) are exact already.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from migsim.kernels._config import JIT

UNITS_SCALE = 2.0**14
PEOPLE_SCALE = 2.0**16
MONEY_SCALE = 2.0**2


@nb.njit(inline="always", **JIT)
def on_grid(x, scale):
    """x rounded to the nearest multiple of 1 / scale (scale a power of two: exact)."""
    return np.rint(x * scale) * (1.0 / scale)


def on_grid_array(x, scale: float) -> np.ndarray:
    """`on_grid` of an array (the reference kernels' twin)."""
    return np.rint(np.asarray(x, dtype=np.float64) * scale) * (1.0 / scale)
