"""The generated figures of docs/model.md on the default run's paths: §5.8's fiscal drift of
the status quo, and §6.5's managed liberalisation against the status quo.

    python -m migsim.model.regime_paths_report --write docs/model.md
    python -m migsim.model.regime_paths_report --check docs/model.md

It runs the default config (1,000,000 agents, 30 years, seed 1) three times: the status quo,
managed liberalisation, and managed liberalisation rationed by shadow price; each run's
figures come from its tables (regions, stocks, flows), the quota of each offered cell from
the migration step's own inputs, and each person's way of last arriving where they live
from their location year by year; about 35 s in all on 2 cores.

Definitions (the migration kernel's, `migsim.kernels.migration`): a first entry is a move
from the mover's region of birth to another region (source = origin != destination); an
onward move leaves one region abroad for a third one (source and destination both differ
from the origin); the rest are returns home. A cell (destination, skill) of the offer fills
in a year when its first entries reach its quota Q_ds = B_ds + share x labour force / visa
years (B_ds: `MigrationStep.baseline_admissions`; the labour force: last year's residents
aged 20-64, as the step counts them). The temporary stock is counted in the offering
destinations only (the Gulf's employer-tied permits are temporary too). A permanent resident
last arrived by a first entry or by an onward move, or has been abroad since the base year.
"""

from __future__ import annotations

import functools
import re
import sys
import textwrap

import numpy as np

from migsim.core.docblocks import sync_present, write_or_check

FISCAL = ("<!-- fiscal-drift:begin -->", "<!-- fiscal-drift:end -->")
QUOTA = ("<!-- quota-paths:begin -->", "<!-- quota-paths:end -->")
RUN = ("population.size=1000000", "years=30", "seed=1", "progress=false")
STATUS_QUO = ("regime=status_quo",)
MANAGED = ("regime=managed_liberalisation",)
# the same offer rationed by a price on entry (configs/regime/managed_liberalisation.yaml's
# one component)
SHADOW = (*MANAGED, "regime.components.0.rationing=shadow_price")
LABOUR_BANDS = slice(2, 8)  # the quota's labour force: age bands 20-24 to 50-64
SKILLS = ("low", "high")
# how a person last arrived where they live: HOME, at home or abroad since the base year
HOME, FIRST, ONWARD = 0, 1, 2
NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}
WIDTH = 92  # the document's lines


def _wrap(text: str, indent: str = "") -> str:
    """`text` in lines of the document's width, continued at `indent`; a code span is never
    broken."""
    spans = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.fill(
        spans, WIDTH, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False
    )
    return lines.replace("\0", " ")


def _m(people: float, digits: int = 1) -> str:
    """People in millions, as the text writes them."""
    return f"{people / 1e6:.{digits}f}M"


class _Routes:
    """Each person's way of last arriving where they live (HOME, FIRST or ONWARD), kept by
    person id from one year's locations to the next."""

    def __init__(self, sim):
        self.route = np.zeros(0, dtype=np.uint8)
        self.last = np.zeros(0, dtype=np.int64)
        self._grow(sim, sim.population.location)

    def _grow(self, sim, where: np.ndarray) -> None:
        """Room for every person id; people seen for the first time are where `where` says
        (the base year's where they live, the year's newborn where they were born)."""
        pop = sim.population
        size = max(int(sim.next_id), int(pop.person_id[: pop.n].max(initial=0)) + 1)
        old = self.last.size
        if size > old:
            self.route = np.concatenate([self.route, np.zeros(size - old, dtype=np.uint8)])
            self.last = np.concatenate([self.last, np.full(size - old, -1, dtype=np.int64)])
        live = pop.alive[: pop.n] != 0
        ids = pop.person_id[: pop.n][live].astype(np.int64)
        fresh = self.last[ids] < 0
        self.last[ids[fresh]] = where[: pop.n][live][fresh]

    def update(self, sim) -> None:
        """After a year: the route of each person whose location changed."""
        self._grow(sim, sim.population.origin)
        pop = sim.population
        live = pop.alive[: pop.n] != 0
        ids = pop.person_id[: pop.n][live].astype(np.int64)
        now = pop.location[: pop.n][live].astype(np.int64)
        born = pop.origin[: pop.n][live].astype(np.int64)
        before = self.last[ids]
        moved = now != before
        route = np.where(before == born, FIRST, ONWARD).astype(np.uint8)
        route[now == born] = HOME
        self.route[ids[moved]] = route[moved]
        self.last[ids] = now

    def permanent(self, sim) -> np.ndarray:
        """Permanent residents (people) by location and route, (R, 3)."""
        from migsim.core.labels import PERMANENT

        pop = sim.population
        rows = (pop.alive[: pop.n] != 0) & (pop.status[: pop.n] == PERMANENT)
        ids = pop.person_id[: pop.n][rows].astype(np.int64)
        R = sim.world.n_regions
        cell = pop.location[: pop.n][rows].astype(np.int64) * 3 + self.route[ids]
        weight = np.asarray(sim.weight, dtype=np.float64)[pop.origin[: pop.n][rows]]
        return np.bincount(cell, weights=weight, minlength=3 * R).reshape(R, 3)


