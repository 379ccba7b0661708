"""Fuzzing the run config: any declared numeric parameter given a bad value (not a number,
infinite, negative, huge, text) is either refused with one InputError naming it, or, when
the value lies in its declared range, composes. No simulation runs, so this is fast."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

import migsim
from migsim.config import parameters
from migsim.core.errors import InputError


def _numeric() -> list[dict]:
    rows = []
    for row in parameters():
        default = row["default"]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            rows.append(row)
    return rows


NUMERIC = _numeric()
BAD = ["nan", "inf", "-inf", "-1", "1e300", "abc"]


def _in_range(name: str, text: str) -> bool:
    """Whether the declaration (default's type and range) admits the value."""
    import dataclasses

    from migsim.config import MigsimConf

    schema, meta, field = MigsimConf, None, None
    for part in name.split("."):
        field = {f.name: f for f in dataclasses.fields(schema)}[part]
        meta = field.metadata.get("param")
        if field.default_factory is not dataclasses.MISSING:
            schema = type(field.default_factory())
    try:
        value = float(text)
    except ValueError:
        return False
    if field.type in (int, "int"):
        if not math.isfinite(value) or value != int(value):
            return False
    if math.isnan(value):
        return False
    lo, hi = meta["range"]
    low_ok = value > lo if meta["low_open"] else value >= lo
    if math.isinf(value) and not math.isinf(hi):
        return False
    return low_ok and value <= hi


def test_every_numeric_parameter_is_fuzzed():
    assert len(NUMERIC) > 40


@settings(
    derandomize=True,
    max_examples=300,  # each composes a config (~0.3 s)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(row=st.sampled_from(NUMERIC), text=st.sampled_from(BAD))
def test_bad_value_is_refused_or_in_range(row, text):
    name = row["name"]
    override = f"{name}={text}"
    if _in_range(name, text):
        cfg = migsim.compose(["world=toy", override])
        got = float(OmegaConf.select(cfg, name))
        assert got == float(text) or (math.isnan(got) and math.isnan(float(text)))
        return
    with pytest.raises(InputError) as info:
        migsim.compose(["world=toy", override])
    message = str(info.value)
    assert name in message and "\n" not in message
