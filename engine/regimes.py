"""Regimes: policy levers as data. A regime is a list of components that transform the
policy arrays of the status quo; components compose, so "regional bloc + Bhagwati tax" is a
config, not code.

Every array is indexed by region codes' order; [o, d, s] = origin, destination, skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from migsim.core.errors import InputError
from migsim.core.resources import config_dir
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
    incompressible_relief: np.ndarray | None = None  # (R, R, 2) 1 = c_inc removed
    temporary_offer: np.ndarray | None = None  # (R, 2) extra temporary visas, share of labour
    training_boost: np.ndarray | None = None  # (R,) extra tertiary share of cohorts (GSP)
    training_cost: float = 0.0
    training_payers: np.ndarray | None = None  # (R,) destinations financing training
    regularise: bool = False
    catch_up: bool = False
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
        incompressible_relief=np.zeros((R, R, 2)),
        temporary_offer=np.zeros((R, 2)),
        training_boost=np.zeros(R),
        training_payers=np.zeros(R, dtype=bool),
    )


def bloc_matrix(world: World) -> np.ndarray:
    """(R, R) True where origin and destination belong to the same mobility bloc."""
    blocs = np.array([b or "" for b in world.bloc])
    same = (blocs[:, None] == blocs[None, :]) & (blocs[:, None] != "")
    np.fill_diagonal(same, False)
    return same


REGIME_DIR = config_dir() / "regime"


def regime_components(conf: Any) -> list:
    """The regime's components plus those of `add` (components or names of regimes)."""
    out = list(conf.components or [])
    for item in getattr(conf, "add", None) or []:
        if isinstance(item, str):
            path = REGIME_DIR / f"{item}.yaml"
            if not path.is_file():
                names = sorted(p.stem for p in REGIME_DIR.glob("*.yaml"))
                raise InputError("regime.add", f"'{item}' is not a regime", ", ".join(names))
            out.extend(OmegaConf.load(path).get("components", []) or [])
        else:
            out.append(item)
    return out


def regime_name(conf: Any) -> str:
    names = [str(conf.name)] + [i for i in (getattr(conf, "add", None) or []) if isinstance(i, str)]
    if any(not isinstance(i, str) for i in (getattr(conf, "add", None) or [])):
        names.append("custom")
    return "+".join(names)


def apply_regime(conf: Any, world: World, base: Policy) -> Policy:
    """Apply the regime's components, in order, to a copy of the status quo."""
    policy = base.copy()
    for i, component in enumerate(regime_components(conf)):
        kind = component.get("kind") if hasattr(component, "get") else None
        if kind not in COMPONENTS:
            raise InputError(
                f"regime.components[{i}].kind",
                f"'{kind}' is not a component",
                ", ".join(sorted(COMPONENTS)),
            )
        where = f"regime.components[{i}]"
        keys = [str(k) for k in component.keys() if k != "kind"]
        for key in keys:
            if key not in COMPONENT_KEYS[kind]:
                allowed = ", ".join(sorted(COMPONENT_KEYS[kind])) or "none besides kind"
                raise InputError(f"{where}.{key}", f"is not a key of '{kind}'", allowed)
        COMPONENTS[kind](policy, world, component, where)
        policy.components.append(kind)
    return policy


def _codes(
    world: World, c: Any, key: str, where: str, default: list[str] | None = None
) -> np.ndarray:
    """Boolean mask over regions for the component's list `key` (all regions if absent)."""
    values = c.get(key, None) if hasattr(c, "get") else None
    if values is None:
        values = default if default is not None else world.codes
    if isinstance(values, str):
        values = {
            "developed": [r for r, d in zip(world.codes, world.developed) if d],
            "developing": [r for r, d in zip(world.codes, world.developed) if not d],
            "all": world.codes,
        }.get(values, [values])
    mask = np.zeros(world.n_regions, dtype=bool)
    for code in values:
        if code not in world.codes:
            raise InputError(
                f"{where}.{key}",
                f"unknown region '{code}'",
                ", ".join(world.codes) + ", developed, developing, all",
            )
        mask[world.index(code)] = True
    return mask


