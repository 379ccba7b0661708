"""E2-E5: wage effects of immigration on a calibrated two-skill US-like market, solved
analytically with migsim.model.markets (Borjas 2003, Card, Ottaviano-Peri 2012)."""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import INF, Check, point, sign, within
from migsim.validation.experiments._shared import pct
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E2:native_avg_wage_pct_K_fixed",
    "E2:native_low_skill_wage_pct_vs_dropouts",
    "E2:native_college_wage_pct",
    "E3:native_avg_wage_pct_K_adjusting",
    "E3:native_low_skill_wage_pct_vs_dropouts_K_adjusting",
    "E3:native_low_skill_wage_pct_vs_high_school_K_adjusting",
    "E4:avg_wage_pct_uniform_10pct_K_fixed",
    "E4:avg_wage_pct_uniform_10pct_K_adjusting",
    "E5:previous_immigrants_wage_pct",
    "E5:native_avg_wage_pct",
    "E5:natives_minus_previous_immigrants_pp",
]
EXPECTED_FAILURES = {
    "E2:native_low_skill_wage_pct_vs_dropouts": (
        "two skill groups: the non-tertiary group pools dropouts with high-school graduates "
        "and some college, so Borjas's dropout-specific -8.9% (4 education x 8 experience "
        "cells) is not reproducible; the model gives about -3.7%"
    ),
    "E2:native_college_wage_pct": (
        "two skill groups: immigrants' skill mix is close to natives' so tertiary wages fall "
        "about as much as the average (about -2.3% vs Borjas's -4.9% from experience cells)"
    ),
    "E3:native_low_skill_wage_pct_vs_dropouts_K_adjusting": (
        "two skill groups: long-run non-tertiary wage about -0.7% vs dropouts -4.8%"
    ),
    "E3:native_low_skill_wage_pct_vs_high_school_K_adjusting": (
        "two skill groups: the one non-tertiary group cannot be both dropouts (-4.8%) and "
        "high-school graduates (+1.2%); model about -0.7%"
    ),
    "E5:previous_immigrants_wage_pct": (
        "sigma_N = 20 with two skill groups and no experience nest: doubling the immigrant "
        "stock lowers previous immigrants' wages by about (1/20) dln(M/L) = -2.5%, not -7%; "
        "OP's figure also reflects the newcomers' concentration in young experience cells"
    ),
    "E5:native_avg_wage_pct": (
        "natives +0.33% vs +0.6% [K]: same missing experience nest (sign and ranking, "
        "previous immigrants hurt most, are reproduced)"
    ),
}

# Borjas, Card and Ottaviano-Peri computed their figures with (nested) CES markets; E2-E5
# apply the same equations with the same elasticities to a two-skill market, so each figure
# is a replication of a published computation, not an observation the model could miss for
# reasons of its own: true by construction when the cells match, off when they do not
_REPLICATION = (
    "an analytic replication: the published figure is the same (nested) CES computation "
    "with the same elasticities, here on two skill groups"
)
IDENTITIES = {key: _REPLICATION for key in QUANTITIES}
IDENTITIES["E3:native_avg_wage_pct_K_adjusting"] = IDENTITIES[
    "E4:avg_wage_pct_uniform_10pct_K_adjusting"
] = "constant returns to scale: with capital adjusting, the average wage cannot change"
IDENTITIES["E2:native_avg_wage_pct_K_fixed"] = IDENTITIES[
    "E4:avg_wage_pct_uniform_10pct_K_fixed"
] = "with capital fixed, the average wage falls by the capital share times the rise in labour"


def us_market(world):
    """A two-skill US-like market from the world's NAM row: natives and immigrants
    with their base-year tertiary shares, equal wages per efficiency unit by skill."""
    from migsim.model.calibration import base_wages

    i = world.index("NAM")
    m0 = world.immigrants[i] / world.population[i]
    col = world.migrant_stock[:, i]
    h_m = float((col * world.migrant_tertiary_share[:, i]).sum() / col.sum())
    h_n = float(world.tertiary_share[i])
    w = base_wages(world)[i]
    natives = np.array([(1 - m0) * (1 - h_n), (1 - m0) * h_n])
    immigrants = np.array([m0 * (1 - h_m), m0 * h_m])
    supply = np.stack([natives, immigrants], axis=1)[None]  # (1, 2 skills, 2 nativity)
    wages = np.stack([w, w], axis=1)[None]
    return supply, wages, h_m


def _wage_shock(supply, wages, added, alpha, sigma_q, sigma_n, closure):
    """Percent wage changes after adding `added` (1, 2) immigrant units by skill."""
    from migsim.model import markets

    params = markets.MarketParams(sigma_q=sigma_q, sigma_n=sigma_n, closure=closure)
    state = markets.calibrate(supply, wages, alpha, params)
    base = markets.solve(state, supply, params)
    new_supply = supply.copy()
    new_supply[0, :, 1] += added[0]
    after = markets.solve(state, new_supply, params)
    w0, w1 = base.wages[0], after.wages[0]
    nat = supply[0, :, 0]
    imm = supply[0, :, 1]
    return {
        "native_avg": pct((w1[:, 0] * nat).sum(), (w0[:, 0] * nat).sum()),
        "native_low": pct(w1[0, 0], w0[0, 0]),
        "native_high": pct(w1[1, 0], w0[1, 0]),
        "previous_immigrants": pct((w1[:, 1] * imm).sum(), (w0[:, 1] * imm).sum()),
        "all_avg": pct((w1 * supply[0]).sum(), (w0 * supply[0]).sum()),
    }


