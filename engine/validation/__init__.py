"""`migsim validate`: the model against published figures.

Every experiment returns `Check` rows: a simulated figure, the published value or range, its
provenance flag and the acceptance band ([V] within +-10% or inside the published range,
[K], [C] and [A] within +-25%, sign tests exact). Runs are configs under configs/experiment/
(a treatment run, compared with the same config under the status quo, same seed and size, so
both face the same random draws); the wage experiments E2-E5 are analytic
(migsim.model.markets on a calibrated two-skill US-like market); the back-cast derives a 1990
world directory, calibrates it and simulates 1990-2013.

A miss is not widened away: it stays a failing row, listed by its experiment as an expected
failure with the explanation, and tests/validation marks it xfail(strict=True).

Rooms: `checks` (the Check type and its bands), `registry` (experiments by declaration,
shipped and installed), `runner` (configs and simulations), `report` (validation.parquet,
validation.md, figures), `cli` (`migsim validate`), and `experiments/`, one module per
experiment.

    migsim validate [--quick] [--out DIR] [--only E1,E8,...] [--list]
"""

from migsim.validation.checks import INF, Check, point, sign, status, within
from migsim.validation.cli import validate_command
from migsim.validation.registry import (
    EXPECTED_FAILURES,
    EXPERIMENTS,
    QUANTITIES,
    Experiment,
    experiment,
    registered,
)
from migsim.validation.report import markdown_table, to_frame, write_report
from migsim.validation.runner import Runner, compose, run_all

__all__ = [
    "EXPECTED_FAILURES",
    "EXPERIMENTS",
    "INF",
    "QUANTITIES",
    "Check",
    "Experiment",
    "Runner",
    "compose",
    "experiment",
    "registered",
    "markdown_table",
    "point",
    "run_all",
    "sign",
    "status",
    "to_frame",
    "validate_command",
    "within",
    "write_report",
]
