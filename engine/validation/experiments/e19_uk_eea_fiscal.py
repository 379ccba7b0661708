"""E19: the fiscal contribution of recent EEA immigrants to the United Kingdom (Dustmann &
Frattini 2014: arrivals of 2001-2011 paid about 34% more in taxes than they received in
benefits and public services; EU-15 +64%, A10 +12%), on the 232-country world.

Simulated: the people living in GBR at the end of the shared countries run (2016) who were
born in each group of origins and have lived abroad at most ten years (the model has no
arrival date before the base year, only years abroad: synthesised migrants draw theirs
uniformly, later movers count from their move); the quantity compared is the ratio of the
revenue they bring to the public spending they draw, minus 1, in % (their simulated GBR
earnings at GBR's tax rate, plus GBR's revenue not modelled per person shared equally per
resident, since Dustmann & Frattini count every revenue item, indirect and business taxes
included; GBR's spending profile, pure public goods at average cost). The same ratio for
GBR's natives (all ages, Dustmann & Frattini: about -11% over 2001-2011, from the literature)
checks the accounting itself.
"""

from __future__ import annotations

import numpy as np

from migsim.validation.checks import Check, point
from migsim.validation.experiments._countries import COUNTRY_WORLD_ONLY, country_run
from migsim.validation.registry import experiment
from migsim.validation.runner import Runner

# EU-15 without the UK; A10: the 2004 accession states; the EEA of 2011: EU-27 (EU-15, A10
# and Bulgaria, Romania) without the UK, and Iceland, Liechtenstein, Norway
EU15 = ("AUT", "BEL", "DEU", "DNK", "ESP", "FIN", "FRA", "GRC", "IRL", "ITA", "LUX", "NLD")
EU15 += ("PRT", "SWE")
A10 = ("CYP", "CZE", "EST", "HUN", "LTU", "LVA", "MLT", "POL", "SVK", "SVN")
EEA = EU15 + A10 + ("BGR", "ROU", "ISL", "LIE", "NOR")
GROUPS = {"eea": (EEA, 34.0), "eu15": (EU15, 64.0), "a10": (A10, 12.0)}
RECENT_YEARS = 10

QUANTITIES = [f"E19:uk_recent_{g}_taxes_over_spending_pct" for g in GROUPS]
QUANTITIES.append("E19:uk_natives_taxes_over_spending_pct")
NATIVES = -11.0  # Dustmann & Frattini 2014, natives 2001-2011 [K]
_ONE_WAGE = (
    "the model pays every immigrant in GBR the same immigrant wage for their education and "
    "experience cell, whatever their origin, so EU-15 and A10 immigrants differ only by age, "
    "education and years abroad (credential transfer 0.85/0.70 on arrival, 1 after ten "
    "years)"
)
EXPECTED_FAILURES = {
    "E19:uk_recent_eea_taxes_over_spending_pct": (
        "above the published +34% on the mean of six seeds (a wide spread between seeds, "
        "a few hundred agents each), driven by the A10 group (the check below): "
        "the model's recent A10 immigrants have their origins' tertiary shares from the IAB "
        "brain-drain data (Poland's emigrants about 55% in 2010) and are paid as such, less "
        "the credential transfer"
    ),
    "E19:uk_recent_eu15_taxes_over_spending_pct": (
        "below the published +64%: " + _ONE_WAGE + "; Dustmann & Frattini's EU-15 immigrants "
        "earn a premium the model does not give them"
    ),
    "E19:uk_recent_a10_taxes_over_spending_pct": (
        "above the published +12%: " + _ONE_WAGE + "; Dustmann & Frattini's A10 immigrants "
        "work in low-paid jobs whatever their education (downgrading beyond the credential "
        "transfer), and the model's A10 stock is younger than its EU-15 stock, so it draws "
        "less age-related spending"
    ),
}
QUICK_UNDECIDED = {
    "E19:uk_recent_a10_taxes_over_spending_pct": (
        "the full run's six seeds range from about +30 to +100 (a few hundred agents each); a "
        "quick run has about 40 agents a seed"
    ),
}
SOURCE = "Dustmann & Frattini 2014 (Economic Journal)"


def revenue_over_spending(run, rows: np.ndarray) -> float:
    """Revenue / public spending - 1 (%) of the people in `rows`, living where they are."""
    w = run.people_weight(rows)
    revenue = float((w * run.revenue(rows, at_home=False)).sum())
    spending = float((w * run.public_spending(rows, at_home=False)).sum())
    return 100 * (revenue / spending - 1) if spending > 0 else float("nan")


@experiment(
    "E19",
    title="Recent EEA immigrants' taxes over public spending in the UK (Dustmann & Frattini 2014)",
    configs=["e01_status_quo"],
    cost="driven",
    quantities=QUANTITIES,
    other_worlds=COUNTRY_WORLD_ONLY,
    expected_failures=EXPECTED_FAILURES,
    quick_undecided=QUICK_UNDECIDED,
)
def e19_uk_eea_fiscal(r: Runner) -> list[Check]:
    run = country_run(r)
    out = []
    for group, (origins, published) in GROUPS.items():
        rows = run.rows(list(origins), "GBR")
        rows = rows[run.people["years_abroad"][rows] <= RECENT_YEARS]
        w = run.people_weight(rows)
        ratio = revenue_over_spending(run, rows)
        out.append(
            point(
                "E19",
                f"uk_recent_{group}_taxes_over_spending_pct",
                SOURCE,
                "V",
                published,
                ratio,
                "%",
                f"{run.year}, world=countries: {float(np.sum(w)) / 1e3:,.0f}k people "
                f"({rows.size} agents) born in {group.upper()} living in GBR with at most "
                f"{RECENT_YEARS} years abroad (the model's stand-in for arrivals of "
                "2001-2011); revenue / public spending - 1",
            )
        )
    gbr = run.code("GBR")
    p = run.people
    rows = np.flatnonzero((p["origin"] == gbr) & (p["location"] == gbr))
    out.append(
        point(
            "E19",
            "uk_natives_taxes_over_spending_pct",
            SOURCE,
            "K",
            NATIVES,
            revenue_over_spending(run, rows),
            "%",
            f"{run.year}, world=countries: GBR's natives of all ages ({rows.size} agents); "
            "revenue / public spending - 1, the accounting of the immigrant groups above",
        )
    )
    return out
