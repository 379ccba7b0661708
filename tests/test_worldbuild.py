"""`migsim world build`: worlds from country-level inputs by a mapping file.

Quick tests build small invented inputs (tests/worldbuild_fixture.py); the others check the
shipped built worlds against a rebuild from the committed inputs and the UN stocks.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from worldbuild_fixture import COUNTRIES, write_inputs, write_mapping

from migsim.core.world import load_world
from migsim.worldbuild.build import WORLD_FILES, build_world, provenance_file
from migsim.worldbuild.inputs import Inputs, stock_matrix, world_unknown_origin

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "engine" / "data"
INPUTS = DATA / "inputs"
SHIPPED = ("regions12", "corridors", "countries")
KEY_COLUMNS = {"code", "origin", "destination", "region", "un_area", "year", "age_from", "age_to"}
needs_inputs = pytest.mark.skipif(
    not (INPUTS / "un_stock").is_dir(), reason="the country-level inputs are not committed"
)


def world_cli(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "migsim", "world", *args]
    return subprocess.run(cmd, check=False, cwd=REPO_ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def invented(tmp_path_factory) -> Path:
    return write_inputs(tmp_path_factory.mktemp("inputs"))


def _mapping(tmp_path: Path, rows=None) -> Path:
    rows = rows or [(c[0], c[0], c[0].title()) for c in COUNTRIES]
    return write_mapping(tmp_path / "mapping.csv", rows)


def test_invented_world_sums_countries_into_areas(invented, tmp_path):
    regions = {"USA": "N", "DEU": "N", "FRA": "N", "POL": "N"}
    rows = [
        (c[0], regions.get(c[0], "S"), "North" if regions.get(c[0]) == "N" else "South")
        for c in COUNTRIES
    ]
    build_world(_mapping(tmp_path, rows), tmp_path / "w", invented)
    world = load_world("w", tmp_path / "w")
    assert world.codes == ["N", "S"]
    assert world.base_year == 2010
    pop = {c[0]: c[4] * 1e6 for c in COUNTRIES}
    assert world.population[0] == pytest.approx(sum(pop[c] for c in regions))
    # the matrix with USA's 2010 migrants of unknown origin (10% in the invented totals)
    # spread over its known origins, the default
    stock = stock_matrix(Inputs(invented)).filter(pl.col("year") == 2010)
    usa = stock.filter(pl.col("destination") == "USA")["stock"].sum()
    assert usa == pytest.approx(
        1.1
        * pl.read_csv(invented / "un_stock" / "un_stock.csv")
        .filter((pl.col("year") == 2010) & (pl.col("destination") == "USA"))["stock"]
        .sum()
    )
    north = pl.col("origin").is_in(list(regions)), pl.col("destination").is_in(list(regions))
    n_to_s = stock.filter(north[0] & ~north[1])["stock"].sum()
    intra_n = stock.filter(north[0] & north[1])["stock"].sum()
    assert world.migrant_stock[0, 1] == pytest.approx(n_to_s, abs=1)
    assert world.intra_migrants[0] == pytest.approx(intra_n, abs=1)
    # NGA has no PWT row: its GDP per capita is imputed and the provenance says so
    prov = pl.read_csv(tmp_path / "w" / "provenance.csv")
    gdp = prov.filter((pl.col("row") == "S") & (pl.col("column") == "gdp_per_capita_ppp"))
    assert gdp["method"][0].startswith("imputed:") and "NGA" in gdp["note"][0]


def test_rebuild_is_byte_identical(invented, tmp_path):
    mapping = _mapping(tmp_path)
    build_world(mapping, tmp_path / "a", invented)
    build_world(mapping, tmp_path / "b", invented)
    for name in (*WORLD_FILES, "provenance.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize(
    "rows, needle",
    [
        ([("XYZ", "A", "A")], "unknown ISO3 'XYZ'"),
        ([("USA", "A", "A")], "is not mapped"),
    ],
    ids=["unknown-iso3", "unmapped-country"],
)
def test_bad_mapping_is_one_line_exit_2(invented, tmp_path, rows, needle):
    full = [(c[0], c[0], c[0]) for c in COUNTRIES if c[0] != "USA"]
    mapping = write_mapping(
        tmp_path / "bad.csv", full + rows if needle.startswith("unknown") else rows
    )
    proc = world_cli(
        "build", "--mapping", str(mapping), "--out", str(tmp_path / "w"), "--inputs", str(invented)
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and needle in lines[0] and "bad.csv" in lines[0], proc.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_inputs
@pytest.mark.slow
def test_shipped_worlds_rebuild_from_the_inputs(tmp_path):
    proc = world_cli("build", "--all", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for name in SHIPPED:
        for file in (*WORLD_FILES, provenance_file(DATA / name).name):
            assert _digest(tmp_path / name / file) == _digest(DATA / name / file), (name, file)
    proc = world_cli("mappings", "--out", str(tmp_path / "mappings"))
    assert proc.returncode == 0, proc.stderr
    for name in SHIPPED:
        shipped = DATA / "mappings" / f"{name}.csv"
        assert _digest(tmp_path / "mappings" / f"{name}.csv") == _digest(shipped), name


@needs_inputs
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_value_has_a_provenance_row(name):
    world = DATA / name
    prov = pl.read_csv(provenance_file(world), infer_schema_length=0)
    have = set(zip(prov["table"], prov["row"], prov["column"]))
    assert prov["method"].str.contains(r"^(data|aggregated|imputed:.+|assumed:.+)$").all()
    for table in (
        "regions.csv",
        "migrant_stock_2013.csv",
        "intra_region_migrants_2013.csv",
        "bilateral.csv",
        "desired_destinations.csv",
        "stock_history.csv",
        "migrant_age.csv",
    ):
        frame = pl.read_csv(world / table, infer_schema_length=0)
        keys = [c for c in frame.columns if c in KEY_COLUMNS]
        sep = "-" if table == "migrant_age.csv" else ">"
        for row in frame.iter_rows(named=True):
            key = sep.join(row[k] for k in keys) if table != "regions.csv" else row["code"]
            for column in frame.columns:
                if column in KEY_COLUMNS:
                    continue
                assert (table, key, column) in have, (table, key, column)


@needs_inputs
def test_countries_world_stocks_equal_the_un_input():
    """The 50 largest corridors of the countries world are the UN matrix's, its migrants of
    unknown origin spread over each destination's known origins (as the world records)."""
    assert world_unknown_origin(DATA / "countries") == "spread"
    un = stock_matrix(Inputs(), "spread")
    un = un.filter((pl.col("year") == 2010) & (pl.col("origin") != pl.col("destination")))
    built = pl.read_csv(DATA / "countries" / "migrant_stock_2013.csv")
    known = set(pl.read_csv(DATA / "countries" / "regions.csv")["code"])
    largest = (
        un.filter(pl.col("origin").is_in(known) & pl.col("stock").is_not_null())
        .sort("stock", descending=True)
        .head(50)
    )
    got = {(o, d): m for o, d, m in built.select("origin", "destination", "migrants").iter_rows()}
    for o, d, s in largest.select("origin", "destination", "stock").iter_rows():
        assert got[(o, d)] == pytest.approx(s, abs=0.5), (o, d)


