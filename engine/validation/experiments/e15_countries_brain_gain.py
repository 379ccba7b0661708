"""E15 by country: who gains human capital from skilled emigration (Beine, Docquier & Rapoport
2008), on the 232-country world.

Simulated in the base year (2010) of `world=countries`, with the education step's own
response (economy.education_response; beta calibrated to the 0.05 elasticity): for every
origin, the net brain gain is its resident tertiary share H_post at the simulated emigration
rates minus the share had its tertiary-educated the emigration prospect of the others
(p_s = p_u, BDR's counterfactual: no selective drain, and H_ex at that prospect); see
`migsim.steps.education.brain_gain`. The origins compared are the developing countries of
at least 1 million people (the islands of a few thousand people are a few agents, whose
emigration rates are noise) whose tertiary-educated emigrate more than the others
(p_s > p_u: there is a brain drain to remove).

BDR's findings, checked out of sample (only the average elasticity was calibrated): the
winners combine low human capital and low emigration (their medians of H and p_s below the
developing medians); there are more losers than winners; the losers lose more than the
winners gain (mean loss against mean gain, in points of the resident tertiary share). The
population the winners hold is checked against BDR's 2003 estimate (about 80% of the
developing world).
"""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import Check, point, sign
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, WORLD
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = [
    "E15:countries_winners_low_H",
    "E15:countries_winners_low_p",
    "E15:countries_losers_minus_winners",
    "E15:countries_loss_minus_gain_pp",
    "E15:countries_winners_population_pct",
]
EXPECTED_FAILURES = {
    "E15:countries_winners_population_pct": (
        "the developing world's largest origins lose human capital: China and Nigeria (their "
        "tertiary-educated emigrate many times more often than the others, so the drain "
        "exceeds the incentive), Brazil (its return to a degree barely rises with the "
        "prospect), India, Indonesia, Pakistan and Bangladesh (the incentive makes up part of "
        "the drain); the threshold rule's return is concave in the prospect only through "
        "the log of the expected income, where Beine, Docquier & Rapoport's reduced form is "
        "log-linear in the skilled emigration rate, and the countries world's emigrants "
        "have census-based education only in the IAB brain-drain data's 20 OECD "
        "destinations (elsewhere the default world's shares for their pairs of regions); "
        "docs/braingain.md gives each large origin on three seeds, "
        "and the checks under the reduced form itself (economy.education_response=loglinear), "
        "whose winners hold most of the population but are not the low-H origins"
    ),
}
SOURCE = "Beine, Docquier & Rapoport 2008 (Economic Journal)"
MIN_POPULATION = 1e6
# E16's grid of skilled emigration rates (0.5% to 60%)
OPTIMUM_GRID = np.linspace(0.005, 0.6, 120)
# E16's published band for that optimum, in percent (Docquier's survey)
OPTIMUM_BAND = (5.0, 10.0)


def education_step(sim):
    """The simulation's education step."""
    from migsim.steps.education import EducationStep

    return next(s for s in sim.steps if isinstance(s, EducationStep))


def optimal_rates(step, sim, grid: np.ndarray) -> np.ndarray:
    """(R,) the skilled emigration rate of `grid` at which each origin's resident tertiary
    share H_post is highest, the others' rate as simulated (Docquier's optimal rate)."""
    from migsim.steps.education import resident_share

    _, p_low = step.emigration_rates(sim)
    post = []
    for p in grid:
        p_high = np.full_like(p_low, p)
        post.append(resident_share(step.share(step.index(sim, p_high, p_low)), p_high, p_low))
    return grid[np.argmax(np.stack(post), axis=0)]


def optimum_origins(out: dict) -> np.ndarray:
    """(R,) bool: the origins E16's median is over, the developing ones of at least
    MIN_POPULATION people (the optimum needs no brain drain to remove)."""
    return (~out["developed"]) & (out["population"] >= MIN_POPULATION)


def median_optimum(out: dict) -> float:
    """E16's figure from `country_brain_gain`'s: the median over `optimum_origins` of the
    skilled emigration rate maximising resident H_post, in percent."""
    return 100 * float(np.median(out["optimum"][optimum_origins(out)]))


