"""The annex games as Alonso (2015) argues them (engine/games/annex.py): the groups' positions
against Tables 6.A1/6.A3 cell by cell, present values, the political rule, the game-type map
over its parameters, and `migsim game` end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from migsim.games import annex
from migsim.games.annex import GROUPS, SideChanges

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_annex_tables_as_typed_from_the_text():
    # Alonso (2015), annex, Table 6.A1 (symmetric countries) and Table 6.A3 (the host of an
    # asymmetric pair, with externalities and free capital movements) [V]
    a1, a3 = annex.TABLE_6A1, annex.TABLE_6A3
    for case in annex.CASES:
        assert a1[("scarce_labour", case)] == a3[("scarce_labour", case)] == ("opposed",)
        assert (
            a1[("abundant_labour", case)] == a3[("abundant_labour", case)] == ("weakly in favor",)
        )
        assert a1[("capital", case)] == ("in favor",)
        assert a3[("capital", case)] == ("neutral",)
        assert "opposed" in a3[("consumers", case)] and "neutral" in a3[("consumers", case)]
    # consumers in symmetric countries: neutral alone, weakly in favour only with reciprocity
    assert a1[("consumers", "no reciprocity")] == ("neutral",)
    assert "weakly in favor" in a1[("consumers", "reciprocity")]
    assert set(a1) == set(a3) == {(g, c) for g in GROUPS for c in annex.CASES}


def _side(changes: dict, shares=None, scarce="non_tertiary") -> SideChanges:
    shares = shares or {"scarce_labour": 0.5, "abundant_labour": 0.3, "capital": 0.2}
    return SideChanges(changes, {**shares, "consumers": 1.0}, scarce)


def test_positions_are_checked_cell_by_cell():
    as_table = {"scarce_labour": -1.0, "abundant_labour": 0.2, "capital": 0.8, "consumers": 0.0}
    recip = {**as_table, "consumers": 0.3}
    rows = annex.positions_check(
        {"no reciprocity": _side(as_table), "reciprocity": _side(recip)}, annex.TABLE_6A1
    )
    assert len(rows) == 8 and all(r["agree"] for r in rows)
    # scarce labour in favour of opening alone contradicts one cell, and only that one
    off = {**as_table, "scarce_labour": 0.7}
    rows = annex.positions_check(
        {"no reciprocity": _side(off), "reciprocity": _side(recip)}, annex.TABLE_6A1
    )
    bad = [(r["group"], r["case"]) for r in rows if not r["agree"]]
    assert bad == [("scarce_labour", "no reciprocity")]
    # weakly opposed is not the table's "opposed" but has its sign
    weak = {**as_table, "scarce_labour": -0.2}
    rows = annex.positions_check(
        {"no reciprocity": _side(weak), "reciprocity": _side(recip)}, annex.TABLE_6A1
    )
    cell = next(r for r in rows if r["group"] == "scarce_labour" and r["case"] == "no reciprocity")
    assert cell["position"] == "weakly opposed" and not cell["agree"] and cell["sign_agrees"]
    # against Table 6.A3 the same capital "in favor" disagrees (the table says neutral)
    rows = annex.positions_check(
        {"no reciprocity": _side(as_table), "reciprocity": _side(recip)}, annex.TABLE_6A3
    )
    assert {(r["group"], r["agree"]) for r in rows if r["group"] == "capital"} == {
        ("capital", False)
    }
    # a side without a table (the origin of an asymmetric pair) is reported, not checked
    rows = annex.positions_check(
        {"no reciprocity": _side(as_table), "reciprocity": _side(recip)}, None
    )
    assert all("agree" not in r for r in rows)


def _symmetric_changes() -> dict:
    """Both sides alike: opening alone costs scarce labour 1%, the partner's opening brings
    consumers access (+0.5% of income), both together leave scarce labour -0.2%."""
    zero = dict.fromkeys(GROUPS, 0.0)
    own = {"scarce_labour": -1.0, "abundant_labour": 0.6, "capital": 0.2, "consumers": 0.0}
    partner = {**zero, "consumers": 0.5}
    both = {"scarce_labour": -0.2, "abundant_labour": 0.6, "capital": 0.2, "consumers": 0.5}
    return {
        "A": {
            "none": _side(zero),
            "A_alone": _side(own),
            "B_alone": _side(partner),
            "both": _side(both),
        },
        "B": {
            "none": _side(zero),
            "B_alone": _side(own),
            "A_alone": _side(partner),
            "both": _side(both),
        },
    }


def test_political_rule_on_hand_made_numbers():
    side = _side({"scarce_labour": -1.0, "abundant_labour": 0.6, "capital": 0.2, "consumers": 0.5})
    # lambda 1, theta 0: the income-weighted sum 0.5(-1) + 0.3(0.6) + 0.2(0.2) + 0.5
    assert annex.political(side, 1.0, 0.0) == pytest.approx(0.22)
    # loss aversion 2: the loss counts twice; theta 1: organised groups count twice
    assert annex.political(side, 2.0, 0.0) == pytest.approx(-0.28)
    assert annex.political(side, 1.0, 1.0) == pytest.approx(2 * (-0.5 + 0.18 + 0.04) + 0.5)


def test_game_type_map_over_the_rules_parameters():
    changes = _symmetric_changes()
    kinds = annex.game_map(changes, ("A", "B"))
    assert set(kinds) == {(lam, th) for lam in annex.LAMBDA_GRID for th in annex.THETA_GRID}
    # both-open keeps 0.72 - 0.1 lambda (theta scales the organised part) against 0.5 from
    # the partner alone: a cooperation game (Table 6.A2) below lambda 2.2, a prisoner's
    # dilemma above
    assert kinds[(1.0, 0.0)] == "cooperation game"
    assert kinds[(2.0, 0.5)] == "cooperation game"
    assert kinds[(2.25, 0.02)] == "prisoner's dilemma"
    assert kinds[(3.0, 1.0)] == "prisoner's dilemma"
    pa, pb = annex.payoff_matrix(changes, 1.0, 0.0)
    assert pa[("L", "L")] == pytest.approx(0.62) and pa[("D", "D")] == 0.0
    assert pa == {(x, y): pb[(y, x)] for (x, y) in pa}  # the symmetric game


def test_bully_game_from_host_positions_like_table_6a3():
    """A host whose scarce labour loses whatever the origin does and an origin that gains from
    the host's opening: the rich side defects (the bully game of Table 6.A4)."""
    zero = dict.fromkeys(GROUPS, 0.0)
    host_open = {"scarce_labour": -1.0, "abundant_labour": 0.2, "capital": 0.0, "consumers": -0.1}
    origin_gain = {**zero, "scarce_labour": 0.3, "abundant_labour": 0.3, "consumers": 2.0}
    origin_open = {**zero, "scarce_labour": -0.1}
    changes = {
        "A": {
            "none": _side(zero),
            "A_alone": _side(host_open),
            "B_alone": _side(zero),
            "both": _side(host_open),
        },
        "B": {
            "none": _side(zero),
            "A_alone": _side(origin_gain),
            "B_alone": _side(origin_open),
            "both": _side({**origin_gain, "consumers": 2.2}),
        },
    }
    kinds = annex.game_map(changes, ("USA", "MEX"))
    assert set(kinds.values()) == {"bully game (USA is the bully)"}