def _one_run(overrides: tuple, run: tuple) -> dict:
    from migsim.api import build_simulation, compose

    years = int(compose(list(run)).years)
    sim = build_simulation([*run, *overrides])
    step = next(s for s in sim.steps if s.name == "migration")
    routes = _Routes(sim)
    quota = {}
    for _ in range(years):
        labour = np.asarray(sim.cells[:, :, :, :, LABOUR_BANDS, :]).sum(axis=(0, 3, 4, 5))
        sim.step()
        routes.update(sim)
        policy = step.policy
        extra = policy.temporary_offer * labour / np.maximum(policy.visa_years, 1)[:, None]
        quota[sim.year] = step.baseline_admissions + extra
    tables = sim.tables()
    world = sim.world
    out = {k: tables[k] for k in ("regions", "stocks", "flows")}
    out.update(
        codes=list(world.codes),
        names=list(world.names),
        developed=np.asarray(world.developed, dtype=bool),
        offered=np.asarray(step.policy.temporary_offer > 0),
        visa_years=np.asarray(step.policy.visa_years),
        baseline=np.asarray(step.baseline_admissions, dtype=np.float64),
        quota=quota,
        permanent=routes.permanent(sim),
        first_year=sim.year - years + 1,
        year=sim.year,
    )
    return out


@functools.cache
def measure(run: tuple = RUN) -> dict:
    """The three runs' figures (cached: one measurement per process and `run`)."""
    return figures(_one_run(STATUS_QUO, run), _one_run(MANAGED, run), _one_run(SHADOW, run))


def _by(table, keys: list[str], value: str) -> dict:
    """{keys' values: sum of `value`} over the rows of a polars table."""
    import polars as pl

    grouped = table.group_by(keys).agg(pl.col(value).sum())
    return {tuple(row[:-1]): row[-1] for row in grouped.rows()}


def _first_entries(run: dict):
    import polars as pl

    flows = run["flows"]
    return flows.filter(
        (pl.col("source") == pl.col("origin")) & (pl.col("destination") != pl.col("origin"))
    )


def _onward(run: dict, into: list[str]) -> float:
    """Onward moves between regions of `into`, people over the run."""
    import polars as pl

    f = run["flows"]
    return float(
        f.filter(
            (pl.col("source") != pl.col("origin"))
            & (pl.col("destination") != pl.col("origin"))
            & pl.col("source").is_in(into)
            & pl.col("destination").is_in(into)
        )["people"].sum()
    )


def _on(run: dict, year: int, column: str) -> dict:
    """{region: `column`} of the regions table in `year`."""
    regions = run["regions"]
    last = regions.filter(regions["year"] == year)
    return dict(zip(last["region"].to_list(), last[column].to_list()))


