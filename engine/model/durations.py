"""Years abroad of the base-year migrant stock: the steady state of arrival cohorts under the
return hazard, which the synthesis draws, the calibration's exit rates average over and the
cell-level projection starts from (one definition for all three).

Arrival dates are not in the stock data. A migrant from o living in d with status s, aged a,
has been abroad t years (t = 0..a - ARRIVAL_MIN_AGE) with probability

    P(t | a) ∝ w_o(a - t) x S_ods(t),   S_ods(t) = prod_{k < t} (1 - min(h_s(k) f_od, 1))

where w_o is the age profile of arrivals from o (people at home aged a' >= ARRIVAL_MIN_AGE
times the decision model's relative propensity to move at a', `behaviour.age_profile`),
h_s(k) the status' Weibull return hazard at max(k, 1) years abroad
(`migsim.model.costs.return_hazard_table`) and f_od the destination scale times the income
gap of `migsim.model.returns` at base-year wages: a cohort arriving every year in equal
numbers, thinned by returns only. Approximations [A]: arrivals are taken as constant over
time (stocks grew, so recent arrivals are under-weighted) and mortality abroad is left out
of the survival (it is also in the stock's age profile). A migrant younger than
ARRIVAL_MIN_AGE has years abroad 0, as before.

Family: S_ods(t) is the survival of a cohort that mixes two states (`migsim.model.returns.
family_chain`): a share q_o of arrivals has left close family at origin (the origin's
`family_left_share` averaged over its arrivals aged ARRIVAL_MIN_AGE or more, where the
destination scales' cohort counts children too; the arrival age's own share is
approximated by the origin's mean [A]), whose hazard is
times exp(b_fam) until their family joins them (yearly probability `family_reunification`,
0 on a temporary visa). A migrant abroad t years has family at origin with probability
apart(t) / S(t) of the same chain (`family_given_years`), which the synthesis draws.

`migsim.kernels.synthesis.draw_years_abroad` draws from this distribution person by person
(same arithmetic, in the same order); `given_age` and `mean_hazard` are its NumPy forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from migsim.core.labels import N_AGES
from migsim.core.world import AGE_BAND_OF_AGE, World
from migsim.kernels.synthesis import ARRIVAL_MIN_AGE
from migsim.model.costs import return_hazard_table
from migsim.model.returns import (
    destination_scales,
    family_chain,
    family_terms,
    left_shares,
    return_factor,
)

PERMANENT, TEMPORARY, IRREGULAR = 1, 2, 3


@dataclass
class Durations:
    """What the duration distribution needs, computed once from the world and parameters."""

    hazard: np.ndarray  # (5, 256) return hazard by status and years abroad (no age factor)
    arrival_weight: np.ndarray  # (R, N_AGES) arrivals from o by age (0 below the minimum)
    factor: np.ndarray  # (R, R) [o, d] destination scale x income gap (1 on the diagonal)
    left: np.ndarray | None = None  # (R,) share of arrivals from o apart from family (None: 0)
    reunify: np.ndarray | None = None  # (5,) yearly reunification by status (None: 0)
    family_return: float = 1.0  # hazard multiplier while apart, exp(b_fam)

    def family(self, o: int, status: int) -> tuple:
        """(left, reunify, family_return) of migrants from o with `status`."""
        if self.left is None:
            return 0.0, 0.0, 1.0
        return float(self.left[o]), float(self.reunify[status]), float(self.family_return)


def arrival_weights(world: World, conf: Any) -> np.ndarray:
    """(R, N_AGES) age profile of arrivals from each origin: natives at home by age times
    the relative propensity to move of the age's band, zero below ARRIVAL_MIN_AGE."""
    from migsim.people.population import native_pyramids

    natives = native_pyramids(world).sum(axis=1)  # (R, N_AGES)
    profile = np.asarray(list(conf.age_profile), dtype=np.float64)[AGE_BAND_OF_AGE]
    weight = natives * profile[None, :]
    weight[:, :ARRIVAL_MIN_AGE] = 0.0
    return np.ascontiguousarray(weight)


