"""The rules of the annex games (`migsim.games.annex`): the typed tables, the groups, the
levels and present values read from runs, the political rule and the game-type
classification. The annex games as Alonso (2015) argues them: a pair's 2x2
migration-liberalisation game read off the positions of the interest groups that can remove
governments (Tables 6.A1 and 6.A3 of the annex of "Managing Labor Mobility"), on real
country pairs.

Groups, one to one with the annex's columns (`GROUPS`), of the native-born of a side:

    scarce_labour    the education group the partner's people bring relatively more of:
                     non-tertiary if the side's natives are at least as tertiary-educated as
                     the partner's in the base year, tertiary otherwise (Heckscher-Ohlin: the
                     factor a country has relatively less of is the one immigration from the
                     partner competes with); fixed from the base year, before any outcome
    abundant_labour  the other education group
    capital          the natives' capital income net of the capital that followed labour
                     (`payoffs.native_capital_income`, year by year)
    consumers        the natives as taxpayers and users of the choice of where to live: the
                     change in the fiscal balance at the natives' share of taxes plus the
                     option value of access abroad (`access_value` x the natives' income at
                     home), plus any externality cost columns of the run (`EXTERNALITY_COSTS`)

Labour groups are the native-born of the group at home and abroad (abroad valued at the
earnings per person of immigrants of the same education and age band where they live), per
person. Education groups are read through `education_group` only.

Payoffs are present values over the run's horizon (every simulated year after the base year
t = 0) at the real discount rate `DISCOUNT_RATE`: a group's change is

    Delta_g = 100 sum_t d^t (x_g,t - x_g,t^none) / sum_t d^t x_g,t^none,   d = 1 / (1 + r)

(consumers: the money change over the natives' factor income in the status quo).

The political rule, fixed before any outcome was looked at (Grossman & Helpman 1994, "Protection
for Sale", AER 84(4): 833-50, with the loss aversion of Freund & Ozden 2008, AER 98(4): 1675-91):

    G = sum_g s_g (1 + theta I_g) v(Delta_g),   v(x) = x if x >= 0, lambda x if x < 0

s_g: the group's share of the natives' factor income in the status quo (present values;
consumers 1, since their change is already in % of all the natives' income); I_g = 1 for the
organised groups (labour and capital: unions and employers), 0 for consumers (diffuse
interests, Olson 1965); theta = 1/a, the extra weight of an organised group's income against
aggregate welfare (a: the Grossman-Helpman weight on welfare). Plausible ranges, stated in
advance (`PARAMETER_RANGES`): lambda in [1, 3] (1: no loss aversion; 2.25 Tversky & Kahneman
1992 [K]; about 2 from US trade protection, Tovar 2009 [K]); theta in [0, 1] (near 0.01-0.02
in the US structural estimates, Goldberg & Maggi 1999 and Gawande & Bandyopadhyay 2000 [K];
larger in other countries' estimates, e.g. Mitra, Thomakos & Ulubasoglu 2002 for Turkey [K];
1 = an organised group's income counts twice). The headline point is lambda 2.25, theta 0.02;
the map (`game_map`) classifies the game over the whole grid `LAMBDA_GRID` x `THETA_GRID`.

Positions: `theory.position` of each group's Delta, opening alone (no reciprocity) and both
(reciprocity), checked cell by cell against Table 6.A1 (symmetric pairs: both sides) or
Table 6.A3 (asymmetric pairs: the host, the side with the higher GDP per person in the base
year; the annex has no table for the origin). A pair is asymmetric when the richer side's
GDP per person is at least `ASYMMETRY_RATIO` times the other's [A].

Settings (`SETTINGS`): every game is played with the externalities off and, when the
configuration has their switches, on; an unavailable setting is reported as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from migsim.games.theory import classify, position

# ------------------------------------------------------------------ the annex's tables
# Typed from Alonso (2015), "Managing Labor Mobility: A Missing Pillar of Global Governance",
# annex, Tables 6.A1 and 6.A3 [V] (taken from the text; its extraction interleaves
# the columns, so each cell was read with the annex's sentences and section 4's: symmetric
# countries: "only the scarce factor which competes with migrants is clearly opposed", "the
# abundant factors, skilled labor and capital, would favor liberalization; and consumers would
# be neutral (or weakly favorable)"; asymmetric: "only the abundant factor is (weakly)
# favorable", capital "might be neutral" with free capital movements, consumers "turn
# actively against" with externalities). A cell allows one or more positions.
GROUPS = ("scarce_labour", "abundant_labour", "capital", "consumers")
CASES = ("no reciprocity", "reciprocity")
TABLE_6A1 = {  # symmetric countries, both sides
    ("scarce_labour", "no reciprocity"): ("opposed",),
    ("scarce_labour", "reciprocity"): ("opposed",),
    ("abundant_labour", "no reciprocity"): ("weakly in favor",),
    ("abundant_labour", "reciprocity"): ("weakly in favor",),
    ("capital", "no reciprocity"): ("in favor",),
    ("capital", "reciprocity"): ("in favor",),
    ("consumers", "no reciprocity"): ("neutral",),
    ("consumers", "reciprocity"): ("neutral", "weakly in favor"),
}
TABLE_6A3 = {  # asymmetric countries, the host (with externalities and free capital movements)
    ("scarce_labour", "no reciprocity"): ("opposed",),
    ("scarce_labour", "reciprocity"): ("opposed",),
    ("abundant_labour", "no reciprocity"): ("weakly in favor",),
    ("abundant_labour", "reciprocity"): ("weakly in favor",),
    ("capital", "no reciprocity"): ("neutral",),
    ("capital", "reciprocity"): ("neutral",),
    ("consumers", "no reciprocity"): ("neutral", "weakly opposed", "opposed"),
    ("consumers", "reciprocity"): ("neutral", "weakly opposed", "opposed"),
}
TABLES = {"6.A1": TABLE_6A1, "6.A3": TABLE_6A3}
SIGN = {"in favor": 1, "weakly in favor": 1, "neutral": 0, "weakly opposed": -1, "opposed": -1}

# ------------------------------------------------------------------ the rule's parameters
# Real discount rate of the present values: 3%, the consumption rate of interest of US
# regulatory analysis, OMB Circular A-4 (2003) [K].
DISCOUNT_RATE = 0.03
LAMBDA_GRID = (1.0, 1.5, 2.0, 2.25, 2.5, 3.0)
THETA_GRID = (0.0, 0.02, 0.1, 0.25, 0.5, 1.0)
PARAMETER_RANGES = {"loss_aversion": (1.0, 3.0), "theta": (0.0, 1.0)}
HEADLINE = {"loss_aversion": 2.25, "theta": 0.02}
ORGANISED = {"scarce_labour": 1, "abundant_labour": 1, "capital": 1, "consumers": 0}
ASYMMETRY_RATIO = 2.0  # richer / poorer GDP per person from which a pair is asymmetric [A]
TOL = 0.01  # payoff differences below this many points are ties (as `migsim game --tol`)

# ------------------------------------------------------------------ settings
# The externality switches (strength; 0 = off) and capital mobility. ON_VALUES are the
# strengths of the "on" setting: the examples the switches' own parameter docs give
# (congestion 5, cohesion 0.5, capital mobility 0.5) [A].
EXTERNALITY_SWITCHES = (
    "economy.externalities.congestion",
    "economy.externalities.cohesion",
    "economy.capital.mobility",
)
ON_VALUES = dict(zip(EXTERNALITY_SWITCHES, (5.0, 0.5, 0.5)))
SETTINGS = {
    "off": [],
    "on": [f"{name}={value}" for name, value in ON_VALUES.items()],
}
# regions.parquet columns holding a money cost to a region's natives per year (subtracted
# from the consumers' money change when a run has them)
EXTERNALITY_COSTS: tuple[str, ...] = ("congestion_cost", "cohesion_cost")

# Every number the games type, with its flag (engine/data/SOURCES.md): [V] taken from
# Alonso's text, [K] from the literature and not re-checked, [A] assumed here. The report
# counts them.
PROVENANCE = {
    "TABLE_6A1 (8 cells)": "V",
    "TABLE_6A3 (8 cells)": "V",
    "DISCOUNT_RATE 0.03": "K",
    "loss aversion headline 2.25": "K",
    "loss aversion range 1-3": "K",
    "theta headline 0.02": "K",
    "theta range 0-1": "A",
    "organised groups (labour, capital)": "A",
    "ASYMMETRY_RATIO 2": "A",
    "policy cost of a bloc pair without the bloc": "A",
    "ON_VALUES (the switches' examples)": "A",
}


def provenance_counts() -> str:
    """'n taken from Alonso's text [V], n from the literature [K], n assumed [A]'."""
    n = {f: sum(1 for v in PROVENANCE.values() if v == f) for f in ("V", "K", "A")}
    return (
        f"{n['V']} taken from Alonso's text [V], {n['K']} from the literature, not re-checked "
        f"[K], {n['A']} assumed [A]"
    )