# The corridors world has two areas of about 0.1 M people (Tonga; Bermuda, Greenland and
# St Pierre as the rest of NAM): at 20,000 agents and the default stratification 0.7 they
# get a few agents each, and a region whose working-age agents are all drawn unemployed
# takes its expected supply in the base year (migsim.steps.economy)
RUNS = {
    "regions12": [],
    "corridors": [],
}


@needs_inputs
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RUNS))
def test_built_world_runs_on_its_stored_calibration(tmp_path, name):
    cmd = [
        sys.executable,
        "-m",
        "migsim.runtime.app",
        f"world={name}",
        "base_year=2010",
        "population.size=20000",
        "years=2",
        "progress=false",
        *RUNS[name],
        f"hydra.run.dir={tmp_path}",
    ]
    proc = subprocess.run(cmd, check=False, cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["calibration"]["source"] == "stored"


def test_install_copies_a_build_and_writes_its_config(invented, tmp_path):
    from migsim.worldbuild.build import install

    build_world(_mapping(tmp_path), tmp_path / "built", invented)
    data, configs = tmp_path / "data", tmp_path / "configs"
    data.mkdir()
    configs.mkdir()
    install(tmp_path / "built", "mine", data=data, configs=configs)
    assert (data / "mine" / "regions.csv").read_bytes() == (
        tmp_path / "built" / "regions.csv"
    ).read_bytes()
    assert "name: mine" in (configs / "mine.yaml").read_text()
    assert "base_year: 2010" in (configs / "mine.yaml").read_text()


def test_install_never_replaces_a_shipped_world_and_replaces_its_own_whole(invented, tmp_path):
    """The list of shipped names is engine/data's; a world installed again under its name
    keeps no file of the earlier build; a world that cannot run is refused before copying."""
    from migsim.core.errors import InputError
    from migsim.worldbuild.build import SHIPPED, install

    assert set(SHIPPED) == {p.name for p in DATA.iterdir() if p.is_dir()}
    build_world(_mapping(tmp_path), tmp_path / "built", invented)
    data, configs = tmp_path / "data", tmp_path / "configs"
    data.mkdir()
    configs.mkdir()
    for name in ("regions12", "free_movement"):
        with pytest.raises(InputError, match=f"'{name}' cannot be used"):
            install(tmp_path / "built", name, data=data, configs=configs)
    install(tmp_path / "built", "mine", data=data, configs=configs)
    (data / "mine" / "stale.csv").write_text("x\n")
    install(tmp_path / "built", "mine", data=data, configs=configs)
    assert not (data / "mine" / "stale.csv").exists()
    assert sorted(p.name for p in data.iterdir()) == ["mine"]
    broken = tmp_path / "broken"
    broken.mkdir()
    for file in (tmp_path / "built").iterdir():
        if file.is_file():
            (broken / file.name).write_bytes(file.read_bytes())
    regions = pl.read_csv(broken / "regions.csv")
    regions.with_columns(pl.col("population") * -1).write_csv(broken / "regions.csv")
    with pytest.raises(InputError, match="population"):
        install(broken, "other", data=data, configs=configs)
    assert not (data / "other").exists()


@needs_inputs
def test_worlds_page_block_is_generated_from_the_shipped_worlds():
    from migsim.worldbuild.report import BEGIN, END, readme_block

    text = (REPO_ROOT / "docs" / "worlds.md").read_text()
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    refresh = "run `migsim world report --readme docs/worlds.md`"
    assert block.strip() == readme_block().strip(), refresh


def test_regions12_mapping_follows_the_default_world_definitions():
    mapping = pl.read_csv(DATA / "mappings" / "regions12.csv")
    area = dict(zip(mapping["iso3"], mapping["area"]))
    # SOURCES.md: Cyprus in WAS, Malta in WEU, Sudan in NAF, South Sudan in SSA, Taiwan in
    # EAS, Croatia in EEU, Greenland in NAM, Turkey in WAS, Mexico in LAC, Fiji in OCE
    expected = {
        "CYP": "WAS",
        "MLT": "WEU",
        "SDN": "NAF",
        "SSD": "SSA",
        "TWN": "EAS",
        "HRV": "EEU",
        "GRL": "NAM",
        "TUR": "WAS",
        "MEX": "LAC",
        "FJI": "OCE",
    }
    assert {k: area[k] for k in expected} == expected
    assert sorted(set(area.values())) == sorted(
        ["NAM", "WEU", "EEU", "OCE", "JPN", "GCC", "WAS", "SAS", "EAS", "NAF", "SSA", "LAC"]
    )
