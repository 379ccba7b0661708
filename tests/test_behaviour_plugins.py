"""Behaviour plug-ins: the example package, dotted paths, checks of plug-in output, CLI errors.

Runs are small (toy world, 20k agents, 3 years). Comparisons with the default model use the
same seed: draws are a pure function of (seed, person id, year, stream), so a plug-in that
lowers everyone's probability of moving can only lower the number of moves from home.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from migsim.core.errors import InputError
from migsim.model.behaviour import available, load_behaviour
from tests._support import importable_module

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE = ("world=toy", "population.size=20000", "years=3", "progress=false")
EXAMPLES = ("example_wealth_aversion", "example_home_bias", "example_frozen")


def _example_installed() -> bool:
    return set(EXAMPLES) <= set(available())


needs_example = pytest.mark.skipif(
    not _example_installed(),
    reason="the example plug-in package is not installed: run "
    "`.venv/bin/pip install -e examples/migsim-example-behaviour` (make does this)",
)

# A plug-in module written into tmp_path and imported by dotted path.
PLUGIN_MODULE = """
from dataclasses import dataclass

import numba
import numpy as np

from migsim.core.params import param
from migsim.kernels.bundles import add_move
from migsim.model.behaviour import Behaviour, default_utility


@dataclass
class ShiftParams:
    shift: float = param(0.0, range=(-5.0, 5.0), doc="log-odds shift: young up, others down")


