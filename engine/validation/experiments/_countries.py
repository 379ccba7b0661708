"""One short run of the 232-country world shared by the experiments whose quantity exists
only for named countries (E18 by destination, E19 GBR, E22 IND-USA, E26 TON-NZL), and the
person-by-person fiscal accounting they read from it.

The run: the status quo on `world=countries` (base year 2010) for six years, so that the
arrival cohort of the first simulated year (2011) can be followed for five years. Its
population is the validation's e01 size (an eighth in quick mode) with
`population.stratification=0.5`: the 232-country world has islands of a few thousand
people, which at the default 0.7 get a handful of working-age agents each (a region whose
agents are all drawn unemployed in the base year runs on its expected supply then,
docs/worlds.md); 0.5 gives them more. It is simulated once per runner
(once per seed) and costs about 25 s at 1,000,000 agents on 2 cores.

Money is computed per person from the simulated end-of-run population (2016) with the
economy step's own schedules (docs/model.md §5.7), as expected values (the employment
draw replaced by the employment rate, so that a small group of agents is not also noisy
in who works this year):

    earnings_i(l) = e_l * u_i * kappa_i(l) * (0.8 if irregular) * w_{l,s,j}      (ages 20-64)
    taxes_i(l)    = t_l * earnings_i(l) * (0.3 if irregular)
    revenue_i(l)  = taxes_i(l) + other revenue of l per resident
    spending_i(l) = psi_b * (0.4 if irregular) * GDPpc_l * t_l / 0.35 + 0.08 * GDPpc_l

with w_{l,s,j} the year's simulated wage per efficiency unit (j = 1 for people born
elsewhere), kappa the credential transfer of people abroad (1 at home). The counterfactual
"at home" is the same person (age, skill, productivity) in their origin as a native: the
origin's simulated wage, employment rate, tax rate and spending profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migsim.kernels.reference.income import experience_band
from migsim.validation.runner import Runner

WORLD = "countries"
# the country experiments' reason on other worlds' validation pages
COUNTRY_WORLD_ONLY = (
    "it runs on the 232-country world whatever --world names (its countries exist there "
    "only), so its figures do not move with the world validated"
)
OVERRIDES = ["population.stratification=0.5", "years=6"]


def country_matrix(years: list[int]):
    """The UN bilateral stocks of `years` between distinct countries (persons, no nulls),
    read as the country world was built from them (its unknown-origin rule), so that the
    flows the experiments take from the data count the same people as the world."""
    import polars as pl

    from migsim.core.resources import data_dir
    from migsim.worldbuild.inputs import built_matrix

    return (
        built_matrix(data_dir() / WORLD)
        .filter(pl.col("year").is_in(years) & (pl.col("origin") != pl.col("destination")))
        .select("year", "origin", "destination", pl.col("stock").cast(pl.Float64).fill_null(0.0))
    )


FOLLOW_YEARS = 5  # an arrival cohort is followed this many years
IRREGULAR = 3


@dataclass
class CountryRun:
    """The end-of-run people (alive rows) and the economy's schedules of the last year."""

    world: object
    year: int
    elapsed: int
    people: dict[str, np.ndarray]
    weight: np.ndarray  # (R,) real people per agent, by origin
    wages: np.ndarray  # (R, 3, X, 2) wage per efficiency unit [region, education, exp., nativity]
    gdp: np.ndarray  # (R,) simulated GDP of the last year, PPP $
    tax_revenue: np.ndarray  # (R,) the economy's own taxes of the last year (drawn employment)
    public_spending_total: np.ndarray  # (R,) and its public spending
    spending: np.ndarray  # (B, 2) psi_b, regular and irregular
    spending_by_region: np.ndarray  # (R,) t_r / 0.35
    public_goods: np.ndarray  # (R,) per resident
    other_revenue: np.ndarray  # (R,) revenue not modelled per person, per resident
    kappa0: np.ndarray  # (2,) credential transfer on arrival, by skill
    credential_years: float
    credential_scale: float
    irregular_wage_factor: float
    irregular_tax_factor: float
    cohort_destination: np.ndarray  # the 2011 arrivals' destination
    cohort_alive: np.ndarray  # alive five years later
    cohort_left: np.ndarray  # alive and no longer in their arrival destination
    cohort_weight: np.ndarray
    p_move: np.ndarray  # (H,) the last year's probability of moving, by home cell
    destination_cdf: np.ndarray  # (H, R) and the CDF of the destination chosen

    def code(self, code: str) -> int:
        return self.world.index(code)

    def earnings(self, rows: np.ndarray, at_home: bool) -> np.ndarray:
        """Expected earnings of `rows` where they live (or at home as natives), PPP $."""
        p = self.people
        origin = p["origin"][rows].astype(np.int64)
        if at_home:
            return self._earnings(rows, origin, None, None)
        irregular = p["status"][rows] == IRREGULAR
        place = p["location"][rows].astype(np.int64)
        return self._earnings(rows, place, p["years_abroad"][rows], irregular)

    def earnings_on_arrival(self, rows: np.ndarray, destination: str, years: int) -> np.ndarray:
        """Expected earnings of `rows` (people at home) had they entered `destination` as
        regular migrants `years` years ago, at this year's wages, PPP $."""
        place = np.full(rows.size, self.code(destination), dtype=np.int64)
        regular = np.zeros(rows.size, bool)
        return self._earnings(rows, place, np.full(rows.size, years), regular)

    def _earnings(self, rows, place, years_abroad, irregular) -> np.ndarray:
        """Earnings of `rows` working in `place` (years_abroad None: as natives at home)."""
        p = self.people
        age = p["age"][rows]
        skill = (p["skill"][rows] == 2).astype(np.int64)  # tertiary class
        units = p["productivity"][rows].astype(np.float64)
        working = (age >= 20) & (age <= 64)
        nativity = np.zeros_like(place)
        if years_abroad is not None:
            abroad = place != p["origin"][rows]
            k = self.kappa0[skill] * self.credential_scale
            if self.credential_years > 0:
                k = k + (1 - k) * np.minimum(years_abroad / self.credential_years, 1)
            else:
                k = np.ones_like(k)
            k = np.minimum(k, 1.0)
            units = np.where(abroad, units * k, units)
            units = np.where(abroad & irregular, units * self.irregular_wage_factor, units)
            nativity = abroad.astype(np.int64)
        employment = np.asarray(self.world.employment_rate)[place]
        education = p["skill"][rows].astype(np.int64)
        x = experience_band(age, education)
        return working * employment * units * self.wages[place, education, x, nativity]

    def home_cells(self, rows: np.ndarray) -> np.ndarray:
        """The home cell of each of `rows`, the row of `p_move` and `destination_cdf`, as the
        migration kernel indexes it."""
        from migsim.core.world import AGE_BAND_OF_AGE
        from migsim.kernels.reference.migration import home_cells
        from migsim.model.choice import N_BANDS

        p = self.people
        cols = (p[k][rows] for k in ("origin", "skill", "sex", "age"))
        return home_cells(*cols, AGE_BAND_OF_AGE, N_BANDS)[3]

    def wish_to_move(self, rows: np.ndarray, destination: str) -> np.ndarray:
        """Each of `rows`' (people at home) probability of choosing to move to `destination`
        in the run's last year: their home cell's probability of moving times the share of
        the destination (before the liquidity check and any quota)."""
        h = self.home_cells(rows)
        d = self.code(destination)
        cdf = self.destination_cdf[h]
        share = cdf[:, d] - (cdf[:, d - 1] if d > 0 else 0.0)
        return self.p_move[h] * share

    def taxes(self, rows: np.ndarray, at_home: bool) -> np.ndarray:
        p = self.people
        place = p["origin"][rows] if at_home else p["location"][rows]
        tax = np.asarray(self.world.tax_rate)[place] * self.earnings(rows, at_home)
        if not at_home:
            tax = np.where(p["status"][rows] == IRREGULAR, tax * self.irregular_tax_factor, tax)
        return tax

    def revenue(self, rows: np.ndarray, at_home: bool) -> np.ndarray:
        """Taxes on earnings plus an equal share per resident of the place's revenue that the
        economy does not model person by person (capital and consumption taxes, other
        receipts: `other_revenue`), as pure public goods are charged per resident."""
        p = self.people
        place = (p["origin"] if at_home else p["location"])[rows].astype(np.int64)
        return self.taxes(rows, at_home) + self.other_revenue[place]

    def public_spending(self, rows: np.ndarray, at_home: bool) -> np.ndarray:
        from migsim.core.world import AGE_BAND_OF_AGE

        p = self.people
        place = (p["origin"] if at_home else p["location"])[rows].astype(np.int64)
        band = AGE_BAND_OF_AGE[p["age"][rows]].astype(np.int64)
        irregular = np.zeros(rows.size, dtype=np.int64)
        if not at_home:
            irregular = (p["status"][rows] == IRREGULAR).astype(np.int64)
        gdp_pc = np.asarray(self.world.gdp_per_capita)[place]
        return (
            self.spending[band, irregular] * gdp_pc * self.spending_by_region[place]
            + self.public_goods[place]
        )

    def people_weight(self, rows: np.ndarray) -> np.ndarray:
        return self.weight[self.people["origin"][rows]]

    def rows(self, origins: list[str], location: str) -> np.ndarray:
        """Rows of people born in any of `origins` living in `location`."""
        p = self.people
        born = np.isin(p["origin"], [self.code(c) for c in origins if c in self.world.codes])
        return np.flatnonzero(born & (p["location"] == self.code(location)))


