"""Unreadable stored runs and bad options of `migsim compare` / `migsim collect`: one line on
stderr naming the file or option and what is wrong, exit code 2, and the files an earlier
comparison or collection wrote left as they were.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import migsim
from migsim.core.errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent
SMALL = ("world=toy", "population.size=2000", "years=1", "progress=false")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """Two complete runs (status quo and free mobility), compared and collected once."""
    from migsim.analysis.collect import collect
    from migsim.analysis.report import write_comparison

    root = tmp_path_factory.mktemp("sweep")
    migsim.run([*SMALL, "regime=status_quo"], out=root / "0")
    migsim.run([*SMALL, "regime=free_mobility"], out=root / "1")
    write_comparison(root)
    collect(root)
    return root


@pytest.fixture
def copy(sweep, tmp_path) -> Path:
    """A fresh copy of the sweep, to damage."""
    target = tmp_path / "sweep"
    shutil.copytree(sweep, target)
    return target


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file an earlier compare or collect wrote, with its bytes."""
    names = [
        "comparison.parquet",
        "report.md",
        "report.html",
        *(p.name for p in root.glob("*.svg")),
    ]
    files = {name: (root / name).read_bytes() for name in names}
    for path in sorted((root / "dataset").rglob("*")):
        if path.is_file():
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def _cli_refused(capsys, *args: str) -> str:
    """`migsim ARGS` in this process: exit 2 and one line on stderr; the line."""
    from migsim.cli import main

    with pytest.raises(SystemExit) as info:
        main(list(args))
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _damaged_everywhere(capsys, root: Path, path: Path, *needles: str) -> None:
    """load_run, compare and collect all refuse the damaged run naming `path`, and neither
    command touches what an earlier comparison or collection wrote."""
    before = _snapshot(root)
    with pytest.raises(InputError) as info:
        migsim.load_run(path.parent if path.parent.name != ".hydra" else path.parent.parent)
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    for needle in needles:
        assert needle in message, (needle, message)
    for verb in ("compare", "collect"):
        line = _cli_refused(capsys, verb, str(root))
        assert str(path) in line and needles[0] in line, line
    assert _snapshot(root) == before
    assert not [p for p in root.iterdir() if "staging" in p.name or p.name.startswith(".data")]


# --- 4. unreadable runs ----------------------------------------------------------------------


def test_garbage_manifest(copy, capsys):
    (copy / "1" / "manifest.json").write_bytes(b"\x00\x9f garbage {")
    _damaged_everywhere(capsys, copy, copy / "1" / "manifest.json", "is not valid JSON")


def test_manifest_that_is_not_an_object(copy, capsys):
    (copy / "1" / "manifest.json").write_text("[1, 2, 3]")
    _damaged_everywhere(capsys, copy, copy / "1" / "manifest.json", "holds a JSON list")


def test_manifest_without_a_seed(copy, capsys):
    path = copy / "0" / "manifest.json"
    path.write_text(path.read_text().replace('"seed"', '"sead"', 1))
    _damaged_everywhere(capsys, copy, path, "has seed None, not an integer")


def test_truncated_parquet_table(copy, capsys):
    path = copy / "1" / "regions.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _damaged_everywhere(capsys, copy, path, "is not a readable Parquet table")


def test_directory_where_a_table_should_be(copy, capsys):
    path = copy / "0" / "flows.parquet"
    path.unlink()
    path.mkdir()
    _damaged_everywhere(capsys, copy, path, "is not a file")


def test_table_listed_in_the_manifest_is_missing(copy, capsys):
    path = copy / "1" / "stocks.parquet"
    path.unlink()
    _damaged_everywhere(capsys, copy, path, "is listed in manifest.json but missing")


def test_table_damaged_inside_is_reported_when_read(copy, capsys):
    """Framed as Parquet (the cheap check passes) but zeros inside: compare and collect read
    it before writing, so the line still names the file and nothing earlier is touched."""
    path = copy / "1" / "regions.parquet"
    data = bytearray(path.read_bytes())
    data[4 : len(data) // 2] = bytes(len(data) // 2 - 4)
    path.write_bytes(bytes(data))
    before = _snapshot(copy)
    for verb in ("compare", "collect"):
        line = _cli_refused(capsys, verb, str(copy))
        assert f"{path}: is not a readable Parquet table (" in line, line
    assert _snapshot(copy) == before


def test_garbage_overrides_file(copy, capsys):
    path = copy / "1" / ".hydra" / "overrides.yaml"
    path.write_text("- [unclosed\n  : :\n")
    _damaged_everywhere(capsys, copy, path, "cannot be read")


def test_a_table_damaged_after_its_footer_was_read(copy):
    """A file that changes between the check and the read still gives one line."""
    run = migsim.load_run(copy / "0")
    path = copy / "0" / "regions.parquet"
    path.write_bytes(b"PAR1 not really PAR1")
    with pytest.raises(InputError) as info:
        run.table("regions")
    assert str(path) in str(info.value) and "is not a readable Parquet table" in str(info.value)


def test_cli_compare_of_a_truncated_run_prints_no_traceback(copy):
    path = copy / "0" / "stocks.parquet"
    path.write_bytes(path.read_bytes()[:100])
    proc = subprocess.run(
        [sys.executable, "-m", "migsim", "compare", str(copy)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"migsim: error: {path}: is not a readable Parquet table "
        + proc.stderr.split("is not a readable Parquet table ", 1)[1].strip()
    ]
    assert "Traceback" not in proc.stderr


# --- 5. options of compare and collect -------------------------------------------------------


def test_compare_out_that_is_a_file(sweep, tmp_path, capsys):
    target = tmp_path / "report.txt"
    target.write_text("mine")
    line = _cli_refused(capsys, "compare", str(sweep), "--out", str(target))
    assert line == (
        f"migsim: error: --out: '{target}' is a file, not a directory "
        "(allowed: a writable directory (created if missing))"
    )
    assert target.read_text() == "mine"


def test_compare_out_under_a_file(sweep, tmp_path, capsys):
    target = tmp_path / "report.txt"
    target.write_text("mine")
    line = _cli_refused(capsys, "compare", str(sweep), "--out", str(target / "sub"))
    assert line.startswith(f"migsim: error: --out: '{target / 'sub'}' cannot be created (")


def test_compare_dir_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    line = _cli_refused(capsys, "compare", str(target))
    assert f"'{target}' is not a directory" in line


def test_collect_dir_that_is_missing_or_a_file(tmp_path, capsys):
    line = _cli_refused(capsys, "collect", str(tmp_path / "nowhere"))
    assert line == (
        f"migsim: error: SWEEP_DIR: '{tmp_path / 'nowhere'}' is not a directory "
        "(allowed: a Hydra sweep directory of migsim runs)"
    )
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert "is not a directory" in _cli_refused(capsys, "collect", str(target))


def test_collect_where_the_dataset_is_a_file(copy, capsys):
    shutil.rmtree(copy / "dataset")
    (copy / "dataset").write_text("mine")
    line = _cli_refused(capsys, "collect", str(copy))
    assert f"{copy / 'dataset'}: is a file, not a directory" in line
    assert (copy / "dataset").read_text() == "mine"


def test_collect_replaces_an_earlier_dataset_whole(copy):
    from migsim.analysis.collect import collect

    stale = copy / "dataset" / "regime=gone" / "seed=9" / "part-0.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    collect(copy)
    assert not stale.exists()
    assert sorted(p.name for p in (copy / "dataset").iterdir()) == [
        "regime=free_mobility",
        "regime=status_quo",
    ]
    assert not [p for p in copy.iterdir() if p.name.startswith(".")]
