"""The shipped country-level inputs: each has its provenance, the columns it declares, ISO3
keys, and no bilateral migrant stock or flow after 2010."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


@pytest.mark.parametrize(
    "name", ["un_stock", "un_stock_totals", "abel_sander_flows", "iab_emigration"]
)
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


def _stock_inputs(tmp_path, stock_rows: str, total_rows: str):
    from migsim.worldbuild.inputs import Inputs

    for name, text in (
        ("un_stock", "year,origin,destination,stock\n" + stock_rows),
        ("un_stock_totals", "year,destination,stock\n" + total_rows),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.csv").write_text(text)
    return Inputs(tmp_path)


def test_unknown_origins_are_spread_over_each_destinations_known_origins(tmp_path):
    """USA's total 150 over its known 100 scales each of its origins by 1.5; CAN's total is
    below its known stocks and MEX has no total, so both keep theirs; "leave" is the
    matrix as it is."""
    from migsim.worldbuild.inputs import stock_matrix

    inputs = _stock_inputs(
        tmp_path,
        "1990,MEX,USA,60\n1990,IND,USA,40\n1990,USA,CAN,50\n1990,USA,MEX,7\n2000,MEX,USA,80\n",
        "1990,USA,150\n1990,CAN,40\n2000,USA,100\n",
    )
    spread = stock_matrix(inputs, "spread").sort("year", "origin", "destination")
    got = {
        (y, o, d): s
        for y, o, d, s in spread.select("year", "origin", "destination", "stock").iter_rows()
    }
    assert got == {
        (1990, "IND", "USA"): 60.0,
        (1990, "MEX", "USA"): 90.0,
        (1990, "USA", "CAN"): 50.0,
        (1990, "USA", "MEX"): 7.0,
        (2000, "MEX", "USA"): 100.0,
    }
    assert stock_matrix(inputs, "leave")["stock"].sum() == 237
    with pytest.raises(InputError, match="--unknown-origin"):
        stock_matrix(inputs, "drop")


def test_the_spread_matrix_reaches_each_destinations_total():
    """Each destination's spread stocks sum to its total from all origins, or to its known
    ones where the total is lower (a few small destinations); the world sums are then UN
    DESA's totals within 0.1% (153.0 M in 1990, 220.8 M in 2010)."""
    from migsim.worldbuild.inputs import Inputs, stock_matrix

    inputs = Inputs()
    keys = ["year", "destination"]
    spread = stock_matrix(inputs, "spread").group_by(keys).agg(spread=pl.col("stock").sum())
    known = inputs["un_stock"].group_by(keys).agg(known=pl.col("stock").sum())
    both = known.join(spread, on=keys).join(
        inputs["un_stock_totals"].rename({"stock": "total"}), on=keys, how="left"
    )
    want = both.select(pl.max_horizontal("known", pl.col("total").fill_null(0)))
    np.testing.assert_allclose(both["spread"].to_numpy(), want.to_series().to_numpy(), rtol=1e-9)
    world = dict(both.group_by("year").agg(pl.col("spread").sum()).iter_rows())
    assert world[1990] == pytest.approx(153.0e6, rel=1e-3)
    assert world[2010] == pytest.approx(220.8e6, rel=1e-3)


@pytest.mark.parametrize(
    "text,problem", [('{"unknown_origin": "drop"}', "'drop'"), ("{not json", "not valid JSON")]
)
def test_a_bad_unknown_origin_rule_in_a_world_is_one_line(tmp_path, text, problem):
    """A world's sources.json whose rule is not leave or spread, or that is not JSON: one
    line naming the file; a world without the key (built before the option) leaves."""
    from migsim.worldbuild.inputs import world_unknown_origin

    (tmp_path / "sources.json").write_text(text)
    with pytest.raises(InputError, match="sources.json") as err:
        world_unknown_origin(tmp_path)
    assert problem in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == 2
    (tmp_path / "sources.json").write_text('{"mapping": "regions12.csv"}')
    assert world_unknown_origin(tmp_path) == "leave"
