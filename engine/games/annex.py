"""The annex games as Alonso (2015) argues them: a pair's 2x2 migration-liberalisation game
read off the positions of the interest groups that can remove governments (Tables 6.A1 and
6.A3 of the annex of "Managing Labor Mobility"), on real country pairs.

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

import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from migsim.core.errors import InputError
from migsim.games.theory import classify, nash_equilibria, position

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


# ------------------------------------------------------------------ playing the pairs
def scenario_components(a: list[str], b: list[str], world=None) -> dict[str, list[dict]]:
    """The policy components of the four scenarios of sides a and b (region codes).

    From the status quo: no liberalisation is the status quo; a side liberalises by removing
    its policy cost on the other's people (`scale_policy_cost` factor 0). A pair whose
    members already share a mobility bloc in `world` (free movement in the status quo, e.g.
    two EU members) is played from the other end: both liberalised is the status quo, and a
    side that does not liberalise puts on the other's people the mean policy cost it puts on
    developed countries' people outside its bloc (`policy_cost_like`) [A]."""

    def opening(dest, orig):
        return {"kind": "scale_policy_cost", "factor": 0.0, "origins": orig, "destinations": dest}

    if world is not None and already_open(world, a, b):

        def closing(dest, orig):
            blocs = {world.bloc[world.index(code)] for code in dest}
            like = [
                code
                for code, dev, bloc in zip(world.codes, world.developed, world.bloc)
                if dev and bloc not in blocs and code not in a + b
            ]
            return {
                "kind": "policy_cost_like",
                "like": like,
                "origins": orig,
                "destinations": dest,
            }

        return {
            "none": [closing(a, b), closing(b, a)],
            "A_alone": [closing(b, a)],
            "B_alone": [closing(a, b)],
            "both": [],
        }
    return {
        "none": [],
        "A_alone": [opening(a, b)],
        "B_alone": [opening(b, a)],
        "both": [opening(a, b), opening(b, a)],
    }


def already_open(world, a: list[str], b: list[str]) -> bool:
    """Whether every member of a shares a mobility bloc with every member of b."""
    blocs = [world.bloc[world.index(code)] or "" for code in a + b]
    return blocs[0] != "" and len(set(blocs)) == 1


@dataclass
class RunCache:
    """Runs made within one command, keyed by (setting, seed, policy components), so a
    status-quo run is shared by every pair of the same setting and seed."""

    root: Path
    world: str
    size: int
    years: int
    progress: object = None
    runs: dict = field(default_factory=dict)

    def get(self, setting: str, seed: int, components: list[dict], label: str) -> Path:
        key = (setting, seed, repr(sorted(repr(c) for c in components)))
        if key in self.runs:
            return self.runs[key]
        name = (
            "none"
            if not components
            else "open_"
            + "_".join(
                "+".join(c["destinations"]) + "-from-" + "+".join(c["origins"]) for c in components
            )
        )
        run_dir = self.root / setting / f"seed{seed}" / name
        self._simulate(setting, seed, components, run_dir, label)
        self.runs[key] = run_dir
        return run_dir

    def seed_run(self, setting: str, seed: int, components: list[dict], run_dir: Path) -> None:
        """Record a run already made (e.g. by `migsim game`'s own four runs)."""
        key = (setting, seed, repr(sorted(repr(c) for c in components)))
        self.runs[key] = Path(run_dir)

    def _simulate(self, setting, seed, components, run_dir, label) -> None:
        import time

        from omegaconf import open_dict

        import migsim
        from migsim.games.play import _simulate

        cfg = migsim.compose(
            [
                f"world={self.world}",
                f"population.size={self.size}",
                f"years={self.years}",
                f"seed={seed}",
                "progress=false",
                "regime=status_quo",
                *SETTINGS[setting],
            ]
        )
        with open_dict(cfg):
            cfg.regime.name = label
            cfg.regime.components = components
        tell = self.progress or (lambda line: None)
        tell(f"migsim game: {setting}, seed {seed}: run {label} ({self.size} agents)...")
        t0 = time.perf_counter()
        _simulate(cfg, run_dir)
        tell(
            f"migsim game: {setting}, seed {seed}: {label} done in {time.perf_counter() - t0:.1f} s"
        )


@dataclass
class PairResult:
    a: str
    b: str
    kind: str  # "symmetric" or "asymmetric"
    reference: str  # "status quo" or, for a pair already open, "bloc's free movement"
    host: str | None  # the asymmetric pair's host (richer side)
    settings: dict  # setting -> {seed: changes} or a "skipped: reason" string
    gdp_ratio: float


def _members(side: str) -> list[str]:
    return [c.strip() for c in side.split("+")]


