"""Evidence tiers: every validation check is calibrated, fitted, identity or out-of-sample,
derived from the calibration's exported targets (migsim.model.targets), never typed per
check; a quantity the model was fitted to can never be reported as out-of-sample."""

import polars as pl
import pytest

from migsim import validation as v
from migsim.core.errors import InputError
from migsim.model.targets import KINDS, TARGETS, targets_of
from migsim.validation import registry
from migsim.validation.checks import Check, point, within
from migsim.validation.report import headline, readme_table, to_frame

ALL = {q: exp for exp in registry.registered().values() for q in exp.quantities}


def test_every_target_reads_back_a_registered_check():
    """A renamed or removed check cannot silently leave a target behind (and so promote the
    quantity it measured to out-of-sample)."""
    for target in TARGETS:
        assert target.kind in KINDS, target.id
        hit = [q for q in ALL if target.covers(q)]
        assert hit, f"target {target.id} matches no validation quantity: {target.checks}"


def test_a_calibration_target_is_never_out_of_sample():
    for key, exp in ALL.items():
        tier, reason = exp.tier_of(key)
        assert tier in registry.TIERS
        if targets_of(key):
            assert tier in ("calibrated", "fitted"), key
            assert reason, key
        if tier != "out_of_sample":
            assert reason, f"{key} is {tier} without a reason"


def test_the_named_calibration_read_backs_are_tiered():
    """The quantities the model is built to give: base-year stocks and shares, E8's 400M,
    E12's +3% labour force, E15's elasticity, E23's remittances (calibrated); E18's exit
    rate and E8's GDP through catch_up (fitted); E4's uniform shocks on the simulated market
    (identity), while E2, E3 and E5 read the simulated market's groups (out of sample)."""
    expect = {
        "E1:stock_2013_world_M": "calibrated",
        "E1:corridor_S_to_N_pct": "calibrated",
        "E1:women_share_pct": "calibrated",
        "E8:extra_migrants_after_10y_M": "calibrated",
        "E8:world_gdp_pct_after_10y": "fitted",
        "E12:developed_labour_force_pct_2025": "calibrated",
        "E15:elasticity_ex_ante_H_to_p_skilled": "calibrated",
        "E18:five_year_exit_pct_2014_cohort": "fitted",
        "E23:remittances_received_world_usd_bn": "calibrated",
        "E27:r2_log_flows_on_log_diaspora": "calibrated",
        "BACKCAST:stock_1990_World_M": "calibrated",
        "E4:avg_wage_pct_uniform_10pct_K_adjusting": "identity",
        "E4:avg_wage_pct_uniform_10pct_K_fixed": "identity",
        "E3:native_avg_wage_pct_K_adjusting": "out_of_sample",
        "E2:native_low_skill_wage_pct_vs_dropouts": "out_of_sample",
        "E11:world_income_per_worker_pct_after_100y": "out_of_sample",
        # the back-cast: 1990 is the 1990 world's input stocks, 2000 lies inside the
        # 1990-2005 window its calibration was fitted on, 2010 and 2013 after it; the 2013
        # world total spans the 2010-13 growth behaviour.stock_growth was set to
        "BACKCAST:stock_2000_areas_log_error": "fitted",
        "BACKCAST:stock_2000_World_M": "fitted",
        "BACKCAST:stock_2010_areas_log_error": "out_of_sample",
        "BACKCAST:stock_2010_World_M": "out_of_sample",
        "BACKCAST:stock_2013_areas_log_error": "out_of_sample",
        "BACKCAST:stock_2013_World_M": "fitted",
        # the 232-country world's checks: the return hazard's destination scales are
        # calibrated to OECD's rates of these destinations, so E18-dest reads them back
        "E18:five_year_exit_pct_NLD": "calibrated",
        "E18:five_year_exit_pct_USA": "calibrated",
        "E19:uk_recent_eea_taxes_over_spending_pct": "out_of_sample",
        "E22:india_net_fiscal_loss_us_indian_born_pct_gdp": "out_of_sample",
        "E26:tonga_to_nzl_income_gain_pct": "out_of_sample",
    }
    for key, tier in expect.items():
        assert registry.evidence(key)[0] == tier, key