def country_run(r: Runner) -> CountryRun:
    """The shared run of the 232-country world (simulated on first use per runner)."""
    if "countries_run" in r.cache:
        return r.cache["countries_run"]
    from migsim.steps.economy import EconomyStep
    from migsim.steps.migration import MigrationStep

    sim, _ = r.start(extra=list(OVERRIDES), world=WORLD)
    r.log(f"countries run: {sim.population.n:,} agents, {1 + FOLLOW_YEARS} years")
    pop = sim.population
    sim.step()  # the first simulated year: its arrivals are the cohort
    n = pop.n
    new = (pop.alive[:n] == 1) & (pop.location[:n] != pop.origin[:n]) & (pop.years_abroad[:n] == 0)
    ids = pop.person_id[:n][new].copy()
    destination = pop.location[:n][new].astype(np.int64)
    cohort_weight = pop.weight[pop.origin[:n][new]].copy()
    for _ in range(FOLLOW_YEARS):
        sim.step()
    n = pop.n
    order = np.argsort(pop.person_id[:n])
    pos = np.clip(np.searchsorted(pop.person_id[:n][order], ids), 0, n - 1)
    row = order[pos]
    found = pop.person_id[:n][row] == ids
    alive = found & (pop.alive[:n][row] == 1)
    left = alive & (pop.location[:n][row] != destination)
    econ = next(s for s in sim.steps if isinstance(s, EconomyStep))
    migration = next(s for s in sim.steps if isinstance(s, MigrationStep))
    p_move, destination_cdf = migration.probabilities(sim, sim.year)
    living = pop.alive[:n] == 1
    people = {k: v[living].copy() for k, v in pop.view().items()}
    residents = np.bincount(
        people["location"].astype(np.int64),
        weights=np.asarray(pop.weight, dtype=np.float64)[people["origin"]],
        minlength=sim.world.n_regions,
    )
    # the year's wage per efficiency unit by (region, education, experience band, nativity)
    wages = econ.cell_wages
    run = CountryRun(
        world=sim.world,
        year=sim.year,
        elapsed=sim.year - sim.base_year,
        people=people,
        weight=np.asarray(pop.weight, dtype=np.float64),
        wages=np.asarray(wages, dtype=np.float64),
        gdp=np.asarray(sim.state.region_columns["gdp"], dtype=np.float64),
        tax_revenue=np.asarray(sim.state.region_columns["tax_revenue"], dtype=np.float64),
        public_spending_total=np.asarray(
            sim.state.region_columns["public_spending"], dtype=np.float64
        ),
        spending=np.asarray(econ.spending, dtype=np.float64),
        spending_by_region=np.asarray(econ.spending_by_region, dtype=np.float64),
        public_goods=np.asarray(econ.public_goods, dtype=np.float64),
        other_revenue=np.asarray(sim.state.region_columns["other_revenue"], dtype=np.float64)
        / np.maximum(residents, 1.0),
        kappa0=np.asarray(econ.kappa0, dtype=np.float64),
        credential_years=float(econ.conf.credential_years),
        credential_scale=float(econ.policy.credential_transfer_scale),
        irregular_wage_factor=float(econ.conf.irregular_wage_factor),
        irregular_tax_factor=float(econ.conf.irregular_tax_factor),
        cohort_destination=destination,
        cohort_alive=alive,
        cohort_left=left,
        cohort_weight=cohort_weight,
        p_move=p_move,
        destination_cdf=destination_cdf,
    )
    r.cache["countries_run"] = run
    return run
