"""Rows that certainly do nothing this year, found 64 at a time.

Most people do nothing in most passes of a year: in the decisions, about 1 living row in 32
of the default world. With vector draws, a pass can find the rows that may act with a
branch-free loop over up to 64 rows that makes a uint64 mask (`busy_rows`: no stores, so
LLVM vectorises it) and then visit only the set bits (`cttz`), with the same per-row code as
before: the results are the same bytes. The loop that walks the bits must live in a call of
its own (`migsim.kernels.migration._decide_block`), never inlined into a parallel loop,
where numba's parfors took the mask's in-place updates for reductions.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir as llvmir
from numba.core import cgutils, types
from numba.extending import intrinsic

from migsim.kernels._config import JIT
from migsim.kernels.bundles import TERTIARY


@nb.njit(**JIT)
def quiet_thresholds(cells, levers):
    """(R * 4, 2, ages) the draw at or above which a person at home does nothing this year,
    by home cell without the band ((origin * 2 + skill class) * 2 + sex), whether they are
    a within-region migrant, and age: p + r + 1e-9, p being the cell's probability of
    moving and r its within-region rate (a native's) or return rate (a within-region
    migrant's). A move needs u < p, a within-region move or return u - p < r (1 - p) <= r;
    the margin covers the rounding of either comparison."""
    band_of_age = cells.band_of_age
    n_bands = cells.n_bands
    p_move = cells.p_move
    intra_rate = levers.intra_rate
    intra_return = levers.intra_return
    n_ages = band_of_age.shape[0]
    n_homes = p_move.shape[0] // n_bands
    out = np.empty((n_homes, 2, n_ages), dtype=np.float64)
    for k in range(n_homes):
        o = k // 4
        for a in range(n_ages):
            b = band_of_age[a]
            p = p_move[k * n_bands + b]
            out[k, 0, a] = p + intra_rate[o, b] + 1e-9
            out[k, 1, a] = p + intra_return[o, b] + 1e-9
    return out


@intrinsic
def cttz(typingctx, x):
    """The number of trailing zero bits of a uint64 (LLVM's cttz; 64 for 0)."""

    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(
            builder.module,
            llvmir.FunctionType(llvmir.IntType(64), [llvmir.IntType(64), llvmir.IntType(1)]),
            "llvm.cttz.i64",
        )
        return builder.call(fn, [args[0], llvmir.Constant(llvmir.IntType(1), 0)])

    return types.uint64(types.uint64), codegen


# the columns `busy_rows` reads, in the order of its arguments
BUSY_COLUMNS = ("alive", "age", "sex", "skill", "origin", "location", "status")


@nb.njit(inline="always", **JIT)
def busy_rows(
    i0, n, u_nest, j0, alive, age, sex, skill, origin, location, status, flat, n_ages, intra
):
    """A uint64 whose bit k (k < n <= 64) is set unless row i0 + k certainly does nothing
    this year: dead, or at home with its draw u_nest[j0 + k] at or above its
    `quiet_thresholds` (flat: those thresholds flattened, n_ages their last extent; intra:
    the status code of a within-region migrant). The columns are `BUSY_COLUMNS`, taken out
    of the bundle by the caller once per block. No stores, so LLVM vectorises the loop; n
    must not be a constant (fully unrolled, the loop became four times slower). The rows
    of the set bits are then decided one by one exactly as the others would be (the same
    bytes).

    The columns are indexed with unsigned integers, so that numba adds no wraparound of
    negative indices (with it, LLVM gathered the loads), and no view is made: a view's
    reference count, like that of every array taken out of a bundle or passed to an
    inlined function, is an atomic increment and decrement, and per row or per 64 rows
    those cost more than the rest of the work.
    """
    busy = np.uint64(0)
    base = np.uint64(i0)
    ubase = np.uint64(j0)
    for k in range(n):
        i = base + np.uint64(k)
        o = np.uint64(origin[i])
        h = (o * np.uint64(2) + np.uint64(skill[i] == TERTIARY)) * np.uint64(2) + np.uint64(sex[i])
        h = h * np.uint64(2) + np.uint64(status[i] == intra)
        limit = flat[h * np.uint64(n_ages) + np.uint64(age[i])]
        doing = (alive[i] != 0) & (
            (u_nest[ubase + np.uint64(k)] < limit) | (np.uint64(location[i]) != o)
        )
        busy |= np.uint64(doing) << np.uint64(k)
    return busy
