"""The political economy of migration liberalisation between two regions (the seed's annex,
Tables 6.A1-6.A4; Trachtman 2009): a 2x2 game computed from four simulated runs.

    play(region_a, region_b, years=8, size=100_000, seed=1, world="default", out_dir=None,
         payoff="welfare", loss_aversion=2.25) -> GameResult
    analyse_runs(out_dir, region_a, region_b, payoff=...)   the game from play's saved runs

The four runs share one seed (common random numbers), so payoff differences come from
policy alone:

    none      no liberalisation (status quo)
    A alone   policy cost 0 for entries INTO A from B
              (`{kind: scale_policy_cost, factor: 0.0, origins: [B], destinations: [A]}`)
    B alone   the same for entries into B from A
    both      both components

Payoff of a side X (final simulated year, % change against `none`):
  welfare          natives + access (both in % of income): the welfare payoff of the game
  natives          real money income per X-born person, wherever they live: X's resident
                   natives' earnings - taxes + public spending received (fiscal.parquet) + X's
                   capital income owned by X's natives, net of the cost of the capital that
                   liberalisation added or removed (`native_capital_income`: capital follows
                   labour and is supplied at the base-year return r0, so the return on
                   capital that arrives with immigrants is not a gain to natives), plus X-born
                   people abroad (stocks.parquet, origin X) valued at the per-person
                   earnings - taxes + public spending of immigrants of the same skill and age
                   band in their location
  access           the option value of the destinations open to X's people (the seed's
                   "consumers", neutral without reciprocity and weakly in favour with it):
                   X-born people choose where to live in a random-utility model (nested
                   logit, engine/model/behaviour.py), so a partner's opening is worth more to them
                   than the money income of those who use it. Each run records per region
                   and year `access_value` (regions.parquet; MigrationStep.access_value): the
                   change in the expected maximum utility (the log-sum, `behaviour.log_sum`)
                   of that year's decision between the run's policy costs and the status
                   quo's, at the run's own incomes and diasporas, divided by the income
                   elasticity lambda (log points of income, Small & Rosen 1981), averaged
                   over the people living in their region of birth. `access` = 100 x that
                   x the share of X-born people living at home (0 for those abroad): per
                   X-born person, % of income. It is 0 exactly in `none` and when only X
                   opens (X's people face unchanged costs), > 0 when the partner opens.
                   Money-income effects (wages at home and abroad) are left to the other
                   measures, so they are not counted twice. What it leaves out [A]: it is
                   the option of the year's decision for those at home; the X-born who have
                   already moved are valued at their money income abroad, which understates
                   what they gained by their own choice (movers to a poorer partner lower
                   `natives`), and liquidity constraints and lottery-rationed quotas are not
                   in the utility (a quota's shadow price is).
  natives_resident the same for the natives living in X only (the host-country view)
  scarce_labour    the native wage of the skill whose native wage falls most when X
                   liberalises alone (the skill immigration competes with)
  abundant_labour  the native wage of the other skill
  scarce_born      earnings per native-born person of the scarce skill, at home and abroad
                   (abroad valued at the earnings per person of immigrants of the same skill
                   and age band where they live): the group with its members who emigrate
  abundant_born    the same for the other skill
  capital          X's natives' capital income (net, as above)
  taxpayers        X's fiscal balance; its "%" is the change in the balance in % of the
                   status quo's tax revenue (a balance is near 0, so a % of it would be
                   meaningless): the proportional tax cut (+) or rise (-) it would allow at
                   the status quo's tax base, which every resident taxpayer pays on their
                   taxes. It used to be the balance per resident native, which changed when
                   natives emigrated with the balance unchanged (a deficit shared by fewer
                   natives looked larger, although the tax rate that closes it is the same):
                   an artefact of the denominator, worth -0.09 of the -0.37 points that
                   NTA's taxpayers lost under reciprocity in the twins world (NTA-NTB, 400k
                   agents, 6 years, seed 1; now -0.28). The rest is the model's: the swap
                   of natives for equally skilled immigrants lowers earnings, because
                   immigrants' credentials transfer only in part (kappa 0.85 non-tertiary,
                   0.7 tertiary, reaching 1 over 10 years, EconomyConf) and immigrants are
                   imperfect substitutes for natives (sigma_N 20), while public spending per
                   person is the same: NTA's taxes -2.0 bn, spending +0.2 bn, revenue taxed
                   on GDP -0.8 bn, balance -2.9 bn of 1,037 bn taxes. Fewer efficiency units
                   also lower the return on the capital in place while it adjusts (partial
                   closure): capital -0.07%.

  political        the political payoff (below), in the same "%" units

Two payoffs (`payoff`): "welfare" (default) = natives + access; "political" = the support of a
government that weighs its natives' groups with loss aversion (Freund & Ozden 2008: loss
aversion and reference dependence in a Grossman-Helpman political-support model; the seed's
annex reads the games off the positions of scarce labour, abundant labour, capital and
consumers):

    political = sum_g w_g v(change_g),  v(x) = x (x >= 0), loss_aversion * x (x < 0)

over g = scarce_born, abundant_born, capital, taxpayers, access (`POLITICAL_GROUPS["born"]`;
the resident natives' wages instead with labour="resident"), w_g = the group's income as a
share of natives' factor income in the status quo (`political_weights`; taxpayers: the taxes
the resident natives pay, since a change in the balance changes every taxpayer's tax in
proportion and natives pay their share of it; access: ACCESS_WEIGHT = 1, because every native
has the option and `access` is already per native-born person in % of income, so the group's
income is all of the natives' income [A]), reference point = no liberalisation,
loss_aversion = 2.25 (`LOSS_AVERSION`). The access group never loses (costs only fall in the
game), so loss aversion does not touch it. With
loss_aversion 1 it is about the natives' income change and additive if the groups' changes
are; with > 1 a group that loses from its side opening alone but not when access abroad comes
with it makes reciprocity worth more than the sum of the two openings. The weights go with the
skill, so which skill is called "scarce" changes the labels, not the payoff.

Positions (Tables 6.A1/6.A3) classify the % change of each group's payoff against `none`,
without reciprocity (X liberalises alone) and with reciprocity (both):
  in favor >= +0.5%; weakly in favor [+0.05%, +0.5%); neutral (-0.05%, +0.05%);
  weakly opposed (-0.5%, -0.05%]; opposed <= -0.5%     (thresholds: POSITION_THRESHOLDS)

Complementarity of a side: payoff(L,L) - payoff(L,D) - payoff(D,L) + payoff(D,D) (own and
partner's action in that order). A side's own liberalisation can pay when the partner
reciprocates and cost it when the partner does not (the cooperation game of Table 6.A2)
only if its complementarity exceeds the gain from liberalising alone in absolute value;
with payoffs additive in the two openings (complementarity 0) the side's best reply does
not depend on the partner and a cooperation game cannot arise.

Game type, from each side's best responses (payoffs within `tol` percent points of each
other are ties): both have dominant L -> harmony; both dominant D -> prisoner's dilemma if
both prefer (L, L) to (D, D), else deadlock; one has dominant D and the other's best reply
matches it (L to L, D to D) -> bully game (the dominant-D side is the bully, Table 6.A4);
one dominant D and the other dominant L -> one-sided (asymmetric dominance); neither has a
dominant strategy and both match -> cooperation game (assurance; Table 6.A2) if both prefer
(L, L) to (D, D), else coordination game; both anti-match -> chicken; one dominant L and the
other matching -> harmony (asymmetric); a side indifferent to its own action counts as
having both strategies weakly dominant (reported as "indifferent").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError

ACTIONS = ("L", "D")  # liberalise, defect (keep the status quo)
POSITION_THRESHOLDS = (0.05, 0.5)  # percent: neutral band, strong band
GROUPS = (
    "welfare",
    "natives",
    "access",
    "natives_resident",
    "scarce_labour",
    "abundant_labour",
    "scarce_born",
    "abundant_born",
    "capital",
    "taxpayers",
)
SCENARIOS = ("none", "A_alone", "B_alone", "both")
PAYOFFS = ("welfare", "political")
# the groups a government weighs: labour as the native-born of each skill at home and abroad
# ("born", the default: a group's members who emigrate keep counting, so access abroad is
# theirs) or as the resident natives' wage ("resident", the positions table's groups)
POLITICAL_GROUPS = {
    "born": ("scarce_born", "abundant_born", "capital", "taxpayers", "access"),
    "resident": ("scarce_labour", "abundant_labour", "capital", "taxpayers", "access"),
}
# Weight of the "access" group (the natives as consumers of the choice of where to live) in
# the political payoff, in units of the natives' factor income: every native has the option,
# so the group's income is all of the natives' income and its weight 1 [A] (its change is
# already per native-born person in % of income; see the module docstring).
ACCESS_WEIGHT = 1.0
# Loss aversion of the political payoff: a group's loss counts LOSS_AVERSION times a gain of
# the same size. lambda = 2.25, the median estimate of Tversky & Kahneman (1992), "Advances in
# Prospect Theory", J. Risk Uncertainty 5: 297-323 [K]; loss aversion and reference dependence
# in a Grossman-Helpman political-support model of trade policy: Freund & Ozden (2008),
# "Trade Policy and Loss Aversion", AER 98(4): 1675-91 (citation checked against the AEA
# article page; its use here for migration, weights and groups: [A]). Cross-check: Tovar
# (2009, J. Int. Econ. 78(1): 154-67) estimates loss aversion of about 2 from US trade
# protection [K]. See engine/data/SOURCES.md, "Numbers in the code".
LOSS_AVERSION = 2.25


# ------------------------------------------------------------------ game theory (pure)
def _best(values: dict[str, float], tol: float) -> set[str]:
    top = max(values.values())
    return {k for k, v in values.items() if v >= top - tol}


def best_responses(a: dict, b: dict, tol: float = 0.0) -> tuple[dict, dict]:
    """a, b: payoffs keyed by (A action, B action). Returns A's best responses to each B
    action and B's to each A action (sets, ties within tol)."""
    br_a = {y: _best({x: a[(x, y)] for x in ACTIONS}, tol) for y in ACTIONS}
    br_b = {x: _best({y: b[(x, y)] for y in ACTIONS}, tol) for x in ACTIONS}
    return br_a, br_b


