"""GDP per head that the Penn World Table lacks, filled from the World Bank's WDI series,
else the Maddison Project's, rescaled to PWT's prices (migsim.worldbuild.countries.wdi_factor)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from worldbuild_fixture import COUNTRIES, NO_PWT, write_inputs, write_mapping

from migsim.core.errors import InputError
from migsim.worldbuild.build import build_world
from migsim.worldbuild.countries import MADDISON_METHOD, WDI_METHOD, wdi_factor
from migsim.worldbuild.retrieve import maddison, wdi_gdp_per_capita

DATA = Path(__file__).resolve().parent.parent / "engine" / "data"


def test_factor_is_the_ratio_of_medians_over_countries_in_both():
    pwt = {"A": 10.0, "B": 20.0, "C": 30.0, "D": 1000.0}
    wdi = {"A": 12.0, "B": 25.0, "C": 40.0, "E": 5.0}  # D and E are in one source only
    factor, overlap = wdi_factor(pwt, wdi)
    assert overlap == 3
    assert factor == pytest.approx(20.0 / 25.0)
    factor, overlap = wdi_factor({"A": 10.0, "B": 30.0}, {"A": 20.0, "B": 20.0})
    assert (factor, overlap) == (pytest.approx(1.0), 2)  # even count: mean of the middle two
    assert wdi_factor(pwt, {})[1] == 0


def test_a_country_without_pwt_takes_its_rescaled_wdi_figure(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    # WDI counts every country at 1.25x PWT's figure (another price base); NGA has WDI only
    rows = [
        {"iso3": iso3, "year": 2010, "gdp_per_capita_ppp": 1.25 * gdp * 1e3}
        for iso3, *_, gdp in COUNTRIES
    ]
    (root / "wdi_gdp_per_capita").mkdir()
    pl.DataFrame(rows).write_csv(root / "wdi_gdp_per_capita" / "wdi_gdp_per_capita.csv")
    (root / "wdi_gdp_per_capita" / "provenance.json").write_text(json.dumps({"source": "x"}))
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    regions = pl.read_csv(tmp_path / "w" / "regions.csv")
    gdp = dict(zip(regions["code"], regions["gdp_per_capita_ppp"]))
    (nga,) = NO_PWT
    assert gdp[nga] == pytest.approx(4500, abs=1)  # 1.25 x 4,500 back to PWT's 4,500
    assert gdp["USA"] == pytest.approx(50_000, abs=1)  # PWT's own figure where it has one
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv")
    row = prov.filter((pl.col("row") == nga) & (pl.col("column") == "gdp_per_capita_ppp"))
    assert row["method"][0] == WDI_METHOD
    assert row["sources"][0] == "pwt+wdi_gdp_per_capita"
    assert "x 0.8000" in row["note"][0] and "7 countries" in row["note"][0]
    assert (
        "wdi_gdp_per_capita" in json.loads((tmp_path / "w" / "sources.json").read_text())["inputs"]
    )


def test_without_the_wdi_input_the_gap_is_imputed_as_before(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv")
    (nga,) = NO_PWT
    row = prov.filter((pl.col("row") == nga) & (pl.col("column") == "gdp_per_capita_ppp"))
    assert row["method"][0].endswith("-mean")


def test_retrieval_keeps_economies_and_names_curacao(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text(
        "geo,time,alternative_gdp_per_capita_ppp_wb\n"
        "ton,1989,1.0\nton,2010,5488.7504\nnld_curacao,2010,30000\nusa,2020,9.0\nzwe,2010,\n"
    )
    path = wdi_gdp_per_capita(raw, tmp_path / "out")
    frame = pl.read_csv(path)
    assert frame.rows() == [("CUW", 2010, 30000.0), ("TON", 2010, 5488.75)]


@pytest.mark.skipif(
    not (DATA / "inputs" / "wdi_gdp_per_capita").is_dir(), reason="WDI input not committed"
)
def test_shipped_countries_world_has_tonga_from_wdi_not_oceania_mean():
    regions = pl.read_csv(DATA / "countries" / "regions.csv")
    gdp = dict(zip(regions["code"], regions["gdp_per_capita_ppp"]))
    # Tonga is a lower-middle-income island: well below New Zealand, not Oceania's mean
    assert 3_000 < gdp["TON"] < 0.25 * gdp["NZL"]
    prov = pl.read_csv(next((DATA / "countries").glob("provenance.csv*")))
    row = prov.filter((pl.col("row") == "TON") & (pl.col("column") == "gdp_per_capita_ppp"))
    assert row["method"][0] == WDI_METHOD
    wdi = pl.read_csv(DATA / "inputs" / "wdi_gdp_per_capita" / "wdi_gdp_per_capita.csv")
    ton = wdi.filter((pl.col("iso3") == "TON") & (pl.col("year") == 2010))["gdp_per_capita_ppp"]
    factor = float(row["note"][0].split(" x ")[1].split()[0])
    assert gdp["TON"] == pytest.approx(ton[0] * factor, abs=1)


@pytest.mark.skipif(
    not (DATA / "inputs" / "wdi_gdp_per_capita").is_dir(), reason="WDI input not committed"
)
def test_no_country_named_by_a_country_check_takes_a_region_mean_gdp():
    """The country experiments compare incomes of named countries (E6, E7, E19, E22, E26):
    a GDP per head borrowed from a UN region's mean would make their checks compare another
    country's income (Tonga once carried Oceania's, Australia's, 43,651 PPP $)."""
    named = "TON NZL GBR IND USA IRL LUX CHE CYP NLD DEU FRA POL".split()
    prov = pl.read_csv(next((DATA / "countries").glob("provenance.csv*")))
    gdp = prov.filter(
        (pl.col("table") == "regions.csv")
        & (pl.col("column") == "gdp_per_capita_ppp")
        & pl.col("row").is_in(named)
    )
    assert gdp.height == len(named)
    methods = dict(zip(gdp["row"], gdp["method"]))
    assert all(m in ("data", WDI_METHOD) for m in methods.values()), methods


