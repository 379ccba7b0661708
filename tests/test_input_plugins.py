"""Bad input from behaviour plug-ins: undeclared or out-of-range parameters, a plug-in that
raises or returns something unusable during the run, and region groups inside regime lists.
Each ends with one line naming the plug-in or field (an InputError, exit code 2 from the
command line) and leaves no run directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.model.behaviour import available, load_behaviour
from tests._support import importable_module

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE = ("world=toy", "population.size=20000", "years=2", "progress=false")

PLUGIN_MODULE = """
from dataclasses import dataclass

import numba
import numpy as np

from migsim.core.params import param
from migsim.model.behaviour import Behaviour, default_utility

SEEN = []


@dataclass
class Settings:
    rate: float = param(0.25, range=(0.0, 1.0), doc="a share")
    count: int = param(3, range=(1, 10), doc="a whole number")
    mode: str = param("fast", choices=("fast", "slow"), doc="a choice")
    strict: bool = param(False, doc="a switch")


def seeing_utility(ctx):
    SEEN.append(dict(ctx.params))
    return default_utility(ctx)


declared = Behaviour("tmp_declared", utility=seeing_utility, params=Settings)
undeclared = Behaviour("tmp_undeclared", utility=default_utility)
dict_params = Behaviour("tmp_dict_params", utility=default_utility, params={"rate": 0.1})


def raising_utility(ctx):
    if ctx.year > 2013:
        raise ZeroDivisionError("no utility after 2013")
    return default_utility(ctx)


raising = Behaviour("tmp_raising", utility=raising_utility)


