"""Output measures of a run, registered by declaration: the comparison's vocabulary.

A measure is a function of one run (`migsim.analysis.runs.Result`) that returns a tidy
frame with the columns `scope` (a region code, a welfare group or "world") and `value`
(Float64) for the run's final simulated year, declared with its name, unit and meaning:

    from migsim.analysis.measures import final_year, measure

    @measure("world_gdp", unit="PPP $", doc="World GDP: the regions' GDP summed.")
    def world_gdp(run):
        return world_sum(final_year(run.table("regions")), "gdp")

`migsim compare` (comparison.parquet) and its report take every registered measure, so a
new measure is one declaration. The measures shipped with migsim are the modules of this
package (each is imported when the registry is first used); another package adds its own
through the entry point group `migsim.measures` (each entry point names a module whose
import declares them), loaded at the same moment:

    [project.entry-points."migsim.measures"]
    mylab = "mylab.measures"

A measure's name must be new (two declarations of one name are refused with one line).
`report=False` keeps a measure in comparison.parquet only; other measures that the
report's fixed sections do not show are listed in its "More measures" section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from migsim.core.declarations import load_declarations
from migsim.core.errors import InputError

ENTRY_POINT_GROUP = "migsim.measures"


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    doc: str
    compute: Callable[..., pl.DataFrame]
    report: bool = True  # False: in comparison.parquet only


_MEASURES: dict[str, Measure] = {}
_loaded = False


def measure(name: str, *, unit: str, doc: str, report: bool = True):
    """Declare a measure: `@measure("gdp", unit="PPP $", doc="...")` on a function
    `run -> DataFrame[scope, value]` of the final simulated year."""

    def register(fn: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        if name in _MEASURES and _MEASURES[name].compute is not fn:
            raise InputError(
                f"measure '{name}'",
                f"declared twice ({_MEASURES[name].compute.__module__} and {fn.__module__})",
                "one declaration per measure name",
            )
        _MEASURES[name] = Measure(name, unit, doc, fn, report)
        return fn

    return register


def _load() -> None:
    """Import the shipped measure modules, then the installed packages' entry points."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    load_declarations(
        __name__,
        ENTRY_POINT_GROUP,
        "measure",
        "an importable module declaring measures with @measure",
    )


def registered() -> dict[str, Measure]:
    """Every measure, shipped and installed, by name (in order of declaration)."""
    _load()
    return dict(_MEASURES)


# ----------------------------------------------------------------- helpers for measures
def final_year(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of the table's last year."""
    return frame.filter(pl.col("year") == frame["year"].max())


def by_scope(frame: pl.DataFrame, scope: str, column: str) -> pl.DataFrame:
    """One value per row: `scope` from the column `scope`, `value` from `column`."""
    return frame.select(
        pl.col(scope).alias("scope"), pl.col(column).cast(pl.Float64).alias("value")
    )


def world_sum(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row, scope "world": the column summed over the frame's rows."""
    return frame.select(
        pl.lit("world").alias("scope"), pl.col(column).sum().cast(pl.Float64).alias("value")
    )


def world_row(value: float) -> pl.DataFrame:
    """One row, scope "world", with a value computed by the measure."""
    return pl.DataFrame({"scope": ["world"], "value": [float(value)]})


NONE = pl.DataFrame(schema={"scope": pl.String, "value": pl.Float64})
"""The frame of a measure the run has no data for (a table or column it did not record)."""
