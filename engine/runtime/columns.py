"""Units and meanings of every column of every output table, and their place in the Parquet
files.

Each column is declared once, as a `Column(unit, doc)`: the loop's own tables (`regions`'
core columns, `stocks`, `flows` and the snapshot's `people`) here, and each step's beside the
step (`Step.columns` for what it adds to `regions`, `Step.table_columns` for the tables it
produces). `declared()` gathers them; a run writes each column's unit and description into
its Parquet file as field metadata (`unit`, `description`), so a table read on its own still
says what its numbers are:

    import pyarrow.parquet as pq
    pq.read_schema("regions.parquet").field("gdp").metadata  # {b'unit': b'PPP $', ...}

The unit is "" only for identifiers and labels (a region code, a skill), never for a number
someone could add up; `docs/columns.md` lists them all (`python -m migsim.catalogue`).
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from migsim.core.labels import AGE_BANDS, SEXES, SKILLS, STATUSES
from migsim.steps.registry import Column

# Columns of `regions` the loop itself records, before those the steps declare.
CORE_COLUMNS = {
    "year": Column("year", "calendar year (the base year: before any decision)"),
    "region": Column("", "region code"),
    "developed": Column("", "true for a developed region"),
    "population": Column("people", "residents"),
    "natives": Column("people", "residents born in the region (not intra-regional migrants)"),
    "immigrants": Column("people", "foreign-born residents, intra-regional migrants included"),
    "emigrants": Column("people", "people born in the region living abroad"),
    "births": Column("people", "children born this year"),
    "deaths": Column("people", "deaths this year"),
    "arrivals": Column("people", "moves into the region this year"),
    "departures": Column("people", "moves out of the region this year"),
    "tertiary_share": Column("share", "tertiary share of residents aged 25+"),
    "scenario_population": Column(
        "people",
        "the scenario's population path this year, to compare with `population` (runs with "
        "a scenario giving population only; never forced on the demography)",
    ),
}

_YEAR = Column("year", "calendar year (the base year: before any decision)")
_SKILL = Column("", f"skill: {', '.join(SKILLS)} (tertiary)")

STOCKS_COLUMNS = {
    "year": _YEAR,
    "origin": Column("", "region of birth"),
    "location": Column("", "region of residence"),
    "skill": _SKILL,
    "sex": Column("", f"sex: {', '.join(SEXES)}"),
    "age_band": Column("", f"age band: {', '.join(AGE_BANDS)}"),
    "status": Column("", f"legal status: {', '.join(STATUSES)}"),
    "people": Column("people", "residents in the cell at the end of the year"),
}

FLOWS_COLUMNS = {
    "year": Column("year", "calendar year of the moves"),
    "origin": Column("", "movers' region of birth"),
    "source": Column("", "region moved from"),
    "destination": Column("", "region moved to"),
    "skill": _SKILL,
    "people": Column("people", "moves this year"),
}

PEOPLE_COLUMNS = {
    "person_id": Column("", "person id, unique in the run (its random draws are keyed on it)"),
    "age": Column("years", "age at the end of the last year"),
    "sex": Column("", "sex code: 0 female, 1 male"),
    "skill": Column("", "education code: 0 primary or less, 1 secondary, 2 tertiary"),
    "origin": Column("", "region of birth, index into the world's regions"),
    "location": Column("", "region of residence, index into the world's regions"),
    "status": Column(
        "", "legal status code: " + ", ".join(f"{i} {s}" for i, s in enumerate(STATUSES))
    ),
    "years_abroad": Column("years", "years since the last move abroad (capped at 255)"),
    "visa_years_left": Column("years", "years left on a temporary visa"),
    "family": Column("", "1 close family (partner, children) left at origin, 0 otherwise"),
    "wealth": Column("PPP $", "wealth, which pays up-front migration costs"),
    "productivity": Column("ratio", "individual productivity, lognormal with mean 1"),
}

# comparison.parquet (migsim.analysis.compare): one row per regime, variant, seed, measure
# and scope; `value`, `baseline` and `change` are in the row's `unit` (the measure's).
COMPARISON_COLUMNS = {
    "regime": Column("", "regime name (components added by regime.add joined by +)"),
    "variant": Column("", "overrides that differ between the runs compared, key=value"),
    "seed": Column("", "random seed of the run (runs of one seed share their draws)"),
    "year": Column("year", "final simulated year, the year the measures are read from"),
    "measure": Column("", "measure name (migsim.analysis.measures)"),
    "scope": Column("", "region code, welfare group or world"),
    "value": Column("unit of the row", "the measure in this run"),
    "baseline": Column("unit of the row", "the measure in the reference run (same seed)"),
    "change": Column("unit of the row", "value - baseline"),
    "change_pct": Column("%", "100 * change / |baseline| (null when the baseline is 0)"),
    "unit": Column("", "unit of value, baseline and change (the measure's declared unit)"),
}

# Quantities the comparison report shows (migsim.analysis.report): each table column and
# plot axis takes its unit from here.
REPORT_COLUMNS = {
    "change_pct": Column("% change", "mean across seeds of the change against the reference"),
    "change_usd_bn": Column("US$ bn", "mean across seeds of the change, billions of US$"),
    "change_ppp_bn": Column("PPP $ bn", "mean across seeds of the change, billions of PPP $"),
    "change_pp": Column("pp", "mean across seeds of the change, percentage points"),
    "migrant_share": Column("% of residents", "world immigrants / world population"),
    "world_gdp_pct": Column("% change", "world GDP against the reference run of the same seed"),
    "seeds": Column("runs", "runs (seeds) behind the mean"),
    "value_measure": Column("unit of the measure", "mean across seeds, in the measure's unit"),
}

LOOP_TABLES = {"regions": CORE_COLUMNS, "stocks": STOCKS_COLUMNS, "flows": FLOWS_COLUMNS}

# What a row of each of the loop's tables is (a step says it of its own in `Step.tables`).
ROWS = {
    "regions": "year x region",
    "stocks": "year x cell (origin, location, skill, sex, age band, status) with people",
    "flows": "year x corridor (origin, source, destination) and skill with moves",
    "people": "living person at the end (`snapshot=true` only)",
}


def declared(steps=None) -> dict[str, dict[str, Column]]:
    """Table name -> column name -> `Column`: the loop's tables, the columns each step adds
    to `regions` and the tables each step produces. `steps` are step classes or instances
    (default: every registered step, plug-ins loaded so far included); `people` (the
    snapshot) comes last."""
    if steps is None:
        from migsim.steps.registry import available

        steps = [s for s in available().values() if isinstance(s, type)]
    out = {name: dict(cols) for name, cols in LOOP_TABLES.items()}
    for step in steps:
        out["regions"].update(getattr(step, "columns", {}) or {})
        for table, cols in (getattr(step, "table_columns", {}) or {}).items():
            out.setdefault(table, {}).update(cols)
    out["people"] = dict(PEOPLE_COLUMNS)
    return out


def field_metadata(column: Column) -> dict[bytes, bytes]:
    return {b"unit": column.unit.encode(), b"description": column.doc.encode()}


def annotate(table: pa.Table, columns: dict[str, Column]) -> pa.Table:
    """`table` with each declared column's unit and description as field metadata (columns
    not declared are left bare; the tests require every column to be declared)."""
    fields = [
        field.with_metadata(field_metadata(columns[field.name])) if field.name in columns else field
        for field in table.schema
    ]
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, table.schema.metadata))


def arrow_table(frame: pl.DataFrame, columns: dict[str, Column]) -> pa.Table:
    """A polars frame as an annotated Arrow table (polars' own writer drops field metadata)."""
    return annotate(frame.to_arrow(), columns)


def write_parquet(table: pa.Table, path) -> None:
    """Write an annotated table as polars would (zstd level 3, statistics), with dictionary
    encoding for all but float columns (on floats it only makes the files larger: a default
    run's tables measured 1.09 MB with it, 0.98 MB without, 0.96 MB from polars)."""
    import pyarrow.parquet as pq

    dictionary = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    pq.write_table(table, path, compression="zstd", compression_level=3, use_dictionary=dictionary)


def save_people(population, path) -> None:
    """The snapshot (`people.parquet`): `Population.table()` with its columns annotated."""
    write_parquet(annotate(population.table(), PEOPLE_COLUMNS), path)