def check_pair(a: str, b: str, world: str) -> None:
    """Refuse an unknown region code, a region named twice, or two sides sharing one."""
    from migsim.core.world import load_world

    codes = load_world(world, None).codes
    seen = []
    for key, side in (("REGION_A", a), ("REGION_B", b)):
        for code in _members(side):
            if code not in codes:
                raise InputError(
                    key, f"unknown region '{code}' in world {world}", "a region code of the world"
                )
            if code in seen:
                raise InputError(key, f"{code} named twice", "two sides with different regions")
            seen.append(code)


def play_pair(
    a: str,
    b: str,
    seeds: list[int],
    cache: RunCache,
    settings: list[str] | None = None,
    discount_rate: float = DISCOUNT_RATE,
) -> PairResult:
    """The annex game of sides a and b for every seed and setting (runs from `cache`)."""
    from migsim.core.world import load_world

    check_pair(a, b, cache.world)
    ma, mb = _members(a), _members(b)
    world = load_world(cache.world, None)
    comps = scenario_components(ma, mb, world)
    labels = {
        "none": "no_liberalisation",
        "A_alone": f"{a}_liberalises",
        "B_alone": f"{b}_liberalises",
        "both": "both_liberalise",
    }
    out: dict = {}
    kind, host, ratio = "symmetric", None, 1.0
    for setting in settings or list(SETTINGS):
        ok, why = setting_available(SETTINGS[setting], cache.world)
        if not ok:
            out[setting] = f"skipped: {why}"
            continue
        by_seed = {}
        for seed in seeds:
            series = {}
            for sc, cs in comps.items():
                run = cache.get(setting, seed, cs, labels[sc])
                series[sc] = {"A": side_series(run, ma), "B": side_series(run, mb)}
            none = series["none"]

            def tert(frame):
                r = frame.row(0, named=True)
                p = r["people_home_tertiary"] + r["people_home_non_tertiary"]
                return r["people_home_tertiary"] / p if p else 0.0

            def gdp_pc(frame):
                r = frame.row(0, named=True)
                return r["gdp"] / r["population"]

            ta, tb = tert(none["A"]), tert(none["B"])
            scarce = {
                "A": "non_tertiary" if ta >= tb else "tertiary",
                "B": "non_tertiary" if tb >= ta else "tertiary",
            }
            ga, gb = gdp_pc(none["A"]), gdp_pc(none["B"])
            ratio = max(ga, gb) / min(ga, gb)
            kind = "asymmetric" if ratio >= ASYMMETRY_RATIO else "symmetric"
            host = (a if ga >= gb else b) if kind == "asymmetric" else None
            by_seed[seed] = {
                side: {
                    sc: side_changes(series[sc][side], none[side], scarce[side], discount_rate)
                    for sc in comps
                }
                for side in ("A", "B")
            }
        out[setting] = by_seed
    reference = (
        "both liberalised is the status quo (the pair shares a mobility bloc); not "
        "liberalising puts on the partner's people the policy cost put on developed "
        "countries' people outside the bloc"
        if already_open(world, ma, mb)
        else "no liberalisation is the status quo; liberalising removes the policy cost on "
        "the partner's people"
    )
    return PairResult(a, b, kind, reference, host, out, ratio)


# ------------------------------------------------------------------ reporting
def _agree_all(values: list[str]) -> str:
    return values[0] if len(set(values)) == 1 else "seeds differ: " + " / ".join(values)


