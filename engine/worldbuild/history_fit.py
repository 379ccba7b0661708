"""The history calibration of a world built at base year 1990: corridor constants and a few
global behaviour parameters fitted so that the decision model reproduces the observed
CHANGES of the bilateral stocks over 1990-2005 along the observed incomes and populations
(scenario history), rather than a growth rate constant in time.

Why: a calibration to each corridor's mean 1990-2005 growth sets the base year's flows
once; the observed incomes, populations, diasporas and the ageing of arrivals then move
the flows away from that rate, and the run misses the path it was meant to follow. Here
the path itself is the target.

Method (`fit_history`), on expected cell-level flows (`migsim.model.projection`), never on
Monte-Carlo draws:

1. the static calibration (`migsim.model.calibration.calibrate`) gives the starting
   constants xi[o, d, s, g], the policy-cost split and the within-region rates;
2. targets: S_od(t) = S_od(1990) O_od(t) / O_od(1990) for t = 1995, 2000, 2005, with O the
   UN matrix aggregated to the world's areas (the observed change applied to the world's
   own base-year stock); years after the world's window (FIT_END for regions12_1990,
   `fit_years`) are never read;
3. corridor shifts delta_od (one per area pair, shared by skills and sexes, since the
   targets are by pair) by a damped fixed point: delta += rho mean_t ln(A*_t / A_t), with A
   the projected stock of arrivals since 1990 (stock minus the base-year stock's
   survivors) and A* the target's (floored at FLOOR_SHARE of the stock); expected flows
   scale with exp(delta / rho) inside the nest, so rho is the step the static calibration
   uses;
4. global parameters on a grid (GRID): for each point the constants are refitted and the
   point with the smallest stock-weighted corridor log error over 1995-2005 wins. Fitted:
   the income elasticity lambda (how flows answer the observed income paths) and the return
   hazard scale (how fast arrivals leave, which sets how the stock's exits move as the 1990
   stock is replaced);
5. the other global parameters (PROFILES: the network elasticities, the cost split, the
   liquidity parameters) are profiled around the grid's best point, one at a time with
   their constants refitted, and a value is adopted only when it lowers the error by more
   than MIN_GAIN; the profiles are stored in the provenance (`profiles`) and written to
   docs/scenarios.md (`python -m migsim.worldbuild.history_fit --write docs/scenarios.md`),
   the evidence for holding a parameter at its default. The cost split cannot move the
   status quo's path at all (the projection sees the corridor constant net of policy
   costs, which the calibration fixes whatever the split): its profile is flat by
   construction.

Before the corridors, and apart from them (nothing of theirs moves it), the within-region
stocks (migrants between distinct countries of one region: 45% of the 1990 world's stock):
targets S_r(1990) O_rr(t) / O_rr(1990) from the diagonal of the UN area matrix; a
projection of each region's stock (`project_within`: survivors of death and of the
within-region return hazard, plus a rate per native of working age, the migration kernel's
within-region draw); the rate per region by the same fixed point on arrivals since 1990
(`fit_within`), and the return hazard behaviour.intra_return_hazard, shared by the regions,
on WITHIN_GRID by the stock-weighted within-region log error. The static calibration's rate
instead grows each stock at stock_growth with its region's population.

Last, the large corridors' levels and trends are fitted on runs of the history config
(`migsim.worldbuild.history_sim`: the projection leaves out markets, simulated wealth and
demography, and runs of its constants depart from it by 0.07-0.12 in corridor log error).

Budget: TIME_BUDGET_SECONDS on this machine (2 cores; 9 grid points and 8 profile points,
each about 6 s on an idle core, then 11 runs of 1,000,000 agents over 15 years, about 4 s
each: measured 150 s in all on a quiet machine). The grid and the profiles are always tried in
full, so that the stored file is rebuilt byte for byte; a fit over its
budget says so in the command's message instead of stopping at a point that depends on the
machine's load. The result is stored as calibration.json.gz in the world directory with its
provenance (fitted values, targets' years, errors) and is rebuilt byte for byte by `migsim
world fit-history`.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from migsim.core.world import World
from migsim.model.calibration import (
    Calibration,
    base_cells,
    base_wages,
    calibrate,
    within_region_levers,
)
from migsim.model.projection import Paths, project, scenario_paths, setup
from migsim.worldbuild.history_sim import fit_by_simulation
from migsim.worldbuild.history_within import (  # noqa: F401 (the fit's public names)
    BASE_YEAR,
    FIT_END,
    FIT_YEARS,
    FLOOR_SHARE,
    MAX_ITERATIONS,
    TOLERANCE,
    WITHIN_GRID,
    fit_within,
    fit_within_grid,
    fit_years,
    project_within,
    within_error,
    within_targets,
)

TIME_BUDGET_SECONDS = 300.0
# Candidate values of the fitted global parameters (the defaults are 0.7 and 0.093).
GRID = {
    "income_elasticity": (0.3, 0.5, 0.7),
    "return_hazard_scale": (0.093, 0.13, 0.17),
}
# The other global parameters the issue of history names, each profiled around the grid's
# best point (one at a time, in this order, each centred on the values adopted before it):
# the fit error at a lower and a higher value, its constants refitted. A profile point is
# adopted when it lowers the error by more than MIN_GAIN (relative); otherwise the
# parameter is not identified by the three periods of stocks and keeps its default, with
# the profile as the evidence (stored in the provenance, `profiles`). Values [A]: half and
# twice the defaults where that stays in range, the borrowing capacity from none to four
# times the default.
PROFILES = {
    "network elasticity": (
        {"network_elasticity_low": 0.3, "network_elasticity_high": 0.2},
        {"network_elasticity_low": 1.2, "network_elasticity_high": 0.8},
    ),
    "cost split": ({"free_mobility_extra_share": 0.028}, {"free_mobility_extra_share": 0.112}),
    "liquidity: borrowing": ({"borrowing": 0.0}, {"borrowing": 2.0}),
    "liquidity: up-front cost": ({"upfront_cost_months": 1.5}, {"upfront_cost_months": 6.0}),
}
MIN_GAIN = 0.01
DELTA_RANGE = (-15.0, 15.0)
FITTED_FILE = "calibration.json.gz"


def observed_targets(world: World, observed: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """{year: (R, R)} the world's base-year stock moved by each area pair's observed change
    since BASE_YEAR (a pair without an observed 1990 stock keeps its base-year stock), for
    every year of `observed` after BASE_YEAR."""
    base = observed[BASE_YEAR]
    stock = np.asarray(world.migrant_stock, dtype=np.float64).copy()
    np.fill_diagonal(stock, 0.0)
    out = {}
    for year in sorted(y for y in observed if y > BASE_YEAR):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(base > 0, observed[year] / base, 1.0)
        out[year] = stock * ratio
    return out


def weighted_error(projected: dict, targets: dict) -> float:
    """Corridor log error of the projected pair stocks, weighted by the last target's stock
    and averaged over the targets' years (the measure the HISTORY check reports)."""
    years = sorted(targets)
    weight = targets[years[-1]]
    mask = weight > 0
    errors = []
    for year in years:
        sim = projected[year].sum(axis=(2, 3))
        gap = np.abs(np.log(np.maximum(sim, 1.0) / np.maximum(targets[year], 1.0)))
        errors.append((weight[mask] * gap[mask]).sum() / weight[mask].sum())
    return float(np.mean(errors))


