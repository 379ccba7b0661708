"""Regime comparison: read every complete run under a directory, set each against the same
seed's baseline run (common random numbers), and write a tidy table and a report.

    compare(sweep_dir, baseline="status_quo") -> polars.DataFrame
    write_comparison(sweep_dir, baseline="status_quo", out_dir=None) -> Comparison

The tidy table has one row per (regime, seed, measure, scope) for the **final simulated
year** of each run (column `year` holds that year):

    regime, variant, seed, year, measure, scope, value, baseline, change, change_pct

`change = value - baseline`, `change_pct = 100 * change / |baseline|` (null when the
baseline is 0). A run is complete iff its `manifest.json` exists; its regime name comes from
the manifest's resolved config (`regime.name` plus the names in `regime.add`, joined by '+',
`migsim.regimes.regime_name`). `variant` holds the command-line overrides (Hydra's
`.hydra/overrides.yaml`, other than regime, seed and hydra.*) whose values differ between the
runs compared, as `key=value` joined by spaces, and is empty when every run shares them: a
sweep `-m regime=status_quo,free_mobility behaviour.nest_dissimilarity=0.6,1.0` compares
each regime with the baseline of its own variant and seed. Runs are identified by (regime,
variant, seed); two complete runs with the same triple are an error (compare one sweep at a
time), and so is a variant without a baseline run.

Measures (scope in brackets): world_gdp [world]; gdp, gdp_per_capita [region];
real_income, real_income_private, real_income_public, real_income_per_person [welfare group
of the seed's Table 6.2, and world]; wage_{low,high}_{native,immigrant} [region];
fiscal_balance [region]; levy_revenue [region, world]; remittances_received [region, world];
remittance_fees [world]; skilled_emigration_rate, tertiary_share [region]; migrant_stock
[region, world]; emigrants [region]; arrivals [region, world].
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from omegaconf import OmegaConf

from migsim.analysis.collect import run_overrides
from migsim.core.errors import InputError
from migsim.regimes import regime_name

KEYS = ["regime", "variant", "seed", "year", "measure", "scope"]
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
REGION_MEASURES = [
    "gdp",
    "gdp_per_capita",
    "wage_low_native",
    "wage_high_native",
    "wage_low_immigrant",
    "wage_high_immigrant",
    "fiscal_balance",
    "levy_revenue",
    "remittances_received",
    "skilled_emigration_rate",
    "tertiary_share",
    "emigrants",
    "arrivals",
]
WORLD_SUMS = {
    "world_gdp": "gdp",
    "levy_revenue": "levy_revenue",
    "remittances_received": "remittances_received",
    "migrant_stock": "immigrants",
    "arrivals": "arrivals",
}


@dataclass
class RunInfo:
    path: Path
    regime: str
    seed: int
    world: str
    years: int
    size: int
    overrides: dict[str, str]
    variant: str = ""

    @property
    def label(self) -> str:
        """The regime, with its variant in brackets when there is one (report labels)."""
        return f"{self.regime} [{self.variant}]" if self.variant else self.regime


def find_runs(sweep_dir: str | Path) -> list[RunInfo]:
    """Every complete run (a directory with manifest.json) under `sweep_dir`, recursively."""
    root = Path(sweep_dir)
    if not root.is_dir():
        raise InputError("compare", f"'{root}' is not a directory", "a sweep or run directory")
    runs = []
    for manifest in sorted(root.rglob("manifest.json")):
        data = json.loads(manifest.read_text())
        cfg = OmegaConf.create(data.get("config") or "{}")
        regime = cfg.get("regime") or OmegaConf.create({"name": "status_quo"})
        runs.append(
            RunInfo(
                manifest.parent,
                regime_name(regime),
                int(data["seed"]),
                str(data.get("world", "")),
                int(data.get("years", 0)),
                int(data.get("agents", 0)),
                run_overrides(manifest.parent),
            )
        )
    if not runs:
        raise InputError(
            "compare",
            f"no complete run (manifest.json) under '{root}'",
            "a directory written by `python -m migsim.runtime.app [-m]`",
        )
    keys = sorted({k for r in runs for k in r.overrides})
    varying = [k for k in keys if len({r.overrides.get(k) for r in runs}) > 1]
    for r in runs:
        r.variant = " ".join(f"{k}={r.overrides.get(k, '(unset)')}" for k in varying)
    seen: dict[tuple, Path] = {}
    for r in runs:
        key = (r.regime, r.variant, r.seed)
        if key in seen:
            raise InputError(
                "compare",
                f"two runs of regime '{r.label}' with seed {r.seed} ({seen[key]} and {r.path})",
                "one run per regime, seed and variant of the overrides",
            )
        seen[key] = r.path
    return runs


def _long(frame: pl.DataFrame, measures: list[str], scope_col: str) -> pl.DataFrame:
    cols = [m for m in measures if m in frame.columns]
    return frame.select(
        pl.col(scope_col).alias("scope"), *[pl.col(c).cast(pl.Float64) for c in cols]
    ).unpivot(index="scope", variable_name="measure", value_name="value")


def run_measures(run: RunInfo) -> pl.DataFrame:
    """The measures of one run's final year, long format (year, measure, scope, value)."""
    regions = pl.read_parquet(run.path / "regions.parquet")
    year = int(regions["year"].max())
    reg = regions.filter(pl.col("year") == year).with_columns(migrant_stock=pl.col("immigrants"))
    parts = [_long(reg, REGION_MEASURES + ["migrant_stock"], "region")]
    world = reg.select(
        *[pl.col(src).sum().alias(name) for name, src in WORLD_SUMS.items() if src in reg.columns]
    ).with_columns(scope=pl.lit("world"))
    parts.append(_long(world, list(WORLD_SUMS), "scope"))
    welfare_path = run.path / "welfare.parquet"
    if welfare_path.exists():
        w = pl.read_parquet(welfare_path)
        if w.height:
            w = w.filter(pl.col("year") == w["year"].max())
            tot = w.select(
                pl.lit("world").alias("group"),
                pl.col("people", "private_income", "public_income").sum(),
            )
            w = pl.concat([w.select("group", "people", "private_income", "public_income"), tot])
            w = w.select(
                "group",
                real_income=pl.col("private_income") + pl.col("public_income"),
                real_income_private=pl.col("private_income"),
                real_income_public=pl.col("public_income"),
                real_income_per_person=(pl.col("private_income") + pl.col("public_income"))
                / pl.col("people"),
            )
            parts.append(
                _long(
                    w,
                    [
                        "real_income",
                        "real_income_private",
                        "real_income_public",
                        "real_income_per_person",
                    ],
                    "group",
                )
            )
    remit_path = run.path / "remittances.parquet"
    if remit_path.exists():
        rm = pl.read_parquet(remit_path)
        if rm.height:
            rm = rm.filter(pl.col("year") == rm["year"].max())
            parts.append(
                pl.DataFrame(
                    {
                        "scope": ["world"],
                        "measure": ["remittance_fees"],
                        "value": [float(rm["fees"].sum())],
                    }
                )
            )
    out = pl.concat(parts, how="vertical_relaxed")
    return out.with_columns(
        regime=pl.lit(run.regime),
        variant=pl.lit(run.variant),
        seed=pl.lit(run.seed, pl.Int64),
        year=pl.lit(year, pl.Int64),
    ).select(*KEYS, "value")


