"""Bad input never gives a wrong answer: each case ends with one InputError naming the field
or file (exit 2 from the command line), or, where stated, one warning and a correct run."""

from __future__ import annotations

import pytest

import migsim
from migsim.core.errors import InputError
from tests._support import edited_world


def _refused(overrides: list[str], where: str) -> InputError:
    with pytest.raises(InputError) as info:
        migsim.compose(overrides)
    message = str(info.value)
    assert "\n" not in message
    assert where in message
    return info.value


# -- config fields: every number declared with a range ------------------------------------


@pytest.mark.parametrize(
    "override, where",
    [
        ("economy.remit_share_high=-1", "economy.remit_share_high"),
        ("economy.remit_decay=nan", "economy.remit_decay"),
        ("behaviour.gravity_distance=nan", "behaviour.gravity_distance"),
        ("behaviour.gravity_distance=inf", "behaviour.gravity_distance"),
        ("behaviour.gravity_distance=-1", "behaviour.gravity_distance"),
        ("behaviour.gravity_language=-0.5", "behaviour.gravity_language"),
        ("economy.sigma_skill=nan", "economy.sigma_skill"),
    ],
)
def test_config_value_out_of_range_is_refused(override, where):
    _refused(["world=toy", override], where)


def test_every_numeric_field_declares_a_range():
    import dataclasses

    from migsim.config import SCHEMAS

    def walk(schema, prefix=""):
        for f in dataclasses.fields(schema):
            meta = f.metadata.get("param")
            sub = f.type if isinstance(f.type, type) else None
            if f.default_factory is not dataclasses.MISSING:
                sub = type(f.default_factory())
            if meta is None and sub is not None and dataclasses.is_dataclass(sub):
                yield from walk(sub, f"{prefix}{f.name}.")
                continue
            assert meta is not None, f"{prefix}{f.name} is not declared with param()"
            if f.type in (int, float, "int", "float"):
                yield f"{prefix}{f.name}", meta["range"]

    for schema in SCHEMAS:
        for name, rng in walk(schema):
            assert rng is not None, f"{name} has no range"


# -- unknown keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override, where",
    [
        ("+population.sise=5000", "population.sise"),
        ("+foo=1", "foo"),
        ("+economy.remit_shar_low=0.1", "economy.remit_shar_low"),
        ("+shards.cuont=2", "shards.cuont"),
    ],
)
def test_unknown_key_is_refused(override, where):
    error = _refused(["world=toy", override], where)
    assert "not a parameter" in str(error)


def test_unknown_key_suggests_the_close_name():
    error = _refused(["world=toy", "+population.sise=5000"], "population.sise")
    assert "population.size" in str(error)


def test_plugin_parameters_are_free():
    cfg = migsim.compose(["world=toy", "+behaviour.params.anything=3"])
    assert cfg.behaviour.params.anything == 3


# -- world tables -------------------------------------------------------------------------


def _world_refused(world, name, *words):
    from migsim.core.world import load_world

    with pytest.raises(InputError) as info:
        load_world(path=world)
    message = str(info.value)
    assert "\n" not in message and name in message
    for word in words:
        assert word in message
    return message


@pytest.mark.parametrize("name", ["bilateral.csv", "migrant_stock_2013.csv"])
def test_duplicated_corridor_row_is_refused(toy_world_dir, tmp_path, name):
    world = edited_world(toy_world_dir, tmp_path, name, lambda lines: lines + [lines[1]])
    origin, destination = (toy_world_dir / name).read_text().splitlines()[1].split(",")[:2]
    _world_refused(world, name, f"{origin}->{destination}", "two rows")


def test_negative_intra_region_migrants_is_refused(toy_world_dir, tmp_path):
    name = "intra_region_migrants_2013.csv"

    def edit(lines):
        code = lines[1].split(",")[0]
        return [lines[0], f"{code},-5"] + lines[2:]

    world = edited_world(toy_world_dir, tmp_path, name, edit)
    _world_refused(world, name, "'migrants'", "negative")


