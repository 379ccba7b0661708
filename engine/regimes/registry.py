"""Regime components registered by declaration, and a regime applied to the status quo.

A component is a function `apply(policy, world, component, where)` that changes the policy
arrays in place, registered with the keys it reads:

    @component("my_levy", keys={"rate": "share of income levied"})
    def my_levy(policy, world, c, where):
        policy.emigrant_levy[:] = number(c, "rate", 0.1, 0.0, 1.0, where)

Built-in components live in `migsim.regimes.components` (a component in a new module of
this package is found without being listed anywhere); a third-party package exports a
decorated function through the entry-point group `migsim.regime_components` (the entry
point's name is the kind). A named regime is a YAML file in configs/regime/ listing
components.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from migsim.core.declarations import name_clash, target
from migsim.core.errors import InputError
from migsim.core.resources import config_dir
from migsim.core.world import World
from migsim.regimes.policy import Policy

ENTRY_POINT_GROUP = "migsim.regime_components"
# The keys selecting corridors, shared by many components.
CORRIDOR_KEYS = {
    "origins": "region codes and/or developed / developing / all (default: all)",
    "destinations": "region codes and/or developed / developing / all (default: all)",
    "skills": "low and/or high (default: both)",
}


@dataclass(frozen=True)
class ComponentSpec:
    """A registered component: its kind, the keys it reads (name -> meaning), its function."""

    kind: str
    keys: dict[str, str]
    apply: Callable[[Policy, World, Any, str], None]
    doc: str = ""


_COMPONENTS: dict[str, ComponentSpec] = {}


def component(kind: str, keys: dict[str, str] | None = None):
    """Register the decorated function as the regime component `kind` reading `keys`."""

    def register(fn):
        known = _COMPONENTS.get(kind)
        if known is not None and target(known.apply) != target(fn):
            raise InputError(
                f"regime component '{kind}'",
                f"declared twice ({target(known.apply)} and {target(fn)})",
                "one declaration per kind",
            )
        spec = ComponentSpec(kind, dict(keys or {}), fn, (fn.__doc__ or "").strip())
        _COMPONENTS[kind] = spec
        fn.component = spec
        return fn

    return register


def available() -> dict[str, Any]:
    """Every component kind: built-in and from installed packages (not yet loaded)."""
    import importlib
    import pkgutil

    import migsim.regimes

    for module in pkgutil.iter_modules(migsim.regimes.__path__):  # a new file registers itself
        importlib.import_module(f"migsim.regimes.{module.name}")

    out: dict[str, Any] = dict(_COMPONENTS)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        out.setdefault(ep.name, ep)
    return out


def component_spec(kind: Any, where: str) -> ComponentSpec:
    """The registered component `kind`; one line naming the allowed kinds otherwise."""
    kinds = available()
    if kind not in kinds:
        raise InputError(where, f"'{kind}' is not a component", ", ".join(sorted(kinds)))
    spec = kinds[kind]
    known = None if isinstance(spec, importlib.metadata.EntryPoint) else spec.apply
    clash = name_clash(ENTRY_POINT_GROUP, str(kind), known)
    if clash:
        raise InputError(where, f"'{kind}' {clash}", "one registration per kind")
    if isinstance(spec, importlib.metadata.EntryPoint):
        try:
            fn = spec.load()
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001  (a broken third-party package)
            raise InputError(where, f"'{kind}' failed to load ({type(exc).__name__})") from None
        spec = getattr(fn, "component", None)
        if not isinstance(spec, ComponentSpec):
            raise InputError(where, f"'{kind}' is not decorated with @component")
        _COMPONENTS[kind] = spec
    return spec


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
    """`name` plus what `add` adds, joined by +: a regime's name, an inline component's kind
    (so runs of two inline components are told apart in comparisons)."""
    adds = getattr(conf, "add", None) or []
    kinds = [
        i if isinstance(i, str) else str(i.get("kind", "custom")) if hasattr(i, "get") else str(i)
        for i in adds
    ]  # a malformed entry is named here as given; applying the regime refuses it in one line
    return "+".join([str(conf.name), *kinds])


def apply_regime(conf: Any, world: World, base: Policy) -> Policy:
    """Apply the regime's components, in order, to a copy of the status quo (every component,
    whatever its timing keys: `migsim.regimes.timeline.PolicyTimeline` gives a year's policy)."""
    from migsim.regimes.timeline import TIMING_KEYS

    policy = base.copy()
    for i, component in enumerate(regime_components(conf)):
        apply_component(policy, world, component, i, TIMING_KEYS)
    return policy