def durations(world: World, conf: Any, wages: np.ndarray | None = None) -> Durations:
    """The duration model of `world` under behaviour `conf`, at base-year wages (the
    world's `base_wages` unless given)."""
    if wages is None:
        from migsim.model.incomes import base_wages

        wages = base_wages(world)
    factor = return_factor(destination_scales(world, conf, wages), conf, wages)
    hazard = np.ascontiguousarray(return_hazard_table(conf)[:, :, 0])
    r, m = family_terms(conf)
    reunify = np.array([0.0, r, 0.0, r, 0.0])  # no reunification on a temporary visa
    return Durations(
        hazard,
        arrival_weights(world, conf),
        factor,
        left_shares(world, conf, ARRIVAL_MIN_AGE),
        reunify,
        m,
    )


def survival(hazard: np.ndarray, factor: np.ndarray, family: tuple = (0.0, 0.0, 1.0)) -> np.ndarray:
    """(..., N_AGES) share of a cohort still abroad after t years, factor (...,), family
    (left, reunify, family_return) as `Durations.family`: the chain the synthesis kernel
    runs."""
    apart, together = family_chain(hazard[: N_AGES - 1], factor, family[0], *family[1:])
    return apart + together


def family_given_years(dur: Durations, o: int, d: int, status: int) -> np.ndarray:
    """(N_AGES,) [t] probability that a migrant from o in d with `status`, abroad t years,
    has close family at origin."""
    apart, together = family_chain(
        dur.hazard[status][: N_AGES - 1], dur.factor[o, d], *dur.family(o, status)
    )
    total = apart + together
    return np.divide(apart, total, out=np.zeros_like(apart), where=total > 0)


def _arrival_matrix(weight: np.ndarray) -> np.ndarray:
    """(N_AGES, N_AGES) [a, t] = w(a - t) for t <= a, else 0."""
    a = np.arange(N_AGES)
    lag = a[:, None] - a[None, :]
    return np.where(lag >= 0, weight[np.clip(lag, 0, None)], 0.0)


def given_age(dur: Durations, o: int, d: int, status: int) -> np.ndarray:
    """(N_AGES, N_AGES) [a, t] P(years abroad = t | age a) of migrants from o in d with
    `status`; ages below ARRIVAL_MIN_AGE (or with no arrivals) have t = 0."""
    S = survival(dur.hazard[status], dur.factor[o, d], dur.family(o, status))
    joint = _arrival_matrix(dur.arrival_weight[o]) * S
    total = joint.sum(axis=1, keepdims=True)
    out = np.divide(joint, total, out=np.zeros_like(joint), where=total > 0)
    out[total[:, 0] <= 0, 0] = 1.0
    return out


def origin_mean_hazard(dur: Durations, o: int, status: int) -> np.ndarray:
    """(R, N_AGES) [d, a] mean yearly return probability of migrants from o aged a in each
    destination: the status' hazard times the corridor factor, capped at 1, averaged over
    years abroad given age (`given_age`, all destinations at once)."""
    W = _arrival_matrix(dur.arrival_weight[o])  # (a, t)
    # survival one year further: exits in year t + 1 are S(t) - S(t + 1)
    apart, together = family_chain(
        dur.hazard[status][:N_AGES], dur.factor[o], *dur.family(o, status)
    )
    S_next = apart + together  # (R, t + 1)
    S = S_next[:, :N_AGES]
    den = S @ W.T  # (R, a)
    num = (S - S_next[:, 1:]) @ W.T
    first = 1.0 - S_next[:, 1:2]
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), first)


def origin_durations(dur: Durations, o: int, status: int, ages: np.ndarray) -> np.ndarray:
    """(R, n, N_AGES) [d, j, t] migrants from o in each destination by years abroad, for
    age distributions `ages` (R, n, N_AGES) [d, j, a]: sum_a ages[d, j, a] P(t | a)."""
    W = _arrival_matrix(dur.arrival_weight[o])
    S = survival(dur.hazard[status], dur.factor[o], dur.family(o, status))
    den = S @ W.T  # (R, a)
    ratio = ages / np.where(den > 0, den, np.inf)[:, None, :]
    out = (ratio @ W) * S[:, None, :]
    out[..., 0] += (ages * (den <= 0)[:, None, :]).sum(axis=2)
    return out
