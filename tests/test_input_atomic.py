"""Every failure of a run is one line with a documented exit code, and a run directory
appears complete or not at all."""

from __future__ import annotations

import errno
import os

import pytest

from migsim.runtime.app import guarded


def _exit(fn, capsys) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as info:
        guarded(fn)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    return info.value.code, lines


def _raise(exc):
    def fn():
        raise exc

    return fn


def test_disk_full_is_an_environment_error_exit_4(capsys):
    code, lines = _exit(
        _raise(OSError(errno.ENOSPC, "No space left on device", "x.parquet")), capsys
    )
    assert code == 4
    assert len(lines) == 1 and "disk full" in lines[0] and "x.parquet" in lines[0]


def test_quota_exceeded_is_disk_full(capsys):
    code, lines = _exit(_raise(OSError(errno.EDQUOT, "Disk quota exceeded")), capsys)
    assert code == 4 and len(lines) == 1 and "disk full" in lines[0]


def test_out_of_memory_is_exit_4(capsys):
    code, lines = _exit(_raise(MemoryError()), capsys)
    assert code == 4 and len(lines) == 1 and "out of memory" in lines[0]


def test_missing_launcher_module_is_exit_4(capsys):
    exc = ModuleNotFoundError("No module named 'submitit'", name="submitit")
    code, lines = _exit(_raise(exc), capsys)
    assert code == 4 and len(lines) == 1 and "submitit" in lines[0]


def test_a_bug_is_one_line_exit_1_asking_for_a_report(capsys, monkeypatch):
    monkeypatch.delenv("MIGSIM_DEBUG", raising=False)
    code, lines = _exit(_raise(ZeroDivisionError("division by zero\nsecond line")), capsys)
    assert code == 1 and len(lines) == 1
    assert "internal error: ZeroDivisionError: division by zero" in lines[0]
    assert "report" in lines[0] and "MIGSIM_DEBUG=1" in lines[0]


def test_debug_shows_the_traceback(capsys, monkeypatch):
    monkeypatch.setenv("MIGSIM_DEBUG", "1")
    code, lines = _exit(_raise(ZeroDivisionError("boom")), capsys)
    assert code == 1 and any("Traceback" in ln for ln in lines)


SMALL = ("world=toy", "population.size=2000", "years=2", "progress=false")


def test_fault_in_the_writer_of_a_real_run_is_exit_4(tmp_path, monkeypatch, capsys, compose_cfg):
    from migsim.runtime import outputs, runner

    def full(self, name, frame):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.staging / name))

    monkeypatch.setattr(outputs.RunWriter, "table", full)
    run_dir = tmp_path / "run"
    code, lines = _exit(lambda: runner.run_simulation(compose_cfg(*SMALL), run_dir), capsys)
    assert code == 4 and len(lines) == 1 and "disk full" in lines[0]


def _leftovers(tmp_path):
    return sorted(
        str(p.relative_to(tmp_path))
        for p in tmp_path.rglob("*")
        if p.name.endswith(".tmp") or "staging" in p.name
    )


def test_disk_full_at_the_commit_leaves_no_table_and_no_staging(tmp_path, monkeypatch, compose_cfg):
    from migsim.runtime import outputs, runner

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.log").write_text("hydra's log\n")
    real_write_text = outputs.Path.write_text

    def full(self, text, *args, **kwargs):
        if self.name == outputs.MANIFEST:
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_text(self, text, *args, **kwargs)

    monkeypatch.setattr(outputs.Path, "write_text", full)
    with pytest.raises(OSError):
        runner.run_simulation(compose_cfg(*SMALL), run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == ["progress.jsonl", "run.log"]
    assert (run_dir / "run.log").read_text() == "hydra's log\n"
    assert _leftovers(tmp_path) == []


def test_tables_and_manifest_appear_in_one_rename(tmp_path, monkeypatch, compose_cfg):
    """Whatever the moment a commit fails, the run directory has all of the tables and
    the manifest, or none of them."""
    from migsim.runtime import outputs, runner

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".hydra").mkdir()
    (run_dir / ".hydra" / "config.yaml").write_text("a: 1\n")
    renames = []
    real_rename = outputs.os.rename

    def watched(src, dst):
        renames.append((str(src), str(dst)))
        return real_rename(src, dst)

    monkeypatch.setattr(outputs.os, "rename", watched)
    monkeypatch.setattr(outputs.os, "replace", watched)
    runner.run_simulation(compose_cfg(*SMALL), run_dir)
    into_run_dir = [d for s, d in renames if outputs.Path(d).parent == run_dir]
    assert into_run_dir == [], into_run_dir  # nothing is moved into the run directory file by file
    assert renames[-1][1] == str(run_dir)
    names = {p.name for p in run_dir.iterdir()}
    assert {"manifest.json", "regions.parquet", ".hydra", "progress.jsonl"} <= names
    assert (run_dir / ".hydra" / "config.yaml").read_text() == "a: 1\n"
    assert _leftovers(tmp_path) == []


def test_disk_full_while_writing_a_checkpoint_leaves_no_tmp(tmp_path, monkeypatch, compose_cfg):
    from migsim.runtime import checkpoint, runner

    real_fsync = checkpoint.os.fsync

    def full(fd):
        os.write(fd, b"partial")
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    # the state is written, then the disk is full when the file is flushed to it
    monkeypatch.setattr(checkpoint.os, "fsync", full)
    run_dir = tmp_path / "run"
    with pytest.raises(OSError):
        runner.run_simulation(compose_cfg(*SMALL, "checkpoint_every=1"), run_dir)
    assert list(run_dir.glob("checkpoint-*")) == []
    assert list(run_dir.glob("*.parquet")) == []
    assert _leftovers(tmp_path) == []


