"""A sharded run on Ray actors (one actor per shard, each synthesising its own people)
against the single-process run. Needs ray: `make test-ray` runs it in .venv-ray (CI does)."""

from __future__ import annotations

import pytest

from tests.test_shards import assert_same_run

ray = pytest.importorskip("ray", reason="ray is installed only in .venv-ray (make test-ray)")


@pytest.fixture(scope="module")
def local_ray():
    # 3 logical CPUs on this 2-core machine: the 3-shard run needs one per actor
    ray.init(num_cpus=3, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_sharded_toy_run_equals_single_process(run_toy, tmp_path, local_ray):
    common = ("regime=managed_liberalisation", "regime.add=[regularisation]")
    one = run_toy(tmp_path / "one", *common)
    two = run_toy(
        tmp_path / "ray", *common, "shards.count=2", "shards.backend=ray", "shards.cpus_per_shard=1"
    )
    assert two.result.manifest["shards"] == {"count": 2, "backend": "ray"}
    assert_same_run(one.run_dir, two.run_dir)


def test_ray_sharded_default_world_equals_single_process(run_toy, tmp_path, local_ray):
    common = ("world=default", "population.size=60000", "years=3")
    one = run_toy(tmp_path / "one", *common)
    three = run_toy(
        tmp_path / "ray", *common, "shards.count=3", "shards.backend=ray", "shards.cpus_per_shard=1"
    )
    assert three.result.manifest["shards"] == {"count": 3, "backend": "ray"}
    assert_same_run(one.run_dir, three.run_dir)


def test_more_shards_than_ray_cpus_is_refused(run_toy, tmp_path, local_ray):
    from migsim.core.errors import InputError

    with pytest.raises(InputError, match=r"4 shards x 1 CPUs need 4 Ray CPUs, the Ray cluster"):
        run_toy(
            tmp_path / "ray",
            "world=default",
            "population.size=10000",
            "shards.count=4",
            "shards.backend=ray",
            "shards.cpus_per_shard=1",
        )
    assert not (tmp_path / "ray" / "manifest.json").exists()


def test_shards_no_ray_node_has_the_memory_for_are_refused(run_toy, tmp_path, local_ray):
    """Each actor requests its shard's memory from Ray; a shard larger than any node offers
    is refused in one line before any actor starts (it would wait for a place for ever)."""
    from migsim.core.errors import InputError

    with pytest.raises(InputError, match=r"^population.size: the largest of 3 shards needs"):
        run_toy(
            tmp_path / "ray",
            "world=default",
            "population.size=2000000000",
            "shards.count=3",
            "shards.backend=ray",
            "shards.cpus_per_shard=1",
        )
    assert not (tmp_path / "ray" / "manifest.json").exists()


def test_ctrl_c_stops_a_ray_run_after_the_year(tmp_path):
    """Ctrl-C finishes the year and exits 130; the people on the workers are not pickled,
    so no checkpoint is written and no table either."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    run = tmp_path / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "world=toy",
            "population.size=200000",
            "years=200",
            "progress=false",
            "shards.count=2",
            "shards.backend=ray",
            "shards.cpus_per_shard=1",
            f"hydra.run.dir={run}",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = run / "progress.jsonl"
    deadline = time.time() + 180
    while time.time() < deadline and not (log.is_file() and log.read_text().count("\n") >= 2):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted" in err and "resume=" not in err
    assert not list(run.glob("checkpoint-*.npz"))
    assert not list(run.glob("*.parquet")) and not (run / "manifest.json").exists()


def test_unreachable_ray_address_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    run = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migsim.runtime.app",
            "world=toy",
            "population.size=2000",
            "years=1",
            "progress=false",
            "shards.backend=ray",
            "shards.address=127.0.0.1:1",
            f"hydra.run.dir={run}",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "migsim: error: shards.address=127.0.0.1:1: no Ray head answers there (allowed: "
        "empty (a local Ray), auto, or HOST:PORT of a running Ray head)"
    ]
    assert not (run / "manifest.json").exists()
