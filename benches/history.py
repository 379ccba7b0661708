"""Benchmark history, as a report (never a gate): `make bench-history`.

Runs the quick subset (`benches/test_bench_quick.py`, about a minute) with pytest-benchmark's
autosave into `outputs/bench-history/`, with `--benchmark-compare` against the previous
saved run when there is one (a clean clone has none: then it only saves). It then prints
each ratio (speed against the NumPy twins and against the yardstick probe, measured in one
process, so comparable across a busy and a quiet machine) beside the previous run's and
flags a ratio that fell more than TOLERANCE below it. It always exits 0 unless the
benchmarks themselves fail to run: `make bench-gate` is the gate. A run that fails leaves
the history as it was (what it saved is removed, so that it never becomes the run the next
one is compared with); the previous run is the newest saved one that can be read (a saved
file that cannot be read, e.g. cut short by a killed run, is named and passed over).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benches.gate import _fraction

ROOT = Path(__file__).resolve().parent.parent
STORAGE = ROOT / "outputs" / "bench-history"
SUBSET = "benches/test_bench_quick.py"
TOLERANCE = 0.25  # a ratio more than 25% below the previous run's is flagged


def saved_runs(storage: Path = STORAGE) -> list[Path]:
    """The saved runs, oldest first: by the time pytest-benchmark records in each, then by
    name (it numbers them 0001_..., 0002_... in one folder per machine and Python)."""
    return sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"), key=_when)


def _when(path: Path) -> tuple[str, str]:
    try:
        when = json.loads(path.read_text()).get("datetime", "")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        when = ""
    return (when if isinstance(when, str) else "", path.name)


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


def previous(runs: list[Path]) -> tuple[Path | None, dict[str, float], list[Path]]:
    """(the newest of `runs` that can be read and has a ratio, its ratios, the newer ones
    passed over)."""
    skipped = []
    for path in reversed(runs):
        try:
            found = ratios(path)
        except (OSError, UnicodeDecodeError, ValueError, AttributeError, KeyError, TypeError):
            found = {}
        if found:
            return path, found, skipped
        skipped.append(path)
    return None, {}, skipped


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
    parser.add_argument("--tolerance", type=_fraction, default=TOLERANCE)
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
    saved = [p for p in saved_runs(ns.storage) if p not in before]
    if done.returncode:
        for path in saved:
            path.unlink(missing_ok=True)
        print(
            f"bench-history: the benchmarks failed (exit {done.returncode}); "
            f"{'its saved record removed, ' if saved else ''}the history is unchanged",
            file=sys.stderr,
        )
        return done.returncode
    if not saved:
        print("bench-history: nothing was saved", file=sys.stderr)
        return 1
    last, before_ratios, skipped = previous(before)
    for path in skipped:
        print(f"bench-history: {path.name}: unreadable or without ratios, passed over")
    if last is None:
        print(f"bench-history: first saved run {saved[-1].name}; nothing to compare with yet")
        return 0
    print(f"bench-history: {saved[-1].name} against {last.name}")
    print("\n".join(report(before_ratios, ratios(saved[-1]), ns.tolerance)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
