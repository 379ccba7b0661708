"""E20-E21: immigrants' net fiscal contribution in the base year (OECD IMO 2013) and the
net present value of an immigrant by age at arrival and skill (NRC 1997)."""

from __future__ import annotations

import numpy as np
import polars as pl

from migsim.validation.checks import Check, sign, within
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E20:immigrants_net_contribution_pct_gdp_developed",
    "E20:max_abs_region_net_contribution_pct_gdp",
    "E21:npv_arrival_20_minus_40_low_skill_k",
    "E21:npv_arrival_40_minus_70_low_skill_k",
    "E21:npv_arrival_40_low_skill_k",
    "E21:npv_arrival_25_low_skill_k",
    "E21:npv_arrival_25_high_minus_low_skill_k",
]


EXPECTED_FAILURES = {
    "E20:immigrants_net_contribution_pct_gdp_developed": (
        "with three education groups and experience bands each immigrant earns their own "
        "cell's wage, and the developed hosts' immigrants sit in the primary-heavy, "
        "low-experience cells, so their taxes fall while they draw the full average cost of "
        "public goods (economy.public_goods_cost=average; the marginal-cost reading is the "
        "other end of OECD's range)"
    ),
}
QUICK_UNDECIDED = {
    "E20:immigrants_net_contribution_pct_gdp_developed": (
        "near the band's edge at -0.5 in the full run; a quick run's smaller samples of "
        "immigrants cannot decide it"
    ),
    "E21:npv_arrival_25_high_minus_low_skill_k": (
        "full run 223 (seeds 218-230), quick 253 (seeds 202-304): a small cohort, a fifth "
        "of the value moves with the sample"
    ),
}


@experiment(
    "E20-E21",
    title="Fiscal effects of immigrants (OECD IMO 2013, NRC 1997)",
    configs=["e01_status_quo"],
    cost="run",
    quantities=QUANTITIES,
    quick_undecided=QUICK_UNDECIDED,
    expected_failures=EXPECTED_FAILURES,
    identities={
        "E21:npv_arrival_25_high_minus_low_skill_k": (
            "taxes rise with the wage and benefits do not, so a tertiary worker's NPV "
            "exceeds a non-tertiary one's by construction"
        ),
    },
    other_worlds=(
        "taxes and public spending are the default's rates (assumed), but the developed "
        "regions' natives have Barro-Lee v2.2's tertiary shares, NAM 0.563 against 0.35 and "
        "EEU 0.412 against 0.20, while their immigrants keep the default's corridor tertiary "
        "shares (assumed; docs/worlds-regions12.md), so immigrants earn and pay less relative "
        "to natives: their net contribution in the developed regions is -0.61% of GDP against "
        "the default's -0.44%. Measured: with the default's tertiary shares in the five "
        "developed regions of regions12 it is -0.51, so the shares make 0.10 of the 0.17 "
        "points; the other 2010 tables the rest"
    ),
)
def e20_e21_fiscal(r: Runner) -> list[Check]:
    run = r.run("e01_status_quo")
    world = r.world()
    reg = run.table("regions").filter((pl.col("year") == r.base_year) & pl.col("developed"))
    share = 100 * reg["net_contribution_immigrants"] / reg["gdp"]
    agg = 100 * float(reg["net_contribution_immigrants"].sum() / reg["gdp"].sum())
    per = ", ".join(f"{c} {s:+.2f}" for c, s in zip(reg["region"], share))
    out = [
        within(
            "E20",
            "immigrants_net_contribution_pct_gdp_developed",
            "OECD IMO 2013",
            "V",
            -0.5,
            0.5,
            agg,
            "% GDP",
            f"by region: {per}",
        ),
        within(
            "E20",
            "max_abs_region_net_contribution_pct_gdp",
            "OECD IMO 2013",
            "V",
            0.0,
            2.0,
            float(np.abs(share).max()),
            "% GDP",
            "no host beyond CH/LU's ~+2% (published maximum)",
        ),
    ]
    # E21: NPV by age at arrival of a NAM immigrant, from the base-year annual net
    # contribution per person by skill and age band, survival of NAM, 3% discounting,
    # without descendants.
    from migsim.core.world import AGE_BAND_OF_AGE, AGE_BANDS

    i = world.index("NAM")
    fis = run.table("fiscal").filter(
        (pl.col("year") == r.base_year)
        & (pl.col("region") == "NAM")
        & (pl.col("nativity") == "immigrant")
    )
    q = world.death_probability[i].mean(axis=0)
    npv = {}
    for skill in ("low", "high"):
        f = (
            fis.filter(pl.col("skill") == skill)
            .group_by("age_band")
            .agg(pl.col("net_contribution").sum(), pl.col("people").sum())
        )
        per_band = dict(zip(f["age_band"], f["net_contribution"] / f["people"]))
        net = np.array([per_band.get(AGE_BANDS[AGE_BAND_OF_AGE[a]], 0.0) for a in range(106)])
        for a0 in (0, 20, 25, 40, 70):
            surv, total = 1.0, 0.0
            for a in range(a0, 106):
                total += surv * net[a] / 1.03 ** (a - a0)
                surv *= 1 - q[a]
            npv[(skill, a0)] = total / 1e3
    src = "NRC 1997"
    out += [
        sign(
            "E21",
            "npv_arrival_20_minus_40_low_skill_k",
            src,
            True,
            npv[("low", 20)] - npv[("low", 40)],
            "k$",
            "NPV falls with arrival age",
        ),
        sign(
            "E21",
            "npv_arrival_40_minus_70_low_skill_k",
            src,
            True,
            npv[("low", 40)] - npv[("low", 70)],
            "k$",
            "NRC <HS: 40: -141, 70: -166",
        ),
        sign(
            "E21",
            "npv_arrival_40_low_skill_k",
            src,
            False,
            npv[("low", 40)],
            "k$",
            "NRC <HS at 40: -141k",
        ),
        sign(
            "E21",
            "npv_arrival_25_low_skill_k",
            src,
            False,
            npv[("low", 25)],
            "k$",
            "NRC: negative after ~age 25 for <HS",
        ),
        sign(
            "E21",
            "npv_arrival_25_high_minus_low_skill_k",
            src,
            True,
            npv[("high", 25)] - npv[("low", 25)],
            "k$",
            "NRC: <HS -13k, >HS +198k; model "
            f"high {npv[('high', 25)]:.0f}k, low {npv[('low', 25)]:.0f}k",
        ),
    ]
    return out
