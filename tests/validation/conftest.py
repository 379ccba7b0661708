"""Validation experiments (engine/validation/) shared across the tests of this directory.

One validation per session, by `migsim validate`'s own procedure (`run_all` with the
command's defaults): every experiment on three seeds, decided on the mean, and again on more
seeds, up to nine, where a verdict is still within Monte Carlo error. Each (experiment,
quantity) is then its own test of that verdict: the misses each experiment declares
(`migsim.validation.EXPECTED_FAILURES` gathers them) are xfail(strict=True) with the measured
gap's explanation, so a miss that starts to pass is reported too, and a verdict the seeds
leave undecided is skipped with its reason (the report says so too). The first seed's checks
(`checks`) and runs (`validation_runner`) serve the tests of notes, bands and run contents.
"""

from __future__ import annotations

import pytest

from migsim import validation as v


@pytest.fixture(scope="session")
def validation_run(tmp_path_factory):
    """(validation.parquet's frame, the first seed's Runner) of the whole validation."""
    from migsim.validation.cli import MAX_SEEDS

    root = tmp_path_factory.mktemp("validation")
    return v.run_all(root, seeds=3, max_seeds=MAX_SEEDS, log=lambda _message: None)


@pytest.fixture(scope="session")
def validation_runner(validation_run) -> v.Runner:
    return validation_run[1]


@pytest.fixture(scope="session")
def checks(validation_runner):
    """checks(experiment) -> {"E3:quantity": Check} of the first seed."""
    return lambda experiment: validation_runner.first_checks[experiment]


@pytest.fixture(scope="session")
def verdict(validation_run):
    """verdict("E3:quantity") -> the check's row of validation.parquet (every seed)."""
    rows = {
        f"{r['experiment']}:{r['quantity']}": r for r in validation_run[0].iter_rows(named=True)
    }
    return lambda key: rows[key]
