"""The Python API as a notebook uses it: Hydra state of the caller's own, one-line errors for
values given as a dict, and a Result saved as the run directory `migsim run` writes."""

from __future__ import annotations

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

import migsim
from migsim.core.errors import InputError


def test_compose_inside_the_callers_own_hydra_uses_migsims_configs(tmp_path):
    (tmp_path / "config.yaml").write_text("mine: 1\n")
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        cfg = migsim.compose(["world=toy"])
        assert cfg.world.name == "toy"
        assert dict(hydra_compose("config")) == {"mine": 1}  # the caller's Hydra, as it was
    assert not GlobalHydra.instance().is_initialized()


def test_compose_leaves_no_hydra_state_behind_after_a_refusal():
    with pytest.raises(InputError, match="regime"):
        migsim.compose(["world=toy", "regime=no_such_regime"])
    assert not GlobalHydra.instance().is_initialized()
    assert migsim.compose(["world=toy"]).world.name == "toy"


@pytest.mark.parametrize(
    ("overrides", "key", "value", "allowed"),
    [
        (["world=toy", "years=abc"], "years", "abc", "1 to 500"),
        ({"world": "toy", "years": "abc"}, "years", "abc", "1 to 500"),
        ({"world": "toy", "population": {"size": "x"}}, "population.size", "x", "1,000 to"),
    ],
)
def test_a_value_of_the_wrong_type_is_one_line_with_one_allowed(overrides, key, value, allowed):
    with pytest.raises(InputError) as refused:
        migsim.compose(overrides)
    error = refused.value
    assert error.where == key
    assert error.problem.startswith(f"'{value}': ")  # the value as given, quoted once
    assert error.allowed.startswith(allowed)
    assert str(error).count("(allowed:") == 1


SNAPSHOT = ["world=toy", "population.size=5000", "years=1", "progress=false", "snapshot=true"]


@pytest.fixture(scope="module")
def snapshot_run(tmp_path_factory):
    return migsim.run(SNAPSHOT, out=tmp_path_factory.mktemp("snap") / "run")


def _people_metadata(path):
    import pyarrow.parquet as pq

    meta = pq.read_schema(path / "people.parquet").metadata
    return {k: v for k, v in meta.items() if k.startswith(b"migsim.")}


def test_saving_a_snapshot_run_kept_in_memory_writes_its_people(snapshot_run, tmp_path):
    in_memory = migsim.run(SNAPSHOT)
    assert "people" not in in_memory.tables and in_memory.people is not None
    saved = migsim.load_run(in_memory.save(tmp_path / "copy"))
    assert "people.parquet" in saved.manifest["tables"]
    written = migsim.load_run(snapshot_run.run_dir)  # the same run with out=
    assert saved.table("people").equals(written.table("people"))
    assert _people_metadata(saved.run_dir) == _people_metadata(snapshot_run.run_dir)


def test_saving_a_run_read_from_disk_keeps_the_peoples_weights(snapshot_run, tmp_path):
    loaded = migsim.load_run(snapshot_run.run_dir)
    loaded.table("people")  # read before saving: the file is still what is written
    copy = loaded.save(tmp_path / "copy")
    assert _people_metadata(copy) == _people_metadata(snapshot_run.run_dir)
    assert b"migsim.weight" in _people_metadata(copy)


def test_a_saved_run_holds_its_config_under_hydra(snapshot_run, tmp_path):
    import yaml

    for result in (migsim.run(SNAPSHOT), migsim.load_run(snapshot_run.run_dir)):
        copy = result.save(tmp_path / str(id(result)))
        config = yaml.safe_load((copy / ".hydra" / "config.yaml").read_text())
        assert config["world"]["name"] == "toy" and config["snapshot"] is True


@pytest.mark.parametrize("text", ["/data/o'brien's world", "C:\\worlds\\", "a\\'b", "x y=z,w"])
def test_text_in_a_dict_of_overrides_is_taken_as_it_is(text):
    assert migsim.compose({"world": {"path": text}}).world.path == text


