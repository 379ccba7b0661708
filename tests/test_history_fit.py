"""The history calibration of regions12_1990: the cell-level projection, the fit of corridor
constants and global parameters to the observed 1990-2005 changes, its stored file and the
hold-out of 2005-2010 (migsim.model.projection, migsim.worldbuild.history_fit)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import numpy as np
import pytest

from migsim.config import PopulationConf
from migsim.core.world import load_world
from migsim.model.behaviour import BehaviourConf
from migsim.model.calibration import base_cells, base_wages, load_calibration
from migsim.model.costs import return_hazard_table
from migsim.model.projection import K, initial_durations, project, setup
from migsim.worldbuild.history_fit import (
    FIT_YEARS,
    FITTED_FILE,
    GRID,
    MIN_GAIN,
    PROFILES,
    WITHIN_GRID,
    fit_constants,
    fit_history,
    fit_within,
    fit_within_grid,
    fitted_behaviour,
    history_inputs,
    observed_targets,
    project_within,
    weighted_error,
    within_error,
    within_targets,
)

WORLD = "regions12_1990"


@pytest.fixture(scope="module")
def world():
    return load_world(WORLD)


@pytest.fixture(scope="module")
def inputs(world):
    return history_inputs(world)


def stored_provenance(world) -> dict:
    return json.loads(gzip.decompress((world.path / FITTED_FILE).read_bytes()))["provenance"]


def test_history_inputs_hold_nothing_after_2005(world, inputs):
    paths, observed = inputs
    assert sorted(observed) == [1990, *FIT_YEARS]
    assert max(paths.income) == 2005 and max(paths.population) == 2005
    with pytest.raises(ValueError, match="after 2005"):
        fit_history(
            world, BehaviourConf(), PopulationConf(), paths, {**observed, 2010: observed[2005]}
        )


def test_within_region_targets_start_at_the_worlds_stock(world, inputs):
    """The diagonal of the observed stocks is the UN stock between distinct countries of each
    area, which the 1990 world's intra_region_migrants were built from: the targets start
    there and move with it; 1995-2005 only."""
    _, observed = inputs
    # the world's tables hold whole persons; the matrix with unknown origins spread does not
    np.testing.assert_allclose(np.diag(observed[1990]), world.intra_migrants, atol=0.5)
    targets = within_targets(world, observed)
    assert sorted(targets) == list(FIT_YEARS)
    np.testing.assert_allclose(targets[2005], np.diag(observed[2005]), rtol=1e-5)
    ssa = world.codes.index("SSA")
    # Sub-Saharan Africa's within-region stock was flat over 1990-2005 (within 10%)
    assert abs(targets[2005][ssa] / world.intra_migrants[ssa] - 1.0) < 0.1


def test_within_region_fit_recovers_a_known_rate(world, inputs):
    """Targets drawn from the projection with known rates and return hazard: the fit, started
    from the static calibration's rates, recovers the rates, and the grid picks the hazard
    that made them (not the default)."""
    paths, _ = inputs
    rng = np.random.default_rng(5)
    hazard = WITHIN_GRID["intra_return_hazard"][1]
    assert hazard != BehaviourConf().intra_return_hazard
    truth = rng.uniform(2e-4, 3e-3, world.n_regions) * (world.intra_migrants > 0)
    projected = project_within(world, truth, hazard, paths, FIT_YEARS)
    targets = {y: projected[y] for y in FIT_YEARS}
    conf = BehaviourConf(intra_return_hazard=hazard)
    rate, projected, iterations = fit_within(world, conf, paths, targets)
    np.testing.assert_allclose(rate, truth, rtol=1e-3)
    assert max(within_error(projected, targets).values()) < 1e-3
    point, rate, _, report = fit_within_grid(world, BehaviourConf(), paths, targets, WITHIN_GRID)
    assert point == {"intra_return_hazard": hazard}
    assert report["log_error_mean"] < 1e-3


def test_within_region_fit_follows_the_observed_stocks(world, inputs):
    """On the observed 1990-2005 within-region stocks the fitted rates cut the static
    calibration's error (a rate that grows each stock at stock_growth) by more than four
    times at the same return hazard (0.208 to 0.045), and with the grid's hazard every
    fitted year is within 0.06 log points (stock-weighted)."""
    paths, observed = inputs
    targets = within_targets(world, observed)
    conf = BehaviourConf()
    fitted = fit_within(world, conf, paths, targets)
    from migsim.model.calibration import within_region_base

    working, death = within_region_base(world)
    h = conf.intra_return_hazard
    rate0 = world.intra_migrants * (h + death + conf.stock_growth) / np.maximum(working, 1.0)
    before = within_error(project_within(world, rate0, h, paths, FIT_YEARS), targets)
    after = within_error(fitted[1], targets)
    assert np.mean(list(after.values())) < np.mean(list(before.values())) / 4
    point, _, projected, report = fit_within_grid(world, conf, paths, targets, WITHIN_GRID)
    assert max(within_error(projected, targets).values()) < 0.06
    assert report["log_error_mean"] == min(p["error"] for p in report["grid"])


def test_initial_durations_are_the_synthesis_draw_the_calibration_assumes(world, inputs):
    """The projection's base-year stock by years abroad is `initial_durations` (the steady
    state of migsim.model.durations that the synthesis draws and the calibration's exit
    rates average over; tests/test_durations.py checks the three agree), under the
    parameters it is given: a stronger return hazard shortens the stays it starts from
    (or keeps them, where a destination's scale is fitted to its OECD exit rate)."""
    paths, _ = inputs
    conf, pop = BehaviourConf(), PopulationConf()
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, pop)
    su = setup(world, conf, pop, cells, wages, paths)
    shares = initial_durations(world, conf, wages)
    np.testing.assert_allclose(su.initial, cells.stock[..., None] * shares[:, :, :, None, :])
    occupied = cells.stock.sum(axis=(2, 3)) > 0
    np.fill_diagonal(occupied, False)
    np.testing.assert_allclose(shares.sum(axis=-1)[occupied], 1.0)
    strong = BehaviourConf(return_hazard_scale=3 * conf.return_hazard_scale)
    k = np.arange(K)
    mean = (initial_durations(world, conf, wages) * k).sum(axis=-1)[occupied]
    shorter = (initial_durations(world, strong, wages) * k).sum(axis=-1)[occupied]
    # (destinations with an OECD exit rate rescale their hazard to it and keep their stays)
    assert np.all(shorter <= mean + 1e-9) and shorter.mean() < mean.mean() - 1.0
    h = return_hazard_table(conf)[1, :K, 0]
    assert np.all((shares * h).sum(axis=-1)[occupied] > 0)


