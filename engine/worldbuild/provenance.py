"""Where every value of a built world comes from, and how much of it was not data.

One row per (table, row key, column): the input(s) it was computed from and the method,
one of `data` (an input's value for a single country or pair), `aggregated` (summed or
averaged over an area's countries, all with data), `imputed:<method>` (some countries had
no value and got one by the named method; `note` gives the imputed share) or
`assumed:<from>` (no input gives it; taken from the named source).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

PROVENANCE_COLUMNS = ("table", "row", "column", "method", "sources", "note")


class Provenance:
    """Rows collected while a world is built."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str, str]] = []

    def add(
        self, table: str, row: str, column: str, method: str, sources: str, note: str = ""
    ) -> None:
        self.rows.append((table, row, column, method, sources, note))

    def amend(self, table: str, row: str, column: str, method: str, note: str) -> None:
        """Replace the method of a value already recorded and add to its note."""
        for k, (t, r, c, _, sources, old) in enumerate(self.rows):
            if (t, r, c) == (table, row, column):
                self.rows[k] = (t, r, c, method, sources, f"{old}; {note}" if old else note)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(PROVENANCE_COLUMNS)
        writer.writerows(sorted(self.rows))
        return buffer.getvalue()

    def counts(self) -> dict[tuple[str, str], dict[str, int]]:
        """Values per (table, column) by kind: total, data (incl. aggregated), imputed,
        assumed."""
        out: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: {"total": 0, "data": 0, "imputed": 0, "assumed": 0}
        )
        for table, _, column, method, _, _ in self.rows:
            kind = method.split(":")[0]
            kind = "data" if kind in ("data", "aggregated") else kind
            cell = out[(table, column)]
            cell["total"] += 1
            cell[kind] += 1
        return dict(out)

    def summary(self, world: str) -> str:
        """A Markdown summary: assumed and imputed values per table and per variable."""
        counts = self.counts()
        tables: dict[str, dict[str, int]] = defaultdict(
            lambda: {"total": 0, "data": 0, "imputed": 0, "assumed": 0}
        )
        for (table, _), cell in counts.items():
            for k, v in cell.items():
                tables[table][k] += v
        total = {k: sum(t[k] for t in tables.values()) for k in ("total", "imputed", "assumed")}
        lines = [
            f"# Provenance of world `{world}`",
            "",
            f"{total['total']} values: {_share(total['assumed'], total['total'])} assumed, "
            f"{_share(total['imputed'], total['total'])} imputed "
            "(every value has its row in provenance.csv, or provenance.csv.gz for a large world).",
            "",
            "| table | values | assumed | imputed |",
            "|---|---:|---:|---:|",
        ]
        for table in sorted(tables):
            t = tables[table]
            lines.append(
                f"| {table} | {t['total']} | {_share(t['assumed'], t['total'])} | "
                f"{_share(t['imputed'], t['total'])} |"
            )
        lines += [
            "",
            "| table | variable | values | assumed | imputed |",
            "|---|---|---:|---:|---:|",
        ]
        for (table, column), c in sorted(counts.items()):
            lines.append(
                f"| {table} | {column} | {c['total']} | {_share(c['assumed'], c['total'])} | "
                f"{_share(c['imputed'], c['total'])} |"
            )
        return "\n".join(lines) + "\n"


def _share(count: int, total: int) -> str:
    return f"{count} ({100.0 * count / total:.0f}%)" if total else "0"