TERTIARY_CODES = ("high", "tertiary")  # `skill` codes that mean tertiary education


def education_group(skill: str) -> str:
    """The education group of a `skill` code: "tertiary" or "non_tertiary" (the one place
    the games read education; primary and secondary are non-tertiary)."""
    return "tertiary" if skill in TERTIARY_CODES else "non_tertiary"


def _education_expr() -> pl.Expr:
    return (
        pl.when(pl.col("skill").is_in(list(TERTIARY_CODES)))
        .then(pl.lit("tertiary"))
        .otherwise(pl.lit("non_tertiary"))
        .alias("education")
    )


EDUCATION = ("non_tertiary", "tertiary")


def setting_available(overrides: list[str], world: str = "countries") -> tuple[bool, str]:
    """Whether the configuration has every key a setting overrides (the ON setting needs the
    externality switches): (available, reason when not)."""
    from omegaconf import OmegaConf

    import migsim

    cfg = migsim.compose([f"world={world}"])
    missing = [o.split("=", 1)[0] for o in overrides]
    missing = [k for k in missing if OmegaConf.select(cfg, k, default=None) is None]
    if missing:
        return False, f"the configuration has no {', '.join(missing)}"
    return True, ""


# ------------------------------------------------------------------ levels from runs
def side_series(run_dir: Path | str, members: list[str]) -> pl.DataFrame:
    """A side's levels by year in one run: for each education group its native-born's
    earnings and people at home and abroad; capital income and stock, fiscal balance, tax
    revenue, the natives' taxes and net income at home, the option value (natives-at-home
    weighted), GDP per person and externality costs. One row per year."""
    run_dir = Path(run_dir)
    regions = pl.read_parquet(run_dir / "regions.parquet").filter(pl.col("region").is_in(members))
    fiscal = pl.read_parquet(run_dir / "fiscal.parquet").with_columns(_education_expr())
    stocks = pl.read_parquet(run_dir / "stocks.parquet").with_columns(_education_expr())
    home = (
        fiscal.filter(pl.col("region").is_in(members), pl.col("nativity") == "native")
        .group_by("year", "education")
        .agg(
            pl.col("earnings", "people", "taxes").sum(),
            net=(pl.col("earnings") - pl.col("taxes") + pl.col("public_spending")).sum(),
        )
    )
    per_person = (
        fiscal.filter(pl.col("nativity") == "immigrant")
        .group_by("year", "region", "skill", "age_band")
        .agg(pe=pl.col("earnings").sum() / pl.col("people").sum())
    )
    abroad = (
        stocks.filter(pl.col("origin").is_in(members), pl.col("location") != pl.col("origin"))
        .group_by("year", "location", "skill", "education", "age_band")
        .agg(pl.col("people").sum())
        .join(
            per_person,
            left_on=["year", "location", "skill", "age_band"],
            right_on=["year", "region", "skill", "age_band"],
            how="left",
        )
        .with_columns(pl.col("pe").fill_null(0.0))
        .group_by("year", "education")
        .agg(
            people_abroad=pl.col("people").sum(),
            earnings_abroad=(pl.col("people") * pl.col("pe")).sum(),
        )
    )
    years = sorted(regions["year"].unique().to_list())
    out = pl.DataFrame({"year": years}, schema={"year": regions.schema["year"]})
    for ed in EDUCATION:
        h = home.filter(pl.col("education") == ed).select(
            "year",
            pl.col("earnings").alias(f"earnings_home_{ed}"),
            pl.col("people").alias(f"people_home_{ed}"),
        )
        a = abroad.filter(pl.col("education") == ed).select(
            "year",
            pl.col("earnings_abroad").alias(f"earnings_abroad_{ed}"),
            pl.col("people_abroad").alias(f"people_abroad_{ed}"),
        )
        out = out.join(h, on="year", how="left").join(a, on="year", how="left")
    natives = home.group_by("year").agg(
        native_taxes=pl.col("taxes").sum(),
        native_net=pl.col("net").sum(),
        home_people=pl.col("people").sum(),
    )
    cost_cols = [c for c in EXTERNALITY_COSTS if c in regions.columns]
    reg = (
        regions.with_columns(
            w=pl.col("natives"),
        )
        .group_by("year")
        .agg(
            pl.col(
                "capital_income", "capital", "fiscal_balance", "tax_revenue", "gdp", "population"
            ).sum(),
            # per native at home; 0 in a year with no native at home (then nobody holds it)
            access_value=pl.when(pl.col("w").sum() > 0)
            .then((pl.col("access_value").fill_null(0.0) * pl.col("w")).sum() / pl.col("w").sum())
            .otherwise(0.0),
            externality_cost=pl.sum_horizontal([pl.col(c).sum() for c in cost_cols])
            if cost_cols
            else pl.lit(0.0),
        )
    )
    out = out.join(natives, on="year", how="left").join(reg, on="year", how="left")
    return out.fill_null(0.0).sort("year")


