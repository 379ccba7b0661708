"""`migsim validate --world NAME`: the experiments on a world built from data, and the page
that sets its verdicts beside the default world's (docs/validation-regions12.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from migsim.validation.registry import registered
from migsim.validation.worlds import (
    page_disagreements,
    page_text,
    parse_rows,
    rows_of,
    unexplained,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE = REPO_ROOT / "docs" / "validation-regions12.md"


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "migsim", "validate", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def _frame(rows: list[tuple[str, str, float, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "experiment": e,
                "quantity": q,
                "simulated": v,
                "passed": p,
                "tier": "out_of_sample",
                "published_low": 1.0,
                "published_high": 1.0,
                "flag": "V",
                "unit": "%",
                "status": "pass" if p else "expected failure",
            }
            for e, q, v, p in rows
        ]
    )


def test_page_rebuilds_from_its_own_table():
    default = _frame([("E8", "a", 1.0, True), ("E8", "b", 2.0, False), ("BACKCAST", "c", 3, True)])
    world = _frame([("E8", "a", 0.5, False), ("E8", "b", 2.1, False)])
    rows = rows_of(world, default)
    assert [r["changed"] for r in rows] == ["yes", "", ""]
    assert rows[2]["value_world"] == "not run"
    text = page_text("regions12", rows)
    assert parse_rows(text) == rows
    assert page_disagreements("regions12", world, text) == []
    # a verdict this run contradicts, and a page whose reasons were edited by hand
    flipped = world.with_columns(passed=pl.Series([True, False]))
    assert page_disagreements("regions12", flipped, text) == ["E8:a (pass here, miss there)"]
    edited = text.replace("Why verdicts changed", "Why")
    assert page_disagreements("regions12", world, edited)


def test_an_undecided_check_is_shown_as_such_and_is_no_change():
    """A check the run could not decide (within Monte Carlo error of the band's edge) reads
    `undecided` on the page, as in validation.md, and a decided verdict beside it is not a
    change of verdict that needs a reason."""
    default = _frame([("E8", "a", 1.0, True), ("E8", "b", 2.0, False)])
    default = default.with_columns(status=pl.Series(["undecided", "expected failure"]))
    world = _frame([("E8", "a", 0.5, False), ("E8", "b", 2.1, True)])
    rows = rows_of(world, default)
    assert [r["verdict_default"] for r in rows] == ["undecided", "miss"]
    assert [r["verdict_world"] for r in rows] == ["miss", "pass"]
    assert [r["changed"] for r in rows] == ["", "yes"]
    text = page_text("regions12", rows)
    assert "2 checks ran on both worlds, 1 decided on both: 0 keep their verdict, 1 change" in text
    assert "; 1 undecided on one world or both" in text
    assert parse_rows(text) == rows
    assert page_disagreements("regions12", world, text) == []


def test_every_experiment_either_explains_other_worlds_or_is_kept_to_the_default():
    for name, exp in registered().items():
        if not exp.fn.__module__.startswith("migsim.validation.experiments"):
            continue  # an installed package's experiment
        assert bool(exp.other_worlds) != bool(exp.default_world_only), name
    assert registered()["BACKCAST"].default_world_only
    row = {"experiment": "NOPE", "quantity": "x", "changed": "yes"}
    assert unexplained([row]) == ["NOPE:x"]
    # a check named E3:... belongs to the experiment E2-E5, which gives the reason
    row = {"experiment": "E3", "quantity": "native_avg_wage_pct_K_adjusting", "changed": "yes"}
    assert unexplained([row]) == []


def test_page_needs_the_default_worlds_run(tmp_path):
    done = validate("--world", "regions12", "--page", str(tmp_path / "p.md"), cwd=tmp_path)
    assert done.returncode == 2
    assert "--compare-with" in done.stderr and done.stderr.count("\n") == 1
    done = validate("--world", "nowhere", cwd=tmp_path)
    assert done.returncode == 2 and "regions12" in done.stderr


@pytest.mark.slow
def test_the_regions12_page_agrees_with_a_quick_run(tmp_path):
    """The analytic experiments on regions12 (seconds): their verdicts as on the page, and
    the page's reasons the experiments' current ones."""
    done = validate(
        "--world",
        "regions12",
        "--quick",
        "--only",
        "E2,E25",
        "--out",
        str(tmp_path / "out"),
        "--check-page",
        str(PAGE),
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "agrees with this run" in done.stdout
