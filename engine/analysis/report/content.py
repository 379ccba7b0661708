"""The report's content from the comparison's summary: who gains, by how much, under which
regime. Every measure gets one table with the regimes as rows (mean across seeds, the seeds'
sd under it) and one heat map; scopes are welfare groups or regions (at most `MAX_SCOPES`
regions: the largest changes of a many-region world; all are in comparison.parquet)."""

from __future__ import annotations

import polars as pl

from migsim.analysis.report import plots
from migsim.analysis.report.format import PCT, PP, PPP_BN, USD_BN, Quantity, number, short, spread
from migsim.analysis.report.model import Cell, Column, Figure, Row, Section, Table
from migsim.analysis.report.names import WELFARE_ORDER, scope_label

MAX_SCOPES = 12
NO_CHANGE = "no change from baseline"

# (section id, title, intro, [(measure, quantity, title)]) of the measures by region
REGION_SECTIONS = [
    (
        "wages",
        "Wages by skill and nativity",
        "Wage per efficiency unit of labour in each region, by skill (low: non-tertiary, high: "
        "tertiary) and nativity of the worker.",
        [
            ("wage_low_native", PCT, "Wages of low-skilled natives"),
            ("wage_high_native", PCT, "Wages of high-skilled natives"),
            ("wage_low_immigrant", PCT, "Wages of low-skilled immigrants"),
            ("wage_high_immigrant", PCT, "Wages of high-skilled immigrants"),
        ],
    ),
    (
        "fiscal",
        "Public finances",
        "Fiscal balance (taxes, other revenue and levies minus public spending) and revenue "
        "of levies on immigrants, by region.",
        [
            ("fiscal_balance", PPP_BN, "Fiscal balance"),
            ("levy_revenue", PPP_BN, "Levy revenue"),
        ],
    ),
    (
        "remittances",
        "Remittances",
        "Remittances received by the region's residents, after fees.",
        [("remittances_received", USD_BN, "Remittances received")],
    ),
    (
        "skills",
        "Skilled emigration and human capital",
        "Emigration rate of the tertiary-educated born in each region and the tertiary share "
        "of residents, change in percentage points.",
        [
            ("skilled_emigration_rate", PP, "Skilled emigration rate"),
            ("tertiary_share", PP, "Tertiary share of residents"),
        ],
    ),
    (
        "stocks",
        "Migrant stocks",
        "Residents born elsewhere, by region of residence.",
        [("migrant_stock", PCT, "Migrant stock")],
    ),
]
WELFARE_MEASURES = [
    ("real_income", PCT, "Real income by welfare group"),
    ("real_income", PPP_BN, "Real income by welfare group"),
    ("real_income_private", PCT, "Private income by welfare group"),
    ("real_income_public", PCT, "Public income by welfare group"),
]
HEADLINE = [
    ("world_gdp", "world", PCT, "World GDP"),
    ("migrant_stock", "world", PCT, "World migrant stock"),
    ("real_income", "world", PCT, "World real income"),
    ("remittances_received", "world", USD_BN, "Remittances received, world"),
    ("levy_revenue", "world", PPP_BN, "Levy revenue, world"),
]
SHOWN = (
    {m for _, _, _, ms in REGION_SECTIONS for m, _, _ in ms}
    | {m for m, _, _ in WELFARE_MEASURES}
    | {m for m, *_ in HEADLINE}
)


