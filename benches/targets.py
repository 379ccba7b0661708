"""The performance targets, measured in one process beside the yardstick probe.

    .venv/bin/python -m benches.targets [SIZE=10_000_000]

prints one JSON line (the last line of stdout): the full simulated year of the default world
at SIZE people and the probe (`benches/probe.py`) on the same number of people, interleaved,
best of two rounds of two years each, both with all numba threads; and the population's
bytes of state per row. `make bench` runs it as `benches/test_bench_targets.py`; keep a run
with `python -m benches.table --take FILE targets` and `make bench-table` writes the targets
table of docs/performance.md from it and from the other records (the 500M run, the
countries world, the exchange with shards, the busy machine).
"""

from __future__ import annotations

import json
import sys

TARGET_FULL_YEAR_VS_PROBE = 3.2
TARGET_STATE_BYTES_PER_ROW = 24
TARGET_500M_PEAK_GIB = 22
TARGET_COUNTRIES_VS_REGIONS12 = 0.5


def measure(size: int = 10_000_000) -> dict:
    import numba

    from benches.common import build_simulation
    from benches.gate import full_year_vs_probe

    year_rate, probe_rate = full_year_vs_probe(size, years=2, rounds=2)
    pop = build_simulation(100_000).population
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = "unset"
    return {
        "targets": True,
        "people": size,
        "threads": numba.get_num_threads(),
        "threading_layer": layer,
        "full_year_person_years_per_s": year_rate,
        "probe_person_years_per_s": probe_rate,
        "full_year_vs_probe": year_rate / probe_rate,
        "state_bytes_per_row": pop.nbytes / pop.capacity,
        "command": f".venv/bin/python -m benches.targets {size}",
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    size = int(argv[0].replace("_", "")) if argv else 10_000_000
    print(json.dumps(measure(size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
