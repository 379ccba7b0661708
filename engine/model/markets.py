r"""Labour-market equilibrium per region: nested CES production (docs/model.md §5.2-5.5).

Production in region :math:`r` (one year, one representative firm, constant returns)::

    Y_r    = A_r * K_r**alpha_r * Lagg_r**(1 - alpha_r)
    Lagg_r = [ sum_e theta_re * L_re**rho_q ]**(1/rho_q),          rho_q = (sigma_q - 1)/sigma_q
    L_re   = [ sum_j theta_rej * L_rej**rho_n ]**(1/rho_n),        rho_n = (sigma_n - 1)/sigma_n

with ``e`` the skill (education) group and ``j`` the nativity (0 = native, 1 = immigrant).
``sigma_n = math.inf`` (or ``sigma_q = math.inf``) is the linear limit
``L_re = sum_j theta_rej * L_rej`` (perfect substitutes).

Wages are marginal products (competitive factor markets)::

    w_rej = dY/dLagg * dLagg/dL_re * dL_re/dL_rej
          = (1 - alpha) A (K/Lagg)**alpha * theta_re (Lagg/L_re)**(1/sigma_q)
            * theta_rej (L_re/L_rej)**(1/sigma_n)

which in logs is the update of docs/model.md §5.2::

    d ln w_ej = d ln A + alpha d ln(K/Lagg) + (1/sigma_q) d ln Lagg
                + (1/sigma_n - 1/sigma_q) d ln L_e - (1/sigma_n) d ln L_ej.

Array conventions used throughout the module
--------------------------------------------
* ``R`` regions, ``S`` skill groups (index 0 = non-tertiary, ..., ``S-1`` = tertiary; the
  externality uses the *last* skill index as "tertiary"), 2 nativities (0 = native,
  1 = immigrant).
* ``supply[r, s, j]``: labour input in **efficiency units** (head counts x hours x kappa x
  quality; one unit = one base-year efficiency-adjusted worker-year).
* ``wages[r, s, j]``: wage per efficiency unit, PPP $ per year.
* ``gdp``, ``labour_income``, ``capital_income``: PPP $ per year; ``capital`` in PPP $.

Empty cells
-----------
For a finite elasticity :math:`\sigma > 1` a CES aggregate satisfies the Inada condition:
the marginal product of an input at zero supply is **infinite**
(``d L_e/d M = theta_M (L_e/M)**(1/sigma_n) -> inf`` as ``M -> 0``, slowly for
``sigma_n = 20``).  To keep wages finite and usable downstream, the wage reported for a cell
with *exactly zero* supply is the marginal product evaluated at an entry supply of
``params.empty_cell_share`` times the raw total of its nest (its skill group's total
efficiency units for the nativity nest, the region's total for the skill nest).  If a whole
skill group is empty, the nativity-nest ratio is evaluated at equal (unit) supplies.  Cells
with positive supply, however small, always get their exact marginal product, so Euler's
theorem ``gdp = labour_income + capital_income`` holds exactly (empty cells contribute 0).
With ``sigma = inf`` the rule is irrelevant: the empty-cell wage is exactly
``theta * dY/dL_e``.  Calibration uses the same rule, so base-year wages of empty cells are
reproduced exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "IMMIGRANT",
    "NATIVE",
    "MarketOutcome",
    "MarketParams",
    "MarketState",
    "calibrate",
    "solve",
    "tertiary_share",
]

NATIVE = 0
IMMIGRANT = 1
CLOSURES = ("short_run", "long_run", "partial")


@dataclass(frozen=True)
class MarketParams:
    """Elasticities and closure of the regional labour markets.

    Attributes
    ----------
    sigma_q : float
        Elasticity of substitution between skill groups (tertiary vs non-tertiary),
        default 2.0 (docs/model.md §5.2, range 1.3-2.5).  Must be > 1 or ``math.inf``.
    sigma_n : float
        Elasticity of substitution between natives and immigrants within a skill group,
        default 20 (Ottaviano-Peri).  ``math.inf`` = perfect substitutes.  Must be > 1.
    closure : {"short_run", "long_run", "partial"}
        ``short_run``: capital fixed at ``previous_capital`` (default ``state.capital``).
        ``long_run``: capital chosen so the marginal product of capital equals
        ``state.rental_rate`` (with no externality this keeps ``K/Lagg`` fixed).
        ``partial``: ``K_t = K_{t-1} + phi (K*_t - K_{t-1})`` with ``K*`` the long-run stock.
    adjustment_speed : float
        ``phi`` in [0, 1], share of the capital gap closed per (one-year) call; default 0.2.
    externality : float
        ``gamma >= 0``: ``A_r = Abar_r (h_r / h_r0)**gamma`` with ``h`` the tertiary share of
        the resident workforce (efficiency units) and ``h_r0`` its base-year value
        (docs/model.md §5.5; normalising by ``h_r0`` keeps the calibration independent of
        ``gamma``).  Default 0 (off); sensitivity 0.12 or 0.3.
    empty_cell_share : float
        Entry supply, as a share of the nest's raw total, at which the wage of an empty cell
        is evaluated when ``sigma`` is finite (see module docstring).  In (0, 1); 1e-3.
    """

    sigma_q: float = 2.0
    sigma_n: float = 20.0
    closure: str = "long_run"
    adjustment_speed: float = 0.2
    externality: float = 0.0
    empty_cell_share: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("sigma_q", "sigma_n"):
            value = float(getattr(self, name))
            if not value > 1.0:  # also rejects NaN
                raise ValueError(
                    f"MarketParams.{name}={value!r}: must be > 1 or math.inf "
                    "(sigma <= 1 makes output zero when a cell is empty)"
                )
        if self.closure not in CLOSURES:
            raise ValueError(f"MarketParams.closure={self.closure!r}: allowed {CLOSURES}")
        if not 0.0 <= float(self.adjustment_speed) <= 1.0:
            raise ValueError(
                f"MarketParams.adjustment_speed={self.adjustment_speed!r}: must be in [0, 1]"
            )
        gamma = float(self.externality)
        if not (math.isfinite(gamma) and gamma >= 0.0):
            raise ValueError(f"MarketParams.externality={gamma!r}: must be finite and >= 0")
        if not 0.0 < float(self.empty_cell_share) < 1.0:
            raise ValueError(
                f"MarketParams.empty_cell_share={self.empty_cell_share!r}: must be in (0, 1)"
            )


@dataclass
class MarketState:
    """Calibrated technology of every region (output of :func:`calibrate`).

    Attributes
    ----------
    tfp : ndarray, shape (R,)
        ``Abar_r``, TFP before the externality (equals base-year TFP).
    capital : ndarray, shape (R,)
        Base-year capital stock ``K_r0`` (PPP $).
    alpha : ndarray, shape (R,)
        Capital share in (0, 1).
    theta_skill : ndarray, shape (R, S)
        ``theta_re``, CES weights of skill groups in ``Lagg``.
    theta_nativity : ndarray, shape (R, S, 2)
        ``theta_rej``, CES weights of natives (j=0) and immigrants (j=1) in ``L_re``.
    base_tertiary_share : ndarray, shape (R,)
        ``h_r0``, base-year share of the last skill group in total efficiency units.
    rental_rate : ndarray, shape (R,)
        Base-year marginal product of capital ``alpha Y0/K0`` (per year); the long-run closure
        keeps it fixed.

    Notes
    -----
    Normalisation chosen by :func:`calibrate`: in the base year every nest index equals the
    raw sum of its inputs, ``L_re0 = sum_j L_rej0`` and ``Lagg_r0 = sum_e L_re0``; for a skill
    group empty in the base year ``sum_j theta_rej = 1``.
    """

    tfp: np.ndarray
    capital: np.ndarray
    alpha: np.ndarray
    theta_skill: np.ndarray
    theta_nativity: np.ndarray
    base_tertiary_share: np.ndarray
    rental_rate: np.ndarray

    @property
    def n_regions(self) -> int:
        """Number of regions ``R``."""
        return int(self.theta_skill.shape[0])

    @property
    def n_skills(self) -> int:
        """Number of skill groups ``S``."""
        return int(self.theta_skill.shape[1])


@dataclass
class MarketOutcome:
    """Equilibrium of one year.

    Attributes
    ----------
    wages : ndarray, shape (R, S, 2)
        Wage per efficiency unit (PPP $/year) = marginal product of each cell.
    gdp : ndarray, shape (R,)
        ``Y_r`` (PPP $/year).
    capital : ndarray, shape (R,)
        Capital stock used this year (PPP $); pass it as ``previous_capital`` next year.
    capital_income : ndarray, shape (R,)
        ``r K = alpha Y`` (PPP $/year).
    labour_income : ndarray, shape (R,)
        ``sum_{s,j} w L`` (PPP $/year); equals ``(1 - alpha) Y`` (Euler).
    tfp : ndarray, shape (R,)
        ``A_r`` including the externality.
    """

    wages: np.ndarray
    gdp: np.ndarray
    capital: np.ndarray
    capital_income: np.ndarray
    labour_income: np.ndarray
    tfp: np.ndarray


# ----------------------------------------------------------------------------- helpers


def _inv(sigma: float) -> float:
    """Return ``1/sigma`` with ``1/inf = 0``."""
    return 0.0 if math.isinf(sigma) else 1.0 / sigma


def _ces(x: np.ndarray, theta: np.ndarray, sigma: float) -> np.ndarray:
    """CES index over the last axis: ``[sum theta x**rho]**(1/rho)``, linear if sigma=inf."""
    rho = 1.0 - _inv(sigma)
    if rho == 1.0:
        return np.sum(theta * x, axis=-1)
    return np.sum(theta * x**rho, axis=-1) ** (1.0 / rho)


def _nest(
    x: np.ndarray, theta: np.ndarray, sigma: float, floor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CES index over the last axis and its derivatives with respect to each input.

    ``d index / d x_k = theta_k (index / x~_k)**(1/sigma)`` where ``x~_k = x_k`` if positive,
    ``floor`` (broadcast over the last axis) if ``x_k == 0``; for an all-zero nest the ratio
    is evaluated at unit inputs, ``index(1, ..., 1) / 1``.
    """
    index = _ces(x, theta, sigma)
    occupied = np.sum(x, axis=-1) > 0.0
    x_tilde = np.where(x > 0.0, x, floor[..., None])
    safe = np.where(occupied[..., None], x_tilde, 1.0)
    unit_index = _ces(np.ones_like(x), theta, sigma)
    ratio = np.where(occupied[..., None], index[..., None] / safe, unit_index[..., None])
    return index, theta * ratio ** _inv(sigma)