def nash_equilibria(a: dict, b: dict, tol: float = 0.0) -> list[tuple[str, str]]:
    br_a, br_b = best_responses(a, b, tol)
    return [(x, y) for x in ACTIONS for y in ACTIONS if x in br_a[y] and y in br_b[x]]


def _profile(br: dict) -> str:
    """'L'/'D' dominant, 'indifferent', 'match' (L->L, D->D), 'anti' (L->D, D->L)."""
    common = br["L"] & br["D"]
    if common == {"L", "D"}:
        return "indifferent"
    if common:
        return next(iter(common))
    if br["L"] == {"L"} and br["D"] == {"D"}:
        return "match"
    return "anti"


def classify(a: dict, b: dict, tol: float = 0.0, names=("A", "B")) -> str:
    """The game type from ordinal payoffs (see the module docstring)."""
    br_a, br_b = best_responses(a, b, tol)
    pa, pb = _profile(br_a), _profile(br_b)
    both_prefer_ll = (a[("L", "L")] > a[("D", "D")] + tol) and (b[("L", "L")] > b[("D", "D")] + tol)
    if pa == "indifferent" and pb == "indifferent":
        return "trivial (both indifferent)"
    if pa == pb == "L":
        return "harmony"
    if pa == pb == "D":
        return "prisoner's dilemma" if both_prefer_ll else "deadlock"
    for p, q, bully, other in ((pa, pb, names[0], names[1]), (pb, pa, names[1], names[0])):
        if p == "D" and q in ("match", "indifferent"):
            return f"bully game ({bully} is the bully)"
        if p == "D" and q == "L":
            return f"one-sided ({other} liberalises, {bully} defects)"
        if p == "L" and q == "match":
            return "harmony (asymmetric)"
        if p == "indifferent" and q in ("L", "D"):
            return "harmony (asymmetric)" if q == "L" else f"one-sided ({other} defects)"
    if pa == pb == "match":
        return "cooperation game" if both_prefer_ll else "coordination game"
    if pa == pb == "anti":
        return "chicken"
    return "no pure-strategy equilibrium (discoordination)"


