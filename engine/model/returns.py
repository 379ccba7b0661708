"""Returns that respond: the yearly return hazard of a migrant from o living in d is the
Weibull hazard of `migsim.model.costs.return_hazard_table` (status, years abroad, age band,
pension portability) times

    factor[o, d] = scale_d x (y_o / y_d) ^ behaviour.return_income_elasticity

where y is income per worker (mean over skills): the hazard rises as home catches up with
the host (the income gap term of the hazard's exp(beta_w ln(y_o / y_d)) form). scale_d is
fitted so that the five-year exit rate of an arrival cohort in d matches the OECD's exit
rate for that destination (International Migration Outlook 2008): the Netherlands 75%,
Germany 67%, France 26%, the United States 12.5-16% (midpoint 14.25%). A country code of
the world takes its own rate; an area of the 12-region worlds takes the mean of its
countries' rates weighted by their 2013 population (WEU: NLD 16.8, DEU 80.6, FRA 65.9
million, UN WPP [K]; NAM: the United States' rate [A], Canada has none). Other destinations
keep scale 1: the shared Weibull hazard (behaviour.return_hazard_scale).

The cohort's exit rate here is the permanent-status hazard over its first five years abroad
(a migrant arriving in year t faces years abroad 1 in year t + 1, ... 5), mortality left
out, origins weighted by the base-year stock in d: a deterministic fit the calibration and
every run share, independent of the agents.

Family (`family_chain`): a cohort mixes two states. At arrival a share q_o of the movers
from o has left close family at origin (`behaviour.family_left_share` by age band, averaged
over the ages of the origin's movers, children included, `left_shares`); while apart their
hazard is times m = exp(behaviour.family_return_effect); each year a migrant who stays is
joined by their family with probability r = behaviour.family_reunification (never on a
temporary visa).
The five-year exit rate the scales are fitted to is that of the mixed cohort.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.model.costs import return_hazard_table

# five-year exit rates, % of an arrival cohort (OECD International Migration Outlook 2008) [V]
OECD_EXIT_PCT = {"NLD": 75.0, "DEU": 67.0, "FRA": 26.0, "USA": 14.25}
# areas of the 12-region worlds: (country, weight) with weights the 2013 population in
# millions (UN WPP) [K]; NAM takes the United States' rate alone [A]
AREA_EXIT = {
    "WEU": (("NLD", 16.8), ("DEU", 80.6), ("FRA", 65.9)),
    "NAM": (("USA", 1.0),),
}
COHORT_YEARS = 5


def exit_targets(codes: list[str]) -> dict[int, float]:
    """Region index -> five-year exit rate (share) for the regions with an OECD figure."""
    out = {}
    for i, code in enumerate(codes):
        if code in OECD_EXIT_PCT:
            out[i] = OECD_EXIT_PCT[code] / 100.0
        elif code in AREA_EXIT and not any(c in codes for c, _ in AREA_EXIT[code]):
            # an area code of a 12-region world (not Namibia's NAM beside the USA)
            parts = AREA_EXIT[code]
            total = sum(w for _, w in parts)
            out[i] = sum(OECD_EXIT_PCT[c] * w for c, w in parts) / total / 100.0
    return out


def income_ratio(wages: np.ndarray) -> np.ndarray:
    """(R, R) [o, d] income per worker at home over income in the destination."""
    w = np.asarray(wages, dtype=np.float64)
    y = w.reshape(w.shape[0], -1).mean(axis=1)
    return y[:, None] / np.maximum(y[None, :], 1e-12)


def family_chain(
    hazard: np.ndarray,
    factor: np.ndarray,
    left: np.ndarray | float = 0.0,
    reunify: float = 0.0,
    family_return: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(apart, together), each (..., n + 1): shares of an arrival cohort still abroad after
    t = 0..n years with close family at origin and without, n = len(hazard). Year t + 1 of
    a migrant applies hazard[t] x factor (capped at 1), times `family_return` (capped) while
    apart, then, for those who stay apart, reunification with probability `reunify`.
    factor and left (the share apart at arrival) broadcast together (...)."""
    factor = np.asarray(factor, dtype=np.float64)
    left = np.broadcast_to(np.asarray(left, dtype=np.float64), np.broadcast(factor, left).shape)
    n = hazard.shape[0]
    apart = np.zeros(left.shape + (n + 1,))
    together = np.zeros(left.shape + (n + 1,))
    apart[..., 0] = left
    together[..., 0] = 1.0 - left
    for t in range(n):
        p = np.minimum(hazard[t] * factor, 1.0)
        pf = np.minimum(hazard[t] * factor * family_return, 1.0)
        stay_apart = apart[..., t] * (1.0 - pf)
        apart[..., t + 1] = stay_apart * (1.0 - reunify)
        together[..., t + 1] = together[..., t] * (1.0 - p) + stay_apart * reunify
    return apart, together