def _check_supply(supply: np.ndarray, name: str = "supply") -> np.ndarray:
    """Validate a (R, S, 2) array of non-negative finite labour supplies."""
    arr = np.asarray(supply, dtype=float)
    if arr.ndim != 3 or arr.shape[2] != 2:
        raise ValueError(f"{name} must have shape (R, S, 2), got {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        r, s, j = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} is not finite in region {r}, skill {s}, nativity {j}")
    neg = arr < 0.0
    if neg.any():
        r, s, j = (int(i) for i in np.argwhere(neg)[0])
        raise ValueError(f"negative {name} {arr[r, s, j]!r} in region {r}, skill {s}, nativity {j}")
    empty = np.sum(arr, axis=(1, 2)) <= 0.0
    if empty.any():
        r = int(np.flatnonzero(empty)[0])
        raise ValueError(f"{name}: region {r} has zero total labour supply")
    return arr


def _region_vector(value: np.ndarray | float, n: int, name: str) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def tertiary_share(supply: np.ndarray) -> np.ndarray:
    """Share of the last skill group in total efficiency units, per region.

    Parameters
    ----------
    supply : ndarray, shape (R, S, 2)
        Efficiency units of labour.

    Returns
    -------
    ndarray, shape (R,)
        ``h_r = sum_j L_r,S-1,j / sum_{s,j} L_rsj`` (0 for a region with no labour).
    """
    arr = np.asarray(supply, dtype=float)
    total = arr.sum(axis=(1, 2))
    top = arr[:, -1, :].sum(axis=-1)
    return np.divide(top, total, out=np.zeros_like(total), where=total > 0.0)