@numba.njit
def young_term(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    return params[0] if age < 35 else -params[0]


def tilted_utility(ctx):
    V = default_utility(ctx)
    V[..., 0] += 0.2  # every destination 0 a little more attractive
    return V


good = Behaviour("tmp_good", utility=tilted_utility, individual_term=young_term, params=ShiftParams)


def nan_utility(ctx):
    V = default_utility(ctx)
    V[0, 0, 0, 0, 1] = np.nan
    return V


def factory():
    return Behaviour("tmp_factory", utility=default_utility)


nan = Behaviour("tmp_nan", utility=nan_utility)
wrong_shape = Behaviour("tmp_wrong_shape", utility=lambda ctx: default_utility(ctx)[..., 1:])
as_list = Behaviour("tmp_list", utility=lambda ctx: default_utility(ctx).tolist())
as_text = Behaviour("tmp_text", utility=lambda ctx: default_utility(ctx).astype(str))
python_term = Behaviour("tmp_python_term", individual_term=lambda *args: 0.0)


@numba.njit
def broken_term_fn(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    return params.no_such_attribute


broken_term = Behaviour("tmp_broken_term", individual_term=broken_term_fn)


@numba.njit
def short_kernel_fn(key, year, n):
    pass


short_kernel = Behaviour("tmp_short_kernel", kernel=short_kernel_fn)


@numba.njit
def bad_field_kernel_fn(key, year, n, people, cells, levers, tallies, params):
    people.no_such_column[0] = 1


bad_field_kernel = Behaviour("tmp_bad_field_kernel", kernel=bad_field_kernel_fn)
not_a_behaviour = 42


@numba.njit
def sometimes_nan_fn(age, sex, skill, wealth, productivity, years_abroad, origin, params):
    return np.nan if age == 40 else 0.0


sometimes_nan = Behaviour("tmp_sometimes_nan", individual_term=sometimes_nan_fn)


@numba.njit
def greedy_kernel_fn(key, year, n, people, cells, levers, tallies, params):
    moves, n_moves, n_regions = tallies.moves, tallies.n_moves, tallies.n_regions
    n_chunks = moves.shape[0]
    chunk = (n + n_chunks - 1) // n_chunks
    for c in range(n_chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            add_move(moves, n_moves, n_regions, c, 0, 0, 1, 0)  # two moves per row
            add_move(moves, n_moves, n_regions, c, 0, 0, 1, 0)


greedy_kernel = Behaviour("tmp_greedy_kernel", kernel=greedy_kernel_fn)
"""


@pytest.fixture
def plugin_module(tmp_path, monkeypatch) -> str:
    """Name of a fresh importable module holding the plug-ins above (unique per test)."""
    yield from importable_module(tmp_path, monkeypatch, PLUGIN_MODULE, "migsim_test_plugins")


def _run(compose_cfg, run_dir: Path, *overrides: str):
    from migsim.runtime.app import run_simulation

    return run_simulation(compose_cfg(*BASE, *overrides), run_dir)


def _flows(run_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(run_dir / "flows.parquet")


def _moves_from_home(run_dir: Path) -> float:
    flows = _flows(run_dir)
    return float(flows.filter(pl.col("source") == pl.col("origin"))["people"].sum())


@pytest.fixture(scope="module")
def default_moves(compose_cfg, tmp_path_factory) -> float:
    run_dir = tmp_path_factory.mktemp("nested_logit") / "run"
    _run(compose_cfg, run_dir, "behaviour=nested_logit")
    moves = _moves_from_home(run_dir)
    assert moves > 0
    return moves


# --- the example package --------------------------------------------------------------------


@needs_example
@pytest.mark.parametrize(
    "overrides, expect",
    [
        (("behaviour=example_wealth_aversion", "behaviour.params.aversion=3.0"), "fewer"),
        (("behaviour=example_home_bias",), "fewer"),
        (("behaviour=example_frozen",), "none"),
    ],
    ids=["wealth_aversion", "home_bias", "frozen"],
)
def test_example_plugin_changes_moves(compose_cfg, tmp_path, default_moves, overrides, expect):
    cfg = compose_cfg(*BASE, *overrides)
    name = overrides[0].split("=", 1)[1]
    assert cfg.behaviour.plugin == name and cfg.behaviour.name == name
    run_dir = tmp_path / "run"
    _run(compose_cfg, run_dir, *overrides)
    moves = _moves_from_home(run_dir)
    if expect == "none":
        assert moves == 0
    else:
        assert 0 < moves < 0.95 * default_moves, (moves, default_moves)


@needs_example
def test_example_configs_set_their_params(compose_cfg):
    assert dict(compose_cfg(*BASE, "behaviour=example_wealth_aversion").behaviour.params) == {
        "aversion": 0.3
    }
    assert dict(compose_cfg(*BASE, "behaviour=example_home_bias").behaviour.params) == {
        "home_bias": 0.5
    }


@needs_example
def test_wealth_aversion_grows_with_its_parameter(compose_cfg, tmp_path):
    moves = []
    for aversion in (0.0, 1.0, 3.0):
        run_dir = tmp_path / f"a{aversion}"
        _run(
            compose_cfg,
            run_dir,
            "behaviour=example_wealth_aversion",
            f"behaviour.params.aversion={aversion}",
        )
        moves.append(_moves_from_home(run_dir))
    assert moves[0] > moves[1] > moves[2] > 0, moves


@needs_example
def test_wealth_aversion_zero_equals_default(compose_cfg, tmp_path, default_moves):
    run_dir = tmp_path / "run"
    _run(compose_cfg, run_dir, "behaviour=example_wealth_aversion", "behaviour.params.aversion=0.0")
    assert _moves_from_home(run_dir) == pytest.approx(default_moves, rel=1e-12)


# --- dotted paths and determinism ------------------------------------------------------------


def test_dotted_path_plugin_runs(compose_cfg, tmp_path, plugin_module, default_moves):
    run_dir = tmp_path / "run"
    _run(
        compose_cfg,
        run_dir,
        f"behaviour.plugin={plugin_module}:good",
        "+behaviour.params.shift=1.0",
    )
    moves = _moves_from_home(run_dir)
    assert moves > 0 and moves != default_moves


def test_factory_is_not_called(compose_cfg, plugin_module):
    cfg = compose_cfg(*BASE, f"behaviour.plugin={plugin_module}:factory")
    with pytest.raises(InputError, match="not a migsim Behaviour"):
        load_behaviour(cfg.behaviour)


def test_builtin_name_is_a_valid_plugin(compose_cfg):
    cfg = compose_cfg(*BASE, "behaviour.plugin=nested_logit")
    assert load_behaviour(cfg.behaviour).name == "nested_logit"


def test_plugin_run_is_deterministic(compose_cfg, tmp_path, plugin_module):
    overrides = (f"behaviour.plugin={plugin_module}:good", "+behaviour.params.shift=0.5", "seed=11")
    _run(compose_cfg, tmp_path / "a", *overrides)
    _run(compose_cfg, tmp_path / "b", *overrides)
    a, b = _flows(tmp_path / "a"), _flows(tmp_path / "b")
    assert a.height > 0
    assert a.equals(b)


# --- bad plug-ins: InputError naming the plug-in and the problem -----------------------------

BAD_UTILITIES = [
    ("nan", ("tmp_nan", "NaN")),
    ("sometimes_nan", ("tmp_sometimes_nan", "NaN or infinity")),
    ("wrong_shape", ("tmp_wrong_shape", "shape")),
    ("as_list", ("tmp_list", "list")),
    ("as_text", ("tmp_text", "dtype")),
    ("greedy_kernel", ("tmp_greedy_kernel", "beyond one per row")),
]


@pytest.mark.parametrize("attr, needles", BAD_UTILITIES, ids=[b[0] for b in BAD_UTILITIES])
def test_bad_utility_raises_input_error(compose_cfg, tmp_path, plugin_module, attr, needles):
    run_dir = tmp_path / "run"
    with pytest.raises(InputError) as info:
        _run(compose_cfg, run_dir, f"behaviour.plugin={plugin_module}:{attr}")
    message = str(info.value)
    assert "\n" not in message
    assert "behaviour plug-in" in message
    for needle in needles:
        assert needle in message, (needle, message)
    assert not list(run_dir.glob("*.parquet"))  # the aborted run left no table


BAD_PLUGINS = [
    ("python_term", ("tmp_python_term", "not numba-jitted")),
    ("broken_term", ("tmp_broken_term", "individual_term", "no_such_attribute")),
    ("short_kernel", ("tmp_short_kernel", "kernel takes 3 arguments")),
    ("bad_field_kernel", ("tmp_bad_field_kernel", "kernel fails", "no_such_column")),
    ("not_a_behaviour", ("not_a_behaviour", "int", "not a migsim Behaviour")),
    ("broken_term_fn", ("broken_term_fn", "numba function")),
    ("missing", ("missing", "cannot be imported")),
]


@pytest.mark.parametrize("attr, needles", BAD_PLUGINS, ids=[b[0] for b in BAD_PLUGINS])
def test_bad_plugin_fails_before_any_work(compose_cfg, tmp_path, plugin_module, attr, needles):
    run_dir = tmp_path / "run"
    with pytest.raises(InputError) as info:
        _run(compose_cfg, run_dir, f"behaviour.plugin={plugin_module}:{attr}")
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)
    assert not run_dir.exists()


def test_non_numeric_params_are_rejected(compose_cfg, plugin_module):
    cfg = compose_cfg(
        *BASE, f"behaviour.plugin={plugin_module}:good", "+behaviour.params.shift=abc"
    )
    with pytest.raises(InputError, match=r"behaviour\.params\.shift"):
        load_behaviour(cfg.behaviour)


def test_missing_module_names_the_plugin(compose_cfg):
    cfg = compose_cfg(*BASE, "behaviour.plugin=no_such_module_xyz:thing")
    with pytest.raises(InputError, match="no_such_module_xyz"):
        load_behaviour(cfg.behaviour)


# --- the command line: exit code 2 and one line on stderr ------------------------------------


def _cli(*args: str, run_dir: Path, pythonpath: Path | None = None):
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(pythonpath), *filter(None, [env.get("PYTHONPATH")])]
        )
    cmd = [
        sys.executable,
        "-m",
        "migsim.runtime.app",
        "world=toy",
        "population.size=5000",
        "years=1",
        "progress=false",
        *args,
        f"hydra.run.dir={run_dir}",
    ]
    return subprocess.run(
        cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _one_line(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize(
    "attr, needles",
    [
        ("nan", ("tmp_nan", "NaN")),
        ("wrong_shape", ("tmp_wrong_shape", "shape")),
        ("as_list", ("tmp_list", "list")),
    ],
    ids=["nan", "wrong_shape", "as_list"],
)
def test_cli_bad_utility_exits_2_with_one_line(tmp_path, plugin_module, attr, needles):
    folder = tmp_path / "plugins"
    proc = _cli(
        f"behaviour.plugin={plugin_module}:{attr}", run_dir=tmp_path / "run", pythonpath=folder
    )
    line = _one_line(proc, "migsim: error:", *needles)
    assert "Traceback" not in line
    assert not list((tmp_path / "run").glob("*.parquet"))


def test_cli_unknown_plugin_lists_available(tmp_path):
    proc = _cli("behaviour.plugin=no_such_behaviour", run_dir=tmp_path / "run")
    line = _one_line(proc, "no_such_behaviour", "nested_logit")
    for name in available():
        assert name in line


@needs_example
def test_cli_example_runs(tmp_path):
    proc = _cli("behaviour=example_frozen", run_dir=tmp_path / "run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "run" / "manifest.json").exists()
    flows = pl.read_parquet(tmp_path / "run" / "flows.parquet")
    assert float(flows.filter(pl.col("source") == pl.col("origin"))["people"].sum()) == 0


def test_term_params_follow_declaration_order():
    from dataclasses import dataclass

    from migsim.core.params import param
    from migsim.model.behaviour import Behaviour
    from migsim.model.plugin_params import params_array, plugin_params

    @dataclass
    class Two:
        b: float = param(0.0, range=(0.0, 9.0), doc="first")
        a: float = param(0.0, range=(0.0, 9.0), doc="second")

    two = Behaviour("two", params=Two)
    values = plugin_params(two, {"params": {"a": 1.5, "b": 2}})
    assert np.array_equal(params_array(two, values), [2.0, 1.5])
    assert np.array_equal(params_array(Behaviour("none"), {}), [0.0])
