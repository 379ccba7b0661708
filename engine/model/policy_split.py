"""The per-destination level of incompressible cost (calibration step 3) for large worlds.

The calibration sets a level c_inc[d] per destination so that removing every policy cost
would add the desired extra migrants to each destination (engine/model/calibration.py). It
sweeps over destinations (Gauss-Seidel), bisecting each level with everything else held;
each trial re-evaluates the expected flows of the whole world, O(R^2) cells, so a sweep
costs R * 60 full evaluations: seconds for 12 regions, hours for 230.

A trial changes the policy cost of one destination column only. Under the nested logit
(engine/model/choice.py) that column enters every other flow of an origin cell only through
the cell's sum of exp(V_k / rho), so a trial needs that column and the sums: O(R) cells.
`sweep_levels` keeps exp(V / rho) of the current levels and their sums per home cell and
updates both when a level is set. It finds the same levels as the full sweep up to
rounding; the calibration checks the final split with the full model either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from migsim.model.choice import CellContext, default_utility

# `behaviour.policy_split=auto`: the gravity split up to this many regions (worlds of areas
# and the 44-region corridors world), the income-gap split above (the country world)
GRAVITY_SPLIT_MAX_REGIONS = 64


def split_method(conf, n_regions: int) -> str:
    """The policy-cost split a world gets: `behaviour.policy_split`, where "auto" is the
    gravity split up to GRAVITY_SPLIT_MAX_REGIONS regions and the income-gap split above."""
    method = str(getattr(conf, "policy_split", "auto"))
    if method == "auto":
        return "gravity" if n_regions <= GRAVITY_SPLIT_MAX_REGIONS else "income_gap"
    return method


class Split:
    """The policy cost c_pol (o, d, s) as a function of one number per destination
    (docs/model.md §4.4): the gravity split's level of c_inc, c_pol = max(C - (level_d +
    gravity), 0); or the income-gap split's ln kappa_d, c_pol = min(ln(1 + kappa_d gain),
    max(C, 0)) with gain = max(ln(y_d / y_o), 0). Zero where `free` (same bloc, o == d).
    `rising`: the extra migrants rise with the number (income gap) rather than fall."""

    def __init__(self, method, total_cost, gravity, income, free):
        self.method, self.rising = method, method == "income_gap"
        self.total_cost, self.gravity, self.free = total_cost, gravity, free
        self.R = total_cost.shape[0]
        if self.rising:
            home = np.stack([income[o, o] for o in range(self.R)])  # (o, s)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.log(income / home[:, None, :])
            self.gain = np.nan_to_num(np.maximum(ratio, 0.0))
            self.cap = np.maximum(np.nan_to_num(total_cost), 0.0)  # c_inc = C - c_pol >= 0

    def policy(self, level):
        """c_pol (R, R, 2) for a number per destination (R,) or one for all."""
        level = np.broadcast_to(np.asarray(level, dtype=np.float64), (self.R,))
        if self.rising:
            c_pol = np.minimum(np.log1p(np.exp(level)[None, :, None] * self.gain), self.cap)
        else:
            c_pol = np.maximum(self.total_cost - (level[None, :, None] + self.gravity), 0.0)
        return np.where(self.free, 0.0, c_pol)

    def column(self, d: int, x: float) -> np.ndarray:
        """c_pol[:, d, :] (o, s) with destination d's number at x."""
        if self.rising:
            c_d = np.minimum(np.log1p(np.exp(x) * self.gain[:, d, :]), self.cap[:, d, :])
        else:
            c_d = np.maximum(self.total_cost[:, d, :] - (x + self.gravity[:, d, :]), 0.0)
        return np.where(self.free[:, d], 0.0, c_d)

    def incompressible(self, level, policy_cost, offdiag) -> np.ndarray:
        """c_inc (R, R, 2): max(C, 0) - c_pol (income gap), level + gravity (gravity)."""
        if self.rising:
            return np.where(offdiag, self.cap - policy_cost, 0.0)
        inc = np.where(offdiag, np.asarray(level)[None, :, None] + self.gravity, 0.0)
        return inc * np.ones((1, 1, 2))


