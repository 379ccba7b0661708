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
inputs). The model's figure is read on the same composition: that panel's growth is its
regions' growth averaged with their 1990 inflows, so the model's is each region's simulated
remittances received over its 1990 ones, averaged with the same weights (the model's whole
world's total, whose 1990 split across regions is the rule's and not the recorded one, is in
the note). The naive null keeps remittances at their 1990 share of world GDP: world real GDP
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
    from migsim.worldbuild.mapping import mapping_path

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
    area = dict(pl.read_csv(mapping_path("regions12")).select("iso3", "area").iter_rows())
    weights: dict[str, float] = {}  # the panel's base-year inflows by region, US$ bn
    by_region: dict[str, dict[int, float]] = {}  # and its real inflows by region and year
    for c in panel:
        if c in area:
            weights[area[c]] = weights.get(area[c], 0.0) + remit[c][BASE] / 1e9
            sums = by_region.setdefault(area[c], dict.fromkeys(years, 0.0))
            for y in years:
                sums[y] += remit[c][y] / deflator[y]
    every = rel({y: sum(v[y] for v in remit.values() if y in v) / deflator[y] for y in years})
    return {
        "balanced": balanced,
        "all": every,
        "deflator": rel(deflator),
        "world_gdp": rel({y: sum(real[c][y] for c in world) for y in years}),
        "panel": len(panel),
        "panel_base_by_region_bn": weights,
        "panel_by_region": {a: rel(v) for a, v in by_region.items()},
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


def region_growth(remittances: pl.DataFrame, years=(BASE, *YEARS)) -> dict[str, dict[int, float]]:
    """Each receiving region's remittances received by year over its base year's (regions
    the run sends nothing to in the base year are left out)."""
    received = (
        remittances.filter(pl.col("year").is_in(list(years)))
        .group_by("destination", "year")
        .agg(pl.col("received").sum())
    )
    by = {(d, int(y)): float(v) for d, y, v in received.iter_rows()}
    regions = {d for d, _ in by if by.get((d, BASE), 0.0) > 0}
    return {d: {y: by.get((d, y), 0.0) / by[(d, BASE)] for y in years} for d in regions}


def panel_growth(
    growth: dict[str, dict[int, float]], weights: dict[str, float], years=(BASE, *YEARS)
) -> dict[int, float]:
    """The simulated growth on the recorded panel's composition: each receiving region's
    growth (`region_growth`) averaged with the weights `weights` (region -> the panel
    economies' base-year inflows there), as the recorded panel's growth is its regions'
    growth averaged with their base-year inflows. Regions absent from `growth` (the run sends
    them nothing in the base year), or without weight, are left out."""
    regions = [r for r, w in weights.items() if w > 0 and r in growth]
    total = sum(weights[r] for r in regions)
    return {y: sum(weights[r] * growth[r][y] for r in regions) / total for y in years}


_RECORDING = (
    "the rule sends a fixed share of each migrant's income above subsistence, so each "
    "region's receipts follow its emigrants' stocks and incomes abroad year by year; the "
    "recorded inflows moved apart from them: Western Europe's and North Africa's, which hold "
    "most of the panel's 1990 inflows, fell in real terms in the 1990s, while the developing "
    "regions' grew after 2000 far faster than their emigrants' stocks and incomes (the note "
    "gives each region, recorded and simulated), part of it better recording and the move "
    "from informal to formal channels, which the World Bank's Global Economic Prospects "
    "2006 describes and the rule does not follow"
)
EXPECTED_FAILURES: dict[str, str] = {
    f"E23-history:{_key(1995)}": (
        "above the band and farther from the recorded growth than the null (remittances at "
        "their 1990 share of world GDP): on the recorded panel's composition the model's "
        "remittances grow faster than the recorded ones from the start: " + _RECORDING
    ),
    f"E23-history:{_key(2000)}": (
        "at the band's upper edge (undecided within Monte Carlo error at the full run's "
        "agents, above it with twice as many) and farther from the recorded growth than the "
        "null in either case: on the recorded panel's composition the model's remittances "
        "grow faster than the recorded ones through the 1990s: " + _RECORDING
    ),
    f"E23-history:{_key(2010)}": (
        "below the band: on the recorded panel's composition the model's remittances grow "
        "more slowly than the recorded ones after 2000 (its whole world's total, in the note, "
        "grows about as the panel's; the regions weigh differently): " + _RECORDING
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
    remittances = r.run(CONFIG).table("remittances")
    data = recorded_growth()
    weights = data["panel_base_by_region_bn"]
    total = simulated_growth(remittances)
    regions = region_growth(remittances)
    model = panel_growth(regions, weights)
    largest = sorted((a for a in weights if a in regions), key=lambda a: -weights[a])
    path = ", ".join(f"{y} {model[y]:.2f} (recorded {data['balanced'][y]:.2f})" for y in YEARS)
    checks = []
    for year in YEARS:
        each = ", ".join(
            f"{a} {data['panel_by_region'][a][year]:.2f} ({regions[a][year]:.2f})" for a in largest
        )
        note = (
            f"world remittances received in {year} over {BASE}, in base-year prices; the "
            f"recorded figure on the {data['panel']} economies recorded in every "
            f"one of {BASE}-{LAST}'s five years (US${data['recorded_base_bn']:.1f} bn in "
            f"{BASE}, of the 1990 world's calibrated total of every economy recorded then); "
            f"over every economy recorded in {year} it is {data['all'][year]:.2f}, the "
            f"difference economies first recorded after {BASE}; the US GDP deflator rose "
            f"{data['deflator'][year]:.2f}x; null: remittances at their {BASE} share of world "
            f"real GDP, {data['world_gdp'][year]:.2f}; the path on the first seed, model "
            f"(recorded): {path}; the model's growth is its regions' weighted by the "
            f"panel's {BASE} inflows in each, as the recorded growth is (its whole world's "
            f"total: {total[year]:.2f}); by region, largest 1990 panel inflow first, recorded "
            f"(model): {each}"
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
