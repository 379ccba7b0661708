"""Fuzzing the run config: every declared field given a bad value (not a number, infinite,
negative, huge, text) or a value drawn from its declared range. Each case is refused with
one InputError naming the field and leaves no run directory, or it runs (2,000 people,
1-3 years of the toy world) to tables that pass the accounting of a valid run
(tests/fuzz_support.py). Seeded (derandomize), so every run of the suite sees the same
cases; tests/test_input_fuzz_world.py does the same for the world tables and reports
coverage."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from fuzz_support import (
    BASE_OVERRIDES,
    assert_one_line,
    compose_case,
    declaration,
    record,
    refused_or_run,
    rotated,
)
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import migsim
from migsim.config import parameters
from migsim.core.errors import InputError
from migsim.model.behaviour import CALIBRATION_FIELDS


def _kind(row: dict) -> str:
    field, meta = declaration(row["name"])
    default = row["default"]
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, (int, float)):
        return "number"
    if meta is not None and meta["choices"] is not None:
        return "choice"
    if isinstance(default, str):
        return "text"
    if isinstance(default, list):
        return "list"
    return "node"  # behaviour.params (free keys) and experiment (a config group)


FIELDS = [(row["name"], _kind(row)) for row in parameters()]
CALIBRATED = {f"behaviour.{name}" for name in CALIBRATION_FIELDS} | {
    "population.wealth_sigma",
    "population.wealth_to_income",
}

# In-range values of the fields that set the size of a run are drawn from a small part of
# their range, so that every accepted case can run to the end in about a second.
RUN_SIZED = {
    "population.size": (1000, 3000),
    "years": (1, 3),
    "threads": (0, 2),
    "shards.count": (1, 3),
    "shards.cpus_per_shard": (0, 2),
    "checkpoint_every": (0, 3),
    "population.spare_capacity": (0.0, 2.0),
}
INTEGER_RANGES = {"seed": (0, 2**63 - 1), **RUN_SIZED}
# values of free-text fields that name something that exists
TEXT_VALUES = {
    "world.name": ["toy", "twins"],
    "regime.name": ["status_quo", "my_regime"],
    "behaviour.name": ["nested_logit"],
}
BAD = {
    "nan": ["nan"],
    "inf": ["inf", "-inf"],
    "negative": ["-1", "-0.5", "-1e-300"],
    "huge": ["1e300", "9223372036854775807", "1e18"],
    "text": ["abc", "'12 people'", "''"],
}
MUTATIONS = ["in_range"] * 4 + list(BAD)  # 4 cases in 9 draw an in-range value


def _in_range_number(name: str) -> st.SearchStrategy:
    field, meta = declaration(name)
    if name in INTEGER_RANGES:
        return st.integers(*INTEGER_RANGES[name])
    lo, hi = meta["range"]
    if field.type in (int, "int"):
        return st.integers(int(lo), int(min(hi, 10**9)))
    return st.floats(
        lo, hi, exclude_min=meta["low_open"], allow_nan=False, allow_infinity=math.isinf(hi)
    )


@st.composite
def config_case(draw, name: str, calibrated: bool = False) -> tuple[str, str, str]:
    """(field, mutation, override) for field `name`. In-range values of the parameters the
    calibration depends on are left to `test_in_range_calibration_parameter_runs...` (each
    needs a calibration of its own, ~2 s), unless `calibrated`."""
    kind = dict(FIELDS)[name]
    if calibrated:
        mutation = "in_range"
    else:
        mutation = draw(rotated(MUTATIONS if name not in CALIBRATED else list(BAD), name))
    bad = draw(st.sampled_from(BAD.get(mutation, ["x"])))
    default = next(row["default"] for row in parameters() if row["name"] == name)
    if kind == "number":
        value = repr(draw(_in_range_number(name))) if mutation == "in_range" else bad
    elif kind == "bool":
        value = draw(st.sampled_from(["true", "false"])) if mutation == "in_range" else bad
    elif kind == "choice":
        allowed = declaration(name)[1]["choices"]
        allowed = allowed() if callable(allowed) else allowed
        value = draw(st.sampled_from(list(allowed))) if mutation == "in_range" else bad
    elif kind == "text":
        good = TEXT_VALUES.get(name, [repr(default) if default == "" else default])
        value = draw(st.sampled_from(good)) if mutation == "in_range" else bad
    elif kind == "list" and name in ("behaviour.age_profile", "behaviour.family_left_share"):
        profile = list(default)
        if mutation == "in_range":
            low, high = (0.01, 5.0) if name == "behaviour.age_profile" else (0.0, 1.0)
            profile = draw(st.lists(st.floats(low, high), min_size=9, max_size=9))
        else:
            profile[draw(st.integers(0, 8))] = bad
        value = "[" + ",".join(str(v) for v in profile) + "]"
    elif kind == "list":
        if mutation == "in_range":
            items = draw(st.permutations(default)) if default else []
        else:
            items = [*default, bad]
        value = "[" + ",".join(items) + "]"
    elif name == "behaviour.params":  # free keys: anything goes to the plug-in
        value = "{fuzz:" + (bad if mutation != "in_range" else "1") + "}"
    else:  # experiment: a config group
        value = "e01_status_quo" if mutation == "in_range" else bad
    return name, mutation, f"{name}={value}"


def test_every_config_field_is_fuzzed():
    kinds = {kind for _, kind in FIELDS}
    assert kinds == {"number", "bool", "choice", "text", "list", "node"}
    assert len(FIELDS) == len(parameters()) > 70


SETTINGS = settings(
    derandomize=True,  # the same cases on every run (CI reproducible)
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # a failing case is printed as generated
    suppress_health_check=[HealthCheck.too_slow],
)


@settings(SETTINGS, max_examples=3)  # per field: 225 cases
@pytest.mark.parametrize("name", [name for name, _ in FIELDS])
@given(data=st.data())
def test_config_value_is_refused_or_runs_to_a_valid_end(name, data):
    check_config_case(data.draw(config_case(name)))


@settings(SETTINGS, max_examples=3)
@given(data=st.data())
def test_in_range_calibration_parameter_runs_to_a_valid_end(data):
    name = data.draw(st.sampled_from(sorted(CALIBRATED)))
    check_config_case(data.draw(config_case(name, calibrated=True)))


def check_config_case(case: tuple[str, str, str]) -> None:
    """Compose and run one case; a refusal names the field (or its group, or the
    calibration, which cannot converge for some in-range behaviour parameters)."""
    name, mutation, override = case
    note(override)
    names = (name, name.split(".")[0], "calibration")
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        try:
            if name == "experiment":  # a config group: only the full composition selects it
                cfg = migsim.compose([*BASE_OVERRIDES, override])
            else:
                cfg = compose_case(override)
        except InputError as error:
            assert_one_line(error, names)
            record("config", name, mutation, "refused")
            return
        outcome = refused_or_run(cfg, run_dir, names)
    record("config", name, mutation, outcome)


@pytest.mark.parametrize(
    "override",
    [
        "economy.remit_decay=nan",
        "economy.remit_decay=0.5",
        "population.size=abc",
        "years=1e300",
        "behaviour.age_profile=[1,1,1,1,1,1,1,1,-1]",
        "behaviour.family_left_share=[0,0,0,0,0,0,0,0,1.5]",
        "economy.closure=abc",
        "seed=-1",
        "steps=[education,abc]",
    ],
)
def test_fast_composition_matches_compose(override):
    """The fuzz cases compose through `compose_case`; it must agree with `migsim.compose`:
    the same config, or the same one-line refusal."""

    def outcome(fn):
        try:
            return fn()
        except InputError as error:
            return str(error)

    fast = outcome(lambda: compose_case(override))
    full = outcome(lambda: migsim.compose([*BASE_OVERRIDES, override]))
    assert fast == full
