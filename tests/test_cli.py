"""The `migsim` command as a user meets it: one parser with help everywhere, data on stdout
and status on stderr, a run.log that says what happened, one line for every failure, and a
completion script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SMALL = ("world=toy", "population.size=2000", "years=2")
SUBCOMMANDS = [
    ["calibrate"],
    ["behaviours"],
    ["params"],
    ["compare"],
    ["game"],
    ["collect"],
    ["validate"],
    ["world"],
    ["world", "build"],
    ["world", "install"],
    ["world", "report"],
    ["world", "mappings"],
    ["world", "fit-history"],
    ["completion"],
]


def migsim(*args: str, cwd: Path = REPO_ROOT, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "migsim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help_that_exits_0(words, capsys):
    from migsim.cli import main

    with pytest.raises(SystemExit) as info:
        main([*words, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: migsim {' '.join(words)}"), out


def test_the_parser_knows_every_verb_the_help_lists():
    from migsim.cli import _verbs, build_parser
    from migsim.completion import _subparsers

    assert list(_subparsers(build_parser())) == list(_verbs())
    assert {w[0] for w in SUBCOMMANDS} | {"run"} == set(_verbs())


def test_top_level_help_and_version_and_hydra_help_of_run():
    top = migsim("--help")
    assert top.returncode == 0 and "world" in top.stdout and "completion" in top.stdout
    from migsim import __version__

    version = migsim("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"migsim {__version__}"
    run = migsim("run", "--help")  # Hydra's own help: the config groups
    assert run.returncode == 0, run.stderr
    assert "world:" in run.stdout or "== Config ==" in run.stdout


def test_a_usage_error_is_one_line_exit_2(capsys):
    from migsim.cli import main

    for words in (["nosuchverb"], ["world", "nosuchaction"], ["game", "NTH"]):
        with pytest.raises(SystemExit) as info:
            main(words)
        assert info.value.code == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and "error" in lines[0], lines


def test_a_bad_environment_value_is_one_line_exit_2(capsys, monkeypatch):
    from migsim.cli import main

    monkeypatch.setenv("MIGSIM_VECTOR_DRAWS", "yes")
    with pytest.raises(SystemExit) as info:
        main(["run", "world=toy"])
    assert info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "MIGSIM_VECTOR_DRAWS is 'yes'" in lines[0], lines


def test_overrides_without_a_verb_are_a_run(monkeypatch):
    """`migsim world=toy` is `migsim run world=toy`: the arguments reach Hydra unchanged."""
    import migsim.runtime.app as app
    from migsim.cli import main

    seen = []
    monkeypatch.setattr(app, "main", lambda argv: seen.append(argv))
    main(["world=toy", "-m", "seed=1,2"])
    main(["run", "--cfg", "job"])
    assert seen == [["world=toy", "-m", "seed=1,2"], ["--cfg", "job"]]


def test_run_streams_and_run_log(tmp_path):
    """stdout: the summary and the run directory, nothing else; stderr: the status lines and
    warnings; run.log: what was run, the calibration's source, the time of every year and
    step, and the warnings."""
    run_dir = tmp_path / "run"
    proc = migsim(
        "run", *SMALL, "regime=regional_blocs", "progress=false", f"hydra.run.dir={run_dir}"
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) == 2, out
    assert "world population" in out[0] and out[1] == f"migsim: run directory {run_dir}"
    assert "changes nothing" in proc.stderr and "world population" not in proc.stderr
    log = (run_dir / "run.log").read_text()
    assert "world toy, regime regional_blocs, 2000 agents, 2 years" in log
    assert "calibration: stored," in log and "calibration.json" in log
    assert "year 2014:" in log and "year 2015:" in log and "migration" in log
    assert "[WARNING]" in log and "changes nothing" in log


def test_hydra_lines_of_a_sweep_go_to_stderr(tmp_path):
    proc = migsim(
        "run", "-m", *SMALL, "progress=false", "seed=1,2", f"hydra.sweep.dir={tmp_path / 's'}"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Launching" in proc.stderr and "Launching" not in proc.stdout
    assert proc.stdout.count("run directory") == 2


def test_no_forced_hydra_full_error():
    text = (REPO_ROOT / "engine" / "runtime" / "app.py").read_text()
    assert 'environ.setdefault("HYDRA_FULL_ERROR"' not in text
    assert 'environ["HYDRA_FULL_ERROR"]' not in text


BROKEN = """
import sys

