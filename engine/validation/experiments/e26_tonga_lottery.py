"""E26: the income gain of Tongans who move to New Zealand (McKenzie, Gibson & Stillman
2010: lottery winners gained about +263% in income), on the 232-country world.

The lottery compares the winners, who moved, with the applicants who lost and stayed, so
the gain is that of would-be movers in their first years abroad. Simulated as an expected
value over the Tonga-born people aged 20-64 at home at the end of the shared countries run
(2016), each weighted by their probability of choosing New Zealand in the run's last year
(their home cell's probability of moving times New Zealand's share; before the liquidity
check): their expected earnings in New Zealand in their first year there (its simulated
wage for immigrants, employment rate, the credential transfer on arrival) against the same
people's expected earnings at home, as a ratio - 1 in %. Computed over every such agent
(about 170 at 1,000,000 agents), not over the dozen or so who happen to move in the run,
so that the figure does not hang on which agents' draws moved them (the Monte Carlo error
of the three seeds' mean fell from about 61 to about 22 points).
"""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import Check, point
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, country_run
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = ["E26:tonga_to_nzl_income_gain_pct"]
# Near the band's upper edge (197-329): a would-be mover earns New Zealand's immigrant wage
# for their cell times the credential transfer on arrival against Tonga's, and the two
# countries' GDP per head differ by more than the lottery winners' measured gain (PWT for New
# Zealand, the World Bank's for Tonga rescaled to PWT's dollars: wages per worker 4.9 times
# Tonga's, +329% for the non-tertiary in the decision model's own base-year wages); Tonga's
# simulated market, about 160 agents aged 20-64 at 1,000,000 agents, moves the figure by
# 10-15% between seeds. Measured on the base year's market (the same formula, 2010's
# wages): +312 +- 8 over seeds 1-10 at 1,000,000 agents (265 to 352), +329 +- 10 over seeds
# 1-8 at 2,000,000 (288 to 373); the validation's seeds 1-3 give +268 +- 6 at 1,000,000
# (a pass) and +322 +- 24 at 2,000,000 (undecided), so `--scale 2` leaves it undecided.
# Not a declared miss: +213, +245 and +277 on seeds 1-3 (mean +245) against the band's +197 to
# +329. Tonga's agents of working age at home are about 150, and since the IAB brain-drain data
# give Tongan emigrants an 18% tertiary share (the default world's share for its pair of
# regions was 40%) the few tertiary agents move the mean from seed to seed (it was +259 to
# +280 before).
EXPECTED_FAILURES: dict[str, str] = {}
QUICK_UNDECIDED = {
    "E26:tonga_to_nzl_income_gain_pct": (
        "full run +262 +- 21 (six seeds, +170 to +317), quick +367: at an eighth of the "
        "agents Tonga's working-age agents at home are too few for the mean over would-be "
        "movers to settle"
    ),
}
SOURCE = "McKenzie, Gibson & Stillman 2010 (J. European Economic Association)"


@experiment(
    "E26",
    title="Income gain of Tongan movers to New Zealand (McKenzie, Gibson & Stillman 2010)",
    configs=["e01_status_quo"],
    cost="driven",
    quantities=QUANTITIES,
    other_worlds=COUNTRY_WORLD_ONLY,
    expected_failures=EXPECTED_FAILURES,
    quick_undecided=QUICK_UNDECIDED,
)
def e26_tonga_lottery(r: Runner) -> list[Check]:
    run = country_run(r)
    p = run.people
    ton = run.code("TON")
    rows = np.flatnonzero(
        (p["origin"] == ton) & (p["location"] == ton) & (p["age"] >= 20) & (p["age"] <= 64)
    )
    wish = run.wish_to_move(rows, "NZL")  # one origin: one agent weight
    abroad = float((wish * run.earnings_on_arrival(rows, "NZL", 0)).sum())
    home = float((wish * run.earnings(rows, at_home=True)).sum())
    gain = 100 * (abroad / home - 1) if home > 0 else float("nan")
    return [
        point(
            "E26",
            "tonga_to_nzl_income_gain_pct",
            SOURCE,
            "K",
            263.0,
            gain,
            "%",
            f"{run.year}, world=countries: {rows.size} Tonga-born agents aged 20-64 at home, "
            "weighted by their probability of choosing New Zealand; expected earnings there "
            "in the first year / the same people's at home - 1 (PPP $)",
        )
    ]