def _skills(c: Any, where: str) -> np.ndarray:
    values = c.get("skills", None) if hasattr(c, "get") else None
    if values is None:
        return np.array([True, True])
    mask = np.zeros(2, dtype=bool)
    for v in values:
        if v not in ("low", "high"):
            raise InputError(f"{where}.skills", f"'{v}'", "low, high")
        mask[0 if v == "low" else 1] = True
    return mask


def _number(c: Any, key: str, default: float, lo: float, hi: float, where: str) -> float:
    value = c.get(key, default) if hasattr(c, "get") else default
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}.{key}", f"'{value}' is not a number", f"{lo} to {hi}") from None
    if not lo <= value <= hi:
        raise InputError(f"{where}.{key}", f"{value} is out of range", f"{lo} to {hi}")
    return value


def _corridors(world: World, c: Any, where: str) -> np.ndarray:
    """(R, R, 2) mask of corridors (origins x destinations x skills) a component covers."""
    o = _codes(world, c, "origins", where)
    d = _codes(world, c, "destinations", where)
    s = _skills(c, where)
    mask = o[:, None, None] & d[None, :, None] & s[None, None, :]
    for r in range(world.n_regions):
        mask[r, r] = False
    return mask


def _scale_policy_cost(policy: Policy, world: World, c: Any, where: str) -> None:
    """Multiply policy costs on the covered corridors by `factor` (0 = no policy barrier:
    then, as inside a `bloc`, nobody enters those corridors through the irregular channel)."""
    factor = _number(c, "factor", 0.0, 0.0, 100.0, where)
    mask = _corridors(world, c, where)
    policy.policy_cost[mask] *= factor
    if factor == 0.0:
        policy.irregular_share[mask] = 0.0


def _catch_up(policy: Policy, world: World, c: Any, where: str) -> None:
    """Pent-up demand is met at once: in the regime's first year, the people who would live
    abroad under its (lower) policy costs by the calibration's desired-stock split move,
    without the up-front liquidity check (the desires the split is calibrated to, Gallup's,
    do not depend on means); yearly flows, with the liquidity check, follow as usual. This is
    the static reading of a liberalisation (DMS 2015's medium term: the desired stock is
    reached), against the default gradual one. No keys."""
    policy.catch_up = True


def _frictionless(policy: Policy, world: World, c: Any, where: str) -> None:
    """Free mobility without frictions: no policy cost, no incompressible cost, no up-front
    cost on the covered corridors (the frictionless closure of economics.md 3)."""
    mask = _corridors(world, c, where)
    policy.policy_cost[mask] = 0.0
    policy.incompressible_relief = np.where(mask, 1.0, policy.incompressible_relief)
    policy.upfront_cost_scale[mask.any(axis=2)] = 0.0


def _temporary_quota(policy: Policy, world: World, c: Any, where: str) -> None:
    """Managed liberalisation, GATS Mode 4 request/offer: destinations offer temporary visas
    for `share` of their labour force per year by skill, allocated pro rata to requests by
    lottery; policy costs on the covered corridors fall by `cost_factor`; every admission
    beyond the status-quo flow is temporary (visa of `visa_years`, overstay `overstay`)."""
    share = _number(c, "share", 0.03, 0.0, 1.0, where)
    mask = _corridors(world, {**dict(c), "destinations": c.get("destinations", "developed")}, where)
    factor = _number(c, "cost_factor", 0.0, 0.0, 1.0, where)
    years = int(_number(c, "visa_years", 3, 1, 20, where))
    policy.policy_cost[mask] *= factor
    offered = mask.any(axis=0)  # (d, s)
    policy.temporary_offer = np.where(offered, share, policy.temporary_offer)
    policy.visa_years[offered.any(axis=1)] = years
    policy.overstay[offered.any(axis=1)] = _number(c, "overstay", 0.015, 0.0, 1.0, where)
    policy.quota_rationing = str(c.get("rationing", "lottery"))
    if policy.quota_rationing not in ("lottery", "shadow_price"):
        raise InputError(
            f"{where}.rationing", f"'{policy.quota_rationing}'", "lottery, shadow_price"
        )


