"""E26: the income gain of Tongans who move to New Zealand (McKenzie, Gibson & Stillman
2010: lottery winners gained about +263% in income), on the 232-country world.

Simulated: the Tonga-born people aged 20-64 who moved to New Zealand during the shared
countries run (years abroad fewer than the run's six years), at the end of the run (2016):
their expected earnings in New Zealand (its simulated wage for immigrants, employment rate,
their credential transfer) against the same people's expected earnings at home in Tonga as
natives, as a ratio - 1 in %.
"""

from __future__ import annotations

from migsim.validation.checks import Check, point
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, country_run
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

QUANTITIES = ["E26:tonga_to_nzl_income_gain_pct"]
EXPECTED_FAILURES = {
    "E26:tonga_to_nzl_income_gain_pct": (
        "at the upper edge of the band, from about a dozen Tongan movers' agents per seed at "
        "the default size: the movers earn New Zealand's immigrant wage for their skill "
        "against Tonga's at home, and the two countries' GDP per head (PWT for New Zealand, "
        "the World Bank's for Tonga rescaled to PWT's dollars) differ by more than the "
        "lottery winners' measured gain, which compares like-for-like applicants"
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
)
def e26_tonga_lottery(r: Runner) -> list[Check]:
    run = country_run(r)
    rows = run.rows(["TON"], "NZL")
    p = run.people
    age = p["age"][rows]
    rows = rows[(p["years_abroad"][rows] < run.elapsed) & (age >= 20) & (age <= 64)]
    abroad = float(run.earnings(rows, at_home=False).sum())  # one origin: one weight
    home = float(run.earnings(rows, at_home=True).sum())
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
            f"{run.year}, world=countries: {rows.size} Tonga-born agents aged 20-64 who "
            "moved to New Zealand in the run; expected earnings there / the same people's "
            "at home - 1 (PPP $)",
        )
    ]
