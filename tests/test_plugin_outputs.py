"""A plug-in's output migsim cannot use stops the run with one line naming the plug-in
(InputError; exit code 2 from the command line), whatever kind of plug-in: a kernel that
writes a read-only column, moves people without recording the move or leaves a status that
contradicts where someone lives; a regime component that raises or leaves a NaN, a share
above 1 or an array of the wrong shape; a step that raises or writes a column that is not
one finite number per region; a measure that raises or returns the wrong columns. And a
utility plug-in gets its own copies of the context, a behaviour cannot have both a kernel
and an individual term, and a checkpoint is not resumed with other plug-in code."""

from __future__ import annotations

import polars as pl
import pytest

import migsim
from migsim.core.errors import InputError
from tests._support import importable_module

BASE = ["world=toy", "population.size=5000", "years=2", "progress=false"]

SOURCE = """
from dataclasses import dataclass

import numba
import numpy as np

from migsim.analysis.measures import measure
from migsim.kernels.bundles import add_move
from migsim.model.behaviour import Behaviour, default_utility
from migsim.regimes import component
from migsim.steps.registry import Column, Step, step

TAG = "{tag}"
CALLS = []


@numba.njit
def ages_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        people.age[i] = 1


ages = Behaviour("ages", kernel=ages_fn)


@numba.njit
def silent_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        if people.alive[i] and people.location[i] == people.origin[i] and i % 50 == 0:
            people.location[i] = (people.origin[i] + 1) % tallies.n_regions
            people.status[i] = 1


silent = Behaviour("silent", kernel=silent_fn)


@numba.njit
def abroad_native_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        if people.alive[i] and people.location[i] != people.origin[i]:
            people.status[i] = 0


abroad_native = Behaviour("abroad_native", kernel=abroad_native_fn)


@numba.njit
def family_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        if people.alive[i]:
            people.family[i] = 7


family_seven = Behaviour("family_seven", kernel=family_fn)


@numba.njit
def term_fn(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    return 0.0


@numba.njit
def nothing_fn(key, year, n, people, cells, levers, tallies, params):
    pass


both = Behaviour("both", kernel=nothing_fn, individual_term=term_fn)


@numba.njit
def scaling_fn(key, year, n, people, cells, levers, tallies, params):
    hazard = levers.hazard
    hazard *= 0.5  # migsim's own array, shared by the shards and kept from year to year


scaling = Behaviour("scaling", kernel=scaling_fn)


@numba.njit
def cell_fn(key, year, n, people, cells, levers, tallies, params):
    cells.p_move[0] = 1.0


cell = Behaviour("cell", kernel=cell_fn)


def halving(ctx):
    CALLS.append(float(ctx.policy_cost.sum()))
    ctx.policy_cost *= 0.5
    ctx.corridor_constant *= 0.5
    ctx.age_shift *= 0.5
    return default_utility(ctx)


mutating = Behaviour("mutating", utility=halving)


@component(f"nan_cost_{{TAG}}")
def nan_cost(policy, world, c, where):
    policy.policy_cost[0, 1, 0] = np.nan


@component(f"big_share_{{TAG}}")
def big_share(policy, world, c, where):
    policy.temporary_share[:] = 1.7


@component(f"shape_{{TAG}}")
def bad_shape(policy, world, c, where):
    policy.policy_cost = np.zeros((1, 1, 1))


@component(f"raising_{{TAG}}")
def raising(policy, world, c, where):
    raise KeyError("no such lever")


@step(f"raising_step_{{TAG}}")
class RaisingStep(Step):
    writes = ("region_columns",)
    columns = {{}}

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        raise ValueError("step boom")


@step(f"nan_step_{{TAG}}")
class NanStep(Step):
    writes = ("region_columns",)
    columns = {{f"nan_col_{{TAG}}": Column("people", "a column with a NaN")}}

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        values = np.zeros(sim.world.n_regions)
        values[0] = np.nan
        sim.state.region_columns[f"nan_col_{{TAG}}"] = values


@step(f"short_step_{{TAG}}")
class ShortStep(Step):
    writes = ("region_columns",)
    columns = {{f"short_col_{{TAG}}": Column("people", "one value too few")}}

    @classmethod
    def build(cls, ctx):
        return cls()

    def run(self, sim, year):
        sim.state.region_columns[f"short_col_{{TAG}}"] = np.zeros(sim.world.n_regions - 1)
"""


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """(module name, tag): the plug-ins above in a fresh importable module, imported."""
    import importlib

    gen = importable_module(tmp_path, monkeypatch, "", "migsim_test_plugin_outputs")
    name = next(gen)
    tag = name.rsplit("_", 1)[1]
    (tmp_path / "plugins" / f"{name}.py").write_text(SOURCE.format(tag=tag))
    importlib.import_module(name)
    yield name, tag
    for _ in gen:
        pass


