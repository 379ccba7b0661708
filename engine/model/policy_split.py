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
