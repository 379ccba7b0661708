"""Scenarios over time: exogenous paths as data, and regime components with timing keys.

Runs keep the stored base-year calibration (no recalibration), and a path acts through the
model: incomes through the economy's TFP, fertility and mortality through the demography, a
component's `from_year` / `to_year` through the policy of each year's decisions."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.scenarios.paths import load_scenario

BASE = ["population.size=60000", "years=6", "progress=false", "seed=5"]


def _regions(result) -> pl.DataFrame:
    return result.tables["regions"]


def _write(tmp_path, text: str, name: str = "scenario.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_paths_interpolate_hold_and_anchor_at_the_world():
    """Incomes interpolate log-linearly from the world's base-year value, rates linearly;
    after the last given year the value holds; regions without rows keep theirs."""
    world = load_world("default")
    ssa = world.index("SSA")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "s.csv"
        path.write_text(
            "year,region,variable,value\n"
            "2023,SSA,gdp_per_capita,6600\n"
            "2023,developing,total_fertility,2.0\n"
            "2013,SSA,gdp_per_capita,99999\n"  # at the base year: the world's value is used
        )
        s = load_scenario(path, world, 2013)
    base = world.gdp_per_capita[ssa]
    assert s.value("gdp_per_capita", 2013)[ssa] == pytest.approx(base)
    # log-linear: half way in time is the geometric mean
    assert s.value("gdp_per_capita", 2018)[ssa] == pytest.approx(np.sqrt(base * 6600))
    assert s.value("gdp_per_capita", 2040)[ssa] == pytest.approx(6600)
    other = world.index("NAM")
    assert s.value("gdp_per_capita", 2030)[other] == pytest.approx(world.gdp_per_capita[other])
    tfr0 = world.total_fertility[ssa]
    assert s.value("total_fertility", 2018)[ssa] == pytest.approx((tfr0 + 2.0) / 2)
    assert s.value("total_fertility", 2030)[other] == pytest.approx(world.total_fertility[other])


@pytest.mark.parametrize(
    "text, match",
    [
        ("year,region,variable,value\n2020,XXX,gdp_per_capita,5\n", "not a region"),
        ("year,region,variable,value\n2020,SSA,gdp,5\n", "variable"),
        ("year,region,variable,value\n2020,SSA,gdp_per_capita,-5\n", "out of range"),
        ("year,region,variable,value\n2020,SSA,cohort_tertiary_share,1.5\n", "0 to 1"),
        ("year,region,variable,value\n2020,SSA,gdp_per_capita,abc\n", "not a number"),
        ("year,region,value\n2020,SSA,5\n", "no column variable"),
        (
            "year,region,variable,value\n2020,SSA,total_fertility,2\n2020,SSA,total_fertility,3\n",
            "twice",
        ),
    ],
)
def test_bad_scenario_tables_are_one_line(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=match):
        load_scenario(path, load_world("default"), 2013)


def test_bad_scenario_exits_2_naming_the_file(tmp_path):
    import subprocess
    import sys

    path = _write(tmp_path, "year,region,variable,value\n2020,ATL,gdp_per_capita,5\n")
    out = subprocess.run(
        [sys.executable, "-m", "migsim", "run", *BASE, f"scenario.path={path}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 2
    lines = [x for x in out.stderr.splitlines() if x.startswith("migsim: error")]
    assert len(lines) == 1 and "ATL" in lines[0] and "scenario.path" in lines[0]


def test_richer_origin_changes_its_emigration_without_recalibration(tmp_path):
    """An origin's GDP per capita path raised fourfold by 2016: the run uses the stored
    calibration (the manifest says so), the origin's output and wages rise through TFP, and
    its emigration responds: fewer would-be movers are held back by the liquidity check and
    more leave (the rising arm of the emigration hump)."""
    path = _write(tmp_path, "year,region,variable,value\n2016,SSA,gdp_per_capita,13200\n")
    base = migsim.run(BASE)
    rich = migsim.run([*BASE, f"scenario.path={path}"])
    assert rich.manifest["calibration"]["source"] == base.manifest["calibration"]["source"]
    assert "stored" in str(rich.manifest["calibration"]["source"])
    b = _regions(base).filter(pl.col("region") == "SSA").sort("year")
    r = _regions(rich).filter(pl.col("region") == "SSA").sort("year")
    # the base year is the same world
    assert b["gdp"][0] == r["gdp"][0]
    last = -1
    assert r["gdp"][last] > 3.0 * b["gdp"][last]
    assert r["wage_low_native"][last] > 2.5 * b["wage_low_native"][last]
    assert r["blocked_by_liquidity"][last] < 0.8 * b["blocked_by_liquidity"][last]
    gone_b = b["departures"][1:].sum()
    gone_r = r["departures"][1:].sum()
    assert gone_r > 1.2 * gone_b
    # other origins move much less than SSA does
    other_b = _regions(base).filter(pl.col("region") == "SAS")["gdp"][-1]
    other_r = _regions(rich).filter(pl.col("region") == "SAS")["gdp"][-1]
    assert abs(other_r / other_b - 1) < 0.05


def test_fertility_and_mortality_paths_drive_the_demography(tmp_path):
    path = _write(
        tmp_path,
        "year,region,variable,value\n2014,all,total_fertility,0.5\n2014,all,life_expectancy,40\n",
    )
    base = _regions(migsim.run(BASE))
    low = _regions(migsim.run([*BASE, f"scenario.path={path}"]))
    year = pl.col("year") > 2013
    assert low.filter(year)["births"].sum() < 0.4 * base.filter(year)["births"].sum()
    assert low.filter(year)["deaths"].sum() > 1.5 * base.filter(year)["deaths"].sum()


def test_a_cohort_education_path_moves_who_graduates(tmp_path):
    """`cohort_tertiary_share` raised for SSA from 2014: the education step's ex-ante share
    H_ex follows the path (the emigration prospects act on top, a small term over a few
    years), SSA's graduates rise in proportion, and other origins keep theirs; the base year
    is the same world."""
    world = load_world("default")
    ssa, nam = world.index("SSA"), world.index("NAM")
    target = 4 * float(world.cohort_tertiary_share[ssa])
    path = _write(
        tmp_path, f"year,region,variable,value\n2014,SSA,cohort_tertiary_share,{target}\n"
    )
    base = _regions(migsim.run(BASE))
    moved = _regions(migsim.run([*BASE, f"scenario.path={path}"]))

    def at(frame, region, year, column):
        row = frame.filter((pl.col("region") == region) & (pl.col("year") == year))
        return float(row[column][0])

    h0 = at(base, "SSA", 2013, "ex_ante_tertiary_share")
    assert at(moved, "SSA", 2013, "ex_ante_tertiary_share") == h0
    for year in (2015, 2019):
        h = at(moved, "SSA", year, "ex_ante_tertiary_share")
        assert h == pytest.approx(target, rel=0.05)
        assert at(base, "SSA", year, "ex_ante_tertiary_share") == pytest.approx(h0, rel=0.05)
        assert at(moved, "NAM", year, "ex_ante_tertiary_share") == pytest.approx(
            at(base, "NAM", year, "ex_ante_tertiary_share"), rel=0.01
        )
    later = (pl.col("region") == "SSA") & (pl.col("year") > 2013)
    ratio = moved.filter(later)["graduates"].sum() / base.filter(later)["graduates"].sum()
    assert 2.5 < ratio < 6.0  # about fourfold, few agents turn 22 in SSA at this size
    assert nam != ssa


def test_a_price_level_path_converts_the_years_remittances(tmp_path):
    """`price_level` doubled for WEU from 2014: the dollars sent from WEU double from 2014
    on (the same people send the same PPP amounts: prices enter no decision), the other
    senders' and the base year's are unchanged, and WEU's natives value what they receive at
    the new level."""
    world = load_world("default")
    weu = world.index("WEU")
    level = 2 * float(world.price_level[weu])
    path = _write(tmp_path, f"year,region,variable,value\n2014,WEU,price_level,{level}\n")
    base = migsim.run(BASE).tables["remittances"]
    moved = migsim.run([*BASE, f"scenario.path={path}"]).tables["remittances"]

    def sent(frame, source, year):
        rows = frame.filter((pl.col("source") == source) & (pl.col("year") == year))
        return float(rows["sent"].sum())

    assert sent(moved, "WEU", 2013) == sent(base, "WEU", 2013)
    for year in (2014, 2016, 2019):
        assert sent(moved, "WEU", year) == pytest.approx(2 * sent(base, "WEU", year), rel=1e-12)
        assert sent(moved, "NAM", year) == sent(base, "NAM", year)


def _flow(result, origin: str, destination: str) -> pl.DataFrame:
    flows = result.tables["flows"]
    return (
        flows.filter((pl.col("source") == origin) & (pl.col("destination") == destination))
        .group_by("year")
        .agg(pl.col("people").sum())
        .sort("year")
    )


def test_a_corridor_closed_in_the_base_year_opens_from_a_given_year():
    """`close` with `to_year` shuts South Asia -> Gulf until 2015; from 2016 the corridor is
    open again at its calibrated cost and its flows respond in that year, not before; a
    third component with `from_year` opens it wider from 2017 (policy cost removed)."""
    close = (
        "+regime.components=[{kind: close, origins: [SAS], destinations: [GCC], to_year: 2015},"
        "{kind: scale_policy_cost, origins: [SAS], destinations: [GCC], factor: 0,"
        " from_year: 2017}]"
    )
    # 300,000 agents: at BASE's 60,000 a year's flow in this corridor is two or three agents
    base = ["population.size=300000", "years=5", "progress=false", "seed=5"]
    timed = migsim.run([*base, "regime.name=timed", close])
    sq = migsim.run(base)
    f = dict(_flow(timed, "SAS", "GCC").iter_rows())
    f0 = dict(_flow(sq, "SAS", "GCC").iter_rows())
    assert f.get(2014, 0) == 0 and f.get(2015, 0) == 0
    assert f0[2014] > 0 and f0[2015] > 0
    assert f[2016] > 0.5 * f0[2016]
    assert f[2017] > 1.2 * f0[2017]
    # other corridors are untouched in 2014 (the same draws: common random numbers)
    assert dict(_flow(timed, "SAS", "NAM").iter_rows())[2014] > 0


def test_timing_keys_are_checked():
    with pytest.raises(InputError, match="to_year"):
        migsim.run(
            [
                *BASE,
                "regime.name=bad",
                "+regime.components=[{kind: close, from_year: 2020, to_year: 2015}]",
            ]
        )
    with pytest.raises(InputError, match="ramp_years: needs from_year"):
        migsim.run([*BASE, "regime.name=bad", "+regime.components=[{kind: close, ramp_years: 3}]"])
    # a year with a fraction is refused, not truncated (2015.5 acted from 2015)
    with pytest.raises(InputError, match=r"from_year: 2015.5 is not a whole number"):
        migsim.run(
            [*BASE, "regime.name=bad", "+regime.components=[{kind: close, from_year: 2015.5}]"]
        )


@pytest.mark.parametrize(
    "component",
    [
        {"kind": "close", "from_year": 2015.5},
        {"kind": "close", "to_year": 2020.25},
        {"kind": "close", "from_year": 2015, "ramp_years": 2.5},
        {"kind": "free_movement", "year": 2004.5},
        {"kind": "circular_migration", "visa_years": 1.5},
    ],
)
def test_years_must_be_whole(component):
    """A year or a count of years with a fraction stops the run with one line naming the key;
    the same value written whole (2015.0) is accepted."""
    from omegaconf import OmegaConf

    from migsim.regimes.policy import status_quo
    from migsim.regimes.timeline import PolicyTimeline

    world = load_world("default")
    base = status_quo(world, np.zeros((world.n_regions, world.n_regions, 2)))
    key = next(k for k, v in component.items() if isinstance(v, float))
    conf = OmegaConf.create({"name": "bad", "components": [component]})
    with pytest.raises(InputError, match=rf"\.{key}: .* is not a whole number") as err:
        PolicyTimeline(conf, world, base, 2013).at(2021)
    assert "\n" not in str(err.value)
    conf.components[0][key] = float(int(component[key]))
    PolicyTimeline(conf, world, base, 2013).at(2021)


def test_a_ramp_phases_a_component_in():
    from migsim.regimes.timeline import PolicyTimeline
    from migsim.runtime.assemble import regime_timeline

    cfg = migsim.compose(
        [
            *BASE,
            "regime.name=ramp",
            "+regime.components=[{kind: scale_policy_cost, factor: 0, from_year: 2016,"
            " ramp_years: 3}]",
        ]
    )
    world = load_world("default")
    from migsim.model.calibration import load_calibration

    cal = load_calibration(world, cfg.behaviour, cfg.population)
    _, timeline = regime_timeline(cfg, world, cal)
    assert isinstance(timeline, PolicyTimeline) and not timeline.static
    costs = [
        timeline.at(y).policy_cost[world.index("SSA"), world.index("WEU"), 0]
        for y in range(2014, 2021)
    ]
    full = cal.policy_cost[world.index("SSA"), world.index("WEU"), 0]
    assert costs[0] == costs[1] == full  # 2014, 2015: before from_year
    assert costs[2] == pytest.approx(full * 0.75)  # 2016: a quarter of the way
    assert costs[4] == pytest.approx(full * 0.25)
    assert costs[5] == costs[6] == 0.0  # after the ramp
    assert timeline.changes(2014, 2020) == [2016, 2017, 2018, 2019]


def test_shipped_projections_rebuild_byte_for_byte(tmp_path):
    """`migsim world projection` rebuilds every shipped projection_<world>.csv from the
    committed inputs; the files say which values are assumed."""
    from migsim.core.resources import config_dir
    from migsim.worldbuild.projection import WORLD_MAPPINGS, write_projection

    for name in WORLD_MAPPINGS:
        built = write_projection(name, tmp_path)
        shipped = config_dir() / "scenario" / built.name
        assert built.read_bytes() == shipped.read_bytes(), name
        head = shipped.read_text().splitlines()[:6]
        assert any("ASSUMED" in line for line in head)
        rows = pl.read_csv(shipped, comment_prefix="#")
        assert rows["year"].max() <= 2050 and rows["year"].min() > 2009
        assert set(rows["variable"]) == {
            "gdp_per_capita",
            "population",
            "total_fertility",
            "life_expectancy",
            "price_level",
        }
        prices = rows.filter(pl.col("variable") == "price_level")
        assert prices["year"].max() <= 2019  # observed only (PWT's last year), held after


def test_history_scenario_rebuilds_byte_for_byte_with_observed_years_only(tmp_path):
    """`migsim world projection` also rebuilds history_regions12_1990.csv: 1991-2015 (the
    back-cast runs to 2013, WPP's next estimate is 2015), every value observed (PWT yearly,
    WPP five-yearly), none assumed."""
    from migsim.core.resources import config_dir
    from migsim.worldbuild.projection import HISTORY_WORLDS, write_projection

    for name in HISTORY_WORLDS:
        built = write_projection(name, tmp_path, history=True)
        shipped = config_dir() / "scenario" / built.name
        assert built.read_bytes() == shipped.read_bytes(), name
        assert "none assumed" in shipped.read_text()
        rows = pl.read_csv(shipped, comment_prefix="#")
        assert (rows["year"].min(), rows["year"].max()) == (1991, 2015)
        gdp = rows.filter(pl.col("variable") == "gdp_per_capita")
        assert gdp["year"].n_unique() == 25
        wpp = rows.filter(pl.col("variable") == "population")
        assert sorted(wpp["year"].unique()) == [1995, 2000, 2005, 2010, 2015]
        cohort = rows.filter(pl.col("variable") == "cohort_tertiary_share")
        assert sorted(cohort["year"].unique()) == [1995, 2000, 2005, 2010]
        prices = rows.filter(pl.col("variable") == "price_level")
        assert prices["year"].n_unique() == 25


def test_history_cohort_education_is_the_world_plus_barro_lee_change():
    """The history's cohort_tertiary_share of SSA in 2010 is regions12_1990's base-year
    cohort share plus the change 1990-2010 of Barro-Lee's tertiary share of people aged
    25-29 over the mapping's SSA countries, weighted by their number (recomputed here from
    the input files)."""
    from migsim.core.resources import config_dir
    from migsim.worldbuild.inputs import Inputs
    from migsim.worldbuild.mapping import mapping_path

    world = load_world("regions12_1990")
    mapping = pl.read_csv(mapping_path("regions12")).with_columns(pl.col("iso3").str.to_uppercase())
    ssa = set(mapping.filter(pl.col("area") == "SSA")["iso3"])
    bl = Inputs()["barro_lee_ages"].filter(
        pl.col("iso3").is_in(sorted(ssa)) & (pl.col("age_from") == 25)
    )

    def mean(year):
        part = bl.filter(pl.col("year") == year)
        return float((part["share_tertiary"] * part["population"]).sum() / part["population"].sum())

    expected = float(world.cohort_tertiary_share[world.index("SSA")]) + mean(2010) - mean(1990)
    rows = pl.read_csv(config_dir() / "scenario" / "history_regions12_1990.csv", comment_prefix="#")
    got = rows.filter(
        (pl.col("variable") == "cohort_tertiary_share")
        & (pl.col("region") == "SSA")
        & (pl.col("year") == 2010)
    )["value"][0]
    assert got == pytest.approx(expected, rel=1e-5)
    assert mean(2010) != mean(1990)


def test_projection_run_follows_wpp_without_forcing_it():
    """regions12 with scenario=projection: the simulated population is compared with the
    WPP medium-variant path, never forced to it; by 2030 the world totals agree within 5%
    (migration, the model's age structure and the aggregation of rates make the gap)."""
    res = migsim.run(
        [
            "world=regions12",
            "population.size=60000",
            "years=20",
            "progress=false",
            "scenario=projection",
        ]
    )
    t = _regions(res).filter(pl.col("year") == 2030)
    sim, wpp = t["population"].sum(), t["scenario_population"].sum()
    assert abs(sim / wpp - 1) < 0.05
    assert res.manifest["scenario"]["name"] == "projection"
    assert res.manifest["scenario"]["path"].endswith("projection_regions12.csv")
    assert len(res.manifest["scenario"]["sha256"]) == 64


def test_scenario_doc_tables_read_the_runs():
    """The generated tables of docs/scenarios.md come from the runs' regions tables (a
    synthetic frame here; CI checks the page against real runs)."""
    from migsim.scenarios import report

    def frame(scale):
        rows = []
        for year in report.YEARS + (2014,):
            for region in ("SSA", "NAM"):
                rows.append(
                    {
                        "year": year,
                        "region": region,
                        "population": 1e9,
                        "gdp": 3.3e12 * scale,
                        "wage_low_native": 5000.0 * scale,
                        "emigrants": 2e7,
                        "departures": 1e6,
                        "blocked_by_liquidity": 3e6 if region == "SSA" else 0.0,
                    }
                )
        return pl.DataFrame(rows)

    runs = {"none": frame(1.0), "development": frame(2.0)}
    dev = report.development_table(runs)
    assert "| 2043 | 3,300 / 6,600 | 5,000 / 10,000 |" in dev
    blocked = report.blocked_table(runs["none"])
    assert "| SSA | 1.00 | 3.0 | 3.0 | 0.40 |" in blocked
    assert "| world | 2.00 | 3.0 | 1.5 | 0.25 |" in blocked
    summary = report.summary(runs)
    assert "from 3,300 to 6,600 PPP $ by 2043 (without the scenario: 3,300)" in summary
    assert (
        "in 2014, 3.0M would-be movers worldwide could not pay the move (3.0M of them in SSA)"
        in summary
    )


def test_scenario_blocks_go_where_their_markers_are(tmp_path, monkeypatch):
    """`--write` fills the blocks a file has markers for (the README has only the summary);
    a file with none is refused in one line."""
    from migsim.core.errors import InputError
    from migsim.scenarios import report

    monkeypatch.setattr(
        report, "blocks", lambda: {"development": "D", "blocked": "B", "readme": "R"}
    )
    readme = tmp_path / "README.md"
    readme.write_text("x\n" + "\n".join(report.BLOCKS["readme"]) + "\ny\n")
    assert report.main(["--write", str(readme)]) == 0
    assert (
        readme.read_text()
        == "x\n<!-- scenarios-summary:begin -->\nR\n<!-- scenarios-summary:end -->\ny\n"
    )
    assert report.main(["--check", str(readme)]) == 0
    other = tmp_path / "other.md"
    other.write_text("nothing here\n")
    with pytest.raises(InputError, match="has no generated scenario block"):
        report.sync(other, check=True)


def test_areas_without_pwt_follow_their_fallback_gdp_series_or_the_assumed_rate():
    """The countries world's projection: an area PWT leaves out follows the growth of its
    WDI series (Tonga) or Maddison's (North Korea, to 2018), then the assumed rate; an area
    with no GDP series (Guadeloupe) grows at the assumed rate from the base year. None is
    held at its 2010 value while the others grow."""
    from migsim.core.resources import config_dir
    from migsim.core.world import load_world
    from migsim.worldbuild.projection import GROWTH_AFTER_DATA

    path = config_dir() / "scenario" / "projection_countries.csv"
    rows = pl.read_csv(path, comment_prefix="#").filter(pl.col("variable") == "gdp_per_capita")
    world = load_world("countries")
    base = dict(zip(world.codes, world.gdp_per_capita))
    gdp = {(r, y): v for y, r, _, v in rows.iter_rows()}
    assert gdp[("TON", 2019)] != pytest.approx(base["TON"], rel=1e-3)
    assert gdp[("PRK", 2018)] < base["PRK"] * 1.1  # Maddison: North Korea barely grew
    assert gdp[("PRK", 2050)] == pytest.approx(
        gdp[("PRK", 2018)] * (1 + GROWTH_AFTER_DATA) ** 32, rel=1e-4
    )
    assert ("GLP", 2019) not in gdp
    assert gdp[("GLP", 2050)] == pytest.approx(
        base["GLP"] * (1 + GROWTH_AFTER_DATA) ** 40, rel=1e-4
    )
    assert {r for r, _ in gdp} == set(world.codes)  # every area has a GDP path
    assert "areas without a PWT country (50)" in path.read_text()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["regime=history_by_country"], "has no country mapping"),
        (["scenario=projection", "world.name=mine"], r"projection_mine\.csv: no such file"),
        (["+regime.components=[{kind: close, origins: [XXX]}]"], "unknown region 'XXX'"),
    ],
)
def test_a_bad_scenario_or_regime_stops_the_run_before_calibration(
    tmp_path, monkeypatch, overrides, message
):
    """A world without a stored calibration is calibrated on the fly (minutes for a large
    world): a scenario table or regime component the world's files refuse is reported first."""
    import shutil
    from pathlib import Path

    import migsim.model.calibration as calibration

    world = tmp_path / "mine"
    shutil.copytree(Path(migsim.__file__).parent / "data" / "toy", world)
    (world / "calibration.json").unlink()

    def calibrate(*args, **kwargs):
        raise AssertionError("calibrated before the inputs were checked")

    monkeypatch.setattr(calibration, "calibrate", calibrate)
    with pytest.raises(InputError, match=message):
        migsim.run([*BASE, f"world.path={world}", *overrides])
