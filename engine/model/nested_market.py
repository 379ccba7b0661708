r"""Labour markets by education, experience and nativity: the four-level nested CES.

Production in region :math:`r`, as in `migsim.model.markets`, with labour cells
``(e, x, j)``: education ``e`` (0 primary or less, 1 secondary, 2 tertiary), experience band
``x`` and nativity ``j`` (0 native, 1 immigrant)::

    Y      = A K**alpha Lagg**(1 - alpha)
    Lagg   = CES_{sigma_q}  over the skill classes c (non-tertiary, tertiary)
    L_c    = CES_{sigma_hs} over the education groups of the class (primary and secondary;
                            tertiary alone)
    L_e    = CES_{sigma_x}  over the experience bands
    L_ex   = CES_{sigma_n}  over natives and immigrants

Borjas (2003) and Ottaviano and Peri (2012) nest education, experience and nativity this
way; the class level keeps the college / non-college elasticity of the two-class market
(sigma_q), and primary and secondary are close substitutes within it (sigma_hs).

Calibration and the empty-cell rule are those of `migsim.model.markets`, applied level by
level: in the base year every nest index equals the raw sum of the efficiency units under
it, each weight is set so that the marginal product equals the base-year wage, and an
empty cell is paid its marginal product at an entry supply of ``empty_cell_share`` times its
nest's raw units (at unit inputs when the whole nest is empty). Wages are marginal products,
so Euler's theorem ``gdp = labour_income + capital_income`` holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from migsim.model.markets import CLOSURES, MarketOutcome

CLASS_OF_EDUCATION = np.array([0, 0, 1])  # primary, secondary -> non-tertiary; tertiary


@dataclass(frozen=True)
class NestedParams:
    """Elasticities and closure of the four-level market (see module docstring)."""

    sigma_q: float = 2.0
    sigma_hs: float = 20.0
    sigma_x: float = 6.0
    sigma_n: float = 20.0
    closure: str = "long_run"
    adjustment_speed: float = 0.2
    externality: float = 0.0
    empty_cell_share: float = 1e-3

    def __post_init__(self) -> None:
        for name in ("sigma_q", "sigma_hs", "sigma_x", "sigma_n"):
            if not float(getattr(self, name)) > 1.0:
                raise ValueError(f"NestedParams.{name}={getattr(self, name)!r}: must be > 1")
        if self.closure not in CLOSURES:
            raise ValueError(f"NestedParams.closure={self.closure!r}: allowed {CLOSURES}")
        if not 0.0 <= float(self.adjustment_speed) <= 1.0:
            raise ValueError("NestedParams.adjustment_speed must be in [0, 1]")
        if not (math.isfinite(self.externality) and self.externality >= 0.0):
            raise ValueError("NestedParams.externality must be finite and >= 0")
        if not 0.0 < float(self.empty_cell_share) < 1.0:
            raise ValueError("NestedParams.empty_cell_share must be in (0, 1)")

    @property
    def sigmas(self) -> tuple[float, float, float, float]:
        """Elasticities from the innermost nest out."""
        return (self.sigma_n, self.sigma_x, self.sigma_hs, self.sigma_q)


@dataclass
class NestedState:
    """Calibrated technology: aggregates as `markets.MarketState`, and one weight array per
    level, innermost first: (R, E*X*2), (R, E*X), (R, E), (R, 2)."""

    tfp: np.ndarray
    capital: np.ndarray
    alpha: np.ndarray
    thetas: list
    shape: tuple
    base_tertiary_share: np.ndarray
    rental_rate: np.ndarray

    def region(self, i: int) -> NestedState:
        """Region i's market alone (every array cut to the rows i:i+1)."""
        cut = slice(i, i + 1)
        return NestedState(
            tfp=self.tfp[cut],
            capital=self.capital[cut],
            alpha=self.alpha[cut],
            thetas=[t[cut] for t in self.thetas],
            shape=self.shape,
            base_tertiary_share=self.base_tertiary_share[cut],
            rental_rate=self.rental_rate[cut],
        )


def _inv(sigma: float) -> float:
    return 0.0 if math.isinf(sigma) else 1.0 / sigma


def _groups(shape: tuple) -> list[np.ndarray]:
    """Parent of each child, level by level (innermost first), for cells of `shape` (E, X, 2)."""
    E, X, J = shape
    return [
        np.repeat(np.arange(E * X), J),
        np.repeat(np.arange(E), X),
        CLASS_OF_EDUCATION[:E],
        np.zeros(2, dtype=np.int64),
    ]