def _refused(overrides, match: str) -> str:
    with pytest.raises(InputError, match=match) as info:
        migsim.run([*BASE, *overrides])
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_kernel_that_writes_a_read_only_column_is_refused(plugins):
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:ages"], r"kernel changed people.age, which is read-only")


@pytest.mark.parametrize("which", ["scaling", "cell"])
def test_a_kernel_that_writes_cells_or_levers_is_refused_before_the_run(plugins, which):
    name, _ = plugins
    refused = r"kernel writes to cells or levers, which are read-only"
    message = _refused([f"behaviour.plugin={name}:{which}"], refused)
    assert f"{name}:{which}" in message and "TypingError" not in message


def test_the_run_passes_cells_and_levers_read_only_too(plugins, monkeypatch):
    # past the check before the run, the kernel still cannot change migsim's arrays
    from migsim.model import plugins as plugin_loading

    monkeypatch.setattr(plugin_loading, "check_behaviour", lambda *args, **kwargs: None)
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:scaling"], r"'scaling .*kernel raised \w+ in 2014")


def test_a_kernel_that_moves_people_without_recording_it_is_refused(plugins):
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:silent"], r"kernel moved \d+ people and recorded 0 moves")


def test_a_kernel_that_leaves_a_status_against_the_location_is_refused(plugins):
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:abroad_native"], r"left someone abroad with status native")


