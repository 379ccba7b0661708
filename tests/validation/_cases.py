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


def assert_check(check: v.Check) -> None:
    assert check.passed, (
        f"{check.experiment} {check.quantity}: simulated {check.simulated:.4g} {check.unit} "
        f"outside the accepted band [{check.accept_low:.4g}, {check.accept_high:.4g}] "
        f"(published {check.published_low:.4g} to {check.published_high:.4g} [{check.flag}], "
        f"{check.source})"
    )
