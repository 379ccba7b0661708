"""Golden runs: every output table of three fixed runs is compared, as a frame (values,
dtypes, column order), with digests recorded in tests/golden/digests.json.

The digests pin the model's behaviour across refactors: a change that alters any number,
dtype or column of the default world (300k people x 4 years), the toy world (50k x 5) or
the default world split into 4 shards fails here. A deliberate change of the model
re-records them with `python tests/test_golden.py --update` and says why in the commit.
The digests were first recorded from the engine at commit efc4db2, before the package was
rebuilt around the public API, and the rebuilt package reproduces them exactly.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import migsim  # noqa: F401  (first: NumPy's portable loops also when run as a script)

# isort: split
import numpy as np
import polars as pl
import pytest

DIGESTS = Path(__file__).parent / "golden" / "digests.json"
# the default run's digests before bequests (docs/model.md 5.10), which `no_bequests` keeps
BEFORE_BEQUESTS = json.loads(
    (Path(__file__).parent / "golden" / "before_bequests.json").read_text()
)
RUNS = {
    "default": ["population.size=300000", "years=4", "seed=1"],
    "toy": ["world=toy", "population.size=50000", "years=5", "seed=1"],
    "shards": ["population.size=300000", "years=4", "seed=1", "shards.count=4"],
    # the dead's wealth lost, as before bequests: the bytes of the default run recorded then
    "no_bequests": ["population.size=300000", "years=4", "seed=1", "population.bequests=none"],
}


def frame_digest(frame: pl.DataFrame) -> dict:
    """Columns, dtypes, rows and a SHA-256 of every value (floats by their bits)."""
    h = hashlib.sha256()
    for name in frame.columns:
        col = frame[name]
        h.update(f"{name}:{col.dtype}".encode())
        if col.dtype == pl.String:
            h.update("\x1f".join("\x00" if v is None else v for v in col.to_list()).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return {
        "columns": frame.columns,
        "dtypes": [str(d) for d in frame.dtypes],
        "rows": frame.height,
        "sha256": h.hexdigest(),
    }


def run_digests(name: str, out: Path) -> dict:
    from migsim.runtime.app import main

    overrides = [*RUNS[name], "progress=false", f"hydra.run.dir={out}"]
    try:
        main(overrides)
    except SystemExit as exc:  # Hydra's entry point may exit 0
        assert not exc.code, f"run {name} exited {exc.code}"
    return {p.stem: frame_digest(pl.read_parquet(p)) for p in sorted(out.glob("*.parquet"))}


@pytest.mark.parametrize("name", list(RUNS))
def test_golden_run(name, tmp_path):
    expected = json.loads(DIGESTS.read_text())[name]
    got = run_digests(name, tmp_path / name)
    assert sorted(got) == sorted(expected), "tables differ"
    for table in expected:
        assert got[table]["columns"] == expected[table]["columns"], table
        assert got[table]["dtypes"] == expected[table]["dtypes"], table
        assert got[table]["rows"] == expected[table]["rows"], table
        assert got[table]["sha256"] == expected[table]["sha256"], f"{name}/{table} values"


def test_the_sharded_run_is_the_single_process_run():
    """The recorded 4-shard run has the digests of the single-process run, table by table:
    counts exactly, and float sums by their grid (`migsim.kernels.grid`)."""
    recorded = json.loads(DIGESTS.read_text())
    assert RUNS["shards"] == [*RUNS["default"], "shards.count=4"]
    assert recorded["shards"] == recorded["default"]


def test_no_bequests_is_the_run_before_bequests():
    """`population.bequests=none` keeps the digests the default run had before bequests
    (recorded then, at commit 9f5fcb0): the rule adds to the model and changes nothing else."""
    recorded = json.loads(DIGESTS.read_text())
    assert recorded["no_bequests"] == BEFORE_BEQUESTS


def test_golden_run_other_draw_path(tmp_path):
    """The kernels draw a block's random numbers in a vectorised loop on CPUs with
    AVX-512DQ and one by one elsewhere (`migsim.kernels._config.VECTOR_DRAWS`); the test
    above runs this CPU's way. The way it does not take, forced in a process of its own
    with a numba cache of its own, gives the same bytes of the default run."""
    import os
    import subprocess

    from migsim.kernels._config import VECTOR_DRAWS

    env = dict(
        os.environ,
        MIGSIM_VECTOR_DRAWS="0" if VECTOR_DRAWS else "1",
        NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"),
    )
    out = subprocess.run(
        [sys.executable, __file__, "--digests", "default", str(tmp_path / "run")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.splitlines()[-1]) == json.loads(DIGESTS.read_text())["default"]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--digests"] and len(sys.argv) == 4:
        print(json.dumps(run_digests(sys.argv[2], Path(sys.argv[3]))))
        sys.exit(0)
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update | --digests NAME DIR")
    import tempfile

    root = Path(tempfile.mkdtemp())
    DIGESTS.write_text(
        json.dumps({n: run_digests(n, root / n) for n in RUNS}, indent=1, sort_keys=True) + "\n"
    )
    print(f"wrote {DIGESTS}")
