"""Fuzzing the world tables: a copy of the toy world with one table changed (a cell made
NaN, infinite, negative, huge, text or blank, or given another in-range value; a row
duplicated or removed; a column removed; the file emptied). Each case is refused with one
InputError naming the file (and column, where one is to blame) and leaves no run
directory, or it runs to tables that pass the accounting of a valid run
(tests/fuzz_support.py). The last test writes the coverage of both fuzz modules to
outputs/fuzz-coverage.md."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from fuzz_support import RECORD, compose_case, record, refused_or_run, rotated
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from migsim.core.errors import InputError
from migsim.core.world import UN_AREAS
from migsim.core.world_tables import (
    BILATERAL_COLUMNS,
    DESIRED_COLUMNS,
    INTRA_COLUMNS,
    MIGRANT_AGE_COLUMNS,
    REGION_COLUMNS,
    REGION_RANGES,
    STOCK_COLUMNS,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
TOY = REPO_ROOT / "engine" / "data" / "toy"
TABLES = {
    "regions.csv": REGION_COLUMNS,
    "bilateral.csv": BILATERAL_COLUMNS,
    "migrant_stock_2013.csv": STOCK_COLUMNS,
    "intra_region_migrants_2013.csv": INTRA_COLUMNS,
    "migrant_age.csv": MIGRANT_AGE_COLUMNS,
    "desired_destinations.csv": DESIRED_COLUMNS,
}
TARGETS = [(name, column) for name, columns in TABLES.items() for column in columns]
CODE_COLUMNS = {"code", "origin", "destination", "region"}
CELL = {
    "nan": ["nan", "NaN"],
    "inf": ["inf", "-inf"],
    "negative": ["-1", "-0.001"],
    "huge": ["1e300", "1e18"],
    "text": ["abc", "1,5"],
    "blank": [""],
}
ROWS = ["duplicated_row", "missing_row", "missing_column", "empty_file"]
MUTATIONS = ["in_range"] * 4 + list(CELL) + ROWS  # about 30% draw an in-range value


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())


def _in_range(draw, name: str, column: str, rows: list[list[str]], row: int) -> None:
    """Give `column` of data row `row` another value its declaration allows (for shares
    that must sum to one, move part of one row's share to another)."""
    col = rows[0].index(column)
    cell = rows[row]
    if name == "regions.csv" and column in REGION_RANGES:
        lo, hi = REGION_RANGES[column]
        cell[col] = repr(draw(st.floats(lo, hi)))
    elif column == "developed":
        cell[col] = draw(st.sampled_from(["true", "false", "1", "0", " TRUE"]))
    elif column == "un_area":
        cell[col] = draw(st.sampled_from(UN_AREAS))
    elif column in ("name", "bloc"):
        cell[col] = draw(st.sampled_from(["", "A bloc", "Åland, Norden", "nan", "1e300"]))
    elif column in CODE_COLUMNS:  # another region's code
        codes = [r[0] for r in _read(TOY / "regions.csv")[1:]]
        cell[col] = draw(st.sampled_from(codes))
    elif column == "distance_km":
        cell[col] = repr(draw(st.floats(1e-3, 40_000.0)))
    elif column in ("contiguous", "common_language", "colonial_link"):
        cell[col] = draw(st.sampled_from(["0", "1"]))
    elif column == "migrants":
        cell[col] = repr(draw(st.floats(0.0, 2e7)))
    elif column in ("female_share", "tertiary_share"):
        cell[col] = repr(draw(st.floats(0.0, 1.0)))
    elif column == "share":  # move part of this row's share to another row
        other = draw(st.sampled_from([r for r in range(1, len(rows)) if r != row]))
        part = draw(st.floats(0.0, 1.0)) * float(cell[col])
        cell[col] = repr(float(cell[col]) - part)
        rows[other][col] = repr(float(rows[other][col]) + part)
    else:  # age_from, age_to: merge this age band with the next one
        row = min(row, len(rows) - 2)
        a, b = rows[row], rows[row + 1]
        a[1], a[2] = b[1], repr(float(a[2]) + float(b[2]))
        del rows[row + 1]


def apply(world: Path, name: str, column: str, mutation: str, data) -> None:
    path = world / name
    rows = _read(path)
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    col = rows[0].index(column)
    if mutation == "in_range":
        if column == "code":  # rename a region in every table
            old = rows[row][col]
            new = data.draw(st.sampled_from(["AAA", "Z9", "north"]), label="code")
            for table in TABLES:
                text = (world / table).read_text()
                (world / table).write_text(text.replace(old, new))
            return
        _in_range(data.draw, name, column, rows, row)
    elif mutation in CELL:
        rows[row][col] = data.draw(st.sampled_from(CELL[mutation]), label="value")
    elif mutation == "duplicated_row":
        rows.append(list(rows[row]))
    elif mutation == "missing_row":
        del rows[row]
    elif mutation == "missing_column":
        rows = [[c for i, c in enumerate(r) if i != col] for r in rows]
    else:
        path.write_text("")
        return
    _write(path, rows)


# a run that goes on must not compute through a NaN or an infinity either (the education
# step's calibration once averaged a log of 0 for an in-range but extreme GDP per capita)
@pytest.mark.filterwarnings("error::RuntimeWarning")
@settings(
    derandomize=True,  # the same cases on every run (CI reproducible)
    max_examples=3,  # per column: 120 cases
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@pytest.mark.parametrize("name, column", TARGETS, ids=[f"{n}:{c}" for n, c in TARGETS])
@given(data=st.data())
def test_world_table_is_refused_or_runs_to_a_valid_end(name, column, data):
    target = f"{name}:{column}"
    mutation = data.draw(rotated(MUTATIONS, target), label="mutation")
    # migration needs a calibration of the edited world (~2 s): one case in twelve
    migration = data.draw(rotated([True] + [False] * 11, target), label="migration")
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        shutil.copytree(TOY, world)
        (world / "calibration.json").unlink()  # edited tables are calibrated afresh
        apply(world, name, column, mutation, data)
        note((world / name).read_text())
        overrides = (f"world.path={world}", f"behaviour.migration={str(migration).lower()}")
        run_dir = Path(tmp) / "run"
        names = (name, "calibration")
        if name == "regions.csv" and (column == "code" or mutation in ROWS[:2]):
            names = tuple(TABLES)  # the other tables name regions by code
        elif column in CODE_COLUMNS or column == "population":
            names += ("migrant_stock_2013.csv",)  # the share of migrants among residents
        try:
            cfg = compose_case(*overrides)
        except InputError as error:  # world tables are read when the run starts, not here
            raise AssertionError(f"composition refused: {error}") from None
        # a bad value in a column is refused naming it (file:column); codes name the region
        blamed = column if mutation in CELL and column not in CODE_COLUMNS else ""
        outcome = refused_or_run(cfg, run_dir, names, blamed)
    record("world", target, mutation, outcome)


def test_coverage_of_the_fuzz_suite():
    """Every config field and every world column was fuzzed, and how each case ended; the
    table goes to outputs/fuzz-coverage.md (and to the terminal with -s)."""
    from test_input_fuzz import FIELDS

    if not any(kind == "world" for kind, _ in RECORD):
        pytest.skip("reports on the fuzz cases run before it in the same session")
    lines = [
        "# Fuzz coverage",
        "",
        "| kind | field or file:column | cases | refused | ran | mutations |",
        "|---|---|---|---|---|---|",
    ]
    totals = {"refused": 0, "ran": 0}
    for (kind, target), counts in sorted(RECORD.items()):
        mutations = sorted(k.split(":", 1)[1] for k in counts if k.startswith("mutation:"))
        cases = counts["refused"] + counts["ran"]
        lines.append(
            f"| {kind} | {target} | {cases} | {counts['refused']} | {counts['ran']} "
            f"| {', '.join(mutations)} |"
        )
        totals["refused"] += counts["refused"]
        totals["ran"] += counts["ran"]
    total = totals["refused"] + totals["ran"]
    share = totals["ran"] / max(total, 1)
    lines += ["", f"{total} cases: {totals['refused']} refused, {totals['ran']} ran ({share:.0%})"]
    report = "\n".join(lines) + "\n"
    out = REPO_ROOT / "outputs" / "fuzz-coverage.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(report)
    print("\n" + report)
    hit = {target for _, target in RECORD}
    config_hit = {target for kind, target in RECORD if kind == "config"}
    if config_hit:  # the config fuzz ran in this session
        assert {name for name, _ in FIELDS} <= hit
    assert {f"{name}:{column}" for name, column in TARGETS} <= hit
    if config_hit:
        assert total >= 300 and share >= 0.3, (total, share)
