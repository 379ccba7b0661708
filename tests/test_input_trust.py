"""migsim calls only allowed Python callables, whatever the config, data file, checkpoint or
command line says (docs/plugins.md, "Trust: what migsim runs")."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

REPO_ROOT = Path(__file__).resolve().parent.parent
TOY = ("world=toy", "population.size=2000", "years=1", "progress=false")


def run_cli(*args: str, run_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "migsim.runtime.app", *args, f"hydra.run.dir={run_dir}"]
    return subprocess.run(
        cmd,
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _open_callback(victim: Path, how: str) -> list[str]:
    if how == "keys":
        return [
            "+hydra.callbacks.x._target_=builtins.open",
            f"+hydra.callbacks.x.file={victim}",
            "+hydra.callbacks.x.mode=w",
        ]
    return [f"+hydra.callbacks.x={{_target_:builtins.open,file:'{victim}',mode:w}}"]


@pytest.mark.parametrize("how", ["keys", "dict"])
def test_callback_target_not_allowed(tmp_path, how):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    proc = run_cli(*TOY, *_open_callback(victim, how), run_dir=tmp_path / "run")
    one_line_error(proc, "hydra.callbacks.x", "builtins.open", "CompareCallback")
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_nested_target_in_allowed_callback(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    proc = run_cli(
        *TOY,
        f"hydra.callbacks.compare.baseline={{_target_:builtins.open,file:'{victim}',mode:w}}",
        run_dir=tmp_path / "run",
    )
    one_line_error(proc, "hydra.callbacks.compare.baseline._target_", "builtins.open")
    assert victim.read_text() == "keep me"


def test_launcher_and_logging_targets_not_allowed(tmp_path):
    proc = run_cli(*TOY, "hydra.launcher._target_=builtins.breakpoint", run_dir=tmp_path / "a")
    one_line_error(proc, "hydra.launcher._target_", "builtins.breakpoint")
    proc = run_cli(
        *TOY, "+hydra.job_logging.handlers.h={class:builtins.exit}", run_dir=tmp_path / "b"
    )
    one_line_error(proc, "hydra.job_logging", "builtins.exit")


def test_experimental_rerun_refused(tmp_path):
    proc = run_cli("--experimental-rerun", str(tmp_path / "x.pickle"), run_dir=tmp_path / "r")
    one_line_error(proc, "--experimental-rerun")


def test_opt_in_allows_own_callback(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    proc = run_cli(
        *TOY,
        *_open_callback(victim, "keys"),
        run_dir=tmp_path / "run",
        env={"MIGSIM_ALLOW_TARGETS": "builtins.open"},
    )
    # allowed: Hydra instantiates it (and then the callback object is not a Callback)
    assert "not an allowed target" not in proc.stderr
    assert victim.read_text() == ""


def test_shipped_callback_still_allowed():
    from migsim.runtime.trust import check_node

    check_node(
        "hydra",
        {"callbacks": {"compare": {"_target_": "migsim.runtime.callbacks.CompareCallback"}}},
    )


@pytest.mark.parametrize("target", ["builtins:exit", "builtins:breakpoint", "os:getcwd"])
def test_plugin_callable_is_not_called(tmp_path, target):
    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            *TOY,
            f"behaviour.plugin={target}",
            f"hydra.run.dir={run_dir}",
        ],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    one_line_error(proc, f"behaviour.plugin={target}", "not a migsim Behaviour")
    assert not run_dir.exists() or not any(run_dir.glob("*.parquet"))
    assert not (run_dir / "manifest.json").exists()


def test_entry_point_object_must_be_a_behaviour(monkeypatch):
    import importlib.metadata

    from migsim.core.errors import InputError
    from migsim.model import plugins

    ep = importlib.metadata.EntryPoint("evil", "builtins:exit", plugins.ENTRY_POINT_GROUP)
    monkeypatch.setattr(plugins, "_entry_points", lambda: {"evil": ep})
    with pytest.raises(InputError, match="not a migsim Behaviour"):
        plugins.load_behaviour(OmegaConf.create({"plugin": "evil"}))


def test_module_behaviour_instance_works():
    from migsim.model import plugins

    got = plugins.load_behaviour(OmegaConf.create({"plugin": "migsim.model.plugins:DEFAULT"}))
    assert isinstance(got, plugins.Behaviour)


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def checkpoint_file(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("ck") / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.runtime.app", *TOY, "checkpoint_every=1",
         f"hydra.run.dir={run}"],
        check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return run / "checkpoint-2013.npz"


def _members(checkpoint: Path) -> dict:
    with np.load(checkpoint, allow_pickle=False) as saved:
        return {name: saved[name] for name in saved.files}


@pytest.mark.parametrize("field", ["resume", "start_from"])
def test_old_pickled_checkpoint_is_refused_without_running(tmp_path, field):
    """A format-3 checkpoint (a JSON line, then a pickle) whose pickle calls os.system."""
    marker = tmp_path / "MARKER"
    header = {"format": "migsim-checkpoint-3", "config_hash": "", "base_hash": "", "year": 2013}
    crafted = tmp_path / "checkpoint-2013.pkl"
    crafted.write_bytes(json.dumps(header).encode() + b"\n" + pickle.dumps(_Evil(marker)))
    proc = run_cli(*TOY, "years=2", f"{field}={crafted}", run_dir=tmp_path / "run")
    one_line_error(proc, f"{field}={crafted}", "older format migsim-checkpoint-3", ".npz")
    assert not marker.exists()


@pytest.mark.parametrize("field, member", [("resume", "state"), ("start_from", "shard0.wealth")])
def test_checkpoint_holding_a_pickled_array_is_not_run(tmp_path, checkpoint_file, field, member):
    """The right header (format, config hash) and a member that is a pickled object array."""
    marker = tmp_path / "MARKER"
    members = _members(checkpoint_file)
    members[member] = np.array([_Evil(marker)], dtype=object)
    crafted = tmp_path / "crafted.npz"
    np.savez(crafted, **members)
    proc = run_cli(*TOY, "years=2", f"{field}={crafted}", run_dir=tmp_path / "run")
    one_line_error(proc, f"{field}={crafted}", "corrupt or not a checkpoint")
    assert not marker.exists()


def test_bare_pickle_checkpoint_is_not_unpickled(tmp_path):
    marker = tmp_path / "MARKER"
    crafted = tmp_path / "crafted.pkl"
    crafted.write_bytes(pickle.dumps({"format": "migsim-checkpoint-2", "sim": _Evil(marker)}))
    proc = run_cli(*TOY, "years=2", f"resume={crafted}", run_dir=tmp_path / "run")
    one_line_error(proc, f"resume={crafted}", "bare pickle")
    assert not marker.exists()


def test_loading_a_checkpoint_never_unpickles(checkpoint_file, monkeypatch, compose_cfg):
    """With every pickle entry point raising, a checkpoint loads, and the year simulated from
    it equals the one the uninterrupted run saved next."""
    from migsim.runtime import checkpoint
    from migsim.runtime.assemble import prepare

    cfg = compose_cfg(*TOY, f"resume={checkpoint_file}")
    inputs = prepare(cfg)

    def refuse(*args, **kwargs):
        raise AssertionError("a checkpoint was unpickled")

    with monkeypatch.context() as patch:
        for name in ("load", "loads", "Unpickler", "_Unpickler"):
            patch.setattr(pickle, name, refuse)
        sim = checkpoint.load(
            checkpoint_file, cfg, world=inputs.world, calibration=inputs.calibration
        )
        following = checkpoint.load(
            checkpoint_file.with_name("checkpoint-2014.npz"),
            cfg,
            world=inputs.world,
            calibration=inputs.calibration,
        )
    assert sim.year == 2013 and [s.name for s in sim.steps] == ["education", "migration", "economy"]
    sim.step()
    assert sim.records["regions"][-1].equals(following.records["regions"][-1])
    assert sim.records["stocks"][-1].equals(following.records["stocks"][-1])
