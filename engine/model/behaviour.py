"""The decision model's settings (`BehaviourConf`, the `behaviour` config group) and the
names other modules import from it.

The model itself is in `migsim.model.choice` (cell context, default utility, nested logit,
log-sum) and its plug-ins in `migsim.model.plugins` (the `Behaviour` object, loading and
checks); both are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from migsim.core.params import param
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
    available,
    check_behaviour,
    check_utility,
    load_behaviour,
)

# Relative propensity to move by age band, 25-29 = 1 (docs/model.md §3.5) [A].
DEFAULT_AGE_PROFILE = [0.25, 0.5, 0.95, 1.0, 0.75, 0.5, 0.3, 0.15, 0.05]
# Share of movers who leave a partner or children at origin, by age band [A]: children move
# with their parents (0), few teenagers and young adults have a family of their own, the
# share peaks in the family-forming ages; no marital-status data set is in migsim.
DEFAULT_FAMILY_LEFT = [0.0, 0.02, 0.1, 0.25, 0.4, 0.45, 0.45, 0.4, 0.3]


@dataclass
class BehaviourConf:
    """Parameters of the decision model (docs/model.md); [K] known, [V] validated against a
    published figure, [A] assumed."""

    name: str = param("nested_logit", doc="name of the behaviour config")
    plugin: str = param(
        "", doc="plug-in: entry point of group migsim.behaviours, or package.module:attribute"
    )
    params: dict = param(
        factory=dict,
        doc="a plug-in's parameters, as it declares them (migsim behaviours lists them)",
    )
    migration: bool = param(True, doc="migration on; off (`none`) keeps everyone where they are")
    income_elasticity: float = param(
        0.7, range=(0.0, 10.0), doc="lambda [K] (DMS 2015 / Bertoli-Moraga range 0.5-1.0)"
    )
    nest_dissimilarity: float = param(
        0.6, range=(0.05, 1.0), doc="rho [A]; 1 gives the multinomial logit"
    )
    network_elasticity_low: float = param(
        0.6, range=(0.0, 3.0), doc="eta, non-tertiary [A] (0.4-0.7 [K])"
    )
    network_elasticity_high: float = param(0.4, range=(0.0, 3.0), doc="eta, tertiary [A]")
    network_max_ratio: float = param(
        3.0,
        range=(1.0, 1e6),
        doc="diaspora effect saturates at this multiple of the base-year diaspora [A]",
    )
    age_profile: list = param(
        factory=lambda: list(DEFAULT_AGE_PROFILE),
        allowed="9 positive numbers, one per age band",
        doc="relative propensity to move by age band, 25-29 = 1 [A]",
    )
    credential_transfer_low: float = param(
        0.85, range=(0.0, 1.5), doc="kappa for recent migrants [A] (DFP 2013 direction)"
    )
    credential_transfer_high: float = param(0.7, range=(0.0, 1.5), doc="kappa, tertiary [A]")
    return_hazard_scale: float = param(
        0.093,
        range=(0.0, 1.0),
        doc="Weibull return hazard scale: ~22% of a cohort leaves within 5 years [A]",
    )
    return_hazard_shape: float = param(
        0.7, range=(0.1, 3.0), doc="Weibull shape, h = scale shape tau^(shape-1) [A]"
    )
    return_income_elasticity: float = param(
        0.3,
        range=(0.0, 5.0),
        doc="beta_w: return hazard x (home / host income)^beta_w, the income gap [A]",
    )
    temporary_return_multiplier: float = param(
        2.0, range=(0.0, 20.0), doc="temporary visa holders leave faster [A]"
    )
    irregular_return_multiplier: float = param(
        0.8, range=(0.0, 20.0), doc="return hazard of irregular migrants, relative [A]"
    )
    family_left_share: list = param(
        factory=lambda: list(DEFAULT_FAMILY_LEFT),
        allowed="9 numbers from 0 to 1, one per age band",
        doc="share of movers who leave close family (partner, children) at origin, by age band [A]",
    )
    family_reunification: float = param(
        0.15,
        range=(0.0, 1.0),
        doc="yearly probability that family left at origin joins a migrant (not on a "
        "temporary visa) [A]",
    )
    family_return_effect: float = param(
        0.5,
        range=(0.0, 5.0),
        doc="b_fam: return hazard x exp(b_fam) while close family is at origin; sign from "
        "Constant & Massey (2002) [K], value [A]",
    )
    onward_share: float = param(
        0.1, range=(0.0, 1.0), doc="share of leavers who move on to a third region [A]"
    )
    borrowing: float = param(
        0.5, range=(0.0, 20.0), doc="b: borrowing capacity as a share of home income [A]"
    )
    upfront_cost_months: float = param(
        3.0,
        range=(0.0, 120.0),
        doc="up-front cost F in months of destination low-skill earnings (KNOMAD 1-15 [V])",
    )
    stock_growth: float = param(
        0.016, range=(-0.2, 0.2), doc="calibration target: migrant stock growth 2010-13 [V]"
    )
    intra_return_hazard: float = param(
        0.05, range=(0.0, 1.0), doc="within-region migrants' yearly return [A]"
    )
    free_mobility_extra_share: float = param(
        0.056,
        range=(0.0, 1.0),
        doc="extra migrants free mobility brings, share of world population (DMS ~400M) [V]",
    )
    gravity_distance: float = param(
        1.0, range=(0.0, 100.0), doc="c_inc per log distance (elasticity 0.5-1.2 [K])"
    )
    gravity_language: float = param(
        0.45, range=(0.0, 100.0), doc="common language lowers c_inc (0.3-0.6 [K])"
    )
    gravity_colony: float = param(
        0.75, range=(0.0, 100.0), doc="colonial link lowers c_inc (0.5-1.0 [K])"
    )
    gravity_contiguity: float = param(0.5, range=(0.0, 100.0), doc="common border lowers c_inc [A]")
    corridor_trend_after: str = param(
        "hold",
        choices=("hold", "continue"),
        doc="a history fit's corridor trends after its window: hold the constants at the "
        "window's last year, or carry the trend on (the backtest: docs/scenarios.md) [A]",
    )
    policy_split: str = param(
        "auto",
        choices=("auto", "gravity", "income_gap"),
        doc="policy-cost split: gravity c_inc plus a level per destination, or c_pol = "
        "ln(1 + kappa_d gain) with gain the income gain, capped so c_inc >= 0; auto: "
        "gravity up to 64 regions, income_gap above [A]",
    )


CALIBRATION_FIELDS = (
    "income_elasticity",
    "nest_dissimilarity",
    "age_profile",
    "credential_transfer_low",
    "credential_transfer_high",
    "return_hazard_scale",
    "return_hazard_shape",
    "return_income_elasticity",
    "temporary_return_multiplier",
    "irregular_return_multiplier",
    "family_left_share",
    "family_reunification",
    "family_return_effect",
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
    "policy_split",
)


__all__ = [
    "CALIBRATION_FIELDS",
    "DEFAULT",
    "DEFAULT_FAMILY_LEFT",
    "ENTRY_POINT_GROUP",
    "KERNEL_SIGNATURE",
    "N_BANDS",
    "TERM_SIGNATURE",
    "Behaviour",
    "BehaviourConf",
    "CellContext",
    "available",
    "check_behaviour",
    "check_utility",
    "default_utility",
    "load_behaviour",
    "log_sum",
    "nested_logit",
]