class Builder:
    """Tables and figures of one comparison's summary (`compare.summarise` of a labelled
    table), with the regime labels in report order and the names of the scopes."""

    def __init__(self, summary: pl.DataFrame, names: dict[str, str]):
        self.summary = summary
        self.names = names
        self.labels = list(dict.fromkeys(summary["regime"].to_list()))
        reference = summary.filter(pl.col("is_baseline"))["regime"].unique().to_list()
        self.reference = set(reference)
        changed = summary.filter(pl.col("change").fill_null(0).abs() > 0)["regime"].unique()
        self.flags = {
            label: NO_CHANGE
            for label in self.labels
            if label not in self.reference and label not in set(changed.to_list())
        }
        self._index = {
            (r["regime"], r["measure"], r["scope"]): r for r in summary.iter_rows(named=True)
        }

    def get(self, label: str, measure: str, scope: str) -> dict | None:
        return self._index.get((label, measure, scope))

    def has(self, measure: str) -> bool:
        return any(k[1] == measure for k in self._index)

    def scopes(self, measure: str) -> list[str]:
        return list(dict.fromkeys(s for (_, m, s) in self._index if m == measure))

    def cell(self, label: str, measure: str, scope: str, q: Quantity) -> Cell:
        row = self.get(label, measure, scope)
        if row is None:
            return Cell("–")
        v = row[q.field]
        sd = row[q.spread_fields()[2]] if row["seeds"] > 1 and not row["is_baseline"] else None
        shown = None if v is None else round(v / q.scale, q.decimals)
        text, sd_text = number(v, q), spread(sd, q)
        return Cell(text, "" if text == "0" and sd_text == "± 0" else sd_text, shown)

    def row_label(self, label: str) -> str:
        return label

    def regions(self, measure: str, q: Quantity) -> tuple[list[str], str]:
        """The measure's regions to show ("world" last) and a note when some are left out:
        all of them up to MAX_SCOPES, else those with the largest mean |change| of any
        regime."""
        order = {code: i for i, code in enumerate(self.names)}  # the world's own order
        scopes = [s for s in self.scopes(measure) if s not in WELFARE_ORDER]
        scopes.sort(key=lambda s: order.get(s, len(order)))
        world = ["world"] if "world" in self.scopes(measure) else []
        if len(scopes) <= MAX_SCOPES:
            return scopes + world, ""

        def size(scope: str) -> float:
            vals = [(self.get(lab, measure, scope) or {}).get(q.field) for lab in self.labels]
            return max((abs(v) for v in vals if v is not None), default=0.0)

        top = sorted(scopes, key=lambda s: (-size(s), s))[:MAX_SCOPES]
        top = [s for s in scopes if s in top]
        note = (
            f"{len(top)} of {len(scopes)} regions shown: those with the largest change "
            "under any regime (every region is in comparison.parquet)."
        )
        return top + world, note

    def table(self, tid: str, title: str, measure: str, scopes: list[str], q: Quantity) -> Table:
        columns = [Column(scope_label(s, self.names), q.unit) for s in scopes]
        rows = [
            Row(
                self.row_label(lab),
                [self.cell(lab, measure, s, q) for s in scopes],
                self.flags.get(lab, ""),
                lab in self.reference,
            )
            for lab in self.labels
        ]
        return Table(tid, f"{title} ({q.unit})", columns, rows, caption=q.meaning)

    def heatmap(self, fid: str, title: str, measure: str, scopes: list[str], q: Quantity):
        labels = [lab for lab in self.labels if lab not in self.reference] or self.labels
        values, cells = [], []
        for lab in labels:
            rows = [self.get(lab, measure, s) for s in scopes]
            raw = [None if r is None else r[q.field] for r in rows]
            values.append([None if v is None else round(v / q.scale, q.decimals) for v in raw])
            cells.append([short(v, q) for v in raw])
        ylabels = [f"{lab} ({NO_CHANGE})" if lab in self.flags else lab for lab in labels]
        xlabels = [scope_label(s, self.names) for s in scopes]
        svg = plots.heatmap(ylabels, xlabels, values, cells, f"{title} ({q.unit})", q.unit)
        return Figure(fid, title, svg, "Heat map: blue gain, red loss; mean across seeds.")

    def measure_items(
        self, measure: str, q: Quantity, title: str, scopes=None, heat: bool = True
    ) -> list:
        """Heat map and table of one measure (regions when `scopes` is None)."""
        note = ""
        if scopes is None:
            scopes, note = self.regions(measure, q)
        else:
            scopes = [s for s in scopes if s in self.scopes(measure)]
        if not scopes:
            return []
        tid = f"{measure}-{q.column}".replace("_", "-")
        items: list = [note] if note else []
        if heat and len(self.labels) > len(self.reference):
            items.append(self.heatmap(f"heat-{tid}", title, measure, scopes, q))
        items.append(self.table(f"table-{tid}", title, measure, scopes, q))
        return items

    # ------------------------------------------------------------------ sections
    def headline(self) -> Section:
        shown = [h for h in HEADLINE if self.get(self.labels[0], h[0], h[1]) is not None]
        columns = [Column(title, q.unit) for _, _, q, title in shown]
        seeds = [self.get(lab, "world_gdp", "world") for lab in self.labels]
        columns.append(Column("Seeds", "runs"))
        rows = []
        for lab, s in zip(self.labels, seeds):
            cells = [self.cell(lab, m, scope, q) for m, scope, q, _ in shown]
            n = s["seeds"] if s else 0
            cells.append(Cell(str(n), "", float(n)))
            rows.append(Row(lab, cells, self.flags.get(lab, ""), lab in self.reference))
        table = Table("table-headline", "Headline measures, world", columns, rows)
        items: list = [table]
        facets = []
        for m, scope, q, title in shown[:4]:
            bars = []
            for lab in self.labels:
                r = self.get(lab, m, scope)
                lo, hi, _ = q.spread_fields()
                vals = [
                    None if r is None or r[f] is None else r[f] / q.scale for f in (q.field, lo, hi)
                ]
                bars.append((lab, *vals))
            facets.append(plots.Bars(title, q.unit, bars))
        if facets:
            items.insert(
                0,
                Figure(
                    "headline",
                    "Headline measures by regime",
                    plots.facet_bars(facets),
                    "Bars: mean across seeds; whiskers: lowest to highest seed; each panel "
                    "has its own scale.",
                ),
            )
        return Section("totals", "Headline: world totals", "", items)

    def welfare(self) -> Section | None:
        if not self.has("real_income"):
            return None
        items = []
        for k, (m, q, title) in enumerate(WELFARE_MEASURES):
            items += self.measure_items(m, q, title, WELFARE_ORDER, heat=k == 0)
        intro = (
            "Who gains: real income (private income after tax, natives' capital income and "
            "remittances received, plus public spending received) of each welfare group, as "
            "in Alonso's (2015) Table 6.2."
        )
        return Section("welfare", "Who gains: real income by welfare group", intro, items)

    def region_sections(self) -> list[Section]:
        out = []
        for sid, title, intro, measures in REGION_SECTIONS:
            items = []
            for m, q, mtitle in measures:
                if self.has(m):
                    items += self.measure_items(m, q, mtitle)
            if items:
                out.append(Section(sid, title, intro, items))
        return out

    def more(self, registered: dict) -> Section | None:
        """The registered measures no other section shows (% change by scope)."""
        extra = [m for m in registered.values() if m.report and m.name not in SHOWN]
        items: list = []
        for m in extra:
            if not self.has(m.name):
                continue
            items.append(f"**{m.name}** ({m.unit}): {m.doc}")
            scopes = self.scopes(m.name)
            regions = [s for s in scopes if s not in WELFARE_ORDER]
            if len(regions) == len(scopes) or "world" in scopes and len(regions) == len(scopes) - 1:
                items += self.measure_items(m.name, PCT, m.name)
            else:
                items += self.measure_items(m.name, PCT, m.name, scopes)
        return Section("more", "More measures", "", items) if items else None


