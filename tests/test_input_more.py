"""More bad input, each one line naming what is wrong: a number given to an on/off switch, a
distance beyond any on Earth, a calibration that fails under changed behaviour parameters;
and the world's own base year and the agent floor for small origins."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import migsim
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.model import calibration
from migsim.people.population import FLOOR_AGENTS, SMALL_FLOOR_AGENTS, stratified_agents
from tests._support import edited_world


@pytest.mark.parametrize(
    "override", ["behaviour.migration=-1", "economy.enabled=2", "progress=0", "snapshot=yes"]
)
def test_a_switch_takes_only_true_or_false(override):
    with pytest.raises(InputError, match="is not true or false") as info:
        migsim.compose(["world=toy", override])
    assert override.split("=")[0] in str(info.value)
    migsim.compose(["world=toy", override.split("=")[0] + "=false"])


def test_a_switch_refused_from_the_command_line_exits_2(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "migsim", "run", "world=toy", "behaviour.migration=-1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "migsim: error: behaviour.migration: '-1' is not true or false (allowed: true, false)"
    ]
    assert not (tmp_path / "outputs").exists()


def test_a_distance_beyond_any_on_earth_is_refused(toy_world_dir, tmp_path):
    def huge(lines):
        cells = lines[1].split(",")
        cells[2] = "1e30"  # distance_km of the first corridor
        return [lines[0], ",".join(cells), *lines[2:]]

    world = edited_world(toy_world_dir, tmp_path, "bilateral.csv", huge)
    with pytest.raises(InputError, match="beyond any distance on Earth") as info:
        migsim.build_simulation(["world=toy", f"world.path={world}", "population.size=2000"])
    assert "bilateral.csv" in str(info.value)


def test_a_failed_calibration_names_the_changed_behaviour_parameters(monkeypatch):
    # every flow target asks twice the cell's people at home to leave, whatever the exit
    # rates: no flow can meet it (movers never exceed the people at home), so the
    # contraction climbs without end
    def impossible(target, cells, codes):
        home = cells.home.sum(axis=3)[:, None]  # o . s g
        return np.where(target > 0, 2.0 * np.maximum(home, 1.0), target), {}

    monkeypatch.setattr(calibration, "cap_infeasible_targets", impossible)
    with pytest.raises(InputError, match="did not converge") as info:
        migsim.build_simulation(
            ["world=toy", "population.size=2000", "behaviour.return_hazard_shape=2.0"]
        )
    assert "behaviour.return_hazard_shape=2.0" in str(info.value)


def test_the_base_year_follows_the_world():
    assert migsim.compose(["world=regions12"]).base_year == 2010
    assert migsim.compose(["world=corridors"]).base_year == 2010
    assert migsim.compose(["world=default"]).base_year == 2013
    with pytest.raises(InputError, match="base_year"):
        migsim.build_simulation(["world=regions12", "base_year=2013", "population.size=2000"])


def test_every_origin_of_50000_people_gets_at_least_300_agents():
    born = np.array([1e9, 5e8, 3e6, 60_000, 40_000, 1e5])
    for size in (2_000, 20_000, 300_000):
        agents = stratified_agents(size, born, 0.7)
        assert agents.sum() == size
        assert (agents[born >= 50_000] >= FLOOR_AGENTS).all()
        assert (agents >= SMALL_FLOOR_AGENTS).all()
    # a population too small for every floor keeps the plain split (at least one agent each)
    assert stratified_agents(1_000, born, 0.7).sum() == 1_000
    # where no floor binds, the split is unchanged
    plain = stratified_agents(10**6, born[:3], 0.7)
    assert plain.sum() == 10**6 and (plain > FLOOR_AGENTS).all()


def test_infeasible_flow_targets_are_capped_and_reported():
    """An up-front cost of a year's destination earnings (upfront_cost_months=12, within
    KNOMAD's 1-15) leaves so few of the toy world's poorest region able to pay that its
    flow targets ask 2-14 times its people at home to choose to leave (graduates worst,
    with the largest stocks abroad): their targets are scaled down, counted and named in
    the provenance, and the contraction converges."""
    conf = migsim.compose(["world=toy", "behaviour.upfront_cost_months=12"])
    cal = calibration.calibrate(load_world("toy"), conf.behaviour, conf.population)
    p = cal.provenance
    assert p["capped_cells"] >= 1 and p["capped_flow_dropped"] > 0
    assert p["capped_worst"][0].startswith("STH tertiary")
    assert p["max_log_gap"] < 1e-3
