"""E6: the wages of less-educated natives after the 1990s migration flows, by country
(Docquier, Ozden & Peri 2014, OECD countries 1990-2000), on the 232-country world.

Simulated on the country world's own markets: each country's calibrated education x
experience x nativity CES of the base year (2010) is shocked, capital adjusting (DOP's long
run), by the 1990-2000 change in its immigrant stock (immigration) or its emigrant stock
(emigration), from the UN bilateral stocks of 1990 and 2000 (`inputs/un_stock`, read as the
world was built from them: migrants of unknown origin spread; nothing after 2010 is used).
The change is taken as a share of the country's 2010 residents and applied to
its 2010 labour supply: added immigrants have the mix of the country's immigrant workers in
the model; departing natives have the emigrants' mix (the corridors' tertiary shares; their
secondary schooling from the origin's Barro-Lee share and the assumed selection factor of
`migsim.core.world_education`). Less-educated natives are those without a degree (primary
or secondary); their wage is their cells' supply-weighted wage.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from migsim.validation.checks import Check, within
from migsim.validation.experiments._countries import (
    COUNTRY_WORLD_ONLY,
    OVERRIDES,
    WORLD,
    country_matrix,
)
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

SOURCE = "Docquier, Ozden & Peri 2014 (Economic Journal)"
IMMIGRATION = ("IRL", "LUX", "CHE", "GBR")  # less-educated natives gained 2-5%
EMIGRATION = ("CYP", "IRL", "NZL")  # less-educated natives lost 3-6%
# one check per metric (the countries of one run are one check, as the back-cast's areas): the
# mean over the countries DOP name, each country's figure in the note
QUANTITIES = [
    "E6:immigration_low_educated_native_wage_pct",
    "E6:emigration_low_educated_native_wage_pct",
]
_IMMIGRANTS = (
    "the model's immigrants are not more educated than natives there (tertiary 18-33% of "
    "immigrant efficiency units against natives' 27-37%: the corridors' tertiary shares of "
    "this world, with no DIOC data set), while DOP's 1990s immigrants to these countries were "
    "college-heavy; with sigma_HS = 20 and sigma_q = 2 an inflow so mixed barely moves "
    "non-tertiary natives' wage"
)
_EMIGRANTS = (
    "the proxy for the 1990s emigration, the change of the UN bilateral emigrant stock "
    "1990-2000, is small or negative (about 2-3% of residents, negative for IRL and CYP, "
    "positive for NZL; each in the check's note: deaths and returns of older emigrants), "
    "while DOP count the rise of working-age, largely "
    "tertiary emigrants (Docquier-Marfouk); the loss of less-educated natives stays within "
    "0.4% of zero"
)
EXPECTED_FAILURES = {
    "E6:immigration_low_educated_native_wage_pct": (
        "the mean over IRL, LUX, CHE and GBR stays within about 1% of zero (each country "
        "-0.7% to +1.5% over seeds and agent counts) against +2 to +5%: " + _IMMIGRANTS
    ),
    "E6:emigration_low_educated_native_wage_pct": (
        "the mean over CYP, IRL and NZL stays within 0.4% of zero against -6 to -3%: " + _EMIGRANTS
    ),
}


def stock_changes(codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(immigrants, emigrants) of each country: the 2000 stock less the 1990 stock."""
    frame = country_matrix([1990, 2000])
    sign = pl.when(pl.col("year") == 2000).then(1.0).otherwise(-1.0)
    inflow = frame.group_by("destination").agg((pl.col("stock") * sign).sum())
    outflow = frame.group_by("origin").agg((pl.col("stock") * sign).sum())
    imm = dict(zip(inflow["destination"].to_list(), inflow["stock"].to_list()))
    emi = dict(zip(outflow["origin"].to_list(), outflow["stock"].to_list()))
    return (
        np.array([imm.get(c, 0.0) for c in codes]),
        np.array([emi.get(c, 0.0) for c in codes]),
    )


