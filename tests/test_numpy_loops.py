"""Same seed, same bytes on any x86-64 machine: NumPy's AVX-512 loops (exp, log, power, ...)
give results that differ in the last bit from its AVX2 loops, so migsim turns them off
before NumPy is first imported (`migsim._same_numpy_loops_on_every_machine`). The golden
digests (tests/test_golden.py) were recorded on a machine without AVX-512 and hold on one
with it only because of this."""

from __future__ import annotations

import os
import subprocess
import sys

import migsim


def test_this_process_runs_the_portable_loops():
    # the test session imported migsim (conftest) before anything imported NumPy
    assert migsim.numpy_loops_are_portable()


def _numpy_in_a_child(code: str, env: dict) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip() + "|" + proc.stderr.strip()


def test_numpy_first_is_detected_and_the_users_choice_wins():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    code = "import {first}; import migsim; print(migsim.numpy_loops_are_portable())"
    out = _numpy_in_a_child(code.format(first="migsim"), env)
    assert out.startswith("True|") and "AVX-512" not in out
    out = _numpy_in_a_child(code.format(first="numpy"), env)
    from numpy._core._multiarray_umath import __cpu_features__

    if __cpu_features__.get("AVX512F", False):  # this machine has AVX-512: NumPy used it
        assert out.startswith("False|") and "import migsim first" in out
    else:  # nothing to turn off
        assert out.startswith("True|")
    # a user's own setting is left as it is, and is taken as their choice
    mine = dict(env, NPY_DISABLE_CPU_FEATURES="X86_V4")
    probe = (
        "import migsim, os; "
        "print(os.environ['NPY_DISABLE_CPU_FEATURES'], migsim.numpy_loops_are_portable())"
    )
    assert _numpy_in_a_child(probe, mine).startswith("X86_V4 True|")


def test_a_child_process_inherits_the_setting():
    # shards, sweeps and subprocesses start with the environment of the process that made
    # them, so a child that imports NumPy before migsim still runs the portable loops
    code = "import numpy, migsim; print(migsim.numpy_loops_are_portable())"
    assert _numpy_in_a_child(code, dict(os.environ)).startswith("True|")


def test_ray_shards_get_the_drivers_numpy_choice(monkeypatch):
    """Ray workers, also those of a cluster started elsewhere, get the driver's NumPy
    setting through the actors' runtime environment (migsim.people.shards)."""
    from migsim.people.shards import _worker_env

    mine = "X86_V4 AVX512_ICL AVX512_SPR"
    monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", mine)
    monkeypatch.delenv("NPY_ENABLE_CPU_FEATURES", raising=False)
    assert _worker_env(2) == {"NUMBA_NUM_THREADS": "2", "NPY_DISABLE_CPU_FEATURES": mine}
    monkeypatch.delenv("NPY_DISABLE_CPU_FEATURES")
    assert _worker_env(1) == {"NUMBA_NUM_THREADS": "1"}
