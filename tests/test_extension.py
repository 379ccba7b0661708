"""The "Extending migsim" page's examples (docs/extending.md) work as written.

The marked blocks (a regime component, an output measure, a validation experiment and a
step, with their entry points) are installed into a temporary package: the modules on a
directory of their own plus a dist-info directory declaring the entry points, which is
what `pip install` leaves behind. Every check runs `migsim` in a subprocess with that
directory on PYTHONPATH, since the registries read entry points once per process. Each
extension is checked where it should arrive: the component in the run config and the
tables, the measure in comparison.parquet and the report, the experiment in
`migsim validate`, the step in regions.parquet. The per-person column is checked by
compiling a shipped kernel that does not read it for a People bundle that has it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl
import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "extending.md"
SMALL = ("world=toy", "population.size=20000", "years=2", "progress=false")
STEPS = "steps=[education,migration,economy,returns_home]"
TAX = "regime.add=[{kind: remittance_tax, rate: 0.05}]"


def _block(marker: str) -> tuple[str, str]:
    """(language, code) of the fenced block right after `<!-- marker -->` on the page."""
    text = PAGE.read_text()
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```(\w+)\n(.*?)```", text, re.S)
    assert match, f"{PAGE.name} has no fenced block after <!-- {marker} -->"
    return match.group(1), match.group(2)


def _entry_points() -> dict[str, dict[str, str]]:
    lang, toml = _block("extend-entry-points")
    assert lang == "toml"
    return tomllib.loads(toml)["project"]["entry-points"]


@pytest.fixture(scope="module")
def mylab(tmp_path_factory) -> dict[str, str]:
    """The page's package installed under a temporary directory; returns the environment
    that makes it importable (and its entry points visible) to a `migsim` subprocess."""
    root = tmp_path_factory.mktemp("site")
    for marker in ("extend-component", "extend-measure", "extend-experiment", "extend-step"):
        lang, code = _block(marker)
        assert lang == "python"
        path = root / code.splitlines()[0].lstrip("# ").strip()  # first line names the file
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(code)
    dist = root / "mylab-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mylab\nVersion: 0.0.0\n")
    (dist / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items())
            for group, points in _entry_points().items()
        )
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


def migsim(env: dict[str, str], *args: str, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "migsim", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sweep(mylab, tmp_path_factory) -> Path:
    """The status quo and the page's remittance tax, one seed, both with the page's step:
    the two runs of the page's comparison."""
    root = tmp_path_factory.mktemp("sweep")
    for name, extra in (("sq", ()), ("tax", (TAX,))):
        done = migsim(mylab, "run", *SMALL, STEPS, *extra, f"hydra.run.dir={root / name}")
        assert done.returncode == 0, done.stderr[-2000:]
    return root


def test_entry_points_name_one_module_per_extension():
    points = _entry_points()
    assert points["migsim.regime_components"] == {
        "remittance_tax": "mylab.remittance_tax:remittance_tax"
    }
    assert points["migsim.measures"] == {"mylab": "mylab.per_capita"}
    assert points["migsim.experiments"] == {"mylab": "mylab.north_south"}
    assert points["migsim.steps"] == {"returns_home": "mylab.returns:ReturnsHome"}


def test_component_reaches_the_config_and_the_tables(sweep, mylab, tmp_path):
    sq = pl.read_parquet(sweep / "sq" / "remittances.parquet")
    tax = pl.read_parquet(sweep / "tax" / "remittances.parquet")
    keys = ["year", "source", "destination"]
    both = sq.join(tax, on=keys, suffix="_tax").filter(pl.col("year") == pl.col("year").max())
    assert both.height > 0
    taxed = both.filter(pl.col("source") == "NTH")  # the toy world's developed region
    others = both.filter(pl.col("source") != "NTH")
    # the fee on money sent from NTH rises by exactly the tax's 5 points of what is sent
    extra = taxed["fees_tax"] / taxed["sent_tax"] - taxed["fees"] / taxed["sent"]
    assert np.allclose(extra.to_numpy(), 0.05, rtol=1e-9)
    # NTH's senders answer the dearer corridors by sending less (economy.remit_fee_elasticity)
    assert taxed["sent_tax"].sum() < taxed["sent"].sum()
    # other senders' fee rates are untouched
    rate = (others["fees"] / others["sent"]).to_numpy()
    assert np.allclose(rate, (others["fees_tax"] / others["sent_tax"]).to_numpy(), rtol=1e-9)
    assert taxed["received_tax"].sum() < taxed["received"].sum()
    # a misspelt key: exit 2 and one line naming it and the declared keys
    bad = migsim(
        mylab,
        "run",
        *SMALL,
        "regime.add=[{kind: remittance_tax, rat: 0.05}]",
        f"hydra.run.dir={tmp_path / 'bad'}",
    )
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1, bad.stderr
    assert "rat" in lines[0] and "allowed: rate, senders" in lines[0]


