"""Worlds built from one's own mapping: the build writes the mapping it used into the world
(`mapping.csv`), `world install` copies it, and what needs the world's countries finds it
there (the free-movement table of `regime=history_by_country`, the history scenario of a
world fitted by `migsim world fit-history`, which takes any world built at 1990 with a
growth window)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from worldbuild_fixture import COUNTRIES, write_inputs, write_mapping

from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.regimes.free_movement import world_mapping
from migsim.worldbuild.build import build_world, install
from migsim.worldbuild.cli import check_history_world
from migsim.worldbuild.projection import write_projection

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "engine" / "data"
needs_inputs = pytest.mark.skipif(
    not (DATA / "inputs" / "un_stock").is_dir(), reason="the country-level inputs are not committed"
)
NORTH = {"USA", "DEU", "FRA", "POL"}


def _merged(tmp_path: Path) -> Path:
    """A mapping no shipped one has the areas of: two areas, lower-case ISO3 on one row."""
    rows = [
        (c[0].lower() if c[0] == "MEX" else c[0], "N" if c[0] in NORTH else "S", "Area")
        for c in COUNTRIES
    ]
    return write_mapping(tmp_path / "m_two.csv", rows)


def test_a_world_of_ones_own_mapping_carries_it_and_finds_it_installed(tmp_path):
    inputs = write_inputs(tmp_path / "inputs")
    build_world(_merged(tmp_path), tmp_path / "built", inputs)
    written = pl.read_csv(tmp_path / "built" / "mapping.csv")
    assert written.columns == ["iso3", "area", "area_name"]
    assert written["iso3"].to_list() == sorted(c[0] for c in COUNTRIES)  # as read: upper case
    target = install(tmp_path / "built", "mine", data=tmp_path / "data", configs=tmp_path)
    assert (target / "mapping.csv").read_bytes() == (
        tmp_path / "built" / "mapping.csv"
    ).read_bytes()
    world = load_world("mine", target)
    area = dict(world_mapping(world, "regime").iter_rows())
    assert area["MEX"] == "S" and area["USA"] == "N" and len(area) == len(COUNTRIES)
    (target / "mapping.csv").unlink()  # a world built before the mapping travelled with it
    with pytest.raises(InputError, match="world 'mine' has no country mapping"):
        world_mapping(world, "regime")


@needs_inputs
@pytest.mark.slow
def test_any_world_built_at_1990_with_a_window_can_be_fitted(tmp_path, monkeypatch):
    """A copy of regions12_1990 under another name is a world a history fit takes, and its
    history scenario (aggregated by its own mapping.csv) is the shipped world's; a world of
    another base year, or without a growth window, is refused naming what it lacks."""
    import migsim.core.world as core_world

    data = tmp_path / "data"
    mapping = tmp_path / "own.csv"
    mapping.write_bytes((DATA / "mappings" / "regions12.csv").read_bytes())
    build_world(mapping, data / "my_1990", base_year=1990, growth_years=(1990, 2005))
    build_world(mapping, data / "plain_1990", base_year=1990)
    monkeypatch.setattr(core_world, "DATA_DIR", data)
    check_history_world(load_world("my_1990"))
    for name, needle in (
        ("plain_1990", "'plain_1990' has no stock_growth.csv"),
        ("regions12", "'regions12' is built at 2010, not 1990"),
    ):
        world = load_world(name, DATA / name) if name == "regions12" else load_world(name)
        with pytest.raises(InputError, match=needle):
            check_history_world(world)
    out = write_projection("my_1990", tmp_path / "scenario", history=True)
    shipped = REPO_ROOT / "configs" / "scenario" / "history_regions12_1990.csv"
    body = lambda p: [x for x in p.read_text().splitlines() if not x.startswith("#")]  # noqa: E731
    assert body(out) == body(shipped)
    assert "my_1990/mapping.csv" in out.read_text()
