"""A checkpoint pins the world's data, the calibration and the migsim version and code that
made it: `resume` and `start_from` refuse one made with other tables, another calibration,
another migsim or the same version's sources edited, with one line, before anything is
written; one without the record (written before it was kept) resumes as before."""

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


@pytest.mark.parametrize("how", ["resume", "start_from"])
def test_edited_sources_are_refused(tmp_path, compose_cfg, made, monkeypatch, how):
    """A checkout edited since the checkpoint, its version string unchanged."""
    from migsim.runtime import checkpoint_origin

    world, run = made
    saved = _header(run / "checkpoint-2014.npz")["migsim_code"]
    assert saved == checkpoint_origin.code_hash()
    monkeypatch.setattr(checkpoint_origin, "code_hash", lambda: "0123456789abcdef")
    with pytest.raises(InputError) as info:
        _again(compose_cfg, tmp_path, world, run, how)
    assert info.value.problem == (
        f"the checkpoint was made by migsim {checkpoint_origin.version()} with other source "
        f"files (code {saved[:8]}, this is 01234567): its run would not continue as it began"
    )
    assert info.value.allowed == "a checkpoint made by this code, or a new run"


def test_code_hash_reads_every_source_file(tmp_path, monkeypatch):
    """The hash changes with any .py file of the three packages and with nothing else, and a
    checkout's three directories hash as the wheel's one directory of the same files."""
    import migsim
    import migsim.configs
    import migsim.kernels
    from migsim.runtime import checkpoint_origin

    def lay_out(engine: Path, kernels: Path, configs: Path) -> None:
        for d in (engine / "sub", kernels, configs):
            d.mkdir(parents=True, exist_ok=True)
        (engine / "a.py").write_text("x = 1\n")
        (engine / "sub" / "b.py").write_text("y = 2\n")
        (kernels / "k.py").write_text("z = 3\n")
        (configs / "__init__.py").write_text("")

    def hashed(engine: Path, kernels: Path, configs: Path) -> str:
        monkeypatch.setattr(migsim, "__path__", [str(engine)])
        monkeypatch.setattr(migsim.kernels, "__path__", [str(kernels)])
        monkeypatch.setattr(migsim.configs, "__path__", [str(configs)])
        checkpoint_origin.code_hash.cache_clear()
        return checkpoint_origin.code_hash()

    checkout = (tmp_path / "engine", tmp_path / "kernels", tmp_path / "configs")
    wheel = (tmp_path / "migsim", tmp_path / "migsim" / "kernels", tmp_path / "migsim" / "configs")
    try:
        lay_out(*checkout)
        lay_out(*wheel)
        first = hashed(*checkout)
        assert hashed(*wheel) == first
        (tmp_path / "engine" / "notes.txt").write_text("not code")
        assert hashed(*checkout) == first
        (tmp_path / "kernels" / "k.py").write_text("z = 4\n")
        assert hashed(*checkout) != first
        (tmp_path / "kernels" / "k.py").write_text("z = 3\n")
        (tmp_path / "engine" / "sub" / "c.py").write_text("")
        assert hashed(*checkout) != first
    finally:
        checkpoint_origin.code_hash.cache_clear()


def test_checkpoint_without_the_record_resumes(tmp_path, compose_cfg, made):
    """A checkpoint written before the record was kept is not checked (world data edited
    since, as before), and a resumed run's checkpoints keep the record."""
    world, run = made
    path = run / "checkpoint-2014.npz"
    with np.load(path, allow_pickle=False) as npz:
        members = {name: npz[name] for name in npz.files}
    header = json.loads(members["header"].tobytes())
    assert {"world_data", "calibration", "migsim", "migsim_code"} <= set(header)
    for key in ("world_data", "calibration", "migsim", "migsim_code"):
        del header[key]
    members["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **members)
    regions = world / "regions.csv"
    regions.write_text(regions.read_text().replace(",0.35,", ",0.36,", 1))
    _again(compose_cfg, tmp_path, world, run, "resume")
    again = _header(tmp_path / "R2" / "checkpoint-2015.npz")
    assert again["world_data"] != _header(run / "checkpoint-2013.npz")["world_data"]


def test_ctrl_c_mid_year_names_the_last_checkpoint(tmp_path, compose_cfg, monkeypatch, capsys):
    """A second Ctrl-C stops a year half done: no checkpoint of that year, but the run
    resumes from the last one written, which the one line names with its command."""
    from migsim.runtime import app, runner
    from migsim.runtime.simulation import Simulation

    step, years = Simulation.step, []

    def stopped_in_the_third_year(self):
        if len(years) == 2:
            raise KeyboardInterrupt
        years.append(self.year)
        return step(self)

    monkeypatch.setattr(Simulation, "step", stopped_in_the_third_year)
    run = tmp_path / "R"
    cfg = compose_cfg("world=toy", "population.size=2000", "years=5", "progress=false")
    cfg.checkpoint_every = 1
    with pytest.raises(KeyboardInterrupt) as info:
        runner.run_simulation(cfg, run)
    assert info.value.checkpoint == run / "checkpoint-2015.npz" and info.value.earlier
    with pytest.raises(SystemExit) as done:
        app.guarded(lambda: (_ for _ in ()).throw(info.value))
    assert done.value.code == 130
    line = capsys.readouterr().err.strip()
    assert line == (
        "migsim: interrupted; tables of the interrupted run were not written; its last "
        f"checkpoint is checkpoint-2015.npz; resume with: migsim run resume={run}/"
        "checkpoint-2015.npz"
    )
