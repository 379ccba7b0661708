"""Fused passes: one pass over people doing the work of two kernels, byte for byte.

`decide_and_supply` makes the year's migration decisions (`migsim.kernels.migration.decide`)
and, right after a chunk's decisions, the economy's labour supply of the chunk's rows
(`migsim.kernels.income.labour_supply`) while they are still in cache: the supply then needs
no pass and no parallel region of its own. (Adding the supply after each 1024-row sub-block
instead was slower than the two passes on this machine: the fused inner loop lost the
decision block's speed.) The
decisions of a row depend only on that row, so they are the same whichever chunk a row is
decided in; the chunks here are `labour_supply`'s ranges of person ids (`id_chunk_bounds`)
instead of `decide`'s equal row ranges, so that the supply's float sums are added per chunk
in row order exactly as `labour_supply` adds them. Moves are integer counts (keys per chunk,
counted in `migsim.people.moves.MoveCounts`), the same for any chunking; a chunk's room for
moves is its most rows (`move_tallies` with the largest chunk).
"""

from __future__ import annotations

import numba as nb

from migsim.kernels._config import PARALLEL_JIT
from migsim.kernels.income import N_CHUNKS, experience_bands, histogram_bins, supply_rows
from migsim.kernels.migration import decide_rows
from migsim.kernels.quiet import quiet_thresholds


@nb.njit(**PARALLEL_JIT)
def decide_and_supply(
    key, year, bounds, people, cells, levers, tallies, weight, work, units_out, out, hist_out
):
    """`decide` for rows [bounds[0], bounds[-1]) by chunk of person ids, each chunk followed
    by its `labour_supply` (units_out, out, hist_out as there, their parts too) on the
    decided rows. tallies: `MoveTallies` of N_CHUNKS chunks with room for the largest
    chunk's rows."""
    bands = experience_bands()
    bins = histogram_bins()
    thresholds = quiet_thresholds(cells, levers)
    n_parts = out.shape[0]  # N_CHUNKS, or fewer: chunks in order per part
    per_part = N_CHUNKS // n_parts
    for part in nb.prange(n_parts):
        for c in range(part * per_part, (part + 1) * per_part):
            end = bounds[c + 1]
            decide_rows(bounds[c], end, c, key, year, people, cells, levers, tallies, thresholds)
            supply_rows(
                bounds[c],
                end,
                part,
                key,
                year,
                people,
                weight,
                work,
                bands,
                bins,
                units_out,
                out,
                hist_out,
            )