def _quota(policy: Policy, world: World, c: Any, where: str) -> None:
    """A cap on yearly admissions (people) by destination and skill."""
    people = _number(c, "people", 0.0, 0.0, 1e10, where)
    d = _codes(world, c, "destinations", where)
    s = _skills(c, where)
    policy.quota[d[:, None] & s[None, :]] = people
    policy.quota_rationing = str(c.get("rationing", "lottery"))
    if policy.quota_rationing not in ("lottery", "shadow_price"):
        raise InputError(
            f"{where}.rationing", f"'{policy.quota_rationing}'", "lottery, shadow_price"
        )


def _emigrant_levy(policy: Policy, world: World, c: Any, where: str) -> None:
    """Bhagwati tax: emigrants from `origins` (default: developing) pay `rate` of their
    income abroad for their first `years` years; the revenue goes to the origin budget."""
    rate = _number(c, "rate", 0.10, 0.0, 0.9, where)
    years = int(_number(c, "years", 10, 0, 100, where))
    o = _codes(
        world,
        c,
        "origins",
        where,
        default=[r for r, dv in zip(world.codes, world.developed) if not dv],
    )
    s = _skills(c, where) if c.get("skills", None) is not None else np.array([False, True])
    policy.emigrant_levy[o[:, None] & s[None, :]] = rate
    policy.levy_years = years


def _skill_partnership(policy: Policy, world: World, c: Any, where: str) -> None:
    """Global skill partnership (Clemens 2015): destinations finance training at origins;
    the trained may emigrate to the partner without a policy barrier, and the origin's
    cohort tertiary share rises by `training_boost` (home-track graduates); the destination
    pays `cost_per_trainee` (PPP $) per extra graduate."""
    mask = _corridors(world, {**dict(c), "skills": ["high"]}, where)
    policy.policy_cost[mask] = 0.0
    origins = mask.any(axis=(1, 2))
    policy.training_boost = np.where(
        origins, _number(c, "training_boost", 0.02, 0.0, 0.5, where), policy.training_boost
    )
    policy.training_cost = _number(c, "cost_per_trainee", 15_000.0, 0.0, 1e7, where)
    policy.training_payers = mask.any(axis=(0, 2)) | policy.training_payers


def _bloc(policy: Policy, world: World, c: Any, where: str) -> None:
    """Free mobility inside a bloc (members as data; default: the world's `bloc` column)."""
    members = c.get("members", None) if hasattr(c, "get") else None
    if members is None:
        same = bloc_matrix(world)
    else:
        m = _codes(world, {"members": members}, "members", where)
        same = m[:, None] & m[None, :]
        np.fill_diagonal(same, False)
    policy.policy_cost[same] = 0.0
    policy.irregular_share[same] = 0.0


def _circular(policy: Policy, world: World, c: Any, where: str) -> None:
    """Circular migration: new admissions on the covered corridors are temporary visas of
    `visa_years`, returning at expiry, with low overstay; policy costs fall by `cost_factor`."""
    mask = _corridors(world, {**dict(c), "destinations": c.get("destinations", "developed")}, where)
    policy.temporary_share[mask] = 1.0
    policy.irregular_share[mask] = 0.0
    policy.policy_cost[mask] *= _number(c, "cost_factor", 0.5, 0.0, 1.0, where)
    dest = mask.any(axis=(0, 2))
    policy.visa_years[dest] = int(_number(c, "visa_years", 1, 1, 20, where))
    policy.overstay[dest] = _number(c, "overstay", 0.01, 0.0, 1.0, where)


