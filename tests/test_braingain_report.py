"""The brain-gain page's comparison of the two education responses (docs/braingain.md) is
written from the seeds' figures: every range, pass count and verdict in it moves with them."""

from __future__ import annotations

from migsim.validation import braingain_report as report
from migsim.validation.checks import point, sign


def _checks(low_h: float, share: float) -> list:
    return [
        sign("E15", "countries_winners_low_H", "s", True, low_h, "share"),
        sign("E15", "countries_winners_low_p", "s", True, 0.1, "share"),
        sign("E15", "countries_losers_minus_winners", "s", True, 50.0, "countries"),
        sign("E15", "countries_loss_minus_gain_pp", "s", True, 0.5, "points"),
        point("E15", "countries_winners_population_pct", "s", "V", 80.0, share, "%"),
    ]


def _seeds(reduced: list[tuple[float, float, float]]) -> dict:
    """Three seeds: the default's checks fixed, the reduced form's (low_H, share, E16)."""
    seeds = [
        {
            "checks": _checks(0.04, 3.0),
            "e16": 0.5,
            "reduced": {"checks": _checks(low_h, share), "e16": e16},
        }
        for low_h, share, e16 in reduced
    ]
    return {"checks": seeds[0]["checks"], "seeds": seeds}


def test_the_comparison_follows_the_seeds():
    out = _seeds([(-0.04, 70.0, 6.0), (-0.05, 75.0, 6.0), (0.01, 73.0, 4.0)])
    text = "\n".join(report._reduced_lines(out))
    # the share: its range, and on how many seeds it is inside 72-88
    assert "| countries_winners_population_pct | 80 [V] | 3 (0 of 3) | 70 to 75 (2 of 3) |" in text
    assert "| countries_winners_low_H | > 0 | 0.04 (3 of 3) | -0.05 to 0.01 (1 of 3) |" in text
    assert "| 0.5 (0 of 3) | 4 to 6 (2 of 3) |" in text  # E16 against 5-10
    assert "median tertiary share is below the compared origins' on 1 of 3 seeds" in text
    assert report.reduced_span(out, "-") == "70-75"
    assert report._on_seeds(out, lambda s: s["reduced"]["e16"] >= 5) == "2 of 3 seeds"
    assert report._on_seeds(out, lambda s: True) == "every seed (3 of 3)"


def test_one_value_on_every_seed_is_written_once():
    out = _seeds([(-0.04, 70.0, 6.0)] * 3)
    text = "\n".join(report._reduced_lines(out))
    assert "| 70 (0 of 3) |" in text
    assert "optimal rate is 6%" in text
