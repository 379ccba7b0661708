"""E2-E5: wage effects of immigration on the simulated US market (the USA of the 232-country
world in its base year, 2010): the calibrated four-level nested CES of
migsim.model.nested_market, by education group, experience band and nativity, with the run's
elasticities and its people's skill mix (Borjas 2003, Card, Ottaviano-Peri 2012). The run is
the country experiments' shared start (E6's `country_markets`)."""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import Check, point, within
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY
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
]
_HS = (
    "sigma_HS = 20 (Ottaviano-Peri) makes primary and secondary workers close substitutes, so "
    "the inflow's primary-heavy mix is shared by every non-tertiary worker"
)
EXPECTED_FAILURES = {
    "E2:native_avg_wage_pct_K_fixed": (
        "the model's US immigrants work partly below their education (downgrading, "
        "migsim.kernels.credentials: about 40% of their efficiency units in the primary "
        "cells and 27% in the tertiary, against 37% and 34% placed by education; the note "
        "of the next check gives the run's), so the 11% inflow falls on cells that hold few "
        "natives (8% of natives' units are primary) and natives' average wage falls by about "
        "2.8% against Borjas's 3.2%, whose immigrants are placed by their census education; "
        "placed by education, the model's inflow gave -3.0%, inside the band"
    ),
    "E2:native_low_skill_wage_pct_vs_dropouts": (
        _HS + "; Borjas's own elasticities (1.3 across education, 3.5 across experience, "
        "natives = immigrants) concentrate the loss on the least educated, and on the "
        "model's inflow they overshoot it (about -16%, the note gives the run's): the "
        "model's US immigrants are about 37% primary-educated against natives' 8% (their "
        "schooling by level from the IAB data: Mexico's emigrants without a degree are 70% "
        "primary-educated), 40% of their units in the primary cells with downgrading"
    ),
    "E2:native_college_wage_pct": (
        "the model's US immigrants are less often tertiary than natives (about a quarter of "
        "their efficiency units against over half, from the corridors' tertiary shares and "
        "downgrading; the note gives the run's), so tertiary natives lose less than the "
        "average; with Borjas's elasticities they lose next to nothing (the note): the "
        "census inflow of 1980-2000 behind Borjas's -4.9% had more college graduates than "
        "this one"
    ),
    "E3:native_avg_wage_pct_K_adjusting": (
        "the immigration surplus: the inflow's skill mix differs from natives', so with "
        "capital adjusting natives gain, outside +-0.1 pp of the textbook's 0.0"
    ),
    "E3:native_low_skill_wage_pct_vs_dropouts_K_adjusting": (
        _HS + "; with capital adjusting the least educated natives barely lose"
    ),
    "E3:native_low_skill_wage_pct_vs_high_school_K_adjusting": (
        _HS + ", so natives with secondary education move with the primary group instead of "
        "gaining from the complementarity"
    ),
    "E4:avg_wage_pct_uniform_10pct_K_fixed": (
        "the US capital share is one minus its labour share in the world tables, so a uniform "
        "10% shock with capital fixed lowers wages by 1.1**-alpha - 1; Card's -3.0 is the "
        "same identity at a capital share of 0.3"
    ),
    "E5:previous_immigrants_wage_pct": (
        "with sigma_N = 20 previous immigrants' loss comes from the newcomers crowding their "
        "cells, and the model's newcomers (arrived within 16 years) are only moderately "
        "concentrated in young cells"
    ),
    "E5:native_avg_wage_pct": (
        "the same moderate concentration of newcomers in young cells (the ranking, previous "
        "immigrants hurt most, is reproduced: the note of the check above)"
    ),
}

QUICK_UNDECIDED: dict[str, str] = {}

_MARKET = (
    "the simulated market's education cells, experience bands and the immigrants' mix "
    "(migrants' tertiary and secondary shares by corridor, their origin's emigrants' in the "
    "IAB data) decide it; Borjas's and Ottaviano-Peri's own figures come from their "
    "elasticities and the census's cells"
)
# E4's shocks are uniform: with constant returns every wage moves by the same factor, so
# they hold by construction (with the region's own capital share)
IDENTITIES = {
    "E4:avg_wage_pct_uniform_10pct_K_fixed": (
        "a uniform shock with capital fixed lowers every wage by 1.1**-alpha - 1"
    ),
    "E4:avg_wage_pct_uniform_10pct_K_adjusting": (
        "constant returns to scale: a uniform shock with capital adjusting leaves every wage"
    ),
}


REGION = "USA"
# Borjas (2003): 1.3 across education groups, 3.5 across experience, natives and immigrants
# perfect substitutes (here 10,000)
BORJAS_TEXT = "1.3 across education, 3.5 across experience, natives = immigrants"


