"""The year's state: what the steps of one simulated year hand each other.

Demography, the configured steps and the record run in this order every year; a step reads
and writes only the fields it declares (`Step.reads`, `Step.writes`). `moves` and
`region_columns` start empty every year; the other fields carry over from the year before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from migsim.kernels.cellsums import CellBlocks
from migsim.people.moves import MoveCounts


@dataclass
class YearState:
    """Fields shared between the steps of the yearly loop. Index names: o origin, s source,
    d destination or location, k skill; counts are agents unless said otherwise."""

    moves: MoveCounts | None = None
    """Agents who moved this year by [o, source, d, k], sparse (`MoveCounts`; `.dense()` is
    the (R, R, R, 2) array). Migration adds to it, the record turns it into `flows` and the
    arrivals and departures columns."""

    region_columns: dict[str, np.ndarray] = field(default_factory=dict)
    """Column name -> (R,) values for this year's row of `regions`; every name must be one
    a step declares in `Step.columns`."""

    cells: np.ndarray | None = None
    """(o, location, skill, sex, age band, status) real people at the last record (the start
    of this year until the record runs)."""

    stock_matrix: np.ndarray | None = None
    """(R, R) [o, d] real people born in o living in d != o at the last record."""

    wages: np.ndarray | None = None
    """(R, 2, 2) [region, skill, nativity] annual wage per worker, PPP $, from the economy
    step; None until a market step has run, meaning the base-year wages."""

    partnership_graduates: np.ndarray | None = None
    """(R,) graduates owed to a skill partnership this year (education writes, the economy
    step charges their training to the partner destinations and clears it)."""

    def begin_year(self, n_regions: int) -> None:
        """Empty what belongs to one year only."""
        R = n_regions
        self.moves = MoveCounts.empty(R)
        self.region_columns = {}


class LazyCells:
    """The record's cells of a world of many regions, kept as the blocks of the peopled
    (origin, location) pairs (`migsim.kernels.cellsums.CellBlocks`, a seventh of the dense
    cells in a world of every country) and made dense the first time `YearState.cells` is
    read: filling 77 MB of dense cells a year cost more in page faults than the rest of the
    record, and the built-in steps read the blocks."""

    def __init__(self, blocks, dense: np.ndarray | None = None):
        self.blocks = blocks
        self._dense = dense  # when the record had them dense already

    def dense(self) -> np.ndarray:
        if self._dense is None:
            self._dense = self.blocks.dense()
        return self._dense


def _get_cells(state: YearState) -> np.ndarray | None:
    value = state.__dict__.get("cells")
    return value.dense() if isinstance(value, LazyCells) else value


def _set_cells(state: YearState, value) -> None:
    state.__dict__["cells"] = value


# `cells` reads as the dense array whatever holds it (an array, or a `LazyCells`); the
# instance keeps what was set, so a step that only reads it leaves the field as it was
YearState.cells = property(
    _get_cells,
    _set_cells,
    doc="(o, location, skill, sex, age band, status) real people at the last record.",
)


def cell_blocks(state: YearState) -> CellBlocks | None:
    """The last record's cells as `CellBlocks` when it kept them so (worlds of many
    regions), else None (read `state.cells`)."""
    value = state.__dict__.get("cells")
    return value.blocks if isinstance(value, LazyCells) else None


def has_cells(state: YearState) -> bool:
    """Whether a record has set `state.cells` (without making lazy cells dense)."""
    return state.__dict__.get("cells") is not None


STATE_FIELDS = tuple(f.name for f in fields(YearState))
