"""The earnings histogram's bins: log(earnings / the cell's native wage) in HIST_BINS bins
over [-HIST_SPAN, HIST_SPAN), from a 1-in-8 systematic sample of person ids
(`migsim.kernels.income.supply_rows`). `hist_bin` is the definition, one logarithm;
`histogram_bins` makes it a table of bin edges, so that the labour supply's loop bins a
person with two loads and a comparison and calls no function (with the call in the loop,
even never taken, the fused pass took about 1.1x the time).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir as llvmir
from numba.core import types
from numba.extending import intrinsic

from migsim.kernels._config import JIT

# earnings histogram: log(earnings / native wage of the cell) in [-HIST_SPAN, HIST_SPAN)
HIST_BINS = 240
HIST_SPAN = 3.0
# the histogram takes every 8th person id (a systematic sample, ids being consecutive within
# each synthesised group and each year's births): a log and a scattered add per person would
# cost a quarter of the year
HIST_SAMPLE_MASK = 7
# `histogram_bins`' cells: doubles sharing their bits above HIST_CELL_SHIFT (sign, exponent
# and the top 8 bits of the mantissa) span 2^-8 in relative terms, 0.0039 in log, less than
# a bin's 2 HIST_SPAN / HIST_BINS = 0.025: a bin boundary at most in each cell
HIST_CELL_SHIFT = 44


@intrinsic
def float_bits(typingctx, x):
    """The IEEE bits of a float64 as a uint64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvmir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def bits_float(typingctx, x):
    """The float64 of IEEE bits given as a uint64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvmir.DoubleType())

    return types.float64(types.uint64), codegen


@nb.njit(inline="always", **JIT)
def hist_bin(rel):
    """The earnings histogram's bin of rel > 0, earnings over the cell's native wage: the
    definition, one logarithm (`histogram_bins` makes a table of it for the passes)."""
    k = int((np.log(rel) + HIST_SPAN) * (HIST_BINS / (2.0 * HIST_SPAN)))
    return min(max(k, 0), HIST_BINS - 1)


@nb.njit(**JIT)
def histogram_bins():
    """(cells, lowest, edges): `hist_bin` without a logarithm. edges[k] (HIST_BINS + 1)
    is the least positive double whose `hist_bin` is at least k (found by bisection over the
    doubles' bits, with `hist_bin` itself: its logarithm is monotone), edges[0] = 0 and
    edges[HIST_BINS] = inf; cells[t] is the bin of the least double of cell lowest + t (the
    doubles sharing their bits above HIST_CELL_SHIFT), a boundary at most in each cell. So
    the bin of rel is k = cells[clamped cell of rel - lowest], plus 1 if rel >= edges[k + 1]
    (`hist_bin_fast`): the same bins, with two loads and a comparison instead of a call."""
    edges = np.empty(HIST_BINS + 1, dtype=np.float64)
    edges[0] = 0.0
    edges[HIST_BINS] = np.inf
    for k in range(1, HIST_BINS):
        guess = np.exp(k * (2.0 * HIST_SPAN / HIST_BINS) - HIST_SPAN)
        lo = float_bits(guess) - np.uint64(1 << 24)
        hi = float_bits(guess) + np.uint64(1 << 24)
        if hist_bin(bits_float(lo)) >= k or hist_bin(bits_float(hi)) < k:
            lo = np.uint64(1)  # the least positive double, then the largest finite one
            hi = np.uint64(0x7FEFFFFFFFFFFFFF)
        while hi - lo > np.uint64(1):
            mid = lo + (hi - lo) // np.uint64(2)
            if hist_bin(bits_float(mid)) >= k:
                hi = mid
            else:
                lo = mid
        edges[k] = bits_float(hi)
    shift = np.uint64(HIST_CELL_SHIFT)
    lowest = float_bits(edges[1]) >> shift
    highest = float_bits(edges[HIST_BINS - 1]) >> shift
    cells = np.empty(np.int64(highest - lowest) + 1, dtype=np.int64)
    for t in range(cells.shape[0]):
        cells[t] = hist_bin(bits_float((lowest + np.uint64(t)) << shift))
    return cells, np.int64(lowest), edges


@nb.njit(inline="always", **JIT)
def hist_bin_fast(rel, cells, lowest, edges):
    """`hist_bin(rel)` from `histogram_bins`' tables."""
    t = np.int64(float_bits(rel) >> np.uint64(HIST_CELL_SHIFT)) - lowest
    t = min(max(t, 0), cells.shape[0] - 1)
    k = cells[t]
    if rel >= edges[k + 1]:
        k += 1
    return k
