"""Scenarios: exogenous paths over time, as data.

A scenario is a table of rows `(year, region, variable, value)` (CSV or Parquet). Shipped
scenarios are `configs/scenario/NAME.yaml` (`scenario=NAME`); a user's own table is
`scenario.path=FILE`. `migsim.scenarios.paths` reads and checks a table and gives each
variable's value in any year; `migsim.scenarios.exogenous` applies a year's values to a
running simulation without recalibrating it.
"""

from __future__ import annotations

from migsim.scenarios.paths import VARIABLES, Scenario, load_scenario

__all__ = ["VARIABLES", "Scenario", "load_scenario"]
