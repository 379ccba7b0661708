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