def test_bilateral_flag_other_than_0_or_1_is_refused(toy_world_dir, tmp_path):
    name = "bilateral.csv"
    head = (toy_world_dir / name).read_text().splitlines()[0].split(",")
    column = head.index("contiguous")

    def edit(lines):
        cells = lines[1].split(",")
        cells[column] = "7"
        return [lines[0], ",".join(cells)] + lines[2:]

    world = edited_world(toy_world_dir, tmp_path, name, edit)
    _world_refused(world, name, "'contiguous'")


def test_age_shares_above_one_are_refused(toy_world_dir, tmp_path):
    name = "migrant_age.csv"

    def edit(lines):
        return [lines[0], "0,4,0.5"] + lines[2:]

    world = edited_world(toy_world_dir, tmp_path, name, edit)
    _world_refused(world, name, "column 'share'")


def test_overlapping_age_rows_are_refused(toy_world_dir, tmp_path):
    name = "migrant_age.csv"

    def edit(lines):  # 0-4 0.02 and 5-9 0.03 become 0-9 0.02 and 5-9 0.03: same sum
        return [lines[0], "0,9,0.02"] + lines[2:]

    world = edited_world(toy_world_dir, tmp_path, name, edit)
    _world_refused(world, name, "row 5-9")


def test_bad_world_table_exits_2_from_the_command_line(toy_world_dir, tmp_path):
    import subprocess
    import sys

    name = "bilateral.csv"
    world = edited_world(toy_world_dir, tmp_path, name, lambda lines: lines + [lines[1]])
    done = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", f"world.path={world}", "years=1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and name in done.stderr


# -- base year ----------------------------------------------------------------------------


def test_base_year_other_than_the_world_tables_is_refused():
    from migsim.runtime.assemble import prepare

    with pytest.raises(InputError) as info:
        prepare(migsim.compose(["world=toy", "base_year=2050"]))
    message = str(info.value)
    assert message.startswith("base_year") and "2050" in message and "2013" in message


def test_world_declares_another_base_year(toy_world_dir, tmp_path):
    import shutil

    from migsim.core.world import check_base_year, load_world

    world_dir = tmp_path / "world"
    shutil.copytree(toy_world_dir, world_dir)
    (world_dir / "base_year.txt").write_text("1990\n")
    world = load_world(path=world_dir)
    assert world.base_year == 1990
    check_base_year(world, 1990)
    with pytest.raises(InputError, match="base_year"):
        check_base_year(world, 2013)
    (world_dir / "base_year.txt").write_text("next year\n")
    _world_refused(world_dir, "base_year.txt")


# -- a regime that changes nothing --------------------------------------------------------


def _run_cli(tmp_path, *overrides):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", *overrides],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_regime_that_changes_nothing_warns_once(tmp_path):
    done = _run_cli(
        tmp_path, "world=toy", "regime=regional_blocs", "population.size=2000", "years=1"
    )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "regional_blocs" in warnings[0] and "changes nothing" in warnings[0]


@pytest.mark.parametrize("regime", ["status_quo", "free_mobility"])
def test_regime_that_changes_something_does_not_warn(capsys, regime):
    from migsim.core.world import load_world
    from migsim.runtime.assemble import regime_policy

    cfg = migsim.compose(["world=toy", f"regime={regime}"])
    regime_policy(cfg, load_world("toy"), None)
    assert "changes nothing" not in capsys.readouterr().err


# -- stored calibration -------------------------------------------------------------------


def _stored_calibration(toy_world_dir, tmp_path, edit=None, table_edit=None):
    import json
    import shutil

    from migsim.core.world import load_world
    from migsim.model.calibration import load_calibration

    world_dir = tmp_path / "world"
    shutil.copytree(toy_world_dir, world_dir)
    path = world_dir / "calibration.json"
    if edit is not None:
        raw = json.loads(path.read_text())
        edit(raw)
        path.write_text(json.dumps(raw))
    if table_edit is not None:
        table_edit(world_dir)
    cfg = migsim.compose(["world=toy", f"world.path={world_dir}"])
    return load_calibration(load_world(path=world_dir), cfg.behaviour, cfg.population)


