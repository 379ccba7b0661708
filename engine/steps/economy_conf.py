"""The economy's parameters (`economy.*` of the run config; docs/model.md §5), declared with
their ranges and provenance flags."""

from __future__ import annotations

from dataclasses import dataclass, field

from migsim.core.params import param
from migsim.model import externalities as ext
from migsim.model import markets
from migsim.model.brain_gain import ELASTICITY_DOC, RESPONSE_DOC, RESPONSES
from migsim.model.remittances import TARGET_DOC


@dataclass
class EconomyConf:
    """Parameters of the economy (docs/model.md); [K] known, [V] validated, [A] assumed."""

    enabled: bool = param(True, doc="run the economy step (wages, incomes, budgets)")
    sigma_skill: float = param(
        2.0, range=(1.0001, float("inf")), doc="sigma_q college vs non-college [K]"
    )
    sigma_school: float = param(
        20.0,
        range=(1.0001, float("inf")),
        doc="sigma_HS secondary vs primary [K]; inf allowed (perfect substitutes)",
    )
    sigma_experience: float = param(
        6.0, range=(1.0001, float("inf")), doc="sigma_x across experience bands [K]"
    )
    # sigma_N from 2 up: at least as substitutable as college and non-college (every estimate
    # is: Ottaviano & Peri about 20, Borjas et al. infinite). Near 1 a cell whose immigrants
    # all leave keeps theta**(sigma/(sigma-1)) of its natives' output (theta < 1): at 1.0001
    # that underflows to 0 and the next year's wages are infinite.
    sigma_nativity: float = param(
        20.0,
        range=(2.0, float("inf")),
        doc="sigma_N natives vs immigrants [K]; inf allowed (perfect substitutes)",
    )
    closure: str = param(
        "partial",
        choices=tuple(markets.CLOSURES),
        problem="{value} is not a closure",
        doc="capital closure: short_run, long_run or partial adjustment",
    )
    capital_adjustment: float = param(
        0.2, range=(0.0, 1.0), doc="phi per year for the partial closure [A]"
    )
    externality: float = param(
        0.0, range=(0.0, 2.0), doc="gamma, human-capital externality on TFP [A]"
    )
    credential_years: float = param(
        10.0, range=(0.0, 100.0), doc="years for kappa to reach 1 (0: at once) [A]"
    )
    downgrading: bool = param(
        True, doc="the credential discount as work one education level down (DFP 2013) [A]"
    )
    irregular_wage_factor: float = param(
        0.8, range=(0.0, 10.0), doc="wage penalty of irregular status [A]"
    )
    irregular_tax_factor: float = param(
        0.3, range=(0.0, 10.0), doc="share of taxes irregular migrants pay [A]"
    )
    irregular_transfer_factor: float = param(
        0.4, range=(0.0, 10.0), doc="share of public spending they receive [A]"
    )
    remit_share_low: float = param(0.20, range=(0.0, 1.0), doc="r_L, share remitted [A]")
    remit_share_high: float = param(0.12, range=(0.0, 1.0), doc="r_H, share remitted [A]")
    remit_probability: float = param(0.7, range=(0.0, 1.0), doc="p_0 [A]")
    remit_decay: float = param(0.03, range=(0.0, 1.0), doc="delta per year abroad [A]")
    temporary_remit_factor: float = param(
        2.0, range=(0.0, 100.0), doc="temporary migrants remit more [A]"
    )
    remit_family_drop: float = param(
        0.0,
        range=(0.0, 1.0),
        doc="d_F, fall in the probability of remitting without close family at origin [A]",
    )
    subsistence_share: float = param(
        0.3, range=(0.0, 10.0), doc="subsistence as a share of local GDP per capita [A]"
    )
    remit_fee_elasticity: float = param(
        0.5, range=(0.0, 10.0), doc="sent x ((1 - fee) / (1 - status-quo fee))^e by corridor [A]"
    )
    remittances_world_usd_bn: float | None = param(
        None, range=(0.0, 1e5), allowed="null, or 0.0 to 100000.0", doc=TARGET_DOC
    )
    savings_rate: float = param(
        0.05, range=(0.0, 1.0), doc="share of net income added to wealth [A]"
    )
    public_goods_cost: str = param(
        "average",
        choices=("average", "marginal"),
        doc="pure public goods: average charges every resident, marginal charges nothing",
    )
    public_goods_share: float = param(
        0.08, range=(0.0, 0.5), doc="pure public goods, share of GDP [A]"
    )
    education: bool = param(True, doc="run the education step (brain gain)")
    brain_gain_elasticity: float = param(0.05, range=(0.0, 1.0), doc=ELASTICITY_DOC)
    education_response: str = param("threshold", choices=RESPONSES, doc=RESPONSE_DOC)
    # switches, all off by default (migsim.model.externalities)
    externalities: ext.ExternalitiesConf = field(default_factory=ext.ExternalitiesConf)
    capital: ext.CapitalConf = field(default_factory=ext.CapitalConf)
