"""The schooling of migrants without a degree: each built corridor's secondary share, from the
IAB rates by education into the 20 destinations (migsim.worldbuild.skills), else the assumed
selection on the origin's residents (migsim.core.world_education); the world's loader and
the synthetic population read it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from test_worldbuild_skills import _iab, _odds
from worldbuild_fixture import COUNTRIES, write_inputs, write_mapping

from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.core.world_education import migrant_secondary_share
from migsim.worldbuild.build import build_world
from migsim.worldbuild.inputs import Inputs
from migsim.worldbuild.skills import emigrant_secondary_shares, resident_secondary_shares

DATA = Path(__file__).resolve().parent.parent / "engine" / "data"
INPUTS = DATA / "inputs"


def _table(path: Path, column: str) -> dict[tuple[str, str], float]:
    frame = pl.read_csv(path / "migrant_stock_2013.csv")
    return {(o, d): v for o, d, v in frame.select("origin", "destination", column).rows()}


def test_secondary_share_of_emigrants_without_a_degree_follows_their_rates(tmp_path):
    root = write_inputs(tmp_path / "inputs")  # residents: 40% low, 40% secondary, 20% tertiary
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2), "IND": (0.01, 0.002, 0.01, 0.05)})
    shares = emigrant_secondary_shares(Inputs(root), 2010)
    assert shares["MEX"] == pytest.approx(_odds(0.05) / (_odds(0.1) + _odds(0.05)))
    assert shares["IND"] == pytest.approx(_odds(0.01) / (_odds(0.002) + _odds(0.01)))
    residents, world = resident_secondary_shares(Inputs(root), 2010)
    assert residents["MEX"] == pytest.approx(0.4 / 0.8) and world == pytest.approx(0.5)


def test_corridors_take_the_measured_secondary_share_else_the_assumed_selection(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2)})
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    share = _table(tmp_path / "w", "secondary_share")
    mex = emigrant_secondary_shares(Inputs(root), 2010)["MEX"]
    assumed = migrant_secondary_share(resident_secondary_shares(Inputs(root), 2010)[0]["MEX"])
    assert mex < 0.5 < assumed  # the invented Mexicans' odds of secondary schooling fall abroad
    assert share[("MEX", "USA")] == pytest.approx(mex, abs=5e-5)
    assert share[("MEX", "POL")] == pytest.approx(assumed, abs=5e-5)  # not an IAB destination
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv").filter(
        pl.col("column") == "secondary_share"
    )
    method = {r: (m, s) for r, m, s in prov.select("row", "method", "sources").rows()}
    assert method["MEX>USA"] == ("data", "iab_emigration+barro_lee")
    assert method["MEX>POL"][0] == "assumed:selection"
    assert method["IND>USA"][0] == "assumed:selection"  # no IAB rates for India
    # the loaded world carries the column's values, and the population draws them
    world = load_world(path=tmp_path / "w")
    i, j = world.index("MEX"), world.index("USA")
    assert world.migrant_secondary_share[i, j] == pytest.approx(share[("MEX", "USA")])


def test_a_world_without_the_column_takes_the_assumed_selection():
    world = load_world("default")
    expected = [migrant_secondary_share(s) for s in world.secondary_share]
    assert np.allclose(world.migrant_secondary_share, np.array(expected)[:, None])


@pytest.mark.parametrize("value", ["1.5", "-0.1", "many"])
def test_the_loader_refuses_a_secondary_share_outside_zero_to_one(tmp_path, value):
    world = tmp_path / "w"
    shutil.copytree(DATA / "regions12", world)
    path = world / "migrant_stock_2013.csv"
    lines = path.read_text().splitlines()
    cells = lines[1].split(",")
    cells[-1] = value
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="secondary_share") as err:
        load_world(path=world)
    assert "\n" not in str(err.value)


def test_the_population_abroad_has_its_corridors_secondary_share():
    from migsim.kernels.rng import run_key
    from migsim.people.population import synthesise_population

    world = load_world("regions12")
    pop = synthesise_population(world, 1_000_000, run_key(1))
    n = pop.n
    i, j = world.index("LAC"), world.index("NAM")
    keep = (pop.origin[:n] == i) & (pop.location[:n] == j) & (pop.skill[:n] < 2)
    keep &= pop.age[:n] >= 25
    secondary = (pop.skill[:n][keep] == 1).mean()
    expected = world.migrant_secondary_share[i, j]
    assert keep.sum() > 1_500
    assert secondary == pytest.approx(
        expected, abs=4 * np.sqrt(expected * (1 - expected) / keep.sum())
    )


@pytest.mark.skipif(not (INPUTS / "iab_emigration").is_dir(), reason="IAB input not committed")
def test_shipped_countries_world_takes_mexicans_schooling_from_iab():
    share = _table(DATA / "countries", "secondary_share")
    shares = emigrant_secondary_shares(Inputs(INPUTS), 2010)
    residents, _ = resident_secondary_shares(Inputs(INPUTS), 2010)
    assert share[("MEX", "USA")] == pytest.approx(shares["MEX"], abs=5e-5)
    # Mexican emigrants without a degree are less often secondary-educated than the assumed
    # selection on Mexico's residents would make them (IAB 2010 with Barro-Lee)
    assert shares["MEX"] < residents["MEX"] < migrant_secondary_share(residents["MEX"])


def test_an_area_pair_weights_its_countries_by_their_migrants_without_a_degree(tmp_path):
    """Mexico (measured) and India (assumed) in one area: the pair's secondary share is
    their shares weighted by stock x (1 - tertiary share), and its provenance says which
    part of that stock was assumed."""
    root = write_inputs(tmp_path / "inputs")
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2)})
    own = [(c[0], c[0], c[0].title()) for c in COUNTRIES]
    build_world(write_mapping(tmp_path / "own.csv", own), tmp_path / "own", root)
    joined = [(c, "SOU", "South") if c in ("MEX", "IND") else (c, c, n) for c, _, n in own]
    build_world(write_mapping(tmp_path / "joined.csv", joined), tmp_path / "joined", root)
    stock = _table(tmp_path / "own", "migrants")
    tertiary = _table(tmp_path / "own", "tertiary_share")
    secondary = _table(tmp_path / "own", "secondary_share")
    w = {o: stock[(o, "USA")] * (1 - tertiary[(o, "USA")]) for o in ("MEX", "IND")}
    expected = sum(w[o] * secondary[(o, "USA")] for o in w) / sum(w.values())
    assert _table(tmp_path / "joined", "secondary_share")[("SOU", "USA")] == pytest.approx(
        expected, abs=2e-4
    )
    prov = pl.read_csv(tmp_path / "joined" / "provenance.csv").filter(
        (pl.col("column") == "secondary_share") & (pl.col("row") == "SOU>USA")
    )
    assert prov["method"][0] == "imputed:selection"
    assert prov["note"][0].startswith(f"{w['IND'] / sum(w.values()):.1%}")


def test_a_barro_lee_input_without_the_attainment_levels_leaves_the_shares_assumed(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2)})
    path = root / "barro_lee" / "barro_lee.csv"
    pl.read_csv(path).drop("share_secondary", "share_no_school", "share_primary").write_csv(path)
    assert resident_secondary_shares(Inputs(root), 2010)[0] == {}
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    frame = pl.read_csv(tmp_path / "w" / "migrant_stock_2013.csv")
    assert "secondary_share" not in frame.columns
    assert load_world(path=tmp_path / "w").migrant_secondary_share.shape == (8, 8)
