"""Credential transfer and occupational downgrading of people abroad.

A person abroad is paid kappa times the wage of their own cell (education, experience band),
kappa rising from kappa_s on arrival to 1 after `kappa_years` years (`credential`). Where
the wage of the cell one education level below is known and lower, that discount is read as
downgrading (Dustmann, Frattini & Preston 2013: recent immigrants work further down the
wage distribution than their education would place them): a share q of the person's
efficiency units is supplied in the cell below, so that at last year's wages their labour is
worth what they are paid,

    (1 - q) w_own + q w_below = kappa w_own,   q = (1 - kappa) w_own / (w_own - w_below).

Where q would exceed 1 (the discount is deeper than one education level), all of the
person's units go to the cell below at the factor f = kappa w_own / w_below, which keeps the
same value. People with primary education or less have no cell below and keep the discount
as fewer units in their own cell. The income pass pays each unit the wage of the cell it is
supplied in (`migsim.kernels.income.incomes`), kappa w_own at last year's wages: the wage
bill is the market's, and a person's pay moves with both cells' wages.
"""

from __future__ import annotations

import numba as nb

from migsim.kernels._config import JIT
from migsim.kernels.migration import IRREGULAR


@nb.njit(inline="always", **JIT)
def credential(s, tau, kappa0, kappa_years, credential_scale):
    """kappa of a person abroad of skill class s (0 non-tertiary, 1 tertiary) after tau
    years abroad: kappa0[s] x credential_scale on arrival, rising linearly to 1 after
    `kappa_years` years (1 at once if kappa_years is 0), at most 1."""
    k = kappa0[s] * credential_scale
    if kappa_years > 0.0:
        k = k + (1.0 - k) * min(tau / kappa_years, 1.0)
    else:
        k = 1.0  # credentials transfer in full at once
    if k > 1.0:
        k = 1.0
    return k


@nb.njit(inline="always", **JIT)
def downgrade(k, w_own, w_below):
    """(q, f): the share q of a person's efficiency units supplied in the cell one education
    level below and the factor f on those units, for credential transfer k, the wage w_own of
    their cell and w_below of the cell below (last year's, immigrants'). (0, 1), no
    downgrading, unless k < 1 and w_own > w_below > 0."""
    if k >= 1.0 or w_below <= 0.0 or w_own <= w_below:
        return 0.0, 1.0
    q = (1.0 - k) * w_own / (w_own - w_below)
    if q >= 1.0:
        return 1.0, k * w_own / w_below
    return q, 1.0


@nb.njit(inline="always", **JIT)
def efficiency(
    u,
    loc,
    o,
    s,
    st,
    tau,
    employment,
    kappa0,
    kappa_years,
    irregular_wage_factor,
    prod,
    credential_scale,
):
    """Efficiency units of a person of working age (the caller skips the others, who
    supply none)."""
    # employed or not as a select, not a branch: the draw is a coin flip the branch
    # predictor cannot learn, and a non-worker's 0 units add nothing to a sum
    units = prod if u < employment[loc] else 0.0
    if loc != o:
        units *= credential(s, tau, kappa0, kappa_years, credential_scale)
        if st == IRREGULAR:
            units *= irregular_wage_factor
    return units
