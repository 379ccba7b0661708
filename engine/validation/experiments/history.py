"""History 1990-2010: the regions12 world built at base year 1990 run with observed incomes
and demography (scenario history) and the EU enlargements (regime history), its bilateral
stocks by corridor against the UN matrix in 1995, 2000, 2005 and 2010. The run goes on to
2013 for the back-cast (BACKCAST reads the same run; its years to 2010 are those of a run
that stops in 2010). With
`migsim validate --world corridors_1990` the same on the corridors world built at 1990, its
free movement timed by country (regime history_by_country).

Two nulls from the same data (migsim.validation.corridors): (a) each corridor's 1990 stock
grown at its own constant 1990-2005 rate, (b) a gravity model fitted on the 1990 stocks and
moved by observed populations and incomes. Errors are the corridor log error weighted by the
2010 stock and the MAPE over the area pairs the run resolves (those worth at least 100
agents at 1,000,000 agents in 2005, the corridors the history fit fits on runs; the MAPE
over every pair, most of them a few agents, is in the note: it measures the number of agents
as much as the model). The observed stocks are the matrix read as the
world was built from it: the 1990 worlds spread each destination's migrants of unknown origin
over its known origins (`--unknown-origin spread`, un_stock_totals), so world and data
count the same people. The world and its calibration hold nothing
after 2005, so 2010 is out of sample; 1995-2005 lie inside the window the calibration was
fitted on (tier `fitted`, migsim.model.targets): corridor constants, income elasticity,
return hazard scale and liquidity parameters fitted to the observed 1990-2005 changes along
the history scenario, then the large corridors' levels and trends (held after 2005) on runs
of this config (`migsim world fit-history`, migsim.worldbuild.history_fit, history_sim).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.validation.checks import Check, Pooled
from migsim.validation.corridors import (
    constant_growth_null,
    fit_gravity,
    gravity_null,
    mape,
    observed_stocks,
    simulated_stocks,
    weighted_log_error,
)
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

CONFIG = "history_1990"
WORLD = "regions12_1990"
# the other 1990 worlds HISTORY runs on (`migsim validate --world NAME --only HISTORY`),
# with the regime that times free movement there: `history` names regions12's EEU and WEU,
# history_by_country places the free-movement table in any world built from data
OTHER_WORLDS = {"corridors_1990": "history_by_country"}
BASE, FIT_END, LAST = 1990, 2005, 2010
YEARS = (1995, 2000, 2005, 2010)
SOURCE = "UN DESA bilateral migrant stocks by corridor (engine/data/inputs/un_stock)"


def _log_key(year: int) -> str:
    return f"corridor_log_error_{year}"


MAPE_KEY = f"corridor_mape_{LAST}_pct"
# One check per period and metric, against the closer of the two nulls (a check passes only
# where it beats both); the other null's figure is in the check's note and both are in the
# history block of docs/scenarios.md
QUANTITIES = [*(f"HISTORY:{_log_key(y)}" for y in YEARS), f"HISTORY:{MAPE_KEY}"]
_SHORT = (
    "the calibration is fitted to the observed 1990-2005 changes (migsim world fit-history: "
    "one constant per corridor, income elasticity and return hazard scale on a grid and the "
    "liquidity parameters from their profiles, on the cell-level projection; then each "
    "corridor with at least 100 agents at 1,000,000, 40 of the 127 and 96% of the stock, a "
    "level and a trend fitted on runs of this config, seeds 1001-1011, migsim.worldbuild."
    "history_sim); after 2005 the constants stay at their 2005 values, while the "
    "constant-growth null carries each corridor's 1990-2005 growth on, which most observed "
    "stocks kept (the total between regions is close: docs/scenarios.md). Over every "
    "corridor with a 2010 stock (127; the 87 smaller ones fitted on the projection only, "
    "with a median of 5 agents each) the MAPE is farther still from the null's (the MAPE "
    "check's note). The backtest (HISTORY-backtest: the same method fitted on 1990-2000) "
    "finds the same against 2005, and carrying the fitted trends on does worse there than "
    "holding them (docs/scenarios.md). Next step: corridor terms that follow the observed "
    "income and population paths after the window, and the smaller corridors fitted on "
    "runs pooled by origin or destination"
)
EXPECTED_FAILURES: dict[str, str] = {
    "HISTORY:corridor_log_error_2005": (
        "the constant-growth null reproduces 2005 by construction (its rate is "
        f"fitted on 1990-2005); {_SHORT}"
    ),
    "HISTORY:corridor_log_error_2010": (
        "held out, and no closer to the observed stocks than the constant-growth null (on the "
        "seeds' pooled stocks the two lie within Monte Carlo error of each other; a single "
        "seed's error is larger, its sampling noise added): " + _SHORT
    ),
    "HISTORY:corridor_mape_2010_pct": (
        "held out: over the 40 corridors the run resolves, farther from the observed stocks "
        "than the constant-growth null: " + _SHORT
    ),
}
# --quick (125,000 agents) cannot decide the corridor errors against the constant-growth
# null: a corridor of a few agents is mostly sampling noise, which inflates an absolute error
# even on the three seeds' pooled stocks (2005, where the null is exact by construction, and
# the gravity null, far behind, stay decided). Measured: each quick seed's 2010 log error
# 0.20-0.26, pooled 0.113; the full run pooled 0.107
_QUICK_NOISE = (
    "at 125,000 agents the large corridors have about 12 agents each, and even on the "
    "three seeds' pooled stocks the error measures sampling noise (quick {quick} against "
    "the full run's {full}, the null {null})"
)
QUICK_UNDECIDED: dict[str, str] = {
    "HISTORY:corridor_log_error_1995": _QUICK_NOISE.format(
        quick="0.074", full="0.021", null="0.059"
    ),
    "HISTORY:corridor_log_error_2000": _QUICK_NOISE.format(
        quick="0.097", full="0.035", null="0.075"
    ),
    "HISTORY:corridor_log_error_2010": _QUICK_NOISE.format(
        quick="0.113", full="0.107", null="0.107"
    ),
    "HISTORY:corridor_mape_2010_pct": _QUICK_NOISE.format(
        quick="14.4%", full="13.2%", null="10.7%"
    ),
}


def history_paths(world, years) -> dict[str, dict[int, np.ndarray]]:
    """Population and GDP per capita by region in the base year and `years`: the world's
    own base-year values, then the history scenario's (observed, anchored at them)."""
    from migsim.core.resources import config_dir
    from migsim.scenarios.paths import base_values

    table = pl.read_csv(config_dir() / "scenario" / f"history_{world.name}.csv", comment_prefix="#")
    out: dict[str, dict[int, np.ndarray]] = {}
    for variable in ("population", "gdp_per_capita"):
        base = np.asarray(base_values(world, variable), dtype=np.float64)
        out[variable] = {BASE: base}
        for year in years:
            values = base.copy()
            rows = table.filter((pl.col("variable") == variable) & (pl.col("year") == year))
            for region, value in rows.select("region", "value").iter_rows():
                values[world.codes.index(region)] = value
            out[variable][year] = values
    return out


