"""Benchmark history, as a report (never a gate): `make bench-history`.

Runs the quick subset (`benches/test_bench_quick.py`, about a minute) with pytest-benchmark's
autosave into `outputs/bench-history/`, with `--benchmark-compare` against the previous
saved run when there is one (a clean clone has none: then it only saves). It then prints
each ratio (speed against the NumPy twins and against the yardstick probe, measured in one
process, so comparable across a busy and a quiet machine) beside the previous run's and
flags a ratio that fell more than TOLERANCE below it. It always exits 0 unless the
benchmarks themselves fail to run: `make bench-gate` is the gate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORAGE = ROOT / "outputs" / "bench-history"
SUBSET = "benches/test_bench_quick.py"
TOLERANCE = 0.25  # a ratio more than 25% below the previous run's is flagged


def saved_runs(storage: Path = STORAGE) -> list[Path]:
    """The saved runs, oldest first (pytest-benchmark numbers them 0001_..., 0002_...)."""
    return sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"))


def ratios(path: Path) -> dict[str, float]:
    """Every ratio a saved run records: {benchmark/ratio name: value}."""
    out = {}
    for bench in json.loads(path.read_text()).get("benchmarks", []):
        extra = bench.get("extra_info", {})
        for name, value in extra.get("ratios", {}).items():
            out[f"{bench['name']}/{name}"] = float(value)
        for name, value in extra.items():
            if name.startswith("full_year_vs_probe") and isinstance(value, int | float):
                out[f"{bench['name']}/{name}"] = float(value)
    return out


def report(previous: dict[str, float], current: dict[str, float], tolerance: float) -> list[str]:
    """One line per ratio: current, previous, change, and FELL when below the tolerance."""
    lines = [f"ratios against the previous run (flagged: more than {tolerance:.0%} lower)"]
    for name, now in sorted(current.items()):
        before = previous.get(name)
        if before is None:
            lines.append(f"  {name}: {now:.3g} (new)")
            continue
        change = now / before - 1.0
        flag = "  FELL" if now < (1.0 - tolerance) * before else ""
        lines.append(f"  {name}: {now:.3g} (was {before:.3g}, {change:+.0%}){flag}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", type=Path, default=STORAGE)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    ns = parser.parse_args(argv)
    before = saved_runs(ns.storage)
    command = [
        sys.executable, "-m", "pytest", SUBSET, "-q", "-p", "no:cacheprovider",
        "--benchmark-only", "--benchmark-autosave",
        f"--benchmark-storage=file://{ns.storage}", "--benchmark-columns=min,rounds",
        "-W", "ignore:Benchmark machine_info is different",  # the load average always is
    ]  # fmt: skip
    if before:
        command.append("--benchmark-compare")
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode:
        return done.returncode
    after = saved_runs(ns.storage)
    if not after:
        print("bench-history: nothing was saved", file=sys.stderr)
        return 1
    if not before:
        print(f"bench-history: first saved run {after[-1].name}; nothing to compare with yet")
        return 0
    print("\n".join(report(ratios(before[-1]), ratios(after[-1]), ns.tolerance)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
