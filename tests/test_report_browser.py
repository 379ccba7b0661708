"""The comparison report rendered by a real browser (Debian's chromium, headless, driven by
Playwright): a multirun of 8 regimes x 2 seeds on the default world and a 2-regime report
cut from it. The page stays a sane size, nothing overflows its box, every figure's text is
readable (>= 10 px as displayed) and inside its figure, every table has units in its header,
a regime identical to the baseline is flagged and the tables sort on a click.

Skipped when /usr/bin/chromium is missing (`apt-get install -y chromium`); CI installs it.
One screenshot goes to outputs/report-screenshot.png."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REGIMES = [
    "status_quo",
    "free_mobility",
    "bhagwati_tax",
    "regional_blocs",  # changes nothing in the default world: flagged
    "cheaper_migration",
    "remittance_cost_cut",
    "enforcement",
    "regularisation",
]
MAX_HEIGHT = 15_000  # px at 8 regimes, 1280 px wide
MIN_FONT = 10.0  # px, as displayed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

# Measurements taken inside the page: everything a reader would see go wrong.
MEASURE = """() => {
  const out = {height: document.documentElement.scrollHeight, overflow: [], small: [],
               outside: [], hidden: [], units: [], tables: 0, svgs: 0, texts: 0};
  const name = (el) => el.tagName + (el.id ? '#' + el.id : '') + ' ' +
                       (el.textContent || '').trim().slice(0, 40);
  for (const el of document.querySelectorAll('body, section, div, figure, table, th, td, nav, p')) {
    if (el.scrollWidth > el.clientWidth + 1) out.overflow.push(name(el));
  }
  const ids = Array.from(document.querySelectorAll('[id]')).filter(e => !e.closest('svg'))
                   .map(e => e.id);
  out.duplicate_ids = ids.filter((id, i) => ids.indexOf(id) !== i);
  const body = document.body.getBoundingClientRect();
  for (const svg of document.querySelectorAll('figure svg')) {
    out.svgs += 1;
    const box = svg.getBoundingClientRect();
    const fig = svg.closest('figure').getBoundingClientRect();
    if (box.left < fig.left - 1 || box.right > fig.right + 1 || box.right > body.right + 1)
      out.outside.push('svg ' + svg.closest('figure').id);
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      out.texts += 1;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < %(min_font)s) out.small.push(t.textContent + ' ' + px.toFixed(1));
      const r = t.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(t).visibility === 'hidden')
        out.hidden.push(t.textContent);
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 ||
          r.bottom > box.bottom + 1) out.outside.push(t.textContent);
    }
  }
  for (const table of document.querySelectorAll('table')) {
    out.tables += 1;
    for (const th of table.querySelectorAll('thead th.num')) {
      const unit = th.querySelector('.unit');
      if (!unit || !unit.textContent.trim()) out.units.push(table.parentElement.id);
    }
  }
  return out;
}""".replace("%(min_font)s", str(MIN_FONT))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """8 regimes x 2 seeds on the default world, 3,000 people, one year (the compare
    callback writes the report at the end of the multirun)."""
    sweep_dir = tmp_path_factory.mktemp("browser") / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "migsim.runtime.app",
        "-m",
        "regime=" + ",".join(REGIMES),
        "seed=1,2",
        "population.size=3000",
        "years=1",
        "progress=false",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (sweep_dir / "report.html").is_file()
    return sweep_dir


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _open(browser, html: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")
    return page


def _check(page) -> dict:
    m = page.evaluate(MEASURE)
    assert m["tables"] >= 10 and m["svgs"] >= 8 and m["texts"] > 100, m
    assert not m["overflow"], m["overflow"][:10]
    assert not m["small"], m["small"][:10]
    assert not m["hidden"], m["hidden"][:10]
    assert not m["outside"], m["outside"][:10]
    assert not m["units"], m["units"][:10]
    assert not m["duplicate_ids"], m["duplicate_ids"]
    return m


def _unchanged(table: pl.DataFrame) -> set[str]:
    moved = table.filter(pl.col("change").abs() > 0)["regime"].unique().to_list()
    return set(table["regime"].unique().to_list()) - set(moved) - {"status_quo"}


def test_report_of_eight_regimes_renders_cleanly(sweep, browser):
    page = _open(browser, sweep / "report.html")
    m = _check(page)
    assert 3_000 < m["height"] < MAX_HEIGHT, m["height"]
    shot = REPO_ROOT / "outputs" / "report-screenshot.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    from PIL import Image

    width, height = Image.open(shot).size
    assert width == 1280 and height == m["height"]
    # the regimes that change nothing are flagged, in the call-out and in their rows
    unchanged = _unchanged(pl.read_parquet(sweep / "comparison.parquet"))
    assert "regional_blocs" in unchanged
    callout = page.locator("p.callout").inner_text()
    assert all(r in callout for r in unchanged)
    flagged = page.locator("#table-headline th:has(.badge.flag)").all_inner_texts()
    assert sorted(t.split()[0] for t in flagged) == sorted(unchanged)
    # region codes are expanded to the world's names, units under every numeric header
    header = page.locator("#table-wage-low-native-change-pct thead").inner_text()
    assert "Northern America (NAM)" in header and "% change" in header
    # contents link to every section
    links = page.locator("nav.toc a").evaluate_all("els => els.map(e => e.hash)")
    for link in links:
        assert page.locator(link).count() == 1, link
    page.close()


def test_tables_sort_on_a_click(sweep, browser):
    page = _open(browser, sweep / "report.html")
    column = "#table-headline tbody tr td:nth-child(2)"
    page.locator("#table-headline thead th.num").first.click()
    values = [
        float(v) for v in page.locator(column).evaluate_all("els => els.map(e => e.dataset.sort)")
    ]
    assert values == sorted(values, reverse=True)
    page.close()


def test_report_of_twelve_regimes_with_long_names_renders_cleanly(sweep, browser, tmp_path):
    """Four more regimes with long names (copies of runs, renamed in their manifests: the
    layout is what is checked here) keep labels readable and the page in bounds."""
    import json

    import yaml

    from migsim.analysis.report import write_comparison

    twelve = tmp_path / "twelve"
    shutil.copytree(sweep, twelve, ignore=shutil.ignore_patterns("*.svg", "report.*", "comp*"))
    for k, regime in enumerate(REGIMES[1:5]):
        name = f"{regime}_with_a_long_descriptive_variant_name_{k}"
        for run in sorted((sweep / f"regime={regime}").glob("seed=*")):
            copy = twelve / f"regime={name}" / run.name
            shutil.copytree(run, copy)
            manifest = json.loads((copy / "manifest.json").read_text())
            config = yaml.safe_load(manifest["config"])
            config["regime"]["name"] = name
            manifest["config"] = yaml.safe_dump(config)
            (copy / "manifest.json").write_text(json.dumps(manifest))
            overrides = copy / ".hydra" / "overrides.yaml"
            overrides.write_text(
                overrides.read_text().replace(f"regime={regime}", f"regime={name}")
            )
    write_comparison(twelve, "status_quo")
    table = pl.read_parquet(twelve / "comparison.parquet")
    assert table["regime"].n_unique() == 12
    page = _open(browser, twelve / "report.html")
    m = _check(page)
    assert m["height"] < 1.3 * MAX_HEIGHT, m["height"]
    page.close()


def test_report_of_two_regimes_renders_cleanly(sweep, browser, tmp_path):
    from migsim.analysis.report import write_comparison

    two = tmp_path / "two"
    for regime in ("status_quo", "free_mobility"):
        shutil.copytree(sweep / f"regime={regime}", two / f"regime={regime}")
    write_comparison(two, "status_quo")
    page = _open(browser, two / "report.html")
    m = _check(page)
    assert m["height"] < 10_000, m["height"]  # as many tables, two rows each
    assert page.locator("p.callout").count() == 0  # free mobility changes the world
    page.close()