@numba.njit
def raising_term_fn(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    if age == 40:
        raise ValueError("nobody aged 40, please")
    return 0.0


raising_term = Behaviour("tmp_raising_term", individual_term=raising_term_fn)


@numba.njit
def raising_kernel_fn(key, year, n, people, cells, levers, tallies, params):
    if n > 0:
        raise ValueError("kernel gave up")


raising_kernel = Behaviour("tmp_raising_kernel", kernel=raising_kernel_fn)


@numba.njit
def uncompilable_fn(key, year, n, people, cells, levers, tallies, params):
    people.location[0] = "abroad"


uncompilable = Behaviour("tmp_uncompilable", kernel=uncompilable_fn)


@numba.njit
def off_map_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        people.location[i] = 250


off_map = Behaviour("tmp_off_map", kernel=off_map_fn)


@numba.njit
def bad_status_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        people.status[i] = 9


bad_status = Behaviour("tmp_bad_status", kernel=bad_status_fn)


@numba.njit
def negative_count_fn(key, year, n, people, cells, levers, tallies, params):
    if n > 0:
        tallies.n_moves[0] -= 5


negative_count = Behaviour("tmp_negative_count", kernel=negative_count_fn)


@numba.njit
def nan_wealth_fn(key, year, n, people, cells, levers, tallies, params):
    for i in range(n):
        people.wealth[i] = np.nan


nan_wealth = Behaviour("tmp_nan_wealth", kernel=nan_wealth_fn)
"""


@pytest.fixture
def plugin_module(tmp_path, monkeypatch) -> str:
    """Name of a fresh importable module holding the plug-ins above (unique per test)."""
    yield from importable_module(tmp_path, monkeypatch, PLUGIN_MODULE, "migsim_test_input_plugins")


def _load(plugin: str, *params: str):
    return load_behaviour(migsim.compose([*BASE, f"behaviour.plugin={plugin}", *params]).behaviour)


def _refused(plugin: str, *params: str) -> str:
    with pytest.raises(InputError) as info:
        _load(plugin, *params)
    message = str(info.value)
    assert "\n" not in message
    return message


def _run_refused(plugin: str, run_dir: Path) -> str:
    from migsim.runtime.app import run_simulation

    cfg = migsim.compose([*BASE, f"behaviour.plugin={plugin}"])
    with pytest.raises(InputError) as info:
        run_simulation(cfg, run_dir)
    message = str(info.value)
    assert "\n" not in message
    assert not list(run_dir.glob("*")), list(run_dir.glob("*"))  # nothing left in the run dir
    return message


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*sys.path]))
    return subprocess.run(
        [sys.executable, "-m", "migsim", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


# --- 1. declared parameters ------------------------------------------------------------------


def test_unknown_parameter_is_refused_with_the_declared_ones(plugin_module):
    message = _refused(f"{plugin_module}:declared", "+behaviour.params.rat=0.5")
    assert message.startswith("behaviour.params.rat: is not a parameter of behaviour")
    assert "did you mean behaviour.params.rate?" in message
    assert "(allowed: rate, count, mode, strict)" in message


def test_parameter_without_plus_is_checked_the_same_way(plugin_module):
    """Without `+`, Hydra alone would refuse a name the config lacks without naming the
    declared ones: migsim sets the key and the declaration decides."""
    message = _refused(f"{plugin_module}:declared", "behaviour.params.rat=0.5")
    assert "did you mean behaviour.params.rate?" in message
    assert "(allowed: rate, count, mode, strict)" in message
    assert _load(f"{plugin_module}:declared", "behaviour.params.rate=0.5").name.startswith("tmp_")
    with pytest.raises(InputError, match=r"behaviour\.params\.rate: 2\.0 is out of range"):
        load_behaviour(
            migsim.compose(
                {"behaviour": {"plugin": f"{plugin_module}:declared", "params": {"rate": 2.0}}}
            ).behaviour
        )


@pytest.mark.parametrize(
    "override, needles",
    [
        ("rate=1.5", ("behaviour.params.rate", "1.5 is out of range", "0.0 to 1.0")),
        ("rate=nan", ("behaviour.params.rate", "nan is not a number", "0.0 to 1.0")),
        ("rate=abc", ("behaviour.params.rate", "'abc' is not a number", "0.0 to 1.0")),
        ("rate=true", ("behaviour.params.rate", "True is not a number", "0.0 to 1.0")),
        ("count=2.5", ("behaviour.params.count", "2.5 is not a whole number", "1 to 10")),
        ("count=11", ("behaviour.params.count", "11 is out of range", "1 to 10")),
        ("mode=medium", ("behaviour.params.mode", "'medium'", "fast, slow")),
        ("strict=3", ("behaviour.params.strict", "3 is not true or false")),
    ],
)
def test_declared_parameter_out_of_range_or_of_the_wrong_type_is_refused(
    plugin_module, override, needles
):
    message = _refused(f"{plugin_module}:declared", f"+behaviour.params.{override}")
    for needle in needles:
        assert needle in message, (needle, message)


def test_plugin_receives_checked_values_with_defaults(plugin_module, tmp_path):
    from migsim.model.plugin_params import params_array, plugin_params

    behaviour = _load(f"{plugin_module}:declared", "+behaviour.params.count=7")
    conf = migsim.compose([*BASE, "+behaviour.params.count=7", "+behaviour.params.mode=slow"])
    values = plugin_params(behaviour, conf.behaviour)
    assert values == {"rate": 0.25, "count": 7, "mode": "slow", "strict": False}
    # an individual term or kernel: declared order, a choice as its index, a bool as 0/1
    assert params_array(behaviour, values).tolist() == [0.25, 7.0, 1.0, 0.0]
    migsim.run([*BASE, "years=1", f"behaviour.plugin={plugin_module}:declared"])
    seen = sys.modules[plugin_module].SEEN
    assert seen and seen[0] == {"rate": 0.25, "count": 3, "mode": "fast", "strict": False}


def test_plugin_declaring_nothing_refuses_every_parameter(plugin_module):
    message = _refused(f"{plugin_module}:undeclared", "+behaviour.params.rate=0.5")
    assert "behaviour.params.rate" in message
    assert "none: this behaviour declares no parameters" in message
    assert "nested_logit" in _refused("nested_logit", "+behaviour.params.rate=0.5")


def test_params_that_are_not_a_dataclass_are_refused(plugin_module):
    message = _refused(f"{plugin_module}:dict_params")
    assert "tmp_dict_params" in message and "params is a dict, not a dataclass" in message


@pytest.mark.skipif(
    "example_wealth_aversion" not in available(), reason="the example package is not installed"
)
def test_example_parameter_without_plus_is_checked_and_listed(capsys):
    from migsim.cli import main

    cfg = ["behaviour=example_wealth_aversion", "behaviour.params.aversion=-1"]
    with pytest.raises(InputError, match=r"behaviour\.params\.aversion: -1.0 is out of range"):
        load_behaviour(migsim.compose([*BASE, *cfg]).behaviour)
    with pytest.raises(InputError, match=r"did you mean behaviour\.params\.aversion"):
        load_behaviour(
            migsim.compose(
                [*BASE, "behaviour=example_wealth_aversion", "+behaviour.params.avers=1"]
            ).behaviour
        )
    with pytest.raises(SystemExit) as exit_info:
        main(["behaviours"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "behaviour.params.aversion  float  default 0.3  allowed 0.0 to 10.0" in out
    assert "behaviour.params.home_bias" in out


# --- 2. plug-ins failing during the run ------------------------------------------------------


def test_utility_raising_during_the_run_names_plugin_year_and_exception(plugin_module, tmp_path):
    message = _run_refused(f"{plugin_module}:raising", tmp_path / "run")
    assert message == (
        f"behaviour plug-in 'tmp_raising ({plugin_module}:raising)': utility raised "
        "ZeroDivisionError in 2014: no utility after 2013"
    )


def test_kernel_raising_during_the_run_names_plugin_year_and_exception(plugin_module, tmp_path):
    message = _run_refused(f"{plugin_module}:raising_kernel", tmp_path / "run")
    assert "tmp_raising_kernel" in message and f"{plugin_module}:raising_kernel" in message
    assert "kernel raised ValueError in 2014: kernel gave up" in message


@pytest.mark.slow
def test_individual_term_raising_inside_the_parallel_kernel(plugin_module, tmp_path):
    message = _run_refused(f"{plugin_module}:raising_term", tmp_path / "run")
    assert "tmp_raising_term" in message
    assert "individual_term raised ValueError in 2014: nobody aged 40, please" in message


def test_kernel_that_does_not_compile_gives_numbas_first_line(plugin_module):
    message = _refused(f"{plugin_module}:uncompilable")
    assert "tmp_uncompilable" in message and "kernel fails on migsim's bundles" in message
    assert "TypingError" in message and "Traceback" not in message


@pytest.mark.parametrize(
    "attr, needle",
    [
        ("off_map", "kernel set people.location to 250 (allowed: 0 to 2)"),
        ("bad_status", "kernel set people.status to 9 (allowed: 0 to 4"),
        ("negative_count", "kernel left negative counts in tallies.n_moves"),
        ("nan_wealth", "kernel set people.wealth to NaN or infinity"),
    ],
)
def test_kernel_output_migsim_cannot_use_is_refused(plugin_module, tmp_path, attr, needle):
    message = _run_refused(f"{plugin_module}:{attr}", tmp_path / "run")
    assert f"behaviour plug-in 'tmp_{attr} ({plugin_module}:{attr})': in 2014: " in message
    assert needle in message


def test_cli_plugin_raising_exits_2_with_one_line_and_no_run_directory(plugin_module, tmp_path):
    run_dir = tmp_path / "run"
    proc = _cli(
        *BASE,
        f"behaviour.plugin={plugin_module}:raising",
        f"hydra.run.dir={run_dir}",
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "tmp_raising" in lines[0] and "ZeroDivisionError in 2014" in lines[0]
    assert not run_dir.exists()


# --- 3. region groups inside lists -----------------------------------------------------------


def test_region_groups_are_accepted_inside_a_list():
    from migsim.core.world import load_world
    from migsim.regimes import region_mask

    world = load_world("default")
    developed = np.asarray(world.developed, dtype=bool)
    other = world.codes[int(np.flatnonzero(~developed)[0])]
    mask = region_mask(world, {"destinations": ["developed", other]}, "destinations", "r")
    expected = developed.copy()
    expected[world.index(other)] = True
    assert mask.tolist() == expected.tolist()
    assert region_mask(world, {"d": ["developing", "developed"]}, "d", "r").all()
    assert region_mask(world, {"d": ["all"]}, "d", "r").all()
    with pytest.raises(InputError) as info:
        region_mask(world, {"d": ["developed", "Mars"]}, "d", "regime.add[0]")
    assert str(info.value).startswith("regime.add[0].d: unknown region 'Mars' (allowed: ")
    assert str(info.value).endswith(", developed, developing, all)")


def test_a_regime_with_groups_in_a_list_runs(tmp_path):
    result = migsim.run(
        [
            *BASE,
            "years=1",
            "regime.add=[{kind: temporary_quota, share: 0.03, destinations: [developed]}]",
        ]
    )
    assert result.summary["migrants"] > 0
