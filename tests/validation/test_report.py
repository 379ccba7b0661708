"""`migsim validate` writes validation.parquet and validation.md through a staging dir."""

import polars as pl
import pytest

from migsim import validation as v

pytestmark = pytest.mark.validation


def test_validate_command_writes_report(tmp_path):
    out = tmp_path / "report"
    code = v.validate_command(["--quick", "--only", "E2,E25", "--out", str(out)])
    frame = pl.read_parquet(out / "validation.parquet")
    for col in (
        "experiment",
        "quantity",
        "source",
        "published_low",
        "published_high",
        "simulated",
        "passed",
    ):
        assert col in frame.columns
    assert set(frame["experiment"]) == {"E2", "E3", "E4", "E5", "E25"}
    assert (out / "validation.md").read_text().startswith("# migsim validation")
    assert not list(tmp_path.glob(".staging-*"))
    # every miss is a listed expected failure, so the command succeeds
    assert code == 0, frame.filter(pl.col("status").is_in(["FAIL", "unexpected pass"]))


def test_every_expected_failure_is_a_known_quantity():
    known = {k for keys in v.QUANTITIES.values() for k in keys}
    assert set(v.EXPECTED_FAILURES) <= known


def test_a_declared_experiment_runs_and_reports(tmp_path, monkeypatch, capsys):
    """One declaration adds an experiment: `--list` shows it, `--only` runs it, its checks
    reach validation.parquet and its quantities the tests' parametrisation."""
    from migsim.validation import registry

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))

    @v.experiment("X1", title="Two and two", cost="analytic", quantities=["X1:sum", "X1:product"])
    def two_and_two(r):
        return [
            v.point("X1", "sum", "arithmetic", "V", 4.0, 2.0 + 2.0),
            v.sign("X1", "product", "arithmetic", True, 2.0 * 2.0),
        ]

    assert v.validate_command(["--list"]) == 0
    assert "X1" in capsys.readouterr().out
    assert v.QUANTITIES["X1"] == ["X1:sum", "X1:product"]
    out = tmp_path / "report"
    assert v.validate_command(["--only", "X1", "--out", str(out)]) == 0
    frame = pl.read_parquet(out / "validation.parquet")
    assert frame["quantity"].to_list() == ["sum", "product"]
    assert frame["status"].to_list() == ["pass", "pass"]


def test_a_declaration_is_checked_before_any_work(monkeypatch):
    """A listed miss that is not one of the experiment's quantities, an unknown cost, a
    missing run config and an unknown --only are refused with one line."""
    from migsim.core.errors import InputError
    from migsim.validation import registry

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))
    with pytest.raises(InputError, match="X2:b"):
        v.experiment(
            "X2", title="t", cost="run", quantities=["X2:a"], expected_failures={"X2:b": "why"}
        )
    with pytest.raises(InputError, match="cost"):
        v.experiment("X2", title="t", cost="slow", quantities=["X2:a"])
    v.experiment("X3", title="t", cost="run", configs=["no_such_config"], quantities=[])(
        lambda r: []
    )
    with pytest.raises(InputError, match="no_such_config"):
        registry.select(["X3"])
    with pytest.raises(InputError, match="E99"):
        registry.select(["E99"])


def test_an_installed_package_declares_experiments_through_its_entry_point(tmp_path, monkeypatch):
    import importlib.metadata

    from migsim.validation import registry

    (tmp_path / "mylab_experiments.py").write_text(
        "from migsim.validation import experiment, point\n\n\n"
        '@experiment("X4", title="t", cost="analytic", quantities=["X4:one"])\n'
        "def one(r):\n"
        '    return [point("X4", "one", "s", "V", 1.0, 1.0)]\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))
    monkeypatch.setattr(registry, "_loaded", False)
    plugin = importlib.metadata.EntryPoint("mylab", "mylab_experiments", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group: [plugin] if group == registry.ENTRY_POINT_GROUP else [],
    )
    # numbered experiments first (E1, E2-E5, ...), then the others by name
    names = list(registry.registered())
    assert names[:3] == ["E1", "E2-E5", "E6"]
    assert names[-5:] == ["BACKCAST", "HISTORY", "HISTORY-backtest", "HISTORY-skilled", "X4"]


def _one(quantity, simulated=1.0):
    return v.point("X5", quantity, "s", "V", 1.0, simulated)


@pytest.mark.parametrize(
    "returned, needle",
    [
        (lambda: [_one("one"), _one("typo", 5.0)], "X5:typo, which it does not declare"),
        (lambda: [_one("one"), _one("one", 3.0), _one("two")], "X5:one twice"),
        (lambda: [_one("one")], "did not return its declared check X5:two"),
        (lambda: None, "returned a NoneType"),
    ],
    ids=["undeclared", "twice", "missing", "not-a-list"],
)
def test_an_experiments_checks_are_those_it_declares(tmp_path, monkeypatch, returned, needle):
    """A verdict is a declared check's: an experiment returning a check it does not declare,
    one twice or not one it declares is refused in one line, and nothing is written."""
    from migsim.core.errors import InputError
    from migsim.validation import registry

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))
    v.experiment("X5", title="t", cost="analytic", quantities=["X5:one", "X5:two"])(
        lambda r: returned()
    )
    out = tmp_path / "report"
    out.mkdir()
    (out / "kept.txt").write_text("mine")
    with pytest.raises(InputError, match=needle):
        v.validate_command(["--only", "X5", "--seeds", "1", "--out", str(out / "new")])
    assert not (out / "new").exists() and not list(out.glob(".staging-*"))
    assert (out / "kept.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--out", "{file}"], "--out: '{file}' is a file, not a directory"),
        (["--out", "{file}/sub"], "--out: '{file}/sub' cannot be created (under the file"),
        (["--threads", "-1"], "--threads: -1 is negative"),
    ],
    ids=["out-is-a-file", "out-under-a-file", "negative-threads"],
)
def test_bad_options_are_refused_in_one_line_before_any_work(tmp_path, args, needle):
    from migsim.core.errors import InputError

    file = tmp_path / "notes.txt"
    file.write_text("mine")
    args = [a.replace("{file}", str(file)) for a in args]
    with pytest.raises(InputError) as err:
        v.validate_command(["--only", "E2", *args])
    assert str(err.value).startswith(needle.replace("{file}", str(file)))
    assert file.read_text() == "mine" and sorted(tmp_path.iterdir()) == [file]
