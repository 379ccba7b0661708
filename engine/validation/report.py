"""The validation report: validation.parquet (one row per check), validation.md (the table,
notes, runs and figures) and the experiments' PNG figures."""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import fields
from pathlib import Path

import numpy as np
import polars as pl

from migsim.validation.checks import Check, pooled_figure, status
from migsim.validation.registry import (
    EXPECTED_FAILURES,
    QUICK_UNDECIDED,
    TIERS,
    evidence,
    registered,
)

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
    "tier",
    "tier_reason",
    "result",
    "null",
    "beats_null",
    "seeds",
    "simulated_seeds",
    "simulated_sd",
    "mc_error",
]
# how each tier's checks are read: a calibrated or identity check that holds is "reproduced"
# (the model was made to give it), never a pass of the model
REPRODUCED = ("calibrated", "identity")


def result_of(tier: str, passed: bool, status_: str) -> str:
    """The reading shown to people: pass / miss for evidence, reproduced / not reproduced
    for what holds by calibration or construction (status keeps the exit-code logic)."""
    if tier in REPRODUCED:
        return "reproduced" if passed else "not reproduced"
    return {"pass": "pass", "FAIL": "FAIL", "expected failure": "miss"}.get(status_, status_)


def _seeds(frame: pl.DataFrame) -> str:
    n = int(frame["seeds"].max()) if frame.height and "seeds" in frame.columns else 1
    return f"{n} seed{'s' if n != 1 else ''}"


def headline(frame: pl.DataFrame) -> str:
    """Out-of-sample first: how many checks of each tier there are and how many hold."""
    parts = []
    decided = frame.filter(pl.col("status") != "undecided")
    for tier in TIERS:
        rows = decided.filter(pl.col("tier") == tier)
        if rows.height == 0:
            continue
        held = int(rows["passed"].sum())
        label = tier.replace("_", "-")
        if tier in REPRODUCED:
            parts.append(f"{label}: {rows.height} checks, {held} reproduced")
        else:
            parts.append(
                f"{label}: {rows.height} checks, {held} pass "
                f"({100 * held / rows.height:.0f}%), {rows.height - held} miss"
            )
    if decided.height < frame.height:
        parts.append(
            f"{frame.height - decided.height} undecided (within Monte Carlo error, or not "
            "decidable in quick mode)"
        )
    return "; ".join(parts) + "."


# A check is undecided when its mean is closer to a band edge (or to the null's distance
# from the published value) than this many Monte Carlo standard errors of the mean.
UNDECIDED_SE = 2.0


def combine(per_seed) -> list[tuple[Check, list[float], float]]:
    """One check per key from the checks of each seed: the mean of the simulated figures (and
    of the nulls), with the list of per-seed figures and the figure's Monte Carlo standard
    error where it is not that of the mean (NaN otherwise). A check carrying `pooled` arrays
    on every seed takes the measure of their mean over seeds instead, with its jackknife
    error (`migsim.validation.checks`). A single list of checks is one seed."""
    import dataclasses

    if per_seed and isinstance(per_seed[0], Check):
        per_seed = [per_seed]
    if not per_seed:
        return []
    groups: dict[str, list[Check]] = {}
    for checks in per_seed:
        for c in checks:
            groups.setdefault(c.key, []).append(c)
    out = []
    for group in groups.values():
        values = [c.simulated for c in group]
        nulls = [c.null for c in group if math.isfinite(c.null)]
        mean = float(np.mean(values)) if all(map(math.isfinite, values)) else math.nan
        null = float(np.mean(nulls)) if nulls else math.nan
        se = math.nan
        if all(c.pooled is not None for c in group):
            mean, se = pooled_figure([c.pooled for c in group])
        out.append((dataclasses.replace(group[0], simulated=mean, null=null), values, se))
    return out


def as_row(c: Check) -> dict:
    """The check's columns (its pooled arrays left out)."""
    return {f.name: getattr(c, f.name) for f in fields(c) if f.name != "pooled"}


# A figure smaller than this in absolute value is a zero up to floating-point rounding (an
# identity's 0 computed as 4e-14) and is written as 0.
ROUNDING_ZERO = 1e-9


