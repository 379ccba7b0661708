"""What moving costs and how long a stay lasts: the up-front moving cost a would-be mover
must pay or borrow, and the yearly return hazard by status, years abroad and age band."""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.labels import AGE_BANDS
from migsim.core.world import World

B = len(AGE_BANDS)


def upfront_cost(world: World, wages: np.ndarray, conf: Any) -> np.ndarray:
    """Up-front moving cost F[o, d] (PPP $): months of the destination's non-tertiary wage,
    times (0.5 + 0.5 distance / 5000 km) [A]."""
    w_low = wages[:, 0] if wages.ndim == 2 else wages[:, 0, 1]
    scale = 0.5 + 0.5 * world.distance_km / 5000.0
    F = conf.upfront_cost_months / 12.0 * w_low[None, :] * scale
    np.fill_diagonal(F, 0.0)
    return F


def return_hazard_table(conf: Any, age_factor: np.ndarray | None = None) -> np.ndarray:
    """Annual probability of leaving the destination (5, 256, B) by status, years abroad
    and age band; `age_factor` (B,) multiplies the hazard by age band (1 = none)."""
    tau = np.maximum(np.arange(256, dtype=np.float64), 1.0)
    h = conf.return_hazard_scale * conf.return_hazard_shape * tau ** (conf.return_hazard_shape - 1)
    table = np.zeros((5, 256))
    table[1] = h
    table[2] = h * conf.temporary_return_multiplier
    table[3] = h * conf.irregular_return_multiplier
    factor = np.ones(B) if age_factor is None else np.asarray(age_factor, dtype=np.float64)
    return np.clip(table[:, :, None] * factor[None, None, :], 0.0, 1.0)
