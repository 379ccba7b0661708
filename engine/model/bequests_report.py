"""The generated block of docs/model.md §5.10: what each bequest rule does to the young's
wealth, the moves and the migrant stock along the default run.

    python -m migsim.model.bequests_report --write docs/model.md
    python -m migsim.model.bequests_report --check docs/model.md

It runs the default config (1,000,000 agents, 30 years, seed 1) once per rule of
`population.bequests`, and once more with the default rule and the base-year wealth by age
of `population.wealth_profile=steady_state`, about half a minute each on 2 cores.
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from migsim.core.docblocks import sync_present, write_or_check

BEGIN, END = "<!-- bequests:begin -->", "<!-- bequests:end -->"
RULES = ("coming_of_age", "none", "adults")  # the default first
# the table's columns: (heading, overrides), the default model first
COLUMNS = tuple((f"`{rule}`", (f"population.bequests={rule}",)) for rule in RULES) + (
    (
        "`coming_of_age`, `wealth_profile=steady_state`",
        ("population.bequests=coming_of_age", "population.wealth_profile=steady_state"),
    ),
)
RUN = ["population.size=1000000", "years=30", "seed=1", "progress=false"]
YOUNG = (18, 29)  # natives at home of these ages
SHOWN_ORIGIN = "SAS"  # the origin whose moves the table follows (the largest held back)
PER_RESIDENT = ("SSA", "SAS")  # the origins whose held-back demand is shown per resident


def young_wealth(sim) -> np.ndarray:
    """Mean wealth of natives at home aged YOUNG, over their region's GDP per capita this
    year, by region."""
    pop = sim.population
    n = pop.n
    live = pop.alive[:n] != 0
    age, loc = pop.age[:n], pop.location[:n]
    rows = live & (age >= YOUNG[0]) & (age <= YOUNG[1]) & (pop.origin[:n] == loc)
    R = sim.world.n_regions
    held = np.bincount(loc[rows], weights=pop.wealth[:n][rows].astype(np.float64), minlength=R)
    count = np.bincount(loc[rows], minlength=R)
    return held / np.maximum(count, 1) / this_year(sim, "gdp_per_capita")


def this_year(sim, column: str) -> np.ndarray:
    """The regions table's `column` in the simulation's year, in the world's region order."""
    regions = sim.tables()["regions"]
    last = regions.filter(regions["year"] == sim.year)
    values = dict(zip(last["region"].to_list(), last[column].to_list()))
    return np.array([values[c] for c in sim.world.codes])


def wealth_over_gdp(sim) -> np.ndarray:
    """Each region's residents' wealth over its GDP this year."""
    from migsim.people import passes

    held = sim.people.sum(passes.wealth_by_location, sim.world.n_regions)
    return held / this_year(sim, "gdp")


def _one_column(overrides: tuple[str, ...]) -> dict:
    from migsim.api import build_simulation

    sim = build_simulation([*RUN, *overrides])
    years = sim_years()
    sim.step()
    first = {"young": young_wealth(sim), "wealth": wealth_over_gdp(sim), "year": sim.year}
    for _ in range(years - 1):
        sim.step()
    regions = sim.tables()["regions"]
    out = {"first": first, "young": young_wealth(sim), "wealth": wealth_over_gdp(sim)}
    out["year"] = sim.year
    out["developed"] = np.asarray(sim.world.developed, dtype=bool)
    out["codes"] = list(sim.world.codes)

    def on(year, column, region=None):
        rows = regions.filter(regions["year"] == year)
        if region is not None:
            rows = rows.filter(rows["region"] == region)
        return float(rows[column].sum())

    for key, year in (("start", first["year"]), ("end", sim.year)):
        out[key] = {
            "moves": on(year, "departures") / 1e6,
            "moves_origin": on(year, "departures", SHOWN_ORIGIN) / 1e6,
            "blocked": on(year, "blocked_by_liquidity") / 1e6,
            "blocked_per": {
                r: 1e3 * on(year, "blocked_by_liquidity", r) / on(year, "population", r)
                for r in PER_RESIDENT
            },
        }
    end = regions.filter(regions["year"] == sim.year)
    stock, people = float(end["immigrants"].sum()), float(end["population"].sum())
    out["stock"], out["stock_share"] = stock / 1e6, 100 * stock / people
    return out


def sim_years() -> int:
    """The run's years (the config's `years`)."""
    from migsim.api import compose

    return int(compose(RUN).years)


@functools.cache
def measure() -> dict:
    """Every column's figures (cached: one measurement per process)."""
    return {head: _one_column(over) for head, over in COLUMNS}


def _span(values: np.ndarray) -> str:
    return f"{values.min():.2f}-{values.max():.2f}"


def block(out: dict) -> str:
    heads = [head for head, _ in COLUMNS]
    first = out[heads[0]]
    y0, y1 = first["first"]["year"], first["year"]
    lines = ["| | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]

    def row(label, cell):
        lines.append(f"| {label} | " + " | ".join(cell(out[h]) for h in heads) + " |")

    def young(o):
        dev = o["developed"]
        start, end = o["first"]["young"], o["young"]
        return (
            f"developing regions {_span(start[~dev])} to {_span(end[~dev])}, "
            f"developed {_span(start[dev])} to {_span(end[dev])}"
        )

    row(
        f"natives at home aged {YOUNG[0]}-{YOUNG[1]}, wealth over GDP per capita, {y0} to {y1}",
        young,
    )
    row(
        f"moves out of all regions, {y0} and {y1}",
        lambda o: f"{o['start']['moves']:.1f}M, {o['end']['moves']:.1f}M",
    )
    row(
        f"moves out of {SHOWN_ORIGIN}, {y0} and {y1}",
        lambda o: f"{o['start']['moves_origin']:.2f}M, {o['end']['moves_origin']:.2f}M",
    )
    row(
        f"`blocked_by_liquidity`, {y0} and {y1}",
        lambda o: f"{o['start']['blocked']:.1f}M, {o['end']['blocked']:.1f}M",
    )
    row(
        f"`blocked_by_liquidity` per 1,000 residents of {' and '.join(PER_RESIDENT)}, "
        f"{y0} and {y1}",
        lambda o: "; ".join(
            f"{r} {o['start']['blocked_per'][r]:.1f}, {o['end']['blocked_per'][r]:.1f}"
            for r in PER_RESIDENT
        ),
    )
    row(
        f"natives at home aged {YOUNG[0]}-{YOUNG[1]}, wealth over GDP per capita: mean absolute "
        f"log change {y0}-{y1} over the regions",
        lambda o: f"{np.abs(np.log(o['young'] / o['first']['young'])).mean():.2f}",
    )
    row(f"each region's wealth over its GDP, change {y0}-{y1}", _change)
    row(
        f"world migrant stock, {y1}",
        lambda o: f"{o['stock']:.1f}M ({o['stock_share']:.2f}%)",
    )
    return "\n".join(lines) + "\n"


def _change(o: dict) -> str:
    change = 100 * (o["wealth"] / o["first"]["wealth"] - 1)
    return f"{change.min():+.0f}% to {change.max():+.0f}%"


def main(argv: list[str] | None = None) -> int:
    def sync(path, check):
        return sync_present(path, {(BEGIN, END): lambda: block(measure())}, check, "bequests")

    return write_or_check(
        argv,
        "python -m migsim.model.bequests_report",
        "migsim bequests: {path}'s bequests block is",
        sync,
    )


if __name__ == "__main__":
    sys.exit(main())
