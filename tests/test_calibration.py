"""Calibration of the status quo (engine/model/calibration.py; docs/model.md §4; issue 3).

The calibration is computed from the world tables' expected cell populations (no agents),
so it is fast and exact: these tests call it directly.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from migsim.config import PopulationConf
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.model.behaviour import CALIBRATION_FIELDS, BehaviourConf
from migsim.model.calibration import (
    CALIBRATION_FILE,
    base_cells,
    base_wages,
    calibrate,
    desired_extra,
    load_calibration,
    model_flows,
    provenance_key,
    write_calibration,
)
from migsim.regimes import bloc_matrix

DATA = Path(__file__).resolve().parent.parent / "engine" / "data"
WORLDS = ("default", "toy")


@pytest.fixture(scope="module")
def world():
    return load_world("default")


@pytest.fixture(scope="module")
def fresh(world):
    return calibrate(world, BehaviourConf(), PopulationConf())


@pytest.fixture
def world_copy(tmp_path):
    """A copy of the default world directory (with its calibration.json)."""
    target = tmp_path / "world"
    shutil.copytree(DATA / "default", target)
    return target


# ------------------------------------------------------------------ the solution


def test_calibration_reproduces_its_flow_targets(world, fresh):
    conf, pop_conf = BehaviourConf(), PopulationConf()
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, pop_conf)
    # model_flows takes constants net of policy: xi = xi_inc - c_pol
    xi = fresh.corridor_constant - fresh.policy_cost[:, :, :, None]
    flows = model_flows(world, conf, cells, wages, xi)
    R = world.n_regions
    off = ~np.eye(R, dtype=bool)[:, :, None, None] & (fresh.target_flow > 0)
    assert off.sum() == R * (R - 1) * 4  # every corridor, skill and sex has a target
    gap = np.abs(np.log(flows[off]) - np.log(fresh.target_flow[off])).max()
    assert gap < 1e-5, gap
    assert fresh.provenance["max_log_gap"] < 1e-5
    np.testing.assert_allclose(flows[~off], 0.0, atol=1e-6)  # no flow to one's own region


def test_flow_targets_keep_stocks_growing_at_the_recent_pace(world, fresh):
    # targets = stock x ((1 - onward) x exit + growth): a positive, modest share of the stock
    stock = world.migrant_stock.sum()
    total = fresh.target_flow.sum()
    assert 0.016 * stock < total < 0.15 * stock, total / stock
    # DMS's ~400M would-be movers as a share (5.6%) of the 2013 world population
    assert fresh.provenance["desired_extra_migrants"] == pytest.approx(
        0.056 * world.population.sum(), rel=1e-6
    )


def _split_inputs(world, conf, cal):
    wages = base_wages(world)
    cells = base_cells(world, conf, wages, PopulationConf())
    return wages, cells, cal.corridor_constant - cal.policy_cost[:, :, :, None]


def test_policy_split_reaches_its_targets_by_the_models_own_response(world, fresh):
    """Removing every policy cost adds 5.6% of world population (DMS's ~400M) to the stocks,
    split as would-be migrants' desired destinations, measured by the decision model's own
    change in yearly flows (desired_extra), destination by destination."""
    conf = BehaviourConf()
    wages, cells, xi_sq = _split_inputs(world, conf, fresh)
    extra = desired_extra(world, conf, cells, wages, xi_sq, fresh.corridor_constant)
    targets = 0.056 * world.population.sum() * world.desired_share
    np.testing.assert_allclose(extra.sum(axis=(0, 2)), targets, rtol=1e-6)
    assert fresh.provenance["split_gap"] < 1e-6
    # some flows are diverted between destinations by the nest (negative entries)
    assert extra.min() < 0.0


@pytest.mark.parametrize("rho", [1.0, 0.6])
def test_small_cuts_respond_as_the_nested_logit_says(world, rho):
    """The response desired_extra measures, against the closed forms for a small cut delta
    and small probabilities: a cut to every destination raises each corridor's stock by
    exp(delta) - 1 whatever the nest (the inclusive value rises by delta / rho, P(move) by rho
    times that), and a cut to one destination that takes a small share of each origin's
    movers (GCC from the rich origins) by exp(delta / rho) - 1, DMS's exp(delta) - 1 only
    under the logit. The rich origins are checked, where these hold; from liquidity-
    constrained origins the unconstrained P(move) behind their flows is large (SSA's response
    to a cut everywhere is about 7% below exp(delta) - 1), and a destination with a large
    share of an origin's movers responds less than 1/rho (the inclusive value takes part)."""
    conf = BehaviourConf(nest_dissimilarity=rho)
    cal = calibrate(world, conf, PopulationConf())
    wages, cells, xi_sq = _split_inputs(world, conf, cal)
    S = cells.stock.sum(axis=3).sum(axis=2)  # o d
    delta = 0.01
    rich = [world.index(c) for c in ("NAM", "WEU", "JPN", "OCE")]
    every = desired_extra(world, conf, cells, wages, xi_sq, xi_sq + delta).sum(axis=2)
    for o in rich:
        d = [k for k in range(world.n_regions) if k != o]
        got = every[o, d].sum() / S[o, d].sum()
        assert got == pytest.approx(np.expm1(delta), rel=0.01), world.codes[o]
    gcc = world.index("GCC")
    one = xi_sq.copy()
    one[:, gcc] += delta
    alone = desired_extra(world, conf, cells, wages, xi_sq, one).sum(axis=2)[:, gcc]
    for o in rich:
        got = alone[o] / S[o, gcc]
        assert got == pytest.approx(np.expm1(delta / rho), rel=0.03), world.codes[o]


def test_policy_costs_are_nonnegative_and_zero_inside_the_eu_bloc(world, fresh):
    c = fresh.policy_cost
    R = world.n_regions
    assert c.shape == (R, R, 2) and np.isfinite(c).all()
    assert (c >= 0).all()
    weu, eeu = world.index("WEU"), world.index("EEU")
    assert (c[weu, eeu] == 0).all() and (c[eeu, weu] == 0).all()
    assert (c[bloc_matrix(world)] == 0).all()
    assert (c[np.arange(R), np.arange(R)] == 0).all()
    assert (c > 0).any()  # the status quo is restrictive somewhere
    # the poorest origin's non-tertiary workers face a barrier to the richest destination,
    # and barriers are higher for non-tertiary than tertiary workers on average (selective
    # admission policies)
    ssa, nam = world.index("SSA"), world.index("NAM")
    assert c[ssa, nam, 0] > 0
    assert c[..., 0].mean() > c[..., 1].mean()


def test_calibration_does_not_depend_on_agents_or_seed(world, fresh):
    again = calibrate(world, BehaviourConf(), PopulationConf(size=1234))
    np.testing.assert_array_equal(again.corridor_constant, fresh.corridor_constant)
    np.testing.assert_array_equal(again.policy_cost, fresh.policy_cost)


# ------------------------------------------------------------------ provenance


def test_provenance_key_follows_every_calibration_parameter(world):
    pop_conf = PopulationConf()
    base = provenance_key(world, BehaviourConf(), pop_conf)
    assert base == provenance_key(world, BehaviourConf(), pop_conf)  # deterministic
    defaults = BehaviourConf()
    for name in CALIBRATION_FIELDS:
        value = getattr(defaults, name)
        if isinstance(value, str):  # a choice: another allowed value
            changed = "gravity" if value != "gravity" else "income_gap"
        elif isinstance(value, list):
            changed = [v * 1.1 for v in value]
        else:
            changed = value * 1.1 + 0.01
        conf = dataclasses.replace(defaults, **{name: changed})
        assert provenance_key(world, conf, pop_conf) != base, name
    for name in ("wealth_sigma", "wealth_to_income"):
        conf = dataclasses.replace(pop_conf, **{name: getattr(pop_conf, name) * 1.1})
        assert provenance_key(world, BehaviourConf(), conf) != base, name
    # parameters the calibration does not use leave it valid
    assert provenance_key(world, BehaviourConf(network_elasticity_low=0.7), pop_conf) == base
    assert provenance_key(world, BehaviourConf(), PopulationConf(size=10)) == base


def test_provenance_key_ignores_the_last_bits_of_computed_tables(world):
    """The natives' tertiary share by age is computed when the world loads; where NumPy was
    imported before migsim on a CPU with AVX-512 its loops round differently in the last
    bits. The key hashes it rounded, so the stored calibration is still found (it was
    missed, and a history world silently calibrated afresh without its fit), while a real
    change of the table still changes the key."""
    import copy

    profile = world.tertiary_age_profile
    assert profile is not None and (profile != 1.0).any()
    base = provenance_key(world, BehaviourConf(), PopulationConf())
    nudged = copy.copy(world)
    nudged.tertiary_age_profile = np.nextafter(profile, np.inf)  # one ulp up, everywhere
    assert provenance_key(nudged, BehaviourConf(), PopulationConf()) == base
    nudged.tertiary_age_profile = profile * 1.001
    assert provenance_key(nudged, BehaviourConf(), PopulationConf()) != base


def test_stored_calibrations_are_found_whatever_the_import_order():
    """A notebook that imports NumPy before migsim still runs on the stored calibrations
    (every shipped world's key is the same either way)."""
    code = (
        "import numpy, warnings; warnings.simplefilter('ignore'); import migsim\n"
        "from migsim.config import PopulationConf\n"
        "from migsim.core.world import load_world\n"
        "from migsim.model.behaviour import BehaviourConf\n"
        "from migsim.model.calibration import load_calibration\n"
        "for name in ('default', 'regions12', 'corridors'):\n"
        "    cal = load_calibration(load_world(name), BehaviourConf(), PopulationConf())\n"
        "    print(name, cal.provenance['source'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == [
        *("default", "stored", "regions12", "stored", "corridors", "stored")
    ]


def test_provenance_key_follows_the_world_tables(world, world_copy):
    base = provenance_key(world, BehaviourConf(), PopulationConf())
    path = world_copy / "regions.csv"
    path.write_text(path.read_text().replace("51900", "52000"))
    edited = load_world("default", world_copy)
    assert provenance_key(edited, BehaviourConf(), PopulationConf()) != base
    # the stored calibration no longer applies: the edited world is calibrated afresh
    cal = load_calibration(edited, BehaviourConf(), PopulationConf())
    assert cal.provenance["source"] == "computed"
    assert cal.provenance["key"] == provenance_key(edited, BehaviourConf(), PopulationConf())
    stored = load_calibration(world, BehaviourConf(), PopulationConf())
    assert stored.provenance["source"] == "stored"
    assert not np.array_equal(cal.corridor_constant, stored.corridor_constant)


def test_other_parameters_are_calibrated_afresh_without_touching_the_world(world_copy):
    """A sensitivity run (here the multinomial logit, rho = 1) gets its own calibration in
    memory: the same arrays `calibrate` gives, and the stored file is left as it was."""
    world = load_world("default", world_copy)
    before = (world_copy / CALIBRATION_FILE).read_bytes()
    conf = BehaviourConf(nest_dissimilarity=1.0)
    cal = load_calibration(world, conf, PopulationConf())
    assert cal.provenance["source"] == "computed"
    assert cal.provenance["key"] == provenance_key(world, conf, PopulationConf())
    direct = calibrate(world, conf, PopulationConf())
    np.testing.assert_array_equal(cal.corridor_constant, direct.corridor_constant)
    np.testing.assert_array_equal(cal.policy_cost, direct.policy_cost)
    assert (world_copy / CALIBRATION_FILE).read_bytes() == before
    # the MNL's constants differ from the nested logit's: it is a calibration of its own
    stored = load_calibration(world, BehaviourConf(), PopulationConf())
    assert stored.provenance["source"] == "stored"
    assert np.abs(cal.corridor_constant - stored.corridor_constant).max() > 0.1


def test_world_without_calibration_is_calibrated_afresh(world_copy, fresh):
    (world_copy / CALIBRATION_FILE).unlink()
    world = load_world("default", world_copy)
    cal = load_calibration(world, BehaviourConf(), PopulationConf())
    assert cal.provenance["source"] == "computed"
    np.testing.assert_array_equal(cal.corridor_constant, fresh.corridor_constant)
    assert not (world_copy / CALIBRATION_FILE).exists()  # nothing written


def test_broken_calibration_file_is_reported(world_copy):
    (world_copy / CALIBRATION_FILE).write_text("{not json")
    world = load_world("default", world_copy)
    with pytest.raises(InputError, match="not a valid calibration") as err:
        load_calibration(world, BehaviourConf(), PopulationConf())
    assert "migsim calibrate" in str(err.value)  # says how to fix it
    assert "\n" not in str(err.value)


def test_broken_calibration_hint_is_a_command_that_mends_it(tmp_path):
    """A world of the user's own (`world.path`) is named by its directory and base year in
    the suggested command (its directory's name is no world config), and that command
    writes a calibration the run then reads; a shipped world is named by `world=NAME`."""
    import re
    import shlex

    from migsim.cli import main
    from migsim.core.resources import world_overrides

    assert world_overrides(load_world("toy")) == "world=toy"
    target = tmp_path / "my world"
    shutil.copytree(DATA / "toy", target)
    (target / "base_year.txt").write_text("2010\n")
    (target / CALIBRATION_FILE).write_text("{not json")
    world = load_world("toy", target)
    with pytest.raises(InputError, match="not a valid calibration") as err:
        load_calibration(world, BehaviourConf(), PopulationConf())
    command = re.search(r"rerun `migsim calibrate ([^`]*)`", str(err.value)).group(1)
    args = shlex.split(command)
    assert args == [f"world.path={target.resolve()}", "world.base_year=2010"]
    with pytest.raises(SystemExit) as done:
        main(["calibrate", *args])
    assert done.value.code in (0, None)
    cal = load_calibration(load_world("toy", target), BehaviourConf(), PopulationConf())
    assert cal.provenance["source"] == "stored"


def test_written_calibration_loads_back_identically(world_copy):
    world = load_world("default", world_copy)
    conf = BehaviourConf(income_elasticity=0.8)
    cal = calibrate(world, conf, PopulationConf())
    write_calibration(cal, world)
    back = load_calibration(world, conf, PopulationConf())
    assert back.provenance.pop("source") == "stored"
    assert back.provenance.pop("path").endswith("calibration.json")  # where it was read from
    np.testing.assert_array_equal(back.corridor_constant, cal.corridor_constant)
    np.testing.assert_array_equal(back.policy_cost, cal.policy_cost)
    assert back.provenance == json.loads(json.dumps(cal.provenance))
    # the default parameters now differ from the stored ones: calibrated afresh
    assert load_calibration(world, BehaviourConf(), PopulationConf()).provenance["source"] == (
        "computed"
    )


# ------------------------------------------------------------------ shipped files


@pytest.mark.parametrize("name", WORLDS)
def test_shipped_calibration_is_fresh(name):
    """Guards against committing a stale calibration.json (rerun `migsim calibrate`)."""
    world = load_world(name)
    cal = load_calibration(world, BehaviourConf(), PopulationConf())
    assert cal.codes == world.codes
    assert cal.provenance["world"] == name


@pytest.mark.parametrize("name", WORLDS)
def test_shipped_calibration_matches_a_fresh_one(name):
    """Same key is not enough: a change of calibrate.py itself must be re-run too."""
    world = load_world(name)
    stored = load_calibration(world, BehaviourConf(), PopulationConf())
    fresh = calibrate(world, BehaviourConf(), PopulationConf())
    for field in ("corridor_constant", "policy_cost", "intra_rate", "intra_return", "target_flow"):
        np.testing.assert_allclose(
            getattr(stored, field),
            getattr(fresh, field),
            rtol=1e-9,
            atol=1e-9,
            err_msg=f"{name}: {field}",
        )


@pytest.mark.parametrize("need,capped", [(0.9, False), (0.97, True), (1.5, True)])
def test_cells_that_must_send_nearly_all_payers_are_capped(need, capped):
    """A cell whose targets need `need` of the people at home able to pay is scaled to half
    from TARGET_CAP_FROM (0.95) on, not only above 1: just below 1 the contraction closes
    the gap by 1 - rho (1 - P(move)) a step and never converges."""
    from migsim.model.cells import TARGET_CAP_FROM, BaseCells, cap_infeasible_targets

    R, B = 2, 9
    home = np.full((R, 2, 2, B), 100.0)
    feasible = np.full((R, 2, 2, B, R), 0.5)  # half of each cell can pay
    target = np.zeros((R, R, 2, 2))
    target[0, 1, 1, 0] = need * 0.5 * home[0, 1, 0].sum()  # origin 0's tertiary women
    cells = BaseCells(home, np.zeros((R, R, 2, 2)), np.zeros((R, R, 2, 2)), feasible)
    out, report = cap_infeasible_targets(target, cells, ["A", "B"])
    assert TARGET_CAP_FROM == 0.95
    assert report["capped_cells"] == int(capped)
    expected = 0.5 / need * target[0, 1, 1, 0] if capped else target[0, 1, 1, 0]
    assert out[0, 1, 1, 0] == pytest.approx(expected)