@pytest.mark.parametrize(
    "field, value",
    [
        ("corridor_constant", 1e308),
        ("incompressible_cost", -1e308),
        ("policy_cost", 500.0),
        ("intra_rate", 2.0),
        ("target_flow", -1.0),
    ],
)
def test_implausible_stored_calibration_is_refused(toy_world_dir, tmp_path, field, value):
    def edit(raw):
        cell = raw[field]
        while isinstance(cell[0], list):
            cell = cell[0]
        cell[0] = value

    with pytest.raises(InputError) as info:
        _stored_calibration(toy_world_dir, tmp_path, edit)
    message = str(info.value)
    assert "calibration.json" in message and f"'{field}'" in message and "\n" not in message


@pytest.mark.parametrize(
    "trend, years, problem",
    [
        (5.0, (1990, 2005), "'corridor_trend' has value 5"),
        (0.1, None, "needs integer trend_base_year"),
    ],
)
def test_stored_corridor_trend_is_checked(toy_world_dir, tmp_path, trend, years, problem):
    def edit(raw):
        R = len(raw["codes"])
        raw["corridor_trend"] = [[trend] * R for _ in range(R)]
        if years is not None:
            raw["provenance"].update(trend_base_year=years[0], trend_end_year=years[1])

    with pytest.raises(InputError, match=problem) as info:
        _stored_calibration(toy_world_dir, tmp_path, edit)
    assert "\n" not in str(info.value)


def test_stored_calibration_with_wrong_shape_is_refused(toy_world_dir, tmp_path):
    with pytest.raises(InputError, match="'intra_return' has shape"):
        _stored_calibration(toy_world_dir, tmp_path, lambda raw: raw["intra_return"].pop())


def test_stored_calibration_is_trusted_only_for_its_tables(toy_world_dir, tmp_path):
    assert _stored_calibration(toy_world_dir, tmp_path).provenance["source"] == "stored"

    def table_edit(world_dir):  # one table edited: the stored file is not trusted
        path = world_dir / "intra_region_migrants_2013.csv"
        path.write_text(path.read_text().replace("1000000", "1000001"))

    cal = _stored_calibration(toy_world_dir, tmp_path / "edited", table_edit=table_edit)
    assert cal.provenance["source"] == "computed"


# -- command-line options -----------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value",
    [("--tol", "nan"), ("--tol", "-1"), ("--loss-aversion", "nan"), ("--loss-aversion", "inf")],
)
def test_game_option_not_a_finite_number_is_refused(option, value, capsys):
    from migsim.cli import main

    with pytest.raises(SystemExit) as info:
        main(["game", "NTH", "SOU", "--world", "toy", option, value])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and option in err[0]


def test_validate_only_with_an_unknown_experiment_is_refused():
    from migsim.validation.registry import select

    with pytest.raises(InputError) as info:
        select(["E2", "E99"])
    message = str(info.value)
    assert "E99" in message and "E2-E5" in message and "\n" not in message
    assert [e.name for e in select(["E2"])] == ["E2-E5"]


def test_validate_only_an_experiments_name_selects_it_alone():
    """`--only E23` is E23, not E23-history (a run of the 1990 history) too; a part of a
    name that is no experiment's own still selects the experiments it is part of."""
    from migsim.validation.registry import select

    assert [e.name for e in select(["E23"])] == ["E23"]
    assert [e.name for e in select(["E18"])] == ["E18"]
    assert [e.name for e in select(["HISTORY"])] == ["HISTORY"]
    assert [e.name for e in select(["E15"])] == ["E15-E16", "E15-countries"]
    assert [e.name for e in select(["E23", "E23-history"])] == ["E23", "E23-history"]
