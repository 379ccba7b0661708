"""The built-in regime components. Each is one function registered with `@component`,
declaring the keys it reads beside `kind` (anything else is refused with one line).
A component changes the policy arrays in place; components apply in the regime's order."""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.world import World
from migsim.regimes.policy import Policy, bloc_matrix
from migsim.regimes.registry import (
    CORRIDOR_KEYS,
    _codes,
    _corridors,
    _number,
    _skills,
    component,
    whole,
)


@component(
    "scale_policy_cost",
    keys={**CORRIDOR_KEYS, "factor": "multiplier of policy costs (0: no policy barrier)"},
)
def _scale_policy_cost(policy: Policy, world: World, c: Any, where: str) -> None:
    """Multiply policy costs on the covered corridors by `factor` (0 = no policy barrier:
    then, as inside a `bloc`, nobody enters those corridors through the irregular channel)."""
    factor = _number(c, "factor", 0.0, 0.0, 100.0, where)
    mask = _corridors(world, c, where)
    policy.policy_cost[mask] *= factor
    if factor == 0.0:
        policy.irregular_share[mask] = 0.0


@component(
    "policy_cost_like",
    keys={
        **CORRIDOR_KEYS,
        "like": "origins whose mean policy cost into each covered destination the covered "
        "corridors take (region codes and/or developed / developing / all; required)",
    },
)
def _policy_cost_like(policy: Policy, world: World, c: Any, where: str) -> None:
    """Set the covered corridors' policy cost to the mean policy cost into the same
    destination, skill by skill, from the `like` origins (the destination and the covered
    origins left out), as the regime stands when the component applies: e.g. the cost that
    a bloc partner's people would face without the bloc, taken as the one the destination
    puts on other developed countries' people outside it. The irregular channel is left as
    it is."""
    if not hasattr(c, "get") or c.get("like", None) is None:
        raise InputError(
            f"{where}.like", "is missing", "region codes and/or developed / developing / all"
        )
    mask = _corridors(world, c, where)
    like = _codes(world, c, "like", where)
    covered = mask.any(axis=(1, 2))
    cost = policy.policy_cost.copy()
    for d in np.flatnonzero(mask.any(axis=(0, 2))):
        source = like & ~covered
        source[d] = False
        if not source.any():
            raise InputError(
                f"{where}.like",
                f"leaves no origin for destination {world.codes[d]}",
                "origins besides the covered ones and the destination",
            )
        mean = cost[source, d, :].mean(axis=0)
        for s in range(cost.shape[2]):
            policy.policy_cost[mask[:, d, s], d, s] = mean[s]


# A policy cost that closes a corridor: exp(-30) ~ 1e-13 of the corridor's calibrated
# odds, so nobody chooses it (utility units, as the calibrated costs).
CLOSED_POLICY_COST = 30.0


@component("close", keys=CORRIDOR_KEYS)
def _close(policy: Policy, world: World, c: Any, where: str) -> None:
    """Close the covered corridors by policy: a prohibitive policy cost (CLOSED_POLICY_COST
    utility units on top of the calibrated one) and no irregular channel, whatever the
    corridor's stock. With `to_year`, the corridor opens again after that year."""
    mask = _corridors(world, c, where)
    policy.policy_cost[mask] += CLOSED_POLICY_COST
    policy.irregular_share[mask] = 0.0


@component("catch_up")
def _catch_up(policy: Policy, world: World, c: Any, where: str) -> None:
    """Pent-up demand is met at once: in the regime's first year, the people who would live
    abroad under its (lower) policy costs by the calibration's desired-stock split move,
    without the up-front liquidity check (the desires the split is calibrated to, Gallup's,
    do not depend on means); yearly flows, with the liquidity check, follow as usual. This is
    the static reading of a liberalisation (DMS 2015's medium term: the desired stock is
    reached), against the default gradual one. No keys."""
    policy.catch_up = True


@component("frictionless", keys=CORRIDOR_KEYS)
def _frictionless(policy: Policy, world: World, c: Any, where: str) -> None:
    """Free mobility without frictions: no policy cost, no incompressible cost, no up-front
    cost on the covered corridors (the frictionless closure of docs/model.md §6.4)."""
    mask = _corridors(world, c, where)
    policy.policy_cost[mask] = 0.0
    policy.incompressible_relief = np.where(mask, 1.0, policy.incompressible_relief)
    policy.upfront_cost_scale[mask.any(axis=2)] = 0.0


