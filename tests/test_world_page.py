"""docs/worlds-regions12.md (`migsim world report --page`): assumed values per world and
variable, every difference between regions12 and the default world (and Table 6.1) with its
cause, and the simulated first-year flows against Abel & Sander 2005-2010."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from migsim.worldbuild.build import provenance_file
from migsim.worldbuild.differences import differences, explain
from migsim.worldbuild.page import assumed_by_variable, assumed_section, differences_section
from migsim.worldbuild.report import _counts

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE = REPO_ROOT / "docs" / "worlds-regions12.md"
DATA = REPO_ROOT / "engine" / "data"


def test_no_difference_from_the_default_world_is_unexplained():
    frame = differences()
    left = frame.filter(pl.col("cause") == "unexplained")
    assert left.height == 0, left.select("scope", "variable", "ratio", "reason").rows()
    # 12 regions x 16 variables, and the six UN areas and the world against Table 6.1
    assert frame.height == 12 * 16 + 7


def test_base_year_part_is_measured_from_the_inputs():
    frame = differences()
    ssa = frame.filter((pl.col("scope") == "SSA") & (pl.col("variable") == "population"))
    # WPP 2019: SSA grew about 2.7% a year, so 2010 is about 0.92 of 2013
    assert 0.90 < ssa["base_effect"][0] < 0.94
    assert ssa["cause"][0] == "base-year"
    world = frame.filter(pl.col("scope") == "World")
    # Table 6.1: 220.7 M in 2010 against 231.5 M in 2013
    assert world["base_effect"][0] == pytest.approx(220.7 / 231.5, abs=1e-4)


def test_a_difference_no_cause_covers_is_unexplained():
    assert explain("population", "NAM", 1.5, 1.0)[0] == "unexplained"
    assert explain("skill_premium", "NAM", 1.2, None)[0] == "unexplained"
    assert explain("population", "NAM", 1.02, None)[0] == ""
    # a cause of named regions only covers them
    assert explain("gdp_per_capita_ppp", "GCC", 1.4 * 0.84, 0.84)[0] == "gcc-gdp-assumed"
    assert explain("gdp_per_capita_ppp", "NAM", 1.4 * 0.84, 0.84)[0] == "unexplained"


def test_assumed_counts_per_variable_add_up_to_each_world_total():
    by_variable = assumed_by_variable()
    assert set(by_variable) == {"regions12", "corridors", "countries"}
    for name, counts in by_variable.items():
        assert sum(counts.values()) == _counts(DATA / name)[""]["assumed"]
        raw = pl.read_csv(provenance_file(DATA / name), infer_schema_length=0)
        sq = raw.filter(
            (pl.col("column") == "skill_premium") & pl.col("method").str.starts_with("assumed")
        )
        assert counts[("regions.csv", "skill_premium")] == sq.height
    # every area of regions12 takes the default world's skill premium and tax rate
    assert by_variable["regions12"][("regions.csv", "tax_rate")] == 12


def test_page_sections_from_the_data_are_current():
    text = PAGE.read_text()
    msg = "run `migsim world report --page docs/worlds-regions12.md`"
    assert assumed_section() in text, msg
    assert differences_section() in text, msg


@pytest.mark.slow
def test_page_is_current_with_its_flows():
    cmd = [sys.executable, "-m", "migsim", "world", "report", "--check-page", str(PAGE)]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
