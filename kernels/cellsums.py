"""The record's cells in one pass each: weighted, their non-empty cells, sums over sex and
age bands.

The yearly record keeps real people by cell (origin, location, skill class, sex, age band,
status; `migsim.kernels.aggregate`'s index), R^2 x 180 cells: 9.7M at 232 regions. NumPy's
sums of that array over several of its inner axes step through the short status axis in
their innermost loop, and its 6-D `nonzero` unravels every index; on a world of every
country they took most of a year's time outside the per-person passes. These loops read
the cells once, in their order, in parallel by origin.

The cells of one (origin, location) pair are a contiguous block of 2*2*B*S, so a record can
also be held as the blocks of its non-empty pairs only (`CellBlocks`): a world of every
country has about 7,300 of its 53,824 pairs peopled, and every pass here then reads a
seventh of the cells. `weighted_cells` and `nonzero_cells` take such blocks as they take
the dense cells (a weight per block; the blocks in place of origins).

`weighted_cells` and `nonzero_cells` give NumPy's bits exactly (a product per cell; the
indices of `np.flatnonzero`). `sex_band_sums` adds in the cells' order, which is not
NumPy's for every shape, so the engine uses it for worlds of more than
`DENSE_CELLS_MAX_REGIONS` regions only (the shipped small worlds keep their bytes; larger
ones get the same sums up to rounding in the last bit).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from migsim.kernels._config import EXACT_JIT

PARALLEL_EXACT_JIT = dict(EXACT_JIT, parallel=True)
DENSE_CELLS_MAX_REGIONS = 64


@nb.njit(**PARALLEL_EXACT_JIT)
def weighted_cells(counts, weight):
    """counts (R * M int64, the record's cells, origin first) times the weight of each
    cell's origin, as `counts * weight[origin]` (float64, same shape)."""
    n_regions = weight.shape[0]
    m = counts.shape[0] // n_regions
    people = np.empty(counts.shape[0], dtype=np.float64)
    for o in nb.prange(n_regions):
        w = weight[o]
        for j in range(o * m, (o + 1) * m):
            people[j] = counts[j] * w
    return people


@nb.njit(**PARALLEL_EXACT_JIT)
def nonzero_cells(people, n_regions):
    """`np.flatnonzero(people)` (int64, ascending) of cells R * M, origin first: each
    origin's non-zero cells counted, then written at their offset, in parallel by origin."""
    m = people.shape[0] // n_regions
    found = np.zeros(n_regions, dtype=np.int64)
    for o in nb.prange(n_regions):
        k = 0
        for j in range(o * m, (o + 1) * m):
            k += people[j] != 0.0
        found[o] = k
    start = np.zeros(n_regions + 1, dtype=np.int64)
    for o in range(n_regions):
        start[o + 1] = start[o] + found[o]
    out = np.empty(start[n_regions], dtype=np.int64)
    for o in nb.prange(n_regions):
        k = start[o]
        for j in range(o * m, (o + 1) * m):
            if people[j] != 0.0:
                out[k] = j
                k += 1
    return out


@nb.njit(**PARALLEL_EXACT_JIT)
def sex_band_sums(people, b0, b1):
    """people (R, R, K, G, B, S) float64 [origin, location, skill, sex, band, status]: the
    sums over sex and age bands b0 .. b1 - 1, (R, R, K, S), each added in the cells' order."""
    n_o, n_loc, n_k, n_g, _, n_s = people.shape
    out = np.zeros((n_o, n_loc, n_k, n_s))
    for o in nb.prange(n_o):
        for loc in range(n_loc):
            for k in range(n_k):
                for g in range(n_g):
                    for b in range(b0, b1):
                        for st in range(n_s):
                            out[o, loc, k, st] += people[o, loc, k, g, b, st]
    return out


@nb.njit(**PARALLEL_EXACT_JIT)
def sum_lanes(lanes):
    """lanes (L, N) int64, the record's cell counts by thread: their sum (N,) int64, in
    parallel over the cells (integer sums: the same for any order)."""
    n_lanes, n = lanes.shape
    out = np.empty(n, dtype=np.int64)
    block = 1 << 16
    for k in nb.prange((n + block - 1) // block):
        for j in range(k * block, min(n, (k + 1) * block)):
            total = lanes[0, j]
            for lane in range(1, n_lanes):
                total += lanes[lane, j]
            out[j] = total
    return out


@nb.njit(**PARALLEL_EXACT_JIT)
def block_band_sums(blocks, b0, b1):
    """blocks (P, K, G, B, S) float64, the cells of P (origin, location) pairs: the sums over
    sex and age bands b0 .. b1 - 1, (P, K, S), added in the order `sex_band_sums` adds
    them (the same bits for the same pair)."""
    n_p, n_k, n_g, _, n_s = blocks.shape
    out = np.zeros((n_p, n_k, n_s))
    for p in nb.prange(n_p):
        for k in range(n_k):
            for g in range(n_g):
                for b in range(b0, b1):
                    for st in range(n_s):
                        out[p, k, st] += blocks[p, k, g, b, st]
    return out


class CellBlocks(NamedTuple):
    """A record's cells as the blocks of its peopled (origin, location) pairs.

    shape: the dense cells' (R, R, K, G, B, S); pairs: (P,) int64 origin * R + location,
    ascending; people: (P, K, G, B, S) float64, the cells of those pairs (every other cell
    is 0)."""

    shape: tuple
    pairs: np.ndarray
    people: np.ndarray

    def dense(self) -> np.ndarray:
        """The dense cells (a new array)."""
        R, per_pair = self.shape[0], int(np.prod(self.shape[2:]))
        out = np.zeros(R * R * per_pair)
        out.reshape(R * R, per_pair)[self.pairs] = self.people.reshape(-1, per_pair)
        return out.reshape(self.shape)

    def band_sums(self, b0: int, b1: int) -> np.ndarray:
        """`sex_band_sums` of the dense cells, (R, R, K, S), the same bits (an empty pair's
        sums are 0)."""
        R, K, S = self.shape[0], self.shape[2], self.shape[5]
        out = np.zeros((R * R, K, S))
        out[self.pairs] = block_band_sums(self.people, b0, b1)
        return out.reshape(R, R, K, S)


def band_sums_of(cells, b0: int, b1: int) -> np.ndarray:
    """(R, R, K, S) sums over sex and age bands b0 .. b1 - 1 of a record's cells held as
    `CellBlocks` or as the dense array (`sex_band_sums`, the same bits either way)."""
    if isinstance(cells, CellBlocks):
        return cells.band_sums(b0, b1)
    return sex_band_sums(cells, b0, b1)