def family_terms(conf: Any) -> tuple[float, float]:
    """(reunify, family_return) of `conf`: the yearly reunification probability and
    exp(b_fam)."""
    return float(conf.family_reunification), float(np.exp(conf.family_return_effect))


def left_shares(world: Any, conf: Any, min_age: int = 0) -> np.ndarray:
    """(R,) share of movers from each origin who leave close family at origin: the age
    band's `family_left_share`, averaged over movers' ages from `min_age` (people at home by
    age times the decision model's age propensity, as `migsim.model.durations.
    arrival_weights`). A year's arrival cohort is every age (0, children moving with 0);
    the base-year stock's arrivals start at ARRIVAL_MIN_AGE."""
    from migsim.core.world import AGE_BAND_OF_AGE
    from migsim.people.population import native_pyramids

    natives = native_pyramids(world).sum(axis=1)  # (R, N_AGES)
    profile = np.asarray(list(conf.age_profile), dtype=np.float64)[AGE_BAND_OF_AGE]
    weight = natives * profile[None, :]
    weight[:, :min_age] = 0.0
    share = np.asarray(list(conf.family_left_share), dtype=np.float64)[AGE_BAND_OF_AGE]
    total = weight.sum(axis=1)
    mean = (weight * share[None, :]).sum(axis=1)
    return np.divide(mean, total, out=np.zeros_like(mean), where=total > 0)


def cohort_exit(
    hazard: np.ndarray,
    factor: np.ndarray,
    weight: np.ndarray,
    left: np.ndarray | float = 0.0,
    reunify: float = 0.0,
    family_return: float = 1.0,
) -> float:
    """Five-year exit share of a cohort: hazard (years,) times each origin's factor (R,),
    the share `left` (R,) apart from their family at arrival (`family_chain`), origins
    weighted by `weight` (R,)."""
    apart, together = family_chain(hazard, factor, left, reunify, family_return)
    stay = apart[:, -1] + together[:, -1]
    total = weight.sum()
    return float(((1.0 - stay) * weight).sum() / total) if total > 0 else 0.0


def destination_scales(world: Any, conf: Any, wages: np.ndarray) -> np.ndarray:
    """(R,) scale_d: 1 where there is no OECD exit rate, else the bisected scale that gives
    the destination's arrival cohort its five-year exit rate at base-year incomes."""
    R = world.n_regions
    scales = np.ones(R)
    hazard = return_hazard_table(conf)[1, 1 : COHORT_YEARS + 1, 0]
    gap = income_ratio(wages) ** conf.return_income_elasticity
    left = left_shares(world, conf)
    reunify, family_return = family_terms(conf)
    for d, target in exit_targets(list(world.codes)).items():
        weight = np.array(world.migrant_stock[:, d], dtype=np.float64)
        weight[d] = 0.0
        if weight.sum() <= 0:
            continue
        lo, hi = 1e-3, 1e3
        for _ in range(100):
            mid = np.sqrt(lo * hi)
            exit_share = cohort_exit(hazard, mid * gap[:, d], weight, left, reunify, family_return)
            if exit_share < target:
                lo = mid
            else:
                hi = mid
        scales[d] = np.sqrt(lo * hi)
    return scales


def return_factor(scales: np.ndarray, conf: Any, wages: np.ndarray) -> np.ndarray:
    """(R, R) [o, d] multiplier of the return hazard at the given incomes (1 on the
    diagonal: people at home do not return)."""
    factor = scales[None, :] * income_ratio(wages) ** conf.return_income_elasticity
    np.fill_diagonal(factor, 1.0)
    return np.ascontiguousarray(factor)