def _pv(values, discount: list[float]) -> float:
    return float(sum(d * v for d, v in zip(discount, values)))


@dataclass
class SideChanges:
    """A side's group changes (% in present value) in one scenario against no liberalisation,
    and its groups' income shares in the status quo."""

    changes: dict[str, float]
    shares: dict[str, float]
    scarce: str  # the education group that is the side's scarce labour
    abroad_share: float = 0.0  # % of the native-born living abroad in the final year


def side_changes(
    level: pl.DataFrame, none: pl.DataFrame, scarce: str, discount_rate: float = DISCOUNT_RATE
) -> SideChanges:
    """Present-value % changes of the four groups of one side (see the module docstring)."""
    first = int(none["year"].min())
    keep = pl.col("year") > first
    lv, nn = level.filter(keep), none.filter(keep)
    t = (nn["year"] - first).to_list()
    disc = [(1.0 + discount_rate) ** -k for k in t]
    abundant = "tertiary" if scarce == "non_tertiary" else "non_tertiary"

    def born(frame, ed):
        e = frame[f"earnings_home_{ed}"] + frame[f"earnings_abroad_{ed}"]
        p = frame[f"people_home_{ed}"] + frame[f"people_abroad_{ed}"]
        return e, (e / p).fill_nan(0.0)

    r0 = float(none["capital_income"][0]) / float(none["capital"][0])
    cap = lv["capital_income"] - r0 * (lv["capital"] - nn["capital"])
    cap0 = nn["capital_income"]
    earn0 = {ed: born(nn, ed)[0] for ed in EDUCATION}
    income0 = earn0["tertiary"] + earn0["non_tertiary"] + cap0
    share_tax = (nn["native_taxes"] / nn["tax_revenue"]).fill_nan(0.0)
    money = (
        (lv["fiscal_balance"] - nn["fiscal_balance"]) * share_tax
        + lv["access_value"] * lv["native_net"]
        - nn["access_value"] * nn["native_net"]
        - (lv["externality_cost"] - nn["externality_cost"])
    )
    pv_income0 = _pv(income0, disc)

    def pct(x, x0):
        base = _pv(x0, disc)
        return 100.0 * (_pv(x, disc) - base) / abs(base) if base else 0.0

    changes = {
        "scarce_labour": pct(born(lv, scarce)[1], born(nn, scarce)[1]),
        "abundant_labour": pct(born(lv, abundant)[1], born(nn, abundant)[1]),
        "capital": pct(cap, cap0),
        "consumers": 100.0 * _pv(money, disc) / pv_income0 if pv_income0 else 0.0,
    }
    shares = {
        "scarce_labour": _pv(earn0[scarce], disc) / pv_income0,
        "abundant_labour": _pv(earn0[abundant], disc) / pv_income0,
        "capital": _pv(cap0, disc) / pv_income0,
        "consumers": 1.0,
    }
    last = level.row(-1, named=True)
    born = sum(last[f"people_{w}_{ed}"] for w in ("home", "abroad") for ed in EDUCATION)
    abroad = sum(last[f"people_abroad_{ed}"] for ed in EDUCATION)
    return SideChanges(changes, shares, scarce, 100.0 * abroad / born if born else 0.0)