def figures(sq: dict, ml: dict, sp: dict) -> dict:
    """The blocks' figures from the three runs (status quo, managed, shadow price)."""
    import polars as pl

    codes, y0, y1 = ml["codes"], ml["first_year"], ml["year"]
    years = range(y0, y1 + 1)
    dest = ml["offered"].any(axis=1)
    into = [c for c, d in zip(codes, dest) if d]
    out = {"y0": y0, "y1": y1, "into": into, "codes": codes}
    out["developed_offer"] = bool(np.array_equal(dest, ml["developed"]))
    # §5.8: the status quo's balances over GDP in the last year, developed regions
    balance, gdp = _on(sq, y1, "fiscal_balance"), _on(sq, y1, "gdp")
    developed = [c for c, d in zip(codes, sq["developed"]) if d]
    out["fiscal"] = sorted((100 * balance[c] / gdp[c], c) for c in developed)
    # the offer and the temporary stock in the offering destinations
    regions = ml["regions"].filter(pl.col("year") >= y0)
    offer = _by(regions, ["year"], "temporary_visas_offered")
    out["offer"] = [offer[(y,)] for y in years]
    per_region = _by(regions, ["year", "region"], "temporary_visas_offered")
    held = [sum(per_region[(y, c)] * ml["visa_years"][codes.index(c)] for c in into) for y in years]
    out["offer_stock"] = float(np.mean(held))
    out["visa_years"] = sorted({int(ml["visa_years"][codes.index(c)]) for c in into})
    stocks = ml["stocks"].filter(pl.col("location").is_in(into) & (pl.col("status") == "temporary"))
    temporary = _by(stocks, ["year"], "people")
    out["temporary"] = [temporary.get((y,), 0.0) for y in years]
    # first entries against the quota, cell by cell and in all
    first = _by(_first_entries(ml), ["year", "destination", "skill"], "people")
    cells = {}
    for d in np.flatnonzero(dest):
        for s in np.flatnonzero(ml["offered"][d]):
            got = [first.get((y, codes[d], SKILLS[s]), 0.0) for y in years]
            cells[(codes[d], SKILLS[s])] = [g / ml["quota"][y][d, s] for g, y in zip(got, years)]
    out["fill"] = cells
    offered = [(codes[d], SKILLS[s]) for d, s in zip(*np.nonzero(ml["offered"]))]
    out["first"] = [sum(first.get((y, *cell), 0.0) for cell in offered) for y in years]
    out["quota"] = [float(ml["quota"][y][ml["offered"]].sum()) for y in years]
    for y, total in zip(years, out["offer"]):  # the step's own count of the offer
        mine = float((ml["quota"][y] - ml["baseline"])[ml["offered"]].sum())
        if not np.isclose(mine, total, rtol=1e-9, atol=1e-3):
            raise RuntimeError(f"the quota counted here ({mine}) is not the step's ({total})")
    out["baseline"] = float(ml["baseline"][ml["offered"]].sum())
    sq_first = _by(_first_entries(sq).filter(pl.col("destination").is_in(into)), ["year"], "people")
    out["sq_first"] = [sq_first.get((y,), 0.0) for y in years]
    # foreign-born permanent residents of the offering destinations, by last arrival
    for key, run in (("sq", sq), ("ml", ml)):
        out[f"permanent_{key}"] = run["permanent"][dest].sum(axis=0)
        out[f"onward_{key}"] = _onward(run, into)
        held = run["stocks"].filter(
            (pl.col("year") == y1)
            & pl.col("location").is_in(into)
            & (pl.col("status") == "permanent")
        )
        out[f"permanent_table_{key}"] = float(held["people"].sum())
        if not np.isclose(out[f"permanent_{key}"].sum(), out[f"permanent_table_{key}"], rtol=1e-6):
            raise RuntimeError("the permanent residents counted by route are not the stocks'")
    # diversion: arrivals of the foreign-born elsewhere
    arrivals = {}
    for key, run in (("sq", sq), ("ml", ml)):
        moved = run["flows"].filter(pl.col("destination") != pl.col("origin"))
        arrivals[key] = _by(moved, ["destination"], "people")
    others = [c for c, d in zip(codes, dest) if not d]
    fall = {c: arrivals["ml"].get((c,), 0.0) - arrivals["sq"].get((c,), 0.0) for c in others}
    lost = sum(v for v in fall.values() if v < 0)
    worst = min(others, key=lambda c: fall[c]) if others else None
    if worst is not None and fall[worst] < 0:
        at = {
            k: {c: _on(r, y1, c) for c in ("population", "capital", "gdp_per_capita")}
            for k, r in (("sq", sq), ("ml", ml), ("sp", sp))
        }
        out["diverted"] = {
            "code": worst,
            "name": ml["names"][codes.index(worst)],
            "share": fall[worst] / lost,
            "sq": arrivals["sq"].get((worst,), 0.0),
            "ml": arrivals["ml"].get((worst,), 0.0),
            "people": at["ml"]["population"][worst] - at["sq"]["population"][worst],
            "people_shadow": at["sp"]["population"][worst] - at["sq"]["population"][worst],
            "capital": 100 * (at["ml"]["capital"][worst] / at["sq"]["capital"][worst] - 1),
            "gdp_pc": 100
            * (at["ml"]["gdp_per_capita"][worst] / at["sq"]["gdp_per_capita"][worst] - 1),
        }
    return out