def corridor_errors(
    estimate: np.ndarray, observed: np.ndarray, weight: np.ndarray, resolved: np.ndarray
) -> tuple[float, float, float]:
    """(log error weighted by `weight`, MAPE % over the `resolved` corridors, MAPE % over
    every corridor) of an (R, R) estimate against the observed stocks."""
    return (
        weighted_log_error(estimate, observed, weight),
        mape(np.where(resolved, estimate, 0.0), np.where(resolved, observed, 0.0)),
        mape(estimate, observed),
    )


def history_errors(
    world,
    simulated: dict[int, np.ndarray],
    observed: dict[int, np.ndarray],
    resolved: np.ndarray | None = None,
    fit_end: int = FIT_END,
    years: tuple[int, ...] = YEARS,
):
    """{year: {"model"|"growth"|"gravity": (log error weighted by the last year's stock,
    MAPE % over the `resolved` corridors, MAPE % over every corridor)}} for each of `years`,
    and the gravity fit (coefficients, R^2 on 1990). `resolved`: (R, R) bool, default every
    corridor; the constant-growth null carries each corridor's BASE-`fit_end` growth on."""
    paths = history_paths(world, years)
    pop, inc = paths["population"], paths["gdp_per_capita"]
    ties = [world.contiguous.astype(float), world.common_language.astype(float)]
    beta, r2 = fit_gravity(observed[BASE], pop[BASE], inc[BASE], world.distance_km, ties)
    weight = observed[years[-1]]
    keep = np.ones_like(weight, dtype=bool) if resolved is None else resolved
    out = {}
    for year in years:
        estimates = {
            "model": simulated[year],
            "growth": constant_growth_null(observed[BASE], observed[fit_end], BASE, fit_end, year),
            "gravity": gravity_null(
                observed[BASE], beta, pop[BASE], inc[BASE], pop[year], inc[year]
            ),
        }
        out[year] = {
            name: corridor_errors(x, observed[year], weight, keep) for name, x in estimates.items()
        }
    return out, (beta, r2)