def fit_constants(world: World, conf: Any, pop_conf: Any, paths: Paths, targets: dict):
    """Static calibration, then the corridor shifts that make the projection follow the
    targets. Returns (calibration, xi net of policy costs, projection, iterations)."""
    cal = calibrate(world, conf, pop_conf)
    wages = base_wages(world)
    su = setup(world, conf, pop_conf, base_cells(world, conf, wages, pop_conf), wages, paths)
    R = world.n_regions
    years = tuple(sorted(targets))
    off = ~np.eye(R, dtype=bool) & (su.base_diaspora > 0)
    xi0 = cal.corridor_constant - cal.policy_cost[:, :, :, None]
    zero = project(world, conf, su, np.full_like(xi0, -40.0), paths, years)  # survivors
    delta = np.zeros((R, R))
    rho = conf.nest_dissimilarity
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007 (reported)
        xi = xi0 + delta[:, :, None, None]
        projected = project(world, conf, su, xi, paths, years)
        step = np.zeros((R, R))
        for year in years:
            survivors = zero[year].sum(axis=(2, 3))
            arrivals = np.maximum(projected[year].sum(axis=(2, 3)) - survivors, 1e-9)
            wanted = np.maximum(targets[year] - survivors, FLOOR_SHARE * targets[year])
            step += np.log(np.maximum(wanted, 1e-9) / arrivals)
        step = np.where(off, rho * step / len(years), 0.0)
        delta = np.clip(delta + step, *DELTA_RANGE)
        if np.abs(step).max() < TOLERANCE:
            break
    xi = xi0 + delta[:, :, None, None]
    xi[~off] = -40.0
    return cal, xi, project(world, conf, su, xi, paths, years), iterations