def _series(years, factor=1.0, **over) -> pl.DataFrame:
    cols = {
        "year": years,
        "earnings_home_tertiary": [100.0] * len(years),
        "people_home_tertiary": [10.0] * len(years),
        "earnings_abroad_tertiary": [0.0] * len(years),
        "people_abroad_tertiary": [0.0] * len(years),
        "earnings_home_non_tertiary": [300.0] * len(years),
        "people_home_non_tertiary": [30.0] * len(years),
        "earnings_abroad_non_tertiary": [0.0] * len(years),
        "people_abroad_non_tertiary": [0.0] * len(years),
        "native_taxes": [80.0] * len(years),
        "native_net": [400.0] * len(years),
        "home_people": [40.0] * len(years),
        "capital_income": [100.0] * len(years),
        "capital": [1000.0] * len(years),
        "fiscal_balance": [0.0] * len(years),
        "tax_revenue": [100.0] * len(years),
        "gdp": [500.0] * len(years),
        "population": [40.0] * len(years),
        "access_value": [0.0] * len(years),
        "externality_cost": [0.0] * len(years),
    }
    cols.update(over)
    return pl.DataFrame(cols)


def test_present_values_discount_later_years():
    years = [2010, 2011, 2012]
    none = _series(years)
    # non-tertiary earnings +2% in 2012 only: the PV change is 2% x d^2 / (d + d^2)
    level = _series(years, earnings_home_non_tertiary=[300.0, 300.0, 306.0])
    ch = annex.side_changes(level, none, "non_tertiary", discount_rate=0.03)
    d = 1 / 1.03
    assert ch.changes["scarce_labour"] == pytest.approx(2.0 * d**2 / (d + d**2))
    assert ch.changes["abundant_labour"] == pytest.approx(0.0)
    # the base year (2010) does not count; shares are PV shares of natives' factor income
    assert ch.shares["scarce_labour"] == pytest.approx(300 / 500)
    assert ch.shares["capital"] == pytest.approx(100 / 500)
    # consumers: a fiscal balance +10 each year at the natives' 80% of taxes, over income 500
    level = _series(years, fiscal_balance=[0.0, 10.0, 10.0])
    ch = annex.side_changes(level, none, "tertiary")
    assert ch.changes["consumers"] == pytest.approx(100 * 8 / 500)
    assert ch.scarce == "tertiary" and ch.changes["scarce_labour"] == pytest.approx(0.0)
    # capital that followed labour is netted out at r0 = 0.1: +10 income on +100 capital = 0
    level = _series(years, capital_income=[100.0, 110.0, 110.0], capital=[1000.0, 1100.0, 1100.0])
    assert annex.side_changes(level, none, "tertiary").changes["capital"] == pytest.approx(0.0)


