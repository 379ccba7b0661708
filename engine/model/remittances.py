"""How the amount remitted responds to a corridor's fee (docs/model.md §5.9)."""

from __future__ import annotations

import numpy as np


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