def split_gaps(level, achieved, targets, extra_total, rising, codes):
    """(split_gap, shortfall provenance, worst-destination text). The income-gap split cannot
    send would-be migrants to a destination no corridor gains from, nor beyond the cap
    c_inc >= 0, nor keep below its target one whose migrants other destinations' opening
    draws away: such destinations have no policy cost (ln kappa at the bottom of the
    bracket) and their gaps are recorded instead of stopping the run."""
    R = len(level)
    saturated = (level < -49.0) if rising else np.zeros(R, dtype=bool)
    shortfall = {}
    if saturated.any() and targets is not None:
        shortfall = {
            "split_saturated_destinations": int(saturated.sum()),
            "split_extra_shortfall": float(
                np.where(saturated, np.maximum(targets - achieved, 0.0), 0.0).sum()
            ),
            "split_extra_excess": float(
                np.where(saturated, np.maximum(achieved - targets, 0.0), 0.0).sum()
            ),
        }
    if targets is None:
        return float(abs(achieved.sum() - extra_total) / max(extra_total, 1.0)), shortfall, ""
    rel = np.where(saturated, 0.0, np.abs(achieved - targets) / np.maximum(targets, 1.0))
    d = int(np.argmax(rel))
    worst = f" (worst {codes[d]}: {achieved[d]:.4g} against {targets[d]:.4g})"
    return float(np.max(rel)), shortfall, worst


def sweep_levels(
    world,
    conf,
    cells,
    xi: np.ndarray,
    income: np.ndarray,
    flows_sq: np.ndarray,
    policy_column: Callable[[int, float], np.ndarray],
    targets: np.ndarray,
    bisect: Callable[[Callable[[float], bool]], float],
    rising: bool = False,
    max_sweeps: int = 100,
) -> tuple[np.ndarray, int]:
    """(level (R,), sweeps) such that extra migrants by destination meet `targets`.

    xi: (R, R, 2, 2) [o, d, s, g] corridor constants with policy costs inside;
    income: (R, R, 2) expected income; flows_sq: model flows (o, d, s, g) at xi;
    policy_column(d, x) -> c_pol[:, d, :] (o, s) with destination d's level at x (0 where
    the corridor is free), as `calibrate`'s policy_for; `rising`: the extra migrants rise
    with the level (the income-gap split) rather than fall (the gravity split);
    bisect(fits) -> the level where fits(level) turns false."""
    R = world.n_regions
    rho = conf.nest_dissimilarity
    ctx = CellContext(
        income=income,
        corridor_constant=xi,
        policy_cost=np.zeros((R, R, 2)),
        network=np.zeros((R, R, 2)),
        age_shift=np.log(np.asarray(conf.age_profile, dtype=np.float64)),
        income_elasticity=conf.income_elasticity,
        nest_dissimilarity=rho,
        year=0,
    )
    V = default_utility(ctx)  # (o, s, g, b, d) at xi
    diag = np.arange(R)
    stay = V[diag, :, :, :, diag]  # (o, s, g, b)
    scaled = V / rho
    scaled[diag, :, :, :, diag] = -np.inf
    top = scaled.max(axis=-1)  # (o, s, g, b)
    scaled -= top[..., None]
    home, feasible = cells.home, cells.feasible
    stock = cells.stock  # (o, d, s, g)

    level = np.zeros(R)
    # exp of the destination utilities with the current policy costs (xi + c_pol) over rho
    c_pol = np.stack([policy_column(d, 0.0) for d in range(R)], axis=1)  # (o, d, s)
    expo = np.exp(scaled + np.transpose(c_pol, (0, 2, 1))[:, :, None, None, :] / rho)

    def column(d: int, x: float) -> np.ndarray:
        """exp((V_d + c_pol[:, d]) / rho - top) with destination d's level at x."""
        return np.exp(scaled[..., d] + policy_column(d, x)[:, :, None, None] / rho)

    def extra_at(d: int, e_d: np.ndarray, total: np.ndarray) -> float:
        """Extra migrants into d with column d's exp at e_d (other columns as held)."""
        new_total = total - expo[..., d] + e_d
        a = rho * (np.log(new_total) + top)
        m = np.maximum(a, stay)
        p_move = np.exp(a - m) / (np.exp(a - m) + np.exp(stay - m))
        movers = home * p_move * (e_d / new_total) * feasible[..., d]  # (o, s, g, b)
        flows = movers.sum(axis=3)  # (o, s, g)
        before = flows_sq[:, d]  # (o, s, g)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(before > 0, flows / before, 1.0)
        return float((stock[:, d] * (ratio - 1.0)).sum())

    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):  # noqa: B007 (reported in provenance)
        previous = level.copy()
        total = expo.sum(axis=-1)  # recomputed every sweep: no drift from the updates
        for d in range(R):
            level[d] = bisect(
                lambda x, d=d, total=total: (
                    (extra_at(d, column(d, x), total) > targets[d]) != rising
                )
            )
            e_d = column(d, level[d])
            total = total - expo[..., d] + e_d
            expo[..., d] = e_d
        if np.abs(level - previous).max() < 1e-7:
            break
    return level, sweeps