def _segment_sum(a: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Sum of a[:, k] over the children k of each parent, (R, P), in a fixed order."""
    n = int(groups.max()) + 1
    return np.stack([a[:, groups == p].sum(axis=1) for p in range(n)], axis=1)


def _ces(x: np.ndarray, theta: np.ndarray, sigma: float, groups: np.ndarray) -> np.ndarray:
    rho = 1.0 - _inv(sigma)
    if rho == 1.0:
        return _segment_sum(theta * x, groups)
    return _segment_sum(theta * x**rho, groups) ** (1.0 / rho)


def _check(supply: np.ndarray) -> np.ndarray:
    arr = np.asarray(supply, dtype=float)
    if arr.ndim != 4 or arr.shape[3] != 2 or arr.shape[1] != len(CLASS_OF_EDUCATION):
        raise ValueError(f"supply must have shape (R, 3, X, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0.0):
        raise ValueError("supply must be finite and >= 0")
    empty = arr.sum(axis=(1, 2, 3)) <= 0.0
    if empty.any():
        raise ValueError(f"supply: region {int(np.flatnonzero(empty)[0])} has no labour")
    return arr


def tertiary_share(supply: np.ndarray) -> np.ndarray:
    """Share of tertiary efficiency units in each region's total, (R,)."""
    arr = np.asarray(supply, dtype=float)
    total = arr.sum(axis=(1, 2, 3))
    top = arr[:, 2].sum(axis=(1, 2))
    return np.divide(top, total, out=np.zeros_like(total), where=total > 0.0)


def calibrate(
    supply: np.ndarray,
    wages: np.ndarray,
    alpha: np.ndarray | float,
    params: NestedParams,
    *,
    capital_output_ratio: float = 3.0,
) -> NestedState:
    """Weights of every nest so that base-year marginal products equal `wages` (R, 3, X, 2)."""
    L = _check(supply)
    w = np.asarray(wages, dtype=float)
    if w.shape != L.shape or not np.all(np.isfinite(w) & (w > 0.0)):
        raise ValueError("wages must match supply's shape and be finite and > 0")
    R = L.shape[0]
    a = np.broadcast_to(np.asarray(alpha, dtype=float), (R,)).copy()
    share = float(params.empty_cell_share)
    units, price = L.reshape(R, -1), w.reshape(R, -1)
    thetas = []
    for groups, sigma in zip(_groups(L.shape[1:]), params.sigmas):
        parent_units = _segment_sum(units, groups)
        bills = _segment_sum(price * units, groups)
        occupied = parent_units > 0.0
        safe = np.where(occupied, parent_units, 1.0)
        parent_price = np.where(occupied, bills / safe, _segment_sum(price, groups))
        tilde = np.where(units > 0.0, units, share * parent_units[:, groups])
        ratio = np.where(occupied[:, groups], tilde / safe[:, groups], 1.0)
        thetas.append(price / parent_price[:, groups] * ratio ** _inv(sigma))
        units, price = parent_units, parent_price
    labour_income = (w * L).sum(axis=(1, 2, 3))
    total = L.sum(axis=(1, 2, 3))
    gdp = labour_income / (1.0 - a)
    capital = capital_output_ratio * gdp
    tfp = gdp / (capital**a * total ** (1.0 - a))
    return NestedState(
        tfp=tfp,
        capital=capital,
        alpha=a,
        thetas=thetas,
        shape=L.shape[1:],
        base_tertiary_share=tertiary_share(L),
        rental_rate=a * gdp / capital,
    )


def solve(
    state: NestedState,
    supply: np.ndarray,
    params: NestedParams,
    previous_capital: np.ndarray | None = None,
) -> MarketOutcome:
    """Wages (R, 3, X, 2), output and factor incomes for one year's supply (closures and the
    externality as `markets.solve`)."""
    L = _check(supply)
    if L.shape[1:] != tuple(state.shape):
        raise ValueError(f"supply shape {L.shape} does not match the state {state.shape}")
    R = L.shape[0]
    a = state.alpha
    share = float(params.empty_cell_share)
    tfp = state.tfp.copy()
    if params.externality > 0.0:
        tfp = tfp * (tertiary_share(L) / state.base_tertiary_share) ** params.externality
    x, raw = L.reshape(R, -1), L.reshape(R, -1)
    derivs = []
    levels = list(zip(_groups(L.shape[1:]), params.sigmas, state.thetas))
    for groups, sigma, theta in levels:
        parent_raw = _segment_sum(raw, groups)
        index = _ces(x, theta, sigma, groups)
        occupied = parent_raw > 0.0
        tilde = np.where(x > 0.0, x, share * parent_raw[:, groups])
        safe = np.where(occupied[:, groups], tilde, 1.0)
        unit = _ces(np.ones_like(x), theta, sigma, groups)
        ratio = np.where(occupied[:, groups], index[:, groups] / safe, unit[:, groups])
        derivs.append(theta * ratio ** _inv(sigma))
        x, raw = index, parent_raw
    l_agg = x[:, 0]
    k_prev = state.capital.copy() if previous_capital is None else np.asarray(previous_capital)
    k_star = l_agg * (a * tfp / state.rental_rate) ** (1.0 / (1.0 - a))
    if params.closure == "short_run":
        capital = k_prev
    elif params.closure == "long_run":
        capital = k_star
    else:
        capital = k_prev + params.adjustment_speed * (k_star - k_prev)
    gdp = tfp * capital**a * l_agg ** (1.0 - a)
    marginal = ((1.0 - a) * gdp / l_agg)[:, None]
    for (groups, _, _), deriv in zip(reversed(levels), reversed(derivs)):
        marginal = marginal[:, groups] * deriv
    wages = marginal.reshape(L.shape)
    return MarketOutcome(
        wages=wages,
        gdp=gdp,
        capital=capital,
        capital_income=a * gdp,
        labour_income=(wages * L).sum(axis=(1, 2, 3)),
        tfp=tfp,
    )


def class_wages(wages: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Wage per efficiency unit of the two skill classes, (R, 2, 2) [region, class,
    nativity]: the cells' wages weighted by their supply (their plain mean where the class
    has no such workers), so the class's wage bill is its cells' bill."""
    w, L = np.asarray(wages), np.asarray(supply)
    out = np.empty((w.shape[0], 2, 2))
    for c in range(2):
        cells = CLASS_OF_EDUCATION == c
        wc, lc = w[:, cells], L[:, cells]
        units = lc.sum(axis=(1, 2))
        bill = (wc * lc).sum(axis=(1, 2))
        mean = wc.mean(axis=(1, 2))
        out[:, c] = np.where(units > 0.0, bill / np.where(units > 0.0, units, 1.0), mean)
    return out


def education_wages(wages: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Wage per efficiency unit of each education group, (R, 3, 2), weighted as `class_wages`."""
    w, L = np.asarray(wages), np.asarray(supply)
    units = L.sum(axis=2)
    bill = (w * L).sum(axis=2)
    return np.where(units > 0.0, bill / np.where(units > 0.0, units, 1.0), w.mean(axis=2))


# Base-year wage structure within a skill class [A]: secondary over primary (about four more
# years of schooling at the 7-8% a year that Montenegro and Patrinos 2014 report for
# secondary schooling: exp(0.3)), and a Mincer experience profile 0.05 x - 0.0008 x^2 at the
# bands' mid-points (5, 15, 25, 35 years), concave as in Mincer (1974) and Lemieux (2006).
SECONDARY_PREMIUM = 1.35
EXPERIENCE_MIDPOINTS = np.array([5.0, 15.0, 25.0, 35.0])
EXPERIENCE_PROFILE = np.exp(0.05 * EXPERIENCE_MIDPOINTS - 0.0008 * EXPERIENCE_MIDPOINTS**2)


def base_cell_wages(class_wage: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Base-year wage per efficiency unit of every cell, (R, 3, X, 2), from the wage of its
    skill class (R, 2): the class wage times the education premium and the experience
    profile, normalised so that the class's supply-weighted mean wage is the class wage."""
    L = np.asarray(supply, dtype=float)
    X = L.shape[2]
    profile = EXPERIENCE_PROFILE[:X] if X <= len(EXPERIENCE_PROFILE) else np.ones(X)
    shape = np.array([1.0, SECONDARY_PREMIUM, 1.0])[:, None, None] * profile[None, :, None]
    shape = np.broadcast_to(shape, L.shape[1:])
    out = np.empty(L.shape)
    for c in range(2):
        cells = CLASS_OF_EDUCATION == c
        lc = L[:, cells]
        sc = shape[cells]
        units = lc.sum(axis=(1, 2, 3))
        weighted = (lc * sc).sum(axis=(1, 2, 3)) / np.where(units > 0.0, units, 1.0)
        mean = np.where(units > 0.0, weighted, sc.mean())
        out[:, cells] = class_wage[:, c, None, None, None] * sc[None] / mean[:, None, None, None]
    return out
