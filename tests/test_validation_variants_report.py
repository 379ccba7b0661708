"""The generated block of model variants in docs/validation.md
(migsim.validation.variants_report): its shape, from frames of known verdicts, and that its
variants are parameters a variant may set."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.validation.variants import check_overrides
from migsim.validation.variants_report import BEGIN, END, VARIANTS, block, changes

REPO_ROOT = Path(__file__).resolve().parent.parent


# a check's reading -> (passed, status): a variant's statuses are against the default
# model's declared verdicts, so its passes may be "unexpected pass" and its misses "FAIL"
READINGS = {
    "pass": (True, "pass"),
    "miss": (False, "expected failure"),
    "FAIL": (False, "FAIL"),
    "unexpected pass": (True, "unexpected pass"),
    "undecided": (False, "undecided"),
}


def _frame(results: dict[str, str], seeds: int = 3) -> pl.DataFrame:
    keys = list(results)
    return pl.DataFrame(
        {
            "experiment": [k.split(":")[0] for k in keys],
            "quantity": [k.split(":")[1] for k in keys],
            "tier": ["calibrated" if k.startswith("C") else "out_of_sample" for k in keys],
            "passed": [READINGS[results[k]][0] for k in keys],
            "status": [READINGS[results[k]][1] for k in keys],
            "seeds": [seeds] * len(keys),
        }
    )


def test_the_block_names_the_verdicts_that_differ():
    default = _frame({"E1:a": "pass", "E2:b": "miss", "E3:c": "undecided", "C1:d": "pass"})
    variant = _frame({"E1:a": "FAIL", "E2:b": "miss", "E3:c": "pass", "C1:d": "FAIL"}, 9)
    assert changes(default, variant) == [
        "E1:a (out_of_sample): pass -> miss",
        "C1:d (calibrated): reproduced -> not reproduced",
    ]
    opened = _frame({"E1:a": "pass", "E2:b": "unexpected pass", "E3:c": "pass", "C1:d": "pass"})
    assert changes(default, opened) == ["E2:b (out_of_sample): miss -> pass"]
    assert "| 3 of 3 pass |" in block(default, [("economy.x=1", "w", opened)])
    text = block(default, [("economy.x=1", "what it does", variant)])
    lines = text.splitlines()
    assert lines[0].startswith("| variant | what changes | out of sample |")
    assert lines[2] == "| (default) | the shipped model | 1 of 2 pass, 1 undecided | |"
    assert lines[3] == (
        "| `economy.x=1` | what it does | 1 of 3 pass | E1:a (out_of_sample): pass -> miss; "
        "C1:d (calibrated): reproduced -> not reproduced |"
    )
    assert "the default model on seeds 1-3, the variants on seeds 1-9)" in text
    same = block(default, [("economy.x=1", "w", default)])
    assert same.splitlines()[3].endswith("| none |")


def test_the_variants_are_model_parameters_and_the_page_has_the_block():
    check_overrides([override for override, _ in VARIANTS])
    text = (REPO_ROOT / "docs" / "validation.md").read_text()
    assert text.index(BEGIN) < text.index(END)
