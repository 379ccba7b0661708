"""The Python API as a notebook uses it: Hydra state of the caller's own, one-line errors for
values given as a dict, and a Result saved as the run directory `migsim run` writes."""

from __future__ import annotations

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

import migsim
from migsim.core.errors import InputError


def test_compose_inside_the_callers_own_hydra_uses_migsims_configs(tmp_path):
    (tmp_path / "config.yaml").write_text("mine: 1\n")
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        cfg = migsim.compose(["world=toy"])
        assert cfg.world.name == "toy"
        assert dict(hydra_compose("config")) == {"mine": 1}  # the caller's Hydra, as it was
    assert not GlobalHydra.instance().is_initialized()


def test_compose_leaves_no_hydra_state_behind_after_a_refusal():
    with pytest.raises(InputError, match="regime"):
        migsim.compose(["world=toy", "regime=no_such_regime"])
    assert not GlobalHydra.instance().is_initialized()
    assert migsim.compose(["world=toy"]).world.name == "toy"


@pytest.mark.parametrize(
    ("overrides", "key", "value", "allowed"),
    [
        (["world=toy", "years=abc"], "years", "abc", "1 to 500"),
        ({"world": "toy", "years": "abc"}, "years", "abc", "1 to 500"),
        ({"world": "toy", "population": {"size": "x"}}, "population.size", "x", "1,000 to"),
    ],
)
def test_a_value_of_the_wrong_type_is_one_line_with_one_allowed(overrides, key, value, allowed):
    with pytest.raises(InputError) as refused:
        migsim.compose(overrides)
    error = refused.value
    assert error.where == key
    assert error.problem.startswith(f"'{value}': ")  # the value as given, quoted once
    assert error.allowed.startswith(allowed)
    assert str(error).count("(allowed:") == 1