def position(pct: float, thresholds=POSITION_THRESHOLDS) -> str:
    lo, hi = thresholds
    if pct >= hi:
        return "in favor"
    if pct >= lo:
        return "weakly in favor"
    if pct > -lo:
        return "neutral"
    if pct > -hi:
        return "weakly opposed"
    return "opposed"


# ------------------------------------------------------------------ political support (pure)
def loss_averse(x: float, loss_aversion: float = LOSS_AVERSION) -> float:
    """Reference-dependent value of a change x against the status quo: gains count once,
    losses loss_aversion times (the kinked, piecewise-linear value function)."""
    return x if x >= 0 else loss_aversion * x


def political_support(
    changes: dict[str, float], weights: dict[str, float], loss_aversion: float = LOSS_AVERSION
) -> float:
    """A government's payoff from a policy: the weighted sum of its groups' loss-averse
    changes, sum_g w_g v(change_g) (Freund & Ozden 2008). With loss_aversion = 1 it is linear
    (and the game additive if the groups' changes are); with loss_aversion > 1 a group that
    loses from one opening alone but not when the other comes with it makes it non-additive."""
    return sum(w * loss_averse(changes[g], loss_aversion) for g, w in weights.items())


def political_weights(base: dict, scarce: str, labour: str = "born") -> dict[str, float]:
    """Each group's weight: its income as a share of the natives' factor income (earnings of
    both skills + net capital income) in the status quo, so that a 1% change for every group
    is worth 1% of that income; taxpayers weigh the taxes the resident natives pay (their "%"
    is the change in the fiscal balance in % of all taxes, the proportional tax change it
    allows, which natives pay on their taxes), so a change in the balance counts at the
    natives' share of it; access (the option value, already per native-born person in % of
    income) weighs ACCESS_WEIGHT = 1, everyone's income. labour "born": the native-born of
    each skill at home and abroad; "resident": the resident natives. Weighting by income
    share is an assumption [A]."""
    abundant = "high" if scarce == "low" else "low"
    key, (gs, ga, *_) = (
        ("born_earnings", POLITICAL_GROUPS["born"])
        if labour == "born"
        else ("earnings", POLITICAL_GROUPS["resident"])
    )
    income = base[f"{key}_low"] + base[f"{key}_high"] + base["capital"]
    return {
        gs: base[f"{key}_{scarce}"] / income,
        ga: base[f"{key}_{abundant}"] / income,
        "capital": base["capital"] / income,
        "taxpayers": base["native_taxes"] / income,
        "access": ACCESS_WEIGHT,
    }


