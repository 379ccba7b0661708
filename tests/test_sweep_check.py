"""A multirun checks every job before the first one starts: a swept value that would be
refused stops the sweep in one line naming the job, with no job run and no directory made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from migsim.runtime.sweep_check import FULL_PRODUCT, sweep_jobs

SMALL = ["world=toy", "population.size=2000", "years=1", "progress=false"]


def _migsim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migsim", "run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_refused_job_stops_the_sweep_before_any_job(tmp_path):
    """The status quo comes first and would have run before the regime the toy world
    refuses; now neither runs."""
    proc = _migsim(tmp_path, "-m", *SMALL, "regime=status_quo,history,free_mobility")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "(sweep job regime=history; no job was run): unknown region" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_missing_option_and_a_bad_value_name_their_job(tmp_path):
    proc = _migsim(tmp_path, "-m", *SMALL, "regime=status_quo,nope")
    assert proc.returncode == 2 and "sweep job regime=nope;" in proc.stderr
    assert "allowed values for regime: " in proc.stderr
    proc = _migsim(tmp_path, "-m", *SMALL, "seed=1,2", "years=1,0")
    assert proc.returncode == 2 and "years (sweep job years=0 seed=1; no job" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_sweep_jobs_expand_as_hydra_does():
    jobs, keys = sweep_jobs(["world=toy", "seed=1,2", "regime=a,b,c", "hydra.sweep.dir=x"])
    assert keys == {"seed", "regime"} and len(jobs) == 6
    assert ["world=toy", "seed=2", "regime=c"] in jobs
    assert sweep_jobs(["seed=1,2", "hydra/sweeper=optuna"]) is None
    assert sweep_jobs(["seed=interval(0,1)"]) is None


def test_a_large_sweep_checks_every_value_once():
    seeds = ",".join(str(i) for i in range(1, 21))
    jobs, _ = sweep_jobs(["world=toy", f"seed={seeds}", "regime=a,b,c,d"])
    assert 20 * 4 > FULL_PRODUCT and len(jobs) == 20 + 4 - 1
    assert {j[1] for j in jobs} == {f"seed={i}" for i in range(1, 21)}
    assert {j[2] for j in jobs} == {"regime=a", "regime=b", "regime=c", "regime=d"}
    assert all(j[0] == "world=toy" for j in jobs)


def test_a_job_too_large_for_memory_stops_the_sweep_first(tmp_path):
    proc = _migsim(tmp_path, "-m", "world=toy", "years=1", "population.size=2000,2000000000")
    assert proc.returncode == 2, proc.stderr
    assert "population.size (sweep job population.size=2000000000; no job was run)" in (proc.stderr)
    assert "GiB of memory" in proc.stderr and list(tmp_path.iterdir()) == []