def test_education_groups_read_tertiary_against_the_rest():
    assert annex.education_group("high") == annex.education_group("tertiary") == "tertiary"
    for skill in ("low", "primary", "secondary"):
        assert annex.education_group(skill) == "non_tertiary"


def test_settings_off_and_on_and_on_is_skipped_without_its_switches():
    assert annex.SETTINGS["off"] == []
    assert sorted(o.split("=")[0] for o in annex.SETTINGS["on"]) == sorted(
        annex.EXTERNALITY_SWITCHES
    )
    ok, why = annex.setting_available(annex.SETTINGS["off"], "toy")
    assert ok
    ok, why = annex.setting_available(["economy.no_such_switch=1"], "toy")
    assert not ok and "economy.no_such_switch" in why


def _game(args, tmp_path, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "migsim.cli", "game", *args, "--out", str(tmp_path / "g")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_annex_game_end_to_end(tmp_path):
    proc = _game(
        ["NTH", "STH", "--world", "toy", "--size", "20000", "--years", "3", "--seeds", "1,2"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for needle in (
        "(1) Positions",
        "(2) Payoff matrix",
        "(3) Nash equilibria",
        "(4) Game type",
        "(5) Game type over",
        "Table 6.A",
    ):
        assert needle in out, needle
    positions = pl.read_parquet(tmp_path / "g" / "annex_positions.parquet")
    # 2 seeds x 2 sides x 4 groups x 2 cases for every setting played
    played = positions["setting"].unique().to_list()
    assert positions.height == 32 * len(played)
    checked = positions.filter(pl.col("table_name") != "none")
    assert checked.height > 0 and checked["agree"].is_not_null().all()
    types = pl.read_parquet(tmp_path / "g" / "annex_types.parquet")
    assert types.height == 2 * len(annex.LAMBDA_GRID) * len(annex.THETA_GRID) * len(played)
    if "on" not in played:  # the externality switches are not in this configuration
        assert "Externalities on**: skipped" in out
    # the first seed's four runs are the game's own; only seed 2's were added
    assert (tmp_path / "g" / "annex" / "off" / "seed2" / "none" / "regions.parquet").is_file()
    assert not (tmp_path / "g" / "annex" / "off" / "seed1").exists()
    assert (tmp_path / "g" / "annex.md").read_text().startswith("### NTH and STH")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["DEU", "XXX", "--world", "countries"], ("XXX",)),
        (["DEU", "DEU", "--world", "countries"], ("DEU", "both sides")),
        (["DEU", "FRA", "--world", "countries", "--seeds", "1,x"], ("--seeds", "1,x")),
    ],
    ids=["unknown-country", "same-country-twice", "bad-seeds"],
)
def test_cli_annex_bad_inputs_exit_2_in_one_line(tmp_path, args, needles):
    proc = _game(args, tmp_path, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and all(n in lines[0] for n in needles), proc.stderr
    assert not (tmp_path / "g").exists()


def test_policy_cost_like_takes_the_destinations_mean_cost_from_like_origins():
    from types import SimpleNamespace

    import numpy as np

    from migsim.core.errors import InputError
    from migsim.core.world import load_world
    from migsim.regimes.registry import component_spec

    world = load_world("toy", None)
    R = world.n_regions
    cost = np.arange(R * R * 2, dtype=float).reshape(R, R, 2)
    policy = SimpleNamespace(policy_cost=cost.copy())
    apply = component_spec("policy_cost_like", "regime.components[0]").apply
    nth, mid, sth = (world.index(c) for c in ("NTH", "MID", "STH"))
    c = {"kind": "policy_cost_like", "origins": ["MID"], "destinations": ["NTH"], "like": ["STH"]}
    apply(policy, world, c, "regime.components[0]")
    assert (policy.policy_cost[mid, nth] == cost[sth, nth]).all()
    changed = np.argwhere(policy.policy_cost != cost)
    assert {(int(o), int(d)) for o, d, _ in changed} == {(mid, nth)}
    # `like` naming only the covered origin and the destination leaves nothing to copy
    with pytest.raises(InputError, match="leaves no origin"):
        apply(policy, world, {**c, "like": ["MID", "NTH"]}, "regime.components[0]")
    with pytest.raises(InputError, match="like"):
        apply(policy, world, {k: v for k, v in c.items() if k != "like"}, "regime.components[0]")


def test_a_pair_sharing_a_bloc_is_played_from_free_movement():
    from migsim.core.world import load_world

    world = load_world("countries", None)
    assert annex.already_open(world, ["DEU"], ["FRA"])
    assert not annex.already_open(world, ["USA"], ["MEX"])
    comps = annex.scenario_components(["DEU"], ["FRA"], world)
    assert comps["both"] == []  # the status quo: free movement inside the EU
    closing = comps["none"][0]
    assert closing["kind"] == "policy_cost_like" and closing["destinations"] == ["DEU"]
    # like: developed countries outside the EU, e.g. the US and Japan, not EU members
    assert {"USA", "JPN"} <= set(closing["like"]) and not {"ITA", "FRA", "DEU"} & set(
        closing["like"]
    )
    assert comps["A_alone"] == [comps["none"][1]]  # DEU open, FRA keeps its cost on Germans
    assert annex.scenario_components(["USA"], ["MEX"], world)["none"] == []


def test_the_docs_generator_runs_twice_and_looks_for_its_markers_first(tmp_path, monkeypatch):
    """`python -m migsim.games.annex --write/--check FILE` (docs/games.md's command) on the
    toy world with one small pair: a file without the markers is refused before any run,
    the block is written, a second `--write` reruns the games over the first's runs and
    `--check` then finds the block up to date."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(annex, "DOC_PAIRS", (("NTH", "STH", 5000),))
    monkeypatch.setattr(annex, "DOC_WORLD", "toy")
    monkeypatch.setattr(annex, "DOC_YEARS", 2)
    monkeypatch.setattr(annex, "DOC_SEEDS", (1,))
    plain = tmp_path / "plain.md"
    plain.write_text("no markers here\n")
    assert annex.main(["--check", str(plain)]) == 2
    assert not (tmp_path / "outputs").exists()  # refused before any run
    page = tmp_path / "games.md"
    page.write_text(f"# Games\n\n{annex.DOC_BEGIN}\nold\n{annex.DOC_END}\n")
    assert annex.main(["--write", str(page)]) == 0
    first = page.read_text()
    assert "### NTH and STH" in first
    assert annex.main(["--write", str(page)]) == 0  # the runs of the first are replaced
    assert page.read_text() == first
    assert annex.main(["--check", str(page)]) == 0