def test_an_identity_cannot_be_declared_for_a_calibration_target(monkeypatch):
    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))
    with pytest.raises(InputError, match="calibration targets it"):
        registry.experiment(
            "E1",
            title="t",
            cost="analytic",
            quantities=["E1:stock_2013_world_M"],
            identities={"E1:stock_2013_world_M": "it is data"},
        )
    with pytest.raises(InputError, match="X9:b"):
        registry.experiment(
            "X9", title="t", cost="analytic", quantities=["X9:a"], identities={"X9:b": "why"}
        )


def test_report_reads_calibrated_checks_as_reproduced_and_leads_with_out_of_sample():
    checks = [
        point("E1", "stock_2013_world_M", "UN", "V", 232.0, 231.0, "M"),  # calibrated, holds
        point(
            "E11", "world_income_per_worker_pct_after_5y", "DDM", "V", 12.0, 2.9, "%"
        ),  # oos, miss
        point(
            "E11", "world_income_per_worker_pct_after_100y", "DDM", "V", 52.0, 50.0, "%"
        ),  # oos, pass
        within(  # identity
            "E4", "avg_wage_pct_uniform_10pct_K_adjusting", "Card", "V", 0.0, 0.0, 0.0, "%"
        ),
    ]
    frame = to_frame(checks)
    assert {"tier", "tier_reason", "result"} <= set(frame.columns)
    row = frame.filter(pl.col("quantity") == "stock_2013_world_M").row(0, named=True)
    assert (row["tier"], row["result"]) == ("calibrated", "reproduced")
    assert "base_year_stocks" in row["tier_reason"]
    head = headline(frame)
    assert head.startswith("out-of-sample: 2 checks, 1 pass (50%), 1 miss")
    assert "calibrated: 1 checks, 1 reproduced" in head
    assert "identity: 1 checks, 1 reproduced" in head
    table = readme_table(frame)
    assert table.index("Out of sample") < table.index("Identities") < table.index("Calibrated")
    assert "| E1 | stock_2013_world_M |" in table and "| reproduced |" in table


def test_quick_mode_marks_its_undecided_checks_and_leaves_them_out_of_the_verdict():
    checks = [
        point("E18", "five_year_exit_pct_2014_cohort", "OECD", "V", 35.0, 19.9, "%"),
        point("E11", "world_income_per_worker_pct_after_5y", "DDM", "V", 12.0, 2.9, "%"),
    ]
    quick = to_frame(checks, quick=True)
    row = quick.filter(pl.col("experiment") == "E18").row(0, named=True)
    assert row["status"] == row["result"] == "undecided"
    assert "quick mode cannot decide it" in row["explanation"]
    assert "1 undecided (within Monte Carlo error, or not decidable in quick mode)" in headline(
        quick
    )
    assert to_frame(checks)["status"].to_list() == ["FAIL", "expected failure"]


def test_agree_with_compares_the_decided_verdicts(tmp_path, monkeypatch, capsys):
    """`--agree-with FILE` exits 3 naming each decided check whose verdict differs, 0 when
    all agree, and refuses an unreadable file with one line."""
    from migsim import validation as v

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))

    @v.experiment("X7", title="t", cost="analytic", quantities=["X7:four", "X7:five"])
    def x7(r):
        return [
            v.point("X7", "four", "arithmetic", "V", 4.0, 4.0),
            v.point("X7", "five", "arithmetic", "V", 5.0, 5.0),
        ]

    first = tmp_path / "a"
    assert v.validate_command(["--only", "X7", "--out", str(first)]) == 0
    ref = pl.read_parquet(first / "validation.parquet")
    assert (
        v.validate_command(
            [
                "--only",
                "X7",
                "--out",
                str(tmp_path / "b"),
                "--agree-with",
                str(first / "validation.parquet"),
            ]
        )
        == 0
    )
    flipped = ref.with_columns(passed=pl.col("quantity") != "five")
    flipped.write_parquet(tmp_path / "flipped.parquet")
    code = v.validate_command(
        [
            "--only",
            "X7",
            "--out",
            str(tmp_path / "c"),
            "--agree-with",
            str(tmp_path / "flipped.parquet"),
        ]
    )
    assert code == 3
    assert "X7:five" in capsys.readouterr().out
    with pytest.raises(InputError, match="--agree-with"):
        v.validate_command(
            ["--only", "X7", "--out", str(tmp_path / "d"), "--agree-with", str(tmp_path / "nope")]
        )