def pair_tables(res: PairResult) -> dict[str, pl.DataFrame]:
    """Long tables of a pair's result: positions (cell by cell against the table), payoffs
    (matrix at the headline point, per seed), types (the map, per seed)."""
    names = (res.a, res.b)
    pos_rows, pay_rows, type_rows, abroad_rows = [], [], [], []
    for setting, by_seed in res.settings.items():
        if isinstance(by_seed, str):
            continue
        for seed, changes in by_seed.items():
            for side, name in (("A", res.a), ("B", res.b)):
                alone = "A_alone" if side == "A" else "B_alone"
                cases = {
                    "no reciprocity": changes[side][alone],
                    "reciprocity": changes[side]["both"],
                }
                if res.kind == "symmetric":
                    table_name = "6.A1"
                elif name == res.host:
                    table_name = "6.A3"
                else:
                    table_name = None
                for row in positions_check(cases, TABLES.get(table_name)):
                    pos_rows.append(
                        {
                            "setting": setting,
                            "seed": seed,
                            "side": name,
                            "scarce": changes[side]["none"].scarce,
                            "table_name": table_name or "none",
                            "table": row.get("table", ""),
                            "agree": row.get("agree"),
                            "sign_agrees": row.get("sign_agrees"),
                            **{k: row[k] for k in ("group", "case", "change_pct", "position")},
                        }
                    )
            for side, name in (("A", res.a), ("B", res.b)):
                for sc in CELLS.values():
                    abroad_rows.append(
                        {
                            "setting": setting,
                            "seed": seed,
                            "side": name,
                            "scenario": sc,
                            "abroad_share": changes[side][sc].abroad_share,
                        }
                    )
            pa, pb = payoff_matrix(changes, HEADLINE["loss_aversion"], HEADLINE["theta"])
            eq = nash_equilibria(pa, pb, TOL)
            for cell in CELLS:
                pay_rows.append(
                    {
                        "setting": setting,
                        "seed": seed,
                        "a": cell[0],
                        "b": cell[1],
                        "payoff_a": pa[cell],
                        "payoff_b": pb[cell],
                        "nash": cell in eq,
                    }
                )
            for (lam, th), kind in game_map(changes, names).items():
                type_rows.append(
                    {
                        "setting": setting,
                        "seed": seed,
                        "loss_aversion": lam,
                        "theta": th,
                        "game_type": kind,
                    }
                )
    return {
        "positions": pl.DataFrame(pos_rows, infer_schema_length=None),
        "payoffs": pl.DataFrame(pay_rows),
        "types": pl.DataFrame(type_rows),
        "abroad": pl.DataFrame(abroad_rows),
    }


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def report(res: PairResult, size: int, years: int, seeds: list[int]) -> str:
    """The pair's annex game as Markdown: per setting, (1) positions against Table 6.A1/6.A3
    cell by cell, (2) the payoff matrix, (3) the equilibria, (4) the game type, (5) the map
    of the game type over the rule's parameters, each across the seeds."""
    t = pair_tables(res)
    lam, th = HEADLINE["loss_aversion"], HEADLINE["theta"]
    kind = (
        f"asymmetric (GDP per person ratio {res.gdp_ratio:.1f}; host {res.host}; checked "
        "against Table 6.A3)"
        if res.kind == "asymmetric"
        else f"symmetric (GDP per person ratio {res.gdp_ratio:.1f}; checked against Table 6.A1)"
    )
    lines = [
        f"### {res.a} and {res.b}: {kind}",
        "",
        f"{size:,} agents, {years} years, seeds {', '.join(map(str, seeds))}; present values "
        f"at {100 * DISCOUNT_RATE:g}% a year; headline rule lambda {lam:g}, theta {th:g}; "
        f"{res.reference}. Typed values of the games: {provenance_counts()}.",
        "",
    ]
    for setting, by_seed in res.settings.items():
        if isinstance(by_seed, str):
            lines += [f"**Externalities {setting}**: {by_seed}.", ""]
            continue
        lines += [f"**Externalities {setting}**", ""]
        pos = t["positions"].filter(pl.col("setting") == setting)
        rows = []
        for (side, group, case), g in pos.group_by(["side", "group", "case"], maintain_order=True):
            g = g.sort("seed")
            positions = g["position"].to_list()
            changes = ", ".join(f"{x:+.2f}" for x in g["change_pct"])
            table = g["table"][0] or "(no table)"
            if g["table_name"][0] == "none":
                verdict = "-"
            else:
                n = int(g["agree"].sum())
                verdict = f"{'agree' if n == len(g) else 'disagree'} ({n}/{len(g)} seeds)"
            rows.append(
                [
                    side,
                    group.replace("_", " "),
                    case,
                    _agree_all(positions),
                    changes,
                    table,
                    verdict,
                ]
            )
        scarce = {s: pos.filter(pl.col("side") == s)["scarce"][0] for s in (res.a, res.b)}
        lines += [
            "(1) Positions (present-value % change per seed; scarce labour: "
            + ", ".join(f"{s} {e.replace('_', '-')}" for s, e in scarce.items())
            + "):",
            "",
            *_md_table(
                ["side", "group", "case", "position", "% by seed", "annex table", "check"], rows
            ),
            "",
        ]
        pay = t["payoffs"].filter(pl.col("setting") == setting)
        cells = []
        for (a_act, b_act), g in pay.group_by(["a", "b"], maintain_order=True):
            vals = "; ".join(f"{x:+.3f}, {y:+.3f}" for x, y in zip(g["payoff_a"], g["payoff_b"]))
            cells.append([f"{res.a} {a_act}, {res.b} {b_act}", vals])
        lines += [
            f"(2) Payoff matrix (political support, points; {res.a} first; seed by seed):",
            "",
            *_md_table(["cell", "payoffs"], cells),
            "",
        ]
        eqs = []
        for seed in sorted(by_seed):
            ps = pay.filter(pl.col("seed") == seed, pl.col("nash"))
            eqs.append(
                "(" + "), (".join(f"{x}, {y}" for x, y in zip(ps["a"], ps["b"])) + ")"
                if ps.height
                else "none"
            )
        types = t["types"].filter(pl.col("setting") == setting)
        head = types.filter(pl.col("loss_aversion") == lam, pl.col("theta") == th).sort("seed")
        lines += [
            f"(3) Nash equilibria by seed: {'; '.join(eqs)}.",
            "",
            f"(4) Game type: {_agree_all(head['game_type'].to_list())}.",
            "",
            "(5) Game type over the rule's parameters "
            "(rows: loss aversion lambda; columns: theta):",
            "",
        ]
        grid, agreed = [], 0
        for lam_i in LAMBDA_GRID:
            row = [f"{lam_i:g}"]
            for th_i in THETA_GRID:
                g = types.filter(pl.col("loss_aversion") == lam_i, pl.col("theta") == th_i).sort(
                    "seed"
                )
                kinds = g["game_type"].to_list()
                agreed += len(set(kinds)) == 1
                row.append(_agree_all(kinds))
            grid.append(row)
        points = len(LAMBDA_GRID) * len(THETA_GRID)
        lines += [
            *_md_table(["lambda \\ theta", *[f"{x:g}" for x in THETA_GRID]], grid),
            "",
            f"The seeds give one game type at {agreed} of the {points} points.",
            "",
        ]
        abroad = t["abroad"].filter(pl.col("setting") == setting)
        names = {
            "none": "D,D",
            "A_alone": f"{res.a} alone",
            "B_alone": f"{res.b} alone",
            "both": "L,L",
        }
        parts = []
        for name in (res.a, res.b):
            cells = []
            for sc, label in names.items():
                v = abroad.filter(pl.col("side") == name, pl.col("scenario") == sc)
                v = v.sort("seed")["abroad_share"]
                cells.append(f"{label} {v.min():.2f}-{v.max():.2f}")
            parts.append(f"{name}: " + ", ".join(cells))
        lines += [
            "Native-born living abroad in the final year, % (range over seeds): "
            + "; ".join(parts)
            + ".",
            "",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------------ the command's part
def write_report(res: PairResult, out: Path, size: int, years: int, seeds: list[int]) -> str:
    """Write annex.md and the long tables (annex_positions/payoffs/types.parquet) to `out`;
    returns the Markdown."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    text = report(res, size, years, seeds)
    for name, frame in pair_tables(res).items():
        frame.write_parquet(out / f"annex_{name}.parquet")
    (out / "annex.md").write_text(text + "\n")
    return text


def parse_seeds(text: str) -> list[int]:
    """'1,2,3' -> [1, 2, 3]; one line naming what is allowed otherwise."""
    try:
        seeds = [int(s) for s in str(text).split(",") if s.strip()]
    except ValueError:
        seeds = []
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise InputError(
            "--seeds",
            f"'{text}' is not a list of seeds",
            "distinct integers >= 0 joined by commas, e.g. 1,2,3",
        )
    return seeds


# ------------------------------------------------------------------ the generated block
# (side A, side B, agents): the symmetric pair's payoffs are small (tenths of a point), so
# it runs with more agents than the rich-poor pairs
DOC_PAIRS = (("DEU", "FRA", 250_000), ("USA", "MEX", 100_000), ("ESP", "MAR", 100_000))
DOC_WORLD = "countries"
DOC_YEARS = 8
DOC_SEEDS = (1, 2, 3)
DOC_BEGIN = (
    "<!-- annex-games:begin (generated by `python -m migsim.games.annex --write docs/games.md`) -->"
)
DOC_END = "<!-- annex-games:end -->"


def doc_block(root: Path | str = "outputs/games/annex", progress=None) -> str:
    """The annex games of DOC_PAIRS on DOC_WORLD, every seed of DOC_SEEDS, as Markdown."""
    caches: dict[int, RunCache] = {}
    parts = []
    for a, b, size in DOC_PAIRS:
        if size not in caches:
            caches[size] = RunCache(
                Path(root) / f"n{size}", DOC_WORLD, size, DOC_YEARS, progress=progress
            )
        res = play_pair(a, b, list(DOC_SEEDS), caches[size])
        parts.append(report(res, size, DOC_YEARS, list(DOC_SEEDS)))
    return "\n".join(parts).rstrip()


def main(argv: list[str] | None = None) -> int:
    from migsim.core.docblocks import sync_blocks, write_or_check

    def sync(path, check):
        body = doc_block(progress=lambda line: print(line, file=sys.stderr, flush=True))
        return sync_blocks(path, [(DOC_BEGIN, DOC_END, body, True)], check, "annex games")

    return write_or_check(
        argv, "python -m migsim.games.annex", "annex games: {path}'s blocks are", sync
    )


if __name__ == "__main__":
    sys.exit(main())
