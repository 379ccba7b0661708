"""The default decision model on cell arrays: the context a utility sees, the default
utility, the nested logit and its log-sum.

The default module (`behaviour=nested_logit`) is a two-level nested logit (stay vs move,
then destination; docs/model.md §3.1-3.3). Systematic utility is the same for everyone in a
home cell (origin o, skill s, sex g, age band b), so it is computed on small cell arrays:

    V_stay(o, s)        = lambda ln y[o, o, s]
    V_d(o, s, g, b)     = lambda ln y[o, d, s] + xi_inc[o, d, s, g] - c_pol[o, d, s]
                          + eta_s ln(D[o, d] / D0[o, d]) + ln phi_b              (d != o)
    P(d | move)         = exp(V_d / rho) / sum_k exp(V_k / rho)
    P(move)             = exp(rho I) / (exp(V_stay) + exp(rho I)),  I = ln sum_k exp(V_k / rho)

y is expected net income (wage x employment x (1 - tax), times credential transfer abroad),
xi_inc the calibrated corridor constants net of policy (engine/model/calibration.py), c_pol the
regime's policy cost, D the diaspora of o-born people in d (network elasticity eta_s) and
phi_b the age profile. Only the draws, liquidity and an optional individual term are per
person (kernels/migration.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migsim.core.world import AGE_BANDS

N_BANDS = len(AGE_BANDS)


@dataclass
class CellContext:
    """Everything the cell-level utility may use. Index names: o origin, d destination,
    s skill class (0 non-tertiary, 1 tertiary: `skill_class` of the education code), g sex
    (0 female, 1 male), b age band."""

    income: np.ndarray  # (R, R, 2) [o, d, s] expected net income, PPP $/year
    corridor_constant: np.ndarray  # (R, R, 2, 2) [o, d, s, g] xi_inc, calibrated
    policy_cost: np.ndarray  # (R, R, 2) [o, d, s] c_pol of the regime
    network: np.ndarray  # (R, R, 2) [o, d, s] eta_s ln(D / D0)
    age_shift: np.ndarray  # (B,) ln phi_b
    income_elasticity: float
    nest_dissimilarity: float
    year: int
    world: Any = None
    params: dict = field(default_factory=dict)


def default_utility(ctx: CellContext) -> np.ndarray:
    """Systematic utility V[o, s, g, b, d] of the default module (module docstring)."""
    R = ctx.income.shape[0]
    B = ctx.age_shift.shape[0]
    lam = ctx.income_elasticity
    log_income = lam * np.log(ctx.income)  # (o, d, s)
    move = (log_income - ctx.policy_cost + ctx.network)[:, :, :, None] + ctx.corridor_constant
    # (o, d, s, g) -> (o, s, g, b, d)
    V = (
        np.transpose(move, (0, 2, 3, 1))[:, :, :, None, :]
        + ctx.age_shift[None, None, None, :, None]
    )
    V = np.broadcast_to(V, (R, 2, 2, B, R)).copy()
    for o in range(R):
        V[o, :, :, :, o] = log_income[o, o, :][:, None, None]
    return V


def nested_logit(V: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """P(move) (R, 2, 2, B) and P(d | move) (R, 2, 2, B, R) from V[o, s, g, b, d].

    Computed in a numerically stable way (log-sum-exp); entries d == o of P(d | move) are 0.
    """
    R = V.shape[0]
    stay = np.stack([V[o, ..., o] for o in range(R)])  # (R, 2, 2, B)
    moves = V / rho
    moves = moves.copy()
    for o in range(R):
        moves[o, ..., o] = -np.inf
    top = moves.max(axis=-1, keepdims=True)
    expo = np.exp(moves - top)
    total = expo.sum(axis=-1, keepdims=True)
    dest = expo / total
    inclusive = (np.log(total) + top)[..., 0]  # I
    a, b = rho * inclusive, stay
    m = np.maximum(a, b)
    p_move = np.exp(a - m) / (np.exp(a - m) + np.exp(b - m))
    return p_move, dest


def log_sum(V: np.ndarray, rho: float) -> np.ndarray:
    """Expected maximum utility (the log-sum, or inclusive value, of the nested logit) of
    each home cell (R, 2, 2, B), from V[o, s, g, b, d]:

        E max = ln(exp(V_stay) + exp(rho I)),   I = ln sum_{k != o} exp(V_k / rho)

    (up to Euler's constant, which cancels in differences). Its change between two policies
    at the same incomes, divided by the income elasticity lambda, is the change in the
    choice set's value in log points of income (Small & Rosen 1981; McFadden 1978): it is 0
    when no alternative's utility changes and rises when an alternative becomes cheaper,
    with d(E max)/dV_d = P(d) (Williams-Daly-Zachary)."""
    R = V.shape[0]
    stay = np.stack([V[o, ..., o] for o in range(R)])  # (R, 2, 2, B)
    moves = V / rho
    moves = moves.copy()
    for o in range(R):
        moves[o, ..., o] = -np.inf
    top = moves.max(axis=-1)
    inclusive = np.log(np.exp(moves - top[..., None]).sum(axis=-1)) + top
    return np.logaddexp(stay, rho * inclusive)
