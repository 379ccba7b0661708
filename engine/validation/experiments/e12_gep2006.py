"""E12: Alonso's (2015) Table 6.2 experiment (World Bank GEP 2006): developed regions' labour
force 3% higher by 2025, world real income and the income of the welfare groups."""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.analysis.runs import Result
from migsim.validation.checks import Check, point
from migsim.validation.experiments._shared import WORKING_BANDS, pct, year_sum
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E12:developed_labour_force_pct_2025",
    "E12:world_real_income_pct_2025",
    "E12:world_real_income_pct_2025_alonso",
    "E12:natives_high_income_income_per_capita_pct",
    "E12:earlier_migrants_income_per_capita_pct",
    "E12:natives_developing_income_per_capita_pct",
]
QUICK_UNDECIDED: dict[str, str] = {}
ALONSO = "World Bank GEP 2006 (Alonso 2015, Table 6.2)"
# The welfare groups' changes are Table 6.2's points as Alonso cites them ([C], +-25%), not
# their signs: a one-sided bound would pass any gain for the natives of developed regions.
# Table 6.2 gives each group's private, public and total real income, in $bn and in % (the
# $bn columns add up: natives of developing countries 131 + 12 = 143); the checks read the
# total, as the model's private plus public income per head, and the notes the private:
# (private %, public %, total %) per group
TABLE_6_2 = {
    "natives_developed": (0.44, -0.01, 0.36),
    "earlier_migrants_developed": (-9.41, -0.02, -6.02),
    "natives_developing": (0.94, 0.44, 0.86),
}
EXPECTED_FAILURES = {
    "E12:world_real_income_pct_2025": (
        "the policy cut that raises the developed regions' labour force by 3% draws part of "
        "it from the Gulf, where the immigrants hold employer-tied permits and turn over "
        "within a few years: a stock fed by its yearly entries follows their diversion to "
        "the developed regions, and a move between two high-income destinations adds little "
        "to world income (the note gives the Gulf's GDP and immigrants); modelled as "
        "settlers, the Gulf's migrants had left the gain inside the band"
    ),
    "E12:natives_high_income_income_per_capita_pct": (
        "natives of developed regions gain about twice Table 6.2's +0.36% per head [C], "
        "through capital income (their private income: the note): the capital the partial "
        "closure adds to hold its return raises the developed regions' capital income, which "
        "the model credits to the hosts' natives, the owners, while their earnings per head "
        "fall"
    ),
    "E12:earlier_migrants_income_per_capita_pct": (
        "earlier migrants in developed regions lose 0.4% per head against Table 6.2's "
        "-6.02% [C] (their private income: the note): the "
        "newcomers spread over every education x experience cell, where immigrants and "
        "natives substitute with an elasticity of 20 (Ottaviano-Peri's), so the earlier "
        "migrants' cells take a small part of the inflow; a loss of Table 6.2's size would "
        "need the newcomers to compete almost only with the earlier migrants"
    ),
    "E12:natives_developing_income_per_capita_pct": (
        "natives of developing regions lose about 0.3% per head instead of gaining Table 6.2's "
        "+0.86% [C] (private +0.94%, public +0.44%): emigrants take labour income and "
        "capital income falls with the labour force, and remittances (credited here to "
        "origin natives) do not make up for it"
    ),
}


def _working_in_developed(r: Runner, run: Result, year: int) -> float:
    world = r.world()
    dev = [c for c, d in zip(world.codes, world.developed) if d]
    s = run.table("stocks")
    return float(
        s.filter(
            (pl.col("year") == year)
            & pl.col("location").is_in(dev)
            & pl.col("age_band").is_in(WORKING_BANDS)
        )["people"].sum()
    )


def market_rate_gdp(world, regions: pl.DataFrame, year: int) -> float:
    """World GDP of `year` valued at market exchange rates (US$): each region's PPP GDP times
    its price level (US$ per PPP $ from the Penn World Table, migsim.model.incomes.price_level,
    the conversion the economy step applies to remittances). Alonso's (2015) Table 6.2 gives
    the gain both ways: +1.19% of world income unadjusted, +0.63% adjusted for the cost of
    living (GEP's 0.6%); PPP GDP is the adjusted reading, this one the unadjusted."""
    from migsim.model.incomes import price_level

    price = dict(zip(world.codes, price_level(world)))
    rows = regions.filter(pl.col("year") == year).select("region", "gdp")
    return float(sum(gdp * price[code] for code, gdp in rows.iter_rows()))