@component(
    "temporary_quota",
    keys={
        **CORRIDOR_KEYS,
        "share": "temporary visas offered, share of the labour force (default 0.03)",
        "cost_factor": "multiplier of policy costs on the covered corridors (default 0)",
        "visa_years": "length of a visa, years (default 3)",
        "overstay": "probability of overstaying at expiry (default 0.015)",
        "rationing": "lottery or shadow_price",
    },
)
def _temporary_quota(policy: Policy, world: World, c: Any, where: str) -> None:
    """Managed liberalisation, GATS Mode 4 request/offer: destinations offer temporary visas
    for `share` of their labour force per year by skill, allocated pro rata to requests by
    lottery (onward movers from other destinations draw it too, and settle if admitted);
    policy costs on the covered corridors fall by `cost_factor`; every first entry
    beyond the base-year status-quo flow (held fixed) is temporary (visa of `visa_years`,
    overstay `overstay`)."""
    share = _number(c, "share", 0.03, 0.0, 1.0, where)
    mask = _corridors(world, {**dict(c), "destinations": c.get("destinations", "developed")}, where)
    factor = _number(c, "cost_factor", 0.0, 0.0, 1.0, where)
    years = whole(c, "visa_years", 3, 1, 20, where)
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


@component(
    "quota",
    keys={
        "people": "admissions per year by destination and skill",
        "destinations": CORRIDOR_KEYS["destinations"],
        "skills": CORRIDOR_KEYS["skills"],
        "rationing": "lottery or shadow_price",
    },
)
def _quota(policy: Policy, world: World, c: Any, where: str) -> None:
    """A cap on yearly admissions (people) by destination and skill, onward movers from
    other destinations counted and admitted by its lottery as first entrants are."""
    people = _number(c, "people", 0.0, 0.0, 1e10, where)
    d = _codes(world, c, "destinations", where)
    s = _skills(c, where)
    policy.quota[d[:, None] & s[None, :]] = people
    policy.quota_rationing = str(c.get("rationing", "lottery"))
    if policy.quota_rationing not in ("lottery", "shadow_price"):
        raise InputError(
            f"{where}.rationing", f"'{policy.quota_rationing}'", "lottery, shadow_price"
        )


@component(
    "emigrant_levy",
    keys={
        "rate": "share of income abroad levied (default 0.10)",
        "years": "years the levy lasts after emigration (default 10)",
        "origins": "origins levying (default: developing regions)",
        "skills": "skills levied (default: high)",
    },
)
def _emigrant_levy(policy: Policy, world: World, c: Any, where: str) -> None:
    """Bhagwati tax: emigrants from `origins` (default: developing) pay `rate` of their
    income abroad for their first `years` years; the revenue goes to the origin budget."""
    rate = _number(c, "rate", 0.10, 0.0, 0.9, where)
    years = whole(c, "years", 10, 0, 100, where)
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


@component(
    "skill_partnership",
    keys={
        "origins": CORRIDOR_KEYS["origins"],
        "destinations": CORRIDOR_KEYS["destinations"],
        "training_boost": "rise of the origin cohorts' tertiary share (default 0.02)",
        "cost_per_trainee": "PPP $ the destination pays per extra graduate (default 15,000)",
    },
)
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


@component("bloc", keys={"members": "region codes of the bloc (default: the world's blocs)"})
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


@component(
    "circular_migration",
    keys={
        **CORRIDOR_KEYS,
        "cost_factor": "multiplier of policy costs (default 0.5)",
        "visa_years": "length of a visa, years (default 1)",
        "overstay": "probability of overstaying at expiry (default 0.01)",
    },
)
def _circular(policy: Policy, world: World, c: Any, where: str) -> None:
    """Circular migration: new admissions on the covered corridors are temporary visas of
    `visa_years`, returning at expiry, with low overstay; policy costs fall by `cost_factor`."""
    mask = _corridors(world, {**dict(c), "destinations": c.get("destinations", "developed")}, where)
    policy.temporary_share[mask] = 1.0
    policy.irregular_share[mask] = 0.0
    policy.policy_cost[mask] *= _number(c, "cost_factor", 0.5, 0.0, 1.0, where)
    dest = mask.any(axis=(0, 2))
    policy.visa_years[dest] = whole(c, "visa_years", 1, 1, 20, where)
    policy.overstay[dest] = _number(c, "overstay", 0.01, 0.0, 1.0, where)


