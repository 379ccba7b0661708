"""The performance targets, measured in one process beside the yardstick probe.

    .venv/bin/python -m benches.targets [SIZE=10_000_000] [ROUNDS=7]

prints one JSON line (the last line of stdout): the full simulated year of the default world
at SIZE people and the probe (`benches/probe.py`) on the same number of people, in ROUNDS
interleaved rounds (two years of each a round, all numba threads), and the population's
bytes of state per row. The ratio to the probe is the median of the rounds' ratios (each
round's years against the probe run right after them), with the lowest and highest beside
it: the target is judged on the median, not on the best round a noisy machine gives.
`make bench` runs it as `benches/test_bench_targets.py`; keep a run
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


ROUNDS = 7


def measure(size: int = 10_000_000, rounds: int = ROUNDS) -> dict:
    import numba

    from benches.common import build_simulation
    from benches.gate import year_and_probe_rounds

    pairs = year_and_probe_rounds(size, years=2, rounds=rounds)
    ratios = [y / p for y, p in pairs]
    middle = sorted(range(rounds), key=lambda k: ratios[k])[rounds // 2]  # odd rounds
    year_rate, probe_rate = pairs[middle]  # the round whose ratio is the median
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
        "full_year_vs_probe": ratios[middle],
        "full_year_vs_probe_rounds": [round(r, 4) for r in ratios],
        "state_bytes_per_row": pop.nbytes / pop.capacity,
        "command": f".venv/bin/python -m benches.targets {size} {rounds}",
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    usage = "usage: python -m benches.targets [PEOPLE [ROUNDS]] (default 10_000_000 and 7)"
    if argv[:1] in (["--help"], ["-h"]):
        print(usage)
        return 0
    try:
        size = int(argv[0].replace("_", "")) if argv else 10_000_000
        rounds = int(argv[1]) if len(argv) > 1 else ROUNDS
    except ValueError:
        size = 0
    if size < 1:
        print(
            f"benches.targets: {' '.join(argv)}: not a number of people (allowed: PEOPLE >= 1 "
            "and an odd ROUNDS, whole numbers)",
            file=sys.stderr,
        )
        return 2
    if rounds < 1 or rounds % 2 == 0:
        print(f"benches.targets: ROUNDS is {rounds}; allowed: an odd number >= 1", file=sys.stderr)
        return 2
    print(json.dumps(measure(size, rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
