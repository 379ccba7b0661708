"""The economy of the yearly loop: labour markets, incomes, budgets, remittances.

* `EconomyStep` (after migration): efficiency-unit labour supply per region, education
  group, experience band and nativity (kernel), wages from the nested-CES market
  (engine/model/nested_market.py) for the configured closure, then per person earnings at
  their cell's wage, taxes, transfers and age-related spending, remittances and levies
  (kernel). The two skill classes' wages (tertiary or not, the cells' supply-weighted mean)
  feed next year's migration decisions as an index on base-year wages.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from migsim.core.errors import InputError
from migsim.core.labels import EDUCATION
from migsim.core.world import AGE_BANDS
from migsim.kernels.bundles import Work
from migsim.kernels.income import N_EXPERIENCE
from migsim.model import externalities as ext
from migsim.model import markets, nested_market
from migsim.model.earnings import earnings_percentiles
from migsim.model.incomes import base_wages, levy_value, price_level, year_price_level
from migsim.model.remittances import base_year_scale, corridor_remit_scale
from migsim.people import passes
from migsim.regimes.policy import corridor_fee_table
from migsim.steps import thin_regions
from migsim.steps.economy_columns import (
    TABLE_COLUMNS,
    WELFARE_GROUPS,
    skilled_emigration_loss,
    wage_columns,
)
from migsim.steps.economy_conf import EconomyConf
from migsim.steps.registry import Column, Step, StepContext, step

B = len(AGE_BANDS)


# Public spending per person by age band, share of GDP per capita (docs/model.md §5.7 [A]):
# education + health + pensions + cash transfers, at an OECD fiscal size (tax rate 0.35).
SPENDING_OECD = np.array([0.26, 0.31, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.66])
OECD_TAX_RATE = 0.35


@step("economy")
class EconomyStep(Step):
    """Labour markets, incomes, budgets and remittances after migration."""

    reads = ("cells", "moves", "partnership_graduates")
    writes = ("wages", "partnership_graduates", "region_columns")
    columns = {
        "gdp": Column("PPP $", "gross domestic product"),
        "labour_income": Column("PPP $", "wages paid"),
        "capital_income": Column("PPP $", "income of capital, to the region's natives"),
        "capital": Column("PPP $", "capital stock in use this year"),
        "tax_revenue": Column("PPP $", "taxes paid by residents on earnings"),
        "public_spending": Column("PPP $", "age-related public spending on residents"),
        "partnership_cost": Column("PPP $", "training paid for skill-partnership graduates"),
        "other_revenue": Column("PPP $", "revenue not modelled per person, less partnerships"),
        "fiscal_balance": Column("PPP $", "taxes + other revenue + levies - spending"),
        "levy_revenue": Column("PPP $", "emigrant levies received by the origin, in its PPP $"),
        "remittances_sent": Column("US$", "remittances sent from the region"),
        "remittances_received": Column("US$", "remittances received after fees"),
        **wage_columns(),
        "fiscal_loss_skilled_emigration": Column(
            "PPP $", "income tax tertiary emigrants aged 20-64 would pay at home"
        ),
        "net_contribution_immigrants": Column("PPP $", "immigrants' taxes less their spending"),
        "gdp_per_capita": Column(
            "PPP $", "GDP per resident", derive=pl.col("gdp") / pl.col("population")
        ),
        # written only when their switch is on (migsim.model.externalities)
        "congestion_cost": Column(
            "PPP $", "public services the resident natives lose to congestion (switch on)"
        ),
        "cohesion_cost": Column(
            "PPP $", "social-cohesion cost to the resident natives, income equivalent (switch on)"
        ),
        "capital_owned": Column(
            "PPP $", "capital the region's natives own, at home or abroad (mobile capital on)"
        ),
        "capital_income_owned": Column(
            "PPP $", "income of the capital the region's natives own (mobile capital on)"
        ),
    }
    tables = {
        "remittances": "money sent by corridor: sent, fees, received (US$)",
        "fiscal": "net fiscal contribution by region, nativity, skill and age band",
        "welfare": "real income of the welfare groups",
        "earnings": "earnings percentiles of the employed by region, nativity and skill",
    }
    table_columns = TABLE_COLUMNS

    @classmethod
    def enabled(cls, cfg) -> bool:
        return bool(cfg.economy.enabled)

    @classmethod
    def build(cls, ctx: StepContext) -> EconomyStep:
        cfg = ctx.cfg
        return cls(ctx.sim, cfg.economy, cfg.behaviour, cfg.population, ctx.policy)

    def __init__(self, sim: Any, conf: EconomyConf, behaviour: Any, pop_conf: Any, policy):
        if conf.closure not in markets.CLOSURES:
            raise InputError("economy.closure", f"'{conf.closure}'", ", ".join(markets.CLOSURES))
        self.conf, self.behaviour, self.policy = conf, behaviour, policy
        world = sim.world
        self.world = world
        R = world.n_regions
        self.params = nested_market.NestedParams(
            sigma_q=conf.sigma_skill,
            sigma_hs=conf.sigma_school,
            sigma_x=conf.sigma_experience,
            sigma_n=conf.sigma_nativity,
            closure=conf.closure,
            adjustment_speed=conf.capital_adjustment,
            externality=conf.externality,
        )
        self.kappa0 = np.array(
            [behaviour.credential_transfer_low, behaviour.credential_transfer_high]
        )
        self._hist = None  # workers by log(units) of the last supply pass
        fiscal_size = world.tax_rate / OECD_TAX_RATE
        self.spending = np.stack(
            [SPENDING_OECD, SPENDING_OECD * conf.irregular_transfer_factor], axis=1
        )
        self.spending_by_region = fiscal_size
        self.price = price_level(world)
        self.subsistence = conf.subsistence_share * world.gdp_per_capita
        self.base_wage_per_worker = base_wages(world)
        self.relative_wage = np.ones((R, 3, N_EXPERIENCE, 2))
        # downgrading reads last year's cell wages, in the base year its wages' shape (on units
        # placed by education): the units are valued at the wages paid (docs/model.md §5.1)
        self.downgrade_from = np.zeros((R, 3, N_EXPERIENCE, 2))
        supply0 = thin_regions.base_supply(self, sim)
        # cells: the class wage times the education premium and experience profile [A]
        per_unit = nested_market.base_cell_wages(self.base_wage_per_worker, supply0)
        if conf.downgrading:
            self.downgrade_from = per_unit
            supply0 = thin_regions.base_supply(self, sim)
        self._last_supply = np.array(supply0, dtype=np.float64)
        # wages per efficiency unit that reproduce base-year labour income exactly
        labour_income = world.labour_share * world.gdp_per_capita * world.population
        scale = labour_income / (per_unit * supply0).sum(axis=(1, 2, 3))
        self.wages0 = per_unit * scale[:, None, None, None]
        self.class_wages0 = nested_market.class_wages(self.wages0, supply0)
        self.cell_wages = self.wages0  # the last year's wages by cell
        self.relative_wage = (
            self.wages0 / self.class_wages0[:, nested_market.CLASS_OF_EDUCATION][:, :, None, :]
        )
        self.state = nested_market.calibrate(
            supply0, self.wages0, 1.0 - world.labour_share, self.params
        )
        self.capital = self.state.capital.copy()
        self.mobility = float(conf.capital.mobility)
        self.congestion = float(conf.externalities.congestion)
        self.cohesion = float(conf.externalities.cohesion)
        self.capital_owned = self.capital.copy()  # by the region's natives (mobile capital)
        if conf.public_goods_cost not in ("average", "marginal"):
            raise InputError(
                "economy.public_goods_cost", f"'{conf.public_goods_cost}'", "average, marginal"
            )
        residents = world.population
        omega = 1.0 if conf.public_goods_cost == "average" else 0.0
        self.public_goods = (
            omega * conf.public_goods_share * world.gdp_per_capita * world.population / residents
        )
        self.remit_scale, self.remit_scale_set = np.ones(R), False
        self.status_quo_fee = corridor_fee_table(world)  # (R, R) [source, destination]
        self.wealth_depreciation = np.zeros(R)
        # one global remittance scale [calibrated]: base-year remittances received after
        # status-quo fees (shared by every regime) equal the world's own base-year total; the
        # split by receiving region is the rule's own, checked by E23, not fitted
        scale, sums = base_year_scale(self, sim)
        self.remit_scale_global = scale
        self.remit_scale, self.remit_scale_set = np.full(R, scale), True
        # wealth is consumed at a rate that makes savings replace it in the base year, region
        # by region (delta_r = s x net income_r / wealth_r): the base-year people's wealth is
        # stationary at base-year incomes (the dead's wealth passes to their heirs,
        # docs/model.md 5.10) and grows where incomes grow (the emigration hump)
        fiscal0 = sums["fiscal"]
        self.base_immigrant_share = ext.immigrant_share(fiscal0)  # m0 of the cohesion cost
        net = (fiscal0[..., 0] - fiscal0[..., 1]).sum(axis=(1, 2, 3))
        sent = sums["remit"].sum(axis=1)  # the pass at the scale found
        held = sim.people.sum(passes.wealth_by_location, R)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = conf.savings_rate * np.maximum(net - sent, 0.0) / held
        self.wealth_depreciation = np.clip(np.nan_to_num(delta), 0.0, 1.0)
        # revenue not modelled person by person (capital and consumption taxes, other
        # receipts), as a share of GDP fixed at the base year so that the base-year budget
        # balances [A]: changes in the balance then come from people and wages.
        fiscal0 = sums["fiscal"]
        gdp0 = world.gdp_per_capita * world.population
        self.other_revenue_share = (
            fiscal0[..., 2].sum(axis=(1, 2, 3)) - fiscal0[..., 1].sum(axis=(1, 2, 3))
        ) / gdp0
        self.records = {"remittances": [], "fiscal": [], "welfare": [], "earnings": []}

    def supply_levers(self, sim, year) -> Work:
        """The labour-supply pass's arguments after key and year (`Simulation.supplied`)."""
        conf, policy = self.conf, self.policy
        credential, wage_factor = policy.credential_transfer_scale, conf.irregular_wage_factor
        employment, years = self.world.employment_rate, conf.credential_years
        below, relative = self.downgrade_from[..., 1], self.relative_wage  # 0: no downgrading
        return Work(employment, self.kappa0, years, wage_factor, credential, relative, below)

    def supply(self, sim, year) -> np.ndarray:
        """Efficiency units by (region, education, experience band, nativity); keeps each
        person's units in their shard for the income pass, and the earnings histogram for
        the record."""
        ready = getattr(sim, "supplied", None)  # taken by the step before, nothing since
        if ready is not None and ready[0] == year:
            out, hist = ready[1]
        else:
            levers = self.supply_levers(sim, year)
            out, hist = sim.people.sum(passes.labour_supply, sim.key, year, *levers)
        self._hist = hist  # workers by log(units), for earnings percentiles
        return out

    def incomes(self, sim, year, elapsed, wages, units_ready: bool = False, count=False) -> dict:
        """Money sums of the year. `units_ready`: the caller has just run `supply` for these
        people and this year, so its per-person efficiency units are reused. `count`: the
        pass also counts people by cell for the record (`Simulation.counted`): True, every
        cell; or the (origin, location) pairs of `Simulation.pairs_to_count`."""
        world = self.world
        remit_share = np.array([self.conf.remit_share_low, self.conf.remit_share_high])
        if not units_ready:
            self.supply(sim, year)  # the people's efficiency units for this year
        # a scenario's income path scales public spending and public goods with GDP per head
        exo = getattr(sim, "exogenous", None)
        growth = exo.income_factor if exo is not None else None
        per_capita = world.gdp_per_capita if growth is None else world.gdp_per_capita * growth
        public_goods = self.public_goods if growth is None else self.public_goods * growth
        # the split of downgraded units, the supply's (kept as a tuple for the validation)
        levers = self.supply_levers(sim, year)
        self.paid_levers = tuple(levers)
        params = (
            wages,
            world.tax_rate,
            self.conf.irregular_tax_factor,
            self.spending,  # (B, 2), scaled per region through gdp_per_capita below
            per_capita * self.spending_by_region,
            world.developed,
            remit_share,
            self.conf.remit_probability,
            self.conf.remit_decay,
            self.conf.temporary_remit_factor,
            self.conf.remit_family_drop,
            self.subsistence,
            self.corridor_remit_scale(),
            self.policy.emigrant_levy,
            int(self.policy.levy_years),
            levy_value(year_price_level(sim, self.price)),
            self.conf.savings_rate if elapsed > 0 else 0.0,
            self.wealth_depreciation if elapsed > 0 else np.zeros(world.n_regions),
            public_goods,
            *(levers.kappa0, levers.kappa_years, levers.credential_scale, levers.downgrade_wage),
        )
        sums = sim.people.sum(passes.incomes, sim.key, year, elapsed, params, count)
        cells, misses = sums.pop("cells", None), sums.pop("cell_misses", 0)
        if cells is not None and not misses:  # whole unless someone lives in a pair not given
            sim.counted = (year, None if isinstance(count, bool) else count, cells)
        sums["earnings_hist"] = self._hist
        return sums

    def corridor_remit_scale(self) -> np.ndarray:
        """(R, R) global scale x each corridor's response to its fee (model.remittances)."""
        # the scale itself is set at status-quo fees, whatever the regime
        fee = self.policy.remittance_fee if self.remit_scale_set else self.status_quo_fee
        e = self.conf.remit_fee_elasticity
        return corridor_remit_scale(self.remit_scale, fee, self.status_quo_fee, e)

    def base_year_values(self, sim) -> None:
        """Record the base-year economy (before any decision) into the year's rows."""
        supply = self._keep_emptied(self.supply(sim, sim.base_year))
        outcome = nested_market.solve(
            self.state, supply, self.params, previous_capital=self.capital
        )
        sums = self.incomes(sim, sim.base_year, 0, outcome.wages, units_ready=True)
        self.record(sim, sim.base_year, outcome, sums, supply)

    def _keep_emptied(self, supply: np.ndarray) -> np.ndarray:
        """`thin_regions.keep_emptied` (a region whose last workers left keeps the supply
        of its last year with workers)."""
        supply = thin_regions.keep_emptied(supply, self._last_supply)
        self._last_supply = supply.copy()
        return supply

    def run(self, sim, year: int) -> None:
        supply = self._keep_emptied(self.supply(sim, year))
        state = self.state
        exo = getattr(sim, "exogenous", None)
        if exo is not None and exo.tfp_factor is not None:
            # a scenario's income path as TFP (migsim.scenarios.exogenous)
            state = replace(state, tfp=state.tfp * exo.tfp_factor)
        outcome = nested_market.solve(state, supply, self.params, previous_capital=self.capital)
        if self.mobility > 0.0:
            outcome = ext.move_capital(self, state, supply, outcome)
        self.capital, self.cell_wages = outcome.capital, outcome.wages
        classes = nested_market.class_wages(outcome.wages, supply)
        sim.state.wages = self.base_wage_per_worker[:, :, None] * (classes / self.class_wages0)
        # the year's last pass over people counts the cells of the peopled pairs
        count = getattr(sim, "fused_counts", False) and sim.pairs_to_count()
        sums = self.incomes(sim, year, year - sim.base_year, outcome.wages, True, count)
        self.record(sim, year, outcome, sums, supply)
        # next year's downgrading reads this year's wages (this year's pay read last year's)
        self.downgrade_from = outcome.wages if self.conf.downgrading else self.downgrade_from

    def record(self, sim, year, outcome, sums, supply) -> None:
        world = self.world
        wages = nested_market.class_wages(outcome.wages, supply)  # (R, 2 classes, 2)
        by_education = nested_market.education_wages(outcome.wages, supply)
        fiscal, remit = sums["fiscal"], sums["remit"]
        taxes = fiscal[..., 1].sum(axis=(1, 2, 3))
        spending = fiscal[..., 2].sum(axis=(1, 2, 3))
        price = year_price_level(sim, self.price)  # the scenario's path, else the base year's
        sent_usd = remit * price[:, None]  # [source, destination]
        fee = self.policy.remittance_fee
        received = sent_usd * (1.0 - fee)
        extra = sim.state.region_columns
        extra["gdp"] = outcome.gdp
        extra["labour_income"] = outcome.labour_income
        extra["capital_income"] = outcome.capital_income
        extra["capital"] = outcome.capital  # stock in use this year, PPP $
        extra["tax_revenue"] = taxes
        extra["public_spending"] = spending
        other = self.other_revenue_share * outcome.gdp
        partnership = np.zeros(len(other))
        trained = sim.state.partnership_graduates
        if trained is not None and self.policy.training_payers.any():
            payers = self.policy.training_payers
            partnership[payers] = self.policy.training_cost * trained.sum() / payers.sum()
            sim.state.partnership_graduates = None
        extra["partnership_cost"] = partnership
        other = other - partnership
        extra["other_revenue"] = other
        extra["fiscal_balance"] = taxes + other - spending + sums["levy"]
        extra["levy_revenue"] = sums["levy"]
        extra["remittances_sent"] = sent_usd.sum(axis=1)
        extra["remittances_received"] = received.sum(axis=0)
        for s, skill in enumerate(("low", "high")):
            for j, who in enumerate(("native", "immigrant")):
                extra[f"wage_{skill}_{who}"] = wages[:, s, j]
        for e, group in enumerate(EDUCATION):
            for j, who in enumerate(("native", "immigrant")):
                extra[f"wage_{group}_{who}"] = by_education[:, e, j]
        loss = skilled_emigration_loss(sim, world, wages)
        if loss is not None:
            extra["fiscal_loss_skilled_emigration"] = loss
        net = fiscal[..., 1] - fiscal[..., 2]  # (R, 2, 2, B) taxes - spending
        extra["net_contribution_immigrants"] = net[:, 1].sum(axis=(1, 2))
        codes = np.array(world.codes)
        src, dst = np.nonzero(sent_usd)
        self.records["remittances"].append(
            pl.DataFrame(
                {
                    "year": np.full(src.size, year, dtype=np.int64),
                    "source": codes[src],
                    "destination": codes[dst],
                    "sent": sent_usd[src, dst],
                    "fees": sent_usd[src, dst] * fee[src, dst],
                    "received": received[src, dst],
                }
            )
        )
        r, j, s, b = np.nonzero(fiscal[..., 3])
        self.records["fiscal"].append(
            pl.DataFrame(
                {
                    "year": np.full(r.size, year, dtype=np.int64),
                    "region": codes[r],
                    "nativity": np.array(["native", "immigrant"])[j],
                    "skill": np.array(["low", "high"])[s],
                    "age_band": np.array(AGE_BANDS)[b],
                    "people": fiscal[r, j, s, b, 3],
                    "earnings": fiscal[r, j, s, b, 0],
                    "taxes": fiscal[r, j, s, b, 1],
                    "public_spending": fiscal[r, j, s, b, 2],
                    "net_contribution": fiscal[r, j, s, b, 1] - fiscal[r, j, s, b, 2],
                }
            )
        )
        self.records["earnings"].append(
            earnings_percentiles(year, world.codes, sums["earnings_hist"], wages)
        )
        groups = sums["groups"]
        # capital income goes to the natives of each region (owners), by development group
        owned_income = ext.owned_capital_income(self, outcome, extra)
        capital_dev = owned_income[world.developed].sum()
        capital_devg = owned_income[~world.developed].sum()
        private = groups[:, 1].copy()
        private[0] += capital_dev
        private[2] += capital_devg
        # remittances received (after fees) are income of the families at home, valued at
        # the receiving region's prices (PPP $)
        received_ppp = received.sum(axis=0) / price
        private[0] += received_ppp[world.developed].sum()
        private[2] += received_ppp[~world.developed].sum()
        welfare = {
            "year": np.full(len(WELFARE_GROUPS), year, dtype=np.int64),
            "group": list(WELFARE_GROUPS),
            "people": groups[:, 0],
            "private_income": private,
            "public_income": groups[:, 2],
        }
        if self.congestion > 0.0 or self.cohesion > 0.0:
            welfare["externality_cost"] = ext.welfare_costs(self, sim, fiscal, extra)
        self.records["welfare"].append(pl.DataFrame(welfare))
