"""The kernel plug-in example of docs/plugins.md works as written: its code block and its
entry point are installed into a temporary package (a module on sys.path plus a dist-info directory
declaring the entry point, which is what `pip install` leaves behind), found by name in the
entry-point group `migsim.behaviours`, and run on a small toy world."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import polars as pl
import pytest

from migsim.model.behaviour import available, load_behaviour

PAGE = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
BASE = ("world=toy", "population.size=20000", "years=2", "progress=false")


def _block(marker: str) -> tuple[str, str]:
    """(language, code) of the fenced block right after `<!-- marker -->` on the page."""
    text = PAGE.read_text()
    match = re.search(rf"<!-- {re.escape(marker)} -->\s*```(\w+)\n(.*?)```", text, re.S)
    assert match, f"{PAGE.name} has no fenced block after <!-- {marker} -->"
    return match.group(1), match.group(2)


@pytest.fixture
def readme_plugin(tmp_path, monkeypatch) -> str:
    """Install the page's example into tmp_path; returns its entry-point name."""
    lang, code = _block("plugin-example")
    assert lang == "python"
    path = code.splitlines()[0].lstrip("# ").strip()  # first line names the file
    assert path.endswith(".py"), path
    lang, toml = _block("plugin-example-entry-point")
    assert lang == "toml"
    group = tomllib.loads(toml)["project"]["entry-points"]["migsim.behaviours"]
    assert len(group) == 1
    ((name, target),) = group.items()
    module_file = tmp_path / path
    module_file.parent.mkdir(parents=True, exist_ok=True)
    (module_file.parent / "__init__.py").write_text("")
    module_file.write_text(code)
    dist = tmp_path / "readme_plugin_example-0.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: readme-plugin-example\nVersion: 0.0.0\n"
    )
    (dist / "entry_points.txt").write_text(f"[migsim.behaviours]\n{name} = {target}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    package = path.split("/")[0]
    yield name
    for mod in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        sys.modules.pop(mod, None)


def _flows(compose_cfg, run_dir: Path, *overrides: str) -> pl.DataFrame:
    from migsim.runtime.app import run_simulation

    run_simulation(compose_cfg(*BASE, *overrides), run_dir)
    return pl.read_parquet(run_dir / "flows.parquet")


def test_readme_kernel_plugin_installs_and_takes_effect(compose_cfg, tmp_path, readme_plugin):
    assert readme_plugin in available()
    cfg = compose_cfg(*BASE, f"behaviour.plugin={readme_plugin}")
    assert load_behaviour(cfg.behaviour).kernel is not None  # passes migsim's checks
    flows = _flows(
        compose_cfg,
        tmp_path / "run",
        f"behaviour.plugin={readme_plugin}",
        "+behaviour.params.return_rate=0.2",
    )
    from_home = flows.filter(pl.col("source") == pl.col("origin"))["people"].sum()
    returns = flows.filter(
        (pl.col("source") != pl.col("origin")) & (pl.col("destination") == pl.col("origin"))
    )["people"].sum()
    onward = flows.filter(
        (pl.col("source") != pl.col("origin")) & (pl.col("destination") != pl.col("origin"))
    )["people"].sum()
    assert from_home == 0 and onward == 0  # nobody leaves home, nobody moves on
    assert returns > 0
    # its parameter reaches the kernel: a zero return rate stops every move
    still = _flows(
        compose_cfg,
        tmp_path / "still",
        f"behaviour.plugin={readme_plugin}",
        "+behaviour.params.return_rate=0.0",
    )
    assert still["people"].sum() == 0