def country_brain_gain(r: Runner, extra: tuple[str, ...] = ()) -> dict:
    """The net brain gain and the optimal skilled emigration rate (E16) by origin in the
    base year of the countries world (cached), with the config overrides `extra` if any
    (the brain-gain report's other education response)."""
    name = "countries_brain_gain" + "".join(f"@{e}" for e in extra)
    if name in r.cache:
        return r.cache[name]
    from migsim.steps.education import brain_gain

    sim, _ = r.start(extra=["population.stratification=0.5", *extra], world=WORLD)
    step = education_step(sim)
    out = brain_gain(step, sim)
    world = sim.world
    out["codes"] = list(world.codes)
    out["tertiary_share"] = np.asarray(world.tertiary_share, dtype=float)
    out["population"] = np.asarray(world.population, dtype=float)
    out["developed"] = np.asarray(world.developed, dtype=bool)
    out["compared"] = (
        ~world.developed & (out["population"] >= MIN_POPULATION) & (out["p_high"] > out["p_low"])
    )
    out["optimum"] = optimal_rates(step, sim, OPTIMUM_GRID)
    r.cache[name] = out
    return out


def winners_and_losers(out: dict) -> tuple[np.ndarray, np.ndarray]:
    gain, compared = out["gain"], out["compared"]
    return compared & (gain > 0), compared & (gain < 0)


@experiment(
    "E15-countries",
    title="Brain gain by country: winners and losers (Beine, Docquier & Rapoport 2008)",
    configs=["e01_status_quo"],
    cost="driven",
    quantities=QUANTITIES,
    other_worlds=COUNTRY_WORLD_ONLY,
    expected_failures=EXPECTED_FAILURES,
)
def e15_countries_brain_gain(r: Runner) -> list[Check]:
    return countries_checks(country_brain_gain(r))


def countries_checks(out: dict) -> list[Check]:
    """E15-countries' checks on `country_brain_gain`'s figures."""
    winners, losers = winners_and_losers(out)
    compared = out["compared"]
    h, p, gain, pop = out["tertiary_share"], out["p_high"], out["gain"], out["population"]
    if winners.any():
        low_h = float(np.median(h[compared]) - np.median(h[winners]))
        low_p = float(np.median(p[compared]) - np.median(p[winners]))
        mean_gain = float(gain[winners].mean())
    else:
        low_h = low_p = -1.0
        mean_gain = 0.0
    mean_loss = float(-gain[losers].mean()) if losers.any() else 0.0
    names = (
        ", ".join(f"{c} ({100 * g:+.2f})" for c, g, w in zip(out["codes"], gain, winners) if w)
        or "none"
    )
    h_all, p_all = float(np.median(h[compared])), float(np.median(p[compared]))
    h_win = float(np.median(h[winners])) if winners.any() else 0.0
    p_win = float(np.median(p[winners])) if winners.any() else 0.0
    base = (
        f"world=countries, base year: {int(compared.sum())} developing origins of at least "
        f"1M people with p_s > p_u; winners (points of H_post): {names}"
    )
    return [
        sign(
            "E15",
            "countries_winners_low_H",
            SOURCE,
            True,
            low_h,
            "share",
            f"median tertiary share of the compared origins minus the winners' "
            f"({h_all:.3f} - {h_win:.3f}); " + base,
        ),
        sign(
            "E15",
            "countries_winners_low_p",
            SOURCE,
            True,
            low_p,
            "share",
            "median skilled emigration rate of the compared origins minus the winners' "
            f"({p_all:.3f} - {p_win:.3f})",
        ),
        sign(
            "E15",
            "countries_losers_minus_winners",
            SOURCE,
            True,
            float(losers.sum() - winners.sum()),
            "countries",
            f"{int(losers.sum())} losers, {int(winners.sum())} winners",
        ),
        sign(
            "E15",
            "countries_loss_minus_gain_pp",
            SOURCE,
            True,
            100 * (mean_loss - mean_gain),
            "points",
            f"mean loss {100 * mean_loss:.2f} against mean gain {100 * mean_gain:.2f} points "
            "of the resident tertiary share",
        ),
        point(
            "E15",
            "countries_winners_population_pct",
            "Beine, Docquier & Rapoport 2003 (working paper, 50 countries)",
            "V",
            80.0,
            100 * float(pop[winners].sum() / pop[compared].sum()),
            "%",
            "the winners' share of the compared origins' population",
        ),
    ]