def checked_component(
    component: Any, i: int, extra_keys: dict | None = None
) -> tuple[ComponentSpec, Any, str]:
    """(spec, kind, where) of the regime's i-th component, after checking that its kind is
    registered and its keys are the kind's own or `extra_keys` (no world needed)."""
    kind = component.get("kind") if hasattr(component, "get") else None
    spec = component_spec(kind, f"regime.components[{i}].kind")
    where = f"regime.components[{i}]"
    allowed_keys = {**spec.keys, **(extra_keys or {})}
    for key in [str(k) for k in component.keys() if k != "kind"]:
        if key not in allowed_keys:
            allowed = ", ".join(sorted(spec.keys)) or "none besides kind"
            if extra_keys:
                allowed += "; timing: " + ", ".join(extra_keys)
            raise InputError(f"{where}.{key}", f"is not a key of '{kind}'", allowed)
    return spec, kind, where


def check_components(conf: Any) -> None:
    """Every component of the regime has a registered kind and known keys (what can be
    checked before a world is loaded: `migsim.compose` and every run, before any work)."""
    from migsim.regimes.timeline import TIMING_KEYS

    for i, component in enumerate(regime_components(conf)):
        checked_component(component, i, TIMING_KEYS)


def apply_component(
    policy: Policy, world: World, component: Any, i: int, extra_keys: dict | None = None
) -> None:
    """Apply the regime's i-th component to `policy` in place, after checking its keys (the
    kind's own, plus `extra_keys` that every component accepts)."""
    spec, kind, where = checked_component(component, i, extra_keys)
    from migsim.core.errors import plugin_code
    from migsim.regimes.policy_check import check_policy

    with plugin_code(spec.apply, f"{where} ('{kind}')"):  # a plug-in's exception names it
        spec.apply(policy, world, component, where)
    check_policy(policy, world.n_regions, f"{where} ('{kind}')")
    policy.components.append(kind)


def _codes(
    world: World, c: Any, key: str, where: str, default: list[str] | str | None = None
) -> np.ndarray:
    """Boolean mask over regions for the component's list `key` (all regions if absent).

    The key holds region codes or the groups developed / developing / all, alone or inside a
    list (`[developed, CHN]` is every developed region and China): the error message offers
    the groups, so a list accepts them too."""
    values = c.get(key, None) if hasattr(c, "get") else None
    if values is None:
        values = default if default is not None else world.codes
    groups = {
        "developed": [r for r, d in zip(world.codes, world.developed) if d],
        "developing": [r for r, d in zip(world.codes, world.developed) if not d],
        "all": list(world.codes),
    }
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        values = [values]
    mask = np.zeros(world.n_regions, dtype=bool)
    for value in values:
        for code in groups.get(value, [value]) if isinstance(value, str) else [value]:
            if code not in world.codes:
                raise InputError(
                    f"{where}.{key}",
                    f"unknown region '{code}'",
                    ", ".join(world.codes) + ", developed, developing, all",
                )
            mask[world.index(code)] = True
    return mask


def region_mask(
    world: World, c: Any, key: str, where: str, default: list[str] | str | None = None
) -> np.ndarray:
    """(R,) True for the regions the component's key `key` names: region codes or
    developed / developing / all (`default` when the key is absent, all regions if None).
    An unknown code stops the run with one line naming the allowed ones."""
    return _codes(world, c, key, where, default)


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


def number(c: Any, key: str, default: float, lo: float, hi: float, where: str) -> float:
    value = c.get(key, default) if hasattr(c, "get") else default
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}.{key}", f"'{value}' is not a number", f"{lo} to {hi}") from None
    if not lo <= value <= hi:
        raise InputError(f"{where}.{key}", f"{value} is out of range", f"{lo} to {hi}")
    return value


def whole(c: Any, key: str, default: int, lo: int, hi: int, where: str) -> int:
    """`number` for a year or a count of years: a value with a fraction (2015.5) is refused,
    not truncated."""
    value = number(c, key, default, lo, hi, where)
    if not value.is_integer():
        raise InputError(
            f"{where}.{key}", f"{value:g} is not a whole number", f"a whole number, {lo} to {hi}"
        )
    return int(value)


def _corridors(world: World, c: Any, where: str) -> np.ndarray:
    """(R, R, 2) mask of corridors (origins x destinations x skills) a component covers."""
    o = _codes(world, c, "origins", where)
    d = _codes(world, c, "destinations", where)
    s = _skills(c, where)
    mask = o[:, None, None] & d[None, :, None] & s[None, None, :]
    for r in range(world.n_regions):
        mask[r, r] = False
    return mask


_number = number