def _check(
    quantity: str,
    errors: dict,
    metric: int,
    r2: float,
    note: str,
    pooled: Pooled | None = None,
    experiment: str = "HISTORY",
    fit_end: int = FIT_END,
) -> Check:
    """One error of the model (metric 0: log error, 1: MAPE %) against the closer of its two
    nulls: published 0 (no error), any error is inside the band, and it passes when it is no
    larger than either null's. `pooled`: the run's stocks and the error as their measure, so
    that several seeds are decided on their mean stocks."""
    growth, gravity = errors["growth"][metric], errors["gravity"][metric]
    note += (
        f"; nulls: its {BASE}-{fit_end} constant growth {growth:.3g}, gravity fitted on 1990 "
        f"{gravity:.3g} (R^2 {r2:.2f})"
    )
    unit = "%" if metric == 1 else ""
    model = errors["model"][metric]
    return Check(
        experiment,
        quantity,
        SOURCE,
        "V",
        0.0,
        0.0,
        model,
        0.0,
        np.inf,
        unit,
        note,
        min(growth, gravity),
        pooled,
    )


def _pooled(
    observed, resolved, year: int, metric: int, simulated: np.ndarray, last: int = LAST
) -> Pooled:
    """The year's simulated stocks (R, R) and the model's error (`metric`, weighted by the
    `last` year's stock) as their measure."""

    def error(stocks: np.ndarray) -> float:
        return corridor_errors(stocks, observed[year], observed[last], resolved)[metric]

    return Pooled((np.asarray(simulated, dtype=np.float64),), error)


def history_arrays(
    r: Runner,
    config: str,
    name: str,
    years: tuple[int, ...],
    fit_end: int,
    extra: list[str] | None = None,
) -> dict:
    """The run of history `config` (plus `extra` overrides) on world `name`: its stocks
    between regions {year: (R, R)} for `years`, the UN matrix's read the same way, the world,
    and the corridors the run resolves (those its fit fits on runs, by their `fit_end`
    stock). HISTORY's and the backtest's (HISTORY-backtest) arrays, and the history report's."""
    from migsim.core.world import load_world
    from migsim.worldbuild.history_sim import resolved_corridors
    from migsim.worldbuild.inputs import built_matrix
    from migsim.worldbuild.mapping import mapping_path
    from migsim.worldbuild.projection import HISTORY_WORLDS

    run = r.run(config, extra=extra)
    world = load_world(name)
    mapping = pl.read_csv(mapping_path(HISTORY_WORLDS[name]))
    observed = observed_stocks(built_matrix(world.path), mapping, world.codes, years)
    return {
        "world": world,
        "observed": observed,
        "simulated": simulated_stocks(run.table("stocks"), world.codes, years),
        "resolved_mask": resolved_corridors(world, observed[fit_end], r.config(config).population),
    }


@experiment(
    "HISTORY",
    title="History 1990-2010: bilateral stocks by corridor against the closer of two nulls",
    configs=[CONFIG],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    expected_failures=EXPECTED_FAILURES,
    default_world_only=(
        "it runs its own world, regions12_1990 (regions12 built at 1990), from 1990 to 2010, "
        "whatever world the other experiments run in"
    ),
    runs_on=tuple(OTHER_WORLDS),
)
def history(r: Runner) -> list[Check]:
    name = r.world_name if r.world_name in OTHER_WORLDS else WORLD
    regime = [f"regime={OTHER_WORLDS[name]}"] if name in OTHER_WORLDS else []
    arrays = history_arrays(r, CONFIG, name, (BASE, *YEARS), FIT_END, regime)
    world, observed, simulated = arrays["world"], arrays["observed"], arrays["simulated"]
    resolved = arrays["resolved_mask"]
    errors, (_, r2) = history_errors(world, simulated, observed, resolved)
    r.cache["history"] = {
        "errors": errors,
        "totals": {y: (simulated[y].sum(), observed[y].sum()) for y in YEARS},
        "gravity_r2": r2,
        "resolved": int(resolved.sum()),
        **arrays,  # for pooling seeds (migsim.validation.history_report)
    }
    out = []
    for year in YEARS:
        out.append(
            _check(
                _log_key(year),
                errors[year],
                0,
                r2,
                "log error weighted by the 2010 stock",
                _pooled(observed, resolved, year, 0, simulated[year]),
            )
        )
    count = int((resolved & (observed[LAST] > 0)).sum())
    every = int((observed[LAST] > 0).sum())
    share = observed[LAST][resolved].sum() / observed[LAST].sum()
    model_all, growth_all = errors[LAST]["model"][2], errors[LAST]["growth"][2]
    out.append(
        _check(
            MAPE_KEY,
            errors[LAST],
            1,
            r2,
            f"mean over the {count} corridors the run resolves ({100 * share:.0f}% of the 2010 "
            f"stock; over all {every} corridors with a 2010 stock, most of a few agents: "
            f"model {model_all:.1f}, constant growth {growth_all:.1f})",
            _pooled(observed, resolved, LAST, 1, simulated[LAST]),
        )
    )
    return out