def test_projection_starts_at_the_base_year_stock(world, inputs):
    paths, _ = inputs
    conf, pop = BehaviourConf(), PopulationConf()
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, pop)
    su = setup(world, conf, pop, cells, wages, paths)
    out = project(world, conf, su, np.full(cells.stock.shape, -40.0), paths, (1995,))
    assert np.allclose(out[1990], cells.stock)
    # without arrivals the stock only shrinks: deaths and returns
    assert out[1995].sum() < 0.9 * cells.stock.sum()


def test_fitted_constants_follow_the_observed_changes_better(world, inputs):
    """One grid point (the defaults): the corridor shifts cut the stock-weighted corridor
    log error of 1995-2005 against the targets below the static calibration's."""
    paths, observed = inputs
    conf, pop = BehaviourConf(), PopulationConf()
    targets = observed_targets(world, observed)
    cal, xi, projected, iterations = fit_constants(world, conf, pop, paths, targets)
    wages = base_wages(world)
    su = setup(world, conf, pop, base_cells(world, conf, wages, pop), wages, paths)
    xi0 = cal.corridor_constant - cal.policy_cost[:, :, :, None]
    static = project(world, conf, su, xi0, paths, FIT_YEARS)
    assert weighted_error(projected, targets) < 0.6 * weighted_error(static, targets)
    assert iterations < 200


def test_stored_history_fit_is_loaded_with_its_fitted_parameters(world):
    provenance = stored_provenance(world)
    fitted = provenance["fitted_parameters"]
    profiled = {name for points in PROFILES.values() for point in points for name in point}
    grids = set(GRID) | set(WITHIN_GRID)
    assert grids <= set(fitted) <= grids | profiled
    assert provenance["last_stock_year_read"] == 2005
    within = provenance["within_region"]
    assert sorted(within["targets"]) == [str(y) for y in FIT_YEARS]
    conf = fitted_behaviour(BehaviourConf(), fitted)
    cal = load_calibration(world, conf, PopulationConf())
    assert cal.provenance["source"] == "stored"
    assert cal.provenance["path"].endswith(FITTED_FILE)
    # the runs' within-region levers are the fitted rates and return hazard
    working = cal.intra_rate.max(axis=1)
    np.testing.assert_allclose(working, [within["rate"][c] for c in world.codes], rtol=1e-5)
    np.testing.assert_allclose(cal.intra_return, fitted["intra_return_hazard"])


