"""The history fit's last stage: corridor levels and trends fitted on simulated runs.

The projection the fit works on (`migsim.model.projection`) is an approximation of the
simulation: it holds wealth at its base-year scale, does not solve the markets, and follows
the observed population rather than the simulated demography. A simulation of the fitted
constants departs from the projection's path by a stock-weighted corridor log error of 0.07,
0.10 and 0.12 in 1995, 2000 and 2005 (500,000 agents, seed 1), and a constant per corridor cannot
follow corridors whose growth changed inside the window. This stage fits the runs themselves
(the method of simulated moments), on the same targets and years as the projection:

* each corridor with enough agents (its 2005 target at least MIN_AGENTS agents' weight at
  SIM_AGENTS agents; 40 of the 127 area pairs of regions12_1990, 96% of the stock) gets a
  level and a trend: its constant in year t is xi + delta + g (min(t, FIT_END) - BASE_YEAR),
  i.e. the trend describes the fit window and the constant is held at its value in the
  window's last year (FIT_END, 2005, for regions12_1990; a world's `fit_years`) after
  it (an unexplained trend is not extrapolated; it would compound in a long run);
* each iteration runs the history config (`+experiment=history_1990`) from 1990 to FIT_END
  with the candidate calibration and moves (delta, g) by a damped Gauss-Newton step on the
  log gaps of the arrivals since 1990, ln(A*_t / A_t) for t = 1995, 2000, 2005, regressed on
  (1, mean years since 1990 of the arrivals counted at t); arrivals are the simulated stock
  minus the projection's survivors of the 1990 stock;
* iteration k runs seed SIM_SEED + k, never a seed the validation runs (1 to 3), and its
  step is damped by DAMPING min(1, 4 / (k + 1)) (a Robbins-Monro schedule), so the steps
  average over the runs' sampling noise instead of fitting one run's;
* the smaller corridors keep the projection's constant: a few dozen agents' arrivals are
  mostly sampling noise.

Nothing after FIT_END is read or simulated. The runs are integer-exact for any thread
count, so `migsim world fit-history` rebuilds the stored file byte for byte.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from migsim.core.world import World
from migsim.model.calibration import CALIBRATION_RANGES
from migsim.worldbuild.history_within import (
    BASE_YEAR,
    FIT_YEARS,
    FLOOR_SHARE,
    within_error,
)

SIM_ITERATIONS = 10
SIM_AGENTS = 1_000_000
SIM_SEED = 1001
MIN_AGENTS = 100
DAMPING = 0.5
TREND_RANGE = CALIBRATION_RANGES["corridor_trend"][0]  # utility units per year
CONFIG = "history_1990"


def trend_design(years=FIT_YEARS) -> np.ndarray:
    """Least-squares map (2, Y) from the fit years' log gaps to (level, trend) steps: the
    arrivals counted at t were made in BASE_YEAR + 1 .. t, on average (t - BASE_YEAR + 1) / 2
    years after the base year.

    The ordinary least squares of a level and a slope in closed form, on the few exactly
    representable times: the same bits on every CPU (a LAPACK pseudo-inverse differs in the
    last bits from one CPU's kernels to another's, and the stored fit with it)."""
    t = np.array([0.5 * (year - BASE_YEAR + 1) for year in years])
    n, s, ss = float(len(t)), float(t.sum()), float((t * t).sum())
    det = n * ss - s * s
    return np.stack([(ss - s * t) / det, (n * t - s) / det])


def apply_design(design: np.ndarray, gaps: list) -> np.ndarray:
    """(2, R, R) the (level, trend) steps of the FIT_YEARS' (R, R) gaps: each row of
    `design` times the gaps, added year by year in elementwise NumPy operations (a matrix
    product would call the BLAS, whose kernels, and so their roundings, differ by CPU)."""
    out = np.zeros((design.shape[0], *np.shape(gaps[0])))
    for y, gap in enumerate(gaps):
        out += design[:, y, None, None] * gap
    return out


def agent_weight(world: World, pop_conf: Any, agents: int) -> np.ndarray:
    """(R,) real people per agent by origin in a run of `agents` agents."""
    from migsim.people.population import agents_per_origin

    born, count = agents_per_origin(world, agents, float(pop_conf.stratification))
    return born / np.maximum(count, 1)


def resolved_corridors(
    world: World, last: np.ndarray, pop_conf: Any, agents: int = SIM_AGENTS
) -> np.ndarray:
    """(R, R) the corridors a run of `agents` agents resolves: those whose FIT_END stock
    `last` is worth at least MIN_AGENTS agents (the diagonal left out). The fit fits these on
    runs; HISTORY takes its MAPE over them. A corridor below has a few agents (a median of 5
    on regions12_1990 at 1,000,000), so its error measures the number of agents, not the
    model: the MAPE over every corridor was 73% at 125,000 agents and 41% at 1,000,000."""
    out = last / agent_weight(world, pop_conf, agents)[:, None] >= MIN_AGENTS
    np.fill_diagonal(out, False)
    return out


def history_regime(name: str) -> str | None:
    """The regime that times free movement in the 1990 world `name` as HISTORY runs it: the
    experiment's own (None; typed for regions12's areas) for the shipped regions12 worlds,
    HISTORY's choice for its other shipped worlds, and `history_by_country` (the country
    table, any world built from data) for a world of one's own."""
    from migsim.validation.experiments.history import OTHER_WORLDS
    from migsim.worldbuild.projection import HISTORY_WORLDS

    if name in OTHER_WORLDS:
        return OTHER_WORLDS[name]
    return None if name in HISTORY_WORLDS else "history_by_country"


