"""The benchmark history report and the generated performance table, on synthetic records
(no timing in tests): a first run has nothing to compare with, a fallen ratio is flagged
but never fails, and the table in docs/performance.md is the one its command writes."""

from __future__ import annotations

import json
from pathlib import Path

from benches import history, table

ROOT = Path(__file__).resolve().parent.parent


def _saved(path: Path, ratio: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    bench = {"name": "test_quick_ratios[1M]", "extra_info": {"ratios": {"decide": ratio}}}
    path.write_text(json.dumps({"benchmarks": [bench]}))
    return path


def test_runs_are_found_oldest_first(tmp_path):
    a = _saved(tmp_path / "Linux" / "0001_abc.json", 30.0)
    b = _saved(tmp_path / "Linux" / "0002_def.json", 20.0)
    assert history.saved_runs(tmp_path) == [a, b]
    assert history.saved_runs(tmp_path / "none") == []


def test_a_fallen_ratio_is_flagged_in_the_report():
    lines = history.report({"x/decide": 30.0}, {"x/decide": 20.0, "x/new": 1.0}, 0.25)
    assert any("FELL" in line and "x/decide" in line for line in lines)
    assert any("x/new" in line and "(new)" in line for line in lines)
    assert not any("FELL" in line for line in history.report({"a": 1.0}, {"a": 0.9}, 0.25))


def test_ratios_are_read_from_extra_info(tmp_path):
    path = _saved(tmp_path / "0001_x.json", 12.5)
    assert history.ratios(path) == {"test_quick_ratios[1M]/decide": 12.5}


def test_the_table_lists_every_kept_record(tmp_path):
    _saved(tmp_path / "quick.json", 12.5)
    text = table.table(tmp_path)
    assert "test_quick_ratios[1M] (quick)" in text and "decide 12.5" in text


def test_the_performance_page_table_is_up_to_date():
    assert table.sync(str(ROOT / "docs" / "performance.md"), check=True)
