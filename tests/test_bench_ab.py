"""`benches.ab`: a kernel of this tree against another checkout's, in one process. Run here
against this tree itself (the other tree's modules loaded under other names, compiled apart):
both versions run on the same captured arguments and the report has every figure; a path
that is not a checkout is refused with one line naming what is allowed. No time is
asserted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benches import ab

ROOT = Path(__file__).resolve().parent.parent


def test_incomes_against_the_same_tree_reports_both_versions(capsys):
    out = ab.compare(20_000, 1, 2, ROOT, ["incomes"])
    got = out["kernels"]["incomes"]
    assert out["rounds"] == 2 and out["people"] == 20_000
    for key in ("other_ms", "this_ms", "other_min_ms", "this_min_ms", "this_over_other"):
        assert math.isfinite(got[key]) and got[key] > 0
    assert "incomes: other" in capsys.readouterr().out


def test_a_path_that_is_no_checkout_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        ab.other_kernels(tmp_path)
    assert err.value.code == 2
    assert "not a migsim checkout" in capsys.readouterr().err


def test_an_unknown_kernel_is_refused(capsys):
    with pytest.raises(SystemExit) as err:
        ab.main([str(ROOT), "nothing"])
    assert err.value.code == 2
    assert "allowed: mortality_fertility_and_ageing" in capsys.readouterr().err
