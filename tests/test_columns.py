"""Every output column carries a unit and a description, declared once and written into the
Parquet files as field metadata (migsim.runtime.columns)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import migsim
from migsim.runtime.columns import declared

# columns of tables other than regions written only when a switch is on (the default run
# has none; tests/test_externalities.py checks the tables with the switches on)
OPTIONAL = {"welfare": {"externality_cost"}}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A default-world run with every table (snapshot included), written to disk."""
    out = tmp_path_factory.mktemp("run") / "run"
    migsim.run(["population.size=20000", "years=1", "snapshot=true"], out=out)
    return out


def test_every_column_of_a_default_run_has_a_unit_and_a_description(default_run):
    files = sorted(default_run.glob("*.parquet"))
    names = {p.stem for p in files}
    assert {"regions", "stocks", "flows", "remittances", "fiscal", "welfare", "earnings"} <= names
    assert "people" in names
    bare = []
    for path in files:
        for field in pq.read_schema(path):
            meta = field.metadata or {}
            unit = meta.get(b"unit")
            description = meta.get(b"description", b"").decode().strip()
            if unit is None or not description:
                bare.append(f"{path.stem}.{field.name}")
            # "" is for identifiers and labels only: a float is always a quantity
            elif not unit and pa.types.is_floating(field.type):
                bare.append(f"{path.stem}.{field.name} (a number without a unit)")
    assert not bare, f"columns without a unit or description: {bare}"


def test_metadata_is_the_declared_one_and_polars_reads_the_same_frame(default_run):
    import polars as pl

    field = pq.read_schema(default_run / "regions.parquet").field("gdp")
    assert field.metadata == {b"unit": b"PPP $", b"description": b"gross domestic product"}
    remittances = pq.read_schema(default_run / "remittances.parquet").field("sent").metadata
    assert remittances[b"unit"] == b"US$"
    regions = pl.read_parquet(default_run / "regions.parquet")
    assert regions.schema["year"] == pl.Int64 and regions.schema["region"] == pl.String
    # the snapshot keeps its own metadata (weights, next id) beside the columns'
    people = pq.read_schema(default_run / "people.parquet")
    assert b"migsim.weight" in people.metadata
    assert people.field("wealth").metadata[b"unit"] == b"PPP $"


def test_every_written_column_is_declared(default_run):
    """No column written is undeclared (some declared ones appear only under some regimes:
    quota shadow prices, pent-up moves)."""
    tables = declared()
    for path in default_run.glob("*.parquet"):
        written = pq.read_schema(path).names
        assert set(written) <= set(tables[path.stem]), path.stem
        if path.stem != "regions":
            optional = OPTIONAL.get(path.stem, set())
            assert written == [c for c in tables[path.stem] if c not in optional], path.stem
