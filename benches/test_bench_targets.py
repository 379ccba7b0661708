"""The performance targets beside the probe's figure from the same process
(`benches/targets.py`); the JSON this writes into pytest-benchmark's record (`extra_info`)
is what `python -m benches.table` reads. Timings never assert."""

from __future__ import annotations

import os

from benches import targets


def test_targets_full_year_vs_probe(benchmark):
    size = int(os.environ.get("MIGSIM_BENCH_TARGETS_SIZE", 10_000_000))
    result: dict = {}
    benchmark.group = "targets"
    benchmark.pedantic(lambda: result.update(targets.measure(size)), rounds=1)
    benchmark.extra_info.update(result)
