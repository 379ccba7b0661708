"""The shipped country-level inputs: each has its provenance, the columns it declares, ISO3
keys, and no bilateral migrant stock or flow after 2010."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from migsim.core.errors import InputError
from migsim.worldbuild import retrieve

INPUTS = Path(retrieve.INPUTS)
FOLDERS = sorted(p for p in INPUTS.iterdir() if p.is_dir())
PROVENANCE_KEYS = {
    "input",
    "title",
    "source",
    "version",
    "licence",
    "repository",
    "path",
    "commit",
    "retrieved",
    "units",
    "columns",
    "cut",
    "script",
}
CODE_COLUMNS = ("iso3", "origin", "destination", "sender", "receiver")


def _data_file(folder: Path) -> Path:
    (path,) = [p for p in folder.iterdir() if p.name.startswith(f"{folder.name}.csv")]
    return path


def test_every_retriever_has_its_input():
    assert {p.name for p in FOLDERS} == set(retrieve.RETRIEVERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_input_matches_its_provenance(folder):
    provenance = json.loads((folder / "provenance.json").read_text())
    assert PROVENANCE_KEYS <= set(provenance)
    assert provenance["input"] == folder.name
    assert len(provenance["commit"]) == 40
    assert provenance["script"] == f"engine/worldbuild/retrieve.py:{folder.name}"
    frame = pl.read_csv(_data_file(folder), infer_schema_length=0)
    assert frame.columns == list(provenance["columns"])
    assert frame.height > 0
    for column in set(CODE_COLUMNS) & set(frame.columns):
        assert frame[column].str.contains(r"^[A-Z]{3}$").all(), column


@pytest.mark.parametrize("name", ["un_stock", "abel_sander_flows"])
def test_no_bilateral_migration_after_2010(name):
    frame = pl.read_csv(_data_file(INPUTS / name))
    if "period_start" in frame.columns:  # a flow period runs five years from its start
        assert frame["period_start"].max() + 5 <= 2010
    else:
        assert frame["year"].max() <= 2010


def test_every_stock_name_maps_to_a_known_country():
    names = pl.read_csv(INPUTS / "un_stock_names" / "un_stock_names.csv")
    countries = pl.read_csv(INPUTS / "countries" / "countries.csv")
    assert names["un_name"].is_unique().all()
    assert set(names["iso3"]) <= set(countries["iso3"])


def test_unknown_stock_name_is_an_input_error(tmp_path):
    stock = tmp_path / "stock.csv"
    stock.write_text("year,destination,origin,stock,flag\n2010,Atlantis,Mexico,5,\n")
    geo = tmp_path / "geo.csv"
    geo.write_text("country,name,iso3\n484,Mexico,MEX\n")
    with pytest.raises(InputError, match="Atlantis"):
        retrieve.un_stock_names(stock, geo, out_dir=tmp_path)


def test_gzip_output_is_byte_identical_on_rerun(tmp_path):
    frame = pl.DataFrame({"iso3": ["MEX", "USA"], "year": [2010, 2010]})
    first = retrieve._write(frame, "sample", tmp_path, gz=True).read_bytes()
    second = retrieve._write(frame, "sample", tmp_path, gz=True).read_bytes()
    assert first == second
