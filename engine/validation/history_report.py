"""The generated blocks of docs/scenarios.md's "History 1990-2010": the history experiment's
corridor errors by year, the model beside its two nulls, and the backtest's (the history
fitted on 1990-2000, against 2005) under each rule for the corridor terms after the window.

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
BACKTEST_BEGIN, BACKTEST_END = "<!-- history-backtest:begin -->", "<!-- history-backtest:end -->"
CONTINUE = "behaviour.corridor_trend_after=continue"


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


def _mean_stocks(results: list[dict], years) -> dict:
    """{year: (R, R)} the seeds' simulated stocks averaged (the pooled stocks)."""
    import numpy as np

    return {y: np.mean([r["simulated"][y] for r in results], axis=0) for y in years}


def measure(seeds: int = SEEDS) -> dict:
    """The history experiment's figures, the model's errors and stocks on the pooled stocks
    of `seeds` seeds (seed offsets 0, 1, ...)."""
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
    pooled = _mean_stocks(results, first["simulated"])
    errors, _ = history_errors(first["world"], pooled, first["observed"], first["resolved_mask"])
    totals = {y: (pooled[y].sum(), first["observed"][y].sum()) for y in YEARS}
    return {**first, "errors": errors, "totals": totals, "seeds": seeds}


def measure_backtest(seeds: int = SEEDS) -> dict:
    """The backtest's 2005 errors on the pooled stocks of `seeds` seeds, with the corridor
    terms held after 2000 (the method's rule, HISTORY-backtest) and carried on (CONTINUE),
    and the nulls'."""
    from migsim.validation.experiments.history import history_errors
    from migsim.validation.experiments.history_backtest import FIT_END, LAST, backtest_arrays
    from migsim.validation.runner import Runner

    runs: dict[str, list] = {"hold": [], "continue": []}
    with tempfile.TemporaryDirectory() as root:
        for k in range(seeds):
            runner = Runner(Path(root) / f"seed-offset-{k}", seed_offset=k)
            runs["hold"].append(backtest_arrays(runner))
            runs["continue"].append(backtest_arrays(runner, [CONTINUE]))
    first = runs["hold"][0]
    out = {"seeds": seeds, "resolved": int(first["resolved_mask"].sum())}
    for rule, results in runs.items():
        pooled = _mean_stocks(results, (LAST,))
        errors, _ = history_errors(
            first["world"], pooled, first["observed"], first["resolved_mask"], FIT_END, (LAST,)
        )
        out[rule] = errors[LAST]
    return out


def backtest_table(result: dict) -> str:
    """Markdown: the backtest's 2005 errors under each rule after the window, and the nulls'."""
    h, c = result["hold"], result["continue"]
    rows = [
        "| 2005, fitted on 1990-2000 | corridor log error | MAPE %, resolved corridors |",
        "|---|---|---|",
        f"| model, corridor terms held after 2000 (the method's rule) | {h['model'][0]:.3f} "
        f"| {h['model'][1]:.1f} |",
        f"| model, trends carried on (`{CONTINUE}`) | {c['model'][0]:.3f} | {c['model'][1]:.1f} |",
        f"| null: each corridor's 1990-2000 growth carried on | {h['growth'][0]:.3f} "
        f"| {h['growth'][1]:.1f} |",
        f"| null: gravity fitted on 1990 | {h['gravity'][0]:.3f} | {h['gravity'][1]:.1f} |",
        "",
        f"Model: the pooled stocks of {result['seeds']} seeds (1,000,000 agents each); log error "
        "weighted by the 2005 stock; MAPE over the "
        f"{result['resolved']} corridors the backtest's fit fits on runs.",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    def sync(path, check):
        blocks = [
            (BEGIN, END, history_table(measure()), True),
            (BACKTEST_BEGIN, BACKTEST_END, backtest_table(measure_backtest()), True),
        ]
        return sync_blocks(path, blocks, check, "history")

    return write_or_check(
        argv,
        "python -m migsim.validation.history_report",
        "migsim history: {path}'s history block is",
        sync,
    )


if __name__ == "__main__":
    sys.exit(main())
