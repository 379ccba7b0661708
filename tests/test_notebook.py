"""docs/quickstart.ipynb runs from top to bottom (a reader's first contact with the API)."""

from __future__ import annotations

from pathlib import Path

import ipykernel  # noqa: F401  (the kernel the notebook runs in: part of the dev extra)
import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "quickstart.ipynb"


def test_quickstart_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the notebook writes nothing; if it did, it would land here
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3").execute(cwd=str(tmp_path))
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = " ".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "migrant_stock" in text  # the comparison of the two regimes was shown
    assert not list(tmp_path.iterdir())