# ------------------------------------------------------------------ payoffs from runs
def read_run(run_dir: Path) -> dict[str, pl.DataFrame]:
    """The tables of a run the payoffs are built from: regions (every year), fiscal and
    stocks (final year), read once for all the sides and members of a game."""
    regions = pl.read_parquet(run_dir / "regions.parquet")
    year = int(regions["year"].max())
    return {
        "regions": regions,
        "fiscal": pl.read_parquet(run_dir / "fiscal.parquet").filter(pl.col("year") == year),
        "stocks": pl.read_parquet(run_dir / "stocks.parquet").filter(pl.col("year") == year),
    }


def side_payoffs(run_dir: Path, region: str, tables: dict | None = None) -> dict[str, float]:
    """Levels of `region` in a run's final year from which the payoffs are built (see the
    module docstring and `native_capital_income`); `tables`: `read_run(run_dir)` if already
    read."""
    tables = tables if tables is not None else read_run(run_dir)
    regions, fiscal, stocks = tables["regions"], tables["fiscal"], tables["stocks"]
    year = int(regions["year"].max())
    first = regions.filter(pl.col("year") == regions["year"].min(), pl.col("region") == region)
    reg = regions.filter(pl.col("year") == year, pl.col("region") == region)
    net = pl.col("earnings") - pl.col("taxes") + pl.col("public_spending")
    home = fiscal.filter(pl.col("region") == region, pl.col("nativity") == "native")
    # groups in a fixed order (group_by's is not), so that sums over them, and the game's
    # files, are the same bytes every time
    per_person = (
        fiscal.filter(pl.col("nativity") == "immigrant")
        .group_by("region", "skill", "age_band", maintain_order=True)
        .agg(
            pp=(net.sum() / pl.col("people").sum()),
            pe=(pl.col("earnings").sum() / pl.col("people").sum()),
        )
    )
    abroad = (
        stocks.filter(pl.col("origin") == region, pl.col("location") != region)
        .group_by("location", "skill", "age_band", maintain_order=True)
        .agg(pl.col("people").sum())
        .join(
            per_person,
            left_on=["location", "skill", "age_band"],
            right_on=["region", "skill", "age_band"],
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("pp", "pe").fill_null(0.0))
    )
    if "access_value" not in reg.columns:
        raise InputError(
            str(run_dir / "regions.parquet"),
            "has no column access_value (a run made before the option value was recorded)",
            "runs made by this version of migsim (rerun the game)",
        )
    access = float(reg["access_value"][0] or 0.0)
    labour = {}
    for sk in ("low", "high"):
        h = home.filter(pl.col("skill") == sk)
        ab = abroad.filter(pl.col("skill") == sk)
        labour[f"earnings_{sk}"] = float(h["earnings"].sum())
        # the native-born of the skill at home and abroad (abroad valued at the earnings per
        # person of immigrants of the same skill and age band where they live)
        labour[f"born_earnings_{sk}"] = float(h["earnings"].sum() + (ab["people"] * ab["pe"]).sum())
        labour[f"born_people_{sk}"] = float(h["people"].sum() + ab["people"].sum())
    return {
        "home_income": float(home.select(net.sum()).item()),
        "home_people": float(home["people"].sum()),
        "abroad_income": float((abroad["people"] * abroad["pp"]).sum()),
        "abroad_people": float(abroad["people"].sum()),
        "capital_income": float(reg["capital_income"][0]),
        "capital_stock": float(reg["capital"][0]),
        # r0: the base-year marginal product of capital, at which the long-run closure
        # supplies capital (engine/model/markets.py: rental_rate = alpha Y0 / K0)
        "rental_rate": float(first["capital_income"][0]) / float(first["capital"][0]),
        "capital_income_0": float(first["capital_income"][0]),
        "capital_0": float(first["capital"][0]),
        "wage_low": float(reg["wage_low_native"][0]),
        "wage_high": float(reg["wage_high_native"][0]),
        # the fiscal balance (not per native: see the module docstring) and the taxes the
        # resident natives pay (their share of a tax change that closes a balance change)
        "taxpayers": float(reg["fiscal_balance"][0]),
        "native_taxes": float(home["taxes"].sum()),
        # the option value of the policy costs to the people at home, log points of income
        # per person (engine/steps/migration.py, MigrationStep.access_value)
        "access_value": access,
        "immigrants": float(reg["immigrants"][0]),
        # the political payoff's weights (income shares): resident natives' earnings by
        # skill and the tax revenue
        **labour,
        "tax_revenue": float(reg["tax_revenue"][0]),
    }


