"""A side's payoffs from simulated runs: the levels of a region or bloc in a run's final year,
the payoffs derived from them against no liberalisation (natives' income with capital net
of the capital that followed labour, the option value of access, groups), and the political
support of a loss-averse government. Definitions: the docstring of migsim.games."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from migsim.analysis.runs import load_run
from migsim.core.errors import InputError

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
    stocks (final year only: filtered while scanning), read once for all the sides and
    members of a game."""
    run = load_run(run_dir)
    regions = run.table("regions")
    year = int(regions["year"].max())
    return {
        "regions": regions,
        "fiscal": run.lazy("fiscal").filter(pl.col("year") == year).collect(),
        "stocks": run.lazy("stocks").filter(pl.col("year") == year).collect(),
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
    # switches (migsim.model.externalities): costs borne by the resident natives, and with
    # mobile capital the capital the natives own (at home or abroad) and its income
    cost = sum(float(reg[c][0]) for c in ("congestion_cost", "cohesion_cost") if c in reg.columns)
    owned = "capital_owned" in reg.columns
    stock, income = (
        ("capital_owned", "capital_income_owned") if owned else ("capital", "capital_income")
    )
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
        "capital_income": float(reg[income][0]),
        "capital_stock": float(reg[stock][0]),
        "externality_cost": cost,
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
    "externality_cost",
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
    saved out of consumption, docs/model.md §5.4: the long-run closure keeps the return on
    capital fixed), and capital that leaves with emigrants is redeployed at r0, not lost.
    Counting the gross capital income instead would credit the host's natives with the whole
    return on capital they had to pay for (and charge the origin's natives with the return
    on capital they took out). With the long-run closure this leaves natives the return r0
    K_none of the capital they own; with the partial closure also the quasi-rent (MPK - r0)
    K while capital adjusts (Borjas 1995, the immigration surplus with elastic capital; the
    seed's Table 6.A3 "with free capital movements": capital owners neutral)."""
    return level["capital_income"] - level["rental_rate"] * (
        level["capital_stock"] - none["capital_stock"]
    )


def derived_payoffs(level: dict, none: dict) -> dict[str, float]:
    """The measures of one side in one scenario, given the same side's no-liberalisation
    levels (for the capital it would have owned)."""
    capital = native_capital_income(level, none)
    nan = float("nan")
    home = level["home_income"] + capital - level.get("externality_cost", 0.0)
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
