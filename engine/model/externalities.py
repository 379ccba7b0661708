r"""Externalities of immigration felt by host natives, and capital that moves between regions
(docs/model.md §5.13). Every switch is off by default: with
all three at 0 nothing here runs and a run's outputs are those of a model without them.

**Congestion of public services** (``economy.externalities.congestion`` = :math:`c \ge 0`).
Public spending per resident keeps its level (spending follows the number of users), but the
capacity that delivers it (schools, clinics, housing) adjusts with a lag, so the quality per
user falls with the speed at which users arrive::

    q_r = 1 / (1 + c i_r),    i_r = foreign-born arrivals_r / residents_r  (this year)
    congestion cost_r = (1 - q_r) x public spending on the resident natives of r

Congested public services with a fixed capacity as the channel through which immigrants
lower natives' welfare: Chao, Hazari & Laffargue (2013), "Congestion and Optimal
Immigration Policy", Review of Development Economics 17(1). The hyperbolic form, the
inflow (not the stock) as the congesting quantity and any value of ``c`` are assumed [A].

**Social cohesion** (``economy.externalities.cohesion`` = :math:`s \ge 0`). A cost to host
natives rising, convexly, with the immigrant share of residents :math:`m_r`, measured from
the base year's share :math:`m_{r0}` (so the calibrated base year carries none)::

    cohesion cost_r = s (m_r**2 - m_r0**2) x income of the resident natives of r

(natives' income: earnings after tax plus the public spending they receive). Natives value
the composition of their neighbours and co-workers ("compositional amenities") 2-5 times
more than the wage and tax effects of immigration when they state their views on it (Card,
Dustmann & Preston 2012, "Immigration, Wages, and Compositional Amenities", JEEA 10(1))
[K]; the quadratic form and any value of ``s`` are assumed [A].

**Mobile capital** (``economy.capital.mobility`` = :math:`\mu \ge 0`). After the capital
closure has set every region's stock for the year (as without mobility), capital moves
between regions toward equal *net* returns: each region's return is measured against its
own base-year return :math:`r_{r0}` (the regional wedge that keeps base-year stocks where
they are: risk, institutions, the Lucas paradox), and log capital moves by :math:`\mu`
times the gap to the capital-weighted mean::

    g_r  = MPK_r / r_r0 - 1
    K'_r = K_r exp(mu g_r) / [ sum_k K_k exp(mu g_k) / sum_k K_k ]

so that the world stock is conserved exactly (the closure alone decides how much capital the
world has; mobility decides only where it is installed). Capital follows immigrants (their
labour raises the return where they arrive) and leaves origins (offshoring where the return
falls). The partial-adjustment rule is assumed [A]; mobile capital that keeps the long-run
return fixed is the textbook closure of the immigration surplus (Borjas 1995) and of the
large-gain models of open borders (Klein & Ventura 2009; Kennan 2013) [K].

With :math:`\mu \le 1` (the allowed range) the move never overshoots: the return falls
with capital at the rate :math:`1 - \alpha < 1`, so one year closes less than the whole gap.
Under the ``long_run`` closure every region's return is already its base-year return, and
nothing moves.

Capital keeps its owners: mobility moves capital, not its ownership; the closure's change of
the stock installed in a region (its investment) is made by the owners of that stock in
proportion to what they own of it (the foreigners' part shared by the lending regions pro
rata to what they lend). The income of capital installed abroad goes back to its owners:
capital importers pay MPK on what they borrow into a pool that lenders share pro rata to what
they lend (world capital income is conserved).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migsim.core.params import param

__all__ = [
    "CapitalConf",
    "ExternalitiesConf",
    "cohesion_cost",
    "congestion_cost",
    "congestion_quality",
    "owners_capital_income",
    "owners_investment",
    "reallocate_capital",
]


@dataclass
class ExternalitiesConf:
    """Externalities of immigration felt by host natives (0 = off)."""

    congestion: float = param(
        0.0,
        range=(0.0, 1000.0),
        doc="c: public-service quality per user 1 / (1 + c x inflow rate); 0 off, e.g. 5 [A]",
    )
    cohesion: float = param(
        0.0,
        range=(0.0, 100.0),
        doc="s: natives lose s (m^2 - m0^2) of income, m the immigrant share; 0 off, e.g. 0.5 [A]",
    )


@dataclass
class CapitalConf:
    """Capital that moves between regions toward equal net returns (0 = immobile)."""

    mobility: float = param(
        0.0,
        range=(0.0, 1.0),
        doc="mu: log capital moves mu x (return gap to the mean) a year, world stock kept; "
        "0 off, e.g. 0.5 [A]",
    )


def congestion_quality(inflow_rate: np.ndarray, strength: float) -> np.ndarray:
    """Quality of public services per user, 1 at no inflow: 1 / (1 + c i)."""
    rate = np.maximum(np.asarray(inflow_rate, dtype=np.float64), 0.0)
    return 1.0 / (1.0 + strength * rate)


def congestion_cost(
    natives_public: np.ndarray, inflow_rate: np.ndarray, strength: float
) -> np.ndarray:
    """(R,) PPP $: the public services the resident natives lose to congestion,
    (1 - q) x public spending on them."""
    return (1.0 - congestion_quality(inflow_rate, strength)) * np.asarray(natives_public)


def cohesion_cost(
    natives_income: np.ndarray, share: np.ndarray, base_share: np.ndarray, strength: float
) -> np.ndarray:
    """(R,) PPP $: s (m^2 - m0^2) x natives' income (negative where the immigrant share fell
    below the base year's)."""
    m, m0 = np.asarray(share, dtype=np.float64), np.asarray(base_share, dtype=np.float64)
    return strength * (m * m - m0 * m0) * np.asarray(natives_income)


