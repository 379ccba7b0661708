"""The report's figures as SVG text (matplotlib, text kept as text so a browser, a screen
reader and a test can read the labels): heat maps of regime x group or region, faceted bars of
the headline measures and time paths.

Every figure is 8 inches wide whatever the number of regimes (768 px in a browser: never
scaled down in the report's column); fonts are 8 pt or more (10.7 px). Colour scales are
symmetric-logarithmic when the values span more than two orders of magnitude, so one large
change does not wash out the rest; bars get one scale per facet for the same reason. SVG files
are byte-identical between runs (no date, fixed id salt).
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from dataclasses import dataclass

WIDTH = 8.0  # inches
FONT = 8.5  # points; 11.3 px on screen
MIN_CELL = (0.6, 0.2)  # inches a heat-map cell needs for its number (width, height)
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "migsim-report",
    "font.size": FONT,
    "font.family": "DejaVu Sans",
    "axes.titlesize": FONT + 1,
    "axes.labelsize": FONT,
    "xtick.labelsize": FONT,
    "ytick.labelsize": FONT,
    "legend.fontsize": FONT,
}


@dataclass
class Bars:
    """One facet of bars: its title, unit and (label, mean, min, max) per regime."""

    title: str
    unit: str
    rows: list[tuple[str, float | None, float | None, float | None]]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _svg(fig) -> str:
    """The figure as inline SVG text (no XML prolog), trimmed to its contents."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.1, metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)


def _wrap(label: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _tick(v: float) -> str:
    return "0" if v == 0 else f"{v:+.3g}"


def _norm(values: list[float]):
    """A colour norm centred on 0: symmetric-log when the nonzero |values| span more than two
    orders of magnitude, linear otherwise."""
    from matplotlib.colors import Normalize, SymLogNorm

    mags = sorted(abs(v) for v in values if v)
    top = mags[-1] if mags else 1.0
    if len(mags) > 1 and top / mags[0] > 100:
        linthresh = max(mags[len(mags) // 4], top / 1000)
        return SymLogNorm(linthresh=linthresh, linscale=1.0, vmin=-top, vmax=top, base=10)
    return Normalize(vmin=-top, vmax=top)


def heatmap(
    rows: list[str],
    cols: list[str],
    values: list[list[float | None]],
    cells: list[list[str]],
    title: str,
    unit: str,
) -> str:
    """Regimes (rows) x groups or regions (columns), coloured by value (red: loss, blue: gain),
    each cell labelled with its value when the cell is large enough to hold it at 8.5 pt."""
    import numpy as np

    plt = _plt()
    with plt.rc_context(RC):
        n_rows, n_cols = len(rows), len(cols)
        # characters of 8.5 pt text a column holds; labels that do not fit are slanted
        chars = int(WIDTH * 0.62 / max(n_cols, 1) * 72 / (FONT * 0.62))
        wrapped = [_wrap(c, max(chars, 6)) for c in cols]
        rotate = (
            n_cols > 6
            or any(len(line) > chars for c in wrapped for line in c.split("\n"))
            or max(c.count("\n") for c in wrapped) > 2
        )
        if rotate:
            wrapped = [_wrap(c, 40) for c in cols]
        lines = max(c.count("\n") + 1 for c in wrapped)
        label_h = (
            (0.4 + 0.55 * min(max(len(c) for c in cols), 40) / 30) if rotate else 0.2 + 0.15 * lines
        )
        height = 0.75 + label_h + 0.28 * n_rows
        fig, ax = plt.subplots(figsize=(WIDTH, height))
        data = np.ma.masked_invalid(
            np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)
        )
        norm = _norm([float(v) for v in data.compressed()])
        cmap = plt.get_cmap("RdBu").with_extremes(bad="#e8e8e8")
        image = ax.imshow(data, cmap=cmap, norm=norm, aspect="auto")
        ax.set_xticks(range(n_cols), wrapped)
        if rotate:
            plt.setp(ax.get_xticklabels(), rotation=35, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(n_rows), rows)
        ax.tick_params(length=0)
        ax.set_title(title, loc="left")
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        if hasattr(norm, "linthresh"):  # a few readable ticks, not every power of ten
            top, low = norm.vmax, norm.linthresh
            bar.set_ticks(
                [-top, -low, 0, low, top], labels=[_tick(v) for v in (-top, -low, 0, low, top)]
            )
        bar.set_label(unit)
        bar.ax.tick_params(labelsize=FONT)
        axis_w = WIDTH * 0.62
        if axis_w / max(n_cols, 1) >= MIN_CELL[0] and 0.28 >= MIN_CELL[1]:
            for i in range(n_rows):
                for j in range(n_cols):
                    v = data[i, j]
                    if np.ma.is_masked(v) or not cells[i][j]:
                        continue
                    dark = abs(float(norm(v)) - 0.5) > 0.3
                    ax.text(
                        j,
                        i,
                        cells[i][j],
                        ha="center",
                        va="center",
                        fontsize=FONT,
                        color="white" if dark else "black",
                    )
        return _svg(fig)


def facet_bars(facets: list[Bars], ncols: int = 2) -> str:
    """One facet per measure, regimes as horizontal bars (mean across seeds) with whiskers from
    the lowest to the highest seed; each facet has its own scale."""
    plt = _plt()
    with plt.rc_context(RC):
        n = len(facets)
        ncols = min(ncols, n)
        nrows = math.ceil(n / ncols)
        n_bars = max(len(f.rows) for f in facets)
        height = nrows * (0.9 + 0.24 * n_bars)
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(WIDTH, height), layout="constrained", sharey=True, squeeze=False
        )
        labels = [r[0] for r in facets[0].rows]
        for k, ax in enumerate(axes.flat):
            if k >= n:
                ax.set_visible(False)
                continue
            f = facets[k]
            y = list(range(len(f.rows)))
            means = [r[1] if r[1] is not None else 0.0 for r in f.rows]
            colours = ["#4477aa" if m >= 0 else "#cc6677" for m in means]
            ax.barh(y, means, color=colours, height=0.6)
            for i, (_, m, lo, hi) in enumerate(f.rows):
                if m is not None and lo is not None and hi is not None and hi > lo:
                    ax.plot([lo, hi], [i, i], color="black", lw=1)
            ax.axvline(0, color="grey", lw=0.8)
            norm = _norm([m for m in means if m])
            if hasattr(norm, "linthresh"):  # one large bar would flatten the rest
                from matplotlib.ticker import FuncFormatter

                ax.set_xscale("symlog", linthresh=norm.linthresh)
                # plain numbers: mathtext powers of ten would set their exponents below 10 px
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick(v)))
                ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
                ax.set_xlabel(f"{f.unit} (symmetric-log scale)")
            else:
                ax.set_xlabel(f.unit)
            ax.set_yticks(y, labels)
            ax.invert_yaxis() if k == 0 else None
            ax.set_title(_wrap(f.title, 48), loc="left")
            ax.grid(axis="x", color="#dddddd", lw=0.6)
            ax.set_axisbelow(True)
        return _svg(fig)


