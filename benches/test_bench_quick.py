"""The small benchmark subset of `make bench-history` (about a minute): the gate's ratios
(`benches/gate.py`: decide and mortality against their NumPy twins on one thread, the full
year against the yardstick probe) and the full year's ratio to the probe at 1M people, all
measured in this process. Each is saved as `extra_info` so that two saved runs can be
compared as ratios (`benches/history.py`); timings never assert."""

from __future__ import annotations

import numba
import pytest

from benches import gate

M = 1_000_000


@pytest.mark.parametrize("year_size", [pytest.param(M, id="1M")])
def test_quick_ratios(benchmark, year_size):
    result: dict = {}
    benchmark.group = "quick"
    benchmark.pedantic(
        lambda: result.update(gate.measure(size=300_000, repeat=3, year_size=year_size)),
        rounds=1,
    )
    benchmark.extra_info.update(
        threads=numba.get_num_threads(),
        threading_layer=_threading_layer(),
        year_size=year_size,
        ratios=result["ratios"],
        seconds=result["seconds"],
    )


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel region has run yet
        return "unset"
