"""The policy arrays one year of decisions reads, and the status quo they start from.

Every array is indexed by region codes' order; [o, d, s] = origin, destination, skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from migsim.core.world import World


@dataclass
class Policy:
    """The policy arrays one year of decisions reads."""

    policy_cost: np.ndarray  # (R, R, 2) c_pol, utility units
    quota: np.ndarray  # (R, 2) admissions per year by destination and skill (people); inf = none
    quota_rationing: str  # "lottery" or "shadow_price"
    temporary_share: np.ndarray  # (R, R, 2) share of admissions on temporary visas
    irregular_share: np.ndarray  # (R, R, 2) share of moves through the irregular channel
    visa_years: np.ndarray  # (R,) length of a temporary visa by destination, years
    overstay: np.ndarray  # (R,) probability of overstaying at expiry
    upfront_cost_scale: np.ndarray  # (R, R) multiplier of the up-front moving cost
    remittance_fee: np.ndarray  # (R, R) [source, destination] cost of sending, share
    emigrant_levy: np.ndarray  # (R, 2) Bhagwati levy on emigrants' income by origin, skill
    levy_years: int = 0
    credential_transfer_scale: float = 1.0
    pension_portability: float = 0.3  # share of pension rights portable (status quo) [A]
    family_reunification: np.ndarray | None = None  # (R,) x reunification by destination
    # (R, R) True where regular entries hold employer-tied permits: temporary, renewed while
    # the holder stays (the status quo's Gulf, `tied_corridors`); None: nowhere
    tied: np.ndarray | None = None
    # (R, R) corridors whose holders of employer-tied permits present when the policy starts
    # become permanent residents, once (the `settlement` component); None: none
    settle: np.ndarray | None = None
    incompressible_relief: np.ndarray | None = None  # (R, R, 2) 1 = c_inc removed
    temporary_offer: np.ndarray | None = None  # (R, 2) extra temporary visas, share of labour
    training_boost: np.ndarray | None = None  # (R,) extra tertiary share of cohorts (GSP)
    training_cost: float = 0.0
    training_payers: np.ndarray | None = None  # (R,) destinations financing training
    regularise: bool = False
    catch_up: bool = False
    catch_up_year: int = 0  # year of the pent-up moves (0: the first simulated year)
    irregular_hazard_factor: float = 1.0
    components: list = field(default_factory=list)

    def copy(self) -> Policy:
        return replace(
            self,
            **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()},
        )


# Share of 2013 migrants in irregular status by corridor, status quo [K]: about 11 of
# 45 million foreign-born in the US were unauthorised (Pew Research Center, 2013); most from
# Latin America. Elsewhere a small default [A].
IRREGULAR_STATUS_QUO = {("LAC", "NAM"): 0.25, ("MID", "NTH"): 0.25}
DEFAULT_IRREGULAR = 0.03


# Mobility blocs whose members give the regular migrants from outside the bloc employer-tied
# permits in the status quo [K]: the Gulf Cooperation Council states' sponsorship (kafala)
# systems, under which a non-national resides on a permit renewed with their employment
# contract, without a route to permanent residence or, below an income threshold, to family
# reunification; the bloc's own nationals move freely among its members
TIED_BLOCS = ("GCC",)


def tied_corridors(world: World) -> np.ndarray:
    """(R, R) [o, d] True where the status quo's regular migrants from o hold employer-tied
    permits in d: d in a bloc of TIED_BLOCS (the world's `bloc` column) and o outside it."""
    R = world.n_regions
    blocs = np.array([b or "" for b in world.bloc])
    tied = np.broadcast_to(np.isin(blocs, TIED_BLOCS)[None, :], (R, R)).copy()
    tied[bloc_matrix(world)] = False
    np.fill_diagonal(tied, False)
    return tied


def initial_irregular_share(world: World) -> np.ndarray:
    """(R, R) share of the base-year migrant stock in irregular status, by corridor."""
    R = world.n_regions
    share = np.full((R, R), DEFAULT_IRREGULAR)
    for (o, d), value in IRREGULAR_STATUS_QUO.items():
        if o in world.codes and d in world.codes:
            share[world.index(o), world.index(d)] = value
    share[bloc_matrix(world)] = 0.0
    np.fill_diagonal(share, 0.0)
    return share


def status_quo(world: World, policy_cost: np.ndarray) -> Policy:
    """The calibrated 2013 regime."""
    R = world.n_regions
    # new entries are irregular in the same shares as the base-year stock; tertiary
    # movers a third as often [A]
    share = initial_irregular_share(world)
    irregular = np.stack([share, share / 3], axis=2)
    fee = corridor_fee_table(world)
    # employer-tied permits: every regular entry into a tied destination is temporary with
    # no fixed term (visa_years 0: renewed while the holder stays, who leaves with the
    # temporary return hazard)
    tied = tied_corridors(world)
    visa_years = np.where(tied.any(axis=0), 0, 2).astype(np.int64)
    return Policy(
        policy_cost=policy_cost.copy(),
        quota=np.full((R, 2), np.inf),
        quota_rationing="lottery",
        temporary_share=np.zeros((R, R, 2)),
        irregular_share=irregular,
        visa_years=visa_years,
        overstay=np.full(R, 0.02),
        upfront_cost_scale=np.ones((R, R)),
        remittance_fee=fee,
        emigrant_levy=np.zeros((R, 2)),
        incompressible_relief=np.zeros((R, R, 2)),
        temporary_offer=np.zeros((R, 2)),
        training_boost=np.zeros(R),
        training_payers=np.zeros(R, dtype=bool),
        family_reunification=np.ones(R),
        tied=tied,
    )


def entry_temporary_share(policy: Policy) -> np.ndarray:
    """(R, R, 2) share of admissions on temporary permits: the policy's, and on corridors
    with employer-tied permits every regular entry (all but the irregular channel)."""
    if policy.tied is None or not policy.tied.any():
        return policy.temporary_share
    regular = np.maximum(policy.temporary_share, 1.0 - policy.irregular_share)
    return np.where(policy.tied[:, :, None], regular, policy.temporary_share)


def corridor_fee_table(world: World) -> np.ndarray:
    """(R, R) [source, destination] fee of sending remittances: the world's corridor table
    (migsim.core.world_fees), else every pair at its receiver's fee."""
    R = world.n_regions
    table = getattr(world, "remittance_fee_corridor", None)
    if table is None:
        return np.broadcast_to(world.remittance_fee[None, :], (R, R)).copy()
    return np.array(table, dtype=np.float64)


def bloc_matrix(world: World) -> np.ndarray:
    """(R, R) True where origin and destination belong to the same mobility bloc."""
    blocs = np.array([b or "" for b in world.bloc])
    same = (blocs[:, None] == blocs[None, :]) & (blocs[:, None] != "")
    np.fill_diagonal(same, False)
    return same
