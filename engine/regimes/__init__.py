"""Regimes: policy levers as data. A regime is a list of components that transform the
policy arrays of the status quo; components compose, so "regional bloc + Bhagwati tax" is a
config, not code.

* `policy`: the `Policy` arrays and the calibrated status quo;
* `registry`: `@component` registration (also through the entry-point group
  `migsim.regime_components`) and `apply_regime`;
* `components`: the built-in components, one function each.
"""

from __future__ import annotations

from migsim.regimes import components as _components  # noqa: F401  (registers the built-ins)
from migsim.regimes.policy import (
    DEFAULT_IRREGULAR,
    IRREGULAR_STATUS_QUO,
    TIED_BLOCS,
    Policy,
    bloc_matrix,
    entry_temporary_share,
    initial_irregular_share,
    status_quo,
    tied_corridors,
)
from migsim.regimes.registry import (
    CORRIDOR_KEYS,
    REGIME_DIR,
    ComponentSpec,
    apply_regime,
    available,
    component,
    number,
    regime_components,
    regime_name,
    region_mask,
    whole,
)


def _views():
    """Views of the built-in components: kind -> function, kind -> keys read besides kind."""
    from migsim.regimes.registry import _COMPONENTS

    return (
        {k: s.apply for k, s in _COMPONENTS.items()},
        {k: frozenset(s.keys) for k, s in _COMPONENTS.items()},
    )


COMPONENTS, COMPONENT_KEYS = _views()

__all__ = [
    "COMPONENTS",
    "COMPONENT_KEYS",
    "CORRIDOR_KEYS",
    "DEFAULT_IRREGULAR",
    "IRREGULAR_STATUS_QUO",
    "REGIME_DIR",
    "TIED_BLOCS",
    "ComponentSpec",
    "Policy",
    "apply_regime",
    "available",
    "bloc_matrix",
    "component",
    "entry_temporary_share",
    "initial_irregular_share",
    "number",
    "regime_components",
    "regime_name",
    "region_mask",
    "whole",
    "status_quo",
    "tied_corridors",
]