def test_stored_fit_profiles_the_other_global_parameters(world):
    """Each profiled parameter has its fit error at three values (the centre the grid's best
    point) and is fitted exactly when a value beats the centre by more than MIN_GAIN; the
    cost split cannot move the status quo's path (flat profile, held at its default)."""
    provenance = stored_provenance(world)
    profiles = provenance["profiles"]
    fitted = provenance["fitted_parameters"]
    assert list(profiles) == list(PROFILES)
    for label, prof in profiles.items():
        points = prof["points"]
        assert len(points) == 3
        names = set(points[0]["values"])
        errors = [p["error"] for p in points]
        spread = (max(errors) - min(errors)) / points[1]["error"]
        assert prof["relative_spread"] == pytest.approx(spread, rel=1e-4, abs=1e-5)
        adopted = names <= set(fitted)
        assert (prof["verdict"] == "fitted") == adopted, label
        if not adopted:
            for p in points:
                for name, value in p["values"].items():
                    if p["error"] < (1.0 - MIN_GAIN) * points[1]["error"]:
                        raise AssertionError(f"{label}: {name}={value} beats the centre")
        if prof["relative_spread"] < MIN_GAIN:
            assert prof["verdict"].startswith("not identified"), label
    split = profiles["cost split"]
    assert split["relative_spread"] < 1e-3 and split["verdict"].startswith("not identified")
    assert provenance["corridor_log_error_mean"] <= provenance["grid_error"]


def test_history_config_runs_with_the_fitted_parameters(world):
    from migsim.api import compose

    cfg = compose(["+experiment=history_1990"])
    fitted = stored_provenance(world)["fitted_parameters"]
    for name, value in fitted.items():
        assert cfg.behaviour[name] == value