# levels of a side that is a bloc: extensive quantities add up over its members; the base
# return on capital is the members' total capital income over their total capital; wages and
# the option value per person are averages weighted by the natives living at home
BLOC_SUMS = (
    "home_income",
    "home_people",
    "abroad_income",
    "abroad_people",
    "capital_income",
    "capital_stock",
    "capital_income_0",
    "capital_0",
    "taxpayers",
    "native_taxes",
    "immigrants",
    "earnings_low",
    "earnings_high",
    "born_earnings_low",
    "born_earnings_high",
    "born_people_low",
    "born_people_high",
    "tax_revenue",
)
BLOC_MEANS = ("wage_low", "wage_high", "access_value")


def side_members(side: str) -> list[str]:
    """The regions of a game side: a region code, or a bloc written CODE+CODE+..."""
    return [code.strip() for code in str(side).split("+")]


def side_levels(run_dir: Path, side: str, tables: dict | None = None) -> dict[str, float]:
    """`side_payoffs` of a side: one region's, or a bloc's (members combined as BLOC_SUMS and
    BLOC_MEANS say). A bloc's native-born are the members' native-born; those living in
    another member count as living abroad from their own region (valued at the income of
    immigrants where they live), so each person counts once."""
    tables = tables if tables is not None else read_run(run_dir)
    members = [side_payoffs(run_dir, code, tables) for code in side_members(side)]
    if len(members) == 1:
        return members[0]
    out = {k: sum(m[k] for m in members) for k in BLOC_SUMS}
    weight = [m["home_people"] for m in members]
    total = sum(weight) or 1.0
    for k in BLOC_MEANS:
        out[k] = sum(m[k] * w for m, w in zip(members, weight)) / total
    out["rental_rate"] = out["capital_income_0"] / out["capital_0"]
    return out


def native_capital_income(level: dict, none: dict) -> float:
    """Capital income that accrues to the natives of a region (its owners), net of the cost
    of the capital that liberalisation added or removed:

        capital_income - r0 (K - K_none)

    The capital stock follows labour (partial or long-run closure): capital that arrives
    with immigrants is financed at the return r0 at which it is supplied (borrowed abroad or
    saved out of consumption, economics.md 2.1: "long run: r fixed"), and capital that
    leaves with emigrants is redeployed at r0, not lost. Counting the gross capital income
    instead would credit the host's natives with the whole return on capital they had to
    pay for (and charge the origin's natives with the return on capital they took out).
    With the long-run closure this leaves natives the return r0 K_none of the capital they
    own; with the partial closure also the quasi-rent (MPK - r0) K while capital adjusts
    (Borjas 1995, the immigration surplus with elastic capital; the seed's Table 6.A3 "with
    free capital movements": capital owners neutral)."""
    return level["capital_income"] - level["rental_rate"] * (
        level["capital_stock"] - none["capital_stock"]
    )


def derived_payoffs(level: dict, none: dict) -> dict[str, float]:
    """The measures of one side in one scenario, given the same side's no-liberalisation
    levels (for the capital it would have owned)."""
    capital = native_capital_income(level, none)
    nan = float("nan")
    home = level["home_income"] + capital
    people = level["home_people"] + level["abroad_people"]
    return {
        "natives": (home + level["abroad_income"]) / people,
        # option value per native-born person, % of income (0 for those abroad)
        "access": 100.0 * level["access_value"] * level["home_people"] / people,
        "natives_resident": home / level["home_people"],
        "wage_low": level["wage_low"],
        "wage_high": level["wage_high"],
        "capital": capital,
        "taxpayers": level["taxpayers"],
        "born_abroad_share": level["abroad_people"] / people,
        "immigrants": level["immigrants"],
        **{
            k: level.get(k, nan)
            for k in (
                "earnings_low",
                "earnings_high",
                "born_earnings_low",
                "born_earnings_high",
                "tax_revenue",
                "native_taxes",
            )
        },
        **{
            f"born_{sk}": level.get(f"born_earnings_{sk}", nan)
            / level.get(f"born_people_{sk}", nan)
            for sk in ("low", "high")
        },
    }


def _pct(x: float, base: float) -> float:
    return 100.0 * (x - base) / abs(base) if base else 0.0


@dataclass
class GameResult:
    region_a: str
    region_b: str
    payoffs: pl.DataFrame  # side, group, scenario, level, pct
    matrix: dict  # {(a_action, b_action): (payoff A %, payoff B %)}
    equilibria: list
    game_type: str
    positions: pl.DataFrame
    scarce: dict  # side -> scarce skill
    text: str
    complementarity: dict | None = None  # side -> LL - LD - DL + DD (own action first)
    out_dir: Path | None = None
    payoff: str = "welfare"  # the payoff of the matrix: "welfare" or "political"
    loss_aversion: float = LOSS_AVERSION
    weights: dict | None = None  # side -> political weight of each group
    game_types: dict | None = None  # payoff -> game type under that payoff


PAYOFF_TEXT = {
    "welfare": "real income per native-born person (at home and abroad) plus the option value "
    "of access abroad, % vs no liberalisation",
    "political": "political support: income-weighted % changes of the natives' groups (scarce "
    "and abundant labour, capital, taxpayers, access) vs no liberalisation, each group's loss "
    "counted {lam:g} times (loss aversion)",
}


