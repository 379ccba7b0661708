"""The record's one-pass cell sums (`migsim.kernels.cellsums`) against NumPy: the weighted
cells and their non-empty cells bit for bit, the sums over sex and age bands to rounding
(they add in the cells' order, which worlds of many regions use)."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.kernels import cellsums


def _cells(n_regions, seed, empty=0.9):
    rng = np.random.default_rng(seed)
    shape = (n_regions, n_regions, 2, 2, 9, 5)
    counts = rng.integers(1, 500, size=shape).astype(np.int64)
    counts[rng.random(shape) < empty] = 0
    weight = rng.random(n_regions) * 1000.0
    weight[0] = 0.0  # an origin without weight: its cells are empty after weighting
    return counts, weight


@pytest.mark.parametrize("n_regions, seed", [(1, 1), (3, 2), (12, 3), (70, 4)])
def test_weighted_cells_and_their_nonzero_cells_are_numpys(n_regions, seed):
    counts, weight = _cells(n_regions, seed)
    expected = counts * weight[:, None, None, None, None, None]
    people = cellsums.weighted_cells(counts.reshape(-1), weight)
    assert people.tobytes() == expected.reshape(-1).tobytes()
    where = cellsums.nonzero_cells(people, n_regions)
    np.testing.assert_array_equal(where, np.flatnonzero(expected))
    unravelled = np.unravel_index(where, expected.shape)
    for got, want in zip(unravelled, np.nonzero(expected), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("b0, b1", [(0, 9), (3, 9), (2, 8), (4, 4)])
def test_sums_over_sex_and_bands_are_numpys_to_rounding(b0, b1):
    counts, weight = _cells(70, 5, empty=0.5)
    people = counts * weight[:, None, None, None, None, None]
    got = cellsums.sex_band_sums(people, b0, b1)
    want = people[:, :, :, :, b0:b1, :].sum(axis=(3, 4))
    assert got.shape == want.shape == (70, 70, 2, 5)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0.0)
    assert (got == 0.0).sum() == (want == 0.0).sum()


def test_a_world_of_many_regions_records_what_numpys_sums_give(monkeypatch):
    """The record of a world above DENSE_CELLS_MAX_REGIONS takes the one-pass sums; forcing
    the threshold down on the default world gives its NumPy record to rounding."""
    import migsim

    def regions(limit):
        monkeypatch.setattr(cellsums, "DENSE_CELLS_MAX_REGIONS", limit)
        sim = migsim.build_simulation(["population.size=20000", "progress=false", "seed=3"])
        sim.step()
        return {name: frames[-1] for name, frames in sim.records.items() if frames}

    numpy_path, one_pass = regions(64), regions(0)
    assert numpy_path.keys() == one_pass.keys()
    for name, frame in numpy_path.items():
        other = one_pass[name]
        assert frame.columns == other.columns, name
        assert frame.height == other.height, name
        for col in frame.columns:
            a, b = frame[col].to_numpy(), other[col].to_numpy()
            if a.dtype.kind == "f":
                np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-9, err_msg=f"{name}.{col}")
            else:
                np.testing.assert_array_equal(b, a, err_msg=f"{name}.{col}")


def test_blocks_of_the_peopled_pairs_give_the_dense_cells_and_their_sums():
    """A record kept as the blocks of its peopled (origin, location) pairs: dense again, the
    same array; its sums over sex and bands, `sex_band_sums`' bits."""
    counts, weight = _cells(70, 6, empty=0.995)
    people = counts * weight[:, None, None, None, None, None]
    flat = people.reshape(70 * 70, -1)
    pairs = np.flatnonzero(flat.any(axis=1))
    assert 0 < pairs.size < 70 * 70
    blocks = cellsums.CellBlocks(people.shape, pairs, flat[pairs].reshape(-1, 2, 2, 9, 5))
    assert blocks.dense().tobytes() == people.tobytes()
    for b0, b1 in ((0, 9), (3, 9), (2, 8)):
        got = blocks.band_sums(b0, b1)
        assert got.tobytes() == cellsums.sex_band_sums(people, b0, b1).tobytes()


def test_lazy_cells_read_as_the_dense_array_and_stay_the_field():
    """In a world of many regions the year state holds the record's blocks; reading
    `state.cells` gives the dense cells, and the field itself is unchanged by a read (a step
    that only reads it writes nothing)."""
    from migsim.runtime.state import LazyCells, YearState, cell_blocks

    counts, weight = _cells(70, 7, empty=0.99)
    people = counts * weight[:, None, None, None, None, None]
    flat = people.reshape(70 * 70, -1)
    pairs = np.flatnonzero(flat.any(axis=1))
    blocks = cellsums.CellBlocks(people.shape, pairs, flat[pairs].reshape(-1, 2, 2, 9, 5))
    state = YearState()
    state.cells = LazyCells(blocks)
    held = vars(state)["cells"]
    assert cell_blocks(state) is blocks
    assert state.cells.tobytes() == people.tobytes()
    assert state.cells is state.cells  # made dense once
    assert vars(state)["cells"] is held
    state.cells = people
    assert cell_blocks(state) is None and state.cells is people


def test_the_logit_in_one_pass_is_nested_logits_to_rounding():
    """`migsim.kernels.logit`'s P(move) and destination CDFs (worlds of many regions) against
    `nested_logit` and the cumulative sum the migration step takes of its shares."""
    from migsim.kernels import logit
    from migsim.model.choice import nested_logit

    rng = np.random.default_rng(8)
    R, B, rho = 70, 9, 0.6
    V = rng.normal(0.0, 3.0, size=(R, 2, 2, B, R))
    V[5, :, :, :, 9] = -800.0  # a destination far out of reach: its share underflows
    p_move, dest = nested_logit(V, rho)
    cdf = np.cumsum(dest.reshape(-1, R), axis=1)
    cdf[:, -1] = 1.0
    got_p, got_cdf = logit.move_and_destinations(V.reshape(-1, R).copy(), rho)
    np.testing.assert_allclose(got_p, p_move.reshape(-1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got_cdf, cdf, rtol=1e-12, atol=1e-15)
    assert (np.diff(got_cdf[:, :-1], axis=1) >= 0).all()  # the last entry is set to 1.0
    o = np.arange(R).repeat(2 * 2 * B)
    # staying is not a destination: its step of the CDF is 0 (the first column is the step)
    first = got_cdf[:, 0]
    assert (first[o == 0] == 0.0).all()


def _homes_only(sim) -> np.ndarray:
    """Every region's own pair (origin = location) and no other."""
    return np.arange(sim.world.n_regions) * (sim.world.n_regions + 1)


def test_a_count_that_misses_a_peopled_pair_falls_back_to_counting_every_cell(monkeypatch):
    """The income pass counts the pairs `Simulation.pairs_to_count` gives; anyone living in
    another pair (a move not recorded) makes the record count every cell in a pass of its
    own: the same record."""
    import migsim
    from migsim.runtime.simulation import Simulation

    def records(pairs_to_count=None):
        if pairs_to_count is not None:
            monkeypatch.setattr(Simulation, "pairs_to_count", pairs_to_count)
        sim = migsim.build_simulation(["population.size=20000", "progress=false", "seed=4"])
        sim.step()
        sim.step()
        return {name: frames[-1] for name, frames in sim.records.items() if frames}, sim

    whole, sim = records()
    assert sim.cell_pairs.size > sim.world.n_regions  # people abroad: more than the homes
    homes_only, _ = records(_homes_only)
    for name, frame in whole.items():
        assert frame.equals(homes_only[name]), name
