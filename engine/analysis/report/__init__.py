"""The comparison's report and files: comparison.parquet, report.md and report.html with SVG
figures, from the tidy table of `migsim.analysis.compare`.

    write_comparison(sweep_dir, baseline="status_quo", out_dir=None) -> Comparison

The report answers who gains, by how much, under which regime: headline world measures
(table and faceted bars), their time paths, real income by welfare group as in Alonso's (2015)
Table 6.2, then one table and one heat map per measure by region (wages by skill and
nativity, fiscal balance, levy revenue, remittances, skilled emigration, tertiary share,
migrant stocks). Each table has the regimes as rows, the seeds' mean with their sd under it,
and the unit of every numeric column (from `migsim.runtime.columns.REPORT_COLUMNS`). Every
other registered measure (`migsim.analysis.measures`, `report=True`) is under "More measures",
so a measure declared anywhere reaches the report. Modules: `content` (what is shown),
`plots` (SVG figures), `format` (numbers and units), `names` (region and group names),
`paths` (time paths), `model` (the report's parts), `templates/` (jinja2, HTML and Markdown).
docs/reports.md explains how to read it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from migsim.analysis.compare import (
    Reference,
    RunInfo,
    compare,
    find_runs,
    labelled,
    reference_of,
    summarise,
)
from migsim.analysis.measures import registered
from migsim.analysis.report.model import Report
from migsim.analysis.runs import output_dir

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Comparison:
    table: pl.DataFrame
    out_dir: Path
    files: list[Path]
    reference: Reference | None = None


def _overview(table: pl.DataFrame, baseline: str, runs: list[RunInfo], ref: Reference):
    regimes = list(dict.fromkeys(table["regime"].to_list()))
    seeds = sorted(set(table["seed"].to_list()))
    worlds = sorted({r.world for r in runs})
    if ref.kind == "variant":
        against = (
            f"A sensitivity sweep of {baseline}: each variant is set against the reference "
            f"{ref.note}, same seed (common random numbers)."
        )
    elif ref.kind == "seed":
        against = (
            f"A seed-only sweep of {baseline}: each seed is set against the reference "
            f"{ref.note}; the changes measure the model's noise between seeds."
        )
    else:
        against = (
            f"Each regime is set against the baseline **{baseline}** with the same seed"
            + (" and variant" if any(r.variant for r in runs) else "")
            + " (common random numbers)."
        )
    return [
        f"{len(runs)} runs: regimes {', '.join(regimes)}; seeds {', '.join(map(str, seeds))}; "
        f"world {', '.join(worlds)}; final year {int(table['year'].max())}.",
        against,
        "Values are the final simulated year unless a table says otherwise; with several "
        "seeds a cell shows the mean across seeds and, under it, their standard deviation "
        "(± sd); figures show the lowest and highest seed.",
    ]


def build_report(
    table: pl.DataFrame,
    baseline: str,
    runs: list[RunInfo],
    reference: Reference | None = None,
) -> Report:
    """The report's content (`model.Report`) of a comparison table."""
    from migsim.analysis.report.content import Builder, time_path_section
    from migsim.analysis.report.names import region_names
    from migsim.analysis.report.paths import paths

    ref = reference or Reference()
    summary = summarise(labelled(table, baseline, ref))
    b = Builder(summary, region_names(runs))
    sections = [b.headline()]
    sections.append(time_path_section(paths(runs, baseline, ref), b.labels, b.reference))
    sections.append(b.welfare())
    sections += b.region_sections()
    sections.append(b.more(registered()))
    title = "migsim regime comparison" if ref.kind == "regime" else "migsim sensitivity sweep"
    return Report(
        title,
        _overview(table, baseline, runs, ref),
        [s for s in sections if s is not None],
        sorted(b.flags),
    )


def _environment():
    import html

    import jinja2

    def md(text: str) -> str:
        """**bold** in a paragraph (everything else escaped)."""
        from markupsafe import Markup

        escaped = html.escape(str(text), quote=False)
        return Markup(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped))

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md
    return env


def render(report: Report) -> tuple[str, str]:
    """The report as Markdown and as HTML."""
    env = _environment()
    markdown = env.get_template("report.md.j2").render(report=report)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    return markdown, env.get_template("report.html.j2").render(report=report)


def write_parquet(table: pl.DataFrame, path: Path) -> None:
    """comparison.parquet with each column's unit and description (column registry)."""
    from migsim.runtime.columns import COMPARISON_COLUMNS, arrow_table
    from migsim.runtime.columns import write_parquet as write

    write(arrow_table(table, COMPARISON_COLUMNS), path)


def write_comparison(
    sweep_dir: str | Path, baseline: str = "status_quo", out_dir: str | Path | None = None
) -> Comparison:
    """compare() and write comparison.parquet, report.md, report.html and the SVG figures.

    Every run is read and checked before anything is written; the files are written into a
    staging directory inside the output directory and moved into place only when all are
    done, so a failure leaves the files of an earlier comparison as they were."""
    runs = find_runs(sweep_dir)
    option = "--out" if out_dir is not None else "DIR"
    output_dir(option, out_dir or sweep_dir, create=False)
    ref = reference_of(runs, baseline)
    table = compare(sweep_dir, baseline, runs, ref)
    out = output_dir(option, out_dir or sweep_dir)  # made once the comparison holds
    staging = Path(tempfile.mkdtemp(prefix=".comparison-staging-", dir=out))
    try:
        write_parquet(table, staging / "comparison.parquet")
        report = build_report(table, baseline, runs, ref)
        markdown, html = render(report)
        (staging / "report.md").write_text(markdown)
        (staging / "report.html").write_text(html)
        names = ["comparison.parquet", "report.md", "report.html"]
        for figure in report.figures:
            (staging / figure.file).write_text(figure.svg)
            names.append(figure.file)
        for old in out.glob("*.svg"):  # figures of an earlier comparison of another shape
            if old.name not in names and old.stem.startswith(("heat-", "headline", "time-")):
                old.unlink()
        for name in names:
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Comparison(table, out, [out / name for name in names], ref)