def analyse(
    levels: dict,
    region_a: str,
    region_b: str,
    tol: float = 0.01,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
    labour: str = "born",
) -> GameResult:
    """levels[scenario][side] = side_payoffs(...). Builds the game with each side's payoff
    `payoff`: "welfare" (real income per native-born person plus the option value of access,
    group "welfare" = "natives" + "access") or "political" (the loss-averse, income-weighted
    support of its natives' groups, group "political")."""
    if payoff not in PAYOFFS:
        raise InputError("--payoff", f"unknown payoff '{payoff}'", ", ".join(PAYOFFS))
    levels = {
        sc: {side: derived_payoffs(levels[sc][side], levels["none"][side]) for side in ("A", "B")}
        for sc in SCENARIOS
    }
    sides = {"A": region_a, "B": region_b}
    alone = {"A": "A_alone", "B": "B_alone"}
    rows, scarce = [], {}
    for side in ("A", "B"):
        base = levels["none"][side]
        own = levels[alone[side]][side]
        dl = _pct(own["wage_low"], base["wage_low"])
        dh = _pct(own["wage_high"], base["wage_high"])
        scarce[side] = "low" if dl <= dh else "high"
        abundant = "high" if scarce[side] == "low" else "low"
        for sc in SCENARIOS:
            v = levels[sc][side]
            vals = {
                "welfare": v["natives"],
                "natives": v["natives"],
                "access": v["access"],
                "natives_resident": v["natives_resident"],
                "scarce_labour": v[f"wage_{scarce[side]}"],
                "abundant_labour": v[f"wage_{abundant}"],
                "scarce_born": v[f"born_{scarce[side]}"],
                "abundant_born": v[f"born_{abundant}"],
                "capital": v["capital"],
                "taxpayers": v["taxpayers"],
            }
            bvals = {
                "welfare": base["natives"],
                "natives": base["natives"],
                "access": base["access"],
                "natives_resident": base["natives_resident"],
                "scarce_labour": base[f"wage_{scarce[side]}"],
                "abundant_labour": base[f"wage_{abundant}"],
                "scarce_born": base[f"born_{scarce[side]}"],
                "abundant_born": base[f"born_{abundant}"],
                "capital": base["capital"],
                "taxpayers": base["taxpayers"],
            }
            for g in GROUPS:
                if g == "taxpayers":  # balance change in % of the status quo's taxes
                    change = 100.0 * (vals[g] - bvals[g]) / base["tax_revenue"]
                elif g == "access":  # already % of income against the status quo
                    change = vals[g] - bvals[g]
                elif g == "welfare":  # money income + option value
                    change = _pct(vals[g], bvals[g]) + vals["access"] - bvals["access"]
                else:
                    change = _pct(vals[g], bvals[g])
                if g == "welfare":
                    vals_level = change
                else:
                    vals_level = vals[g]
                rows.append(
                    {
                        "side": side,
                        "region": sides[side],
                        "group": g,
                        "scenario": sc,
                        "level": vals_level,
                        "pct": change,
                    }
                )
    if labour not in POLITICAL_GROUPS:
        raise InputError("labour", f"unknown labour groups '{labour}'", ", ".join(POLITICAL_GROUPS))
    weights = {
        side: political_weights(levels["none"][side], scarce[side], labour) for side in ("A", "B")
    }
    change = {(r["side"], r["scenario"], r["group"]): r["pct"] for r in rows}
    for side in ("A", "B"):
        for sc in SCENARIOS:
            ch = {g: change[(side, sc, g)] for g in POLITICAL_GROUPS[labour]}
            value = political_support(ch, weights[side], loss_aversion)
            rows.append(
                {
                    "side": side,
                    "region": sides[side],
                    "group": "political",
                    "scenario": sc,
                    "level": value,
                    "pct": value,
                }
            )
    payoffs = pl.DataFrame(rows)

    def pct(side, sc, group="welfare"):
        return payoffs.filter(
            pl.col("side") == side, pl.col("scenario") == sc, pl.col("group") == group
        )["pct"][0]

    cell = {("L", "L"): "both", ("L", "D"): "A_alone", ("D", "L"): "B_alone", ("D", "D"): "none"}
    types = {}
    for name, group in (("welfare", "welfare"), ("political", "political")):
        pa = {k: pct("A", sc, group) for k, sc in cell.items()}
        pb = {k: pct("B", sc, group) for k, sc in cell.items()}
        types[name] = classify(pa, pb, tol, names=(region_a, region_b))
        if name == payoff:
            a, b = pa, pb
    matrix = {k: (a[k], b[k]) for k in cell}
    eq = nash_equilibria(a, b, tol)
    kind = types[payoff]
    comp = {
        "A": a[("L", "L")] - a[("L", "D")] - a[("D", "L")] + a[("D", "D")],
        "B": b[("L", "L")] - b[("D", "L")] - b[("L", "D")] + b[("D", "D")],
    }
    prow = []
    for side in ("A", "B"):
        for label, sc in (("No reciprocity", alone[side]), ("Reciprocity", "both")):
            row = {"region": sides[side], "case": label}
            for g in (
                "scarce_labour",
                "abundant_labour",
                "capital",
                "taxpayers",
                "access",
                "natives",
                "welfare",
            ):
                p = pct(side, sc, g)
                row[g] = f"{position(p)} ({p:+.2f}%)"
            prow.append(row)
    positions = pl.DataFrame(prow)
    res = GameResult(
        region_a,
        region_b,
        payoffs,
        matrix,
        eq,
        kind,
        positions,
        scarce,
        "",
        comp,
        payoff=payoff,
        loss_aversion=loss_aversion,
        weights=weights,
        game_types=types,
    )
    res.text = render(res, tol)
    return res