def test_a_run_from_a_dict_with_an_inline_component_resumes_from_its_checkpoint(tmp_path):
    component = {"kind": "remittance_fee", "cap": 0.03}
    first = migsim.run(
        {"world": "toy", "population": {"size": 5000}, "years": 2, "progress": False,
         "checkpoint_every": 1, "regime": {"add": [component]}},
        out=tmp_path / "first",
    )  # fmt: skip
    checkpoint = tmp_path / "first" / "checkpoint-2014.npz"
    resumed = migsim.run([f"resume={checkpoint}"], out=tmp_path / "resumed")
    assert resumed.regime == first.regime == "status_quo+remittance_fee"
    assert resumed.regions.equals(first.regions)


def test_compare_returns_the_columns_its_docstring_names():
    import re

    small = ["world=toy", "population.size=5000", "years=1", "progress=false"]
    table = migsim.compare([migsim.run(small), migsim.run([*small, "regime=free_mobility"])])
    named = re.search(r"DataFrame: ([a-z_, ]+)[;)]", " ".join(migsim.compare.__doc__.split()))
    assert [c.strip() for c in named.group(1).split(",")] == table.columns


def test_a_run_directory_that_cannot_be_created_is_refused_in_one_line(tmp_path):
    (tmp_path / "a_file").write_text("")
    under_a_file = tmp_path / "a_file" / "run"
    with pytest.raises(InputError, match=r"^out: '.*a_file/run' cannot be created"):
        migsim.run(["world=toy", "population.size=5000", "years=1"], out=under_a_file)
    result = migsim.run(["world=toy", "population.size=5000", "years=1", "progress=false"])
    with pytest.raises(InputError, match=r"^save: '.*a_file/run' cannot be created"):
        result.save(under_a_file)


def test_compare_names_an_item_that_is_not_a_run():
    result = migsim.run(["world=toy", "population.size=5000", "years=1", "progress=false"])
    with pytest.raises(InputError, match=r"^runs\[1\]: a int is not a run"):
        migsim.compare([result, 5])


def test_lazy_names_the_tables_there_are_when_one_is_missing(snapshot_run):
    for result in (snapshot_run, migsim.load_run(snapshot_run.run_dir)):
        with pytest.raises(InputError, match=r"has no stock table \(allowed: .*stocks"):
            result.lazy("stock")


@pytest.mark.parametrize(
    ("overrides", "argument", "bar"),
    [
        (["world=toy"], None, False),
        (["world=toy", "progress=true"], None, True),
        ({"world": "toy", "progress": True}, None, True),
        (["world=toy", "progress=false"], True, True),
        (["world=toy", "progress=true"], False, False),
    ],
)
def test_progress_override_is_honoured_unless_the_argument_says(
    monkeypatch, overrides, argument, bar
):
    """`progress=true` among the overrides shows the bar (it was ignored); the argument,
    when given, wins; neither: no bar from Python."""
    from migsim.runtime import runner

    seen = []

    def stop(cfg, run_dir, progress):
        seen.append(progress)
        raise RuntimeError("stop")

    monkeypatch.setattr(runner, "simulate", stop)
    with pytest.raises(RuntimeError, match="stop"):
        migsim.run(overrides, progress=argument)
    assert seen == [bar]


def test_a_refused_run_removes_the_parents_out_made(tmp_path):
    """Refused once its directory was made (the toy world refuses the history's regions)."""
    with pytest.raises(InputError, match="unknown region"):
        migsim.run(["world=toy", "regime=history"], out=tmp_path / "a" / "b" / "run")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    with pytest.raises(InputError, match="unknown region"):
        migsim.run(["world=toy", "regime=history"], out=tmp_path / "kept" / "run")
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []


@pytest.mark.parametrize(
    "path",
    ["/a/b c/seed=3/checkpoint-2015.npz", "/x/o'brien/c.npz", "/x/a\\b/c.npz", "/x/q\\'z/c.npz"],
)
def test_the_printed_resume_command_reads_back_as_the_path(path):
    """One quoting for Hydra's grammar serves the API's values and the printed resume
    command: the shell's word, read by Hydra, is the path again (backslashes included)."""
    import shlex

    from migsim.runtime.app import resume_command
    from migsim.runtime.resume_config import resume_path

    words = shlex.split(resume_command(path))
    assert words[:2] == ["migsim", "run"] and resume_path(words[2]) == path
