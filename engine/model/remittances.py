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