def time_paths(
    facets: list[tuple[str, str, dict[str, list[tuple[int, float, float, float]]]]],
    reference: set[str],
) -> str:
    """One facet per measure (title, unit, label -> [(year, mean, min, max)]): a line per
    regime, the band between the lowest and highest seed; the `reference` labels dashed
    black."""
    plt = _plt()
    with plt.rc_context(RC):
        labels = list(dict.fromkeys(label for _, _, lines in facets for label in lines))
        legend_rows = math.ceil(len(labels) / 3)
        fig, axes = plt.subplots(
            1, len(facets), figsize=(WIDTH, 2.9 + 0.2 * legend_rows), layout="constrained"
        )
        axes = list(axes) if len(facets) > 1 else [axes]
        palette = plt.get_cmap("tab20" if len(labels) > 10 else "tab10")
        handles = {}
        for ax, (title, unit, lines) in zip(axes, facets):
            for k, label in enumerate(labels):
                # a year some runs of the label lack (a sweep over `years`) has no value
                points = [p for p in lines.get(label) or [] if None not in p]
                if not points:
                    continue
                years = [p[0] for p in points]
                dashed = label in reference
                style = {"color": "black", "ls": "--"} if dashed else {"color": palette(k)}
                (line,) = ax.plot(years, [p[1] for p in points], lw=1.4, **style)
                ax.fill_between(
                    years,
                    [p[2] for p in points],
                    [p[3] for p in points],
                    alpha=0.15,
                    lw=0,
                    color=style["color"],
                )
                handles.setdefault(f"{label} (reference)" if dashed else label, line)
            ax.set_title(_wrap(title, 40), loc="left")
            ax.set_ylabel(unit)
            ax.set_xlabel("year")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.grid(color="#dddddd", lw=0.6)
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncols=3,
            frameon=False,
        )
        return _svg(fig)
