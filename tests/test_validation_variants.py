"""`migsim validate KEY=VALUE ...`: the experiments of a model variant, recorded in each run
directory and in the report, their changed verdicts named and no exit code set by them
(migsim.validation.variants); and the overrides every validation run directory records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from omegaconf import OmegaConf

from migsim.validation.runner import Runner, compose
from migsim.validation.variants import changed_verdicts

REPO_ROOT = Path(__file__).resolve().parent.parent
EXPERIMENT_CONFIGS = sorted(p.stem for p in (REPO_ROOT / "configs" / "experiment").glob("*.yaml"))
VARIANT = "economy.remit_family_drop=1.0"


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "migsim", "validate", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("experiment", EXPERIMENT_CONFIGS)
def test_the_recorded_overrides_compose_the_run_config(tmp_path, experiment):
    """What a run directory records composes the experiment's own config with the variant,
    the runner's size, seed and threads, and, for a status-quo baseline, the status quo's
    regime whatever regime keys the experiment sets: for every shipped experiment config,
    with a variant, another seed and the quick sizes."""
    runner = Runner(tmp_path, quick=True, seed_offset=2, threads=1, overrides=[VARIANT])
    own = compose([f"+experiment={experiment}", VARIANT])
    status_quo = OmegaConf.to_container(compose(["regime=status_quo"]).regime)
    for baseline in (False, True):
        recorded = runner.overrides_of(experiment, baseline)
        assert recorded[:2] == [f"+experiment={experiment}", VARIANT]
        cfg = runner.config(experiment, baseline)
        assert cfg == compose(recorded)
        assert cfg.population.size == max(20_000, own.population.size // 8)
        assert (cfg.seed, cfg.threads, cfg.progress) == (own.seed + 2, 1, False)
        assert cfg.economy == own.economy and cfg.behaviour == own.behaviour
        assert cfg.world == own.world and cfg.years == own.years
        regime = OmegaConf.to_container(cfg.regime)
        assert regime == (status_quo if baseline else OmegaConf.to_container(own.regime))


def test_a_variant_is_recorded_and_its_verdicts_set_no_exit_code(tmp_path):
    """Every sender without close family at origin silenced (drop 1.0): the regional split
    of E23 moves, the run exits 0 and names what differs from the declared verdicts, and
    the runs, the table and the report say which variant they are."""
    out = tmp_path / "val"
    done = validate("--quick", "--only", "E23", "--seeds", "1", "--out", str(out), VARIANT,
                    cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"with {VARIANT}, " in done.stdout
    recorded = yaml.safe_load(
        (out / "runs" / "e01_status_quo" / ".hydra" / "overrides.yaml").read_text()
    )
    assert recorded[:2] == ["+experiment=e01_status_quo", VARIANT]
    frame = pl.read_parquet(out / "validation.parquet")
    assert frame["overrides"].unique().to_list() == [VARIANT]
    assert f"model variant {VARIANT}" in (out / "validation.md").read_text()
    plain = validate("--quick", "--only", "E23", "--seeds", "1", "--out", str(tmp_path / "d"),
                     cwd=tmp_path)  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    default = pl.read_parquet(tmp_path / "d" / "validation.parquet")
    assert default["overrides"].unique().to_list() == [""]
    key = pl.col("quantity") == "remittances_received_regions_log_error"
    assert frame.filter(key)["simulated"][0] != pytest.approx(default.filter(key)["simulated"][0])


@pytest.mark.parametrize(
    "override,says",
    [
        ("years=3", "is not a model parameter a variant may set"),
        ("population.size=5", "is not a model parameter a variant may set"),
        ("regime=free_mobility", "is not a model parameter a variant may set"),
        ("~economy.savings_rate", "deletes a key"),
        ("economy.remit_family_drop=7", "out of range"),
        ("economy.no_such_key=1", "no_such_key"),
        ("behaviour=no_such_module", "no_such_module"),
    ],
)
def test_a_bad_override_is_one_line_and_exit_2_before_any_work(tmp_path, override, says):
    out = tmp_path / "val"
    done = validate("--only", "E23", "--out", str(out), override, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and says in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".staging-*"))


def test_the_documents_tables_are_never_a_variants(tmp_path):
    for flag in ("--check-readme", "--readme"):
        done = validate(VARIANT, flag, str(REPO_ROOT / "README.md"), cwd=tmp_path)
        assert done.returncode == 2
        assert "the documents' tables are the default model's" in done.stderr


def test_changed_verdicts_name_both_directions():
    frame = pl.DataFrame(
        {
            "experiment": ["E1", "E2", "E3"],
            "quantity": ["a", "b", "c"],
            "tier": ["out_of_sample", "fitted", "out_of_sample"],
            "status": ["unexpected pass", "FAIL", "pass"],
        }
    )
    lines = changed_verdicts(frame)
    assert lines == [
        "1 passes where the default model misses: E1:a (out_of_sample)",
        "1 misses where the default model passes: E2:b (fitted)",
    ]
    assert changed_verdicts(frame.filter(pl.col("status") == "pass")) == [
        "every decided verdict is the default model's declared one"
    ]
