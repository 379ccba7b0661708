"""The generated paths of docs/model.md §5.8 and §6.5 (`migsim.model.regime_paths_report`),
built from short runs of the toy world: the blocks' shape, the figures that must agree with
each other, and the command's write and check."""

from __future__ import annotations

import numpy as np
import pytest

from migsim.model import regime_paths_report as report

RUN = ("world=toy", "population.size=20000", "years=4", "seed=1", "progress=false")
HEADS = (
    "The offer is a ceiling, not a stock.",
    "$B_{ds}$ stays at the base year's flow",
    "Onward movers draw the lottery, not the entry channel.",
    "Diversion.",
)


@pytest.fixture(scope="module")
def fig() -> dict:
    return report.measure(RUN)


def test_the_blocks_have_their_shape(fig):
    fiscal = report.fiscal_block(fig)
    assert fiscal.startswith("The status quo's balances therefore drift")
    assert "NTH" in fiscal and f"in {fig['y1']}:" in fiscal  # the toy world's developed region
    quota = report.quota_block(fig)
    bullets = [line for line in quota.splitlines() if line.startswith("- **")]
    assert [b[4:].split("**")[0] for b in bullets] == list(HEADS)
    for block in (fiscal, quota):
        for line in block.splitlines():
            assert len(line) <= report.WIDTH
            assert line.startswith(("- **", "  ")) or block is fiscal
    assert f"over {fig['y0']}-{fig['y1']}" in quota


def test_the_figures_agree(fig):
    years = fig["y1"] - fig["y0"] + 1
    for series in ("offer", "temporary", "first", "quota", "sq_first"):
        assert len(fig[series]) == years
    # the quota is B_ds plus the offer, every year
    np.testing.assert_allclose(np.array(fig["quota"]), fig["baseline"] + np.array(fig["offer"]))
    # the offer bounds the temporary stock: visas beyond B_ds, held at most their length
    assert 0 < max(fig["temporary"]) <= fig["offer_stock"]
    assert fig["offer_stock"] == pytest.approx(np.mean(fig["offer"]) * fig["visa_years"][0])
    # permanent residents by their last arrival add up to the stocks table's
    for key in ("sq", "ml"):
        by_route = fig[f"permanent_{key}"]
        assert by_route.sum() == pytest.approx(fig[f"permanent_table_{key}"], rel=1e-6)
    # the cells the text says never fill are those below their quota every year
    text = " ".join(report.quota_block(fig).split())
    cells = report._cells(fig)
    assert cells in text
    never = [dest for (dest, _), fill in fig["fill"].items() if max(fill) < 1.0]
    assert all(dest in cells for dest in never)
    assert ("never fill" in cells) == bool(never)
    # the developed regions' balances, most negative first
    balances = [v for v, _ in fig["fiscal"]]
    assert balances == sorted(balances)


def test_the_command_writes_then_checks(fig, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report, "measure", lambda: fig)
    doc = tmp_path / "model.md"
    doc.write_text(
        "intro\n\n<!-- fiscal-drift:begin -->\n<!-- fiscal-drift:end -->\n\n"
        "text\n\n<!-- quota-paths:begin -->\nstale\n<!-- quota-paths:end -->\n"
    )
    assert report.main(["--check", str(doc)]) == 1
    assert report.main(["--write", str(doc)]) == 0
    assert report.main(["--check", str(doc)]) == 0
    written = doc.read_text()
    assert report.quota_block(fig) in written and "stale" not in written
    assert "up to date" in capsys.readouterr().err
