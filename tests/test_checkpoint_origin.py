"""A checkpoint pins the world's data, the calibration and the migsim version that made it:
`resume` and `start_from` refuse one made with other tables, another calibration or another
migsim with one line, before anything is written; one without the record (written before it
was kept) resumes as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from migsim.core.errors import InputError

SMALL = ("population.size=2000", "years=2", "progress=false")
TOY = Path(__file__).resolve().parent.parent / "engine" / "data" / "toy"


@pytest.fixture
def made(tmp_path, compose_cfg):
    """(a copy of the toy world, the run directory of a checkpointed run on it)."""
    from migsim.runtime import runner

    world = tmp_path / "W"
    shutil.copytree(TOY, world)
    run = tmp_path / "R1"
    runner.run_simulation(compose_cfg(f"world.path={world}", *SMALL, "checkpoint_every=1"), run)
    return world, run


def _again(compose_cfg, tmp_path, world, run, how):
    """Resume the checkpoint of 2014, or start from that of 2013, into a new directory."""
    from migsim.runtime import runner

    if how == "resume":
        overrides = (f"resume={run / 'checkpoint-2014.npz'}", "checkpoint_every=1")
    else:
        overrides = (f"start_from={run / 'checkpoint-2013.npz'}", "regime=free_mobility")
    out = tmp_path / "R2"
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    try:
        return runner.run_simulation(compose_cfg(f"world.path={world}", *SMALL, *overrides), out)
    except InputError:  # refused before anything was written
        assert not out.exists() and {p.name: p.read_bytes() for p in run.iterdir()} == before
        raise


def _header(path: Path) -> dict:
    from migsim.runtime.resume_config import read_header

    return read_header(path)


@pytest.mark.parametrize("how", ["resume", "start_from"])
def test_other_world_data_is_refused(tmp_path, compose_cfg, made, how):
    world, run = made
    saved = _header(run / "checkpoint-2014.npz")["world_data"]
    regions = world / "regions.csv"
    regions.write_text(regions.read_text().replace(",0.35,", ",0.36,", 1))  # a tax rate
    from migsim.core.world_tables import tables_hash

    with pytest.raises(InputError) as info:
        _again(compose_cfg, tmp_path, world, run, how)
    assert str(info.value).endswith(
        f": the checkpoint was made with world data {saved[:8]}, this world's is "
        f"{tables_hash(world)[:8]} (allowed: the world the checkpoint was made with)"
    )
    assert info.value.where.startswith(how)


@pytest.mark.parametrize("how", ["resume", "start_from"])
def test_other_calibration_is_refused(tmp_path, compose_cfg, made, how):
    """The stored calibration replaced (its key kept, so it is still the one loaded)."""
    world, run = made
    stored = json.loads((world / "calibration.json").read_text())
    stored["policy_cost"][0][1][0] += 0.5
    (world / "calibration.json").write_text(json.dumps(stored))
    with pytest.raises(InputError, match="the checkpoint was made with calibration [0-9a-f]{8}, "):
        _again(compose_cfg, tmp_path, world, run, how)


@pytest.mark.parametrize("how", ["resume", "start_from"])
def test_other_migsim_version_is_refused(tmp_path, compose_cfg, made, monkeypatch, how):
    import migsim

    world, run = made
    was = migsim.__version__
    monkeypatch.setattr(migsim, "__version__", "99.0.0")
    with pytest.raises(InputError) as info:
        _again(compose_cfg, tmp_path, world, run, how)
    assert info.value.problem == f"the checkpoint was made by migsim {was}, this is migsim 99.0.0"


def test_checkpoint_without_the_record_resumes(tmp_path, compose_cfg, made):
    """A checkpoint written before the record was kept is not checked (world data edited
    since, as before), and a resumed run's checkpoints keep the record."""
    world, run = made
    path = run / "checkpoint-2014.npz"
    with np.load(path, allow_pickle=False) as npz:
        members = {name: npz[name] for name in npz.files}
    header = json.loads(members["header"].tobytes())
    assert {"world_data", "calibration", "migsim"} <= set(header)
    for key in ("world_data", "calibration", "migsim"):
        del header[key]
    members["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **members)
    regions = world / "regions.csv"
    regions.write_text(regions.read_text().replace(",0.35,", ",0.36,", 1))
    _again(compose_cfg, tmp_path, world, run, "resume")
    again = _header(tmp_path / "R2" / "checkpoint-2015.npz")
    assert again["world_data"] != _header(run / "checkpoint-2013.npz")["world_data"]