def _fewer(people: float) -> str:
    return f"{_m(abs(people))} {'fewer' if people < 0 else 'more'}"


def _less(pct: float, less: str, more: str) -> str:
    return f"{abs(pct):.0f}% {less if pct < 0 else more}"


def _and(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else items[0]


def _cells(fig: dict) -> str:
    """The offered cells whose first entries stay below their quota every year."""
    never = [cell for cell, fill in fig["fill"].items() if max(fill) < 1.0]
    if not never:
        return "Every cell fills in some year"
    parts = []
    for skill, label in (("high", "tertiary-educated"), ("low", "other")):
        where = [d for d, s in never if s == skill]
        if where:
            parts.append(f"the {label} offer{'s' if len(where) > 1 else ''} of {_and(where)}")
    first = "Several cells never fill" if len(never) > 1 else "One cell never fills"
    return f"{first} ({' and '.join(parts)}: first entries below the quota every year)"


def _path(start: float, end: float, y0: int, y1: int, base: float) -> str:
    """How the status quo's yearly first entries moved against `base`, within a tenth of it
    counting as close."""
    if end < 0.9 * base:
        return f"fall to {_m(end)} a year by {y1}"
    if end > 1.1 * base:
        return f"rise to {_m(end)} a year by {y1}"
    return f"stay close to it ({_m(start)} a year in {y0}, {_m(end)} in {y1})"


def fiscal_block(fig: dict) -> str:
    rows = fig["fiscal"]
    deficits = sum(v < 0 for v, _ in rows)
    if deficits == len(rows):
        lead, count = "drift into deficit", "every developed region is"
    else:
        lead, count = "drift", f"{deficits} of the {len(rows)} developed regions are"
    listed = [f"{v:.1f}% in {c}" for v, c in rows]
    listed[0] = listed[0].replace("%", "% of GDP", 1)
    return _wrap(
        f"The status quo's balances therefore {lead} in ageing regions. On the default run "
        f"(1,000,000 agents, seed 1) {count} in deficit in {fig['y1']}: {_and(listed)} "
        "(written by `python -m migsim.model.regime_paths_report`, which CI checks)."
    )


def quota_block(fig: dict) -> str:
    y0, y1 = fig["y0"], fig["y1"]
    years = list(range(y0, y1 + 1))
    where = "the developed regions" if fig["developed_offer"] else "the offering destinations"
    lengths = fig["visa_years"]
    visas = f"{NUMBERS.get(lengths[0], lengths[0])}-year visas" if len(lengths) == 1 else "visas"
    temporary = fig["temporary"]
    peak = int(np.argmax(temporary))
    first, quota = fig["first"], fig["quota"]
    top = int(np.argmax(first))
    below = sum(f < q for f, q in zip(first, quota))
    short = (
        "stay below the quota every year"
        if below == len(years)
        else f"fall short of the quota in {below} of {len(years)} years"
    )
    lines = [
        "- **The offer is a ceiling, not a stock.** Temporary visas are what the quota leaves "
        "after $B_{ds}$, only people who can pay the up-front cost apply, and visa holders "
        "leave before expiry at the temporary return hazard. The offer is "
        f"{min(fig['offer']) / 1e6:.1f}-{_m(max(fig['offer']))} visas a year (about "
        f"{fig['offer_stock'] / 1e6:.0f}M in stock at {visas}); the temporary stock peaks at "
        f"{_m(temporary[peak])} in {years[peak]} and is {_m(temporary[-1])} in {y1}. "
        f"{_cells(fig)}, and first entries into {where} ({_m(first[0])} in {y0}, "
        f"{_m(first[-1])} in {y1}, at most {_m(first[top])} in {years[top]}) {short} "
        f"({min(quota) / 1e6:.1f}-{_m(max(quota))} a year in all): what they leave unused "
        "falls on the temporary visas, since $B_{ds}$ is admitted first."
    ]
    p_sq, p_ml = fig["permanent_sq"], fig["permanent_ml"]
    by_first = p_ml[FIRST] - p_sq[FIRST]
    sq_path = _path(fig["sq_first"][0], fig["sq_first"][-1], y0, y1, fig["baseline"])
    settle = (
        "so more people settle by a first entry than under the status quo"
        if by_first > 0
        else "and first entries beyond $B_{ds}$ are temporary, so fewer people settle by a "
        "first entry than under the status quo"
    )
    lines.append(
        f"- **$B_{{ds}}$ stays at the base year's flow** ({_m(fig['baseline'], 2)} a year into "
        f"{where}) while the status quo's own first entries there {sq_path}, {settle}: "
        f"{_m(p_ml[FIRST])} foreign-born permanent residents of {where} in {y1} whose last "
        f"move was a first entry, against {_m(p_sq[FIRST])} ({_fewer(by_first)}). With those "
        "who came by an onward move (next point) and those abroad since the base year, "
        f"{_m(p_ml.sum())} against {_m(p_sq.sum())}."
    )
    on_sq, on_ml = fig["onward_sq"], fig["onward_ml"]
    if on_sq > 0:
        ratio = on_ml / on_sq
        change = f"rise {ratio:.1f}-fold" if ratio >= 1 else f"fall by {100 * (1 - ratio):.0f}%"
    else:
        change = "appear" if on_ml > 0 else "do not happen"
    lines.append(
        "- **Onward movers draw the lottery, not the entry channel.** A migrant who leaves a "
        "destination for a third one enters by the quota's lottery as a first entrant does "
        "(§3.6), but one admitted settles there as a permanent resident, not on a temporary "
        "visa; with the cost of entering the offering destinations gone, those moves "
        f"between {where} {change} ({_m(on_ml)} over {y0}-{y1} against {_m(on_sq)}), and "
        f"{_m(p_ml[ONWARD])} of the permanent residents of {y1} came by an onward move, "
        f"against {_m(p_sq[ONWARD])} ({_fewer(p_ml[ONWARD] - p_sq[ONWARD])})."
    )
    lines.append(_diversion(fig, where))
    return "\n".join(_wrap(line, "  ") for line in lines)


def _diversion(fig: dict, where: str) -> str:
    head = (
        f"- **Diversion.** With the policy cost into {where} gone for every "
        "origin, the nested logit diverts would-be movers from other destinations, and those "
        "who then fail the liquidity check or the lottery stay at home that year rather than "
        "take their next choice."
    )
    d = fig.get("diverted")
    if d is None:
        return f"{head} No other destination loses arrivals over {fig['y0']}-{fig['y1']}."
    bears = "most" if d["share"] > 0.5 else "the largest part"
    return (
        f"{head} {d['code']} ({d['name']}) bears {bears} of it: arrivals of the foreign-born "
        f"over {fig['y0']}-{fig['y1']} fall from {_m(d['sq'])} to {_m(d['ml'])}, and by "
        f"{fig['y1']} it has {_fewer(d['people'])} people, "
        f"{_less(d['capital'], 'less', 'more')} capital and "
        f"{abs(d['gdp_pc']):.1f}% {'lower' if d['gdp_pc'] < 0 else 'higher'} GDP per capita "
        f"than under the status quo ({_fewer(d['people_shadow'])} with "
        "`rationing=shadow_price`)."
    )


def main(argv: list[str] | None = None) -> int:
    def sync(path, check):
        makers = {
            FISCAL: lambda: fiscal_block(measure()),
            QUOTA: lambda: quota_block(measure()),
        }
        return sync_present(path, makers, check, "regime paths")

    return write_or_check(
        argv,
        "python -m migsim.model.regime_paths_report",
        "migsim regime paths: {path}'s blocks are",
        sync,
    )


if __name__ == "__main__":
    sys.exit(main())
