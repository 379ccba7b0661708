"""The validation report: validation.parquet (one row per check), validation.md (the table,
notes, runs and figures) and the experiments' PNG figures."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict
from pathlib import Path

import polars as pl

from migsim.validation.checks import Check, status
from migsim.validation.registry import EXPECTED_FAILURES, registered

COLUMNS = [
    "experiment",
    "quantity",
    "source",
    "published_low",
    "published_high",
    "simulated",
    "passed",
    "flag",
    "accept_low",
    "accept_high",
    "unit",
    "status",
    "note",
    "explanation",
]


def to_frame(checks: list[Check]) -> pl.DataFrame:
    """The checks as validation.parquet's rows, with status and explanation."""
    expected = dict(EXPECTED_FAILURES)
    rows = []
    for c in checks:
        d = asdict(c)
        d["passed"] = c.passed
        d["status"] = status(c, expected)
        d["explanation"] = expected.get(c.key, "")
        rows.append(d)
    if not rows:  # nothing ran (an experiment that returned no checks)
        numbers = ("published_low", "published_high", "simulated", "accept_low", "accept_high")
        return pl.DataFrame(
            schema={
                c: pl.Float64 if c in numbers else pl.Boolean if c == "passed" else pl.String
                for c in COLUMNS
            }
        )
    return pl.DataFrame(rows).select(COLUMNS)


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def published_text(row: dict) -> str:
    lo, hi = row["published_low"], row["published_high"]
    if row["flag"] == "sign":
        return "> 0" if lo == 0 else "< 0"
    if lo == hi:
        return _fmt(lo)
    if math.isinf(hi):
        return f"> {_fmt(lo)}"
    return f"{_fmt(lo)} to {_fmt(hi)}"


def markdown_table(frame: pl.DataFrame) -> str:
    lines = [
        "| experiment | quantity | published | flag | accepted | simulated | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in frame.iter_rows(named=True):
        acc = f"{_fmt(row['accept_low'])} to {_fmt(row['accept_high'])}"
        res = row["status"] + (f": {row['explanation']}" if row["explanation"] else "")
        lines.append(
            f"| {row['experiment']} | {row['quantity']} | {published_text(row)} "
            f"{row['unit']} | [{row['flag']}] | {acc} | {_fmt(row['simulated'])} | "
            f"{res} |"
        )
    return "\n".join(lines)


def plots(frame: pl.DataFrame, runner, out: Path) -> list[str]:
    """Every experiment's declared figures, in run order."""
    import matplotlib

    matplotlib.use("Agg")
    files = []
    for exp in registered().values():
        for plot in exp.plots:
            files += plot(frame, runner, out)
    return files


def write_report(frame: pl.DataFrame, runner, out: Path, seconds: float) -> None:
    """validation.parquet, the figures and validation.md into `out`."""
    frame.write_parquet(out / "validation.parquet")
    images = plots(frame, runner, out)
    counts = frame.group_by("status").len().sort("status")
    summary = ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
    lines = [
        "# migsim validation against published figures",
        "",
        f"Generated {_dt.datetime.now().isoformat(timespec='seconds')} "
        f"({'quick' if runner.quick else 'full'} mode, {seconds:.0f} s). "
        f"{frame.height} checks: {summary}.",
        "",
        "Tolerances (docs/model.md §8.1): [V] within +-10% or inside the published "
        "range; [K], [C] and [A] within +-25%; sign tests exact. `accepted` is the band the "
        "simulated figure must fall in. Targets and experiments: engine/validation/experiments/; "
        "run configs: configs/experiment/.",
        "",
        markdown_table(frame),
        "",
        "## Notes",
        "",
    ]
    for row in frame.filter(pl.col("note") != "").iter_rows(named=True):
        lines.append(f"- {row['experiment']} {row['quantity']}: {row['note']}")
    lines += ["", "## Runs", ""]
    for name, secs in runner.seconds.items():
        lines.append(f"- {name}: {secs:.1f} s ({runner.runs[name].path.name})")
    for img in images:
        lines += ["", f"![{img}]({img})"]
    (out / "validation.md").write_text("\n".join(lines) + "\n")