def test_fit_history_refuses_a_world_not_built_at_1990():
    proc = subprocess.run(
        [sys.executable, "-m", "migsim", "world", "fit-history", "--world", "toy"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--world" in proc.stderr


@pytest.mark.slow
def test_stored_history_fit_is_rebuilt_byte_for_byte(world, tmp_path):
    """`migsim world fit-history` (about a minute alone) rebuilds the shipped file."""
    out = tmp_path / FITTED_FILE
    subprocess.run(
        [sys.executable, "-m", "migsim", "world", "fit-history", "--out", str(out)], check=True
    )
    assert out.read_bytes() == (world.path / FITTED_FILE).read_bytes()


@pytest.mark.slow
def test_runs_of_the_stored_fit_follow_the_targets(world, inputs):
    """A run of the stored fit (1,000,000 agents, seed 1, 1990-2005, about 5 s) against the
    targets: the stock-weighted corridor log error below 0.08 each fit year (measured 0.04,
    0.06 and 0.06 over seeds 1-3; the projection-fitted constants alone gave 0.09, 0.11 and
    0.16, the simulation departing from the projection). The within-region stocks (the
    regions table's emigrants less those abroad) within 5% of their projection each year
    (measured at 250,000 agents: 1.9%, 3.1% and 2.1% below)."""
    import migsim
    from migsim.validation.corridors import simulated_stocks

    paths, observed = inputs
    targets = observed_targets(world, observed)
    fitted = stored_provenance(world)["fitted_parameters"]
    conf = fitted_behaviour(BehaviourConf(), fitted)
    run = migsim.run(["+experiment=history_1990", "population.size=1000000", "years=15"])
    simulated = simulated_stocks(run.table("stocks"), world.codes, FIT_YEARS)
    weight = targets[2005]
    mask = weight > 0
    for year in FIT_YEARS:
        gap = np.abs(np.log(np.maximum(simulated[year], 1.0) / np.maximum(targets[year], 1.0)))
        assert (weight[mask] * gap[mask]).sum() / weight[mask].sum() < 0.08, year
    within = stored_provenance(world)["within_region"]
    rate = np.array([within["rate"][c] for c in world.codes])
    inner = project_within(world, rate, conf.intra_return_hazard, paths, FIT_YEARS)
    regions = run.table("regions")
    for year in FIT_YEARS:
        rows = regions.filter(regions["year"] == year)
        emigrants = dict(zip(rows["region"], rows["emigrants"]))
        abroad = simulated[year].sum(axis=1)
        simulated_within = sum(emigrants[c] for c in world.codes) - abroad.sum()
        assert simulated_within == pytest.approx(inner[year].sum(), rel=0.05), year


def test_stored_fit_ends_with_levels_and_trends_fitted_on_runs(world):
    """The simulated stage (migsim.worldbuild.history_sim): runs of seeds the validation
    never uses, the large corridors fitted (most of the stock), its runs' error lower at the
    end than at the start, and a trend only where it fitted one, held after 2005."""
    from migsim.worldbuild.history_sim import MIN_AGENTS, SIM_ITERATIONS, SIM_SEED

    provenance = stored_provenance(world)
    report = provenance["simulated"]
    assert report["seeds"] == [SIM_SEED, SIM_SEED + SIM_ITERATIONS] and SIM_SEED > 3
    assert report["min_agents"] == MIN_AGENTS and report["stock_share_fitted"] > 0.9
    errors = report["corridor_log_error_by_iteration"]
    assert len(errors) == SIM_ITERATIONS + 1
    first, last = (np.mean(list(e.values())) for e in (errors[0], errors[-1]))
    assert last < 0.6 * first
    assert (provenance["trend_base_year"], provenance["trend_end_year"]) == (1990, 2005)
    conf = fitted_behaviour(BehaviourConf(), provenance["fitted_parameters"])
    cal = load_calibration(world, conf, PopulationConf())
    trend = cal.corridor_trend
    assert trend.shape == (world.n_regions,) * 2
    assert 0 < np.count_nonzero(trend) <= report["corridors_fitted"]
    assert not np.diag(trend).any()


def test_corridor_trend_counts_years_to_its_end_only():
    from types import SimpleNamespace

    from migsim.steps.migration import corridor_constants_in

    constants = np.zeros((2, 2, 2, 2))
    trend = np.array([[0.0, 0.1], [-0.2, 0.0]])
    cal = SimpleNamespace(
        corridor_trend=trend, provenance={"trend_base_year": 1990, "trend_end_year": 2005}
    )
    assert corridor_constants_in(cal, constants, 1990).sum() == 0.0
    np.testing.assert_allclose(corridor_constants_in(cal, constants, 2000)[0, 1], 1.0)
    np.testing.assert_allclose(corridor_constants_in(cal, constants, 2013)[1, 0], -3.0)
    np.testing.assert_array_equal(
        corridor_constants_in(cal, constants, 2013), corridor_constants_in(cal, constants, 2005)
    )
    without = SimpleNamespace(corridor_trend=None, provenance={})
    assert corridor_constants_in(without, constants, 2013) is constants
    # behaviour.corridor_trend_after=continue carries the trend on after the window
    np.testing.assert_allclose(corridor_constants_in(cal, constants, 2013, "continue")[1, 0], -4.6)
    np.testing.assert_array_equal(
        corridor_constants_in(cal, constants, 2000, "continue"),
        corridor_constants_in(cal, constants, 2000),
    )


def test_corridor_trend_after_the_window_is_a_run_option():
    """`behaviour.corridor_trend_after=continue` changes a history run after its window only
    (the backtest world, 1990-2005: the same stocks to 2000, others in 2005); a value not
    allowed is one line and exit 2."""
    import migsim
    from migsim.validation.corridors import simulated_stocks

    world = load_world("regions12_1990_2000")
    runs = {
        after: migsim.run(
            [
                "+experiment=history_1990_2000",
                "population.size=100000",
                f"behaviour.corridor_trend_after={after}",
            ]
        )
        for after in ("hold", "continue")
    }
    stocks = {
        a: simulated_stocks(r.table("stocks"), world.codes, (2000, 2005)) for a, r in runs.items()
    }
    np.testing.assert_array_equal(stocks["hold"][2000], stocks["continue"][2000])
    assert not np.array_equal(stocks["hold"][2005], stocks["continue"][2005])
    proc = subprocess.run(
        [sys.executable, "-m", "migsim", "run", "+experiment=history_1990_2000"]
        + ["behaviour.corridor_trend_after=grow", "years=1"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "corridor_trend_after" in proc.stderr
