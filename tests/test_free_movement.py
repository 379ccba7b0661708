"""Free movement by country pair since 1990 (engine/data/free_movement): the table's shape,
flags and counts; its aggregation to a world's region pairs; the history_by_country regime
on the data-built worlds, and its refusal on a world without countries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from omegaconf import OmegaConf

from migsim.core.resources import data_dir
from migsim.core.world import load_world
from migsim.regimes import free_movement as F
from migsim.regimes.policy import status_quo
from migsim.regimes.timeline import PolicyTimeline

REPO_ROOT = Path(__file__).resolve().parent.parent
REGIME = REPO_ROOT / "configs" / "regime" / "history_by_country.yaml"


def test_events_are_sourced_flagged_and_counted_in_the_readme():
    events = F.events()
    assert events.columns[: len(F.EVENT_COLUMNS)] == list(F.EVENT_COLUMNS)
    assert set(events["status"]) == {"typed", "assumed"}
    assert (events["source"].str.len_chars() > 20).all()
    # a quota regime (openness strictly between 0 and 1) is always a judgement
    partial = events.filter((pl.col("openness") > 0) & (pl.col("openness") < 1))
    assert partial.height > 0 and (partial["status"] == "assumed").all()
    n = F.counts()
    assert n == {"typed": 23, "assumed": 10}
    readme = (F.table_dir() / "README.md").read_text()
    line = f"{events.height} values (one per row of events.csv: its year and openness): "
    assert f"{line}{n['typed']} typed, {n['assumed']} assumed." in readme


def test_pair_table_is_current_and_keyed_by_known_countries(tmp_path):
    shipped = (F.table_dir() / "free_movement.csv").read_text()
    for name in ("events.csv", "groups.csv"):
        (tmp_path / name).write_text((F.table_dir() / name).read_text())
    assert F.write_pairs(tmp_path).read_text() == shipped
    pairs = pl.read_csv(F.table_dir() / "free_movement.csv")
    assert pairs.columns == list(F.PAIR_COLUMNS)
    assert (pairs["origin"] != pairs["destination"]).all()
    countries = set(pl.read_csv(data_dir() / "inputs" / "countries" / "countries.csv")["iso3"])
    assert set(pairs["origin"]) | set(pairs["destination"]) <= countries
    assert pairs["year"].min() == 1990 and pairs["openness"].is_between(0, 1).all()


@pytest.mark.parametrize(
    "origin, destination, closed, opened",
    [
        ("POL", "GBR", 2003, 2004),  # UK, Ireland, Sweden at accession
        ("POL", "FRA", 2007, 2008),
        ("POL", "DEU", 2010, 2011),  # Germany and Austria after seven years
        ("ROU", "ESP", 2008, 2009),
        ("ROU", "SWE", 2006, 2007),
        ("BGR", "GBR", 2013, 2014),  # as legislated by 2010
        ("ESP", "FRA", 1991, 1992),  # the end of the Iberian transition
        ("NOR", "DEU", 1993, 1994),  # the EEA
        ("CYP", "DEU", 2003, 2004),  # no transitional arrangements for Cyprus and Malta
    ],
)
def test_a_country_pair_opens_in_its_year(origin, destination, closed, opened):
    table = F.pairs()
    assert F.state(closed, table).get((origin, destination), 0.0) == 0.0
    assert F.state(opened, table)[(origin, destination)] == 1.0


def test_switzerland_phases_in_and_the_gulf_is_open_throughout():
    table = F.pairs()
    assert F.state(2001, table).get(("DEU", "CHE"), 0.0) == 0.0
    assert F.state(2002, table)[("DEU", "CHE")] == 0.5
    assert F.state(2007, table)[("DEU", "CHE")] == 1.0
    assert F.state(1990, table)[("OMN", "ARE")] == 1.0


def test_the_regime_has_one_component_per_change_year():
    components = OmegaConf.load(REGIME).components
    assert [c.year for c in components] == F.change_years()
    assert all(c.from_year == c.year for c in components)
    for c, nxt in zip(components, components[1:]):
        assert c.to_year == nxt.year - 1


def test_eastern_to_western_europe_opens_from_2004_to_2011_on_regions12():
    world = load_world("regions12")
    e, w = world.codes.index("EEU"), world.codes.index("WEU")
    share = {y: F.region_openness(world, y)[e, w] for y in range(2002, 2015)}
    assert share[2003] == 0.0 < share[2004]
    steps = [share[y + 1] - share[y] for y in range(2002, 2014)]
    assert min(steps) >= 0.0
    # each step is a group of members opening: 2004 (UK, IE, SE), 2006, 2007, 2008, 2009,
    # 2011 (Germany, Austria), 2014 (the A2 everywhere)
    assert share[2006] > share[2004] and share[2009] > share[2008] and share[2011] > share[2010]
    assert round(share[2004], 3) == 0.092 and round(share[2011], 3) == 0.442
    by_population = F.region_openness(world, 2011, "population")[e, w]
    assert 0.0 < by_population < share[2011]  # EEU's many people outside the EU weigh more


def _timeline(world):
    R = world.n_regions
    base = status_quo(world, np.ones((R, R, 2)))
    return PolicyTimeline(OmegaConf.load(REGIME), world, base, world.base_year)


def test_a_corridor_of_the_corridors_world_opens_in_its_year():
    world = load_world("corridors")
    timeline = _timeline(world)
    pol, deu, gbr = (world.codes.index(c) for c in ("POL", "DEU", "GBR"))
    # the 2010 world holds the state of 2010 (POL -> GBR open): only later years act
    assert timeline.at(2011).policy_cost[pol, gbr, 0] == 1.0
    assert timeline.at(2011).policy_cost[pol, deu, 0] == 0.0
    assert timeline.at(2011).irregular_share[pol, deu, 0] == 0.0
    rou, ita = world.codes.index("ROU"), world.codes.index("ITA")
    assert timeline.at(2013).policy_cost[rou, ita, 1] == 1.0
    assert timeline.at(2014).policy_cost[rou, ita, 1] == 0.0
    assert timeline.changes(2010, 2020) == [2011, 2014, 2016]


def test_the_1990_world_scales_eastern_to_western_costs_by_the_closed_share():
    world = load_world("regions12_1990")
    timeline = _timeline(world)
    e, w = world.codes.index("EEU"), world.codes.index("WEU")
    for year in (2003, 2004, 2011):
        open_now = F.region_openness(world, year)[e, w]
        assert timeline.at(year).policy_cost[e, w, 0] == pytest.approx(1.0 - open_now)
    assert timeline.at(2011).policy_cost[e, w, 0] < timeline.at(2004).policy_cost[e, w, 0] < 1.0


def test_a_world_without_countries_is_refused_in_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "migsim", "run", "world=toy", "regime=history_by_country"]
        + ["population.size=10000", "years=1", f"hydra.run.dir={tmp_path}"],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "no country mapping" in proc.stderr
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.skipif(
    not (data_dir() / "inputs" / "un_stock").is_dir(), reason="the inputs are not committed"
)
def test_the_1990_corridors_world_rebuilds_byte_for_byte(tmp_path):
    from migsim.worldbuild.build import WORLD_FILES, build_world, provenance_file

    shipped = data_dir() / "corridors_1990"
    build_world(
        "corridors", tmp_path, base_year=1990, growth_years=(1990, 2005), unknown_origin="spread"
    )
    for file in (*WORLD_FILES, "stock_growth.csv", provenance_file(shipped).name):
        assert (tmp_path / file).read_bytes() == (shipped / file).read_bytes(), file
    assert pl.read_csv(shipped / "stock_history.csv")["year"].max() == 2005
    assert (shipped / "calibration.json").is_file()


def test_history_runs_on_the_1990_corridors_world_with_the_regime_by_country():
    import migsim
    from migsim.core.resources import config_dir
    from migsim.validation.experiments.history import OTHER_WORLDS
    from migsim.validation.registry import registered

    assert registered()["HISTORY"].runs_on == ("corridors_1990",)
    assert OTHER_WORLDS["corridors_1990"] == "history_by_country"
    cfg = migsim.compose(
        ["+experiment=history_1990", "world=corridors_1990", "regime=history_by_country"]
    )
    assert (cfg.world.name, cfg.base_year, cfg.regime.name) == (
        "corridors_1990",
        1990,
        "history_by_country",
    )
    assert (config_dir() / "scenario" / "history_corridors_1990.csv").is_file()
