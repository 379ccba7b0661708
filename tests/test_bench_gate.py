"""The benchmark regression gate (benches/gate.py) fails on a big regression and passes on
noise. Nothing is timed here: the gate logic runs on synthetic results."""

from __future__ import annotations

import json

from benches.gate import TOLERANCE, compare, main

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
    monkeypatch.setattr("benches.gate.measure", lambda size: _result(15.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 1
    monkeypatch.setattr("benches.gate.measure", lambda size: _result(35.0, 19.0))
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
    monkeypatch.setattr("benches.gate.measure", lambda size: _result(32.0, 8.0))
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
    monkeypatch.setattr("benches.gate.measure", lambda size: _result(15.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 1
    monkeypatch.setattr("benches.gate.measure", lambda size: _result(35.0, 19.0))
    assert main(["--baseline", str(baseline)]) == 0