def _gdp_by_group(world, treat: pl.DataFrame, base: pl.DataFrame, year: int) -> str:
    """The GDP change of the developed regions, of the Gulf (whose regular immigrants hold
    employer-tied permits) and of the other developing regions, and the Gulf's immigrants."""
    from migsim.regimes import tied_corridors

    gulf = tied_corridors(world).any(axis=0)
    groups = {
        "developed regions": np.asarray(world.developed, dtype=bool),
        "the Gulf": gulf,
        "the other developing regions": ~np.asarray(world.developed, dtype=bool) & ~gulf,
    }

    def total(frame, column, mask):
        codes = [c for c, m in zip(world.codes, mask) if m]
        rows = frame.filter((pl.col("year") == year) & pl.col("region").is_in(codes))
        return float(rows[column].sum())

    parts = [
        f"{name} {pct(total(treat, 'gdp', m), total(base, 'gdp', m)):+.2f}%"
        for name, m in groups.items()
        if m.any()
    ]
    out = "GDP: " + ", ".join(parts)
    if gulf.any():
        moved = total(treat, "immigrants", gulf) - total(base, "immigrants", gulf)
        out += f"; the Gulf's immigrants {moved / 1e6:+.1f}M"
    return out


def _welfare(r: Runner, run: Result, year: int) -> dict[str, tuple[float, float, float]]:
    """(people, private income, public income) per group (remittances received are already
    in natives' private income)."""
    w = run.table("welfare").filter(pl.col("year") == year)
    return {
        g: (p, a, b)
        for g, p, a, b in w.select("group", "people", "private_income", "public_income").iter_rows()
    }


@experiment(
    "E12",
    title="World Bank GEP 2006 (Alonso's (2015) Table 6.2)",
    configs=["e12_gep2006"],
    cost="run",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    quick_undecided=QUICK_UNDECIDED,
    other_worlds=(
        "the 12-year horizon is 2010-2022 here (2013-2025 in the default world); the policy "
        "cut is bisected to the same +3% labour force, whose world income gain follows the "
        "income gaps between the regions: regions12's GDP per head (PWT 10.01) is 0.86 of the "
        "default's in SAS, 0.91 in EAS and 1.13 in OCE (docs/worlds-regions12.md)"
    ),
)
def e12_gep(r: Runner) -> list[Check]:
    """The experiment is designed to raise developed regions' labour force by 3% by 2025:
    the factor on policy costs into developed regions is found by bisection (on log factor)
    so that the achieved increase is 3%, then the outcomes are read from that run."""
    y = r.base_year + 12  # 2025 from the 2013 world: the experiment's 12-year horizon
    base = r.run("e12_gep2006", baseline=True)
    lo, hi = np.log(0.05), np.log(1.0)
    treat, lf = None, 0.0
    for _ in range(7):
        factor = float(np.exp(0.5 * (lo + hi)))
        treat = r.run("e12_gep2006", extra=[f"regime.components.0.factor={factor:.4f}"])
        lf = pct(_working_in_developed(r, treat, y), _working_in_developed(r, base, y))
        if abs(lf - 3.0) < 0.1:
            break
        if lf > 3.0:  # too open: raise the remaining policy cost
            lo = np.log(factor)
        else:
            hi = np.log(factor)
    tr, ba = treat.table("regions"), base.table("regions")
    g = pct(year_sum(tr, y, "gdp"), year_sum(ba, y, "gdp"))
    world = r.world()
    g_usd = pct(market_rate_gdp(world, tr, y), market_rate_gdp(world, ba, y))
    wt, wb = _welfare(r, treat, y), _welfare(r, base, y)

    def per_capita(group, private=False):
        """% change of the group's income per head: private and public, or private only."""
        (pt, at, bt), (pb, ab, bb) = wt[group], wb[group]
        return pct(at / pt, ab / pb) if private else pct((at + bt) / pt, (ab + bb) / pb)

    return [
        point(
            "E12",
            "developed_labour_force_pct_2025",
            "experiment design (GEP 2006)",
            "A",
            3.0,
            lf,
            "%",
            "achieved increase of residents aged 20-64 in developed regions",
            tol=0.10,
        ),
        point(
            "E12",
            "world_real_income_pct_2025",
            ALONSO,
            "V",
            0.6,
            g,
            "%",
            "world GDP, PPP (adjusted for the cost of living); " + _gdp_by_group(world, tr, ba, y),
        ),
        point(
            "E12",
            "world_real_income_pct_2025_alonso",
            "Alonso 2015 Table 6.2",
            "C",
            1.19,
            g_usd,
            "%",
            "world GDP at market exchange rates (each region's PPP GDP times its price "
            "level), Table 6.2's real income not adjusted for the cost of living; the "
            "adjusted figure (0.63%, GEP's 0.6% [V]) is the check above",
        ),
        *(
            point(
                "E12",
                quantity,
                ALONSO,
                "C",
                TABLE_6_2[group][2],
                per_capita(group),
                "%",
                f"{who}, private and public income per head (Table 6.2's total; its private "
                f"{TABLE_6_2[group][0]:+.2f}% against the model's "
                f"{per_capita(group, private=True):+.2f}%)",
            )
            for quantity, group, who in (
                (
                    "natives_high_income_income_per_capita_pct",
                    "natives_developed",
                    "natives of developed regions",
                ),
                (
                    "earlier_migrants_income_per_capita_pct",
                    "earlier_migrants_developed",
                    "migrants living in developed regions before the policy",
                ),
                (
                    "natives_developing_income_per_capita_pct",
                    "natives_developing",
                    "natives of developing regions (remittances received included)",
                ),
            )
        ),
    ]
