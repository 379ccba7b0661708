"""The documentation's tables of regimes, components, steps, measures, experiments,
parameters, outputs and columns (pages under docs/) are the registries' own
(`python -m migsim.catalogue`)."""

from __future__ import annotations

from pathlib import Path

from migsim import catalogue

ROOT = Path(__file__).resolve().parent.parent
# every page may hold a generated table; the README holds none (it links to the pages)
DOCUMENTS = sorted((ROOT / "docs").glob("*.md"))


def test_generated_tables_are_current():
    stale = [p.name for p in DOCUMENTS if catalogue.render(p.read_text()) != p.read_text()]
    assert not stale, f"refresh with: python -m migsim.catalogue --write docs/*.md ({stale})"


def test_every_table_is_in_a_document():
    text = "".join(p.read_text() for p in DOCUMENTS)
    missing = [n for n in catalogue.TABLES if f"<!-- catalogue:{n}:begin -->" not in text]
    assert not missing


def test_a_declared_component_appears_in_its_table():
    from migsim.regimes.registry import _COMPONENTS

    table = catalogue.components()
    shipped = [k for k, s in _COMPONENTS.items() if s.apply.__module__.startswith("migsim.")]
    assert len(shipped) >= 15
    assert all(f"`{kind}`" in table for kind in shipped)


def test_check_mode_exits_1_on_a_stale_file(tmp_path):
    stale = tmp_path / "doc.md"
    stale.write_text("<!-- catalogue:steps:begin -->\nold\n<!-- catalogue:steps:end -->\n")
    assert catalogue.main(["--check", str(stale)]) == 1
    assert catalogue.main(["--write", str(stale)]) == 0
    assert catalogue.main(["--check", str(stale)]) == 0
    assert "`migration`" in stale.read_text()


def test_every_declared_column_is_on_the_columns_page():
    from migsim.runtime.columns import declared

    page = (ROOT / "docs" / "columns.md").read_text()
    # migsim's own steps: other tests register steps of their own in this process
    for table, cols in declared(catalogue._shipped_steps()).items():
        assert f"## `{table}.parquet`" in page
        assert all(f"| `{name}` |" in page for name in cols), table