def _pension_portability(policy: Policy, world: World, c: Any, where: str) -> None:
    """Share of accrued pension rights paid abroad or after return (0.3 without agreements,
    1 with full portability); raises the return hazard of migrants aged 50+."""
    policy.pension_portability = _number(c, "portability", 1.0, 0.0, 1.0, where)


def _remittance_fee(policy: Policy, world: World, c: Any, where: str) -> None:
    """Cap the cost of sending remittances (G20: 5%; SDG 10.c: 3%)."""
    cap = _number(c, "cap", 0.05, 0.0, 0.5, where)
    policy.remittance_fee = np.minimum(policy.remittance_fee, cap)


def _credential_recognition(policy: Policy, world: World, c: Any, where: str) -> None:
    """Foreign credentials recognised: the credential-transfer factor is scaled up by
    `factor` (capped at 1)."""
    policy.credential_transfer_scale = _number(c, "factor", 1.25, 0.0, 10.0, where)


def _regularisation(policy: Policy, world: World, c: Any, where: str) -> None:
    """Irregular migrants present in the first simulated year become permanent residents."""
    policy.regularise = True


def _enforcement(policy: Policy, world: World, c: Any, where: str) -> None:
    """Stricter enforcement: the irregular channel shrinks by `factor` and irregular
    migrants' leaving hazard is multiplied by `removal_factor`."""
    policy.irregular_share *= _number(c, "factor", 0.5, 0.0, 1.0, where)
    policy.irregular_hazard_factor = _number(c, "removal_factor", 2.0, 0.0, 20.0, where)


def _upfront_cost(policy: Policy, world: World, c: Any, where: str) -> None:
    """Cheaper migration: up-front (recruitment, travel, document) costs scaled by `factor`."""
    factor = _number(c, "factor", 0.5, 0.0, 10.0, where)
    mask = _corridors(world, c, where).any(axis=2)
    policy.upfront_cost_scale[mask] *= factor


COMPONENTS = {
    "scale_policy_cost": _scale_policy_cost,
    "catch_up": _catch_up,
    "frictionless": _frictionless,
    "temporary_quota": _temporary_quota,
    "quota": _quota,
    "emigrant_levy": _emigrant_levy,
    "skill_partnership": _skill_partnership,
    "bloc": _bloc,
    "circular_migration": _circular,
    "pension_portability": _pension_portability,
    "remittance_fee": _remittance_fee,
    "credential_recognition": _credential_recognition,
    "regularisation": _regularisation,
    "enforcement": _enforcement,
    "upfront_cost": _upfront_cost,
}

# The keys each component reads besides `kind`: any other key is refused with one line (a
# misspelt key would otherwise leave its default silently in place).
CORRIDOR_KEYS = frozenset({"origins", "destinations", "skills"})
COMPONENT_KEYS = {
    "scale_policy_cost": CORRIDOR_KEYS | {"factor"},
    "catch_up": frozenset(),
    "frictionless": CORRIDOR_KEYS,
    "temporary_quota": CORRIDOR_KEYS
    | {"share", "cost_factor", "visa_years", "overstay", "rationing"},
    "quota": frozenset({"people", "destinations", "skills", "rationing"}),
    "emigrant_levy": frozenset({"rate", "years", "origins", "skills"}),
    "skill_partnership": frozenset(
        {"origins", "destinations", "training_boost", "cost_per_trainee"}
    ),
    "bloc": frozenset({"members"}),
    "circular_migration": CORRIDOR_KEYS | {"cost_factor", "visa_years", "overstay"},
    "pension_portability": frozenset({"portability"}),
    "remittance_fee": frozenset({"cap"}),
    "credential_recognition": frozenset({"factor"}),
    "regularisation": frozenset(),
    "enforcement": frozenset({"factor", "removal_factor"}),
    "upfront_cost": CORRIDOR_KEYS | {"factor"},
}
assert set(COMPONENT_KEYS) == set(COMPONENTS)
