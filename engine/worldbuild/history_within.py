"""The within-region part of the history calibration (`migsim.worldbuild.history_fit`): the
rate at which natives of working age move to another country of their region, one per region,
and the within-region migrants' return hazard, shared by the regions, fitted so that the
expected within-region stock follows the observed 1990-2005 stock between distinct countries
of each area. Nothing of the corridors moves it, and the hazard enters no corridor flow, so
it is fitted first and on its own. Years after the world's window (`fit_years`: its
stock_history.csv, which stops at the year `migsim world build --growth-to` names; FIT_END for
regions12_1990) are never read."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import numpy as np

from migsim.core.world import World
from migsim.model.projection import Paths

BASE_YEAR, FIT_END = 1990, 2005
FIT_YEARS = (1995, 2000, 2005)  # regions12_1990's window; another world's: fit_years(world)
STEP = 5  # years between the stock matrix's years
# Candidate values of the within-region migrants' yearly return hazard, shared by the
# regions (behaviour.intra_return_hazard, default 0.05 [A]): from none to twice the default [A].
WITHIN_GRID = {"intra_return_hazard": (0.0, 0.0125, 0.025, 0.05, 0.1)}
FLOOR_SHARE = 0.01  # a target's arrivals floor, share of the target stock
MAX_ITERATIONS = 200
TOLERANCE = 1e-3  # largest change of a corridor shift in an iteration


def fit_years(world: World) -> tuple[int, ...]:
    """The years a history fit of `world` (built at BASE_YEAR) reads after the base year:
    every STEP years to the last year of the world's stock_history.csv, the end of the growth
    window it was built with (`migsim world build --growth-to`); no later stock is read."""
    import polars as pl

    path = world.path / "stock_history.csv"
    if not path.is_file():
        return FIT_YEARS
    last = int(pl.read_csv(path)["year"].max())
    return tuple(range(BASE_YEAR + STEP, last + 1, STEP))


def within_targets(world: World, observed: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """{year: (R,)} the world's base-year within-region stock (intra_region_migrants) moved
    by the observed change since BASE_YEAR of the stock between distinct countries of the
    area (the diagonal of `observed`; an area without one keeps its base-year stock), for
    every year of `observed` after BASE_YEAR."""
    base = np.diag(observed[BASE_YEAR])
    out = {}
    for year in sorted(y for y in observed if y > BASE_YEAR):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(base > 0, np.diag(observed[year]) / base, 1.0)
        out[year] = np.asarray(world.intra_migrants, dtype=np.float64) * ratio
    return out


def project_within(
    world: World, rate: np.ndarray, hazard: float, paths: Paths, years
) -> dict[int, np.ndarray]:
    """{year: (R,)} expected within-region stock for the base year and every year in `years`
    (stepping every year between): each year the stock survives death and the return hazard,
    and `rate` (R,) of the natives of working age (the base year's, moved with the observed
    population) move to another country of the region (the migration kernel's within-region
    draw, migsim.kernels.migration)."""
    from migsim.model.calibration import within_region_base

    working, death = within_region_base(world)
    working = np.maximum(working, 1.0)
    stock = np.asarray(world.intra_migrants, dtype=np.float64).copy()
    out = {paths.base_year: stock.copy()}
    for t in range(paths.base_year + 1, max(years) + 1):
        stock = stock * (1.0 - death) * (1.0 - hazard) + rate * working * paths.population[t]
        if t in years:
            out[t] = stock.copy()
    return out


def within_error(projected: dict, targets: dict) -> dict[str, float]:
    """{year: log error of the stocks (within-region, or the corridors' of a run)} weighted
    by the last target's stock, for every year of `targets`."""
    years = sorted(targets)
    weight = targets[years[-1]]
    mask = weight > 0
    out = {}
    for year in years:
        gap = np.abs(np.log(np.maximum(projected[year], 1.0) / np.maximum(targets[year], 1.0)))
        out[str(year)] = float((weight[mask] * gap[mask]).sum() / weight[mask].sum())
    return out


def fit_within(world: World, conf: Any, paths: Paths, targets: dict):
    """The within-region rate per region (R,) that makes the projected within-region stock
    follow the targets, for the return hazard conf.intra_return_hazard: the static
    calibration's rate, then the corridors' damped fixed point on the arrivals since 1990
    (stock minus the base-year stock's survivors; the target's floored at FLOOR_SHARE of
    the stock), with step 1 since arrivals are proportional to the rate. Returns (rate,
    projection, iterations)."""
    from migsim.model.calibration import within_region_base

    hazard = conf.intra_return_hazard
    years = tuple(sorted(targets))
    working, death = within_region_base(world)
    stock = np.asarray(world.intra_migrants, dtype=np.float64)
    rate = stock * (hazard + death + conf.stock_growth) / np.maximum(working, 1.0)
    zero = project_within(world, np.zeros_like(rate), hazard, paths, years)  # survivors
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007 (reported)
        projected = project_within(world, rate, hazard, paths, years)
        step = np.zeros_like(rate)
        for year in years:
            arrivals = np.maximum(projected[year] - zero[year], 1e-9)
            wanted = np.maximum(targets[year] - zero[year], FLOOR_SHARE * targets[year])
            step += np.log(np.maximum(wanted, 1e-9) / arrivals)
        step = np.where(stock > 0, step / len(years), 0.0)
        rate = np.minimum(rate * np.exp(step), 1.0)
        if np.abs(step).max() < TOLERANCE:
            break
    return rate, project_within(world, rate, hazard, paths, years), iterations


def fit_within_grid(world: World, conf: Any, paths: Paths, targets: dict, grid: dict):
    """The grid's point (WITHIN_GRID) whose fitted rates give the smallest within-region
    log error over the targets' years. Returns (fitted {name: value}, rate (R,), projection,
    report)."""
    names = list(grid)
    best, errors = None, []
    for values in itertools.product(*(grid[n] for n in names)):
        point = dict(zip(names, values))
        rate, projected, iterations = fit_within(world, replace(conf, **point), paths, targets)
        error = float(np.mean(list(within_error(projected, targets).values())))
        errors.append({"values": point, "error": round(error, 6)})
        if best is None or error < best[0]:
            best = (error, point, rate, projected, iterations)
    error, point, rate, projected, iterations = best
    report = {
        "fitted": "intra_rate by region (working ages); intra_return_hazard on a grid",
        "grid": errors,
        "rate": {c: float(f"{r:.6g}") for c, r in zip(world.codes, rate)},
        "targets": {
            str(y): {c: round(float(v)) for c, v in zip(world.codes, targets[y])}
            for y in sorted(targets)
        },
        "log_error": {y: round(e, 6) for y, e in within_error(projected, targets).items()},
        "log_error_mean": round(error, 6),
        "iterations": iterations,
    }
    return point, rate, projected, report