def political(side: SideChanges, loss_aversion: float, theta: float) -> float:
    """G = sum_g s_g (1 + theta I_g) v(Delta_g) (the module docstring)."""
    total = 0.0
    for g in GROUPS:
        x = side.changes[g]
        v = x if x >= 0 else loss_aversion * x
        total += side.shares[g] * (1.0 + theta * ORGANISED[g]) * v
    return total


CELLS = {("L", "L"): "both", ("L", "D"): "A_alone", ("D", "L"): "B_alone", ("D", "D"): "none"}


def payoff_matrix(changes: dict, loss_aversion: float, theta: float) -> tuple[dict, dict]:
    """changes[side][scenario] = SideChanges (scenario "none" all zero) -> (A's, B's payoffs)
    keyed by (A action, B action)."""
    pa = {k: political(changes["A"][sc], loss_aversion, theta) for k, sc in CELLS.items()}
    pb = {k: political(changes["B"][sc], loss_aversion, theta) for k, sc in CELLS.items()}
    return pa, pb


def game_type(changes: dict, names: tuple[str, str], loss_aversion: float, theta: float) -> str:
    pa, pb = payoff_matrix(changes, loss_aversion, theta)
    return classify(pa, pb, TOL, names=names)


def game_map(
    changes: dict, names: tuple[str, str], lambdas=LAMBDA_GRID, thetas=THETA_GRID
) -> dict[tuple[float, float], str]:
    """The game type at every (loss aversion, theta) of the grid."""
    return {(lam, th): game_type(changes, names, lam, th) for lam in lambdas for th in thetas}


def positions_check(side_changes_by_case: dict, table: dict | None) -> list[dict]:
    """Cell by cell: the group's position in each case against the table's (None: no table
    for this side). side_changes_by_case[case] = SideChanges."""
    rows = []
    for g in GROUPS:
        for case in CASES:
            x = side_changes_by_case[case].changes[g]
            pos = position(x)
            row = {"group": g, "case": case, "change_pct": x, "position": pos}
            if table is not None:
                allowed = table[(g, case)]
                row["table"] = " or ".join(allowed)
                row["agree"] = pos in allowed
                row["sign_agrees"] = SIGN[pos] in {SIGN[a] for a in allowed}
            rows.append(row)
    return rows


@dataclass
class PairResult:
    a: str
    b: str
    kind: str  # "symmetric" or "asymmetric"
    reference: str  # "status quo" or, for a pair already open, "bloc's free movement"
    host: str | None  # the asymmetric pair's host (richer side)
    settings: dict  # setting -> {seed: changes} or a "skipped: reason" string
    gdp_ratio: float
