"""The decision model's settings (`BehaviourConf`, the `behaviour` config group) and the
names other modules import from it.

The model itself is in `migsim.model.choice` (cell context, default utility, nested logit,
log-sum) and its plug-ins in `migsim.model.plugins` (the `Behaviour` object, loading and
checks); both are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migsim.model.choice import (
    N_BANDS,
    CellContext,
    default_utility,
    log_sum,
    nested_logit,
)
from migsim.model.plugins import (
    DEFAULT,
    ENTRY_POINT_GROUP,
    KERNEL_SIGNATURE,
    TERM_SIGNATURE,
    Behaviour,
    _term_params,
    available,
    check_behaviour,
    check_utility,
    load_behaviour,
)

# Relative propensity to move by age band, 25-29 = 1 (economics.md 1.5) [A].
DEFAULT_AGE_PROFILE = [0.25, 0.5, 0.95, 1.0, 0.75, 0.5, 0.3, 0.15, 0.05]


@dataclass
class BehaviourConf:
    """Parameters of the decision model (economics.md 1); flags as in that document."""

    name: str = "nested_logit"
    # Plug-in: entry-point name in group migsim.behaviours, or "package.module:attribute".
    plugin: str = ""
    # Parameters handed to a plug-in (its individual term receives the values, in order).
    params: dict = field(default_factory=dict)
    # Migration on/off: `none` keeps everyone where they are (demography only).
    migration: bool = True
    income_elasticity: float = 0.7  # lambda [K] (DMS 2015 / Bertoli-Moraga range 0.5-1.0)
    nest_dissimilarity: float = 0.6  # rho [A]; 1 gives the multinomial logit
    network_elasticity_low: float = 0.6  # eta for non-tertiary [A] (0.4-0.7 [K])
    network_elasticity_high: float = 0.4  # eta for tertiary [A]
    # the diaspora effect saturates at this multiple of the base-year diaspora [A]: with 3,
    # networks amplify long-run flows by at most 3^eta (x1.7), near DMS's 17.9% vs 12%
    network_max_ratio: float = 3.0
    age_profile: list = field(default_factory=lambda: list(DEFAULT_AGE_PROFILE))
    credential_transfer_low: float = 0.85  # kappa for recent migrants [A] (DFP 2013 direction)
    credential_transfer_high: float = 0.7  # kappa, tertiary [A]
    # Weibull return hazard h(tau) = scale * shape * max(tau, 1)^(shape - 1), applied at
    # years abroad 1..5 in a migrant's first five years: with these values about 22% of a
    # new cohort leaves within five years (OECD 2008: 20-50%; US 12.5-16%) [A].
    return_hazard_scale: float = 0.093
    return_hazard_shape: float = 0.7
    temporary_return_multiplier: float = 2.0  # temporary visa holders leave faster [A]
    irregular_return_multiplier: float = 0.8  # [A]
    onward_share: float = 0.1  # share of leavers who move on to a third region [A]
    borrowing: float = 0.5  # b: borrowing capacity as a share of home income [A]
    # Up-front cost F: months of the destination's non-tertiary earnings, scaled by distance
    # (KNOMAD/ILO: 1 to 15 months of foreign earnings for low-skill workers [V]).
    upfront_cost_months: float = 3.0
    # Calibration targets and switches
    stock_growth: float = 0.016  # migrant stock growth 2010-13, 1.6%/yr (seed) [V]
    intra_return_hazard: float = 0.05  # within-region migrants' yearly return [A]
    # extra migrants free mobility would bring, as a share of world population: DMS 2015's
    # ~400M would-be movers [V] over the 2013 world population of 7,162M = 5.6%
    free_mobility_extra_share: float = 0.056
    gravity_distance: float = 1.0  # c_inc per log distance (elasticity 0.5-1.2 [K])
    gravity_language: float = 0.45  # common language lowers c_inc (0.3-0.6 [K])
    gravity_colony: float = 0.75  # colonial link (0.5-1.0 [K])
    gravity_contiguity: float = 0.5  # common border [A]


CALIBRATION_FIELDS = (
    "income_elasticity",
    "nest_dissimilarity",
    "age_profile",
    "credential_transfer_low",
    "credential_transfer_high",
    "return_hazard_scale",
    "return_hazard_shape",
    "temporary_return_multiplier",
    "irregular_return_multiplier",
    "onward_share",
    "borrowing",
    "upfront_cost_months",
    "stock_growth",
    "intra_return_hazard",
    "free_mobility_extra_share",
    "gravity_distance",
    "gravity_language",
    "gravity_colony",
    "gravity_contiguity",
)


__all__ = [
    "CALIBRATION_FIELDS",
    "DEFAULT",
    "ENTRY_POINT_GROUP",
    "KERNEL_SIGNATURE",
    "N_BANDS",
    "TERM_SIGNATURE",
    "Behaviour",
    "BehaviourConf",
    "CellContext",
    "_term_params",
    "available",
    "check_behaviour",
    "check_utility",
    "default_utility",
    "load_behaviour",
    "log_sum",
    "nested_logit",
]
