"""The generated block of docs/scenarios.md's "History 1990-2010": the history experiment's
corridor errors by year, the model beside its two nulls.

    python -m migsim.validation.history_report --write docs/scenarios.md   # rewrite
    python -m migsim.validation.history_report --check docs/scenarios.md   # exit 1 if stale

It runs the experiment as `migsim validate --only HISTORY` does (configs/experiment/
history_1990.yaml: 1,000,000 agents) on its first three seeds, about 30 s each on two cores,
and gives the model's errors on their pooled stocks, as the validation decides the checks
(`migsim.validation.checks.Pooled`).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from migsim.core.docblocks import sync_blocks, write_or_check

BEGIN, END = "<!-- history-errors:begin -->", "<!-- history-errors:end -->"


def history_table(result: dict) -> str:
    """Markdown: per year, the world stock between areas and each estimate's errors."""
    from migsim.validation.experiments.history import FIT_END
    from migsim.worldbuild.history_sim import MIN_AGENTS, SIM_AGENTS

    rows = [
        "| year | tier | stock between areas, M (model / UN) | corridor log error: model / "
        "constant growth / gravity | MAPE %, resolved corridors: model / constant growth / "
        "gravity | MAPE %, every corridor |",
        "|---|---|---|---|---|---|",
    ]
    for year, err in result["errors"].items():
        sim, obs = result["totals"][year]
        names = ("model", "growth", "gravity")
        logs = " / ".join(f"{err[n][0]:.3f}" for n in names)
        mapes = " / ".join(f"{err[n][1]:.1f}" for n in names)
        every = " / ".join(f"{err[n][2]:.1f}" for n in names)
        tier = "fitted" if year <= FIT_END else "out of sample"
        rows.append(
            f"| {year} | {tier} | {sim / 1e6:.1f} / {obs / 1e6:.1f} | {logs} | {mapes} | {every} |"
        )
    rows += [
        "",
        f"Model: the pooled stocks of {result.get('seeds', 1)} seeds (1,000,000 agents each). "
        f"Log error: mean of |log(estimate / UN)| over the 132 area pairs, weighted by their "
        f"2010 stock. Gravity null: OLS on the 1990 stocks (R^2 {result['gravity_r2']:.2f}), "
        "moved by observed populations and incomes. MAPE: mean absolute percentage error; "
        f"resolved corridors: the {result['resolved']} whose {FIT_END} stock is worth at least "
        f"{MIN_AGENTS} agents at {SIM_AGENTS:,} agents (the corridors fitted on runs); every "
        "corridor: all with "
        "a 2010 stock, most of them a few agents, so that figure measures the number of "
        "agents as much as the model.",
    ]
    return "\n".join(rows)


SEEDS = 3


def measure(seeds: int = SEEDS) -> dict:
    """The history experiment's figures, the model's errors and stocks on the pooled stocks
    of `seeds` seeds (seed offsets 0, 1, ...)."""
    import numpy as np

    from migsim.validation import EXPERIMENTS
    from migsim.validation.experiments.history import YEARS, history_errors
    from migsim.validation.runner import Runner

    results = []
    with tempfile.TemporaryDirectory() as root:
        for k in range(seeds):
            runner = Runner(Path(root) / f"seed-offset-{k}", seed_offset=k)
            EXPERIMENTS["HISTORY"](runner)
            results.append(runner.cache["history"])
    first = results[0]
    pooled = {y: np.mean([r["simulated"][y] for r in results], axis=0) for y in first["simulated"]}
    errors, _ = history_errors(first["world"], pooled, first["observed"], first["resolved_mask"])
    totals = {y: (pooled[y].sum(), first["observed"][y].sum()) for y in YEARS}
    return {**first, "errors": errors, "totals": totals, "seeds": seeds}


def main(argv: list[str] | None = None) -> int:
    def sync(path, check):
        body = history_table(measure())
        return sync_blocks(path, [(BEGIN, END, body, True)], check, "history")

    return write_or_check(
        argv,
        "python -m migsim.validation.history_report",
        "migsim history: {path}'s history block is",
        sync,
    )


if __name__ == "__main__":
    sys.exit(main())
