"""What changes from outside the model each year: a scenario's paths and the regime's
policy timeline, applied to a running simulation without recalibrating it.

The calibration belongs to the base year. Later years act through the model:

- `gdp_per_capita`: a path relative to the base year, `x_r(t)`, becomes a TFP path of the
  CES economy under the base-year economy, `A_r(t) = A_r x_r(t)^(1 - alpha_r)` under the
  long-run and partial capital closures (capital follows TFP: output per worker rises by
  `x` at base-year labour) and `A_r x_r(t)` under the short-run closure (capital fixed), so
  GDP stays an output of the economy, and wages, incomes at home and abroad, savings and
  wealth (the liquidity constraint), remittances and public spending follow. With the
  economy switched off, wages are the base year's times `x`.
- `total_fertility`, `life_expectancy`: the year's fertility and mortality schedules, from
  the same shapes as the base year's (`migsim.core.world`); population is not forced.
- `cohort_tertiary_share`: the share of each new cohort completing a degree at the base
  year's emigration prospects; the education step moves its ex-ante H_ex to it, and the
  prospects act on top as in any year (`migsim.steps.education`).
- `price_level`: US$ per PPP $ by region that year (the United States' 1): the economy
  converts the remittances sent from a region into US dollars at it, and values those
  received at the receiving region's (`migsim.steps.economy`); without it, the world's
  base-year levels hold.
- policy: the regime's components active that year (`migsim.regimes.timeline`); a step
  holding a policy gets the year's through `use_policy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.world import World, death_probabilities, fertility_schedule
from migsim.regimes.timeline import PolicyTimeline
from migsim.scenarios.paths import Scenario


class Exogenous:
    """A year's exogenous values for one simulation: `begin_year(sim, year)` before the
    year's demography."""

    def __init__(
        self,
        world: World,
        scenario: Scenario | None,
        timeline: PolicyTimeline | None,
        closure: str = "long_run",
    ):
        self.world, self.scenario, self.timeline = world, scenario, timeline
        self.closure = closure
        self.income_factor: np.ndarray | None = None  # (R,) GDP per capita / base year
        self.tfp_factor: np.ndarray | None = None  # (R,) TFP / base year
        self.vital: tuple[np.ndarray, np.ndarray] | None = None  # death prob., fertility
        self.cohort_tertiary: np.ndarray | None = None  # (R,) H_ex at base-year prospects
        self.price_level: np.ndarray | None = None  # (R,) US$ per PPP $ that year
        self._vital_key = None

    @property
    def active(self) -> bool:
        return self.scenario is not None or (self.timeline is not None and not self.timeline.static)

    def begin_year(self, sim: Any, year: int) -> None:
        s = self.scenario
        if s is not None and s.has("gdp_per_capita"):
            x = s.factor("gdp_per_capita", year)
            self.income_factor = x
            alpha = 1.0 - np.asarray(self.world.labour_share, dtype=np.float64)
            self.tfp_factor = x if self.closure == "short_run" else x ** (1.0 - alpha)
        if s is not None and (
            s.has("total_fertility")
            or s.has("life_expectancy")
            or s.has("life_expectancy_female")
            or s.has("life_expectancy_male")
        ):
            self.vital = self._vital(year)
        if s is not None and s.has("cohort_tertiary_share"):
            self.cohort_tertiary = s.value("cohort_tertiary_share", year)
        if s is not None and s.has("price_level"):
            self.price_level = s.value("price_level", year)
        if self.timeline is not None and not self.timeline.static:
            policy = self.timeline.at(year)
            for step in sim.steps:
                use = getattr(step, "use_policy", None)
                if use is not None and getattr(step, "policy", None) is not policy:
                    use(policy)

    def _vital(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """The year's death probabilities (R, 2, ages) and fertility schedules (R, ages)."""
        w, s = self.world, self.scenario
        e0 = np.array(w.life_expectancy, dtype=np.float64)
        if s.has("life_expectancy"):
            shift = s.value("life_expectancy", year) - e0.mean(axis=1)
            e0 = e0 + shift[:, None]
        if s.has("life_expectancy_female"):
            e0[:, 0] = s.value("life_expectancy_female", year)
        if s.has("life_expectancy_male"):
            e0[:, 1] = s.value("life_expectancy_male", year)
        tfr = (
            s.value("total_fertility", year)
            if s.has("total_fertility")
            else np.asarray(w.total_fertility, dtype=np.float64)
        )
        key = (np.round(e0, 6).tobytes(), np.round(tfr, 6).tobytes())
        if key == self._vital_key and self.vital is not None:
            return self.vital
        death = np.array(w.death_probability, copy=True)
        fert = np.array(w.fertility, copy=True)
        for r in range(w.n_regions):
            for g in range(2):
                if e0[r, g] != w.life_expectancy[r, g]:
                    death[r, g] = death_probabilities(e0[r, g])
            if tfr[r] != w.total_fertility[r]:
                fert[r] = fertility_schedule(tfr[r])
        self._vital_key = key
        return death, fert
