"""How much is remitted: the base-year total the one global scale reaches, and the response to
a corridor's fee (docs/model.md §5.9)."""

from __future__ import annotations

import numpy as np

TARGET_DOC = (
    "world remittances received in the base year, US$ bn, that the one global scale reaches; "
    "null: the world's own, the sum of its regions.csv remittance_inflow_usd_bn (default "
    "world 542.1, MDB 22; worlds built from data: WDI's total of their base year) [V]"
)


def corridor_remit_scale(
    scale: np.ndarray, fee: np.ndarray, status_quo_fee: np.ndarray, elasticity: float
) -> np.ndarray:
    """(R, R) [location, origin]: the remittance scale by origin (R,) times
    ((1 - fee) / (1 - status-quo fee))^elasticity, so that a regime that makes sending
    cheaper gets more sent [A]. Exactly the scale at status-quo fees (the base year and the
    status quo keep the global scale alone)."""
    out = np.broadcast_to(np.asarray(scale)[None, :], status_quo_fee.shape)
    if elasticity == 0 or np.array_equal(fee, status_quo_fee):
        return np.ascontiguousarray(out)
    ratio = (1.0 - fee) / np.maximum(1.0 - status_quo_fee, 1e-12)
    return np.ascontiguousarray(out * ratio**elasticity)


def remittance_target(total_usd_bn: float | None, world) -> float:
    """World remittances received in the base year (US$ bn) that the global scale reaches:
    `total_usd_bn` (`economy.remittances_world_usd_bn`) if set, else the world's own total,
    the sum of its regions' inflows (`regions.csv` remittance_inflow_usd_bn)."""
    if total_usd_bn is not None:
        return float(total_usd_bn)
    return float(np.sum(world.remittance_inflow))


# secant steps on the global scale (`global_scale`): each is one income pass of the base
# year; three or four reach 1e-12 where the cap binds
SCALE_STEPS = 20


def global_scale(received, target: float):
    """(scale, result) with received(scale) = (total, result) at `target` (relative 1e-12):
    the one global remittance scale. A sender never sends more than their net income, so
    where the scaled share of income above subsistence passes it (senders with the temporary
    factor) the total is not linear in the scale; secant steps from scale 1 are exact once
    the capped senders stop changing, at the first step where nobody is capped."""
    last, result = received(1.0)
    if last <= 0:
        return 1.0, result
    previous, scale = 1.0, target / last
    for _ in range(SCALE_STEPS):
        total, result = received(scale)
        if abs(total - target) <= 1e-12 * target or total == last:
            return scale, result
        step = (target - total) * (scale - previous) / (total - last)
        previous, last, scale = scale, total, scale + step
    return scale, received(scale)[1]


def base_year_scale(step, sim) -> tuple[float, dict]:
    """The global scale at which an economy step's base-year remittances received after
    status-quo fees total the world's target (`remittance_target`), and its income pass's
    sums at that scale (the pass leaves wealth as it is in the base year)."""
    R = step.world.n_regions
    target = remittance_target(step.conf.remittances_world_usd_bn, step.world) * 1e9
    factor = step.price[:, None] * (1.0 - step.status_quo_fee)

    def received(scale: float) -> tuple[float, dict]:
        step.remit_scale = np.full(R, scale)
        sums = step.incomes(sim, sim.base_year, 0, step.wages0, units_ready=True)
        return float((sums["remit"] * factor).sum()), sums

    return global_scale(received, target)