def borjas_params(params):
    """The market's parameters with Borjas's elasticities: both education levels 1.3,
    experience 3.5, nativity 10,000 (perfect substitutes, within numerical reach)."""
    from dataclasses import replace

    return replace(params, sigma_q=1.3, sigma_hs=1.3, sigma_x=3.5, sigma_n=1e4)


def us_market(r: Runner):
    """The simulated US market of the country world's base year: (state of that region
    alone, its supply (1, 3, X, 2), the market's parameters, the simulation)."""
    from migsim.validation.experiments.e06_dop import country_markets

    if "e2_e5_market" in r.cache:
        return r.cache["e2_e5_market"]
    econ, supply, sim = country_markets(r)
    i = sim.world.index(REGION)
    cut = slice(i, i + 1)
    state = econ.state.region(i)
    out = (state, np.array(supply[cut]), econ.params, sim)
    r.cache["e2_e5_market"] = out
    return out


def recent_immigrants(sim, years: int, region: str = REGION) -> np.ndarray:
    """Efficiency units (3, X) of the region's immigrants aged 20-64 abroad for fewer than
    `years` years, by education and experience band: the mix of a recent inflow in the model.
    Each counts as the labour-supply pass counts a worker abroad (expected over employment):
    productivity x the credential transfer kappa of their years abroad x the irregular wage
    factor if irregular, the downgraded share of it in the cell one education level below
    (`migsim.kernels.credentials`)."""
    from migsim.kernels.bundles import TERTIARY
    from migsim.kernels.income import N_EXPERIENCE
    from migsim.kernels.reference.income import (
        credential_factor,
        experience_band,
        split_abroad,
        units_abroad,
    )
    from migsim.validation.experiments._earnings import economy_of

    pop = sim.population
    n = pop.n
    i = sim.world.index(region)
    age = pop.age[:n]
    keep = (pop.alive[:n] == 1) & (pop.location[:n] == i) & (pop.origin[:n] != i)
    keep &= (pop.years_abroad[:n] < years) & (age >= 20) & (age <= 64)
    e = pop.skill[:n][keep].astype(np.int64)
    x = experience_band(age[keep], e)
    work = economy_of(sim).supply_levers(sim, sim.year)
    units = units_abroad(
        pop.productivity[:n][keep],
        (e == TERTIARY).astype(np.int64),
        pop.years_abroad[:n][keep],
        pop.status[:n][keep],
        work,
    )
    kappa = credential_factor((e == TERTIARY).astype(np.int64), pop.years_abroad[:n][keep], work)
    loc = np.full(e.shape, i)
    own, down, xb = split_abroad(units, kappa, loc, e, age[keep], work)
    w = pop.weight[pop.origin[:n][keep]]
    out = np.zeros((3, N_EXPERIENCE))
    np.add.at(out, (e, x), w * own)
    np.add.at(out, (np.maximum(e - 1, 0), xb), w * down)
    return out / out.sum()


def _shock(state, supply, params, added, closure):
    """Percent wage changes in the region after adding `added` (3, X) immigrant units."""
    from dataclasses import replace

    from migsim.model import nested_market as nm

    p = replace(params, closure=closure)
    base = nm.solve(state, supply, p)
    new = supply.copy()
    new[0, :, :, 1] += added
    after = nm.solve(state, new, p)
    w0, w1 = base.wages[0], after.wages[0]
    nat, imm = supply[0, ..., 0], supply[0, ..., 1]
    e0 = nm.education_wages(base.wages, supply)[0]
    e1 = nm.education_wages(after.wages, supply)[0]
    return {
        "native_avg": pct((w1[..., 0] * nat).sum(), (w0[..., 0] * nat).sum()),
        "native_primary": pct(e1[0, 0], e0[0, 0]),
        "native_secondary": pct(e1[1, 0], e0[1, 0]),
        "native_tertiary": pct(e1[2, 0], e0[2, 0]),
        "previous_immigrants": pct((w1[..., 1] * imm).sum(), (w0[..., 1] * imm).sum()),
        "all_avg": pct((w1 * supply[0]).sum(), (w0 * supply[0]).sum()),
    }


