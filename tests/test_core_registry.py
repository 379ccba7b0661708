"""Declarations: steps registered with their reads, writes and columns; regime components
with their keys; parameters with their ranges (engine/steps/registry.py,
engine/regimes/registry.py, engine/core/params.py)."""

from __future__ import annotations

import dataclasses
import importlib.metadata

import numpy as np
import pytest

import migsim
from migsim.config import MigsimConf
from migsim.core.errors import InputError
from migsim.regimes import registry as regime_registry
from migsim.runtime.state import STATE_FIELDS
from migsim.steps import registry
from migsim.steps.registry import Column, Step, step

SMALL = ["world=toy", "population.size=5000", "years=2", "progress=false"]


@step("test_residents_census")
class ResidentsCensus(Step):
    """A step of a third party: counts residents again, from the year state."""

    reads = ("cells",)
    columns = {"census_residents": Column("people", "residents counted by a plug-in step")}

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        cells = sim.state.cells  # the start of the year (the last record)
        sim.state.region_columns["census_residents"] = cells.sum(axis=(0, 2, 3, 4, 5))


@step("test_undeclared")
class Undeclared(Step):
    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        sim.state.region_columns["surprise"] = np.zeros(sim.world.n_regions)


@step("test_wage_setter")
class WageSetter(Step):
    """Sets wages without declaring it."""

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        sim.state.wages = np.ones((sim.world.n_regions, 2, 2))


def test_a_step_setting_an_undeclared_field_stops_the_run():
    with pytest.raises(InputError, match="step 'test_wage_setter'.*'wages'.*writes"):
        migsim.run([*SMALL, "steps=[test_wage_setter]"])


def test_builtin_steps_declare_fields_of_the_year_state():
    for name in ("education", "migration", "economy"):
        cls = registry.step_class(name)
        assert set(cls.reads) | set(cls.writes) <= set(STATE_FIELDS), name
        assert cls.columns, name
        assert all(isinstance(c, Column) and c.unit and c.doc for c in cls.columns.values())


def test_regions_columns_are_the_loop_and_the_steps_declarations():
    result = migsim.run(SMALL)
    sim = migsim.build_simulation(SMALL)
    declared = list(sim.columns())
    assert set(result.regions.columns) <= set(declared)
    assert "tertiary_share" in result.regions.columns  # named by its record, no rename
    assert "gdp_per_capita" in result.regions.columns  # declared as derived


def test_a_step_added_by_declaration_runs_after_the_others_and_adds_its_column():
    result = migsim.run([*SMALL, "steps=[education,migration,economy,test_residents_census]"])
    regions = result.regions
    # the steps' columns in order of appearance, then the derived ones
    assert regions.columns[-2:] == ["census_residents", "gdp_per_capita"]
    later = regions.filter(regions["year"] > 2013)
    # counted at the start of the year: last year's residents
    previous = regions.filter(regions["year"] < 2015)["population"].to_numpy()
    assert np.allclose(later["census_residents"].to_numpy(), previous)


def test_steps_listed_in_the_config_are_the_ones_that_run():
    result = migsim.run([*SMALL, "steps=[migration]"])
    assert "gdp" not in result.regions.columns
    assert "access_value" in result.regions.columns
    assert "remittances" not in result.tables


def test_an_undeclared_column_stops_the_run_naming_the_step():
    with pytest.raises(InputError, match="step 'test_undeclared'.*'surprise'"):
        migsim.run([*SMALL, "steps=[test_undeclared]"])


