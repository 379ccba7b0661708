"""Secondary schooling by region from Barro-Lee (migsim.core.world_education)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from migsim.core.resources import data_dir
from migsim.core.world import load_world
from migsim.core.world_education import (
    MIGRANT_SELECTION,
    migrant_secondary_share,
    secondary_shares,
)


def _by_hand(codes: list[str], mapping: str, year: int) -> dict[str, float]:
    """Barro-Lee's secondary share among non-tertiary adults per area, summed by hand."""
    bl = pl.read_csv(data_dir() / "inputs" / "barro_lee" / "barro_lee.csv")
    areas = dict(
        pl.read_csv(data_dir() / "mappings" / f"{mapping}.csv").select("iso3", "area").iter_rows()
    )
    sec, non = {}, {}
    for row in bl.filter(pl.col("year") == year).iter_rows(named=True):
        if (
            row["share_secondary"] is None
            or row["share_tertiary"] is None
            or row["pop_25plus"] is None
        ):
            continue
        a = areas.get(row["iso3"])
        if a in codes:
            sec[a] = sec.get(a, 0.0) + row["pop_25plus"] * row["share_secondary"]
            non[a] = non.get(a, 0.0) + row["pop_25plus"] * (1 - row["share_tertiary"])
    return {a: sec[a] / non[a] for a in sec}


@pytest.mark.parametrize(
    ("world", "mapping", "year"),
    [("default", "regions12", 2010), ("regions12_1990", "regions12", 1990)],
)
def test_region_shares_are_barro_lee_through_the_mapping(world, mapping, year):
    w = load_world(world)
    share, assumed = secondary_shares(w.name, w.codes, w.base_year)
    expected = _by_hand(w.codes, mapping, year)
    assert not assumed.any()
    for r, code in enumerate(w.codes):
        assert share[r] == pytest.approx(expected[code], rel=1e-12)
    np.testing.assert_array_equal(w.secondary_share, share)
    # rich regions have more secondary schooling among non-graduates than poor ones
    assert share[w.index("NAM")] > share[w.index("SSA")]


def test_a_world_without_a_mapping_takes_the_world_aggregate_as_assumed():
    toy = load_world("toy")
    share, assumed = secondary_shares(toy.name, toy.codes, toy.base_year)
    assert assumed.all()
    assert np.all(share == share[0]) and 0.3 < share[0] < 0.8
    countries = load_world("countries")
    share, assumed = secondary_shares(countries.name, countries.codes, countries.base_year)
    # the countries Barro-Lee lacks are assumed, the others are their own figures
    assert 0 < assumed.sum() < len(countries.codes)
    assert len(set(np.round(share[~assumed], 6))) > 50


def test_migrants_are_positively_selected_by_the_assumed_odds_factor():
    for p in (0.1, 0.5, 0.9):
        m = migrant_secondary_share(p)
        assert p < m < 1
        assert (m / (1 - m)) / (p / (1 - p)) == pytest.approx(MIGRANT_SELECTION)
    assert migrant_secondary_share(1.0) == 1.0


# ------------------------------------------------------------------ degrees by age
def test_age_profile_is_barro_lee_by_age_group_relative_to_adults():
    """regions12's East Asia: the tertiary share of each age group (Barro-Lee 2010, summed
    by hand over the mapping's countries) over the mean across the world's adults aged 25+;
    ages 22-29 take the group 25-29, 75 and over the open group; the mean over adults is 1."""
    world = load_world("regions12")
    r = world.index("EAS")
    bl = pl.read_csv(data_dir() / "inputs" / "barro_lee_ages" / "barro_lee_ages.csv")
    areas = dict(
        pl.read_csv(data_dir() / "mappings" / "regions12.csv").select("iso3", "area").iter_rows()
    )
    graduates, people = {}, {}
    for row in bl.filter(pl.col("year") == 2010).iter_rows(named=True):
        if areas.get(row["iso3"]) == "EAS":
            g = row["age_from"]
            graduates[g] = graduates.get(g, 0.0) + row["share_tertiary"] * row["population"]
            people[g] = people.get(g, 0.0) + row["population"]
    share = {g: graduates[g] / people[g] for g in graduates}
    profile = world.tertiary_age_profile[r]
    adults = world.resident_pyramid[r].sum(axis=0) * (np.arange(profile.size) >= 25)
    assert (profile * adults).sum() / adults.sum() == pytest.approx(1.0, rel=1e-12)
    assert profile[22] == profile[25] == profile[29]
    assert profile[40] / profile[25] == pytest.approx(share[40] / share[25], rel=1e-12)
    assert profile[90] / profile[25] == pytest.approx(share[75] / share[25], rel=1e-12)
    assert profile[25] > 1.5 and profile[70] < 0.5  # East Asia's degrees are recent
    assert world.cohort_tertiary_share[r] == pytest.approx(
        world.tertiary_share[r] * profile[25], rel=1e-12
    )


def test_worlds_without_a_mapping_have_flat_profiles():
    world = load_world("toy")
    assert (world.tertiary_age_profile == 1.0).all()
    np.testing.assert_array_equal(world.cohort_tertiary_share, world.tertiary_share)


def test_synthesised_natives_hold_degrees_by_age_and_keep_the_adults_share():
    """A synthesised regions12 population: East Asia's natives aged 25-29 hold degrees about
    twice as often as its adults, those aged 65+ far less often, and the natives aged 25+
    hold them at the world's tertiary share (sampling error aside); migrants keep their
    corridor's share at every age."""
    import migsim

    sim = migsim.build_simulation(["world=regions12", "population.size=400000", "seed=3"])
    world = sim.world
    r = world.index("EAS")
    cells = sim.cell_people()  # (o, loc, skill, sex, band, status), real people
    home = cells[r, r, :, :, :, 0].sum(axis=1)  # (skill, band)
    adult = home[:, 3:].sum(axis=1)
    assert adult[1] / adult.sum() == pytest.approx(world.tertiary_share[r], rel=0.05)
    young, old = home[:, 3], home[:, 8]  # bands 25-29 and 65+
    assert young[1] / young.sum() > 1.6 * world.tertiary_share[r]
    assert old[1] / old.sum() < 0.6 * world.tertiary_share[r]


@pytest.mark.parametrize("name", ["barro_lee", "barro_lee_ages"])
def test_a_damaged_schooling_input_is_one_line_naming_the_file(tmp_path, monkeypatch, name):
    """A Barro-Lee file the world loader reads without a column it needs: one InputError
    naming the file and the columns it must have (exit code 2), not a traceback."""
    import shutil

    from migsim.core import world_education
    from migsim.core.errors import InputError

    root = tmp_path / "data"
    shutil.copytree(data_dir() / "mappings", root / "mappings")
    for each in ("barro_lee", "barro_lee_ages"):
        (root / "inputs" / each).mkdir(parents=True)
        shutil.copy(data_dir() / "inputs" / each / f"{each}.csv", root / "inputs" / each)
    broken = root / "inputs" / name / f"{name}.csv"
    frame = pl.read_csv(broken)
    frame.drop("share_tertiary").write_csv(broken)
    monkeypatch.setattr(world_education, "data_dir", lambda: root)
    with pytest.raises(InputError, match=f"{name}.csv: cannot be read.*share_tertiary") as err:
        load_world("regions12")  # the loader derives both from the inputs
    assert err.value.exit_code == 2 and "\n" not in str(err.value)