def test_a_kernel_that_leaves_a_family_flag_other_than_0_or_1_is_refused(plugins):
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:family_seven"], r"kernel set people.family to 7 \(allowed")


def test_a_behaviour_with_a_kernel_and_a_term_is_refused(plugins):
    name, _ = plugins
    _refused([f"behaviour.plugin={name}:both"], r"has both a kernel and an individual_term")


def test_a_utility_gets_its_own_copies_of_the_context(plugins):
    """Halving the context's arrays in place changes nothing outside the call: the policy
    cost it sees is the same every year (a live array would halve year after year)."""
    import sys

    name, _ = plugins
    module = sys.modules[name]
    module.CALLS.clear()
    migsim.run([*BASE, "years=3", f"behaviour.plugin={name}:mutating"])
    assert len(module.CALLS) == 3
    assert module.CALLS[0] == pytest.approx(module.CALLS[-1])


@pytest.mark.parametrize(
    "kind, match",
    [
        ("nan_cost", r"left policy.policy_cost\[0, 1, 0\] = .*nan.* \(allowed: finite numbers\)"),
        ("big_share", r"left policy.temporary_share\[0, 0, 0\] = .*1.7.*\[0.0, 1.0\]"),
        ("shape", r"left policy.policy_cost as float64 of shape \(1, 1, 1\)"),
        ("raising", r"\('raising_\w+'\): raised KeyError: 'no such lever'"),
    ],
)
def test_a_component_that_raises_or_leaves_unusable_values_is_refused(plugins, kind, match):
    _, tag = plugins
    message = _refused([f"regime.add=[{{kind: {kind}_{tag}}}]"], match)
    assert message.startswith("regime.components[0]")


@pytest.mark.parametrize(
    "which, match",
    [
        ("raising_step", r"^step 'raising_step_\w+' in 2014: raised ValueError: step boom"),
        ("nan_step", r"wrote column 'nan_col_\w+' as a value that is not finite"),
        ("short_step", r"wrote column 'short_col_\w+' as float64 of shape \(2,\)"),
    ],
)
def test_a_step_that_raises_or_writes_unusable_columns_is_refused(plugins, which, match):
    _, tag = plugins
    _refused([f"steps=[education,migration,economy,{which}_{tag}]"], match)


def test_a_measure_that_raises_or_returns_the_wrong_table_is_refused(plugins, monkeypatch):
    from migsim.analysis import measures

    runs = [migsim.run(BASE), migsim.run([*BASE, "regime=free_mobility"])]
    bad = {
        "raises": lambda run: 1 / 0,
        "columns": lambda run: pl.DataFrame({"foo": [1.0]}),
        "none": lambda run: None,
        "text": lambda run: pl.DataFrame({"scope": ["world"], "value": ["high"]}),
        "twice": lambda run: pl.DataFrame({"scope": ["world", "world"], "value": [1.0, 2.0]}),
    }
    expected = {
        "raises": r"raised ZeroDivisionError",
        "columns": r"returned \['foo'\]",
        "none": r"returned NoneType",
        "text": r"returned a value that is not a number",
        "twice": r"returned a scope twice",
    }
    shipped = dict(measures.registered())
    for key, fn in bad.items():
        fn.__module__ = "mylab.measures"  # a plug-in's, not migsim's
        table = dict(shipped)
        table[f"bad_{key}"] = measures.Measure(f"bad_{key}", "x", "a bad measure", fn)
        monkeypatch.setattr(measures, "registered", lambda t=table: t)
        monkeypatch.setattr("migsim.analysis.compare.registered", lambda t=table: t)
        with pytest.raises(InputError, match=rf"^measure 'bad_{key}': {expected[key]}"):
            migsim.compare(runs)


def test_a_helper_module_of_a_plug_in_is_in_its_source_hash(tmp_path, monkeypatch):
    """The hash covers the plug-in's package, so changing a constant in a module the plug-in
    imports changes it (and a checkpoint is not resumed with the changed code)."""
    import importlib
    import sys

    from migsim.runtime.plugin_sources import describe

    root = tmp_path / "site"
    package = root / "hashlab_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("FACTOR = 1.0\n")
    (package / "beh.py").write_text(
        "from migsim.model.behaviour import Behaviour, default_utility\n"
        "from hashlab_pkg.helper import FACTOR\n\n"
        "def utility(ctx):\n    return default_utility(ctx) * FACTOR\n\n"
        "hb = Behaviour('hb', utility=utility)\n"
    )
    monkeypatch.syspath_prepend(str(root))
    try:
        module = importlib.import_module("hashlab_pkg.beh")
        before = describe("behaviour", "hb", [module.utility])["source_sha256"]
        run = migsim.run(
            [*BASE, "years=3", "checkpoint_every=1", "behaviour.plugin=hashlab_pkg.beh:hb"],
            out=tmp_path / "run",
        )
        assert run.manifest["plugins"][0]["source_sha256"] == before
        (package / "helper.py").write_text("FACTOR = 1.5\n")
        after = describe("behaviour", "hb", [module.utility])["source_sha256"]
        assert after != before
        with pytest.raises(InputError, match=r"was written with other code of the plug-in"):
            migsim.run([f"resume={tmp_path / 'run' / 'checkpoint-2014.npz'}"], out=tmp_path / "r")
    finally:
        for name in [m for m in sys.modules if m.startswith("hashlab_pkg")]:
            sys.modules.pop(name)
