"""docs/worlds-regions12.md, written by `migsim world report --page FILE` (`--check-page FILE`
compares): the values each shipped world assumes, per variable; every difference between
regions12 and the hand-typed default world and Table 6.1 with its cause
(migsim.worldbuild.differences); and the first-year flows against Abel & Sander
(migsim.worldbuild.flows_check, a one-year run of each world).
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl

from migsim.core.resources import data_dir
from migsim.worldbuild.build import provenance_file
from migsim.worldbuild.differences import CAUSES, TOLERANCE, differences
from migsim.worldbuild.mapping import MAPPINGS


def assumed_by_variable(root: Path | None = None) -> dict[str, dict[tuple[str, str], int]]:
    """Per world: values flagged assumed, by (table, variable)."""
    root = root or data_dir()
    out = {}
    for name in MAPPINGS:
        path = provenance_file(root / name)
        if not path.is_file():
            continue
        frame = pl.read_csv(path, infer_schema_length=0)
        assumed = frame.filter(pl.col("method").str.starts_with("assumed"))
        counts = assumed.group_by("table", "column").len()
        out[name] = {(t, c): int(n) for t, c, n in counts.iter_rows()}
    return out


def assumed_section(root: Path | None = None) -> str:
    counts = assumed_by_variable(root)
    names = list(counts)
    keys = sorted({k for c in counts.values() for k in c})
    lines = [
        "## Values assumed, per world and variable",
        "",
        "Values no input gives, taken from the default world (`assumed:` in each world's "
        "provenance.csv; the README's built-worlds block gives the totals per table).",
        "",
        "| table | variable | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for table, column in keys:
        cells = [str(counts[n].get((table, column), 0)) for n in names]
        lines.append(f"| {table} | {column} | " + " | ".join(cells) + " |")
    totals = [str(sum(counts[n].values())) for n in names]
    lines.append("| all | | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if abs(x) >= 1e5:
        return f"{x / 1e6:,.2f} M"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def differences_section(root: Path | None = None) -> str:
    frame = differences(root)
    counts = dict(frame.group_by("cause").len().iter_rows())
    within = counts.pop("", 0)
    unexplained = counts.pop("unexplained", 0)
    base = counts.pop("base-year", 0)
    lines = [
        "## regions12 (data, 2010) against the default world (2013) and Table 6.1",
        "",
        f"{frame.height} comparisons: {within} within {TOLERANCE:.0%}, {base} explained by the "
        f"base year alone (measured from the inputs), {sum(counts.values())} by a cause below, "
        f"**{unexplained} unexplained**. The base-year part is the input's own 2010 value "
        "over its 2013 value (WPP interpolated between 2010 and 2015; PWT, WDI and Table 6.1 "
        "have 2013); the cause must account for the rest within its band. `skill_premium` "
        "and `tax_rate` are the default's values (assumed), so they agree by construction.",
        "",
        "| table | scope | variable | default (2013) | regions12 (2010) | ratio | base year | "
        "reason |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in frame.iter_rows(named=True):
        base = f"{r['base_effect']:.3f}" if r["base_effect"] is not None else ""
        lines.append(
            f"| {r['table']} | {r['scope']} | {r['variable']} | {_num(r['default_2013'])} | "
            f"{_num(r['regions12_2010'])} | {r['ratio']:.3f} | {base} | {r['reason']} |"
        )
    lines += [
        "",
        "### Causes",
        "",
        "| cause | variables | regions | residual band | what | source |",
        "|---|---|---|---|---|---|",
    ]
    for c in CAUSES:
        lines.append(
            f"| {c.id} | {', '.join(c.variables)} | {', '.join(c.regions) or 'all'} | "
            f"{c.band[0]:.2f} to {c.band[1]:.2f} | {c.text} | {c.source} |"
        )
    return "\n".join(lines)


def page_text(root: Path | None = None, flows: str | None = None) -> str:
    """The page; `flows` is the flows section (simulated by the caller when None)."""
    if flows is None:
        from migsim.worldbuild.flows_check import flows_section

        flows = flows_section()
    return (
        "\n\n".join(
            [
                "# The worlds built from data, and regions12 against the default world",
                "Written by `migsim world report --page docs/worlds-regions12.md` from the "
                "shipped worlds and inputs (a test checks it is current). The base year of the "
                "built worlds is 2010, the default world's 2013.",
                assumed_section(root),
                differences_section(root),
                flows,
            ]
        )
        + "\n"
    )


def sync_page(path: Path, check: bool) -> bool:
    """Write (or, with `check`, compare) the page; True if it was current."""
    text = page_text()
    current = path.is_file() and path.read_text() == text
    if not check and not current:
        path.write_text(text)
    return current
