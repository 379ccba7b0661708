"""A world of every country against the 12-region default world: person-years per second of
`Simulation.step` at the same number of agents, measured one after the other in one fresh
process, reported as a ratio (target: at least 0.5), with the process's peak resident memory
(target: under 4 GiB at 10M agents). The 230-region world is the synthetic one of
tests/_bigworld.py (the default world's regions tiled, sparse corridors).

MIGSIM_BENCH_REGIONS_AGENTS (default 2,000,000), MIGSIM_BENCH_REGIONS_YEARS (default 3) and
MIGSIM_BENCH_REGIONS (default 230) set the sizes. MIGSIM_BENCH_REGIONS_WORLD=countries
compares the data-built worlds instead: `world=countries` (232 countries) against
`world=regions12` (the same UN matrix in 12 regions, base year 2010). Timings never assert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import json, sys
from tests._bigworld import run_and_measure, write_big_world
world, agents, years, regions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
named = sys.argv[5] if len(sys.argv) > 5 else ""
if named:  # a shipped world against regions12
    small = run_and_measure(None, agents, years, named="regions12")
    big = run_and_measure(None, agents, years, named=named)
else:
    write_big_world(world, regions)
    small = run_and_measure(None, agents, years)
    big = run_and_measure(world, agents, years)
print(json.dumps({"small": small, "big": big}))
"""


@pytest.mark.huge
def test_regions_throughput_and_memory(benchmark, tmp_path):
    agents = int(os.environ.get("MIGSIM_BENCH_REGIONS_AGENTS", 2_000_000))
    years = int(os.environ.get("MIGSIM_BENCH_REGIONS_YEARS", 3))
    regions = int(os.environ.get("MIGSIM_BENCH_REGIONS", 230))
    named = os.environ.get("MIGSIM_BENCH_REGIONS_WORLD", "")
    args = [sys.executable, "-c", SCRIPT, str(tmp_path / "world"), str(agents), str(years)]
    result = {}

    def run():
        done = subprocess.run(
            [*args, str(regions), named], cwd=ROOT, capture_output=True, text=True, check=True
        )
        result.update(json.loads(done.stdout.strip().splitlines()[-1]))

    benchmark.group = "regions"
    benchmark.pedantic(run, rounds=1)
    small, big = result["small"], result["big"]
    benchmark.extra_info.update(
        agents=agents,
        years=years,
        regions=big["regions"],
        world=named or "synthetic",
        person_years_per_s_12=small["person_years_per_s"],
        person_years_per_s_big=big["person_years_per_s"],
        throughput_ratio=big["person_years_per_s"] / small["person_years_per_s"],
        setup_s_12=small["setup_s"],
        setup_s_big=big["setup_s"],
        peak_rss_mib_12=small["peak_mib"],
        peak_rss_mib=big["peak_mib"],
        peak_rss_mib_warm_interpreter=small["peak_mib_before"],
    )
