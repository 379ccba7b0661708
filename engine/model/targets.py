"""What the model was fitted to: the calibration's targets, exported so that validation can
tell evidence from echo.

A validation check that measures one of these quantities is not a test of the model: the
model was made to reproduce it. Each target names the validation quantities that read it
back (`checks`, `experiment:quantity` keys, shell-style patterns), and `migsim validate`
derives every check's tier from this list:

- `calibrated`: the quantity is input data read back, or the model was solved or bisected to
  equal it;
- `fitted`: a parameter or a code path was chosen with the quantity in view (the model could
  have missed it, but it was tuned until it did not).

Checks no target names are `identity` (true by construction of the equations, declared by
their experiment with the reason) or `out_of_sample` (nothing was fitted to them). A target
whose patterns match no registered check is an error (tests/validation/test_tiers.py), so
renaming a check cannot silently promote it to out-of-sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

KINDS = ("calibrated", "fitted")


@dataclass(frozen=True)
class Target:
    id: str
    kind: str  # calibrated | fitted
    what: str  # the quantity the model was made to reproduce
    where: str  # the code or parameter that does it
    checks: tuple[str, ...]  # validation quantity keys that read it back (patterns)

    def covers(self, key: str) -> bool:
        return any(fnmatchcase(key, pattern) for pattern in self.checks)


TARGETS: tuple[Target, ...] = (
    Target(
        "base_year_stocks",
        "calibrated",
        "base-year migrant stocks by corridor and their area totals (world tables "
        "migrant_stock_2013.csv, intra_region_migrants_2013.csv; the back-cast's 1990 "
        "stocks are the 1990 world's), drawn into the synthetic population and kept "
        "growing by the calibrated flows",
        "migsim.people.population (synthesis), migsim.model.calibration (flow targets)",
        ("E1:stock_2013_*", "E1:corridor_*_pct", "BACKCAST:stock_1990_*"),
    ),
    Target(
        "base_year_population",
        "calibrated",
        "residents by region (regions.csv population), so the migrant share of world "
        "population is the ratio of two inputs",
        "migsim.people.population",
        ("E1:stock_2013_world_share_pct",),
    ),
    Target(
        "migrant_sex_and_age",
        "calibrated",
        "the migrants' female share by corridor and their age profile (world tables)",
        "migsim.people.population",
        ("E1:women_share_pct", "E1:aged_20_64_share_pct"),
    ),
    Target(
        "stock_growth",
        "fitted",
        "the world migrant stock's growth 2010-13 (1.6%/yr, Table 6.1), the growth term of "
        "every corridor's calibrated flow and of the within-region inflow, and the rate of "
        "the back-cast's null (in the 1990 world the 1990-2005 fit replaces both the "
        "corridor constants between regions and the within-region rates, starting from "
        "them)",
        "behaviour.stock_growth (migsim.model.calibration: flow targets, within-region inflow)",
        ("BACKCAST:stock_2013_World_M",),
    ),
    Target(
        "corridor_stocks_1990_2005",
        "fitted",
        "each corridor's observed stock changes 1990-1995-2000-2005 (UN matrix), which the "
        "1990 world's corridor constants, income elasticity, return hazard scale and "
        "liquidity parameters are fitted to along the history scenario, and the large "
        "corridors' levels and trends on runs of the history config (calibration.json.gz "
        "of regions12_1990; its stock_growth.csv gives the starting constants): the "
        "history's 1995-2005 stocks and the back-cast's 2000 stocks by UN area lie inside "
        "the window it was fitted on, and so are the emigrants behind the tertiary "
        "emigration rates of 2000 (HISTORY-skilled); 2010 and 2013 are after it",
        "migsim world fit-history, migsim.worldbuild.history_fit and history_sim",
        (
            "HISTORY:*_1995*",
            "HISTORY:*_2000*",
            "HISTORY:*_2005*",
            "BACKCAST:stock_2000_*",
            "HISTORY-skilled:*_2000",
        ),
    ),
    Target(
        "within_region_stocks_1990_2005",
        "fitted",
        "each region's observed within-region stock 1990-1995-2000-2005 (UN matrix, pairs of "
        "distinct countries of the region), which the 1990 world's within-region rate per "
        "region and within-region return hazard are fitted to along the history scenario "
        "(calibration.json.gz of regions12_1990): the back-cast's 2000 stocks by UN area "
        "hold them (44% of the 1990 world's stock); 2010 and 2013 are after it",
        "migsim world fit-history, migsim.worldbuild.history_within (fit_within)",
        ("BACKCAST:stock_2000_*",),
    ),
    Target(
        "flows_from_stocks",
        "calibrated",
        "yearly corridor flows set to stock x exit rate plus stock growth (f = h S / (1 - S)), "
        "so flows follow diasporas by construction",
        "migsim.model.calibration.calibrate (corridor constants xi)",
        ("E27:r2_log_flows_on_log_diaspora",),
    ),
    Target(
        "free_mobility_extra",
        "calibrated",
        "the desired extra emigrant stock under free mobility (DMS: about 400M), which the "
        "policy-cost split is solved to give",
        "behaviour.free_mobility_extra_share, migsim.model.calibration (policy-cost split)",
        ("E8:extra_migrants_after_10y_M*",),
    ),
    Target(
        "dms_catch_up",
        "fitted",
        "DMS's static world GDP gain: the catch_up component moves the calibrated desired "
        "stock in the first year, without the liquidity check, a path only E8's run uses",
        "regime component catch_up (configs/experiment/e08_free_mobility.yaml)",
        ("E8:world_gdp_pct_after_10y",),
    ),
    Target(
        "remittance_inflows",
        "calibrated",
        "the world total of base-year remittances received "
        "(economy.remittances_world_usd_bn), reached by one global scale; the split by "
        "receiving region is not fitted and is checked out of sample",
        "migsim.steps.economy (one global remittance scale)",
        ("E23:remittances_received_world_usd_bn",),
    ),
    Target(
        "remittance_fees",
        "calibrated",
        "the fee of sending by corridor (remittance_fees.csv, else the receiver's "
        "regions.csv remittance_fee): the averages are input fees weighted by inputs",
        "world tables remittance_fees.csv and regions.csv",
        ("E23:simple_average_fee_pct", "E23:volume_weighted_fee_pct"),
    ),
    Target(
        "brain_gain_elasticity",
        "calibrated",
        "the ex-ante elasticity of tertiary education to skilled emigration prospects "
        "(Beine, Docquier & Rapoport: 0.05), to which the education rule's one slope (the "
        "threshold rule's inverse cost spread) is bisected",
        "migsim.steps.education (beta)",
        ("E15:elasticity_ex_ante_H_to_p_skilled",),
    ),
    Target(
        "return_hazard",
        "fitted",
        "the five-year exit rate of an arrival cohort (OECD 2008: 20-50%), which "
        "behaviour.return_hazard_scale was raised to reach",
        "behaviour.return_hazard_scale",
        ("E18:five_year_exit_pct_2014_cohort",),
    ),
    Target(
        "return_destination_scales",
        "calibrated",
        "the five-year exit rate of an arrival cohort by destination (OECD International "
        "Migration Outlook 2008: NL 75%, DE 67%, FR 26%, US 12.5-16%; WEU and NAM as their "
        "means), one hazard scale per destination, bisected",
        "migsim.model.returns (destination_scales)",
        (
            "E18:five_year_exit_pct_2014_cohort_*",
            # the same scales on the 232-country world, read back by E18-dest
            "E18:five_year_exit_pct_NLD",
            "E18:five_year_exit_pct_DEU",
            "E18:five_year_exit_pct_FRA",
            "E18:five_year_exit_pct_USA",
        ),
    ),
    Target(
        "gep_labour_force",
        "calibrated",
        "the GEP 2006 shock, +3% labour force in developed regions by 2025: E12's factor on "
        "policy costs is bisected to give it",
        "migsim.validation.experiments.e12_gep2006",
        ("E12:developed_labour_force_pct_2025",),
    ),
)


def targets_of(key: str) -> list[Target]:
    """The targets a validation quantity (`experiment:quantity`) reads back."""
    return [t for t in TARGETS if t.covers(key)]
