"""A behaviour plug-in's declared parameters: checking `behaviour.params` against them.

A plug-in declares its parameters as a dataclass whose fields are made with migsim's own
`param(...)` (migsim.core.params), the same declaration as every run parameter:

    @dataclass
    class AversionParams:
        aversion: float = param(0.3, range=(0.0, 10.0), doc="shift per log of wealth")

    Behaviour("wealth_aversion", individual_term=term, params=AversionParams)

`behaviour.params` may then set only those names; each value is checked for its type and its
range or choices, and the plug-in receives every declared parameter, defaults filled in: a
utility as `ctx.params` (a dict), an individual term and a kernel as a float64 array in the
order of declaration (a choice as its index among the choices, a bool as 0 or 1).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.params import _check_value, _choices, declarations, describe

_TYPES = {"float": float, "int": int, "bool": bool, "str": str}


def declared(schema: type | None) -> dict[str, tuple[dataclasses.Field, dict, type]]:
    """name -> (field, declaration, type) of a plug-in's parameter schema, in order."""
    if schema is None:
        return {}
    try:
        hints = typing.get_type_hints(schema)
    except Exception:  # noqa: BLE001  (annotations naming what the module does not import)
        hints = {}
    out = {}
    for f, meta in declarations(schema):
        kind = hints.get(f.name, f.type)
        kind = _TYPES.get(kind, str) if isinstance(kind, str) else kind
        out[f.name] = (f, meta or {}, kind)
    return out


def check_declaration(name: str, schema: Any) -> None:
    """A plug-in's `params` must be a dataclass of `param(...)` fields of a simple type."""
    where = f"behaviour plug-in '{name}'"
    allowed = "a dataclass whose fields are param(default, doc=..., range=... or choices=...)"
    if not (isinstance(schema, type) and dataclasses.is_dataclass(schema)):
        raise InputError(where, f"params is a {type(schema).__name__}, not a dataclass", allowed)
    for field_name, (f, meta, kind) in declared(schema).items():
        if not meta:
            raise InputError(where, f"parameter {field_name} is not declared with param()", allowed)
        if kind not in (float, int, bool, str):
            raise InputError(
                where, f"parameter {field_name} has type {kind}", "float, int, bool or str"
            )
        if kind is str and _choices(meta) is None:
            raise InputError(where, f"parameter {field_name} is text without choices", allowed)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise InputError(where, f"parameter {field_name} has no default", allowed)


def _allowed(meta: dict, kind: type) -> str:
    choices = _choices(meta)
    if choices is not None:
        return meta.get("allowed") or ", ".join(choices)
    if meta.get("range") is not None:
        lo, hi = meta["range"]
        return meta.get("allowed") or f"{kind.__name__} from {lo} to {hi}"
    return meta.get("allowed") or ("true or false" if kind is bool else kind.__name__)


def _typed(where: str, value: Any, kind: type, meta: dict) -> Any:
    """`value` as the declared type, or one line naming the field and what is allowed."""
    problem = None
    if kind is bool:
        if not isinstance(value, bool):
            problem = f"{value!r} is not true or false"
    elif kind is str:
        if not isinstance(value, str):
            problem = f"{value!r} is not one of the choices"
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        problem = f"{value!r} is not a number"
    elif kind is int:
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            problem = f"{value!r} is not a whole number"
        else:
            value = int(value)
    else:
        value = float(value)
    if problem is not None:
        raise InputError(where, problem, _allowed(meta, kind))
    if kind is float and math.isnan(value):
        raise InputError(where, "nan is not a number", _allowed(meta, kind))
    if kind is float and math.isinf(value) and meta.get("range") is None:
        raise InputError(where, f"{value} is not finite", _allowed(meta, kind))
    return value


def plugin_params(behaviour: Any, conf: Any) -> dict[str, Any]:
    """The plug-in's parameters from `behaviour.params`: every declared one (defaults filled
    in), each checked; a name the plug-in does not declare is refused with the declared ones."""
    raw = conf.get("params") if hasattr(conf, "get") else getattr(conf, "params", None)
    if raw is not None and not hasattr(raw, "items"):
        raise InputError("behaviour.params", f"{raw!r} is not a mapping", "name: value pairs")
    if hasattr(raw, "_metadata"):  # an OmegaConf node: plain Python values
        from omegaconf import OmegaConf

        raw = OmegaConf.to_container(raw, resolve=True)
    raw = dict(raw or {})
    schema = getattr(behaviour, "params", None)
    fields = declared(schema)
    for key in raw:
        if str(key) not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean behaviour.params.{close[0]}?)" if close else ""
            raise InputError(
                f"behaviour.params.{key}",
                f"is not a parameter of behaviour '{behaviour.name}'{hint}",
                ", ".join(fields) if fields else "none: this behaviour declares no parameters",
            )
    values = {}
    for name, (f, meta, kind) in fields.items():
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        value = raw.get(name, default)
        where = f"behaviour.params.{name}"
        value = _typed(where, value, kind, meta)
        if kind is float or kind is int or _choices(meta) is not None:
            _check_value(where, value, meta)
        values[name] = value
    return values


def params_array(behaviour: Any, values: dict[str, Any]) -> np.ndarray:
    """The float64 array an individual term or a kernel receives: the declared parameters in
    order, a choice as its index among the choices ([0.0] when there are none)."""
    fields = declared(getattr(behaviour, "params", None))
    numbers = []
    for name, (_, meta, _kind) in fields.items():
        value = values[name]
        choices = _choices(meta)
        numbers.append(float(choices.index(value)) if choices is not None else float(value))
    return np.asarray(numbers or [0.0], dtype=np.float64)


def describe_params(behaviour: Any) -> list[dict]:
    """The declared parameters as `migsim params` rows (name, default, allowed, doc)."""
    schema = getattr(behaviour, "params", None)
    if schema is None:
        return []
    rows = describe(schema, "behaviour.params.")
    kinds = {f"behaviour.params.{n}": k for n, (_, _, k) in declared(schema).items()}
    for row in rows:
        kind = kinds[row["name"]]
        row["allowed"] = row["allowed"] or _allowed({}, kind)
        row["type"] = kind.__name__
    return rows