@pytest.mark.parametrize(
    "steps, needle",
    [
        ("[education,flying]", "steps: 'flying' is not a step (allowed: "),
        ("[demography,migration]", "'demography' always runs first"),
        ("[migration,migration]", "'migration' is listed twice"),
    ],
)
def test_bad_step_lists_are_one_line_errors(steps, needle):
    with pytest.raises(InputError) as err:
        migsim.compose([*SMALL, f"steps={steps}"])
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_step_from_an_entry_point_is_found_by_name(monkeypatch):
    ep = importlib.metadata.EntryPoint(
        "census_from_package", f"{__name__}:ResidentsCensus", registry.ENTRY_POINT_GROUP
    )
    real = importlib.metadata.entry_points

    def entry_points(group=None, **kw):
        return [ep] if group == registry.ENTRY_POINT_GROUP else real(group=group, **kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    assert registry.step_class("census_from_package") is ResidentsCensus
    monkeypatch.setitem(registry._STEPS, "test_residents_census", ResidentsCensus)
    ResidentsCensus.name = "test_residents_census"


# ----------------------------------------------------------------------------- components
@regime_registry.component("test_fee_ceiling", keys={"cap": "highest fee"})
def _fee_ceiling(policy, world, c, where):
    policy.remittance_fee = np.minimum(
        policy.remittance_fee, regime_registry.number(c, "cap", 0.02, 0.0, 1.0, where)
    )


def _policy(components):
    from omegaconf import OmegaConf

    from migsim.core.world import load_world
    from migsim.regimes import apply_regime, status_quo

    world = load_world("toy")
    R = world.n_regions
    conf = OmegaConf.create({"name": "x", "components": components, "add": []})
    return apply_regime(conf, world, status_quo(world, np.ones((R, R, 2))))


def test_a_component_registered_by_declaration_applies_and_checks_its_keys():
    policy = _policy([{"kind": "test_fee_ceiling", "cap": 0.01}])
    assert policy.remittance_fee.max() <= 0.01
    assert policy.components == ["test_fee_ceiling"]
    with pytest.raises(InputError, match=r"components\[0\].rate: is not a key of"):
        _policy([{"kind": "test_fee_ceiling", "rate": 0.01}])


def test_builtin_components_declare_a_meaning_for_every_key():
    from migsim.regimes import available

    specs = available()
    assert {"scale_policy_cost", "catch_up", "bloc", "quota"} <= set(specs)
    for spec in specs.values():
        if isinstance(spec, regime_registry.ComponentSpec):
            assert all(isinstance(doc, str) and doc for doc in spec.keys.values()), spec.kind


def test_a_component_from_an_entry_point_is_found_by_kind(monkeypatch):
    ep = importlib.metadata.EntryPoint(
        "fee_ceiling_from_package", f"{__name__}:_fee_ceiling", regime_registry.ENTRY_POINT_GROUP
    )
    real = importlib.metadata.entry_points

    def entry_points(group=None, **kw):
        return [ep] if group == regime_registry.ENTRY_POINT_GROUP else real(group=group, **kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    policy = _policy([{"kind": "fee_ceiling_from_package", "cap": 0.005}])
    assert policy.remittance_fee.max() <= 0.005


def test_unknown_component_lists_the_registered_kinds():
    with pytest.raises(InputError, match="'teleport' is not a component.*scale_policy_cost"):
        _policy([{"kind": "teleport"}])


# ----------------------------------------------------------------------------- parameters
def _schemas(schema):
    yield schema
    for f in dataclasses.fields(schema):
        if f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
            if dataclasses.is_dataclass(value):
                yield from _schemas(type(value))


def test_every_parameter_is_declared_with_a_doc():
    for schema in _schemas(MigsimConf):
        for f in dataclasses.fields(schema):
            value = f.default_factory() if f.default_factory is not dataclasses.MISSING else None
            if dataclasses.is_dataclass(value):
                continue
            meta = f.metadata.get("param")
            assert meta is not None and meta["doc"], f"{schema.__name__}.{f.name}"


@pytest.mark.parametrize(
    "override, needle",
    [
        ("behaviour.income_elasticity=nan", "behaviour.income_elasticity: nan is not a number"),
        ("population.stratification=inf", "population.stratification: inf is not finite"),
        ("economy.closure=magic", "economy.closure: 'magic' is not a closure"),
        ("economy.remit_share_low=1.5", "economy.remit_share_low: 1.5 is out of range"),
        ("years=0", "years: 0 is not a valid number of years (allowed: 1 to 500)"),
    ],
)
def test_declared_ranges_and_choices_are_enforced(override, needle):
    with pytest.raises(InputError) as err:
        migsim.compose([*SMALL, override])
    assert needle in str(err.value)


def test_an_infinite_value_is_allowed_where_the_range_is_open_above():
    cfg = migsim.compose([*SMALL, "economy.sigma_nativity=inf"])
    assert cfg.economy.sigma_nativity == float("inf")


def test_parameters_list_names_defaults_ranges_and_docs():
    rows = {r["name"]: r for r in migsim.parameters()}
    assert rows["population.size"]["default"] == 1_000_000
    assert rows["population.size"]["allowed"] == "1,000 to 2,000,000,000"
    assert rows["economy.closure"]["allowed"] == "short_run, long_run, partial"
    assert "steps" in rows and "seed" in rows