@component(
    "pension_portability", keys={"portability": "share of pension rights portable (default 1)"}
)
def _pension_portability(policy: Policy, world: World, c: Any, where: str) -> None:
    """Share of accrued pension rights paid abroad or after return (0.3 without agreements,
    1 with full portability); raises the return hazard of migrants aged 50+."""
    policy.pension_portability = _number(c, "portability", 1.0, 0.0, 1.0, where)


@component("remittance_fee", keys={"cap": "highest cost of sending, share (default 0.05)"})
def _remittance_fee(policy: Policy, world: World, c: Any, where: str) -> None:
    """Cap the cost of sending remittances (G20: 5%; SDG 10.c: 3%)."""
    cap = _number(c, "cap", 0.05, 0.0, 0.5, where)
    policy.remittance_fee = np.minimum(policy.remittance_fee, cap)


@component(
    "credential_recognition", keys={"factor": "multiplier of credential transfer (default 1.25)"}
)
def _credential_recognition(policy: Policy, world: World, c: Any, where: str) -> None:
    """Foreign credentials recognised: the credential-transfer factor is scaled up by
    `factor` (capped at 1)."""
    policy.credential_transfer_scale = _number(c, "factor", 1.25, 0.0, 10.0, where)


@component(
    "settlement",
    keys={
        "origins": CORRIDOR_KEYS["origins"],
        "destinations": CORRIDOR_KEYS["destinations"],
        "stock": "true (default): holders of tied permits present when it starts become "
        "permanent; false: new entries only",
    },
)
def _settlement(policy: Policy, world: World, c: Any, where: str) -> None:
    """A route to settlement where permits are employer-tied (the status quo's Gulf,
    `migsim.regimes.policy.tied_corridors`): on the covered corridors new regular entries
    are permanent, and with `stock` the holders of tied permits present in the year it
    starts become permanent residents, once: they may be joined by family, leave at the
    settlers' return hazard and remit as settlers."""
    stock = c.get("stock", True) if hasattr(c, "get") else True
    if not isinstance(stock, bool):
        raise InputError(f"{where}.stock", f"'{stock}' is not a boolean", "true, false")
    if policy.tied is None:
        return
    o = _codes(world, c, "origins", where)
    d = _codes(world, c, "destinations", where)
    covered = policy.tied & o[:, None] & d[None, :]
    policy.tied = policy.tied & ~covered
    if stock and covered.any():
        policy.settle = covered if policy.settle is None else policy.settle | covered


@component("regularisation")
def _regularisation(policy: Policy, world: World, c: Any, where: str) -> None:
    """Irregular migrants present in the first simulated year become permanent residents."""
    policy.regularise = True


@component(
    "enforcement",
    keys={
        "factor": "multiplier of the irregular channel (default 0.5)",
        "removal_factor": "multiplier of irregular migrants' leaving hazard (default 2)",
    },
)
def _enforcement(policy: Policy, world: World, c: Any, where: str) -> None:
    """Stricter enforcement: the irregular channel shrinks by `factor` and irregular
    migrants' leaving hazard is multiplied by `removal_factor`."""
    policy.irregular_share *= _number(c, "factor", 0.5, 0.0, 1.0, where)
    policy.irregular_hazard_factor = _number(c, "removal_factor", 2.0, 0.0, 20.0, where)


@component(
    "upfront_cost", keys={**CORRIDOR_KEYS, "factor": "multiplier of up-front costs (default 0.5)"}
)
def _upfront_cost(policy: Policy, world: World, c: Any, where: str) -> None:
    """Cheaper migration: up-front (recruitment, travel, document) costs scaled by `factor`."""
    factor = _number(c, "factor", 0.5, 0.0, 10.0, where)
    mask = _corridors(world, c, where).any(axis=2)
    policy.upfront_cost_scale[mask] *= factor


@component(
    "family_reunification",
    keys={
        "destinations": CORRIDOR_KEYS["destinations"],
        "factor": "multiplier of the yearly reunification probability (default 0: closed)",
    },
)
def _family_reunification(policy: Policy, world: World, c: Any, where: str) -> None:
    """Family reunification in the covered destinations scaled by `factor`: 0 closes it
    (close family left at origin cannot follow, so migrants keep the higher return hazard
    of a family apart), 2 doubles the yearly probability (capped at 1)."""
    factor = _number(c, "factor", 0.0, 0.0, 100.0, where)
    d = _codes(world, c, "destinations", where)
    policy.family_reunification[d] *= factor
