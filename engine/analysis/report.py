"""The comparison's report and files: comparison.parquet, report.md and report.html with PNG
plots, from the tidy table of `migsim.analysis.compare`.

    write_comparison(sweep_dir, baseline="status_quo", out_dir=None) -> Comparison

Fixed sections show the measures of the seed's tables (world GDP, real income by group as
in Table 6.2, wages, public finances, remittances, human capital, migrant stocks); every
other registered measure (`migsim.analysis.measures`, `report=True`) is listed under "More
measures", so a measure declared anywhere reaches the report.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from migsim.analysis.compare import RunInfo, compare, find_runs, labelled, summarise
from migsim.analysis.measures import registered
from migsim.analysis.runs import output_dir

WELFARE_ORDER = [
    "natives_developed",
    "earlier_migrants_developed",
    "natives_developing",
    "new_migrants",
    "earlier_migrants_developing",
    "world",
]
WELFARE_LABELS = {
    "natives_developed": "Natives in high-income regions",
    "earlier_migrants_developed": "Earlier migrants in high-income regions",
    "natives_developing": "Natives in developing regions",
    "new_migrants": "New migrants",
    "earlier_migrants_developing": "Earlier migrants in developing regions",
    "world": "WORLD TOTAL",
}


@dataclass
class Comparison:
    table: pl.DataFrame
    out_dir: Path
    files: list[Path]


def _fmt(x, digits=2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return str(x)
    ax = abs(x)
    if ax != 0 and (ax >= 1e6 or ax < 10**-digits):
        return f"{x:.3g}"
    return f"{x:,.{digits}f}"


def _md_table(df: pl.DataFrame) -> str:
    head = "| " + " | ".join(df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.iter_rows()]
    return "\n".join([head, sep, *rows])


def _html_table(df: pl.DataFrame) -> str:
    import html

    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


class Report:
    """Blocks rendered both as Markdown and as HTML."""

    def __init__(self, title: str):
        self.title = title
        self.blocks: list[tuple[str, object]] = []

    def h(self, text: str):
        self.blocks.append(("h", text))

    def p(self, text: str):
        self.blocks.append(("p", text))

    def table(self, df: pl.DataFrame):
        self.blocks.append(("table", df))

    def image(self, name: str, alt: str):
        self.blocks.append(("img", (name, alt)))

    def markdown(self) -> str:
        out = [f"# {self.title}", ""]
        for kind, x in self.blocks:
            if kind == "h":
                out += [f"## {x}", ""]
            elif kind == "p":
                out += [str(x), ""]
            elif kind == "table":
                out += [_md_table(x), ""]
            else:
                out += [f"![{x[1]}]({x[0]})", ""]
        return "\n".join(out)

    def html(self) -> str:
        import html

        out = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title><style>body{{font-family:sans-serif;"
            "max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
            "th{background:#eee}img{max-width:100%}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        for kind, x in self.blocks:
            if kind == "h":
                out.append(f"<h2>{html.escape(x)}</h2>")
            elif kind == "p":
                text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(str(x)))
                out.append(f"<p>{text}</p>")
            elif kind == "table":
                out.append(_html_table(x))
            else:
                out.append(f"<img src='{x[0]}' alt='{html.escape(x[1])}'>")
        out.append("</body></html>")
        return "\n".join(out)


def _plot_world_gdp(table: pl.DataFrame, baseline: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = table.filter(pl.col("measure") == "world_gdp", ~pl.col("is_baseline"))
    regimes = list(dict.fromkeys(d["regime"].to_list()))
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(regimes) + 2), 3.5))
    for i, r in enumerate(regimes):
        v = d.filter(pl.col("regime") == r)["change_pct"].drop_nulls().to_list()
        if not v:
            continue
        mean = sum(v) / len(v)
        ax.bar(i, mean, color="#4477aa", alpha=0.7)
        ax.errorbar(i, mean, yerr=[[mean - min(v)], [max(v) - mean]], color="k", capsize=4)
        ax.scatter([i] * len(v), v, color="k", s=10, zorder=3)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(regimes)), regimes, rotation=30, ha="right")
    ax.set_ylabel(f"world GDP, % change vs {baseline}")
    ax.set_title("World GDP (bar: mean; whiskers: min-max; dots: seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_grouped(
    summary: pl.DataFrame, measure: str, scopes: list[str], baseline: str, ylabel: str, path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = summary.filter(pl.col("measure") == measure, ~pl.col("is_baseline"))
    regimes = list(dict.fromkeys(d["regime"].to_list()))
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(scopes) * max(1, len(regimes)) / 2 + 3), 3.8))
    width = 0.8 / max(1, len(regimes))
    for k, r in enumerate(regimes):
        dr = d.filter(pl.col("regime") == r)
        vals = [dr.filter(pl.col("scope") == s)["change_pct"].to_list() for s in scopes]
        vals = [v[0] if v and v[0] is not None else 0.0 for v in vals]
        ax.bar([i + k * width for i in range(len(scopes))], vals, width, label=r)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(
        [i + width * (len(regimes) - 1) / 2 for i in range(len(scopes))],
        scopes,
        rotation=30,
        ha="right",
    )
    ax.set_ylabel(ylabel)
    if regimes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# the measures the fixed sections of build_report show
SHOWN = (
    "world_gdp",
    "real_income",
    "real_income_private",
    "real_income_public",
    "wage_low_native",
    "wage_high_native",
    "wage_low_immigrant",
    "wage_high_immigrant",
    "fiscal_balance",
    "levy_revenue",
    "remittances_received",
    "skilled_emigration_rate",
    "tertiary_share",
    "migrant_stock",
)


def more_measures(rep: Report, summary: pl.DataFrame, baseline: str, others: list[str]) -> None:
    """The registered measures no fixed section shows: change and % change by scope."""
    extra = [m for m in registered().values() if m.report and m.name not in SHOWN]
    if not extra:
        return
    rep.h("More measures")
    for m in extra:
        rep.p(f"**{m.name}** ({m.unit}): {m.doc}")
        for r in others:
            d = summary.filter(pl.col("measure") == m.name, pl.col("regime") == r)
            rep.p(f"**{r}** vs {baseline}:")
            rep.table(
                d.select(
                    "scope",
                    pl.col("value").alias("value"),
                    pl.col("change").alias("change"),
                    pl.col("change_pct").alias("change %"),
                )
            )


def build_report(table: pl.DataFrame, baseline: str, out_dir: Path, runs: list[RunInfo]) -> Report:
    table = labelled(table, baseline)
    summary = summarise(table)
    regimes = list(dict.fromkeys(table["regime"].to_list()))
    others = list(dict.fromkeys(table.filter(~pl.col("is_baseline"))["regime"].to_list()))
    seeds = sorted(set(table["seed"].to_list()))
    regions = sorted(set(table.filter(pl.col("measure") == "gdp")["scope"].to_list()))
    rep = Report("migsim regime comparison")
    worlds = sorted({r.world for r in runs})
    rep.p(
        f"{len(runs)} runs: regimes {', '.join(regimes)}; seeds {', '.join(map(str, seeds))}; "
        f"world {', '.join(worlds)}; final year {int(table['year'].max())}; "
        f"baseline {baseline} with the same seed"
        + (" and variant (in brackets)" if any(r.variant for r in runs) else "")
        + " (common random numbers). Values are the "
        "final simulated year; with several seeds, mean and spread (min, max, sd) across "
        "seeds of the per-seed % change."
    )

    rep.h("World GDP")
    wg = summary.filter(pl.col("measure") == "world_gdp").select(
        "regime",
        "seeds",
        (pl.col("value") / 1e9).alias("world GDP (bn)"),
        (pl.col("change") / 1e9).alias("change (bn)"),
        pl.col("change_pct").alias("change %"),
        pl.col("pct_min").alias("min %"),
        pl.col("pct_max").alias("max %"),
        pl.col("pct_sd").alias("sd %"),
    )
    rep.table(wg)
    _plot_world_gdp(table, baseline, out_dir / "world_gdp_change.png")
    rep.image("world_gdp_change.png", "World GDP change by regime")

    rep.h("Real income by group (as in Table 6.2)")
    rep.p(
        "Real income = private (earnings after tax, capital income of natives) + public "
        "(public spending received) income of each welfare group, PPP $ bn; change vs "
        "the baseline in bn and %, mean across seeds."
    )
    for r in others:
        rows = []
        for g in WELFARE_ORDER:
            row = {"group": WELFARE_LABELS[g]}
            for m, lab in (
                ("real_income_private", "private"),
                ("real_income_public", "public"),
                ("real_income", "total"),
            ):
                d = summary.filter(
                    pl.col("measure") == m, pl.col("regime") == r, pl.col("scope") == g
                )
                row[f"{lab} (bn)"] = d["change"][0] / 1e9 if d.height else None
                row[f"{lab} %"] = d["change_pct"][0] if d.height else None
            rows.append(row)
        rep.p(f"**{r}** vs {baseline}:")
        rep.table(pl.DataFrame(rows))
    _plot_grouped(
        summary,
        "real_income",
        WELFARE_ORDER,
        baseline,
        "real income, % change",
        out_dir / "real_income_change.png",
    )
    rep.image("real_income_change.png", "Real income change by group")

    def region_table(
        measures: list[tuple[str, str]], value: str, scale: float = 1.0, world: bool = False
    ) -> None:
        for r in others:
            cols = {"region": regions + (["world"] if world else [])}
            for m, lab in measures:
                d = summary.filter(pl.col("measure") == m, pl.col("regime") == r)
                lookup = dict(zip(d["scope"].to_list(), d[value].to_list()))
                cols[lab] = [
                    (lookup.get(s) / scale if lookup.get(s) is not None else None)
                    for s in cols["region"]
                ]
            rep.p(f"**{r}** vs {baseline}:")
            rep.table(pl.DataFrame(cols, strict=False))

    rep.h("Wages by skill, natives and immigrants (% change)")
    region_table(
        [
            ("wage_low_native", "low, natives"),
            ("wage_high_native", "high, natives"),
            ("wage_low_immigrant", "low, immigrants"),
            ("wage_high_immigrant", "high, immigrants"),
        ],
        "change_pct",
    )
    rep.h("Fiscal balance by region (change, bn)")
    region_table(
        [
            ("fiscal_balance", "fiscal balance change (bn)"),
            ("levy_revenue", "levy revenue change (bn)"),
        ],
        "change",
        1e9,
        world=True,
    )
    rep.h("Remittances received (change)")
    region_table([("remittances_received", "received, change (bn)")], "change", 1e9, world=True)
    region_table([("remittances_received", "received, %")], "change_pct", world=True)
    rep.h("Skilled emigration and human capital by region (change, percentage points)")
    region_table(
        [
            ("skilled_emigration_rate", "skilled emigration rate (pp)"),
            ("tertiary_share", "tertiary share (pp)"),
        ],
        "change",
        0.01,
    )
    rep.h("Migrant stock (change, millions and %)")
    region_table([("migrant_stock", "change (M)")], "change", 1e6, world=True)
    region_table([("migrant_stock", "%")], "change_pct", world=True)
    _plot_grouped(
        summary,
        "migrant_stock",
        regions + ["world"],
        baseline,
        "migrant stock, % change",
        out_dir / "migrant_stock_change.png",
    )
    rep.image("migrant_stock_change.png", "Migrant stock change")
    more_measures(rep, summary, baseline, others)
    return rep


def write_comparison(
    sweep_dir: str | Path, baseline: str = "status_quo", out_dir: str | Path | None = None
) -> Comparison:
    """compare() and write comparison.parquet, report.md, report.html and the PNG plots.

    Every run is read and checked before anything is written; the files are written into a
    staging directory inside the output directory and moved into place only when all are
    done, so a failure leaves the files of an earlier comparison as they were."""
    runs = find_runs(sweep_dir)
    out = output_dir("--out" if out_dir is not None else "DIR", out_dir or sweep_dir)
    table = compare(sweep_dir, baseline, runs)
    staging = Path(tempfile.mkdtemp(prefix=".comparison-staging-", dir=out))
    try:
        table.write_parquet(staging / "comparison.parquet")
        rep = build_report(table, baseline, staging, runs)
        (staging / "report.md").write_text(rep.markdown())
        (staging / "report.html").write_text(rep.html())
        names = ["comparison.parquet", "report.md", "report.html"]
        names += sorted(p.name for p in staging.glob("*.png"))
        for name in names:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Comparison(table, out, [out / name for name in names])
