"""World loading (engine/core/world.py): shipped worlds, demographic schedules, bad tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from migsim.core.errors import InputError
from migsim.core.world import (
    AGE_BAND_OF_AGE,
    AGE_BANDS,
    DATA_DIR,
    FEMALE,
    MALE,
    MAX_AGE,
    N_AGES,
    death_probabilities,
    fertility_schedule,
    load_world,
    stable_pyramid,
)


@pytest.fixture(scope="module")
def toy():
    return load_world("toy")


# ------------------------------------------------------------------ shipped worlds


def test_toy_world_loads(toy):
    assert toy.codes == ["NTH", "MID", "STH"]
    assert toy.n_regions == 3
    assert toy.developed.tolist() == [True, False, False]
    np.testing.assert_allclose(toy.population, [100e6, 150e6, 250e6])
    # migrant_stock_2013.csv: MID->NTH 9M, STH->NTH 3M, ... ; diagonal zero
    ix = toy.index
    assert toy.migrant_stock[ix("MID"), ix("NTH")] == 9_000_000
    assert toy.migrant_stock[ix("STH"), ix("NTH")] == 3_000_000
    assert np.all(np.diag(toy.migrant_stock) == 0)
    assert toy.migrant_stock.sum() == pytest.approx(13.5e6)
    # immigrants include the intra-regional migrants of intra_region_migrants_2013.csv
    np.testing.assert_allclose(toy.immigrants, [12e6 + 1e6, 1e6 + 1.5e6, 0.5e6 + 5e6])
    np.testing.assert_allclose(toy.emigrants, [0.9e6 + 1e6, 9.2e6 + 1.5e6, 3.4e6 + 5e6])
    assert toy.distance_km[ix("NTH"), ix("STH")] == 9000
    assert toy.migrant_age_share.sum() == pytest.approx(1.0)
    assert toy.death_probability.shape == (3, 2, N_AGES)
    assert toy.fertility.shape == (3, N_AGES)
    np.testing.assert_allclose(toy.resident_pyramid.sum(axis=(1, 2)), toy.population)


def test_default_world_loads_if_shipped():
    if not (DATA_DIR / "default" / "regions.csv").is_file():
        pytest.skip("engine/data/default/regions.csv is not shipped yet")
    world = load_world("default")
    assert world.n_regions >= 2
    assert np.all(world.population > 0)
    assert np.all(world.immigrants < world.population)
    # UN DESA 2013 (cited by Alonso): 231.5 million international migrants, world
    # population about 7.16 billion
    assert world.immigrants.sum() == pytest.approx(231.5e6, rel=0.01)
    assert world.population.sum() == pytest.approx(7.16e9, rel=0.02)
    assert world.immigrants.sum() == pytest.approx(world.emigrants.sum(), rel=1e-12)


def test_migrant_age_profile_has_74_percent_aged_20_to_64(toy):
    assert toy.migrant_age_share[20:65].sum() == pytest.approx(0.74, abs=1e-9)


def test_age_bands_cover_every_age():
    assert len(AGE_BAND_OF_AGE) == N_AGES
    assert AGE_BAND_OF_AGE[0] == 0 and AGE_BAND_OF_AGE[14] == 0 and AGE_BAND_OF_AGE[15] == 1
    assert AGE_BANDS[AGE_BAND_OF_AGE[64]] == "50-64"
    assert AGE_BANDS[AGE_BAND_OF_AGE[65]] == "65+"
    assert AGE_BANDS[AGE_BAND_OF_AGE[MAX_AGE]] == "65+"
    assert np.all(np.diff(AGE_BAND_OF_AGE.astype(int)) >= 0)


# ------------------------------------------------------------------ demographic schedules


def life_expectancy_from_q(q: np.ndarray) -> float:
    """Period life table: l(0)=1, d(a)=l(a) q(a), L(a)=l(a)-d(a)/2, e0 = sum L(a)."""
    e0, alive = 0.0, 1.0
    for qa in q:
        deaths = alive * qa
        e0 += alive - 0.5 * deaths
        alive -= deaths
    return e0


@pytest.mark.parametrize("e0", [50.0, 65.0, 80.0, 85.0])
def test_death_probabilities_reproduce_life_expectancy(e0):
    q = death_probabilities(e0)
    assert q.shape == (N_AGES,)
    assert np.all((q >= 0) & (q <= 1))
    assert q[-1] == 1.0  # nobody survives MAX_AGE
    assert abs(life_expectancy_from_q(q) - e0) < 0.05


def test_death_probabilities_have_a_mortality_shape():
    q = death_probabilities(75.0)
    # infant mortality above childhood mortality, minimum in childhood, rising in old age
    assert q[0] > q[10]
    assert np.argmin(q) in range(5, 20)
    assert np.all(np.diff(q[30:]) > 0)
    # lower e0 means higher mortality at every age (one level factor scales the hazard)
    assert np.all(death_probabilities(60.0)[:-1] > q[:-1])


@pytest.mark.parametrize("tfr", [0.9, 1.7, 2.1, 4.8, 7.5])
def test_fertility_schedule_sums_to_tfr(tfr):
    f = fertility_schedule(tfr)
    assert f.sum() == pytest.approx(tfr, rel=1e-12)
    assert np.all(f[:15] == 0) and np.all(f[50:] == 0)
    assert np.all(f[15:50] > 0)
    # gamma shape (a-14)^3 exp(-(a-14)/4.2) peaks at a = 14 + 12.6
    assert int(np.argmax(f)) in (26, 27)


@pytest.mark.parametrize("share_0_14", [0.12, 0.17, 0.26, 0.42, 0.55])
@pytest.mark.parametrize("female_share", [0.47, 0.505, 0.53])
def test_stable_pyramid_hits_requested_shares(toy, share_0_14, female_share):
    r = toy.index("MID")
    p = stable_pyramid(
        toy.death_probability[r, FEMALE], toy.death_probability[r, MALE], share_0_14, female_share
    )
    assert p.shape == (2, N_AGES)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert p[FEMALE].sum() == pytest.approx(female_share, abs=1e-9)
    assert p[:, :15].sum() == pytest.approx(share_0_14, abs=1e-3)


def test_toy_resident_pyramids_match_regions_csv(toy):
    pyr = toy.resident_pyramid / toy.population[:, None, None]
    np.testing.assert_allclose(pyr[:, :, :15].sum(axis=(1, 2)), toy.share_0_14, atol=1e-3)
    np.testing.assert_allclose(pyr[:, FEMALE].sum(axis=1), toy.female_share, atol=1e-9)


# ------------------------------------------------------------------ bad world tables


@pytest.fixture
def world_copy(tmp_path, toy_world_dir) -> Path:
    dest = tmp_path / "myworld"
    shutil.copytree(toy_world_dir, dest)
    return dest


def _edit_csv(path: Path, edit) -> None:
    frame = pl.read_csv(path, infer_schema_length=0)
    edit(frame).write_csv(path)


def test_copied_world_loads(world_copy):
    world = load_world(path=world_copy)
    assert world.codes == ["NTH", "MID", "STH"]
    assert world.name == "myworld"


def _one_line_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_world(path=path)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    return message


@pytest.mark.parametrize("column", ["population", "total_fertility", "code", "developed"])
def test_missing_column_names_file_and_column(world_copy, column):
    _edit_csv(world_copy / "regions.csv", lambda f: f.drop(column))
    message = _one_line_error(world_copy)
    assert "regions.csv" in message
    assert f"'{column}'" in message


@pytest.mark.parametrize("column", ["population", "life_expectancy_male", "latitude"])
def test_non_numeric_value_names_file_column_and_value(world_copy, column):
    _edit_csv(
        world_copy / "regions.csv",
        lambda f: f.with_columns(
            pl.when(pl.col("code") == "MID")
            .then(pl.lit("abc"))
            .otherwise(pl.col(column))
            .alias(column)
        ),
    )
    message = _one_line_error(world_copy)
    assert "regions.csv" in message
    assert f"'{column}'" in message
    assert "abc" in message
    assert "row 2" in message  # MID is the second data row


def test_non_numeric_migrant_count_names_file_and_column(world_copy):
    _edit_csv(
        world_copy / "migrant_stock_2013.csv",
        lambda f: f.with_columns(pl.lit("abc").alias("migrants")),
    )
    message = _one_line_error(world_copy)
    assert "migrant_stock_2013.csv" in message
    assert "'migrants'" in message


@pytest.mark.parametrize("column", ["origin", "destination"])
def test_unknown_region_code_in_stock_names_file_and_code(world_copy, column):
    _edit_csv(
        world_copy / "migrant_stock_2013.csv",
        lambda f: f.with_columns(
            pl.when(pl.col("migrants") == "3000000")
            .then(pl.lit("XYZ"))
            .otherwise(pl.col(column))
            .alias(column)
        ),
    )
    message = _one_line_error(world_copy)
    assert "migrant_stock_2013.csv" in message
    assert "XYZ" in message
    # the allowed values are the known codes
    assert "NTH" in message and "MID" in message and "STH" in message


def test_unknown_region_code_in_intra_table(world_copy):
    _edit_csv(
        world_copy / "intra_region_migrants_2013.csv",
        lambda f: f.with_columns(
            pl.when(pl.col("region") == "STH")
            .then(pl.lit("ABC"))
            .otherwise(pl.col("region"))
            .alias("region")
        ),
    )
    message = _one_line_error(world_copy)
    assert "intra_region_migrants_2013.csv" in message and "ABC" in message


@pytest.mark.parametrize(
    "name",
    [
        "regions.csv",
        "migrant_stock_2013.csv",
        "bilateral.csv",
        "intra_region_migrants_2013.csv",
        "migrant_age.csv",
    ],
)
def test_missing_file_is_named(world_copy, name):
    (world_copy / name).unlink()
    message = _one_line_error(world_copy)
    assert name in message
    assert "not found" in message


def test_out_of_range_value_names_column_and_region(world_copy):
    _edit_csv(
        world_copy / "regions.csv",
        lambda f: f.with_columns(
            pl.when(pl.col("code") == "STH")
            .then(pl.lit("1.5"))
            .otherwise(pl.col("tertiary_share"))
            .alias("tertiary_share")
        ),
    )
    message = _one_line_error(world_copy)
    assert "regions.csv" in message and "'tertiary_share'" in message and "STH" in message


def test_missing_bilateral_pair_is_named(world_copy):
    _edit_csv(
        world_copy / "bilateral.csv",
        lambda f: f.filter(~((pl.col("origin") == "MID") & (pl.col("destination") == "STH"))),
    )
    message = _one_line_error(world_copy)
    assert "bilateral.csv" in message and "MID->STH" in message


def test_nonexistent_world_directory(tmp_path):
    with pytest.raises(InputError) as info:
        load_world(path=tmp_path / "nope")
    assert "nope" in str(info.value)
    with pytest.raises(InputError) as info:
        load_world("nonexistent")
    assert "toy" in str(info.value)  # lists the shipped worlds
