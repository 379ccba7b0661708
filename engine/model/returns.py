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


def cohort_exit(hazard: np.ndarray, factor: np.ndarray, weight: np.ndarray) -> float:
    """Five-year exit share of a cohort: hazard (years,) times each origin's factor (R,),
    origins weighted by `weight` (R,)."""
    h = np.minimum(hazard[None, :] * factor[:, None], 1.0)
    stay = np.prod(1.0 - h, axis=1)
    total = weight.sum()
    return float(((1.0 - stay) * weight).sum() / total) if total > 0 else 0.0


def destination_scales(world: Any, conf: Any, wages: np.ndarray) -> np.ndarray:
    """(R,) scale_d: 1 where there is no OECD exit rate, else the bisected scale that gives
    the destination's arrival cohort its five-year exit rate at base-year incomes."""
    R = world.n_regions
    scales = np.ones(R)
    hazard = return_hazard_table(conf)[1, 1 : COHORT_YEARS + 1, 0]
    gap = income_ratio(wages) ** conf.return_income_elasticity
    for d, target in exit_targets(list(world.codes)).items():
        weight = np.array(world.migrant_stock[:, d], dtype=np.float64)
        weight[d] = 0.0
        if weight.sum() <= 0:
            continue
        lo, hi = 1e-3, 1e3
        for _ in range(100):
            mid = np.sqrt(lo * hi)
            if cohort_exit(hazard, mid * gap[:, d], weight) < target:
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