def measured_gap(c: Check, values: list[float], sd: float) -> str:
    """The measured side of a miss, written from this run's figures (the declared reason that
    follows it gives the cause): the mean over seeds with its spread, the published figure
    and how far the mean lies outside the accepted band, or that the null is closer."""
    unit = c.unit if c.unit in ("", "%", "x") else f" {c.unit}"
    if not math.isfinite(c.simulated):
        return "measured: not a finite number"
    n = len(values)
    spread = n > 1 and math.isfinite(sd) and sd > 0
    sim = _g(c.simulated) + (f" +- {_g(sd)}" if spread else "")
    seeds = (f" ({n} seeds)" if spread else f" (the same on {n} seeds)") if n > 1 else ""
    if c.pooled is not None and n > 1:  # the measure of the seeds' mean arrays
        sim = _g(c.simulated)
        each = f", each seed's {_g(float(np.mean(values)))} +- {_g(sd)}" if spread else ""
        seeds = f" ({n} seeds pooled{each})"
    published = published_text(as_row(c))
    text = f"measured {sim}{unit}{seeds} against {published}{unit}"
    if c.simulated < c.accept_low:
        text += f", {_g(c.accept_low - c.simulated)}{unit} below the accepted band"
    elif c.simulated > c.accept_high:
        text += f", {_g(c.simulated - c.accept_high)}{unit} above the accepted band"
    target = 0.5 * (c.published_low + c.published_high)
    if math.isfinite(target) and target != 0 and c.flag != "sign":
        text += f" ({c.simulated / target:.2g}x the published value)"
    if math.isfinite(c.null):
        closer = "" if c.beats_null else ", closer to the published value"
        text += f"; the null {_g(c.null)}{unit}{closer}"
    return text


def mc_error(values: list[float]) -> tuple[float, float]:
    """(standard deviation across seeds, standard error of their mean); NaN for one seed."""
    if len(values) < 2 or not all(map(math.isfinite, values)):
        return math.nan, math.nan
    sd = float(np.std(values, ddof=1))
    if sd <= 1e-12 * max(abs(float(np.mean(values))), 1.0):
        sd = 0.0  # the same figure from every seed, up to rounding in the last bits
    return sd, sd / math.sqrt(len(values))


def mc_undecided(c: Check, se: float) -> str:
    """Why the check's verdict is within Monte Carlo error ("" when it is decided): its mean
    lies within UNDECIDED_SE standard errors of a band edge, or, inside its band, of the
    null's distance (a mean clearly outside its band misses whatever the null, and one
    clearly farther from the published value than its null misses whatever the band)."""
    if not (math.isfinite(se) and se > 0 and math.isfinite(c.simulated)):
        return ""
    k = UNDECIDED_SE
    target = 0.5 * (c.published_low + c.published_high)
    margin = math.nan  # how much closer to the published value than the null the mean is
    if math.isfinite(c.null) and math.isfinite(target):
        margin = abs(c.null - target) - abs(c.simulated - target)
    if margin <= -k * se:
        return ""
    for edge in (c.accept_low, c.accept_high):
        if math.isfinite(edge) and abs(c.simulated - edge) < k * se:
            return (
                f"the mean {c.simulated:.4g} is within {k:g} Monte Carlo standard errors "
                f"({se:.2g}) of the band's edge {edge:.4g}"
            )
    if not c.accept_low <= c.simulated <= c.accept_high:
        return ""
    if abs(margin) < k * se:  # False where there is no null (NaN)
        return (
            f"its distance to the published value and the null's differ by {margin:.2g}, "
            f"within {k:g} Monte Carlo standard errors ({se:.2g})"
        )
    return ""