def _interrupt_once(monkeypatch, cls, name):
    """Patch `cls.name` to send SIGINT to this process once, as Ctrl-C does."""
    import os
    import signal

    original = getattr(cls, name)
    sent = []

    def patched(self, *args, **kwargs):
        if not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, patched)
    return sent


def test_ctrl_c_while_the_tables_are_written_finishes_the_run(tmp_path, monkeypatch, compose_cfg):
    from migsim.analysis.runs import is_complete
    from migsim.runtime import outputs, runner

    sent = _interrupt_once(monkeypatch, outputs.RunWriter, "table")
    run_dir = tmp_path / "run"
    result = runner.run_simulation(compose_cfg(*SMALL), run_dir)
    assert sent and is_complete(run_dir)
    assert set(result.manifest["tables"]) <= {p.name for p in run_dir.iterdir()}
    assert _leftovers(tmp_path) == []


def test_ctrl_c_during_the_last_year_finishes_the_run(tmp_path, monkeypatch, compose_cfg):
    from migsim.analysis.runs import is_complete
    from migsim.runtime import runner, simulation

    calls = {"n": 0}
    original = simulation.Simulation.step

    def step(self):
        calls["n"] += 1
        if calls["n"] == 2:  # SMALL runs 2 years
            import os
            import signal

            os.kill(os.getpid(), signal.SIGINT)
        return original(self)

    monkeypatch.setattr(simulation.Simulation, "step", step)
    run_dir = tmp_path / "run"
    runner.run_simulation(compose_cfg(*SMALL), run_dir)
    assert calls["n"] == 2 and is_complete(run_dir)
    assert not list(run_dir.glob("checkpoint-*"))


def test_ctrl_c_before_the_last_year_still_stops_with_a_checkpoint(
    tmp_path, monkeypatch, compose_cfg
):
    from migsim.runtime import runner, simulation

    _interrupt_once(monkeypatch, simulation.Simulation, "step")
    run_dir = tmp_path / "run"
    with pytest.raises(runner.Interrupted) as info:
        runner.run_simulation(compose_cfg(*SMALL), run_dir)
    assert info.value.checkpoint is not None and info.value.checkpoint.is_file()
    assert not list(run_dir.glob("*.parquet")) and _leftovers(tmp_path) == []


def test_a_rejected_run_leaves_no_run_directory(tmp_path):
    import subprocess
    import sys

    run_dir = tmp_path / "outputs" / "runs" / "rejected"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.cli",
            "run",
            "population.size=-5",
            f"hydra.run.dir={run_dir}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "population.size" in proc.stderr
    assert not run_dir.exists()


def test_a_directory_with_other_files_is_kept(tmp_path):
    from migsim.runtime.app import remove_rejected

    (tmp_path / ".hydra").mkdir()
    (tmp_path / "notes.txt").write_text("mine")
    assert not remove_rejected(tmp_path) and (tmp_path / "notes.txt").is_file()
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "run.log").write_text("a log line\n")
    assert not remove_rejected(tmp_path) and (tmp_path / "run.log").is_file()


def test_a_population_too_large_for_memory_is_refused(monkeypatch, capsys, compose_cfg, tmp_path):
    from migsim.runtime import memory, runner

    monkeypatch.setattr(memory, "limits", lambda: [(64 * 2**20, "cgroup memory.max")])
    cfg = compose_cfg(*SMALL)
    code, lines = _exit(lambda: runner.run_simulation(cfg, tmp_path / "run"), capsys)
    assert code == 2 and len(lines) == 1
    need = memory.estimate_bytes(2000, cfg.population.spare_capacity) / memory.GIB
    assert lines[0].startswith("migsim: error: population.size: 2,000 people need about")
    assert f"{need:.1f} GiB" in lines[0]
    assert "0.1 GiB is available (cgroup memory.max)" in lines[0]
    assert "memory_check=false" in lines[0]
    assert not list((tmp_path / "run").glob("*.parquet"))


def test_memory_check_false_runs_anyway(monkeypatch, compose_cfg):
    from migsim.runtime import memory, runner

    monkeypatch.setattr(memory, "limits", lambda: [(64 * 2**20, "MemAvailable")])
    result = runner.simulate(compose_cfg(*SMALL, "memory_check=false"))
    assert result.summary["population"] > 0


def test_the_estimate_covers_the_population_arrays():
    from migsim.people.population import BYTES_PER_PERSON
    from migsim.runtime import memory

    big = memory.estimate_bytes(2_000_000_000, 0.15)
    assert big > 1.15 * 2_000_000_000 * BYTES_PER_PERSON
    assert memory.estimate_bytes(1_000_000, 0.15) < 2**30  # the default run is never refused


@pytest.mark.parametrize("status, code", [("FAIL", 3), ("unexpected pass", 3), ("pass", 0)])
def test_validate_exits_3_on_a_failed_verdict(tmp_path, monkeypatch, status, code):
    import polars as pl

    from migsim.validation import cli

    frame = pl.DataFrame(
        {
            "status": [status, "pass"],
            "tier": ["out_of_sample", "out_of_sample"],
            "passed": [status != "FAIL", True],
        }
    )
    monkeypatch.setattr(cli, "run_all", lambda *args, **kwargs: (frame, None))
    monkeypatch.setattr(cli, "write_report", lambda *args: None)
    assert cli.validate_command(["--out", str(tmp_path / "v")]) == code
