"""Checkpoints: a resume continues exactly, whatever state the steps carry; a checkpoint is
checked before use (its header, then every array against what the config expects); a
malformed, truncated or foreign file is one InputError naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from migsim.core.errors import InputError

SMALL = ("world=toy", "population.size=2000", "years=1", "progress=false")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, compose_cfg):
    """(checkpoint of the base year, its config, the run's inputs)."""
    from migsim.runtime import runner
    from migsim.runtime.assemble import prepare

    run = tmp_path_factory.mktemp("ck") / "run"
    runner.run_simulation(compose_cfg(*SMALL, "checkpoint_every=1"), run)
    path = run / "checkpoint-2013.npz"
    cfg = compose_cfg(*SMALL, f"resume={path}")
    return path, cfg, prepare(cfg)


def _members(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _json(document: dict) -> np.ndarray:
    return np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)


def _load(path: Path, saved, people: bool = False):
    from migsim.runtime import checkpoint

    _, cfg, inputs = saved
    if people:
        return checkpoint.load_people(path, cfg, inputs.world)
    return checkpoint.load(path, cfg, world=inputs.world, calibration=inputs.calibration)


def _edit_state(members: dict, edit) -> None:
    state = json.loads(members["state"].tobytes())
    edit(state)
    members["state"] = _json(state)


def _retype(name, dtype):
    return lambda m: m.__setitem__(name, m[name].astype(dtype))


def _shorten(name):
    return lambda m: m.__setitem__(name, m[name][:-1])


def _drop(name):
    return lambda m: m.pop(name)


def _n_beyond(m):
    _edit_state(m, lambda s: s["shards"][0].__setitem__("n", 10**9))


def _foreign_class(m):
    def edit(s):
        s["steps"][0]["state"]["$dict"][0][1] = {"$object": "Popen", "fields": {}}

    _edit_state(m, edit)


def _other_steps(m):
    _edit_state(m, lambda s: s["steps"].pop())


def _bad_header(m):
    m["header"] = np.frombuffer(b"{not json", dtype=np.uint8)


MALFORMED = {
    "column dtype": (_retype("shard0.age", np.int64), "shard0.age has dtype int64, not uint8"),
    "column length": (_shorten("shard0.wealth"), "shard0.wealth has"),
    "column missing": (_drop("shard0.status"), "'shard0.status' is missing"),
    "weight shape": (_shorten("shard0.weight"), "shard0.weight has shape"),
    "rows in use": (_n_beyond, "n=1000000000 outside"),
    "class name": (_foreign_class, "unknown value tag '$object'"),
    "steps": (_other_steps, "holds the steps"),
    "state": (_drop("state"), "no state member"),
    "header": (_bad_header, "JSONDecodeError"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_checkpoint_is_one_line(tmp_path, saved, case):
    edit, needle = MALFORMED[case]
    members = _members(saved[0])
    edit(members)
    path = tmp_path / "checkpoint-2013.npz"
    np.savez(path, **members)
    with pytest.raises(InputError) as info:
        _load(path, saved)
    assert info.value.where == f"resume={path}"
    assert "is corrupt or not a checkpoint" in info.value.problem and needle in str(info.value)


def test_start_from_checks_the_columns_too(tmp_path, saved):
    members = _members(saved[0])
    members["shard0.location"] = members["shard0.location"].astype(np.float32)
    path = tmp_path / "checkpoint-2013.npz"
    np.savez(path, **members)
    with pytest.raises(InputError, match="shard0.location has dtype float32, not uint16"):
        _load(path, saved, people=True)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "is not a migsim checkpoint"),
        (b"year,people\n2013,5\n", "is not a migsim checkpoint"),
        (None, "is corrupt or not a checkpoint (BadZipFile)"),  # the first half of a real one
    ],
    ids=["empty", "text", "truncated"],
)
def test_garbage_or_truncated_file_is_one_line(tmp_path, saved, content, needle):
    path = tmp_path / "checkpoint-2013.npz"
    whole = saved[0].read_bytes()
    path.write_bytes(whole[: len(whole) // 2] if content is None else content)
    with pytest.raises(InputError) as info:
        _load(path, saved)
    assert needle in str(info.value) and "checkpoint-YEAR.npz" in str(info.value)


def test_checkpoint_of_another_format_names_it(tmp_path, saved):
    members = _members(saved[0])
    header = json.loads(members["header"].tobytes())
    members["header"] = _json(dict(header, format="migsim-checkpoint-9"))
    path = tmp_path / "checkpoint-2013.npz"
    np.savez(path, **members)
    with pytest.raises(InputError, match="written in the format migsim-checkpoint-9"):
        _load(path, saved)


def test_checkpoint_round_trip_keeps_the_state(saved):
    """Every person column, the year state and the records come back as saved."""
    from migsim.runtime import checkpoint_state

    sim = _load(saved[0], saved)
    document, arrays = checkpoint_state.to_arrays(sim, saved[1])
    again = checkpoint_state.from_arrays(
        document, arrays, saved[1], sim.world, saved[2].calibration
    )
    for name, column in sim.population.columns().items():
        assert np.array_equal(again.population.columns()[name], column), name
    assert sim.population.family[: sim.population.n].any()  # the family flags came back
    assert again.population.n == sim.population.n and again.next_id == sim.next_id
    assert again.key == sim.key and again.year == sim.year == 2013
    assert all(
        a.equals(b) for a, b in zip(again.records["regions"], sim.records["regions"], strict=True)
    )
    economy = sim.steps[-1]
    assert again.steps[-1].policy is again.steps[0].policy  # shared, as when it was built
    assert np.array_equal(again.steps[-1].remit_scale, economy.remit_scale)


@pytest.mark.parametrize(
    "regime, extra",
    [
        ("free_mobility_dms", ()),
        ("global_skill_partnership", ()),
        ("regularisation", ()),
        # the Gulf's tied permits (the default world's) settled in the first year
        ("gulf_settlement", ("world=default", "population.size=20000")),
    ],
    ids=["catch_up", "partnership", "regularise", "settlement"],
)
def test_resume_is_exact_whatever_the_steps_carry(tmp_path, compose_cfg, regime, extra):
    """Regimes whose steps keep state between years (catch-up cells, graduates owed to a
    partnership, a one-off regularisation or settlement done) resume to the same bytes."""
    from migsim.runtime import runner

    common = (*SMALL, *extra, "years=3", f"regime={regime}")
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    result = runner.run_simulation(compose_cfg(*common, "checkpoint_every=1"), full)
    saved = full / "checkpoint-2014.npz"
    runner.run_simulation(compose_cfg(*common, f"resume={saved}"), resumed)
    for table in result.manifest["tables"]:
        assert (full / table).read_bytes() == (resumed / table).read_bytes(), table


def test_step_holding_a_function_stops_the_first_checkpoint(tmp_path, compose_cfg, monkeypatch):
    """A step attribute a checkpoint cannot store is named in one line, before any year."""
    from migsim.runtime import runner
    from migsim.steps.education import EducationStep

    built = EducationStep.build.__func__

    def build(cls, ctx):
        step = built(cls, ctx)
        step.notify = print  # a function: not data
        return step

    monkeypatch.setattr(EducationStep, "build", classmethod(build))
    with pytest.raises(InputError) as info:
        runner.run_simulation(compose_cfg(*SMALL, "checkpoint_every=1"), tmp_path / "run")
    assert info.value.where == "step 'education'"
    assert "builtin_function_or_method, which a checkpoint cannot store" in info.value.problem
    assert not list(tmp_path.rglob("checkpoint-*"))