from migsim.runtime import runner


def broken(*args, **kwargs):
    raise ZeroDivisionError("a bug in the run")


runner.start_simulation = broken
from migsim.cli import main

main(sys.argv[1:])
"""


def test_an_unexpected_error_is_one_line_with_a_hint_exit_1(tmp_path):
    """A bug (here injected into the run's start) ends with one line naming it and how to
    see the traceback, and exit code 1."""
    env = {k: v for k, v in os.environ.items() if k not in ("MIGSIM_DEBUG", "HYDRA_FULL_ERROR")}
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-c", BROKEN, "run", *SMALL, f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and "migsim years" not in ln]
    assert len(lines) == 1, proc.stderr
    assert "ZeroDivisionError: a bug in the run" in lines[0]
    assert "MIGSIM_DEBUG=1" in lines[0] and "HYDRA_FULL_ERROR=1" in lines[0]
    assert "Traceback" in (run_dir / "run.log").read_text()
    env["HYDRA_FULL_ERROR"] = "1"
    debug = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_failed_run_keeps_its_traceback_in_run_log_only(tmp_path, monkeypatch, capsys):
    """A bug inside the run: one line on the terminal, the traceback in run.log."""
    from migsim.runtime import app, runner

    def broken(*args, **kwargs):
        raise ZeroDivisionError("inside the run")

    monkeypatch.setattr(app, "run_simulation", broken)
    monkeypatch.setattr(sys, "argv", ["migsim"])
    run_dir = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        app.main([*SMALL, f"hydra.run.dir={run_dir}"])
    assert info.value.code == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and "ZeroDivisionError: inside the run" in err[0], err
    assert "Traceback" in (run_dir / "run.log").read_text()
    del runner


def test_an_unavailable_launcher_is_one_line_exit_4(tmp_path):
    if shutil.which("srun"):
        pytest.skip("this machine has SLURM")
    proc = migsim("run", "-m", *SMALL, "hydra/launcher=slurm", f"hydra.sweep.dir={tmp_path / 's'}")
    assert proc.returncode == 4, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "launcher failed" in lines[0] and "srun" in lines[0]


def test_bad_input_stays_one_line_exit_2(tmp_path):
    proc = migsim("run", "world=toy", "years=0", f"hydra.run.dir={tmp_path / 'r'}")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "years" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_refused_run_leaves_no_empty_parents(tmp_path):
    """A refused run in a fresh directory leaves no `outputs/runs/` behind (Hydra made it
    for the run); one that existed before stays, and so does what it holds."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    proc = migsim("run", "world=toy", "years=0", cwd=fresh)
    assert proc.returncode == 2, proc.stderr
    assert list(fresh.iterdir()) == []
    proc = migsim("run", "world=toy", "years=0", "hydra.run.dir=a/b/c", cwd=fresh)
    assert proc.returncode == 2 and list(fresh.iterdir()) == []
    (fresh / "outputs" / "runs").mkdir(parents=True)
    proc = migsim("run", "world=toy", "years=0", cwd=fresh)
    assert proc.returncode == 2 and list((fresh / "outputs" / "runs").iterdir()) == []


def test_completion_script_completes_verbs_options_and_overrides(tmp_path):
    """The command docs/cli.md gives prints a bash script; sourced, it completes verbs,
    a verb's options and (through Hydra) config overrides after `run`."""
    proc = migsim("completion", "bash")
    assert proc.returncode == 0, proc.stderr
    script = proc.stdout
    assert "complete -o default -F _migsim_complete migsim" in script
    assert "--payoff" in script and "--mapping" in script
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    (tmp_path / "migsim.bash").write_text(script)
    shim = tmp_path / "bin" / "migsim"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m migsim "$@"\n')
    shim.chmod(0o755)

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        probe = (
            f"source {tmp_path / 'migsim.bash'}; COMP_WORDS=({line}); "
            f"COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'; COMP_POINT={len(line)}; "
            '_migsim_complete; printf "%s\\n" "${COMPREPLY[@]}"'
        )
        env = dict(os.environ, PATH=f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
        done = subprocess.run(
            [bash, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO_ROOT
        )
        return done.stdout.split()

    assert "validate" in complete("migsim", "val")
    assert complete("migsim", "game", "--pay") == ["--payoff"]
    assert "build" in complete("migsim", "world", "b")
    assert "world=toy" in complete("migsim", "run", "world=t")


def test_resume_works_as_printed_after_ctrl_c(tmp_path):
    """Ctrl-C prints `resume with: migsim run resume=PATH`; that command, run verbatim, takes
    the world, size and years from the checkpoint; an override that contradicts the
    checkpoint is refused with one line naming the key."""
    import json
    import shlex
    import signal
    import time

    from migsim.runtime.resume_config import resume_path

    # a sweep job's directory (`key=value`) under a name with a space: quoted as printed
    first = tmp_path / "first run" / "seed=3"
    cmd = [sys.executable, "-m", "migsim", "run", "world=toy", "population.size=2000"]
    cmd += ["years=40", "seed=3", "progress=false", f"hydra.run.dir='{first}'"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    progress = first / "progress.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if progress.is_file() and len(progress.read_text().splitlines()) >= 2:
            proc.send_signal(signal.SIGINT)
            break
        time.sleep(0.02)
    _, err = proc.communicate(timeout=240)
    err = err.decode()
    assert proc.returncode == 130, err
    line = next(ln for ln in err.splitlines() if "resume with: " in ln)
    printed = shlex.split(line.split("resume with: ", 1)[1])  # as the shell reads it
    assert printed[:2] == ["migsim", "run"] and printed[2].startswith("resume=")
    checkpoint = Path(resume_path(printed[2]))
    assert checkpoint.is_file()
    year = int(checkpoint.stem.split("-")[1])

    clash = migsim("run", printed[2], "seed=4", cwd=tmp_path)
    assert clash.returncode == 2, clash.stderr
    lines = clash.stderr.strip().splitlines()
    assert len(lines) == 1 and "seed=3" in lines[0] and "seed=4" in lines[0], lines

    done = migsim(*printed[1:], cwd=tmp_path)  # verbatim: `migsim` is `python -m migsim`
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.strip().splitlines()[-1].split("run directory ", 1)[1])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["world"] == "toy" and manifest["years"] == 40 and manifest["seed"] == 3
    assert manifest["agents"] == 2000
    assert manifest["summary"]["year"] == 2013 + 40 > year


def test_calibrate_takes_hydra_overrides_and_out():
    from migsim.cli import parse

    ns = parse(["calibrate", "world=toy", "--out", "cal.json", "+behaviour.params.a=1", "~x"])
    assert ns.out == "cal.json"
    assert ns.overrides == ["world=toy", "+behaviour.params.a=1", "~x"]


def test_a_reader_that_goes_away_is_no_bug(tmp_path):
    # `migsim params | true`: stdout's reader closes first; exit 141 as SIGPIPE, no message
    cmd = f"{sys.executable} -m migsim params | true; echo ${{PIPESTATUS[0]}}"
    proc = subprocess.run(
        ["bash", "-c", cmd], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == "141" and proc.stderr == "", (proc.stdout, proc.stderr)