def compare(
    sweep_dir: str | Path, baseline: str = "status_quo", runs: list[RunInfo] | None = None
) -> pl.DataFrame:
    """Tidy comparison of every complete run under `sweep_dir` against `baseline` (`runs`:
    find_runs(sweep_dir) when the caller has already read them)."""
    runs = find_runs(sweep_dir) if runs is None else runs
    regimes = sorted({r.regime for r in runs})
    if baseline not in regimes:
        raise InputError(
            "--baseline", f"no run of regime '{baseline}' under '{sweep_dir}'", ", ".join(regimes)
        )
    have = {(r.variant, r.seed) for r in runs if r.regime == baseline}
    for r in runs:
        if (r.variant, r.seed) not in have:
            raise InputError(
                "--baseline",
                f"no run of regime '{baseline}' with seed {r.seed}"
                + (f" and {r.variant}" if r.variant else "")
                + f" to compare {r.path} with",
                "a baseline run for every seed and variant of the sweep",
            )
    long = pl.concat([run_measures(r) for r in runs], how="vertical_relaxed")
    base = long.filter(pl.col("regime") == baseline).select(
        "variant", "seed", "measure", "scope", pl.col("value").alias("baseline")
    )
    out = long.join(base, on=["variant", "seed", "measure", "scope"], how="left")
    out = out.with_columns(change=pl.col("value") - pl.col("baseline"))
    out = out.with_columns(
        change_pct=pl.when(pl.col("baseline") != 0)
        .then(100.0 * pl.col("change") / pl.col("baseline").abs())
        .otherwise(None)
    )
    order = {r: (0 if r == baseline else 1, r) for r in regimes}
    return (
        out.with_columns(
            _o=pl.col("regime").replace_strict(
                {r: i for i, r in enumerate(sorted(regimes, key=order.get))}, return_dtype=pl.Int64
            )
        )
        .sort("_o", "variant", "seed", "measure", "scope")
        .drop("_o")
    )