# ----------------------------------------------------------------------------- API


def calibrate(
    supply: np.ndarray,
    wages: np.ndarray,
    alpha: np.ndarray | float,
    params: MarketParams,
    *,
    capital_output_ratio: np.ndarray | float = 3.0,
) -> MarketState:
    """Calibrate the nested CES technology so base-year marginal products equal ``wages``.

    Parameters
    ----------
    supply : ndarray, shape (R, S, 2)
        Base-year efficiency units ``L_rsj`` (>= 0; every region needs some labour).
    wages : ndarray, shape (R, S, 2)
        Base-year wage per efficiency unit ``w_rsj`` (PPP $/year, > 0 in every cell, also
        empty ones: it fixes the weight a cell gets once it fills).
    alpha : ndarray, shape (R,), or float
        Capital share in (0, 1).
    params : MarketParams
        Elasticities and the empty-cell rule (the closure is not used here).
    capital_output_ratio : ndarray, shape (R,), or float, keyword-only
        ``K0/Y0`` used to fix the units of capital (default 3); the rental rate is then
        ``alpha / capital_output_ratio``.  Wages and incomes do not depend on it.

    Returns
    -------
    MarketState

    Notes
    -----
    Normalisation: nest indices equal raw sums in the base year, ``L_e0 = sum_j L_ej0``,
    ``Lagg0 = sum_e L_e0``.  With wage bills ``B_ej = w_ej L_ej``, ``B_e = sum_j B_ej`` and
    ``WL = sum_e B_e``, the prices of the nests are ``P_e = B_e / L_e0`` and
    ``P = WL / Lagg0``; then (``x~`` = supply, or the entry supply of an empty cell)::

        theta_ej = (w_ej / P_e) (x~_ej / L_e0)**(1/sigma_n)
        theta_e  = (P_e / P)    (x~_e  / Lagg0)**(1/sigma_q)

    i.e. ``theta_ej (L_ej/L_e0)**rho_n`` is the wage-bill share of ``j`` within ``e`` and
    ``theta_e (L_e0/Lagg0)**rho_q`` the wage-bill share of ``e``.  For a skill group empty in
    the base year ``P_e = sum_j w_ej`` and ``theta_ej = w_ej / P_e``.  Aggregates::

        Y0 = WL / (1 - alpha),  K0 = capital_output_ratio * Y0,
        rental_rate = alpha Y0 / K0,  A0 = Y0 / (K0**alpha Lagg0**(1 - alpha)).
    """
    L = _check_supply(supply)
    w = np.asarray(wages, dtype=float)
    if w.shape != L.shape:
        raise ValueError(f"wages shape {w.shape} differs from supply shape {L.shape}")
    bad = ~(np.isfinite(w) & (w > 0.0))
    if bad.any():
        r, s, j = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"wages must be finite and > 0: {w[r, s, j]!r} in region {r}, skill {s}, nativity {j}"
        )
    n_regions = L.shape[0]
    a = _region_vector(alpha, n_regions, "alpha")
    if not np.all((a > 0.0) & (a < 1.0)):
        raise ValueError(f"alpha must lie in (0, 1), got {a}")
    ky = _region_vector(capital_output_ratio, n_regions, "capital_output_ratio")
    if not np.all(ky > 0.0):
        raise ValueError("capital_output_ratio must be > 0")

    share = float(params.empty_cell_share)
    group_units = L.sum(axis=-1)  # (R,S) = L_e0 by normalisation
    total_units = group_units.sum(axis=-1)  # (R,) = Lagg0
    bills = (w * L).sum(axis=-1)  # (R,S)  B_e
    labour_income = bills.sum(axis=-1)  # (R,)

    occupied = group_units > 0.0
    price_e = np.where(occupied, bills / np.where(occupied, group_units, 1.0), w.sum(axis=-1))
    x_tilde = np.where(L > 0.0, L, (share * group_units)[..., None])
    safe_units = np.where(occupied, group_units, 1.0)
    ratio_n = np.where(occupied[..., None], x_tilde / safe_units[..., None], 1.0)
    theta_n = (w / price_e[..., None]) * ratio_n ** _inv(params.sigma_n)

    price = labour_income / total_units
    e_tilde = np.where(occupied, group_units, (share * total_units)[:, None])
    theta_q = (price_e / price[:, None]) * (e_tilde / total_units[:, None]) ** _inv(params.sigma_q)

    gdp = labour_income / (1.0 - a)
    capital = ky * gdp
    tfp = gdp / (capital**a * total_units ** (1.0 - a))
    h0 = tertiary_share(L)
    if params.externality > 0.0 and np.any(h0 <= 0.0):
        r = int(np.flatnonzero(h0 <= 0.0)[0])
        raise ValueError(
            f"externality > 0 needs a positive base-year tertiary share; region {r} has none"
        )
    return MarketState(
        tfp=tfp,
        capital=capital,
        alpha=a,
        theta_skill=theta_q,
        theta_nativity=theta_n,
        base_tertiary_share=h0,
        rental_rate=a * gdp / capital,
    )