def test_agree_with_skips_the_checks_the_reference_leaves_undecided(tmp_path, monkeypatch):
    """A check the reference run left undecided has no verdict to agree with: a decided
    verdict here is not compared with it (an undecided full run against a decided run with
    more agents is not a disagreement)."""
    from migsim import validation as v

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))

    @v.experiment("X8", title="t", cost="analytic", quantities=["X8:four"])
    def x8(r):
        return [v.point("X8", "four", "arithmetic", "V", 4.0, 4.0)]

    first = tmp_path / "a"
    assert v.validate_command(["--only", "X8", "--out", str(first)]) == 0
    ref = pl.read_parquet(first / "validation.parquet")
    flipped = ref.with_columns(passed=pl.lit(False))
    flipped.write_parquet(tmp_path / "flipped.parquet")
    ref.with_columns(passed=pl.lit(False), status=pl.lit("undecided")).write_parquet(
        tmp_path / "undecided.parquet"
    )
    args = ["--only", "X8", "--agree-with"]
    assert (
        v.validate_command([*args, str(tmp_path / "flipped.parquet"), "--out", str(tmp_path / "b")])
        == 3
    )
    assert (
        v.validate_command(
            [*args, str(tmp_path / "undecided.parquet"), "--out", str(tmp_path / "c")]
        )
        == 0
    )


def test_scale_multiplies_the_agents_of_every_experiment_and_is_checked(tmp_path):
    """`--scale 2` runs every experiment config with twice its agents (horizons unchanged);
    it is refused out of range, with --quick, and where the full run's tables are written."""
    from migsim import validation as v
    from migsim.validation.runner import Runner

    base = Runner(tmp_path / "r1").config("e01_status_quo")
    double = Runner(tmp_path / "r2", scale=2.0).config("e01_status_quo")
    assert double.population.size == 2 * base.population.size
    assert double.years == base.years
    assert Runner(tmp_path / "r3", quick=True).config("e01_status_quo").population.size == (
        base.population.size // 8
    )
    for args, flag in (
        (["--scale", "0"], "--scale"),
        (["--scale", "9"], "--scale"),
        (["--scale", "2", "--quick"], "--scale"),
        (["--scale", "2", "--readme", "README.md"], "--readme"),
    ):
        with pytest.raises(InputError, match=flag):
            v.validate_command([*args, "--out", str(tmp_path / "x")])


def test_a_dynamic_check_passes_only_if_it_beats_its_naive_null():
    inside_but_worse = point("BACKCAST", "x", "t", "V", 100.0, 105.0, "M", null=101.0)
    assert inside_but_worse.in_band and not inside_but_worse.beats_null
    assert not inside_but_worse.passed
    better = point("BACKCAST", "x", "t", "V", 100.0, 101.0, "M", null=105.0)
    assert better.passed and better.beats_null
    assert point("E1", "x", "t", "V", 100.0, 105.0, "M").passed  # no null: the band alone
    frame = to_frame([inside_but_worse])
    assert frame["null"].to_list() == [101.0] and frame["beats_null"].to_list() == [False]


