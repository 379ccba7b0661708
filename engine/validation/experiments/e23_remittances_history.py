"""E23 over time: world remittances received 1990-2010 along the history run (HISTORY's run of
regions12_1990, simulated once), against the World Bank's recorded inflows.

The 1990 world's one global remittance scale brings its base-year remittances to the world's
own 1990 total, WDI's personal remittances received summed over the 110 economies that
reported any (US$68.4 bn, calibrated); nothing after 1990 is fitted to a remittance figure.
From there the rule sends a share of each migrant's income above subsistence, so the total
follows the simulated stocks (fitted on 1990-2005 corridor changes, held after) and the
observed incomes of the history scenario; what is sent from a region is converted into US
dollars at that year's observed price level of the region relative to the USA (the history
scenario's `price_level`, from PWT), so the total is in US dollars of constant US prices, as
the recorded one deflated by the US GDP deflator.

The published figure is the growth of recorded remittances in real terms on the same
economies: the inflows of the 102 economies recorded in each of 1990, 1995, 2000, 2005 and
2010 (US$68.4 bn of the 1990 total) over their 1990 inflows (a balanced panel: the economies
first recorded after 1990 had remittances in 1990 that no total holds), deflated by the US
GDP deflator (WDI GDP in current US$ over PWT's real GDP at 2017 prices, both committed
inputs). The naive null keeps remittances at their 1990 share of world GDP: world real GDP
growth over the PWT countries.
"""

from __future__ import annotations

import polars as pl

from migsim.validation.checks import Check, point
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

CONFIG = "history_1990"
BASE, LAST = 1990, 2010
YEARS = (1995, 2000, 2005, 2010)


def _key(year: int) -> str:
    return f"remittances_real_growth_{year}_over_{BASE}_x"


# one check per period, as HISTORY's corridor errors: nothing after 1990 is fitted to a
# remittance figure, so every period is out of sample
QUANTITIES = [f"E23-history:{_key(y)}" for y in YEARS]
SOURCE = (
    "World Bank WDI: personal remittances received (BX.TRF.PWKR.CD.DT), deflated by the US GDP "
    "deflator (WDI current US$ over PWT 10.01 rgdpe)"
)


def _series(frame: pl.DataFrame, column: str, years) -> dict[str, dict[int, float]]:
    rows = frame.filter(pl.col("year").is_in(list(years))).select("iso3", "year", column)
    out: dict[str, dict[int, float]] = {}
    for iso3, year, value in rows.iter_rows():
        if value is not None:
            out.setdefault(iso3, {})[int(year)] = float(value)
    return out


def recorded_growth(inputs=None, years=(BASE, *YEARS)) -> dict:
    """Observed figures by year, relative to `BASE`: "balanced" (the economies with a
    recorded inflow in every one of `years`, real), "all" (every economy recorded that year,
    real), "deflator" (the US GDP deflator) and "world_gdp" (world real GDP over the PWT
    countries with every one of `years`); and the balanced panel's size ("panel") and `BASE`
    inflow in US$ bn ("recorded_base_bn")."""
    from migsim.worldbuild.inputs import Inputs

    inputs = inputs or Inputs()
    remit = _series(inputs["remittance_inflows"], "usd", years)
    usd = _series(inputs["gdp_current_usd"], "gdp_usd", years)["USA"]
    real = _series(inputs["pwt"], "rgdpe", years)
    deflator = {y: usd[y] / (real["USA"][y] * 1e6) for y in years}
    panel = [c for c, v in remit.items() if all(y in v for y in years)]
    world = [c for c, v in real.items() if all(y in v for y in years)]

    def rel(total: dict[int, float]) -> dict[int, float]:
        return {y: total[y] / total[BASE] for y in years}

    balanced = rel({y: sum(remit[c][y] for c in panel) / deflator[y] for y in years})
    every = rel({y: sum(v[y] for v in remit.values() if y in v) / deflator[y] for y in years})
    return {
        "balanced": balanced,
        "all": every,
        "deflator": rel(deflator),
        "world_gdp": rel({y: sum(real[c][y] for c in world) for y in years}),
        "panel": len(panel),
        "recorded_base_bn": sum(remit[c][BASE] for c in panel) / 1e9,
    }


def simulated_growth(remittances: pl.DataFrame, years=(BASE, *YEARS)) -> dict[int, float]:
    """World remittances received (after fees) by year over the base year's."""
    by_year = dict(
        remittances.filter(pl.col("year").is_in(list(years)))
        .group_by("year")
        .agg(pl.col("received").sum())
        .iter_rows()
    )
    return {y: float(by_year[y]) / float(by_year[BASE]) for y in years}


EXPECTED_FAILURES: dict[str, str] = {
    f"E23-history:{_key(1995)}": (
        "above the band and farther from the recorded growth than the null (remittances at "
        "their 1990 share of world GDP): the model's total grows faster than the recorded one "
        "from the start (the 2000 check's cause)"
    ),
    f"E23-history:{_key(2000)}": (
        "the model's total grows by about 57% in real terms from 1990 to 2000 against the "
        "recorded 30% of the same economies, and the recorded total catches up only after "
        "2000 (x2.21 in 2005 and x3.20 in 2010, where the model's checks pass): the rule "
        "sends a fixed share of each migrant's income above subsistence, "
        "so the model's total follows the stocks and the incomes abroad year by year, with "
        "the 1990 share of it recorded throughout; the recorded inflows of the 1990s grew "
        "more slowly than the stocks and incomes behind them, although the dollar's rise "
        "against the European and Japanese currencies in the late 1990s (their price levels "
        "relative to the USA fell by a quarter to a third) is in the model's conversion"
    ),
}


@experiment(
    "E23-history",
    title="Remittances received 1990-2010: real growth against WDI (history run)",
    configs=[CONFIG],
    cost="run",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    default_world_only=(
        "it reads HISTORY's run of regions12_1990 from 1990, whatever world the other "
        "experiments run in"
    ),
)
def e23_remittances_history(r: Runner) -> list[Check]:
    run = r.run(CONFIG)
    model = simulated_growth(run.table("remittances"))
    data = recorded_growth()
    path = ", ".join(f"{y} {model[y]:.2f} (recorded {data['balanced'][y]:.2f})" for y in YEARS)
    checks = []
    for year in YEARS:
        note = (
            f"world remittances received in {year} over {BASE}, in base-year prices; the "
            f"recorded figure on the {data['panel']} economies recorded in every "
            f"one of {BASE}-{LAST}'s five years (US${data['recorded_base_bn']:.1f} bn in "
            f"{BASE}, of the 1990 world's calibrated total of every economy recorded then); "
            f"over every economy recorded in {year} it is {data['all'][year]:.2f}, the "
            f"difference economies first recorded after {BASE}; the US GDP deflator rose "
            f"{data['deflator'][year]:.2f}x; null: remittances at their {BASE} share of world "
            f"real GDP, {data['world_gdp'][year]:.2f}; the path on the first seed, model "
            f"(recorded): {path}"
        )
        checks.append(
            point(
                "E23-history",
                _key(year),
                SOURCE,
                "V",
                data["balanced"][year],
                model[year],
                "x",
                note,
                null=data["world_gdp"][year],
            )
        )
    return checks