def fit_history(
    world: World,
    conf: Any,
    pop_conf: Any,
    paths: Paths,
    observed: dict[int, np.ndarray],
    grid: dict | None = None,
    budget: float = TIME_BUDGET_SECONDS,
    profiles: dict | None = None,
    within_grid: dict | None = None,
    simulate: bool = True,
) -> tuple[Calibration, dict]:
    """The fitted calibration and the fitted global parameters {name: value}: the
    within-region grid's, the corridor grid's, then the profiled ones that lower the error
    by more than MIN_GAIN. `observed` holds the area-pair stocks of BASE_YEAR and the
    world's fit years (`fit_years`) only (on its diagonal the stock between distinct
    countries of each area); a later year is refused.

    The within-region stocks are fitted first and apart: their projection shares nothing
    with the corridors' (the corridor constants, the income elasticity and the liquidity
    parameters do not move it, and intra_return_hazard enters no corridor flow)."""
    years = fit_years(world)
    if any(year > years[-1] for year in observed):
        raise ValueError(f"history fit reads no stock after {years[-1]}")
    grid = GRID if grid is None else grid
    profiles = PROFILES if profiles is None else profiles
    within_grid = WITHIN_GRID if within_grid is None else within_grid
    inner = within_targets(world, observed)
    within_point, within_rate, _, within_report = fit_within_grid(
        world, conf, paths, inner, within_grid
    )
    conf = replace(conf, **within_point)
    targets = observed_targets(world, observed)
    names = list(grid)
    best, tried = None, 0
    for values in itertools.product(*(grid[n] for n in names)):
        trial = replace(conf, **dict(zip(names, values))) if names else conf
        cal, xi, projected, iterations = fit_constants(world, trial, pop_conf, paths, targets)
        error = weighted_error(projected, targets)
        tried += 1
        if best is None or error < best[0]:
            best = (error, dict(zip(names, values)), cal, xi, projected, iterations, trial)
    grid_error = best[0]
    report = {}
    for label, points in profiles.items():
        centre = best
        rows = [_profile_row(best[6], points[0], best[0])]
        for point in points:
            trial = replace(best[6], **point)
            cal, xi, projected, iterations = fit_constants(world, trial, pop_conf, paths, targets)
            error = weighted_error(projected, targets)
            tried += 1
            rows.append(_profile_row(trial, point, error))
            if error < (1.0 - MIN_GAIN) * centre[0] and error < best[0]:
                best = (error, {**centre[1], **point}, cal, xi, projected, iterations, trial)
        rows.sort(key=lambda r: tuple(r["values"].values()))
        spread = (max(r["error"] for r in rows) - min(r["error"] for r in rows)) / centre[0]
        report[label] = {
            "points": rows,
            "relative_spread": round(spread, 6),
            "verdict": (
                "fitted"
                if best is not centre
                else "not identified: held at its default"
                if spread < MIN_GAIN
                else "identified: its current value is the best of its points"
            ),
        }
    error, fitted, cal, xi, projected, iterations, trial = best
    fitted = {**within_point, **fitted}
    cal.intra_rate, cal.intra_return = within_region_levers(
        within_rate, trial.intra_return_hazard, cal.intra_rate.shape[1]
    )
    cal.corridor_constant = xi + cal.policy_cost[:, :, :, None]
    cal.corridor_constant[xi <= -40.0] = -40.0
    wages = base_wages(world)
    su = setup(world, trial, pop_conf, base_cells(world, trial, wages, pop_conf), wages, paths)
    cal.target_flow = _arrivals(world, trial, su, xi)
    errors = _errors(projected, targets)
    cal.provenance.pop("created", None)
    cal.provenance.update(
        {
            "method": "history fit: corridor shifts and global parameters so that expected "
            f"cell-level stocks follow the observed {BASE_YEAR}-{years[-1]} changes (scenario "
            "history)",
            "fitted_parameters": fitted,
            "grid": {n: list(grid[n]) for n in names},
            "grid_points_tried": tried,
            "grid_error": round(grid_error, 6),
            "profiles": report,
            "profile_min_gain": MIN_GAIN,
            "fit_years": list(years),
            "last_stock_year_read": max(observed),
            "corridor_log_error": errors,
            "corridor_log_error_mean": round(error, 6),
            "shift_iterations": iterations,
            "within_region": within_report,
            "time_budget_seconds": budget,
        }
    )
    if simulate:  # the last stage: levels and trends fitted on runs (history_sim)
        zero = project(world, trial, su, np.full_like(xi, -40.0), paths, years)
        survivors = {year: zero[year].sum(axis=(2, 3)) for year in years}
        cal.provenance["simulated"] = fit_by_simulation(
            world,
            cal,
            fitted,
            pop_conf,
            targets,
            survivors,
            trial.nest_dissimilarity,
            lambda c, path: write_fit(world, c, path),
        )
    return cal, fitted