def country_markets(r: Runner):
    """(economy step, base-year supply (R, 3, X, 2), simulation) of the country world."""
    from migsim.steps.economy import EconomyStep

    if "country_markets" not in r.cache:
        sim, _ = r.start(extra=list(OVERRIDES), world=WORLD)
        econ = next(s for s in sim.steps if isinstance(s, EconomyStep))
        r.cache["country_markets"] = (econ, np.array(econ._last_supply), sim)
    return r.cache["country_markets"]


def emigrant_mix(world, o: int, n_experience: int, natives: np.ndarray) -> np.ndarray:
    """Efficiency-unit mix (3, X) of country o's emigrants: tertiary share from the
    corridors, secondary among the others from the origin's share and the selection factor,
    experience as the natives' of each education group."""
    from migsim.core.world_education import migrant_secondary_share

    stock = world.migrant_stock[o]
    tertiary = float((stock * world.migrant_tertiary_share[o]).sum() / max(stock.sum(), 1.0))
    secondary = migrant_secondary_share(float(world.secondary_share[o]))
    edu = np.array([(1 - tertiary) * (1 - secondary), (1 - tertiary) * secondary, tertiary])
    exp = natives / np.maximum(natives.sum(axis=1, keepdims=True), 1e-300)
    mix = edu[:, None] * np.where(natives.sum(axis=1, keepdims=True) > 0, exp, 1 / n_experience)
    return mix / mix.sum()


def low_educated_native_change(econ, supply: np.ndarray, i: int, new: np.ndarray) -> float:
    """Percent change of country i's non-tertiary natives' wage, capital adjusting."""
    from migsim.model import nested_market as nm

    cut = slice(i, i + 1)
    state = econ.state.region(i)
    params = replace(econ.params, closure="long_run")
    base = supply[cut]
    w0 = nm.class_wages(nm.solve(state, base, params).wages, base)[0, 0, 0]
    w1 = nm.class_wages(nm.solve(state, new[None], params).wages, base)[0, 0, 0]
    return 100.0 * (w1 / w0 - 1.0)


@experiment(
    "E6",
    title="Less-educated natives' wages after the 1990s flows (Docquier, Ozden & Peri 2014)",
    configs=["e01_status_quo"],
    cost="driven",
    quantities=QUANTITIES,
    other_worlds=COUNTRY_WORLD_ONLY,
    expected_failures=EXPECTED_FAILURES,
)
def e6_dop(r: Runner) -> list[Check]:
    econ, supply, sim = country_markets(r)
    world = sim.world
    imm_change, emi_change = stock_changes(world.codes)
    X = supply.shape[2]
    imm = {}
    for code in IMMIGRATION:
        i = world.index(code)
        s = supply[i]
        units = s.sum() * imm_change[i] / world.population[i]
        new = s.copy()
        new[..., 1] += units * s[..., 1] / s[..., 1].sum()
        imm[code] = (low_educated_native_change(econ, supply, i, new), imm_change[i])
    emi = {}
    for code in EMIGRATION:
        i = world.index(code)
        s = supply[i]
        units = s.sum() * emi_change[i] / world.population[i]
        new = s.copy()
        mix = emigrant_mix(world, i, X, s[..., 0])
        new[..., 0] = np.maximum(s[..., 0] - units * mix, 0.0)
        emi[code] = (low_educated_native_change(econ, supply, i, new), emi_change[i])
    out = []
    for kind, who, changes, low, high in (
        ("immigration", "immigrant", imm, 2.0, 5.0),
        ("emigration", "emigrant", emi, -6.0, -3.0),
    ):
        each = "; ".join(
            f"{c} {pct:+.2f}% ({stock / 1e3:+,.0f}k)" for c, (pct, stock) in changes.items()
        )
        out.append(
            within(
                "E6",
                f"{kind}_low_educated_native_wage_pct",
                SOURCE,
                "V",
                low,
                high,
                float(np.mean([pct for pct, _ in changes.values()])),
                "%",
                f"mean over {', '.join(changes)}, long run; each country (1990-2000 {who} "
                f"stock change): {each}",
            )
        )
    return out