def reallocate_capital(
    capital: np.ndarray, returns: np.ndarray, base_returns: np.ndarray, mobility: float
) -> np.ndarray:
    """Capital installed by region after one year's move toward equal net returns (see the
    module docstring); the world total equals `capital`'s up to rounding. `returns`: MPK of
    each region at `capital`; `base_returns`: its base-year MPK."""
    k = np.asarray(capital, dtype=np.float64)
    if mobility <= 0.0:
        return k.copy()
    gap = np.asarray(returns, dtype=np.float64) / np.asarray(base_returns) - 1.0
    # the largest gap is subtracted before exp (the normalisation removes it): no overflow
    x = mobility * gap
    weight = np.exp(x - x.max())
    moved = k * weight
    return moved * (k.sum() / moved.sum())


def owners_investment(owned: np.ndarray, installed: np.ndarray, invested: np.ndarray) -> np.ndarray:
    """(R,) capital each region's natives own after the closure's change of the stocks
    installed (`invested`, either sign): the owners of the capital installed in a region
    invest (or disinvest) in proportion to what they own of it; the foreigners' part is
    shared among the lending regions pro rata to what they lend. Keeps the world's owned
    stock equal to its installed stock, and every owned stock positive while the installed
    ones are."""
    owned = np.asarray(owned, dtype=np.float64)
    installed = np.asarray(installed, dtype=np.float64)
    home = np.clip(np.divide(owned, installed, out=np.ones_like(owned), where=installed > 0), 0, 1)
    lent = np.maximum(owned - installed, 0.0)
    foreign = (invested * (1.0 - home)).sum()
    total_lent = lent.sum()
    share = lent / total_lent if total_lent > 0.0 else np.zeros_like(lent)
    return owned + invested * home + foreign * share


def owners_capital_income(
    capital_income: np.ndarray, returns: np.ndarray, installed: np.ndarray, owned: np.ndarray
) -> np.ndarray:
    """(R,) income of the capital each region's natives own: the income of capital installed
    at home, less MPK on what foreigners own there, plus a share of what importers pay, pro
    rata to what the region lends abroad. Sums to the world's capital income."""
    borrowed = np.maximum(installed - owned, 0.0)
    lent = np.maximum(owned - installed, 0.0)
    paid = returns * borrowed
    pool = paid.sum()
    total_lent = lent.sum()
    share = lent / total_lent if total_lent > 0.0 else np.zeros_like(lent)
    return capital_income - paid + pool * share


