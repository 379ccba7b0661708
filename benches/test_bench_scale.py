"""The whole world at 1:14: 500M agents in a fresh process (`benches/scale.py`), marked
`huge` (never in CI). MIGSIM_BENCH_SCALE_SIZE overrides the size (e.g. 100_000_000 on a
machine that others share). Reports synthesis time, time per year, peak RSS and the bytes
per person of the population's columns and of each scratch array (docs/memory.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIB = 2**30
TARGET_PEAK_GIB = 22  # reported, not asserted


@pytest.mark.huge
def test_whole_world_at_1_to_14(benchmark):
    size = int(os.environ.get("MIGSIM_BENCH_SCALE_SIZE", 500_000_000))
    result: dict = {}

    def run():
        out = subprocess.run(
            [sys.executable, "-m", "benches.scale", str(size), "--years", "2"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=6 * 3600,
        )
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))

    benchmark.group = "scale"
    benchmark.pedantic(run, rounds=1)
    result["target_peak_gib"] = TARGET_PEAK_GIB
    result["peak_within_target"] = result["peak_rss_bytes"] < TARGET_PEAK_GIB * GIB
    benchmark.extra_info.update(result)