def solve(
    state: MarketState,
    supply: np.ndarray,
    params: MarketParams,
    previous_capital: np.ndarray | None = None,
) -> MarketOutcome:
    """Wages, output and factor incomes of every region for one year's labour supply.

    Parameters
    ----------
    state : MarketState
        Calibrated technology (:func:`calibrate`).
    supply : ndarray, shape (R, S, 2)
        Efficiency units ``L_rsj`` this year (>= 0; zeros allowed, negative raises
        ``ValueError`` naming region/skill/nativity).
    params : MarketParams
        Elasticities, closure and externality; elasticities must be those used to calibrate.
    previous_capital : ndarray, shape (R,), optional
        Last year's capital stock; default ``state.capital``.  Used by ``short_run`` (as the
        fixed stock) and ``partial`` (as ``K_{t-1}``); ignored by ``long_run``.

    Returns
    -------
    MarketOutcome

    Notes
    -----
    ``A = Abar (h/h0)**gamma``.  Long-run stock from ``alpha A (K*/Lagg)**(alpha-1) = r0``::

        K* = Lagg (alpha A / r0)**(1/(1-alpha))

    short run ``K = K_{t-1}``; partial ``K = K_{t-1} + phi (K* - K_{t-1})``.  Then
    ``Y = A K**alpha Lagg**(1-alpha)``, ``w_sj = (1-alpha) (Y/Lagg) dLagg/dL_s dL_s/dL_sj``
    and ``capital_income = alpha Y`` (the marginal product of capital times ``K``).
    """
    L = _check_supply(supply)
    n_regions = L.shape[0]
    if state.theta_nativity.shape != L.shape:
        raise ValueError(
            f"supply shape {L.shape} does not match the calibrated state "
            f"{state.theta_nativity.shape}"
        )
    a = state.alpha
    share = float(params.empty_cell_share)

    if params.externality > 0.0:
        h = tertiary_share(L)
        tfp = state.tfp * (h / state.base_tertiary_share) ** params.externality
    else:
        tfp = state.tfp.copy()

    group_units = L.sum(axis=-1)
    l_e, d_le = _nest(L, state.theta_nativity, params.sigma_n, share * group_units)
    l_agg, d_lagg = _nest(l_e, state.theta_skill, params.sigma_q, share * group_units.sum(-1))

    if previous_capital is None:
        k_prev = state.capital.copy()
    else:
        k_prev = _region_vector(previous_capital, n_regions, "previous_capital")
        if np.any(k_prev < 0.0):
            r = int(np.flatnonzero(k_prev < 0.0)[0])
            raise ValueError(f"previous_capital is negative in region {r}")
    k_star = l_agg * (a * tfp / state.rental_rate) ** (1.0 / (1.0 - a))
    if params.closure == "short_run":
        capital = k_prev
    elif params.closure == "long_run":
        capital = k_star
    else:
        capital = k_prev + params.adjustment_speed * (k_star - k_prev)

    gdp = tfp * capital**a * l_agg ** (1.0 - a)
    mpl = (1.0 - a) * gdp / l_agg
    wages = mpl[:, None, None] * d_lagg[..., None] * d_le
    labour_income = (wages * L).sum(axis=(1, 2))
    return MarketOutcome(
        wages=wages,
        gdp=gdp,
        capital=capital,
        capital_income=a * gdp,
        labour_income=labour_income,
        tfp=tfp,
    )
