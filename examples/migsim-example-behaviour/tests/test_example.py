"""Tests of the example plug-ins themselves (no simulation run needed).

Run with `python -m pytest` from examples/migsim-example-behaviour, with the package
installed (`pip install -e .`) in an environment that has migsim.
"""

from __future__ import annotations

import importlib.metadata
import itertools

import numpy as np
import pytest
from migsim.model.behaviour import Behaviour, check_behaviour

from migsim_example import behaviour as ex

NAMES = {"example_wealth_aversion", "example_home_bias", "example_frozen"}


def _term(wealth, aversion):
    """The term with the argument types the migsim kernel passes."""
    return ex.wealth_aversion_term(
        np.uint8(30),
        np.uint8(0),
        np.uint8(1),
        np.float32(wealth),
        1.0,
        np.uint8(0),
        np.uint16(0),
        np.array([aversion], dtype=np.float64),
    )


@pytest.mark.parametrize(
    "wealth, aversion, expected",
    [
        (0.0, 0.3, 0.0),
        (1e4, 0.3, -0.3 * np.log(2.0)),
        (9e4, 1.0, -np.log(10.0)),
        (5e4, 0.0, 0.0),
        (-500.0, 0.3, 0.0),  # negative wealth is treated as none
    ],
)
def test_wealth_aversion_term_values(wealth, aversion, expected):
    assert _term(wealth, aversion) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_wealth_aversion_term_is_decreasing_in_wealth():
    shifts = [_term(w, 0.3) for w in (0.0, 1e3, 1e4, 1e5, 1e6)]
    assert all(a > b for a, b in itertools.pairwise(shifts))
    # the jitted function and its Python source agree
    assert _term(2e4, 0.7) == pytest.approx(
        ex.wealth_aversion_term.py_func(30, 0, 1, 2e4, 1.0, 0, 0, np.array([0.7]))
    )


def test_entry_points_are_discoverable():
    eps = {ep.name: ep for ep in importlib.metadata.entry_points(group="migsim.behaviours")}
    assert NAMES <= set(eps)
    for name in NAMES:
        obj = eps[name].load()
        assert isinstance(obj, Behaviour)
        assert obj.name == name


def test_each_plugin_replaces_one_part():
    assert ex.wealth_aversion.individual_term is not None
    assert ex.wealth_aversion.utility is None and ex.wealth_aversion.kernel is None
    assert ex.home_bias.utility is not None
    assert ex.home_bias.individual_term is None and ex.home_bias.kernel is None
    assert ex.frozen.kernel is not None
    assert ex.frozen.utility is None and ex.frozen.individual_term is None


def test_plugins_pass_migsim_checks():
    for behaviour in (ex.wealth_aversion, ex.home_bias, ex.frozen):
        check_behaviour(behaviour, np.array([0.3]))


def test_frozen_kernel_counts_down_visas_and_moves_nobody():
    from migsim.kernels.bundles import sample_bundles

    people, cells, levers, tallies = sample_bundles()
    n = people.alive.shape[0]  # 4 rows: at home, temporary visa, expiring visa, irregular
    people.alive[:] = 1
    people.location[:] = [0, 1, 1, 1]
    people.status[:] = [0, 2, 2, 3]
    people.visa_years_left[:] = [0, 2, 1, 0]
    before = {k: v.copy() for k, v in people._asdict().items()}
    ex.frozen_decide(np.uint64(7), 2014, n, people, cells, levers, tallies, np.zeros(1))
    assert people.visa_years_left.tolist() == [0, 1, 0, 0]
    for name, column in people._asdict().items():
        if name != "visa_years_left":
            assert np.array_equal(column, before[name]), name
    assert not tallies.n_moves.any()  # no move recorded
    assert not tallies.blocked.any() and not tallies.intra.any()


def test_engine_lists_and_loads_them():
    from migsim.model.behaviour import available, load_behaviour

    assert NAMES <= set(available())
    conf = {"plugin": "example_home_bias", "params": {"home_bias": 0.5}}

    class Conf(dict):
        __getattr__ = dict.__getitem__

    assert load_behaviour(Conf(conf)) is ex.home_bias


def test_home_bias_raises_stay_utility_only():
    from migsim.model.behaviour import CellContext, default_utility

    R, B = 3, 9
    rng = np.random.default_rng(0)
    ctx = CellContext(
        income=rng.uniform(1e3, 5e4, (R, R, 2)),
        corridor_constant=rng.normal(-5, 1, (R, R, 2, 2)),
        policy_cost=np.zeros((R, R, 2)),
        network=np.zeros((R, R, 2)),
        age_shift=np.zeros(B),
        income_elasticity=0.7,
        nest_dissimilarity=0.6,
        year=2014,
        params={"home_bias": 0.8},
    )
    base, V = default_utility(ctx), ex.home_bias_utility(ctx)
    diff = V - base
    for o in range(R):
        assert np.allclose(diff[o, ..., o], 0.8)
        diff[o, ..., o] = 0.0
    assert not diff.any()


def test_search_path_plugin_is_found_and_configs_are_shipped():
    from importlib.resources import files

    from hydra.core.plugins import Plugins
    from hydra.plugins.search_path_plugin import SearchPathPlugin

    found = [p.__name__ for p in Plugins.instance().discover(SearchPathPlugin)]
    assert "MigsimExampleSearchPathPlugin" in found
    conf = files("migsim_example.conf") / "behaviour"
    for name in NAMES:
        text = (conf / f"{name}.yaml").read_text()
        assert f"plugin: {name}" in text and "base_behaviour" in text