def time_path_section(table: pl.DataFrame | None, labels: list[str], reference: set[str]):
    """Time paths of world GDP (% change) and the migrant share (level), and a table of the
    world GDP change by year (at most eight years: evenly spaced, the last included)."""
    if table is None or not table.height:
        return None

    def lines(measure: str, field: str, lo: str, hi: str) -> dict:
        d = table.filter(pl.col("measure") == measure)
        out = {}
        for lab in labels:
            rows = d.filter(pl.col("regime") == lab).sort("year")
            out[lab] = list(zip(rows["year"], rows[field], rows[lo], rows[hi]))
        return out

    svg = plots.time_paths(
        [
            ("World GDP", PCT.unit, lines("world_gdp", "change_pct", "pct_min", "pct_max")),
            (
                "Migrant share of the world's residents",
                "% of residents",
                lines("migrant_share", "value", "value_min", "value_max"),
            ),
        ],
        reference,
    )
    years = sorted(set(table["year"].to_list()))
    if len(years) > 8:
        step = (len(years) - 1) / 7
        years = sorted({years[round(k * step)] for k in range(8)})
    gdp = table.filter(pl.col("measure") == "world_gdp")
    index = {(r["regime"], r["year"]): r for r in gdp.iter_rows(named=True)}
    rows = []
    for lab in labels:
        cells = []
        for y in years:
            r = index.get((lab, y))
            v = None if r is None else r["change_pct"]
            cells.append(Cell(number(v, PCT), "", None if v is None else round(v, 2)))
        rows.append(Row(lab, cells, "", lab in reference))
    table_ = Table(
        "table-paths-world-gdp",
        f"World GDP by year ({PCT.unit})",
        [Column(str(y), PCT.unit) for y in years],
        rows,
    )
    figure = Figure(
        "time-paths",
        "Time paths",
        svg,
        "Lines: mean across seeds; bands: lowest to highest seed; dashed: the reference.",
    )
    return Section("paths", "Time paths", "", [figure, table_])