def _gdp(column: str, scale: float, skip: tuple[str, ...] = ()) -> list[dict]:
    """Every invented country's GDP per head times `scale` in 2010, but those in `skip`."""
    return [
        {"iso3": iso3, "year": 2010, column: scale * gdp * 1e3}
        for iso3, *_, gdp in COUNTRIES
        if iso3 not in skip
    ]


def _series(root: Path, name: str, column: str, rows: list[dict]) -> None:
    (root / name).mkdir()
    pl.DataFrame(rows, schema={"iso3": pl.Utf8, "year": pl.Int64, column: pl.Float64}).write_csv(
        root / name / f"{name}.csv"
    )
    (root / name / "provenance.json").write_text(json.dumps({"source": name}))


def test_a_country_without_pwt_or_wdi_takes_its_rescaled_maddison_figure(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    (nga,) = NO_PWT
    # WDI has every country but NGA; Maddison counts everyone at 0.5x PWT's figure
    _series(
        root,
        "wdi_gdp_per_capita",
        "gdp_per_capita_ppp",
        _gdp("gdp_per_capita_ppp", 1.25, skip=(nga,)),
    )
    _series(root, "maddison", "gdp_per_capita", _gdp("gdp_per_capita", 0.5))
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    regions = pl.read_csv(tmp_path / "w" / "regions.csv")
    gdp = dict(zip(regions["code"], regions["gdp_per_capita_ppp"]))
    assert gdp[nga] == pytest.approx(4500, abs=1)  # 0.5 x 4,500 back to PWT's 4,500
    assert gdp["USA"] == pytest.approx(50_000, abs=1)
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv")
    row = prov.filter((pl.col("row") == nga) & (pl.col("column") == "gdp_per_capita_ppp"))
    assert row["method"][0] == MADDISON_METHOD
    assert row["sources"][0] == "pwt+maddison"
    assert "Maddison" in row["note"][0] and "x 2.0000" in row["note"][0]
    assert "maddison" in json.loads((tmp_path / "w" / "sources.json").read_text())["inputs"]


def test_wdi_comes_before_maddison(tmp_path):
    root = write_inputs(tmp_path / "inputs")
    _series(root, "wdi_gdp_per_capita", "gdp_per_capita_ppp", _gdp("gdp_per_capita_ppp", 1.0))
    _series(root, "maddison", "gdp_per_capita", _gdp("gdp_per_capita", 3.0))
    mapping = write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])
    build_world(mapping, tmp_path / "w", root)
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv")
    (nga,) = NO_PWT
    row = prov.filter((pl.col("row") == nga) & (pl.col("column") == "gdp_per_capita_ppp"))
    assert row["method"][0] == WDI_METHOD


def test_maddison_retrieval_matches_names_and_refuses_an_unknown_entity(tmp_path):
    countries = tmp_path / "countries.csv"
    countries.write_text("iso3,name\nCUB,Cuba\nPRK,Dem. People's Republic of Korea\n")
    raw = tmp_path / "mpd.csv"
    raw.write_text(
        "Entity,Year,GDP per capita,Population,GDP\n"
        "Cuba,1989,4000,1,1\nCuba,2010,6578.1906,1,1\nNorth Korea,2010,1751.4363,1,1\n"
        "Cuba,2011,,1,1\nWorld,2010,14000,1,1\nFormer USSR,1990,9000,1,1\n"
    )
    path = maddison(raw, countries, tmp_path / "out")
    assert pl.read_csv(path).rows() == [("CUB", 2010, 6578.19), ("PRK", 2010, 1751.44)]
    raw.write_text("Entity,Year,GDP per capita,Population,GDP\nAtlantis,2010,5,1,1\n")
    with pytest.raises(InputError, match="Atlantis"):
        maddison(raw, countries, tmp_path / "out")


@pytest.mark.skipif(not (DATA / "inputs" / "maddison").is_dir(), reason="Maddison not committed")
def test_shipped_countries_world_takes_north_korea_cuba_and_puerto_rico_from_maddison():
    """PWT and WDI lack all three; East Asia's mean gave North Korea 13,505 PPP $ a head,
    seven times its Maddison figure, and the Caribbean's gave Puerto Rico 9,441."""
    regions = pl.read_csv(DATA / "countries" / "regions.csv")
    gdp = dict(zip(regions["code"], regions["gdp_per_capita_ppp"]))
    prov = pl.read_csv(next((DATA / "countries").glob("provenance.csv*")))
    rows = prov.filter(
        (pl.col("column") == "gdp_per_capita_ppp") & pl.col("row").is_in(["PRK", "CUB", "PRI"])
    )
    assert set(rows["method"]) == {MADDISON_METHOD}
    mpd = pl.read_csv(DATA / "inputs" / "maddison" / "maddison.csv").filter(pl.col("year") == 2010)
    value = dict(zip(mpd["iso3"], mpd["gdp_per_capita"]))
    factor = float(rows["note"][0].split(" x ")[1].split()[0])
    for code in ("PRK", "CUB", "PRI"):
        assert gdp[code] == pytest.approx(value[code] * factor, abs=1)
    assert gdp["PRK"] < 0.2 * gdp["KOR"] and gdp["PRI"] > gdp["MEX"]
