"""Fixtures of the benchmarks: synthesised default-world populations (1M per module, 10M
once per session), JIT warm-up before anything is timed, and machine info in the JSON."""

from __future__ import annotations

import os

import numba
import pytest

from benches.common import build_simulation

M = 1_000_000


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "huge: 50M+ people or long subprocesses (skip with -m 'not huge')"
    )


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["numba"] = numba.__version__
    machine_info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["loadavg_at_start"] = os.getloadavg()


@pytest.fixture(scope="session", autouse=True)
def jit_warmup():
    """Compile (or load from cache) every kernel on a small population before timing."""
    sim = build_simulation(20_000)
    for _ in range(2):
        sim.step()
    return sim


@pytest.fixture(scope="session")
def sim_1m():
    return build_simulation(M)


@pytest.fixture(scope="session")
def sim_10m():
    return build_simulation(10 * M)


@pytest.fixture
def sim_by_size(request, sim_1m):
    """The session simulation for a size in people (10M is built once; others per test)."""
    size = request.param
    if size == M:
        return sim_1m
    if size == 10 * M:
        return request.getfixturevalue("sim_10m")
    return build_simulation(size)
