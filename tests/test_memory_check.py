"""The memory check before a run: its estimate follows what a run allocates, and it compares
it with the smallest limit this process is under (MemAvailable, the cgroup, ulimit -v)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from migsim.core.errors import InputError
from migsim.people.population import BYTES_PER_PERSON, capacity_for
from migsim.runtime import memory

GIB = 2**30


def test_the_estimate_is_the_declared_arrays_and_a_margin():
    rows = capacity_for(1_000_000, 0.15)
    per_row = BYTES_PER_PERSON + 4 + 8 + 8 / 16  # columns, units, move keys and headroom
    want = memory.MARGIN * (memory.BASE_BYTES + per_row * rows)
    assert memory.estimate_bytes(1_000_000, 0.15) == pytest.approx(want, rel=1e-6)


def test_the_estimate_covers_what_a_run_allocates_and_little_more(compose_cfg):
    from migsim.runtime.assemble import start_simulation

    cfg = compose_cfg("world=toy", "population.size=200000", "progress=false")
    sim = start_simulation(cfg)
    for _ in range(2):
        sim.step()
    shards = sim.people.shards
    got = sum(s.population.nbytes + sum(a.nbytes for a in s.scratch.values()) for s in shards)
    people = memory.estimate_bytes(200_000, 0.15) / memory.MARGIN - memory.BASE_BYTES
    assert got <= people <= 1.1 * got


def test_a_run_that_fits_is_not_refused(compose_cfg, monkeypatch):
    # 500M people at 1 year peak at 13.9 GiB resident, 19.2 GiB if every page were touched
    monkeypatch.setattr(memory, "limits", lambda: [(int(22.1 * GIB), "MemAvailable")])
    memory.check_memory(compose_cfg("population.size=500000000", "years=1"))
    assert memory.estimate_bytes(500_000_000, 0.15) > 19.2 * GIB


def test_the_smallest_limit_applies_and_is_named(compose_cfg, monkeypatch):
    found = [(30 * GIB, "MemAvailable"), (2 * GIB, "cgroup memory.max"), (9 * GIB, "ulimit -v")]
    monkeypatch.setattr(memory, "limits", lambda: found)
    with pytest.raises(InputError) as info:
        memory.check_memory(compose_cfg("population.size=100000000"))
    assert "2.0 GiB is available (cgroup memory.max)" in str(info.value)
    memory.check_memory(compose_cfg("population.size=100000000", "memory_check=false"))


def test_a_ray_run_checks_only_the_driver_here(compose_cfg, monkeypatch):
    """With Ray the people live on the actors (other machines, perhaps): this process
    counts only its own part, and each shard's estimate goes to Ray with its actor."""
    monkeypatch.setattr(memory, "limits", lambda: [(2 * GIB, "MemAvailable")])
    big = ("population.size=100000000", "shards.count=4")
    with pytest.raises(InputError, match="100,000,000 people need about"):
        memory.check_memory(compose_cfg(*big))
    memory.check_memory(compose_cfg(*big, "shards.backend=ray"))
    monkeypatch.setattr(memory, "limits", lambda: [(64 * 2**20, "MemAvailable")])
    with pytest.raises(InputError, match="the driver of a Ray run needs about 0.1 GiB"):
        memory.check_memory(compose_cfg(*big, "shards.backend=ray"))


def test_shard_estimates_add_up_to_the_people(compose_cfg):
    import numpy as np

    from migsim.core.world import load_world
    from migsim.people import shards
    from migsim.people.population import agents_per_origin

    world = load_world("default")
    _, agents = agents_per_origin(world, 10_000_000, 0.0)
    sets = shards.assign_origins(agents, 3)
    each = memory.shard_estimates(agents, sets, 0.15)
    whole = memory.MARGIN * memory.people_bytes(10_000_000, 0.15)
    assert len(each) == 3 and sum(each) == pytest.approx(whole, rel=1e-4)
    assert max(each) == max(
        int(memory.MARGIN * memory.people_bytes(int(np.asarray(agents)[s].sum()), 0.15))
        for s in sets
    )
    # with the world, each shard's own origins' growth over the run's years
    grown = memory.shard_estimates(agents, sets, 0.15, world, 30)
    assert all(g >= e for g, e in zip(grown, each)) and sum(grown) > sum(each)
    assert memory.shard_estimates(agents, sets, 0.15, world, 1) == each


