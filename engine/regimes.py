"""Regimes: policy levers as data. A regime is a list of components that transform the
policy arrays of the status quo; components compose, so "regional bloc + Bhagwati tax" is a
config, not code.

Every array is indexed by region codes' order; [o, d, s] = origin, destination, skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.errors import InputError
from engine.world import World


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
    pension_portability: float = 0.3
    components: list = field(default_factory=list)

    def copy(self) -> "Policy":
        return replace(self, **{k: (v.copy() if isinstance(v, np.ndarray) else v)
                                for k, v in self.__dict__.items()})


# Share of 2013 migrants in irregular status by corridor, status quo [K]: about 11 of
# 45 million foreign-born in the US were unauthorised (Pew Research Center, 2013); most from
# Latin America. Elsewhere a small default [A].
IRREGULAR_STATUS_QUO = {("LAC", "NAM"): 0.25, ("MID", "NTH"): 0.25}
DEFAULT_IRREGULAR = 0.03


def status_quo(world: World, policy_cost: np.ndarray) -> Policy:
    """The calibrated 2013 regime."""
    R = world.n_regions
    irregular = np.full((R, R, 2), DEFAULT_IRREGULAR)
    irregular[:, :, 1] = DEFAULT_IRREGULAR / 3
    for (o, d), share in IRREGULAR_STATUS_QUO.items():
        if o in world.codes and d in world.codes:
            irregular[world.index(o), world.index(d), 0] = share
            irregular[world.index(o), world.index(d), 1] = share / 3
    same_bloc = bloc_matrix(world)
    irregular[same_bloc] = 0.0
    for r in range(R):
        irregular[r, r] = 0.0
    fee = np.broadcast_to(world.remittance_fee[None, :], (R, R)).copy()
    return Policy(
        policy_cost=policy_cost.copy(),
        quota=np.full((R, 2), np.inf),
        quota_rationing="lottery",
        temporary_share=np.zeros((R, R, 2)),
        irregular_share=irregular,
        visa_years=np.full(R, 2, dtype=np.int64),
        overstay=np.full(R, 0.02),
        upfront_cost_scale=np.ones((R, R)),
        remittance_fee=fee,
        emigrant_levy=np.zeros((R, 2)),
    )


def bloc_matrix(world: World) -> np.ndarray:
    """(R, R) True where origin and destination belong to the same mobility bloc."""
    blocs = np.array([b or "" for b in world.bloc])
    same = (blocs[:, None] == blocs[None, :]) & (blocs[:, None] != "")
    np.fill_diagonal(same, False)
    return same


def apply_regime(conf: Any, world: World, base: Policy) -> Policy:
    """Apply the regime's components, in order, to a copy of the status quo."""
    policy = base.copy()
    for i, component in enumerate(conf.components or []):
        kind = component.get("kind") if hasattr(component, "get") else None
        if kind not in COMPONENTS:
            raise InputError(f"regime.components[{i}].kind", f"'{kind}' is not a component",
                             ", ".join(sorted(COMPONENTS)))
        COMPONENTS[kind](policy, world, component, f"regime.components[{i}]")
        policy.components.append(kind)
    return policy


def _scale_policy_cost(policy: Policy, world: World, c: Any, where: str) -> None:
    factor = float(c.get("factor", 0.0))
    if factor < 0:
        raise InputError(f"{where}.factor", f"{factor} is negative", ">= 0")
    policy.policy_cost *= factor


COMPONENTS = {"scale_policy_cost": _scale_policy_cost}