BORJAS_SIGMA_Q = 1.3  # Borjas's education nest [K]; natives = immigrants within a cell


@experiment(
    "E2-E5",
    title="Wage effects on a two-skill US-like market (analytic)",
    cost="analytic",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    identities=IDENTITIES,
    other_worlds=(
        "the two-skill US-like market is NAM's row: regions12's NAM natives have Barro-Lee "
        "v2.2's 25+ tertiary share, 0.563, against the hand-typed 0.35, and NAM's immigrant "
        "share is 14.2% (2010) against 14.9% (2013) (docs/worlds-regions12.md, tertiary_share and "
        "migrants_hosted); the migrants' tertiary shares are the default's (assumed). Borjas's "
        "shock of the immigrant skill mix then meets a more educated native workforce, so the "
        "average and the group wages move by other amounts than the published ones. Measured: "
        "with the default's 0.35 in regions12's NAM row, E2's -2.38 becomes -2.98 and E3's "
        "0.295 and -4.56 become 0.017 and -0.76, each with its default-world verdict"
    ),
)
def e2_e5_wages(r: Runner) -> list[Check]:
    supply, wages, h_m = us_market(r.world())
    total = supply.sum()
    # Borjas: immigration 1980-2000 = +11% of the workforce, with the skill mix of the US
    # immigrant stock (two groups: non-tertiary, tertiary)
    added = 0.11 * total * np.array([[1 - h_m, h_m]])
    src = "Borjas 2003"
    sr = _wage_shock(supply, wages, added, 0.3, BORJAS_SIGMA_Q, INF, "short_run")
    lr = _wage_shock(supply, wages, added, 0.3, BORJAS_SIGMA_Q, INF, "long_run")
    out = [
        point("E2", "native_avg_wage_pct_K_fixed", src, "V", -3.2, sr["native_avg"], "%"),
        point(
            "E2",
            "native_low_skill_wage_pct_vs_dropouts",
            src,
            "V",
            -8.9,
            sr["native_low"],
            "%",
            "model's non-tertiary group vs Borjas's high-school dropouts",
        ),
        point("E2", "native_college_wage_pct", src, "V", -4.9, sr["native_high"], "%"),
        within(
            "E3",
            "native_avg_wage_pct_K_adjusting",
            "Borjas textbook",
            "V",
            0.0,
            0.0,
            lr["native_avg"],
            "%",
            "published 0.0 (one decimal): accepted within +-0.1 pp",
            accept=(-0.1, 0.1),
        ),
        point(
            "E3",
            "native_low_skill_wage_pct_vs_dropouts_K_adjusting",
            "Borjas textbook",
            "V",
            -4.8,
            lr["native_low"],
            "%",
        ),
        point(
            "E3",
            "native_low_skill_wage_pct_vs_high_school_K_adjusting",
            "Borjas textbook",
            "V",
            1.2,
            lr["native_low"],
            "%",
        ),
    ]
    uniform = 0.10 * supply[0].sum(axis=1)[None]  # +10% of every skill group
    uniform_imm = uniform  # added as immigrants with perfect substitution: a uniform shock
    sr = _wage_shock(supply, wages, uniform_imm, 0.3, 2.0, INF, "short_run")
    lr = _wage_shock(supply, wages, uniform_imm, 0.3, 2.0, INF, "long_run")
    out += [
        point(
            "E4",
            "avg_wage_pct_uniform_10pct_K_fixed",
            "Card (comment)",
            "V",
            -3.0,
            sr["all_avg"],
            "%",
        ),
        within(
            "E4",
            "avg_wage_pct_uniform_10pct_K_adjusting",
            "Card (comment)",
            "V",
            0.0,
            0.0,
            lr["all_avg"],
            "%",
            "published 'about 0': accepted within +-0.1 pp",
            accept=(-0.1, 0.1),
        ),
    ]
    # Ottaviano-Peri: 1990-2006 the foreign-born share of the US labour force rose from
    # about 9.3% to 15.3% [K] (CPS): an inflow of ~9% of the 1990 labour force, doubling the
    # immigrant stock; sigma_N = 20, sigma_q = 2, long run. The 1990 market scales the
    # immigrant cells to a 9.3% share.
    s90 = supply.copy()
    s90[0, :, 1] *= (0.093 / (1 - 0.093)) / (supply[0, :, 1].sum() / supply[0, :, 0].sum())
    m90 = s90[0, :, 1].sum()
    m06 = 0.153 / (1 - 0.153) * s90[0, :, 0].sum()
    op = _wage_shock(s90, wages, (m06 - m90) * s90[0, :, 1][None] / m90, 0.3, 2.0, 20.0, "long_run")
    out += [
        point(
            "E5",
            "previous_immigrants_wage_pct",
            "Ottaviano-Peri 2012",
            "V",
            -7.0,
            op["previous_immigrants"],
            "%",
        ),
        point("E5", "native_avg_wage_pct", "Ottaviano-Peri 2012", "K", 0.6, op["native_avg"], "%"),
        sign(
            "E5",
            "natives_minus_previous_immigrants_pp",
            "Ottaviano-Peri 2012",
            True,
            op["native_avg"] - op["previous_immigrants"],
            "pp",
            "previous immigrants hurt most",
        ),
    ]
    return out
