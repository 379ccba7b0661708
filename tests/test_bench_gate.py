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