def simulate(
    world_dir: Path, codes: list, fitted: dict, agents: int, seed: int, years=FIT_YEARS
) -> dict[int, np.ndarray]:
    """{year: (R, R) stock between regions, in the order of `codes`} of the history config
    run to the last of `years` on the world in `world_dir` (named as the world; its
    calibration file the candidate), behaviour `fitted`, with the regime that times free
    movement in that world (as HISTORY runs it)."""
    import migsim
    from migsim.validation.corridors import simulated_stocks

    regime = history_regime(world_dir.name)
    overrides = [
        f"+experiment={CONFIG}",
        f"world={world_dir.name}",
        *([f"regime={regime}"] if regime else []),
        f"world.path={world_dir}",
        f"population.size={agents}",
        f"years={years[-1] - BASE_YEAR}",
        f"seed={seed}",
        *(f"behaviour.{name}={value}" for name, value in fitted.items()),
    ]
    run = migsim.run(overrides)
    return simulated_stocks(run.table("stocks"), codes, years)


def fit_by_simulation(
    world: World,
    cal: Any,
    fitted: dict,
    pop_conf: Any,
    targets: dict,
    survivors: dict,
    rho: float,
    write,
    iterations: int = SIM_ITERATIONS,
    agents: int = SIM_AGENTS,
) -> dict:
    """Move `cal.corridor_constant` and set `cal.corridor_trend` (in place) so that runs
    follow `targets` ({year: (R, R)}); `survivors` {year: (R, R)} are the projection's
    survivors of the base-year stock; `write(cal, path)` stores a calibration. Returns the
    report stored in the provenance (`simulated`)."""
    R = world.n_regions
    years = tuple(sorted(targets))
    last = targets[years[-1]]
    fit = resolved_corridors(world, last, pop_conf, agents)
    fit &= np.asarray(cal.corridor_constant).max(axis=(2, 3)) > -40.0
    design = trend_design(years)
    trend = np.zeros((R, R))
    cal.corridor_trend = trend
    cal.provenance.update({"trend_base_year": BASE_YEAR, "trend_end_year": years[-1]})
    errors = []
    with tempfile.TemporaryDirectory(prefix="migsim-history-fit-") as tmp:
        world_dir = Path(tmp) / world.name
        world_dir.mkdir()
        for path in world.path.iterdir():
            if path.is_file() and not path.name.startswith("calibration"):
                shutil.copyfile(path, world_dir / path.name)
        for k in range(iterations + 1):
            write(cal, world_dir / "calibration.json.gz")
            stocks = simulate(world_dir, world.codes, fitted, agents, SIM_SEED + k, years)
            # the log error of the stocks by fit year, weighted by the last target's stock
            errors.append({y: round(e, 6) for y, e in within_error(stocks, targets).items()})
            if k == iterations:
                break
            gaps = []
            for year in years:
                arrivals = np.maximum(stocks[year] - survivors[year], FLOOR_SHARE * targets[year])
                wanted = np.maximum(targets[year] - survivors[year], FLOOR_SHARE * targets[year])
                gaps.append(np.log(np.maximum(wanted, 1e-9) / np.maximum(arrivals, 1e-9)))
            # Robbins-Monro: steps shrink once the gaps are mostly the runs' sampling noise
            damping = DAMPING * min(1.0, 4.0 / (k + 1))
            steps = damping * rho * apply_design(design, gaps)
            steps = np.where(fit[None], steps, 0.0)
            cal.corridor_constant = cal.corridor_constant + steps[0][:, :, None, None]
            trend = np.clip(trend + steps[1], *TREND_RANGE)
            cal.corridor_trend = trend
    return {
        "method": "simulated moments: corridor level and trend to FIT_END, runs of the "
        "history config (migsim.worldbuild.history_sim)",
        "agents": agents,
        "seeds": [SIM_SEED, SIM_SEED + iterations],
        "iterations": iterations,
        "min_agents": MIN_AGENTS,
        "corridors_fitted": int(fit.sum()),
        "stock_share_fitted": round(float(last[fit].sum() / last[~np.eye(R, dtype=bool)].sum()), 4),
        "corridor_log_error_by_iteration": errors,
    }
