"""The benchmark history report and the generated performance table, on synthetic records
(no timing in tests): a first run has nothing to compare with, a fallen ratio is flagged
but never fails, and the table in docs/performance.md is the one its command writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


BENCH = """
def test_quick_ratios(benchmark):
    benchmark.extra_info["ratios"] = {{"decide": {value}}}
    benchmark.pedantic({body}, rounds=1)
"""


def _subset(tmp_path, monkeypatch, value: float, body: str = "lambda: None") -> None:
    """A one-benchmark stand-in for the quick subset (nothing of migsim is timed)."""
    subset = tmp_path / f"bench_{len(list(tmp_path.glob('bench_*')))}.py"
    subset.write_text(BENCH.format(value=value, body=body))
    monkeypatch.setattr(history, "SUBSET", str(subset))


def _stamped(path: Path, ratio: float, when: str) -> Path:
    _saved(path, ratio)
    data = json.loads(path.read_text())
    data["benchmarks"][0]["name"] = "test_quick_ratios"  # the stand-in's name
    path.write_text(json.dumps(dict(data, datetime=when)))
    return path


def test_a_failed_run_leaves_the_history_as_it_was(tmp_path, monkeypatch, capsys):
    store = tmp_path / "store"
    first = _stamped(store / "Linux" / "0001_a.json", 30.0, "2026-01-01T00:00:00")
    _subset(tmp_path, monkeypatch, 12.0, body="lambda: 1 / 0")
    assert history.main(["--storage", str(store)]) != 0
    assert history.saved_runs(store) == [first]  # not an empty run to compare with next
    assert "history is unchanged" in capsys.readouterr().err
    _subset(tmp_path, monkeypatch, 12.0)
    assert history.main(["--storage", str(store)]) == 0
    out = capsys.readouterr().out
    assert "decide: 12 (was 30, -60%)  FELL" in out


def test_an_unreadable_saved_run_is_passed_over(tmp_path, monkeypatch, capsys):
    store = tmp_path / "store"
    _stamped(store / "Linux" / "0001_a.json", 30.0, "2026-01-01T00:00:00")
    cut = store / "Linux" / "0002_b.json"
    cut.write_text('{"machine_info": {"no')  # a run killed while it saved
    _subset(tmp_path, monkeypatch, 29.0)
    assert history.main(["--storage", str(store)]) == 0
    out = capsys.readouterr().out
    assert "against 0001_a.json" in out and "decide: 29 (was 30" in out


def test_the_run_just_saved_is_reported_whatever_its_folder(tmp_path, monkeypatch, capsys):
    """pytest-benchmark keeps a folder per machine and Python: an older folder whose name
    sorts last is neither the current run nor, when older, the previous one."""
    store = tmp_path / "store"
    _stamped(store / "Linux-CPython-3.99-64bit" / "0007_old.json", 50.0, "2020-01-01T00:00:00")
    _stamped(store / "Linux-CPython-3.0-64bit" / "0001_new.json", 30.0, "2026-01-01T00:00:00")
    _subset(tmp_path, monkeypatch, 20.0)
    assert history.main(["--storage", str(store)]) == 0
    out = capsys.readouterr().out
    assert "decide: 20 (was 30, -33%)  FELL" in out
    assert history.saved_runs(store)[-1].parent.name != "Linux-CPython-3.99-64bit"


def test_the_tolerance_is_a_fraction(tmp_path):
    with pytest.raises(SystemExit):
        history.main(["--storage", str(tmp_path), "--tolerance", "25"])
