"""Validation experiments (engine/validation/) shared across the tests of this directory.

One `Runner` per session: every experiment config is simulated once (at the sizes of
configs/experiment/, the same as `migsim validate`) and each experiment's checks are computed
once, then every (experiment, quantity) is its own test. The misses each experiment declares
(`migsim.validation.EXPECTED_FAILURES` gathers them) are xfail(strict=True) with the measured
gap's explanation, so a miss that starts to pass is reported too.
"""

from __future__ import annotations

import pytest

from migsim import validation as v

_RESULTS: dict[str, dict[str, v.Check]] = {}


@pytest.fixture(scope="session")
def validation_runner(tmp_path_factory) -> v.Runner:
    return v.Runner(tmp_path_factory.mktemp("validation"))


@pytest.fixture(scope="session")
def checks(validation_runner):
    """checks(experiment) -> {"E3:quantity": Check}, computed once per session."""

    def get(experiment: str) -> dict[str, v.Check]:
        if experiment not in _RESULTS:
            _RESULTS[experiment] = {c.key: c for c in v.EXPERIMENTS[experiment](validation_runner)}
        return _RESULTS[experiment]

    return get
