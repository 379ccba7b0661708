"""A year's moves as sparse counts by (origin, source, destination, skill).

A dense (R, R, R, 2) array of moves is 200 MB for 232 regions, and almost all of it is zero:
moves happen on a few thousand corridors. `MoveCounts` keeps only the non-empty cells, as
sorted keys ((origin * R + source) * R + destination) * 2 + skill (the key of
`migsim.kernels.bundles.move_key`) with their counts. Sorted keys are C order of the dense
array, so anything that walks the non-zero cells (the flows table, arrivals and departures)
sees them in the order `np.nonzero` of the dense array gives, and sums in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migsim.kernels.bundles import MoveTallies, n_move_keys, tallied_keys

AXES = ("origin", "source", "destination", "skill")


@dataclass(frozen=True)
class MoveCounts:
    """Agents who moved, by (origin, source, destination, skill); `keys` sorted and unique,
    `counts` > 0 (int64)."""

    n_regions: int
    keys: np.ndarray
    counts: np.ndarray

    @classmethod
    def empty(cls, n_regions: int) -> MoveCounts:
        return cls(int(n_regions), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    @classmethod
    def from_keys(cls, n_regions: int, keys: np.ndarray) -> MoveCounts:
        """Counts of a list of move keys (one per move, any order)."""
        unique, counts = np.unique(keys, return_counts=True)
        return cls(int(n_regions), unique.astype(np.int64), counts.astype(np.int64))

    @classmethod
    def from_tallies(cls, tallies: MoveTallies) -> MoveCounts:
        """The moves recorded by a decision pass (all chunks)."""
        return cls.from_keys(tallies.n_regions, tallied_keys(tallies))

    @classmethod
    def from_dense(cls, moves: np.ndarray) -> MoveCounts:
        """From a dense (R, R, R, 2) array of counts."""
        flat = np.asarray(moves, dtype=np.int64).ravel()
        keys = np.flatnonzero(flat)
        return cls(moves.shape[0], keys.astype(np.int64), flat[keys])

    def __add__(self, other: MoveCounts) -> MoveCounts:
        if not isinstance(other, MoveCounts):
            return NotImplemented
        if other.n_regions != self.n_regions:
            raise ValueError(f"moves of {self.n_regions} and {other.n_regions} regions")
        if other.keys.size == 0:
            return self
        if self.keys.size == 0:
            return other
        keys = np.concatenate([self.keys, other.keys])
        unique, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(
            inverse, weights=np.concatenate([self.counts, other.counts]), minlength=unique.size
        )
        return MoveCounts(self.n_regions, unique, counts.astype(np.int64))

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, MoveCounts)
            and other.n_regions == self.n_regions
            and np.array_equal(other.keys, self.keys)
            and np.array_equal(other.counts, self.counts)
        )

    def total(self) -> int:
        return int(self.counts.sum())

    def indices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(origin, source, destination, skill) of each non-empty cell, in key order."""
        R = self.n_regions
        rest, skill = np.divmod(self.keys, 2)
        rest, destination = np.divmod(rest, R)
        origin, source = np.divmod(rest, R)
        return origin, source, destination, skill

    def dense(self) -> np.ndarray:
        """The dense (R, R, R, 2) int64 array (for small worlds and tests)."""
        R = self.n_regions
        out = np.zeros(n_move_keys(R), dtype=np.int64)
        out[self.keys] = self.counts
        return out.reshape(R, R, R, 2)

    def by(self, *axes: str) -> np.ndarray:
        """Counts summed over the other axes: a dense int64 array over `axes` (names from
        AXES, in that order), e.g. by("origin", "destination") is (R, R)."""
        sizes = {"origin": self.n_regions, "source": self.n_regions}
        sizes |= {"destination": self.n_regions, "skill": 2}
        index = dict(zip(AXES, self.indices()))
        flat = np.zeros(self.keys.size, dtype=np.int64)
        for axis in axes:
            flat = flat * sizes[axis] + index[axis]
        shape = tuple(sizes[a] for a in axes)
        out = np.bincount(flat, weights=self.counts, minlength=int(np.prod(shape)))
        return out.astype(np.int64).reshape(shape)

    def weighted_moves(self, weight: np.ndarray) -> tuple[np.ndarray, ...]:
        """(origin, source, destination, people) of each non-empty (origin, source,
        destination) cell, both skills together, people = agents * weight[origin]; in C
        order, as `np.nonzero` of the dense array summed over skill."""
        keys, first = np.unique(self.keys // 2, return_index=True)
        agents = np.add.reduceat(self.counts, first) if first.size else self.counts[:0]
        R = self.n_regions
        rest, destination = np.divmod(keys, R)
        origin, source = np.divmod(rest, R)
        return origin, source, destination, agents * weight[origin]
