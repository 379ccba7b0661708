"""The benchmark regression gate (benches/gate.py) fails on a big regression and passes on
noise. Nothing is timed here: the gate logic runs on synthetic results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benches.gate import BASELINE as SHIPPED
from benches.gate import TOLERANCE, compare, main, read_baseline

GATED = {"decide_vs_numpy", "mortality_vs_numpy", "full_year_vs_probe"}

BASELINE = {"ratios": {"decide_vs_numpy": 40.0, "mortality_vs_numpy": 20.0}}


def _result(decide: float, mortality: float) -> dict:
    return {"ratios": {"decide_vs_numpy": decide, "mortality_vs_numpy": mortality}}


def test_gate_passes_on_noise():
    for factor in (0.7, 0.85, 1.0, 1.3, 3.0):  # up to 30% slower, or faster
        assert compare(_result(40.0 * factor, 20.0 * factor), BASELINE) == []


def test_gate_fails_on_big_regression():
    failures = compare(_result(40.0 * 0.5, 20.0), BASELINE)
    assert len(failures) == 1 and failures[0].startswith("decide_vs_numpy")
    assert len(compare(_result(10.0, 5.0), BASELINE)) == 2


def test_gate_threshold_and_missing_ratio():
    edge = 40.0 * (1.0 - TOLERANCE)
    assert compare(_result(edge * 1.001, 20.0), BASELINE) == []
    assert compare(_result(edge * 0.999, 20.0), BASELINE) != []
    assert compare({"ratios": {"decide_vs_numpy": 40.0}}, BASELINE) != []


def test_gate_exit_code(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(BASELINE))
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(15.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 1
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(35.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 0


def test_each_kind_of_cpu_is_compared_with_its_own_record(tmp_path, monkeypatch):
    """A Zen 5 runs the mortality kernel at about half its Zen 3 ratio to the NumPy twin:
    each kind keeps its record, and a kind without one meets the lowest recorded ratio."""
    from benches.gate import baseline_for

    kinds = {
        "kinds": {
            "znver3": {"ratios": {"decide_vs_numpy": 33.0, "mortality_vs_numpy": 15.0}},
            "znver5": {"ratios": {"decide_vs_numpy": 32.0, "mortality_vs_numpy": 8.5}},
        }
    }
    zen5 = _result(32.0, 8.0)
    assert compare(zen5, baseline_for(kinds, "znver5")[0]) == []
    assert compare(zen5, baseline_for(kinds, "znver3")[0]) != []  # held to Zen 3's 15x
    lowest, label = baseline_for(kinds, "skylake-avx512")
    assert lowest["ratios"] == {"decide_vs_numpy": 32.0, "mortality_vs_numpy": 8.5}
    assert "lowest" in label
    # main picks the record of this machine's kind; --update writes only that kind's
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(kinds))
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(32.0, 8.0))
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver3")
    assert main(["--baseline", str(baseline)]) == 1
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver5")
    assert main(["--baseline", str(baseline)]) == 0
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver4")
    assert main(["--baseline", str(baseline), "--update"]) == 0
    stored = json.loads(baseline.read_text())["kinds"]
    assert sorted(stored) == ["znver3", "znver4", "znver5"]
    assert stored["znver3"] == kinds["kinds"]["znver3"]


def test_a_baseline_of_one_record_holds_for_every_kind(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(BASELINE))
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver5")
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(15.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 1
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(35.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 0


def _no_measure(*args, **kwargs):
    raise AssertionError("measured before the baseline was read")


def test_a_missing_or_unreadable_baseline_is_exit_2_before_measuring(tmp_path, monkeypatch):
    monkeypatch.setattr("benches.gate.measure", _no_measure)
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver3")
    baseline = tmp_path / "baseline.json"
    assert main(["--baseline", str(baseline)]) == 2  # missing: not silently written
    assert not baseline.exists()
    for text in ("{", "[]", '{"kinds": {}}', '{"kinds": {"znver3": {"ratios": {"d": "x"}}}}'):
        baseline.write_text(text)
        assert main(["--baseline", str(baseline)]) == 2, text
        assert baseline.read_text() == text
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(35.0, 19.0))
    baseline.unlink()
    assert main(["--baseline", str(baseline), "--update"]) == 0  # --update starts one
    assert json.loads(baseline.read_text())["kinds"]["znver3"]["ratios"]["decide_vs_numpy"] == 35


def test_a_ratio_that_is_not_a_number_fails():
    for bad in (float("nan"), float("inf"), 0.0, -3.0):
        failures = compare(_result(bad, 20.0), BASELINE)
        assert len(failures) == 1 and failures[0].startswith("decide_vs_numpy"), bad


def test_the_tolerance_is_a_fraction(tmp_path, monkeypatch):
    """`--tolerance 40` (meaning 40%) would let any ratio pass: refused."""
    monkeypatch.setattr("benches.gate.measure", _no_measure)
    for bad in ("40", "1", "0", "-0.1"):
        with pytest.raises(SystemExit) as exc:
            main(["--baseline", str(tmp_path / "b.json"), "--tolerance", bad])
        assert exc.value.code == 2


def test_the_year_is_measured_on_the_baselines_threads(tmp_path, monkeypatch, capsys):
    """The full year scales unlike the probe with the core count: it is measured on the
    baseline's threads; on a machine with fewer it is reported and not compared."""
    record = {"year_threads": 2, "ratios": {"full_year_vs_probe": 2.0, "decide_vs_numpy": 40.0}}
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"kinds": {"znver4": record}}))
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver4")
    asked = []

    def measure(size, year_threads=0, got=0.5):
        asked.append(year_threads)
        return {"year_threads": got, "ratios": {"full_year_vs_probe": 0.5, "decide_vs_numpy": 40}}

    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: measure(size, got=2, **kw))
    assert main(["--baseline", str(baseline)]) == 1  # same threads: a regression
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: measure(size, got=1, **kw))
    assert main(["--baseline", str(baseline)]) == 0  # one core here: not comparable
    assert asked == [2, 2]
    assert "full_year_vs_probe not compared" in capsys.readouterr().out


def test_an_update_writes_the_whole_baseline_or_nothing(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(BASELINE))
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(35.0, 19.0))
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver5")
    real = Path.write_text

    def disk_full(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError):
        main(["--baseline", str(baseline), "--update"])
    monkeypatch.undo()
    assert json.loads(baseline.read_text()) == BASELINE
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_an_update_records_its_provenance(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    monkeypatch.setattr("benches.gate.measure", lambda size, **kw: _result(35.0, 19.0))
    monkeypatch.setattr("benches.gate.cpu_kind", lambda: "znver5")
    assert main(["--baseline", str(baseline), "--update"]) == 0
    recorded = json.loads(baseline.read_text())["kinds"]["znver5"]["recorded"]
    assert set(recorded) >= {"date", "commit", "numba", "cpu_count"}


def test_the_shipped_baseline_is_complete_and_says_where_it_comes_from():
    """Every record of benches/baseline.json has each gated ratio (positive), the threads
    its year was measured on, its kind, and its provenance (a note or `recorded`)."""
    stored = read_baseline(SHIPPED, update=False)
    assert stored["kinds"]
    for kind, rec in stored["kinds"].items():
        assert set(rec["ratios"]) == GATED, kind
        assert all(v > 0 for v in rec["ratios"].values()), kind
        assert rec.get("cpu") == kind and rec.get("year_threads", 0) >= 1, kind
        assert rec.get("note") or rec.get("recorded"), f"{kind}: no provenance"