def test_several_seeds_give_means_spreads_and_undecided_verdicts():
    """Checks from three seeds: every figure is the mean, with its spread and Monte Carlo
    error; a mean within two standard errors of its band's edge is undecided, one far from
    it is decided on the mean (whatever one seed alone says)."""
    import math

    def seeds(values, experiment="E18", quantity="five_year_exit_pct_2014_cohort"):
        return [point(experiment, quantity, "OECD", "V", 35.0, v, "%") for v in values]

    # band 31.5 to 38.5; seeds around 31.6 +- 1: within 2 SE of the low edge
    near = [seeds([30.6, 31.6, 32.6])[i : i + 1] for i in range(3)]
    frame = to_frame(near)
    row = frame.row(0, named=True)
    assert row["seeds"] == 3 and row["simulated_seeds"] == [30.6, 31.6, 32.6]
    assert row["simulated"] == pytest.approx(31.6)
    assert row["simulated_sd"] == pytest.approx(1.0)
    assert row["mc_error"] == pytest.approx(1.0 / math.sqrt(3))
    assert row["status"] == row["result"] == "undecided"
    assert "Monte Carlo standard errors" in row["explanation"]
    # far inside the band: decided on the mean
    far = [seeds([34.0, 35.0, 36.0])[i : i + 1] for i in range(3)]
    frame = to_frame(far)
    assert frame["status"][0] in ("pass", "unexpected pass")
    assert frame["simulated"][0] == pytest.approx(35.0)

    # as close to the published value as the null, but clearly outside its band: a miss
    # whatever the null (the null decides only inside the band)
    def tied(v):
        return [Check("BACKCAST", "e", "T", "V", 0.0, 0.0, v, 0.0, 0.095, "", "", v + 0.0001)]

    frame = to_frame([tied(v) for v in (0.105, 0.106, 0.107)])
    assert frame["status"][0] == "FAIL" and frame["explanation"][0] == ""
    frame = to_frame([tied(v) for v in (0.05, 0.051, 0.052)])
    assert frame["status"][0] == "undecided"

    # inside its band near the edge, but much farther from the published value than its
    # null: a miss whatever the band (the null decides beyond Monte Carlo error)
    def behind(v):
        return [Check("BACKCAST", "e", "T", "V", 0.0, 0.0, v, 0.0, 0.095, "", "", 0.001)]

    frame = to_frame([behind(v) for v in (0.093, 0.094, 0.095)])
    assert frame["status"][0] == "FAIL" and not frame["beats_null"][0]
    # one seed: no Monte Carlo error, decided as before
    one = to_frame(seeds([31.6]))
    assert one["seeds"][0] == 1 and math.isnan(one["mc_error"][0])
    assert one["status"][0] != "undecided"


def test_quick_validate_exits_0_when_its_only_misses_are_undecided(tmp_path, monkeypatch, capsys):
    """`migsim validate --quick` never claims a failure it cannot decide: a check quick mode
    cannot decide leaves the exit code 0 and is reported as undecided."""
    from migsim.validation import cli

    checks = [
        point("E18", "five_year_exit_pct_2014_cohort", "OECD", "V", 35.0, 19.9, "%"),
        point("E1", "stock_2013_world_M", "UN", "V", 231.5, 231.5, "M"),
    ]
    monkeypatch.setattr(
        cli, "run_all", lambda out, quick, *a, **k: (to_frame(checks, quick=quick), None)
    )
    monkeypatch.setattr(cli, "write_report", lambda *args: None)
    assert cli.validate_command(["--quick", "--out", str(tmp_path / "q")]) == 0
    streams = capsys.readouterr()
    assert "not decidable in quick mode" in streams.out  # the headline: data, on stdout
    assert "wrote" in streams.err and "wrote" not in streams.out
    assert cli.validate_command(["--out", str(tmp_path / "full")]) == 3  # the full run decides