def test_measure_reaches_the_comparison_and_the_report(sweep, mylab, tmp_path):
    out = tmp_path / "comparison"
    done = migsim(mylab, "compare", str(sweep), "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    table = pl.read_parquet(out / "comparison.parquet").filter(
        pl.col("measure") == "remittances_per_capita"
    )
    assert set(table["regime"]) == {"status_quo", "status_quo+remittance_tax"}
    assert set(table["scope"]) == {"NTH", "MID", "STH", "world"}
    regions = pl.read_parquet(sweep / "tax" / "regions.parquet")
    last = regions.filter(pl.col("year") == regions["year"].max())
    mid = last.filter(pl.col("region") == "MID")
    taxed = table.filter(
        (pl.col("regime") == "status_quo+remittance_tax") & (pl.col("scope") == "MID")
    )
    assert taxed["value"][0] == pytest.approx(
        mid["remittances_received"][0] / mid["population"][0], rel=1e-12
    )
    assert (taxed["change_pct"] < -4.0).all()  # a 5% tax on most of what MID receives
    report = (out / "report.md").read_text()
    assert "remittances_per_capita" in report and "US$ per resident" in report


def test_experiment_reaches_validation(mylab, tmp_path):
    listed = migsim(mylab, "validate", "--list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert re.search(r"^NS\s+run\s+e01_status_quo", listed.stdout, re.M), listed.stdout
    out = tmp_path / "validation"
    done = migsim(mylab, "validate", "--only", "NS", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    checks = pl.read_parquet(out / "validation.parquet")
    assert checks["experiment"].to_list() == ["NS", "NS"]
    assert checks["quantity"].to_list() == ["hosted_developed_2013_M", "hosted_developing_2013_M"]
    assert checks["published_low"].to_list() == [135.5, 95.9]
    assert (checks["status"] == "pass").all()
    assert "hosted_developed_2013_M" in (out / "validation.md").read_text()


def test_step_runs_when_listed_and_its_column_is_recorded(sweep):
    regions = pl.read_parquet(sweep / "sq" / "regions.parquet")
    assert "returns_home" in regions.columns
    assert regions.filter(pl.col("year") == 2013)["returns_home"].sum() == 0  # base year
    flows = pl.read_parquet(sweep / "sq" / "flows.parquet")
    for year in (2014, 2015):
        returns = (
            flows.filter(
                (pl.col("year") == year)
                & (pl.col("source") != pl.col("origin"))
                & (pl.col("destination") == pl.col("origin"))
            )
            .group_by("origin")
            .agg(pl.col("people").sum())
        )
        expected = dict(returns.iter_rows())
        assert sum(expected.values()) > 0
        row = regions.filter(pl.col("year") == year)
        for region, value in zip(row["region"], row["returns_home"]):
            assert value == pytest.approx(expected.get(region, 0.0), rel=1e-9)


def test_unlisted_step_name_is_refused_with_the_registered_ones(mylab, tmp_path):
    bad = migsim(
        mylab,
        "run",
        *SMALL,
        "steps=[education,migration,economy,return_home]",
        f"hydra.run.dir={tmp_path / 'bad'}",
    )
    assert bad.returncode == 2
    assert "returns_home" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_new_column_needs_no_change_to_kernels_that_do_not_read_it():
    """The page's column line added to People: a shipped kernel that does not read it
    (ageing) compiles for the larger bundle and gives the same result, column untouched."""
    from migsim.kernels.bundles import PEOPLE_DTYPES, People
    from migsim.kernels.demography import age_one_year

    lang, line = _block("extend-column")
    assert lang == "python"
    name, dtype = re.match(r"\s*(\w+): np\.(\w+)", line).groups()
    fields = [(k, np.dtype(v).type) for k, v in PEOPLE_DTYPES.items()]
    fields.append((name, getattr(np, dtype)))
    Wider = NamedTuple("People", fields)  # noqa: UP014  (built from the page's line)

    def people(cls, extra: bool):
        n = 6
        cols = {k: np.zeros(n, dtype=v) for k, v in PEOPLE_DTYPES.items()}
        cols["alive"][:] = 1
        cols["age"][:] = np.arange(n) * 20
        cols["origin"][:] = [0, 0, 1, 1, 2, 2]
        cols["location"][:] = [0, 1, 1, 2, 2, 0]
        if extra:
            cols[name] = np.full(n, 3, dtype=getattr(np, dtype))
        return cls(**cols)

    plain, wider = people(People, False), people(Wider, True)
    age_one_year(6, plain, 90)
    age_one_year(6, wider, 90)
    for field in PEOPLE_DTYPES:
        assert np.array_equal(getattr(plain, field), getattr(wider, field)), field
    assert (getattr(wider, name) == 3).all()
