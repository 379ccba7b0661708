"""History 1990-2010: the world built at base year 1990, per-corridor growth in the
calibration, the nulls of the history experiment and the experiment itself."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from migsim.config import PopulationConf
from migsim.core.errors import InputError
from migsim.core.world import load_world
from migsim.model.behaviour import BehaviourConf
from migsim.model.calibration import calibrate
from migsim.model.growth import MIN_REPLACEMENT
from migsim.validation import corridors as C
from migsim.worldbuild.build import WORLD_FILES, build_world, provenance_file

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "engine" / "data"
WORLD_1990 = DATA / "regions12_1990"
needs_inputs = pytest.mark.skipif(
    not (DATA / "inputs" / "un_stock").is_dir(), reason="the country-level inputs are not committed"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_inputs
def test_1990_world_rebuilds_byte_for_byte_from_the_inputs(tmp_path):
    build_world(
        "regions12", tmp_path, base_year=1990, growth_years=(1990, 2005), unknown_origin="spread"
    )
    files = (*WORLD_FILES, "stock_growth.csv", provenance_file(WORLD_1990).name)
    for file in files:
        assert _digest(tmp_path / file) == _digest(WORLD_1990 / file), file
    assert (WORLD_1990 / "base_year.txt").read_text() == "1990\n"
    # built with the unknown origins spread, which HISTORY and the history fit read back
    from migsim.worldbuild.inputs import world_unknown_origin

    assert world_unknown_origin(WORLD_1990) == "spread"
    assert world_unknown_origin(DATA / "regions12") == "spread"
    # nothing after 2005 enters the 1990 world: its history stops there
    history = pl.read_csv(WORLD_1990 / "stock_history.csv")
    assert history["year"].max() == 2005
    regions = pl.read_csv(WORLD_1990 / "regions.csv").fill_null("")
    blocs = dict(zip(regions["code"], regions["bloc"]))
    assert blocs["WEU"] == "EU" and blocs["EEU"] == "" and blocs["GCC"] == "GCC"
    prov = pl.read_csv(provenance_file(WORLD_1990), infer_schema_length=0).fill_null("")
    fees = prov.filter(
        (pl.col("column") == "remittance_fee") & (pl.col("sources") == "remittance_prices")
    )
    assert fees.height >= 10
    assert fees["note"].str.contains("nearest year to the base year 1990").all()


def test_a_base_year_outside_the_stock_matrix_is_one_line_exit_2(tmp_path):
    def build(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "migsim", "world", "build", "--mapping", "regions12"]
        return subprocess.run(
            [*cmd, *args, "--out", str(tmp_path)],
            check=False,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
        )

    proc = build("--base-year", "1991")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--base-year" in proc.stderr
    proc = build("--base-year", "1990", "--growth-to", "2010")
    assert proc.returncode == 2 and "--growth-to" in proc.stderr
    proc = build("--unknown-origin", "drop")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "--unknown-origin" in proc.stderr and "spread" in proc.stderr


@pytest.fixture
def toy_copy(tmp_path) -> Path:
    world = tmp_path / "world"
    shutil.copytree(DATA / "toy", world)
    (world / "calibration.json").unlink(missing_ok=True)
    return world


def test_calibration_uses_a_worlds_per_corridor_growth(toy_copy):
    conf, pop = BehaviourConf(), PopulationConf()
    plain = calibrate(load_world("toy", toy_copy), conf, pop)
    assert "growth" not in plain.provenance
    world = load_world("toy", toy_copy)
    a, b = world.codes[0], world.codes[1]
    (toy_copy / "stock_growth.csv").write_text(f"origin,destination,growth\n{a},{b},0.05\n")
    grown = calibrate(load_world("toy", toy_copy), conf, pop)
    assert grown.provenance["growth"].startswith("per corridor")
    # S (replace + g): the listed corridor gains S (0.05 - uniform), every other is unchanged
    from migsim.model.calibration import base_cells, base_wages

    cells = base_cells(world, conf, base_wages(world), pop)
    stock = cells.stock[0, 1]
    expected = plain.target_flow[0, 1] + stock * (0.05 - conf.stock_growth)
    assert np.allclose(grown.target_flow[0, 1], expected, rtol=1e-9)
    other = np.ones(plain.target_flow.shape[:2], dtype=bool)
    other[0, 1] = False
    assert np.array_equal(grown.target_flow[other], plain.target_flow[other])


def test_a_corridor_shrinking_faster_than_its_exits_is_floored(toy_copy):
    conf, pop = BehaviourConf(), PopulationConf()
    world = load_world("toy", toy_copy)
    a, b = world.codes[0], world.codes[1]
    (toy_copy / "stock_growth.csv").write_text(f"origin,destination,growth\n{a},{b},-0.45\n")
    cal = calibrate(load_world("toy", toy_copy), conf, pop)
    from migsim.model.calibration import base_cells, base_wages

    cells = base_cells(world, conf, base_wages(world), pop)
    replace = cells.stock[0, 1] * cells.exit_rate[0, 1] * (1 - conf.onward_share)
    assert np.allclose(cal.target_flow[0, 1], MIN_REPLACEMENT * replace, rtol=1e-9)
    assert cal.provenance["growth_floored_cells"] > 0


@pytest.mark.parametrize(
    "row, needle",
    [("XXX,YYY,0.01", "not a corridor"), ("{a},{b},0.9", "-0.5 to 0.5")],
)
def test_a_bad_growth_table_is_one_input_error(toy_copy, row, needle):
    world = load_world("toy", toy_copy)
    a, b = world.codes[0], world.codes[1]
    (toy_copy / "stock_growth.csv").write_text(
        "origin,destination,growth\n" + row.format(a=a, b=b) + "\n"
    )
    with pytest.raises(InputError, match=needle):
        calibrate(load_world("toy", toy_copy), BehaviourConf(), PopulationConf())


def test_constant_growth_null_reproduces_its_end_year_and_interpolates():
    s0 = np.array([[0.0, 100.0], [50.0, 0.0]])
    s1 = np.array([[0.0, 400.0], [0.0, 0.0]])  # the second corridor emptied: kept at s0
    at_end = C.constant_growth_null(s0, s1, 1990, 2000, 2000)
    assert at_end[0, 1] == pytest.approx(400.0) and at_end[1, 0] == 50.0
    assert C.constant_growth_null(s0, s1, 1990, 2000, 1995)[0, 1] == pytest.approx(200.0)
    assert C.constant_growth_null(s0, s1, 1990, 2000, 2010)[0, 1] == pytest.approx(1600.0)


def test_gravity_null_recovers_an_exact_gravity_world():
    rng = np.random.default_rng(3)
    R = 5
    pop, inc = rng.uniform(1e6, 1e8, R), rng.uniform(1e3, 5e4, R)
    dist = rng.uniform(500, 10000, (R, R))
    dist = (dist + dist.T) / 2
    contig = (rng.uniform(size=(R, R)) > 0.6).astype(float)
    contig = np.maximum(contig, contig.T)
    beta = np.array([-5.0, 0.8, 0.5, -0.3, 0.9, -1.2, 0.7])

    def stocks(p, y):
        x, off = C.gravity_design(p, y, dist, [contig])
        out = np.zeros((R, R))
        out[off] = np.exp(x @ beta)
        return out

    s0 = stocks(pop, inc)
    fitted, r2 = C.fit_gravity(s0, pop, inc, dist, [contig])
    assert np.allclose(fitted, beta, atol=1e-8) and r2 == pytest.approx(1.0)
    pop1, inc1 = pop * 1.3, inc * rng.uniform(0.8, 2.0, R)
    assert np.allclose(C.gravity_null(s0, fitted, pop, inc, pop1, inc1), stocks(pop1, inc1))


def test_errors_weight_corridors_by_their_stock():
    observed = np.array([[0.0, 100.0], [300.0, 0.0]])
    estimate = np.array([[0.0, 100.0 * np.e], [300.0, 0.0]])
    weight = np.array([[0.0, 1.0], [3.0, 0.0]])
    assert C.weighted_log_error(estimate, observed, weight) == pytest.approx(0.25)
    assert C.mape(estimate, observed) == pytest.approx(100.0 * (np.e - 1) / 2)


@needs_inputs
def test_observed_stocks_sum_the_un_matrix_into_area_pairs():
    mapping = pl.DataFrame(
        {"iso3": ["USA", "CAN", "MEX"], "area": ["N", "N", "M"], "area_name": ["", "", ""]}
    )
    stock = pl.DataFrame(
        {
            "year": [1990, 1990, 1990, 2010],
            "origin": ["MEX", "MEX", "USA", "MEX"],
            "destination": ["USA", "CAN", "CAN", "USA"],
            "stock": [10.0, 2.0, 5.0, 99.0],
        }
    )
    got = C.observed_stocks(stock, mapping, ["M", "N"], (1990,))
    assert got[1990].tolist() == [[0.0, 12.0], [0.0, 0.0]]  # USA->CAN is inside N


class _SmallRunner:
    """A Runner whose runs use 20,000 agents (the experiment in seconds)."""

    def __new__(cls, root):
        from migsim.validation.runner import Runner

        class Small(Runner):
            def size(self, cfg) -> int:
                return 20_000

        return Small(root, quick=True)


@needs_inputs
@pytest.mark.slow
def test_history_experiment_runs_and_reports_both_nulls(tmp_path):
    from migsim.validation import EXPERIMENTS

    runner = _SmallRunner(tmp_path)
    checks = EXPERIMENTS["HISTORY"](runner)
    run = runner.runs["history_1990"]
    assert run.manifest["calibration"]["source"] == "stored"
    assert run.manifest["scenario"]["name"] == "history"
    by_key = {c.quantity: c for c in checks}
    assert set(by_key) == {q.split(":", 1)[1] for q in EXPERIMENTS["HISTORY"].quantities}
    growth = by_key["corridor_log_error_2005"]
    assert growth.null == pytest.approx(0.0, abs=1e-12)  # fitted on 1990-2005
    assert all(np.isfinite(c.simulated) and np.isfinite(c.null) for c in checks)
