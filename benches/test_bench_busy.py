"""A busy machine: the full year's ratio to the yardstick probe (`benches/probe.py`) while
one other CPU-bound process runs, on 1 and on 2 numba threads (no target; the quiet ratio
is in the same record for comparison). Also records the parallel scheduling: numba's
threading layer and how the kernels split their parallel regions (fixed blocks of rows,
`kernels/_config.py` BLOCK, and fixed chunks of person ids, so results do not depend on
which thread ran which block)."""

from __future__ import annotations

import subprocess
import sys

import numba
import pytest

from benches.gate import full_year_vs_probe

SIZE = 1_000_000
SPIN = "import time\nt = time.time()\nwhile time.time() - t < 900:\n    sum(range(10_000))\n"


def _ratios(threads: int) -> float:
    numba.set_num_threads(threads)
    year, probe = full_year_vs_probe(SIZE, years=2, rounds=2)
    return year / probe


@pytest.mark.parametrize("threads", [1, 2])
def test_busy_machine_full_year_vs_probe(benchmark, threads):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"numba has {numba.config.NUMBA_NUM_THREADS} threads")
    before = numba.get_num_threads()
    result: dict = {}
    try:
        result["quiet"] = _ratios(threads)
        spinner = subprocess.Popen([sys.executable, "-c", SPIN])
        try:
            benchmark.group = "busy"
            benchmark.pedantic(lambda: result.update(busy=_ratios(threads)), rounds=1)
        finally:
            spinner.kill()
            spinner.wait()
    finally:
        numba.set_num_threads(before)
    benchmark.extra_info.update(
        threads=threads,
        people=SIZE,
        full_year_vs_probe_quiet=result["quiet"],
        full_year_vs_probe_busy=result["busy"],
        competing_processes=1,
        threading_layer=numba.threading_layer(),
        scheduling="prange over fixed row blocks / person-id chunks; serial where cheaper",
    )
