"""The values of the country-level inputs a world is built from: each table is checked when
it is read (migsim.worldbuild.input_checks), so a bad cell stops `migsim world build`,
`world projection` and `world fit-history` with one line naming the file, line, key and
column (exit code 2), and the shipped inputs pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from worldbuild_fixture import COUNTRIES, write_inputs, write_mapping

from migsim.core.errors import InputError
from migsim.worldbuild.build import build_world
from migsim.worldbuild.input_checks import RULES
from migsim.worldbuild.inputs import Inputs

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def invented(tmp_path_factory) -> Path:
    return write_inputs(tmp_path_factory.mktemp("inputs"))


def _edited(invented: Path, tmp_path: Path, name: str, edit) -> Path:
    """A copy of the invented inputs with `edit(lines)` applied to input `name`'s lines."""
    import shutil

    root = tmp_path / "inputs"
    shutil.copytree(invented, root)
    path = root / name / f"{name}.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    return root


def _set(lines: list[str], match: str, column: str, value: str) -> list[str]:
    """The lines with `column` set to `value` on the first row starting with `match`."""
    header = lines[0].split(",")
    out, done = [lines[0]], False
    for line in lines[1:]:
        cells = line.split(",")
        if not done and line.startswith(match):
            cells[header.index(column)] = value
            line, done = ",".join(cells), True
        out.append(line)
    assert done, match
    return out


def _twice(lines: list[str], match: str) -> list[str]:
    row = next(line for line in lines[1:] if line.startswith(match))
    return [*lines, row]


CASES = {
    "negative-gdp": ("pwt", lambda ls: _set(ls, "USA,2010,", "rgdpe", "-5"), "rgdpe -5"),
    "text-in-gdp": ("pwt", lambda ls: _set(ls, "USA,2010,", "rgdpe", "nan"), "rgdpe 'nan'"),
    "country-year-twice": ("pwt", lambda ls: _twice(ls, "USA,2010,"), "USA 2010 has 2 rows"),
    "negative-stock": (
        "un_stock",
        lambda ls: _set(ls, "2010,MEX,USA,", "stock", "-100"),
        "stock -100",
    ),
    "text-in-stock": (
        "un_stock",
        lambda ls: _set(ls, "2010,MEX,USA,", "stock", "many"),
        "stock 'many'",
    ),
    "unknown-destination": (
        "un_stock",
        lambda ls: _set(ls, "2010,MEX,USA,", "destination", "XXX"),
        "destination 'XXX'",
    ),
    "pair-twice": (
        "un_stock",
        lambda ls: _twice(ls, "2010,MEX,USA,"),
        "2010 MEX USA has 2 rows",
    ),
    "negative-population": (
        "wpp_totals",
        lambda ls: _set(ls, "IND,2010,", "population", "-5"),
        "population -5",
    ),
    "negative-fertility": ("wpp_vital", lambda ls: _set(ls, "IND,", "tfr", "-3"), "tfr -3"),
    "share-below-zero": (
        "barro_lee",
        lambda ls: _set(ls, "IND,", "share_tertiary", "-0.5"),
        "share_tertiary -0.5",
    ),
    "empty-population": (
        "wpp_totals",
        lambda ls: _set(ls, "IND,2010,", "population", ""),
        "population is empty",
    ),
}


def _mapping(tmp_path: Path) -> Path:
    return write_mapping(tmp_path / "m.csv", [(c[0], c[0], c[0].title()) for c in COUNTRIES])


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_input_cell_is_one_line_naming_file_line_and_column(invented, tmp_path, case):
    name, edit, needle = CASES[case]
    root = _edited(invented, tmp_path, name, edit)
    with pytest.raises(InputError) as err:
        build_world(_mapping(tmp_path), tmp_path / "w", root)
    text = str(err.value)
    assert needle in text and f"{name}.csv line " in text and "\n" not in text, text
    assert not (tmp_path / "w").exists()


def test_the_cli_refuses_a_bad_cell_with_exit_2_and_keeps_the_world_written(invented, tmp_path):
    """A text cell was a TypeError (exit 1); a world already in --out stays as it was."""
    out = tmp_path / "w"
    build_world(_mapping(tmp_path), out, invented)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    name, edit, _ = CASES["text-in-stock"]
    root = _edited(invented, tmp_path, name, edit)
    cmd = [sys.executable, "-m", "migsim", "world", "build", "--mapping", str(_mapping(tmp_path))]
    cmd += ["--out", str(out), "--inputs", str(root)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "un_stock.csv line" in lines[0] and "stock 'many'" in lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_codes_are_checked_against_the_countries_input_beside_the_table(tmp_path):
    """An input directory without a countries table checks everything but the codes."""
    (tmp_path / "pwt").mkdir()
    (tmp_path / "pwt" / "pwt.csv").write_text(
        "iso3,year,rgdpe,pop,labsh,emp\nAAA,2010,10,1,0.5,0.4\nBBB,2010,20,1,,\n"
    )
    assert Inputs(tmp_path)["pwt"].height == 2
    (tmp_path / "countries").mkdir()
    (tmp_path / "countries" / "countries.csv").write_text(
        "iso3,name,un_region,un_subregion,un_development_group\nAAA,A,Asia,South,less\n"
    )
    with pytest.raises(InputError, match=r"pwt.csv line 3: iso3 'BBB' \(BBB 2010\)"):
        Inputs(tmp_path)["pwt"]
    inputs = Inputs(tmp_path)
    inputs["countries"]
    assert inputs.used == ["countries"]  # reading codes for a check is not a use


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_shipped_inputs_pass_their_checks(name):
    inputs = Inputs()
    if inputs.has(name):
        assert inputs[name].height > 0


def test_every_input_read_by_the_build_has_rules():
    from migsim.worldbuild.inputs import INPUT_COLUMNS

    assert set(INPUT_COLUMNS) <= set(RULES)
    for name, table in RULES.items():
        assert set(table.key) <= set(table.cells), name


def test_a_share_in_percent_is_refused(invented, tmp_path):
    root = _edited(invented, tmp_path, "barro_lee", lambda lines: lines)
    path = root / "barro_lee" / "barro_lee.csv"
    pl.read_csv(path).with_columns(pl.col("share_tertiary") * 100).write_csv(path)
    with pytest.raises(InputError, match="share_tertiary 20.0 .*allowed: a share from 0 to 1"):
        Inputs(root)["barro_lee"]
