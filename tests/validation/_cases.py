"""Parametrisation helpers of the validation tests."""

from __future__ import annotations

import pytest

from migsim import validation as v


def cases(experiment: str) -> list:
    """pytest params for the experiment's quantities, xfail(strict) for the known misses."""
    out = []
    for key in v.QUANTITIES[experiment]:
        marks = []
        if key in v.EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=v.EXPECTED_FAILURES[key]))
        out.append(pytest.param(key, marks=marks, id=key))
    return out


def assert_verdict(row: dict) -> None:
    """The check's verdict on every seed, as `migsim validate` decides it: skipped where the
    seeds leave it within Monte Carlo error, else it must pass (a declared miss is an xfail)."""
    key = f"{row['experiment']}:{row['quantity']}"
    if row["status"] == "undecided":
        pytest.skip(f"{key} undecided: {row['explanation']}")
    null = f"; the null {row['null']:.4g}" if row["beats_null"] is False else ""
    assert row["passed"], (
        f"{key}: simulated {row['simulated']:.4g} +- {row['mc_error']:.2g} {row['unit']} "
        f"({row['seeds']} seeds) outside the accepted band [{row['accept_low']:.4g}, "
        f"{row['accept_high']:.4g}] (published {row['published_low']:.4g} to "
        f"{row['published_high']:.4g} [{row['flag']}], {row['source']}){null}"
    )