def _profile_row(conf: Any, point: dict, error: float) -> dict:
    """One profile point: the parameters' values in `conf` (those `point` names) and the
    fit error there."""
    return {
        "values": {name: getattr(conf, name) for name in point},
        "error": round(float(error), 6),
    }


def _arrivals(world, conf, su, xi) -> np.ndarray:
    """The base year's expected movers (R, R, 2, 2), the fitted calibration's flow targets
    (read as the status quo's admissions by quota components)."""
    from migsim.model.projection import expected_flows

    R = world.n_regions
    one = np.ones(R)
    return expected_flows(world, conf, su, xi, one, one, su.base_diaspora, su.cells.feasible)


def _errors(projected: dict, targets: dict) -> dict[str, float]:
    years = sorted(targets)
    weight = targets[years[-1]]
    mask = weight > 0
    out = {}
    for year in years:
        sim = projected[year].sum(axis=(2, 3))
        gap = np.abs(np.log(np.maximum(sim, 1.0) / np.maximum(targets[year], 1.0)))
        out[str(year)] = round(float((weight[mask] * gap[mask]).sum() / weight[mask].sum()), 6)
    return out


def history_inputs(world: World, inputs=None) -> tuple[Paths, dict[int, np.ndarray]]:
    """The scenario history's paths to the world's last fit year and the UN area-pair stocks
    of BASE_YEAR and its fit years (`fit_years`), the within-area stocks on the diagonal
    (nothing later is read)."""
    from migsim.core.resources import config_dir
    from migsim.scenarios.paths import load_scenario
    from migsim.validation.corridors import observed_stocks
    from migsim.worldbuild.inputs import built_matrix
    from migsim.worldbuild.projection import world_mapping

    scenario = load_scenario(
        config_dir() / "scenario" / f"history_{world.name}.csv", world, BASE_YEAR, "history"
    )
    fit = fit_years(world)
    paths = scenario_paths(scenario, BASE_YEAR, fit[-1])
    mapping = world_mapping(world, history=True)[1]
    stock = built_matrix(world.path, inputs).filter(pl.col("year") <= fit[-1])
    return paths, observed_stocks(stock, mapping, world.codes, (BASE_YEAR, *fit), within=True)