def test_shards_no_ray_node_can_hold_are_refused():
    from migsim.people.shards import check_node_memory

    check_node_memory([3 * GIB, 2 * GIB], [4 * GIB, 4 * GIB])
    with pytest.raises(InputError) as info:
        check_node_memory([5 * GIB, 1 * GIB], [4 * GIB, 4 * GIB])
    assert str(info.value).startswith(
        "population.size: the largest of 2 shards needs about 5.0 GiB, but the largest Ray "
        "node offers 4.0 GiB (Ray's memory resource)"
    )
    with pytest.raises(InputError, match="3 shards need about 9.0 GiB, but the Ray cluster's"):
        check_node_memory([3 * GIB] * 3, [4 * GIB, 4 * GIB])
    check_node_memory([3 * GIB] * 3, [])  # no node reported: Ray's own placement decides


def _v2(tmp_path, monkeypatch, levels):
    """A fake cgroup v2 tree: levels [(memory.max, memory.current)] from the root down."""
    mount = tmp_path / "cg"
    folder = mount
    for i, (cap, used) in enumerate(levels):
        folder = folder / f"l{i}" if i else folder
        folder.mkdir(parents=True)
        for name, value in (("memory.max", cap), ("memory.current", used)):
            if value is not None:
                (folder / name).write_text(f"{value}\n")
    (tmp_path / "cgroup").write_text("0::/" + "/".join(f"l{i}" for i in range(1, len(levels))))
    (tmp_path / "mountinfo").write_text(
        f"30 24 0:26 / {mount} rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    monkeypatch.setattr(memory, "CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(memory, "MOUNTINFO", tmp_path / "mountinfo")


def test_cgroup_v2_limit_minus_usage_of_the_tightest_level(tmp_path, monkeypatch):
    _v2(tmp_path, monkeypatch, [("max", 5), (10 * GIB, 7 * GIB), ("max", GIB), (None, None)])
    assert memory.cgroup_available() == (3 * GIB, "cgroup memory.max")


def test_cgroup_without_limits_or_files_is_skipped(tmp_path, monkeypatch):
    _v2(tmp_path, monkeypatch, [("max", 5), ("max", None)])
    assert memory.cgroup_available() is None
    monkeypatch.setattr(memory, "CGROUP", tmp_path / "missing")
    assert memory.cgroup_available() is None


def test_cgroup_v1_memory_controller(tmp_path, monkeypatch):
    mount = tmp_path / "memory"
    job = mount / "slurm" / "job_1"
    job.mkdir(parents=True)
    (mount / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    (job / "memory.limit_in_bytes").write_text(f"{4 * GIB}\n")
    (job / "memory.usage_in_bytes").write_text(f"{GIB}\n")
    (tmp_path / "cgroup").write_text("4:memory:/slurm/job_1\n3:cpuset:/\n0::/\n")
    (tmp_path / "mountinfo").write_text(
        f"35 25 0:31 / {mount} rw - cgroup cgroup rw,memory\n"
        f"36 25 0:32 / {tmp_path / 'cpuset'} rw - cgroup cgroup rw,cpuset\n"
    )
    monkeypatch.setattr(memory, "CGROUP", tmp_path / "cgroup")
    monkeypatch.setattr(memory, "MOUNTINFO", tmp_path / "mountinfo")
    assert memory.cgroup_available() == (3 * GIB, "cgroup memory.limit_in_bytes")


def test_address_space_limit_minus_virtual_size(tmp_path, monkeypatch):
    (tmp_path / "status").write_text("Name:\tpython\nVmSize:\t 1048576 kB\nVmRSS:\t 1 kB\n")
    monkeypatch.setattr(memory, "STATUS", tmp_path / "status")
    monkeypatch.setattr(resource, "getrlimit", lambda which: (5 * GIB, resource.RLIM_INFINITY))
    assert memory.address_space_available() == (4 * GIB, "ulimit -v")
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY,) * 2)
    assert memory.address_space_available() is None