def test_a_misses_measured_gap_is_written_from_the_run_not_typed():
    """An expected failure's explanation starts with the run's own figures (mean, spread over
    seeds, the published value, the distance to the band, the null), then the declared cause;
    the declared reasons carry no measured figures of their own."""
    from migsim.validation.registry import registered

    per_seed = [
        [point("E11", "world_income_per_worker_pct_after_5y", "DDM", "V", 12.0, v, "%")]
        for v in (2.0, 3.0, 4.0)
    ]
    row = to_frame(per_seed).row(0, named=True)
    assert row["status"] == "expected failure"
    assert row["explanation"].startswith(
        "measured 3 +- 1% (3 seeds) against 12.00%, 7.8% below the accepted band "
        "(0.25x the published value): "
    )
    cause = registered()["E11"].expected_failures["E11:world_income_per_worker_pct_after_5y"]
    assert row["explanation"].endswith(cause)
    for exp in registered().values():
        for key, reason in exp.expected_failures.items():
            assert "+- " not in reason and "(3 seeds)" not in reason, key


def test_undecided_experiments_run_again_on_more_seeds(tmp_path, monkeypatch):
    """`run_all` with three seeds and at most nine: an experiment whose check the first three
    leave within Monte Carlo error of its band's edge runs on three more seeds, and again,
    each check decided on all its seeds; an experiment decided on three runs three times;
    quick mode never adds seeds."""
    from migsim.validation import registry
    from migsim.validation.runner import run_all

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))
    calls = {"X2": [], "X3": []}
    # band 31.5 to 38.5: seeds 0-2 straddle the low edge, the later ones sit inside
    near = [30.0, 33.0, 31.7, 35.0, 35.2, 35.1, 35.0, 35.0, 35.0]

    @v.experiment("X2", title="near", cost="analytic", quantities=["X2:near"])
    def x2(r):
        calls["X2"].append(r.seed_offset)
        return [point("X2", "near", "OECD", "V", 35.0, near[r.seed_offset], "%")]

    @v.experiment("X3", title="far", cost="analytic", quantities=["X3:far"])
    def x3(r):
        calls["X3"].append(r.seed_offset)
        return [point("X3", "far", "OECD", "V", 35.0, 35.0 + 0.1 * r.seed_offset, "%")]

    frame, runner = run_all(tmp_path / "a", only=["X2", "X3"], seeds=3, max_seeds=9, log=print)
    rows = {r["experiment"]: r for r in frame.iter_rows(named=True)}
    assert calls["X3"] == [0, 1, 2] and rows["X3"]["seeds"] == 3
    assert calls["X2"] == [0, 1, 2, 3, 4, 5]  # decided after six: no third batch
    assert rows["X2"]["seeds"] == 6 and rows["X2"]["status"] == "pass"
    assert rows["X2"]["simulated"] == pytest.approx(sum(near[:6]) / 6)
    assert set(runner.first_checks) == {"X2", "X3"}  # the first seed's checks by experiment
    assert runner.first_checks["X2"]["X2:near"].simulated == near[0]
    calls["X2"].clear()
    frame, _ = run_all(tmp_path / "q", True, only=["X2"], seeds=3, max_seeds=9, log=print)
    assert calls["X2"] == [0, 1, 2]


def test_agree_with_a_reference_without_this_runs_checks_fails(tmp_path, monkeypatch, capsys):
    """A reference that does not hold a check this run decides (another world's run, a
    truncated file) cannot vouch for agreement: exit 3, naming the missing checks."""
    from migsim import validation as v

    monkeypatch.setattr(registry, "_EXPERIMENTS", dict(registry.registered()))

    @v.experiment("X9", title="t", cost="analytic", quantities=["X9:four"])
    def x9(r):
        return [v.point("X9", "four", "arithmetic", "V", 4.0, 4.0)]

    first = tmp_path / "a"
    assert v.validate_command(["--only", "X9", "--out", str(first)]) == 0
    other = pl.read_parquet(first / "validation.parquet").with_columns(quantity=pl.lit("six"))
    other.write_parquet(tmp_path / "other.parquet")
    args = ["--only", "X9", "--out", str(tmp_path / "b"), "--agree-with"]
    assert v.validate_command([*args, str(tmp_path / "other.parquet")]) == 3
    assert "1 decided checks of this run are not in" in capsys.readouterr().out