@experiment(
    "E2-E5",
    title="Wage effects of immigration on the simulated US market (education x experience)",
    cost="driven",
    quantities=QUANTITIES,
    expected_failures=EXPECTED_FAILURES,
    identities=IDENTITIES,
    quick_undecided=QUICK_UNDECIDED,
    other_worlds=COUNTRY_WORLD_ONLY,
)
def e2_e5_wages(r: Runner) -> list[Check]:
    state, supply, params, sim = us_market(r)
    total = supply.sum()
    # Borjas: immigration 1980-2000 = +11% of the workforce, with the education and
    # experience mix of the model's immigrants in the USA
    imm = supply[0, ..., 1]
    added = 0.11 * total * imm / imm.sum()
    src = "Borjas 2003"
    sr = _shock(state, supply, params, added, "short_run")
    lr = _shock(state, supply, params, added, "long_run")
    # the same inflow on the same cells with Borjas's own elasticities, for the notes: what
    # the model's elasticities make of the miss and what its inflow's mix does
    b = _shock(state, supply, borjas_params(params), added, "short_run")
    with_borjas = (
        f"; with Borjas's elasticities ({BORJAS_TEXT}) the same inflow gives "
        f"{b['native_primary']:+.1f}% primary, {b['native_tertiary']:+.1f}% tertiary, "
        f"{b['native_avg']:+.1f}% on average: the inflow is "
        f"{100 * imm.sum(axis=1)[0] / imm.sum():.0f}% primary-educated against natives' "
        f"{100 * supply[0, 0, :, 0].sum() / supply[0, ..., 0].sum():.0f}%, and "
        f"{100 * imm.sum(axis=1)[2] / imm.sum():.0f}% tertiary against "
        f"{100 * supply[0, 2, :, 0].sum() / supply[0, ..., 0].sum():.0f}% (shares of "
        "efficiency units)"
    )
    out = [
        point("E2", "native_avg_wage_pct_K_fixed", src, "V", -3.2, sr["native_avg"], "%"),
        point(
            "E2",
            "native_low_skill_wage_pct_vs_dropouts",
            src,
            "V",
            -8.9,
            sr["native_primary"],
            "%",
            "natives with primary education or less vs Borjas's high-school dropouts; "
            + _MARKET
            + with_borjas,
        ),
        point(
            "E2",
            "native_college_wage_pct",
            src,
            "V",
            -4.9,
            sr["native_tertiary"],
            "%",
            _MARKET + with_borjas,
        ),
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
            lr["native_primary"],
            "%",
            "natives with primary education or less; " + _MARKET,
        ),
        point(
            "E3",
            "native_low_skill_wage_pct_vs_high_school_K_adjusting",
            "Borjas textbook",
            "V",
            1.2,
            lr["native_secondary"],
            "%",
            "natives with secondary education vs Borjas's high-school graduates; " + _MARKET,
        ),
    ]
    out += [
        point(
            "E4",
            "avg_wage_pct_uniform_10pct_K_fixed",
            "Card (comment)",
            "V",
            -3.0,
            _uniform(state, supply, params, "short_run"),
            "%",
        ),
        within(
            "E4",
            "avg_wage_pct_uniform_10pct_K_adjusting",
            "Card (comment)",
            "V",
            0.0,
            0.0,
            _uniform(state, supply, params, "long_run"),
            "%",
            "published 'about 0': accepted within +-0.1 pp",
            accept=(-0.1, 0.1),
        ),
    ]
    # Ottaviano-Peri: 1990-2006 the foreign-born share of the US labour force rose from
    # about 9.3% to 15.3% [K] (CPS): an inflow of ~9% of the 1990 labour force, doubling the
    # immigrant stock, long run. The 1990 market scales the US immigrant cells to a 9.3%
    # share; the newcomers have the mix of the model's immigrants who arrived in the last
    # 16 years (the period's length)
    s90 = supply.copy()
    s90[0, ..., 1] *= (0.093 / (1 - 0.093)) / (supply[0, ..., 1].sum() / supply[0, ..., 0].sum())
    m90 = s90[0, ..., 1].sum()
    m06 = 0.153 / (1 - 0.153) * s90[0, ..., 0].sum()
    op = _shock(state, s90, params, (m06 - m90) * recent_immigrants(sim, 16), "long_run")
    op_previous, op_natives = -7.0, 0.6  # Ottaviano-Peri's published points
    out += [
        point(
            "E5",
            "previous_immigrants_wage_pct",
            "Ottaviano-Peri 2012",
            "V",
            op_previous,
            op["previous_immigrants"],
            "%",
            f"natives {op['native_avg']:+.2f}%: previous immigrants lose "
            f"{op['native_avg'] - op['previous_immigrants']:.2f} pp more than natives "
            f"(Ottaviano-Peri's two points, {op_natives - op_previous:.1f} pp apart; their "
            "difference is not a check of its own); " + _MARKET,
        ),
        point(
            "E5",
            "native_avg_wage_pct",
            "Ottaviano-Peri 2012",
            "K",
            op_natives,
            op["native_avg"],
            "%",
            _MARKET,
        ),
    ]
    return out


def _uniform(state, supply, params, closure) -> float:
    """Percent change of the average wage after +10% in every cell."""
    from dataclasses import replace

    from migsim.model import nested_market as nm

    p = replace(params, closure=closure)
    base, after = nm.solve(state, supply, p), nm.solve(state, supply * 1.1, p)
    return pct(
        (after.wages * supply).sum(), (base.wages * supply).sum()
    )  # E4's shocks are uniform: with constant returns every wage moves by the same factor, so
