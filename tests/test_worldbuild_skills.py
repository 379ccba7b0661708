"""The education of a built world's migrants: the tertiary share of every corridor into the
IAB brain-drain data's 20 destinations from its origin's emigration rates by education and
Barro-Lee's residents (migsim.worldbuild.skills), and the IAB rates' retrieval."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from worldbuild_fixture import COUNTRIES, write_inputs, write_mapping

from migsim.core.errors import InputError
from migsim.worldbuild.build import build_world
from migsim.worldbuild.inputs import Inputs
from migsim.worldbuild.retrieve import iab_emigration
from migsim.worldbuild.skills import (
    IAB_DESTINATIONS,
    emigrant_female_shares,
    emigrant_tertiary_shares,
)

DATA = Path(__file__).resolve().parent.parent / "engine" / "data"
INPUTS = DATA / "inputs"


def _odds(r: float) -> float:
    return r / (1 - r)


def _iab(root: Path, rates: dict[str, tuple[float, float, float, float]], female=0.12, male=0.08):
    """IAB rates (total, low, medium, high) of both sexes, and the total rates of women and
    men, in 2005 and 2010."""
    rows = []
    for iso3, (t, lo, me, hi) in rates.items():
        for year in (2005, 2010):
            for sex, rate in (("both", t), ("female", female), ("male", male)):
                high = (lo, me, hi) if sex == "both" else (rate, rate, rate)
                rows.append(
                    {
                        "iso3": iso3,
                        "sex": sex,
                        "year": year,
                        "tot_rate": rate,
                        "low_rate": high[0],
                        "med_rate": high[1],
                        "high_rate": high[2],
                    }
                )
    (root / "iab_emigration").mkdir()
    pl.DataFrame(rows).write_csv(root / "iab_emigration" / "iab_emigration.csv")
    (root / "iab_emigration" / "provenance.json").write_text(json.dumps({"source": "iab"}))


def test_an_origins_emigrants_tertiary_share_follows_from_its_rates_and_residents(tmp_path):
    root = write_inputs(tmp_path / "inputs")  # residents: 40% low, 40% secondary, 20% tertiary
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2), "IND": (0.01, 0.002, 0.01, 0.05)})
    shares, year = emigrant_tertiary_shares(Inputs(root), 2010)
    assert year == 2010 and set(shares) == {"MEX", "IND"}
    m = (_odds(0.1) * 0.4, _odds(0.05) * 0.4, _odds(0.2) * 0.2)
    assert shares["MEX"] == pytest.approx(m[2] / sum(m))
    i = (_odds(0.002) * 0.4, _odds(0.01) * 0.4, _odds(0.05) * 0.2)
    assert shares["IND"] == pytest.approx(i[2] / sum(i))
    assert emigrant_tertiary_shares(Inputs(root), 2007)[1] == 2005  # the latest census year
    # women and men aged 25+ are equally many in the invented WPP tables
    female = emigrant_female_shares(Inputs(root), 2010)
    assert female["MEX"] == pytest.approx(_odds(0.12) / (_odds(0.12) + _odds(0.08)))
    assert emigrant_tertiary_shares(Inputs(write_inputs(tmp_path / "bare")), 2010) == ({}, None)


def test_corridors_into_iab_destinations_take_the_origins_shares_others_the_default(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    _iab(root, {"MEX": (0.1, 0.1, 0.05, 0.2)})
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    bare = write_inputs(tmp_path / "bare")
    build_world(mapping, tmp_path / "v", bare)
    mex = emigrant_tertiary_shares(Inputs(root), 2010)[0]["MEX"]
    with_iab = pl.read_csv(tmp_path / "w" / "migrant_stock_2013.csv")
    without = pl.read_csv(tmp_path / "v" / "migrant_stock_2013.csv")
    share = {
        (o, d): t for o, d, t in with_iab.select("origin", "destination", "tertiary_share").rows()
    }
    default = {
        (o, d): t for o, d, t in without.select("origin", "destination", "tertiary_share").rows()
    }
    assert {"USA", "DEU", "FRA"} <= IAB_DESTINATIONS and "POL" not in IAB_DESTINATIONS
    for d in ("USA", "DEU", "FRA"):
        assert share[("MEX", d)] == pytest.approx(mex, abs=5e-5)
    assert share[("MEX", "POL")] == default[("MEX", "POL")]  # not an IAB destination
    assert share[("IND", "USA")] == default[("IND", "USA")]  # no IAB rates for India
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv").filter(
        pl.col("column") == "tertiary_share"
    )
    method = {r: m for r, m in prov.select("row", "method").rows()}
    assert method["MEX>USA"] == "data" and method["MEX>POL"] == "assumed:default-world"
    female = pl.read_csv(tmp_path / "w" / "provenance.csv").filter(
        (pl.col("column") == "female_share") & (pl.col("row") == "MEX>USA")
    )
    assert female.select("method", "sources").row(0) == ("data", "iab_emigration+wpp_population")
    assert "iab_emigration" in json.loads((tmp_path / "w" / "sources.json").read_text())["inputs"]


def _dta(path: Path, rows: list[tuple]) -> Path:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        rows,
        columns=[
            "origin",
            "ccode_origin",
            "gender",
            "year",
            "tot_rate",
            "low_rate",
            "med_rate",
            "high_rate",
        ],
    )
    frame.to_stata(path, write_index=False)
    return path


def test_retrieval_maps_iab_codes_and_splits_serbia_and_montenegro(tmp_path):
    countries = tmp_path / "countries.csv"
    countries.write_text("iso3,name\nMEX,Mexico\nCOD,Congo\nSRB,Serbia\nMNE,Montenegro\n")
    raw = _dta(
        tmp_path / "raw.dta",
        [
            ("Mexico", "MEX", "Male and Female", 2010, 0.1, 0.1, 0.05, 0.2),
            ("Congo", "ZAR", "Female", 2010, 0.01, 0.005, 0.02, 0.1),
            ("Serbia and Montenegro", "SRB&MNE", "Male", 2000, 0.05, 0.04, 0.05, 0.1),
            ("World", "WLD", "Male and Female", 2010, 0.02, 0.01, 0.02, 0.05),
        ],
    )
    frame = pl.read_csv(iab_emigration(raw, countries, tmp_path / "out"))
    assert frame.select("iso3", "sex", "year").rows() == [
        ("COD", "female", 2010),
        ("MEX", "both", 2010),
        ("MNE", "male", 2000),
        ("SRB", "male", 2000),
    ]
    assert frame.filter(pl.col("iso3") == "MEX")["high_rate"][0] == pytest.approx(0.2)


@pytest.mark.parametrize(
    "row, needle",
    [
        (("Atlantis", "ATL", "Male", 2010, 0.1, 0.1, 0.1, 0.1), "origin code 'ATL' is no country"),
        (("Mexico", "MEX", "Male", 2010, 0.1, 0.1, 0.1, 1.5), "outside [0, 1]"),
        (("Mexico", "MEX", "Male", 2015, 0.1, 0.1, 0.1, 0.1), "after 2010"),
    ],
    ids=["unknown-code", "rate-above-one", "after-2010"],
)
def test_retrieval_refuses_what_it_cannot_place(tmp_path, row, needle):
    countries = tmp_path / "countries.csv"
    countries.write_text("iso3,name\nMEX,Mexico\n")
    raw = _dta(tmp_path / "raw.dta", [row])
    with pytest.raises(InputError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        iab_emigration(raw, countries, tmp_path / "out")


@pytest.mark.skipif(not (INPUTS / "iab_emigration").is_dir(), reason="IAB input not committed")
def test_shipped_countries_world_takes_its_migrants_education_from_iab():
    stock = pl.read_csv(DATA / "countries" / "migrant_stock_2013.csv")
    share = {
        (o, d): t for o, d, t in stock.select("origin", "destination", "tertiary_share").rows()
    }
    shares, year = emigrant_tertiary_shares(Inputs(INPUTS), 2010)
    assert year == 2010 and len(shares) > 140
    for origin in ("MEX", "IND", "PHL", "TUR", "POL"):
        for d in ("USA", "GBR", "DEU"):
            if (origin, d) in share:
                assert share[(origin, d)] == pytest.approx(shares[origin], abs=5e-5), (origin, d)
    # Mexicans abroad are far less often tertiary-educated than Indians (IAB 2010)
    assert shares["MEX"] < 0.25 < 0.6 < shares["IND"]
    prov = pl.read_csv(DATA / "countries" / "provenance.csv.gz").filter(
        (pl.col("column") == "tertiary_share") & (pl.col("row") == "MEX>USA")
    )
    assert prov["method"][0] == "data" and prov["sources"][0] == "iab_emigration+barro_lee"
    female = emigrant_female_shares(Inputs(INPUTS), 2010)
    women = {(o, d): f for o, d, f in stock.select("origin", "destination", "female_share").rows()}
    assert women[("PHL", "USA")] == pytest.approx(female["PHL"], abs=5e-5)
    assert female["PHL"] > 0.55 > 0.5 > female["MEX"]  # Filipinas emigrate more than men


@pytest.mark.parametrize("content", [b"", b"not a Stata file\n"], ids=["empty", "text"])
def test_retrieval_refuses_a_file_that_is_not_stata(tmp_path, content):
    pytest.importorskip("pandas")
    raw = tmp_path / "raw.dta"
    raw.write_bytes(content)
    with pytest.raises(InputError, match="not a readable Stata file"):
        iab_emigration(raw, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
