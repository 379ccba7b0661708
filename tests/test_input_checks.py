"""Bad input never gives a wrong answer: each case ends with one InputError naming the field
or file (exit 2 from the command line), or, where stated, one warning and a correct run."""

from __future__ import annotations

import pytest

import migsim
from migsim.core.errors import InputError


def _refused(overrides: list[str], where: str) -> InputError:
    with pytest.raises(InputError) as info:
        migsim.compose(overrides)
    message = str(info.value)
    assert "\n" not in message
    assert where in message
    return info.value


# -- config fields: every number declared with a range ------------------------------------


@pytest.mark.parametrize(
    "override, where",
    [
        ("economy.remit_share_high=-1", "economy.remit_share_high"),
        ("economy.remit_decay=nan", "economy.remit_decay"),
        ("behaviour.gravity_distance=nan", "behaviour.gravity_distance"),
        ("behaviour.gravity_distance=inf", "behaviour.gravity_distance"),
        ("behaviour.gravity_distance=-1", "behaviour.gravity_distance"),
        ("behaviour.gravity_language=-0.5", "behaviour.gravity_language"),
        ("economy.sigma_skill=nan", "economy.sigma_skill"),
    ],
)
def test_config_value_out_of_range_is_refused(override, where):
    _refused(["world=toy", override], where)


def test_every_numeric_field_declares_a_range():
    import dataclasses

    from migsim.config import SCHEMAS

    def walk(schema, prefix=""):
        for f in dataclasses.fields(schema):
            meta = f.metadata.get("param")
            sub = f.type if isinstance(f.type, type) else None
            if f.default_factory is not dataclasses.MISSING:
                sub = type(f.default_factory())
            if meta is None and sub is not None and dataclasses.is_dataclass(sub):
                yield from walk(sub, f"{prefix}{f.name}.")
                continue
            assert meta is not None, f"{prefix}{f.name} is not declared with param()"
            if f.type in (int, float, "int", "float"):
                yield f"{prefix}{f.name}", meta["range"]

    for schema in SCHEMAS:
        for name, rng in walk(schema):
            assert rng is not None, f"{name} has no range"
