"""The generated performance tables (`benches/table.py`) read the benchmark records: a target
is called met or not from the record's figure, never typed (synthetic records here)."""

from __future__ import annotations

import json

import pytest

from benches import table, targets
from migsim.core.errors import InputError


def _write(tmp_path, name, data):
    (tmp_path / f"{name}.json").write_text(json.dumps(data))


def _targets(tmp_path, **figures):
    """A synthetic `benches.targets` record of 10M people on 2 threads with these figures."""
    _write(
        tmp_path,
        "targets",
        {"targets": True, "people": 10_000_000, "threads": 2, "command": "x", **figures},
    )


def test_targets_table_reads_the_records(tmp_path):
    _targets(
        tmp_path,
        full_year_person_years_per_s=32e6,
        probe_person_years_per_s=20e6,
        full_year_vs_probe=1.6,
        state_bytes_per_row=23.0,
    )
    _write(
        tmp_path,
        "scale-500M",
        {
            "people": 500_000_000,
            "rows": 575_000_000,
            "synthesis_s": 100.0,
            "year_s_min": 44.0,
            "person_years_per_s": 1.1e7,
            "state_bytes": 13_225_000_000,
            "state_bytes_per_row": 23.0,
            "scratch_bytes": {"units": 2_000_000_000},
            "scratch_bytes_per_person": {"units": 4.0},
            "rss_before_synthesis_bytes": 300_000_000,
            "peak_rss_after_synthesis_bytes": 13_000_000_000,
            "peak_rss_bytes": 25 * 2**30,
            "peak_rss_bytes_per_person": 50.0,
        },
    )
    out = targets.TARGET_FULL_YEAR_VS_PROBE / 1.6
    text = table.targets_table(tmp_path)
    assert f"= 1.60x (2 threads; targets) | 20M person-years/s | not met: {out:.2f}x" in text
    assert "| 23.0 B/row (targets) | - | met |" in text
    assert "peak RSS 25.00 GiB" in text and text.count("not met") == 2
    peak = table.peak_table(tmp_path)
    assert "| peak over the run | 26.84 | 25.00 |" in peak
    assert "| per-pass scratch allocated (units 4.00 B/person) | 2.00 | 1.86 |" in peak


def test_the_full_year_target_is_judged_on_the_median_round(tmp_path):
    _targets(
        tmp_path,
        full_year_person_years_per_s=66e6,
        probe_person_years_per_s=20e6,
        full_year_vs_probe=3.3,
        full_year_vs_probe_rounds=[3.5, 3.1, 3.3],
        state_bytes_per_row=24.0,
    )
    text = table.targets_table(tmp_path)
    assert "= 3.30x (the median of 3 rounds, 3.10-3.50; 2 threads; targets)" in text
    assert "not met" not in text


@pytest.mark.parametrize("rounds", ["0", "4", "-3"])
def test_the_targets_command_refuses_an_even_or_empty_number_of_rounds(rounds, capsys):
    assert targets.main(["1000", rounds]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"benches.targets: ROUNDS is {rounds}; allowed: an odd number >= 1"


def test_a_file_without_benchmark_blocks_is_refused(tmp_path):
    from migsim.core.errors import InputError

    page = tmp_path / "page.md"
    page.write_text("no blocks\n")
    with pytest.raises(InputError, match="has no generated benchmark block"):
        table.sync(str(page), check=True)


def test_the_command_refuses_a_missing_or_unmarked_file_in_one_line(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text("no blocks\n")
    assert table.main(["--check", str(page)]) == 2
    assert table.main(["--check", str(tmp_path / "missing.md")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("has no generated benchmark block (allowed: " + table.BEGIN + ")")
    missing = tmp_path / "missing.md"
    assert err[1] == (
        f"benches.table: {missing}: no such file (allowed: a document with its markers)"
    )


@pytest.mark.parametrize("cut", ["end", "begin", "swap"])
def test_a_table_with_half_its_markers_is_refused_not_passed(tmp_path, capsys, cut):
    """A stale table whose end (or begin) marker was lost used to be skipped by --check and
    the page called up to date."""
    page = tmp_path / "performance.md"
    stale = f"intro\n{table.BEGIN}\n| old | 1 | stale |\n{table.END}\nafter\n"
    if cut == "end":
        stale = stale.replace(table.END, "")
    elif cut == "begin":
        stale = stale.replace(table.BEGIN, "")
    else:
        stale = f"intro\n{table.END}\n| old |\n{table.BEGIN}\nafter\n"
    page.write_text(stale)
    assert table.main(["--check", str(page)]) == 2
    assert "half a generated benchmark block" in capsys.readouterr().err
    assert table.main(["--write", str(page)]) == 2
    assert page.read_text() == stale


@pytest.mark.parametrize(
    "record", ['{"benchmarks": []}', '{"seconds": 1.0}', '{"benchmarks": [', "[1, 2]"]
)
def test_take_refuses_a_record_the_table_would_drop(tmp_path, monkeypatch, capsys, record):
    """A failed run's pytest-benchmark JSON (no benchmark), an unknown shape or a cut file
    is refused by --take; kept anyway, --check names it instead of a traceback or a table
    quietly without it."""
    kept = tmp_path / "results"
    monkeypatch.setattr(table, "RESULTS", kept)
    source = tmp_path / "run.json"
    source.write_text(record)
    assert table.main(["--take", str(source)]) == 2
    assert "--take" in capsys.readouterr().err and not kept.exists()
    kept.mkdir()
    (kept / "run.json").write_text(record)
    with pytest.raises(InputError, match="run.json"):
        table.rows(kept)
    good = {"benchmarks": [{"name": "b", "extra_info": {"ratios": {"decide": 3.0}}}]}
    source.write_text(json.dumps(good))
    (kept / "run.json").unlink()
    assert table.main(["--take", str(source), "quick"]) == 0
    assert "decide 3" in table.table(kept)