def _weights_line(res: GameResult) -> str:
    def w(side):
        return ", ".join(f"{g} {v:.2f}" for g, v in res.weights[side].items())

    return (
        f"Political weights (income shares): {res.region_a}: {w('A')}; "
        f"{res.region_b}: {w('B')}; loss aversion {res.loss_aversion:g}"
    )


def render(res: GameResult, tol: float) -> str:
    ra, rb, matrix, eq = res.region_a, res.region_b, res.matrix, res.equilibria
    comp = res.complementarity

    def c(k):
        pa, pb = matrix[k]
        star = "*" if k in eq else " "
        return f"{pa:+8.3f}%, {pb:+8.3f}%{star}"

    lines = [
        f"Migration liberalisation game: {ra} (rows) vs {rb} (columns)",
        f"payoff ({res.payoff}) = {PAYOFF_TEXT[res.payoff].format(lam=res.loss_aversion)}; "
        "* = pure Nash equilibrium",
        f"{'':>14}{rb + ' liberalises':>24}{rb + ' defects':>24}",
        f"{ra + ' liberalises':>14}{c(('L', 'L')):>24}{c(('L', 'D')):>24}",
        f"{ra + ' defects':>14}{c(('D', 'L')):>24}{c(('D', 'D')):>24}",
        f"Nash equilibria: {', '.join(f'({x}, {y})' for x, y in eq) or 'none'} "
        f"(L = liberalise, D = defect; ties within {tol} points)",
        f"Game type: {res.game_type}",
    ]
    if res.game_types is not None:
        lines.append(
            "Game type by payoff: " + "; ".join(f"{k}: {v}" for k, v in res.game_types.items())
        )
    if res.weights is not None:
        lines.append(_weights_line(res))
    lines.append(
        f"Scarce labour: {ra}: {res.scarce['A']}-skilled natives; "
        f"{rb}: {res.scarce['B']}-skilled natives"
    )
    if comp is not None:
        alone = {"A": matrix[("L", "D")][0], "B": matrix[("D", "L")][1]}
        lines.append(
            "Complementarity of reciprocity (LL - LD - DL + DD, points; a side plays the "
            "cooperation game only if alone < 0 < alone + complementarity): "
            f"{ra} {comp['A']:+.3f} (alone {alone['A']:+.3f}), "
            f"{rb} {comp['B']:+.3f} (alone {alone['B']:+.3f})"
        )
    lines += [
        "Positions (thresholds: neutral within +-0.05%, weak within +-0.5%):",
    ]
    lines.append(" | ".join(res.positions.columns))
    for row in res.positions.iter_rows():
        lines.append(" | ".join(str(v) for v in row))
    return "\n".join(lines)


def _markdown(res: GameResult) -> str:
    def tab(df: pl.DataFrame) -> str:
        out = [
            "| " + " | ".join(df.columns) + " |",
            "|" + "|".join("---" for _ in df.columns) + "|",
        ]
        out += [
            "| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in r) + " |"
            for r in df.iter_rows()
        ]
        return "\n".join(out)

    ra, rb = res.region_a, res.region_b
    m = res.matrix

    def cell(k):
        return f"{m[k][0]:+.3f}%, {m[k][1]:+.3f}%"

    mat = pl.DataFrame(
        {
            "": [f"{ra} liberalises", f"{ra} defects"],
            f"{rb} liberalises": [cell(("L", "L")), cell(("D", "L"))],
            f"{rb} defects": [cell(("L", "D")), cell(("D", "D"))],
        }
    )
    eq = ", ".join(f"({x}, {y})" for x, y in res.equilibria) or "none"
    return "\n".join(
        [
            f"# Migration liberalisation game: {ra} vs {rb}",
            "",
            f"Payoffs ({res.payoff}): {PAYOFF_TEXT[res.payoff].format(lam=res.loss_aversion)} "
            "(row player first).",
            "",
            tab(mat),
            "",
            f"Pure Nash equilibria: {eq}. Game type: **{res.game_type}**.",
            "",
            *(
                [
                    "Game type by payoff: "
                    + "; ".join(f"{k}: {v}" for k, v in res.game_types.items())
                    + ".",
                    "",
                    _weights_line(res) + ".",
                    "",
                ]
                if res.game_types is not None
                else []
            ),
            *(
                [
                    "Complementarity of reciprocity, LL - LD - DL + DD (own action first), "
                    f"points: {ra} {res.complementarity['A']:+.3f}, "
                    f"{rb} {res.complementarity['B']:+.3f}. A side's best reply depends on "
                    "the partner's action (the cooperation game of Table 6.A2) only if this "
                    "exceeds the loss from liberalising alone.",
                    "",
                ]
                if res.complementarity is not None
                else []
            ),
            "## Positions (as in Tables 6.A1/6.A3)",
            "",
            "in favor >= +0.5%; weakly in favor >= +0.05%; neutral within +-0.05%; weakly opposed "
            "> -0.5%; opposed <= -0.5%. Scarce labour = the skill whose native wage falls most "
            f"when the region liberalises alone ({ra}: {res.scarce['A']}, "
            f"{rb}: {res.scarce['B']}).",
            "",
            tab(res.positions),
            "",
            "## Payoffs by group and scenario",
            "",
            tab(res.payoffs),
            "",
        ]
    )


