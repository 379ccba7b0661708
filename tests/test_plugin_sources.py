"""`migsim behaviours` and the manifest say where each plug-in came from: its package, the
package's version and a hash of its module files."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import sys
from pathlib import Path

import pytest

from migsim.model.plugins import available

SMALL = ["world=toy", "population.size=2000", "years=1", "progress=false"]
EXAMPLE = "example_wealth_aversion"
needs_example = pytest.mark.skipif(
    EXAMPLE not in available(), reason="the example package is not installed"
)


def _sha(*modules: str) -> str:
    """A module's hash as the manifest records it: migsim's own module file; for a plug-in,
    every .py file of its top-level package, labelled by its path there."""
    digest = hashlib.sha256()
    for name in sorted(modules):
        top = name.split(".")[0]
        if top == "migsim":
            files = [(name, Path(sys.modules[name].__file__))]
        else:
            root = Path(sys.modules[top].__path__[0])
            files = sorted(
                (f"{top}/{f.relative_to(root).as_posix()}", f) for f in root.rglob("*.py")
            )
        for label, file in files:
            digest.update(label.encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()


def test_behaviours_lists_package_version_and_parameters(capsys):
    from migsim import __version__
    from migsim.cli import main

    with pytest.raises(SystemExit) as info:
        main(["behaviours"])
    assert info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("nested_logit  built-in nested logit")
    assert lines[1].startswith(f"    from migsim {__version__} (")
    if EXAMPLE in available():
        at = next(i for i, ln in enumerate(lines) if ln.startswith(EXAMPLE))
        version = importlib.metadata.version("migsim-example-behaviour")
        assert (
            f"from migsim-example-behaviour {version} (migsim_example.behaviour;" in (lines[at + 1])
        )
        assert "behaviour.params.aversion  float  default 0.3" in lines[at + 2]


@needs_example
def test_the_manifest_records_every_plugin_with_package_version_and_source_hash(tmp_path):
    import migsim

    out = tmp_path / "run"
    migsim.run([*SMALL, f"behaviour={EXAMPLE}"], out=out)
    plugins = json.loads((out / "manifest.json").read_text())["plugins"]
    kinds = [(p["kind"], p["name"]) for p in plugins]
    assert kinds[0][0] == "behaviour" and EXAMPLE in kinds[0][1]
    assert [("step", s) for s in ("education", "migration", "economy")] == kinds[1:4]
    behaviour = plugins[0]
    assert behaviour["package"] == "migsim-example-behaviour"
    assert behaviour["version"] == importlib.metadata.version("migsim-example-behaviour")
    assert behaviour["modules"] == ["migsim_example.behaviour"]
    assert behaviour["source_sha256"] == _sha("migsim_example.behaviour")
    step = plugins[2]
    assert step["package"] == "migsim" and step["source_sha256"] == _sha("migsim.steps.migration")


def test_regime_components_are_recorded(tmp_path):
    import migsim

    out = tmp_path / "run"
    migsim.run([*SMALL, "regime=free_mobility"], out=out)
    plugins = json.loads((out / "manifest.json").read_text())["plugins"]
    components = [p for p in plugins if p["kind"] == "regime_component"]
    assert components and all(p["package"] == "migsim" for p in components)
    assert all(len(p["source_sha256"]) == 64 for p in components)
