"""Parameters declared once: default, allowed values and one line of meaning together.

A config schema is a dataclass whose fields are made with `param`:

    size: int = param(1_000_000, range=(1_000, 2_000_000_000), doc="agents simulated")

`check` walks a config against its schema's declarations (ranges, choices, NaN and infinity
for floats) and raises one-line `InputError`s; `describe` lists every parameter for
`migsim params`. Checks that involve several fields stay explicit functions beside the
schema (`migsim.config.validate`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

from migsim.core.errors import InputError

_MISSING = dataclasses.MISSING


def param(
    default: Any = _MISSING,
    *,
    doc: str,
    range: tuple[float, float] | None = None,
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None,
    factory: Callable[[], Any] | None = None,
    problem: str | None = None,
    allowed: str | None = None,
    low_open: bool = False,
) -> Any:
    """A dataclass field carrying its declaration.

    `range` (lo, hi) is inclusive unless `low_open`; `choices` are the allowed strings (or a
    function giving them, for lists known only at run time); `problem` and `allowed` replace
    the default wording of the error ("{value} is out of range (allowed: lo to hi)"), with
    `{value}` standing for the value."""
    meta = {
        "doc": doc,
        "range": range,
        "choices": choices,
        "problem": problem,
        "allowed": allowed,
        "low_open": low_open,
    }
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={"param": meta})
    return dataclasses.field(default=default, metadata={"param": meta})


def declarations(schema: type) -> Iterator[tuple[dataclasses.Field, dict | None]]:
    """The schema's fields with their declaration (None for a nested schema or plain field)."""
    for f in dataclasses.fields(schema):
        yield f, f.metadata.get("param")


def _choices(meta: dict) -> tuple[str, ...] | None:
    c = meta.get("choices")
    return tuple(c()) if callable(c) else c


def _text(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else f"{value}"


def check(schema: type, node: Any, prefix: str = "") -> None:
    """Check `node` (a config node or schema instance) against every declaration of
    `schema` and of its nested schemas; the first bad value raises an InputError."""
    for f, meta in declarations(schema):
        where = f"{prefix}{f.name}"
        value = getattr(node, f.name, None)
        nested = f.type if isinstance(f.type, type) else None
        default_type = type(f.default_factory()) if f.default_factory is not _MISSING else None
        if meta is None:
            sub = nested or default_type
            if sub is not None and dataclasses.is_dataclass(sub) and value is not None:
                check(sub, value, f"{where}.")
            continue
        if isinstance(f.default, bool) and value is not None and not isinstance(value, bool):
            # a number is not a switch: OmegaConf would read -1 or 2 as true downstream
            raise InputError(where, f"{_text(value)} is not true or false", "true, false")
        _check_value(where, value, meta)


def _check_value(where: str, value: Any, meta: dict) -> None:
    choices = _choices(meta)
    if choices is not None:
        if str(value) not in choices:
            problem = (meta["problem"] or "{value}").format(value=_text(value))
            raise InputError(where, problem, meta["allowed"] or ", ".join(choices))
        return
    rng = meta["range"]
    if rng is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    lo, hi = rng
    if isinstance(value, float) and math.isnan(value):
        raise InputError(where, "nan is not a number", meta["allowed"] or f"{lo} to {hi}")
    if isinstance(value, float) and math.isinf(value) and not math.isinf(hi):
        raise InputError(where, f"{value} is not finite", meta["allowed"] or f"{lo} to {hi}")
    low_ok = value > lo if meta["low_open"] else value >= lo
    if not (low_ok and value <= hi):
        problem = (meta["problem"] or "{value} is out of range").format(value=value)
        raise InputError(where, problem, meta["allowed"] or f"{lo} to {hi}")


def describe(schema: type, prefix: str = "") -> list[dict]:
    """Every declared parameter of `schema` (nested schemas flattened with dotted names):
    name, default, allowed values and meaning."""
    rows = []
    for f, meta in declarations(schema):
        default = f.default if f.default is not _MISSING else None
        if f.default_factory is not _MISSING:
            default = f.default_factory()
        if meta is None:
            if dataclasses.is_dataclass(default):
                rows.extend(describe(type(default), f"{prefix}{f.name}."))
            continue
        choices = _choices(meta)
        if choices is not None:
            allowed = meta["allowed"] or ", ".join(choices)
        elif meta["range"] is not None:
            lo, hi = meta["range"]
            allowed = meta["allowed"] or f"{lo} to {hi}"
        else:
            allowed = meta["allowed"] or ""
        rows.append(
            {
                "name": f"{prefix}{f.name}",
                "default": default,
                "allowed": allowed,
                "doc": meta["doc"],
            }
        )
    return rows


def default_text(value: Any) -> str:
    """A default as a config would write it: `null` for None, else its repr."""
    return "null" if value is None else repr(value)


def format_table(rows: list[dict]) -> str:
    """The parameters as aligned text lines: name, default, allowed values, meaning."""
    cells = [(r["name"], default_text(r["default"]), r["allowed"], r["doc"]) for r in rows]
    w0 = max(len(c[0]) for c in cells)
    w1 = min(max(len(c[1]) for c in cells), 24)
    w2 = min(max(len(c[2]) for c in cells), 28)
    head = f"{'parameter':<{w0}}  {'default':<{w1}}  {'allowed':<{w2}}  meaning"
    lines = [head, "-" * len(head)]
    for name, default, allowed, doc in cells:
        lines.append(f"{name:<{w0}}  {default:<{w1}}  {allowed:<{w2}}  {doc}")
    return "\n".join(lines)