def test_limits_reads_meminfo_and_skips_what_is_missing(tmp_path, monkeypatch):
    (tmp_path / "meminfo").write_text("MemTotal: 100 kB\nMemAvailable:    2048 kB\n")
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "meminfo")
    monkeypatch.setattr(memory, "cgroup_available", lambda: None)
    monkeypatch.setattr(memory, "address_space_available", lambda: (1024, "ulimit -v"))
    assert memory.limits() == [(2 * 2**20, "MemAvailable"), (1024, "ulimit -v")]
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "missing")
    assert memory.limits() == [(1024, "ulimit -v")]


def _at_most_8_gib():
    resource.setrlimit(resource.RLIMIT_AS, (8 * GIB, 8 * GIB))  # harmless if it allocated


def test_two_billion_people_are_refused_in_one_line_before_allocating(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", "population.size=2000000000"]
        + ["progress=false", f"hydra.run.dir={tmp_path / 'run'}"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_at_most_8_gib,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "population.size: 2,000,000,000 people need about" in lines[0]
    assert "GiB is available (ulimit -v)" in lines[0]


def test_the_projected_growth_is_the_run_s(compose_cfg):
    """The projection of each origin's agents with its region's own vital rates (no
    migration) gives the agents a run holds at its end within 2% (the default world, 30
    years: projected 1.27, the run's own 1.27 at 1M agents)."""
    from migsim.api import build_simulation
    from migsim.people.population import agents_per_origin

    cfg = compose_cfg("population.size=200000", "years=30", "progress=false")
    sim = build_simulation(cfg)
    _, agents = agents_per_origin(sim.world, 200_000, float(cfg.population.stratification))
    start = sum(int(s.population.alive[: s.population.n].sum()) for s in sim.people.shards)
    for _ in range(30):
        sim.step()
    end = sum(int(s.population.alive[: s.population.n].sum()) for s in sim.people.shards)
    projected = memory.projected_growth(sim.world, agents, 30)
    assert projected > 1.15  # beyond the spare rows: the columns grow
    assert end / start == pytest.approx(projected, rel=0.02)
    assert memory.run_growth(cfg, sim.world) == projected


def test_grown_rows_are_counted_with_the_peak_of_growing_them(compose_cfg):
    """Without spare rows the columns grow by a quarter as births come: what the run holds
    after ten years is inside the estimate for its projected growth, which the base-year
    estimate is not."""
    from migsim.api import build_simulation

    cfg = compose_cfg("world=toy", "population.size=200000", "population.spare_capacity=0.0")
    sim = build_simulation(cfg)
    ten = compose_cfg("world=toy", "population.size=200000", "years=10")
    growth = memory.run_growth(ten, sim.world)
    for _ in range(10):
        sim.step()
    shards = sim.people.shards
    got = sum(s.population.nbytes + sum(a.nbytes for a in s.scratch.values()) for s in shards)
    assert growth > 1.0
    assert memory.people_bytes(200_000, 0.0) < got  # the columns grew
    grown = memory.grown_people_bytes(200_000, 0.0, growth)
    assert got <= grown <= 1.6 * got
    assert memory.grown_people_bytes(200_000, 0.15, 1.1) == memory.people_bytes(200_000, 0.15)


def test_a_run_that_would_outgrow_memory_is_refused_at_the_start(compose_cfg, monkeypatch):
    """100M people fit at the start but not after a century of births: the check names the
    growth and the years; one year of the same run is not refused."""
    from migsim.core.world import load_world

    world = load_world("default")
    start = memory.estimate_bytes(100_000_000, 0.15)
    monkeypatch.setattr(memory, "limits", lambda: [(int(start * 1.1), "MemAvailable")])
    memory.check_memory(compose_cfg("population.size=100000000", "years=1"), world)
    with pytest.raises(InputError) as info:
        memory.check_memory(compose_cfg("population.size=100000000", "years=100"), world)
    text = str(info.value)
    assert text.startswith("population.size: 100,000,000 people need about ")
    assert "GiB of memory (as they grow to " in text and " over 100 years), but" in text
    assert "fewer years" in text
