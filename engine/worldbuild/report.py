"""The generated block of docs/worlds.md about the built worlds: what each shipped world holds,
how much of it is assumed or imputed, and regions12-from-data beside the hand-typed default.

`migsim world report --readme docs/worlds.md` rewrites the block between the markers below;
`--check-readme` only compares (exit 1 when it is stale).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.core.docblocks import sync_blocks
from migsim.core.resources import data_dir
from migsim.worldbuild.build import provenance_file
from migsim.worldbuild.mapping import MAPPINGS, REGION_NAMES

BEGIN = "<!-- worldbuild:begin -->"
END = "<!-- worldbuild:end -->"


def _counts(world: Path) -> dict[str, dict[str, int]]:
    """Values, assumed and imputed, per table and in all (key "")."""
    frame = pl.read_csv(provenance_file(world), infer_schema_length=0)
    kind = pl.col("method").str.split(":").list.first()
    out = {}
    for table in ["", *sorted(frame["table"].unique())]:
        part = frame if not table else frame.filter(pl.col("table") == table)
        out[table] = {
            "values": part.height,
            "assumed": part.filter(kind == "assumed").height,
            "imputed": part.filter(kind == "imputed").height,
        }
    return out


def _pct(c: dict[str, int], key: str) -> str:
    return f"{c[key]} ({100 * c[key] / c['values']:.0f}%)" if c["values"] else "0"


def _hosted(world: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Population and foreign-born residents (inter- plus intra-area) by area code."""
    regions = pl.read_csv(world / "regions.csv")
    stock = pl.read_csv(world / "migrant_stock_2013.csv")
    intra = pl.read_csv(world / "intra_region_migrants_2013.csv")
    hosted = dict(zip(intra["region"], intra["migrants"].cast(pl.Float64)))
    for d, m in stock.group_by("destination").agg(pl.col("migrants").sum()).iter_rows():
        hosted[d] = hosted.get(d, 0.0) + float(m)
    return dict(zip(regions["code"], regions["population"].cast(pl.Float64))), hosted


def _policy_row(root: Path) -> str:
    """The free-movement table by country pair (policy, used by every built world through
    regime history_by_country): its typed values and how many are assumed."""
    from migsim.regimes.free_movement import counts

    c = counts(root / "free_movement")
    c = {"values": sum(c.values()), "assumed": c["assumed"], "imputed": 0}
    return (
        f"| free_movement (policy by country pair, any world) | – | {c['values']} | "
        f"{_pct(c, 'assumed')} | 0 |"
    )


def readme_block(root: Path | None = None) -> str:
    """The Markdown of the generated block (from the shipped worlds)."""
    root = root or data_dir()
    lines = [
        "| world | areas | values | assumed | imputed |",
        "|---|---:|---:|---:|---:|",
    ]
    names = [n for n in MAPPINGS if provenance_file(root / n).is_file()]
    counts = {name: _counts(root / name) for name in names}
    for name in names:
        c = counts[name][""]
        areas = pl.read_csv(root / name / "regions.csv").height
        lines.append(
            f"| {name} | {areas} | {c['values']} | {_pct(c, 'assumed')} | {_pct(c, 'imputed')} |"
        )
    if (root / "free_movement" / "events.csv").is_file():
        lines.append(_policy_row(root))
    if names:
        lines += [
            "",
            "Assumed / imputed values per table (per variable: each world's "
            "provenance_summary.md):",
            "",
            "| table | " + " | ".join(names) + " |",
            "|---|" + "---:|" * len(names),
        ]
        tables = sorted({t for c in counts.values() for t in c if t})
        for table in tables:
            cells = []
            for name in names:
                c = counts[name].get(table, {"values": 0, "assumed": 0, "imputed": 0})
                cells.append(f"{_pct(c, 'assumed')} / {_pct(c, 'imputed')}")
            lines.append(f"| {table} | " + " | ".join(cells) + " |")
    if (root / "regions12" / "regions.csv").is_file():
        pop_d, host_d = _hosted(root / "default")
        pop_b, host_b = _hosted(root / "regions12")
        lines += [
            "",
            "regions12 built from data (2010) beside the hand-typed default world (2013), "
            "millions:",
            "",
            "| region | population 2010 (data) | population 2013 (default) | "
            "migrants hosted 2010 (data) | migrants hosted 2013 (default) |",
            "|---|---:|---:|---:|---:|",
        ]
        for code in REGION_NAMES:
            lines.append(
                f"| {code} | {pop_b.get(code, 0) / 1e6:,.1f} | {pop_d[code] / 1e6:,.1f} | "
                f"{host_b.get(code, 0) / 1e6:,.2f} | {host_d[code] / 1e6:,.2f} |"
            )
        lines.append(
            f"| world | {sum(pop_b.values()) / 1e6:,.1f} | {sum(pop_d.values()) / 1e6:,.1f} | "
            f"{sum(host_b.values()) / 1e6:,.2f} | {sum(host_d.values()) / 1e6:,.2f} |"
        )
    return "\n".join(lines)


def sync_readme(path: Path, check: bool) -> bool:
    """Rewrite (or, with `check`, compare) the block of `path`; True if it was current."""
    return sync_blocks(path, [(BEGIN, END, readme_block(), True)], check, "world-build")
