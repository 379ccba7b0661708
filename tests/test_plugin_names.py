"""One name, one registration: two installed packages registering the same behaviour, regime
component or step name (or one shadowing a built-in) stop the run with one line naming
both, instead of one of them being chosen silently; a module declaring a built-in's kind or
step name again is refused when imported (engine/core/declarations.py)."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest
from omegaconf import OmegaConf

from migsim.core.errors import InputError
from migsim.model.behaviour import Behaviour, default_utility, load_behaviour
from migsim.regimes import registry as regimes
from migsim.steps import registry as steps
from migsim.steps.registry import Step


def _stay(ctx):
    return default_utility(ctx)


def _go(ctx):
    return default_utility(ctx)


first_behaviour = Behaviour("twice", utility=_stay)
second_behaviour = Behaviour("twice", utility=_go)


def first_component(policy, world, c, where):
    policy.remittance_fee[:] = 0.1


def second_component(policy, world, c, where):
    policy.remittance_fee[:] = 0.2


first_component.component = regimes.ComponentSpec("twice", {}, first_component)
second_component.component = regimes.ComponentSpec("twice", {}, second_component)


class FirstStep(Step):
    @classmethod
    def build(cls, ctx):
        return cls()


class SecondStep(FirstStep):
    pass


def _install(monkeypatch, group: str, points: dict[str, list[str]]) -> None:
    """Make `group` list the entry points name -> [attribute of this module, ...]."""
    eps = [
        importlib.metadata.EntryPoint(name, f"{__name__}:{attr}", group)
        for name, attrs in points.items()
        for attr in attrs
    ]
    real = importlib.metadata.entry_points

    def entry_points(group=None, **kw):
        listed = [ep for ep in eps if ep.group == group]
        return listed if listed else real(group=group, **kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def _one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_two_behaviours_of_one_name_are_refused(monkeypatch):
    group = "migsim.behaviours"
    _install(monkeypatch, group, {"twice": ["first_behaviour", "second_behaviour"]})
    with pytest.raises(InputError) as err:
        load_behaviour(OmegaConf.create({"plugin": "twice", "params": {}}))
    text = _one_line(err)
    assert "registered 2 times" in text
    assert "first_behaviour" in text and "second_behaviour" in text


def test_a_behaviour_listed_twice_with_one_target_is_one_registration(monkeypatch):
    _install(monkeypatch, "migsim.behaviours", {"twice": ["first_behaviour", "first_behaviour"]})
    assert load_behaviour(OmegaConf.create({"plugin": "twice", "params": {}})).utility is _stay


def test_a_behaviour_named_like_the_built_in_one_is_refused(monkeypatch):
    _install(monkeypatch, "migsim.behaviours", {"nested_logit": ["first_behaviour"]})
    with pytest.raises(InputError, match="nested_logit: is registered 2 times"):
        load_behaviour(OmegaConf.create({"plugin": "nested_logit", "params": {}}))


def test_two_components_of_one_kind_are_refused(monkeypatch):
    group = regimes.ENTRY_POINT_GROUP
    _install(monkeypatch, group, {"twice_kind": ["first_component", "second_component"]})
    with pytest.raises(InputError) as err:
        regimes.component_spec("twice_kind", "regime.components[0].kind")
    assert "'twice_kind' is registered 2 times" in _one_line(err)


def test_a_component_shadowing_a_built_in_kind_is_refused(monkeypatch):
    regimes.available()
    _install(monkeypatch, regimes.ENTRY_POINT_GROUP, {"quota": ["first_component"]})
    with pytest.raises(InputError) as err:
        regimes.component_spec("quota", "regime.components[0].kind")
    assert "'quota' is registered 2 times" in _one_line(err)


def test_declaring_a_built_in_component_kind_again_is_refused():
    regimes.available()
    builtin = regimes._COMPONENTS["quota"]
    with pytest.raises(InputError, match="regime component 'quota': declared twice"):

        @regimes.component("quota", keys={"people": "a cap"})
        def quota(policy, world, c, where):
            policy.remittance_fee[:] = np.float64(0.5)

    assert regimes._COMPONENTS["quota"] is builtin


def test_two_steps_of_one_name_are_refused(monkeypatch):
    _install(monkeypatch, steps.ENTRY_POINT_GROUP, {"twice_step": ["FirstStep", "SecondStep"]})
    with pytest.raises(InputError) as err:
        steps.step_class("twice_step")
    assert "'twice_step': is registered 2 times" in _one_line(err)


def test_a_step_shadowing_a_built_in_step_is_refused(monkeypatch):
    steps.available()
    _install(monkeypatch, steps.ENTRY_POINT_GROUP, {"economy": ["FirstStep"]})
    with pytest.raises(InputError, match="'economy': is registered 2 times"):
        steps.step_class("economy")


def test_declaring_a_built_in_step_name_again_is_refused():
    steps.available()
    builtin = steps._STEPS["economy"]
    with pytest.raises(InputError, match="step 'economy': declared twice"):

        @steps.step("economy")
        class Economy(FirstStep):
            pass

    assert steps._STEPS["economy"] is builtin