def to_frame(checks, quick: bool = False) -> pl.DataFrame:
    """The checks as validation.parquet's rows, with status and explanation. `checks` is one
    list of checks, or one list per seed (then every figure is the mean over seeds, with
    its spread and Monte Carlo error, and a verdict within two standard errors of its edge
    is "undecided"). In quick mode the checks it cannot decide by its named list are
    "undecided" too (their reason as the explanation)."""
    expected = dict(EXPECTED_FAILURES)
    undecided = dict(QUICK_UNDECIDED) if quick else {}
    rows = []
    for c, values, pooled_se in combine(checks):
        d = as_row(c)
        sd, se = mc_error(values)
        if math.isfinite(pooled_se):
            se = pooled_se
        d["seeds"] = len(values)
        d["simulated_seeds"] = [float(v) for v in values]
        d["simulated_sd"] = sd
        d["mc_error"] = se
        d["passed"] = c.passed
        d["beats_null"] = c.beats_null
        d["status"] = status(c, expected)
        d["explanation"] = expected.get(c.key, "")
        if d["explanation"] and not c.passed:
            d["explanation"] = f"{measured_gap(c, values, sd)}: {d['explanation']}"
        d["tier"], d["tier_reason"] = evidence(c.key)
        d["result"] = result_of(d["tier"], d["passed"], d["status"])
        why = mc_undecided(c, se)
        if c.key in undecided:
            why = "quick mode cannot decide it: " + undecided[c.key]
        if why:
            d["status"] = d["result"] = "undecided"
            d["explanation"] = why
        rows.append(d)
    if not rows:  # nothing ran (an experiment that returned no checks)
        numbers = (
            "published_low",
            "published_high",
            "simulated",
            "accept_low",
            "accept_high",
            "null",
            "simulated_sd",
            "mc_error",
        )
        schema = {
            c: pl.Float64
            if c in numbers
            else pl.Boolean
            if c in ("passed", "beats_null")
            else pl.Int64
            if c == "seeds"
            else pl.List(pl.Float64)
            if c == "simulated_seeds"
            else pl.String
            for c in COLUMNS
        }
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows).select(COLUMNS)


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) < ROUNDING_ZERO:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def _sim(row: dict, fmt) -> str:
    """The simulated mean, with its Monte Carlo standard error when there are several seeds."""
    se = row.get("mc_error")
    text = fmt(row["simulated"])
    if se is not None and isinstance(se, float) and math.isfinite(se) and se > 0:
        text += f" ± {fmt(se)}"
    return text


def published_text(row: dict) -> str:
    lo, hi = row["published_low"], row["published_high"]
    if row["flag"] == "sign":
        return "> 0" if lo == 0 else "< 0"
    if lo == hi:
        return _fmt(lo)
    if math.isinf(hi):
        return f"> {_fmt(lo)}"
    return f"{_fmt(lo)} to {_fmt(hi)}"


TIER_TITLES = {
    "out_of_sample": "Out of sample: nothing was fitted to these",
    "fitted": "Fitted: a parameter or code path was chosen with the figure in view",
    "identity": "Identities: true by construction of the equations (reproduced, not evidence)",
    "calibrated": "Calibrated: input data or calibration targets read back (reproduced)",
}


def by_tier(frame: pl.DataFrame):
    """(tier, its rows) in headline order, skipping empty tiers."""
    for tier in TIERS:
        rows = frame.filter(pl.col("tier") == tier)
        if rows.height:
            yield tier, rows


