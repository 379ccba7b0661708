"""`migsim validate --agree-with FILE`: this run's decided verdicts against another run's
(a full run's, for the quick mode and twice the agents)."""

from __future__ import annotations

import polars as pl


def disagreements(frame: pl.DataFrame, full: pl.DataFrame) -> list[str]:
    """The decided checks of `frame` whose verdict differs from the same check in `full`,
    where `full` decides it too (a `status` of "undecided" there has no verdict to agree
    with)."""
    decided = full.filter(pl.col("status") != "undecided")
    other = {(r["experiment"], r["quantity"]): r["passed"] for r in decided.iter_rows(named=True)}
    out = []
    for r in frame.filter(pl.col("status") != "undecided").iter_rows(named=True):
        key = (r["experiment"], r["quantity"])
        if key in other and other[key] != r["passed"]:
            out.append(f"{key[0]}:{key[1]} ({'pass' if r['passed'] else 'miss'} here)")
    return out


def unmatched(frame: pl.DataFrame, full: pl.DataFrame) -> tuple[int, list[str]]:
    """(how many decided checks of `frame` are decided in `full` too, the decided checks of
    `frame` that `full` does not hold at all): a reference that holds none of them, or
    lacks some, cannot vouch for the agreement."""
    decided = full.filter(pl.col("status") != "undecided")
    both = {(r["experiment"], r["quantity"]) for r in decided.iter_rows(named=True)}
    every = {(r["experiment"], r["quantity"]) for r in full.iter_rows(named=True)}
    mine = [
        (r["experiment"], r["quantity"])
        for r in frame.filter(pl.col("status") != "undecided").iter_rows(named=True)
    ]
    return sum(k in both for k in mine), [f"{e}:{q}" for e, q in mine if (e, q) not in every]