def immigrant_share(fiscal: np.ndarray) -> np.ndarray:
    """(R,) foreign-born share of residents from the economy's fiscal sums (0 where nobody
    lives)."""
    residents = fiscal[..., 3].sum(axis=(1, 2, 3))
    immigrants = fiscal[:, 1, ..., 3].sum(axis=(1, 2))
    return np.divide(immigrants, residents, out=np.zeros_like(residents), where=residents > 0.0)


def move_capital(step, state, supply, outcome):
    """Mobile capital for the economy step `step`: the closure's change of each region's
    stock is invested by the owners of what is installed there; the world stock then moves
    between regions toward equal net returns, and the market is solved again at the stocks
    installed."""
    from dataclasses import replace

    from migsim.model import nested_market

    step.capital_owned = owners_investment(
        step.capital_owned, step.capital, outcome.capital - step.capital
    )
    returns = outcome.capital_income / outcome.capital
    installed = reallocate_capital(outcome.capital, returns, state.rental_rate, step.mobility)
    fixed = replace(step.params, closure="short_run")
    return nested_market.solve(state, supply, fixed, previous_capital=installed)


def externality_costs(step, sim, fiscal) -> tuple[np.ndarray, np.ndarray]:
    """(R,) congestion and cohesion costs borne by each region's resident natives, PPP $, for
    the economy step `step` (zeros for a switch that is off)."""
    R = step.world.n_regions
    residents = fiscal[..., 3].sum(axis=(1, 2, 3))
    congestion, cohesion = np.zeros(R), np.zeros(R)
    if step.congestion > 0.0:
        arrived = np.zeros(R)
        moves = sim.state.moves
        if moves is not None and moves.keys.size:
            origin, _, destination, people = moves.weighted_moves(sim.weight)
            foreign = origin != destination
            arrived = np.bincount(destination[foreign], weights=people[foreign], minlength=R)
        with np.errstate(divide="ignore", invalid="ignore"):
            inflow = np.where(residents > 0.0, arrived / residents, 0.0)
        natives_public = fiscal[:, 0, ..., 2].sum(axis=(1, 2))
        congestion = congestion_cost(natives_public, inflow, step.congestion)
    if step.cohesion > 0.0:
        natives = fiscal[:, 0]
        income = (natives[..., 0] - natives[..., 1] + natives[..., 2]).sum(axis=(1, 2))
        share = immigrant_share(fiscal)
        cohesion = cohesion_cost(income, share, step.base_immigrant_share, step.cohesion)
    return congestion, cohesion


def owned_capital_income(step, outcome, extra: dict) -> np.ndarray:
    """(R,) capital income of each region's natives as owners: where it is installed when
    capital is fixed; with mobile capital, capital installed abroad earns for its owners at
    home (and `extra` gains the regions columns `capital_owned`, `capital_income_owned`)."""
    if step.mobility <= 0.0:
        return outcome.capital_income
    returns = outcome.capital_income / outcome.capital
    owned = owners_capital_income(
        outcome.capital_income, returns, outcome.capital, step.capital_owned
    )
    extra["capital_owned"] = step.capital_owned.copy()
    extra["capital_income_owned"] = owned
    return owned


def welfare_costs(step, sim, fiscal, extra: dict) -> np.ndarray:
    """The welfare table's `externality_cost` by group: borne by the host natives, the
    natives groups of the table by development (rows 0 and 2 of WELFARE_GROUPS); `extra`
    gains the regions columns of the switches that are on."""
    from migsim.steps.economy_columns import WELFARE_GROUPS

    congestion, cohesion = externality_costs(step, sim, fiscal)
    if step.congestion > 0.0:
        extra["congestion_cost"] = congestion
    if step.cohesion > 0.0:
        extra["cohesion_cost"] = cohesion
    cost = congestion + cohesion
    developed = step.world.developed
    borne = np.zeros(len(WELFARE_GROUPS))
    borne[0] = cost[developed].sum()
    borne[2] = cost[~developed].sum()
    return borne