# --------------------------------------------------------------------------- report
@dataclass
class Comparison:
    table: pl.DataFrame
    out_dir: Path
    files: list[Path]


def labelled(table: pl.DataFrame, baseline: str) -> pl.DataFrame:
    """The table for reports: `regime` becomes the label "regime [variant]" (just the regime
    when there is no variant), `variant` is dropped and `is_baseline` marks the baseline's
    rows of every variant."""
    return table.with_columns(
        is_baseline=pl.col("regime") == baseline,
        regime=pl.when(pl.col("variant") != "")
        .then(pl.format("{} [{}]", "regime", "variant"))
        .otherwise(pl.col("regime")),
    ).drop("variant")


def summarise(table: pl.DataFrame) -> pl.DataFrame:
    """Mean and spread across seeds per (regime label, measure, scope) of a `labelled` table."""
    return table.group_by("regime", "measure", "scope", maintain_order=True).agg(
        is_baseline=pl.col("is_baseline").first(),
        seeds=pl.len(),
        value=pl.col("value").mean(),
        baseline=pl.col("baseline").mean(),
        change=pl.col("change").mean(),
        change_pct=pl.col("change_pct").mean(),
        pct_min=pl.col("change_pct").min(),
        pct_max=pl.col("change_pct").max(),
        pct_sd=pl.col("change_pct").std(),
    )


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


def _pivot(
    summary: pl.DataFrame, measure: str, regime: str, value: str, scopes: list[str] | None = None
) -> pl.DataFrame:
    d = summary.filter(pl.col("measure") == measure, pl.col("regime") == regime)
    if scopes is not None:
        d = d.filter(pl.col("scope").is_in(scopes))
    return d.select("scope", value)


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
    return rep


def write_comparison(
    sweep_dir: str | Path, baseline: str = "status_quo", out_dir: str | Path | None = None
) -> Comparison:
    """compare() and write comparison.parquet, report.md, report.html and the PNG plots."""
    runs = find_runs(sweep_dir)
    table = compare(sweep_dir, baseline, runs)
    out = Path(out_dir) if out_dir is not None else Path(sweep_dir)
    out.mkdir(parents=True, exist_ok=True)
    table.write_parquet(out / "comparison.parquet")
    rep = build_report(table, baseline, out, runs)
    (out / "report.md").write_text(rep.markdown())
    (out / "report.html").write_text(rep.html())
    files = [
        out / "comparison.parquet",
        out / "report.md",
        out / "report.html",
        *sorted(out.glob("*.png")),
    ]
    return Comparison(table, out, files)


def headline(table: pl.DataFrame, baseline: str) -> str:
    """One line per regime: mean world GDP change."""
    s = summarise(labelled(table, baseline)).filter(
        pl.col("measure") == "world_gdp", ~pl.col("is_baseline")
    )
    return "\n".join(
        f"migsim compare: {r}: world GDP {m:+.3f}% (min {lo:+.3f}, max {hi:+.3f}, "
        f"{n} seed{'s' if n != 1 else ''})"
        for r, n, m, lo, hi in s.select(
            "regime", "seeds", "change_pct", "pct_min", "pct_max"
        ).iter_rows()
    )