def fitted_behaviour(conf: Any, fitted: dict) -> Any:
    """The behaviour config with the fitted global parameters."""
    return replace(conf, **fitted)


def write_fit(world: World, cal: Calibration, path: Path | None = None) -> Path:
    from migsim.model.calibration import write_calibration

    return write_calibration(cal, world, path or world.path / FITTED_FILE)


PROFILE_BEGIN, PROFILE_END = "<!-- history-fit:begin -->", "<!-- history-fit:end -->"


def profile_table(provenance: dict) -> str:
    """Markdown: the stored fit's grid result and each profiled parameter's fit error at its
    points (the centre is the grid's best point), with the verdict."""
    fitted = provenance["fitted_parameters"]
    shown = ", ".join(f"`{k}` = {v}" for k, v in fitted.items())
    rows = [
        f"Fitted: {shown}; corridor log error over 1995-2005 "
        f"{provenance['corridor_log_error_mean']:.4f} (grid's best point "
        f"{provenance['grid_error']:.4f}), {provenance['grid_points_tried']} points fitted.",
        "",
        "| parameter | values: fit error | spread | verdict |",
        "|---|---|---|---|",
    ]
    for label, prof in provenance["profiles"].items():
        points = "; ".join(
            ", ".join(f"{v:g}" for v in p["values"].values()) + f": {p['error']:.4f}"
            for p in prof["points"]
        )
        names = ", ".join(f"`{n}`" for n in prof["points"][0]["values"])
        rows.append(
            f"| {label} ({names}) | {points} | {100 * prof['relative_spread']:.2f}% "
            f"| {prof['verdict']} |"
        )
    rows += [
        "",
        f"Spread: (largest - smallest error) / the centre's. A point is adopted when it "
        f"lowers the error by more than {100 * provenance['profile_min_gain']:.0f}%.",
    ]
    within = provenance.get("within_region")
    if within:
        grid = "; ".join(
            ", ".join(f"{v:g}" for v in p["values"].values()) + f": {p['error']:.4f}"
            for p in within["grid"]
        )
        errors = ", ".join(f"{y} {e:.3f}" for y, e in within["log_error"].items())
        rates = ", ".join(f"{c} {1000 * r:.3f}" for c, r in within["rate"].items() if r > 0)
        rows += [
            "",
            f"Within-region stocks: `intra_return_hazard` on its grid (values: fit error) "
            f"{grid}; with the best, the rate per region (per 1,000 natives of working age "
            f"a year) {rates}; within-region log error {errors}.",
        ]
    simulated = provenance.get("simulated")
    if simulated:
        by = simulated["corridor_log_error_by_iteration"]
        first, last = (", ".join(f"{y} {e:.3f}" for y, e in by[k].items()) for k in (0, -1))
        rows += [
            "",
            f"Levels and trends on runs: {simulated['corridors_fitted']} corridors "
            f"({100 * simulated['stock_share_fitted']:.1f}% of the 2005 stock) fitted on "
            f"{simulated['iterations']} runs of {simulated['agents']:,} agents (seeds "
            f"{simulated['seeds'][0]}-{simulated['seeds'][1]}); the runs' corridor log error "
            f"{first} at the projection's constants, {last} at the last run.",
        ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """`python -m migsim.worldbuild.history_fit --write docs/scenarios.md`: the generated
    block of the stored fit's profiles (read from its provenance; nothing is refitted)."""
    import gzip
    import json

    from migsim.core.docblocks import sync_blocks, write_or_check
    from migsim.core.world import load_world

    def sync(path, check):
        world = load_world("regions12_1990")
        provenance = json.loads(gzip.decompress((world.path / FITTED_FILE).read_bytes()))[
            "provenance"
        ]
        body = profile_table(provenance)
        return sync_blocks(path, [(PROFILE_BEGIN, PROFILE_END, body, True)], check, "history fit")

    return write_or_check(
        argv,
        "python -m migsim.worldbuild.history_fit",
        "migsim history fit: {path}'s history-fit block is",
        sync,
    )


if __name__ == "__main__":
    import sys

    sys.exit(main())
