"""The validation of another world beside the default world's: one page per world
(`migsim validate --world regions12 --compare-with DEFAULT.parquet --page PAGE.md`).

The page lists every check with its value and verdict on both worlds, and for each verdict
that changed the reason the changed experiment declares (`other_worlds=` in its
`@experiment`, sourced); experiments kept to the default world (`default_world_only=`) are
listed as not run, with their reason. The page can be rebuilt from its own table (the
reasons and the not-run list come from the declarations), so `--check-page` finds a page
whose reasons are stale as well as one whose verdicts this run contradicts.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.core.resources import config_dir
from migsim.validation.registry import registered
from migsim.validation.report import REPRODUCED, _fmt, published_text

BEGIN = "<!-- validation-world:begin -->"
END = "<!-- validation-world:end -->"
HEADER = (
    "| experiment | quantity | tier | published | default | {world} | "
    "verdict default | verdict {world} | changed |"
)
COLUMNS = (
    "experiment",
    "quantity",
    "tier",
    "published",
    "value_default",
    "value_world",
    "verdict_default",
    "verdict_world",
    "changed",
)


def check_world_options(ns) -> None:
    """Refuse option mixes that cannot mean anything, before any work."""
    worlds = sorted(p.stem for p in (Path(config_dir()) / "world").glob("*.yaml"))
    if ns.world not in worlds:
        raise InputError("--world", f"no world '{ns.world}'", ", ".join(worlds))
    page = ns.page or ns.check_page
    if ns.world == "default":
        if page or ns.compare_with:
            flag = (
                "--compare-with"
                if ns.compare_with and not page
                else ("--page" if ns.page else "--check-page")
            )
            raise InputError(
                flag, "a world page sets another world beside the default", "--world NAME"
            )
        return
    if ns.readme or ns.check_readme or ns.agree_with:
        raise InputError(
            "--world",
            "the README's table and --agree-with are of the default world",
            "--page or --check-page with --world",
        )
    if ns.page and not ns.compare_with:
        raise InputError(
            "--page", "needs the default world's run", "--compare-with validation.parquet"
        )
    if ns.page and (ns.quick or ns.only or ns.scale != 1.0):
        raise InputError(
            "--page", "the page is of the full run", "no --quick, no --only and no --scale"
        )
    for flag, path in (("--compare-with", ns.compare_with), ("--check-page", ns.check_page)):
        if path and not Path(path).is_file():
            raise InputError(flag, f"no file {path}", "an existing file")


UNDECIDED = "undecided"


def verdict(tier: str, passed: bool | None, status: str | None = None) -> str:
    """The verdict the page prints: `undecided` where the run could not decide the check
    (its mean within two Monte Carlo standard errors of the band's edge, or a check quick mode
    cannot decide), as validation.md and the README say it; else pass / miss, or reproduced /
    not reproduced for calibrated and identity checks."""
    if passed is None:
        return ""
    if status == UNDECIDED:
        return UNDECIDED
    if tier in REPRODUCED:
        return "reproduced" if passed else "not reproduced"
    return "pass" if passed else "miss"


def decided_change(before: str, after: str) -> bool:
    """Whether two verdicts differ, both decided (undecided on either side is no change)."""
    return bool(before and after) and UNDECIDED not in (before, after) and before != after


def rows_of(world_frame: pl.DataFrame, default_frame: pl.DataFrame) -> list[dict[str, str]]:
    """One row per check of either run: values and verdicts as the page prints them."""
    default = {(r["experiment"], r["quantity"]): r for r in default_frame.iter_rows(named=True)}
    here = {(r["experiment"], r["quantity"]): r for r in world_frame.iter_rows(named=True)}
    order = [k for k in default] + [k for k in here if k not in default]
    rows = []
    for key in order:
        d, w = default.get(key), here.get(key)
        ref = w or d
        tier = ref["tier"]
        vd = verdict(tier, d["passed"], d.get("status")) if d else ""
        vw = verdict(tier, w["passed"], w.get("status")) if w else ""
        rows.append(
            {
                "experiment": key[0],
                "quantity": key[1],
                "tier": tier,
                "published": f"{published_text(ref)} {ref['unit']}".strip(),
                "value_default": _fmt(d["simulated"]) if d else "",
                "value_world": _fmt(w["simulated"]) if w else "not run",
                "verdict_default": vd,
                "verdict_world": vw,
                "changed": "yes" if decided_change(vd, vw) else "",
            }
        )
    return rows


def not_run() -> dict[str, str]:
    """The experiments kept to the default world, with their reasons."""
    return {n: e.default_world_only for n, e in registered().items() if e.default_world_only}


def reason_of(row: dict[str, str]) -> str:
    """The other-worlds reason of the experiment that declares the row's check ("" if none;
    a check named E3:... may belong to the experiment E2-E5)."""
    key = f"{row['experiment']}:{row['quantity']}"
    for exp in registered().values():
        if key in exp.quantities:
            return exp.other_worlds
    return ""


def unexplained(rows: list[dict[str, str]]) -> list[str]:
    """Checks with a changed verdict whose experiment declares no reason for other worlds."""
    return [f"{r['experiment']}:{r['quantity']}" for r in rows if r["changed"] and not reason_of(r)]


def page_text(world: str, rows: list[dict[str, str]]) -> str:
    """The whole page, from its rows and the experiments' declarations."""
    ran = [r for r in rows if r["verdict_default"] and r["verdict_world"]]
    both = [r for r in ran if UNDECIDED not in (r["verdict_default"], r["verdict_world"])]
    changed = [r for r in both if r["changed"]]
    gained = sum(r["verdict_world"] in ("pass", "reproduced") for r in changed)
    skipped = not_run()
    lines = [
        f"# Validation on world={world}",
        "",
        f"The validation experiments run on the world `{world}` (built from data, base year "
        "2010: [worlds-regions12.md](worlds-regions12.md)) beside the hand-typed default "
        "world (2013). Written by",
        "",
        "```",
        "migsim validate --out outputs/validation/ci",
        f"migsim validate --world {world} --out outputs/validation/{world} \\",
        "  --compare-with outputs/validation/ci/validation.parquet "
        f"--page docs/validation-{world}.md",
        "```",
        "",
        f"and checked by `migsim validate --world {world} --quick --only E2,E25 "
        f"--check-page docs/validation-{world}.md` (the verdicts a quick run decides must "
        "agree, and the reasons below must be the experiments' current ones). "
        "Horizons count from the world's base year (E8's 10 years are 2010-2020 here); "
        "published figures stay those of their sources.",
        "",
        f"**{len(ran)} checks ran on both worlds, {len(both)} decided on both: "
        f"{len(both) - len(changed)} keep their verdict, {len(changed)} change ({gained} to "
        f"pass or reproduced, {len(changed) - gained} to miss or not reproduced); "
        f"{len(ran) - len(both)} undecided on one world or both (within Monte Carlo "
        "error of the band's edge).**",
        "",
        BEGIN,
        HEADER.format(world=world),
        "|---|---|---|---|---:|---:|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(r[c] for c in COLUMNS) + " |")
    lines += [
        END,
        "",
        "## Why verdicts changed",
        "",
        "Each reason is the experiment's own declaration (`other_worlds=`). Where it says "
        "'Measured', the experiment was rerun on regions12 with the named table values set to "
        "the default world's, and the value it gives is quoted.",
        "",
    ]
    by_reason: dict[str, list[str]] = {}
    for r in changed:
        by_reason.setdefault(reason_of(r), []).append(
            f"{r['experiment']}:{r['quantity']} ({r['verdict_default']} -> {r['verdict_world']})"
        )
    if not by_reason:
        lines.append("No verdict changed.")
    for reason, keys in by_reason.items():
        lines += [
            f"**{'; '.join(keys)}**: " + (reason or "UNEXPLAINED: no reason declared"),
            "",
        ]
    lines += ["## Not run on this world", ""]
    lines += [f"- {n}: {why}" for n, why in skipped.items()] or ["Every experiment ran."]
    return "\n".join(lines).rstrip() + "\n"


def parse_rows(text: str) -> list[dict[str, str]]:
    """The rows of a page's table (as `rows_of` made them)."""
    body = text.split(BEGIN, 1)[1].split(END, 1)[0].strip().splitlines()[2:]
    rows = []
    for line in body:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append(dict(zip(COLUMNS, cells)))
    return rows


def page_disagreements(world: str, frame: pl.DataFrame, text: str) -> list[str]:
    """Why a page is not current for this run: a decided check whose verdict differs, or a
    page that its own rows and today's declarations would write differently."""
    if BEGIN not in text or END not in text:
        return ["the page has no generated table"]
    rows = parse_rows(text)
    out = []
    if page_text(world, rows) != text:
        out.append("the page's reasons or summary differ from the declarations")
    page = {(r["experiment"], r["quantity"]): r["verdict_world"] for r in rows}
    for r in frame.filter(pl.col("status") != UNDECIDED).iter_rows(named=True):
        key = (r["experiment"], r["quantity"])
        mine = verdict(r["tier"], r["passed"], r.get("status"))
        if page.get(key) != mine:
            out.append(f"{key[0]}:{key[1]} ({mine} here, {page.get(key) or 'absent'} there)")
    return out


def page_command(ns, frame: pl.DataFrame) -> int:
    """--page / --check-page of `migsim validate --world NAME` (exit 3 on a stale page or an
    unexplained change of verdict)."""
    tag = "migsim validate"
    print(
        f"{tag}: on world={ns.world}, FAIL and unexpected pass are against the default "
        "world's declared misses and set no exit code; the world's page explains changed verdicts"
    )
    if ns.page:
        default = pl.read_parquet(ns.compare_with)
        rows = rows_of(frame, default)
        Path(ns.page).write_text(page_text(ns.world, rows))
        print(f"{tag}: wrote {ns.page}")
        missing = unexplained(rows)
        if missing:
            print(f"{tag}: changed verdicts with no reason declared: " + ", ".join(missing))
            return 3
    if ns.check_page:
        differ = page_disagreements(ns.world, frame, Path(ns.check_page).read_text())
        if differ:
            print(f"{tag}: {ns.check_page} is not current: " + "; ".join(differ[:10]))
            return 3
        print(f"{tag}: {ns.check_page} agrees with this run")
    return 0
