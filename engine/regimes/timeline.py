"""Policy over time: a regime's components with `from_year`, `to_year` and `ramp_years`.

Every component accepts three timing keys beside its own:

- `from_year`: the first simulated year it applies to (default: the first year of the run);
- `to_year`: the last year it applies to (default: the end of the run);
- `ramp_years`: its effect phases in linearly over this many years from `from_year`
  (default 0: at once). During the ramp every policy array that the component changes is
  `before + w (after - before)` with `w = (year - from_year + 1) / (ramp_years + 1)`;
  settings that cannot be blended (a quota that was unlimited, a switch) take the
  component's value from the first year.

A simulated year `t` is the year whose decisions are drawn in the step from `t - 1` to `t`
(the first is `base_year + 1`). So `from_year: 2015` on a 2010 world leaves 2011-2014 under
the regime without that component and changes the decisions of 2015 on. A corridor closed
from the base year and opened later is two components: a `close` with `to_year`, and, if
the opening also lowers the status-quo cost, a `scale_policy_cost` with `from_year`.

The policy of a year is the status quo with the components active that year applied in the
regime's order. A regime without timing keys has one policy for the whole run, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.world import World
from migsim.regimes.policy import Policy
from migsim.regimes.registry import apply_component, regime_components, whole

TIMING_KEYS = {
    "from_year": "first simulated year the component applies to (default: the first)",
    "to_year": "last simulated year it applies to (default: the last)",
    "ramp_years": "years over which its effect phases in linearly from from_year (default 0)",
}


@dataclass(frozen=True)
class Timing:
    """When one component applies: years [first, last], phased in over `ramp` years."""

    first: int | None
    last: int | None
    ramp: int

    def active(self, year: int) -> bool:
        return (self.first is None or year >= self.first) and (
            self.last is None or year <= self.last
        )

    def weight(self, year: int) -> float:
        """Share of the component's effect in force in `year` (1 after the ramp)."""
        if self.ramp <= 0 or self.first is None:
            return 1.0
        return min(1.0, (year - self.first + 1) / (self.ramp + 1))

    @property
    def timed(self) -> bool:
        return self.first is not None or self.last is not None


def timing(component: Any, where: str) -> Timing:
    """The component's timing keys, checked (one line naming the key otherwise)."""
    get = component.get if hasattr(component, "get") else (lambda k, d=None: d)
    first = get("from_year", None)
    last = get("to_year", None)
    first = None if first is None else whole(component, "from_year", 0, 1800, 2500, where)
    last = None if last is None else whole(component, "to_year", 0, 1800, 2500, where)
    if first is not None and last is not None and last < first:
        raise InputError(f"{where}.to_year", f"{last} is before from_year {first}", f">= {first}")
    ramp = whole(component, "ramp_years", 0, 0, 200, where)
    if ramp and first is None:
        raise InputError(f"{where}.ramp_years", "needs from_year", "from_year and ramp_years")
    return Timing(first, last, ramp)


class PolicyTimeline:
    """The regime's policy year by year. `at(year)` gives the Policy of that year's
    decisions, built once per distinct set of active components and ramp weights."""

    def __init__(self, conf: Any, world: World, base: Policy, base_year: int):
        self.world, self.base, self.base_year = world, base, int(base_year)
        self.components = regime_components(conf)
        self.timings = [timing(c, f"regime.components[{i}]") for i, c in enumerate(self.components)]
        self.static = not any(t.timed for t in self.timings)
        self._cache: dict[tuple, Policy] = {}

    def at(self, year: int) -> Policy:
        """The policy in force for the decisions of `year`."""
        key = tuple(
            (t.active(year), t.weight(year) if t.active(year) else 0.0) for t in self.timings
        )
        if key not in self._cache:
            self._cache[key] = self._build(year, key)
        return self._cache[key]

    def _build(self, year: int, key: tuple) -> Policy:
        policy = self.base.copy()
        for i, (component, (on, w)) in enumerate(zip(self.components, key)):
            if not on:
                continue
            where = f"regime.components[{i}]"
            if w >= 1.0:
                apply_component(policy, self.world, component, i, TIMING_KEYS)
                continue
            after = policy.copy()
            apply_component(after, self.world, component, i, TIMING_KEYS)
            policy = blend(policy, after, w, where)
        # the catch-up of pent-up demand happens in the first year its component applies
        first = [
            t.first
            for c, t, (on, _) in zip(self.components, self.timings, key)
            if on and c.get("kind") == "catch_up" and t.first is not None
        ]
        if first:
            policy.catch_up_year = max(first[0], self.base_year + 1)
        return policy

    def changes(self, first_year: int, last_year: int) -> list[int]:
        """The years in [first_year, last_year] whose policy differs from the year before."""
        out = []
        prev = None
        for year in range(first_year, last_year + 1):
            p = self.at(year)
            if prev is not None and p is not prev:
                out.append(year)
            prev = p
        return out


def blend(before: Policy, after: Policy, w: float, where: str) -> Policy:
    """`before + w (after - before)` for every float array both hold finite; other fields
    take `after`'s value (a switch or an unlimited quota cannot be phased in)."""
    out = after.copy()
    for f in fields(before):
        x, y = getattr(before, f.name), getattr(after, f.name)
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype.kind == "f":
            both = np.isfinite(x) & np.isfinite(y)
            mixed = y.astype(np.float64, copy=True)
            mixed[both] = x[both] + w * (y[both] - x[both])
            setattr(out, f.name, mixed)
        elif isinstance(x, float) and isinstance(y, float) and f.name != "catch_up_year":
            setattr(out, f.name, x + w * (y - x))
    return out