def markdown_table(frame: pl.DataFrame) -> str:
    """validation.md's tables, one per tier, out-of-sample first."""
    lines = []
    for tier, rows in by_tier(frame):
        lines += [
            f"### {TIER_TITLES[tier]}",
            "",
            "| experiment | quantity | published | flag | accepted | simulated | null | result |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in rows.iter_rows(named=True):
            acc = f"{_fmt(row['accept_low'])} to {_fmt(row['accept_high'])}"
            why = row["explanation"] or (row["tier_reason"] if tier != "out_of_sample" else "")
            res = row["result"] + (f": {why}" if why else "")
            lines.append(
                f"| {row['experiment']} | {row['quantity']} | {published_text(row)} "
                f"{row['unit']} | [{row['flag']}] | {acc} | {_sim(row, _fmt)} | "
                f"{_fmt(row['null'])} | {res} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def plots(frame: pl.DataFrame, runner, out: Path) -> list[str]:
    """Every experiment's declared figures, in run order."""
    import matplotlib

    matplotlib.use("Agg")
    files = []
    for exp in registered().values():
        for plot in exp.plots:
            files += plot(frame, runner, out)
    return files


def _mode(runner) -> str:
    """How many agents the runner's experiments ran with, and the model variant, in words."""
    mode = (
        "quick mode"
        if runner.quick
        else ("full mode" if runner.scale == 1.0 else f"full mode, agents x {runner.scale:g}")
    )
    variant = " ".join(runner.overrides)
    return f"{mode}, model variant {variant}" if variant else mode


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
        f"({_mode(runner)}, {seconds:.0f} s). "
        f"{frame.height} checks: {summary}.",
        "",
        f"**{headline(frame)}**",
        "",
        "Tiers: `out_of_sample` (nothing was fitted to the figure), `fitted` (a parameter or "
        "code path was chosen with it in view), `identity` (true by construction of the "
        "equations), `calibrated` (input data or a calibration target read back; "
        "migsim.model.targets lists them). Only the first two are evidence.",
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


README_BEGIN = (
    "<!-- validation-table:begin (generated by `migsim validate --readme docs/validation.md`) -->"
)
README_END = "<!-- validation-table:end -->"


def _g(x: float) -> str:
    """Three significant digits (thousands with separators)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) < ROUNDING_ZERO:
        return "0"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def summaries(frame: pl.DataFrame) -> list[str]:
    """The experiments' declared sentences for the generated blocks (E8's two readings), in
    registry order; an experiment that did not run gives none."""
    return [text for exp in registered().values() for fn in exp.summaries if (text := fn(frame))]


def readme_table(frame: pl.DataFrame) -> str:
    """The summary of a full validation run (docs/validation.md): the headline by tier, then
    one table per tier (out-of-sample first) with the first clause of each miss's explanation
    (the whole of it is in validation.md)."""
    lines = [f"**{headline(frame)}**"]
    for text in summaries(frame):
        lines += ["", text]
    for tier, rows in by_tier(frame):
        lines += [
            "",
            f"{TIER_TITLES[tier]}:",
            "",
            "| experiment | quantity | published | simulated | null | result |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows.iter_rows(named=True):
            lo, hi = row["published_low"], row["published_high"]
            if row["flag"] == "sign":
                published = "> 0" if lo == 0 else "< 0"
            elif lo == hi:
                published = _g(lo)
            elif math.isinf(hi):
                published = f"> {_g(lo)}"
            else:
                published = f"{_g(lo)} to {_g(hi)}"
            why = row["explanation"].split(":")[0] if row["explanation"] else ""
            result = row["result"] + (f": {why}" if why else "")
            lines.append(
                f"| {row['experiment']} | {row['quantity']} | {published} {row['unit']} "
                f"[{row['flag']}] | {_sim(row, _g)} | {_g(row['null'])} | {result} |"
            )
    return "\n".join(lines)


HEADLINE_BEGIN = "<!-- validation-headline:begin (generated by `migsim validate --readme`) -->"
HEADLINE_END = "<!-- validation-headline:end -->"


def has_validation_block(text: str) -> bool:
    """Whether a document has a generated validation block (the table or the headline), so
    `--readme FILE` can be refused before the experiments run."""
    return (README_BEGIN in text and README_END in text) or (
        HEADLINE_BEGIN in text and HEADLINE_END in text
    )


def sync_readme(path: Path, frame: pl.DataFrame, check: bool) -> bool:
    """Rewrite (or, with `check`, compare) the generated blocks of `path`: the validation
    table (docs/validation.md) and the one-paragraph headline (the README), each where the
    file has its markers, and at least one of them; True if they were already up to date."""
    from migsim.core.docblocks import sync_blocks

    line = (
        f"**Validation** ({frame.height} checks against published figures): "
        f"{headline(frame)} Calibrated and identity checks hold by construction and are "
        "reported as reproduced, not as evidence (see [Validation](docs/validation.md))."
    )
    # the experiments' sentences (E8's two readings) follow the headline in the README too
    line = "\n\n".join([line, *summaries(frame)])
    has_headline = HEADLINE_BEGIN in Path(path).read_text()
    blocks = [
        (README_BEGIN, README_END, readme_table(frame), not has_headline),
        (HEADLINE_BEGIN, HEADLINE_END, line, False),
    ]
    return sync_blocks(path, blocks, check, "validation")
