"""The comparison report's content from a comparison table: one table per measure with the
regimes as rows, units in every header, no float noise, the largest regions of a
many-region world, regimes identical to the baseline flagged."""

from __future__ import annotations

import polars as pl

from migsim.analysis.compare import Reference
from migsim.analysis.report import build_report, render
from migsim.analysis.report.format import PCT, PP, USD_BN, number

REGIONS = [f"R{i:03d}" for i in range(232)]


def _table() -> pl.DataFrame:
    """status_quo, `big` (R007 +208%, the others +0.1 to +1.3%) and `same` (no change) in a
    232-region world, two seeds."""
    rows = []
    for regime in ("status_quo", "big", "same"):
        for seed in (1, 2):
            for i, region in enumerate(REGIONS):
                pct = 0.0
                if regime == "big":
                    pct = 208.0 if region == "R007" else 0.1 + (i % 13) / 10 + seed / 100
                rows.append((regime, seed, "wage_low_native", region, 100.0, pct))
            gdp = 1e12 * (1.0 + (2e-14 if regime == "same" else 0.0))  # float noise only
            rows.append((regime, seed, "world_gdp", "world", gdp, 0.0 if regime != "big" else 1.5))
    out = []
    for regime, seed, measure, scope, base, pct in rows:
        value = base * (1 + pct / 100)
        out.append(
            {
                "regime": regime,
                "variant": "",
                "seed": seed,
                "year": 2014,
                "measure": measure,
                "scope": scope,
                "value": value,
                "baseline": base,
                "change": value - base,
                "change_pct": 100 * (value - base) / base,
                "unit": "PPP $",
            }
        )
    return pl.DataFrame(out)


def test_numbers_are_rounded_by_unit_and_tiny_values_shown_as_zero():
    assert number(2e-14, PCT) == "0"
    assert number(-0.004, PCT) == "0"
    assert number(1234.567, PCT) == "+1,234.57"
    assert number(2.5e9, USD_BN) == "+2.50"
    assert number(0.0123, PP) == "+1.23"


def test_report_has_one_table_per_measure_with_regimes_as_rows():
    report = build_report(_table(), "status_quo", [], Reference())
    tables = {t.id: t for t in report.tables}
    wages = tables["table-wage-low-native-change-pct"]
    assert [r.label for r in wages.rows] == ["status_quo", "big", "same"]
    # 12 of 232 regions, the largest first among them: R007 (+208%)
    assert len(wages.columns) == 12 and "R007" in [c.label for c in wages.columns]
    assert all(c.unit for t in report.tables for c in t.columns)
    md, html = render(report)
    assert "12 of 232 regions shown" in md
    # `same` differs from the baseline by float noise only: flagged, shown as 0
    assert report.flagged == ["same"]
    same = next(r for r in tables["table-headline"].rows if r.label == "same")
    assert same.flag == "no change from baseline" and same.cells[0].text == "0"
    assert "no change from baseline" in html and "e-1" not in md


def test_one_big_change_does_not_flatten_the_heat_map():
    """A +208% cell among +0.1..1.3% ones: the colour scale is symmetric-log."""
    from migsim.analysis.report.plots import _norm

    norm = _norm([208.0, 0.1, 0.5, 1.3])
    assert type(norm).__name__ == "SymLogNorm"
    assert norm(0.5) - norm(0) > 0.1  # a small change still gets a visible colour


def test_time_path_table_shows_eight_years_at_most_with_the_last():
    from migsim.analysis.report.content import time_path_section

    rows = []
    for regime, slope in (("status_quo", 0.0), ("free_mobility", 0.05)):
        for year in range(2013, 2044):
            for measure in ("world_gdp", "migrant_share"):
                pct = slope * (year - 2013)
                rows.append(
                    {
                        "regime": regime,
                        "measure": measure,
                        "year": year,
                        "is_baseline": regime == "status_quo",
                        "seeds": 2,
                        "value": 3.0 + pct,
                        "value_min": 3.0 + pct,
                        "value_max": 3.1 + pct,
                        "change_pct": pct,
                        "pct_min": pct,
                        "pct_max": pct * 1.1,
                    }
                )
    section = time_path_section(pl.DataFrame(rows), ["status_quo", "free_mobility"], {"status_quo"})
    figure, table = section.items
    years = [c.label for c in table.columns]
    assert len(years) == 8 and years[0] == "2013" and years[-1] == "2043"
    assert table.rows[1].cells[-1].text == "+1.50"  # 0.05 x 30 years
    assert ">World GDP</text>" in figure.svg  # labels are text, not paths


def test_one_big_bar_puts_its_facet_on_a_symmetric_log_scale():
    from migsim.analysis.report.plots import Bars, facet_bars

    rows = [("a", 208.0, 200.0, 215.0), ("b", 0.4, 0.3, 0.5), ("c", -0.2, -0.3, -0.1)]
    small = [("a", 1.0, 0.9, 1.1), *rows[1:]]
    svg = facet_bars([Bars("World GDP", "% change", rows), Bars("Other", "US$ bn", small)])
    assert "% change (symmetric-log scale)" in svg
    assert ">US$ bn<" in svg  # the other facet keeps its linear scale
    assert ">+100<" in svg and "10^" not in svg and "font-size: 5" not in svg


def test_region_codes_become_the_worlds_names():
    """ISO3 codes of the data-built countries world and codes of the shipped worlds."""
    from types import SimpleNamespace

    from migsim.analysis.report.names import region_names, scope_label

    def run(world: str):
        manifest = {"world": world, "config": f"world:\n  name: {world}\n  path: ''\n"}
        return SimpleNamespace(run=SimpleNamespace(manifest=manifest))

    names = region_names([run("countries")])
    assert scope_label("AFG", names) == "Afghanistan (AFG)"
    assert scope_label("NAM", names) == "Namibia (NAM)"
    names = region_names([run("default")])
    assert scope_label("NAM", names) == "Northern America (NAM)"
    assert scope_label("new_migrants", names) == "New migrants"
    assert scope_label("XYZ", names) == "XYZ"


def test_a_code_two_worlds_name_differently_carries_both_names():
    """A sweep over worlds (`-m world=default,countries`): NAM is Northern America in one and
    Namibia in the other, and the report's column says so rather than one of them."""
    from types import SimpleNamespace

    from migsim.analysis.report.names import region_names, scope_label

    def run(world: str):
        manifest = {"world": world, "config": f"world:\n  name: {world}\n  path: ''\n"}
        return SimpleNamespace(run=SimpleNamespace(manifest=manifest))

    names = region_names([run("default"), run("countries"), run("default")])
    assert scope_label("NAM", names) == "Northern America / Namibia (NAM)"
    assert scope_label("AFG", names) == "Afghanistan (AFG)"  # one world's code: its name
    names = region_names([run("toy"), run("twins")])
    assert scope_label("STH", names) == "Toy South / Twin South (STH)"
    assert scope_label("NTA", names) == "Twin North A (NTA)"