def play(
    region_a: str,
    region_b: str,
    years: int = 8,
    size: int = 100_000,
    seed: int = 1,
    world: str = "default",
    out_dir: str | Path | None = None,
    tol: float = 0.01,
    extra_overrides: list[str] | None = None,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
) -> GameResult:
    """Simulate the four runs and build the game; writes game.parquet, positions.parquet,
    game.md and the runs (runs/<scenario>/) to `out_dir` (default outputs/games/A_B)."""
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from migsim.runtime.app import CONFIG_DIR, run_simulation
    from migsim.core.world import load_world

    if payoff not in PAYOFFS:
        raise InputError("--payoff", f"unknown payoff '{payoff}'", ", ".join(PAYOFFS))
    wd = load_world(world, None)
    sides = {}
    for key, side in (("REGION_A", region_a), ("REGION_B", region_b)):
        codes = side_members(side)
        for code in codes:
            if code not in wd.codes:
                raise InputError(
                    key,
                    f"unknown region '{code}'",
                    ", ".join(wd.codes) + " (a bloc: codes joined by +, e.g. WEU+EEU)",
                )
        if len(set(codes)) != len(codes):
            raise InputError(key, f"'{side}' names a region twice", "each region once")
        sides[key] = codes
    shared = sorted(set(sides["REGION_A"]) & set(sides["REGION_B"]))
    if shared:
        raise InputError(
            "REGION_B",
            f"{', '.join(shared)} on both sides",
            "two sides without a region in common",
        )
    out = Path(out_dir) if out_dir is not None else Path("outputs/games") / f"{region_a}_{region_b}"
    base = [
        f"world={world}",
        f"population.size={size}",
        f"years={years}",
        f"seed={seed}",
        "progress=false",
        "regime=status_quo",
        *(extra_overrides or []),
    ]

    def comp(dest, orig):
        return {
            "kind": "scale_policy_cost",
            "factor": 0.0,
            "origins": side_members(orig),
            "destinations": side_members(dest),
        }

    regimes = {
        "none": ("no_liberalisation", []),
        "A_alone": (f"{region_a}_liberalises", [comp(region_a, region_b)]),
        "B_alone": (f"{region_b}_liberalises", [comp(region_b, region_a)]),
        "both": ("both_liberalise", [comp(region_a, region_b), comp(region_b, region_a)]),
    }
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg0 = compose("config", overrides=base)
    for sc, (name, comps) in regimes.items():
        cfg = cfg0.copy()
        with open_dict(cfg):
            cfg.regime.name = name
            cfg.regime.components = comps
        run_dir = out / "runs" / sc
        run_simulation(cfg, run_dir, progress=False)
    return analyse_runs(out, region_a, region_b, tol, payoff, loss_aversion)


def analyse_runs(
    out: str | Path,
    region_a: str,
    region_b: str,
    tol: float = 0.01,
    payoff: str = "welfare",
    loss_aversion: float = LOSS_AVERSION,
    labour: str = "born",
) -> GameResult:
    """Build the game from the four runs in out/runs/<scenario>/ (written by `play`) and
    write game.parquet, positions.parquet and game.md to `out`."""
    out = Path(out)
    levels = {}
    for sc in SCENARIOS:
        run = out / "runs" / sc
        tables = read_run(run)
        levels[sc] = {
            "A": side_levels(run, region_a, tables),
            "B": side_levels(run, region_b, tables),
        }
    res = analyse(levels, region_a, region_b, tol, payoff, loss_aversion, labour)
    res.out_dir = out
    res.payoffs.write_parquet(out / "game.parquet")
    res.positions.write_parquet(out / "positions.parquet")
    (out / "game.md").write_text(_markdown(res))
    return res
