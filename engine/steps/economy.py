"""The economy of the yearly loop: education, labour markets, incomes, budgets, remittances.

Steps (after migration in the year's fixed order):
* `EducationStep` (before migration): people turning 22 complete tertiary education with
  the ex-ante probability H_ex[o] = logistic(a_o + beta ln R_o), where R_o is the expected
  income with a degree relative to without one, averaged over staying and emigrating with
  the origin's current skilled and unskilled emigration rates (Stark; Mountford; Beine,
  Docquier & Rapoport; economics.md 4.1). a_o reproduces the base-year tertiary share;
  beta gives a short-run elasticity of H_ex to skilled emigration prospects of 0.05
  (BDR 2008 [V]) on average over developing origins.
* `EconomyStep`: efficiency-unit labour supply per region, skill and nativity (kernel), wages
  from the nested-CES market (engine/model/markets.py) for the configured closure, then per person
  earnings, taxes, transfers and age-related spending, remittances and levies (kernel).
  Wages feed next year's migration decisions as an index on base-year wages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from migsim.core.errors import InputError
from migsim.core.world import AGE_BANDS
from migsim.kernels import income as ik
from migsim.model import markets
from migsim.model.calibration import base_wages, expected_income
from migsim.people import passes

B = len(AGE_BANDS)
ADULT_BANDS = slice(3, B)  # 25+
WELFARE_GROUPS = (
    "natives_developed",
    "earlier_migrants_developed",
    "natives_developing",
    "new_migrants",
    "earlier_migrants_developing",
)


@dataclass
class EconomyConf:
    """Parameters of the economy (economics.md 2, 4, 5, 6); flags as there."""

    enabled: bool = True
    sigma_skill: float = 2.0  # sigma_q college vs non-college [K]
    sigma_nativity: float = 20.0  # sigma_N natives vs immigrants [K]; .inf allowed
    closure: str = "partial"  # short_run | long_run | partial
    capital_adjustment: float = 0.2  # phi per year for the partial closure [A]
    externality: float = 0.0  # gamma, human-capital externality on TFP [A]
    credential_years: float = 10.0  # years for kappa to reach 1 (0: at once) [A]
    irregular_wage_factor: float = 0.8  # wage penalty of irregular status [A]
    irregular_tax_factor: float = 0.3  # share of taxes irregular migrants pay [A]
    irregular_transfer_factor: float = 0.4  # share of public spending they receive [A]
    remit_share_low: float = 0.20  # r_L [A]
    remit_share_high: float = 0.12  # r_H [A]
    remit_probability: float = 0.7  # p_0 [A]
    remit_decay: float = 0.03  # delta per year abroad [A]
    temporary_remit_factor: float = 2.0  # temporary migrants remit more [A]
    subsistence_share: float = 0.3  # subsistence as a share of local GDP per capita [A]
    remittances_world_usd_bn: float = 542.0  # 2013 global remittances, MDB 22 [V]
    savings_rate: float = 0.05  # share of net income added to wealth [A]
    # Pure public goods (defence, debt service, administration): "average" charges every
    # resident their per-capita cost, "marginal" charges nothing (economics.md 5.1, omega).
    public_goods_cost: str = "average"
    public_goods_share: float = 0.08  # share of GDP [A]
    education: bool = True
    brain_gain_elasticity: float = 0.05  # BDR 2008 short-run elasticity [V]


# Public spending per person by age band, share of GDP per capita (economics.md 5.1 [A]):
# education + health + pensions + cash transfers, at an OECD fiscal size (tax rate 0.35).
SPENDING_OECD = np.array([0.26, 0.31, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12, 0.66])
OECD_TAX_RATE = 0.35


def price_level(world) -> np.ndarray:
    """US$ per PPP $ by region [A]: (GDP per capita / 52,000)^0.35, at most 1
    (Balassa-Samuelson shape; the US price level is 1)."""
    return np.minimum(1.0, (world.gdp_per_capita / 52_000.0) ** 0.35)


def _sum_chunks(partial: np.ndarray) -> np.ndarray:
    """Combine per-chunk float partials in chunk order (thread-count invariant)."""
    out = np.zeros(partial.shape[1:])
    for c in range(partial.shape[0]):
        out += partial[c]
    return out


PERCENTILES = (10, 25, 50, 75, 90)


def earnings_percentiles(
    year: int, codes: list[str], hist: np.ndarray, wages: np.ndarray
) -> pl.DataFrame:
    """Annual earnings percentiles of the employed (PPP $) by region, nativity and skill:
    the cell's wage per efficiency unit (wages (R, 2, 2) [region, skill, nativity]) times
    the quantiles of the year's histogram of log efficiency units (interpolated within bins
    of 0.025 log points), so within-group wage distributions can be compared (Dustmann,
    Frattini & Preston 2013)."""
    R = hist.shape[0]
    edges = np.linspace(-ik.HIST_SPAN, ik.HIST_SPAN, ik.HIST_BINS + 1)
    rows = {"year": [], "region": [], "nativity": [], "skill": [], "people": []}
    for p in PERCENTILES:
        rows[f"p{p}"] = []
    for r in range(R):
        for j, nat in enumerate(("native", "immigrant")):
            for s, skill in enumerate(("low", "high")):
                h = hist[r, j, s]
                total = h.sum()
                if total <= 0:
                    continue
                cdf = np.concatenate([[0.0], np.cumsum(h)]) / total
                rows["year"].append(year)
                rows["region"].append(codes[r])
                rows["nativity"].append(nat)
                rows["skill"].append(skill)
                rows["people"].append(total)
                for p in PERCENTILES:
                    x = np.interp(p / 100.0, cdf, edges)
                    rows[f"p{p}"].append(float(wages[r, s, j] * np.exp(x)))
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int64})


class EconomyStep:
    name = "economy"

    def __init__(self, sim: Any, conf: EconomyConf, behaviour: Any, pop_conf: Any, policy):
        if conf.closure not in markets.CLOSURES:
            raise InputError("economy.closure", f"'{conf.closure}'", ", ".join(markets.CLOSURES))
        self.conf, self.behaviour, self.policy = conf, behaviour, policy
        world = sim.world
        self.world = world
        R = world.n_regions
        self.params = markets.MarketParams(
            sigma_q=conf.sigma_skill,
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
        supply0 = self.supply(sim, sim.base_year)
        # wages per efficiency unit that reproduce base-year labour income exactly
        labour_income = world.labour_share * world.gdp_per_capita * world.population
        per_unit = self.base_wage_per_worker[:, :, None] * np.ones((R, 2, 2))
        scale = labour_income / (per_unit * supply0).sum(axis=(1, 2))
        self.wages0 = per_unit * scale[:, None, None]
        self.state = markets.calibrate(supply0, self.wages0, 1.0 - world.labour_share, self.params)
        self.capital = self.state.capital.copy()
        if conf.public_goods_cost not in ("average", "marginal"):
            raise InputError(
                "economy.public_goods_cost", f"'{conf.public_goods_cost}'", "average, marginal"
            )
        residents = world.population
        omega = 1.0 if conf.public_goods_cost == "average" else 0.0
        self.public_goods = (
            omega * conf.public_goods_share * world.gdp_per_capita * world.population / residents
        )
        self.remit_scale = np.ones(R)
        self.wealth_depreciation = np.zeros(R)
        # remittance scale by receiving region: base-year remittances received (after
        # status-quo fees, so every regime run with one seed shares the scale) equal each
        # region's 2013 inflow (World Bank; developing $404bn, world $542bn, MDB 22)
        sums = self.incomes(sim, sim.base_year, 0, self.wages0, units_ready=True)
        status_quo_fee = world.remittance_fee[None, :]
        received_usd = (sums["remit"] * self.price[:, None] * (1.0 - status_quo_fee)).sum(axis=0)
        target = world.remittance_inflow * 1e9
        target = target * conf.remittances_world_usd_bn * 1e9 / target.sum()
        self.remit_scale = np.where(received_usd > 0, target / np.maximum(received_usd, 1e-9), 1.0)
        # wealth is consumed at a rate that makes savings replace it in the base year, region
        # by region (delta_r = s x net income_r / wealth_r): wealth is stationary at base-year
        # incomes and grows only where incomes grow, which is what loosens the liquidity
        # constraint as origins develop (the emigration hump), not a drift of the calibration
        fiscal0 = sums["fiscal"]
        net = (fiscal0[..., 0] - fiscal0[..., 1]).sum(axis=(1, 2, 3))
        sent = (sums["remit"] * self.remit_scale[None, :]).sum(axis=1)
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

    def supply(self, sim, year) -> np.ndarray:
        """Efficiency units by (region, skill, nativity); keeps each person's units in their
        shard for the income pass, and the earnings histogram for the record."""
        out, hist = sim.people.sum(
            passes.labour_supply,
            sim.key,
            year,
            self.world.employment_rate,
            self.kappa0,
            self.conf.credential_years,
            self.conf.irregular_wage_factor,
            self.policy.credential_transfer_scale,
        )
        self._hist = hist  # workers by log(units), for earnings percentiles
        return out

    def incomes(self, sim, year, elapsed, wages, units_ready: bool = False) -> dict:
        """Money sums of the year. `units_ready`: the caller has just run `supply` for these
        people and this year, so its per-person efficiency units are reused."""
        world = self.world
        remit_share = np.array([self.conf.remit_share_low, self.conf.remit_share_high])
        if not units_ready:
            self.supply(sim, year)  # the people's efficiency units for this year
        params = (
            wages,
            world.tax_rate,
            self.conf.irregular_tax_factor,
            self.spending,  # (B, 2), scaled per region through gdp_per_capita below
            world.gdp_per_capita * self.spending_by_region,
            world.developed,
            remit_share,
            self.conf.remit_probability,
            self.conf.remit_decay,
            self.conf.temporary_remit_factor,
            self.subsistence,
            self.remit_scale,
            self.policy.emigrant_levy,
            int(self.policy.levy_years),
            self.conf.savings_rate if elapsed > 0 else 0.0,
            self.wealth_depreciation if elapsed > 0 else np.zeros(world.n_regions),
            self.public_goods,
        )
        sums = sim.people.sum(passes.incomes, sim.key, year, elapsed, params)
        sums["earnings_hist"] = self._hist
        return sums

    def base_year_values(self, sim) -> None:
        """Record the base-year economy (before any decision) into the year's rows."""
        supply = self.supply(sim, sim.base_year)
        outcome = markets.solve(self.state, supply, self.params, previous_capital=self.capital)
        sums = self.incomes(sim, sim.base_year, 0, outcome.wages, units_ready=True)
        self.record(sim, sim.base_year, outcome, sums)

    def run(self, sim, year: int) -> None:
        supply = self.supply(sim, year)
        outcome = markets.solve(self.state, supply, self.params, previous_capital=self.capital)
        self.capital = outcome.capital
        wages = outcome.wages
        sim.wages = self.base_wage_per_worker[:, :, None] * (wages / self.wages0)
        sums = self.incomes(sim, year, year - sim.base_year, wages, units_ready=True)
        self.record(sim, year, outcome, sums)

    def record(self, sim, year, outcome, sums) -> None:
        world = self.world
        wages = outcome.wages
        fiscal, remit = sums["fiscal"], sums["remit"]
        taxes = fiscal[..., 1].sum(axis=(1, 2, 3))
        spending = fiscal[..., 2].sum(axis=(1, 2, 3))
        sent_usd = remit * self.price[:, None]  # [source, destination]
        fee = self.policy.remittance_fee
        received = sent_usd * (1.0 - fee)
        extra = sim.region_extra
        extra["gdp"] = outcome.gdp
        extra["labour_income"] = outcome.labour_income
        extra["capital_income"] = outcome.capital_income
        extra["capital"] = outcome.capital  # stock in use this year, PPP $
        extra["tax_revenue"] = taxes
        extra["public_spending"] = spending
        other = self.other_revenue_share * outcome.gdp
        partnership = np.zeros(len(other))
        trained = getattr(sim, "partnership_graduates", None)
        if trained is not None and self.policy.training_payers.any():
            payers = self.policy.training_payers
            partnership[payers] = self.policy.training_cost * trained.sum() / payers.sum()
            sim.partnership_graduates = None
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
        # fiscal loss at origin from skilled emigration (Desai et al. 2009): the income tax
        # that tertiary emigrants aged 20-64 (start of year) would pay at home at the
        # origin's tertiary wage and employment rate
        cells = getattr(sim, "cells", None)
        if cells is not None:
            working_high = cells[:, :, 1, :, 2:8, :].sum(axis=(2, 3))  # (o, loc, status)
            abroad = (
                working_high.sum(axis=(1, 2))
                - np.diagonal(working_high).sum(axis=0)
                + np.diagonal(working_high)[4]
            )
            extra["fiscal_loss_skilled_emigration"] = (
                abroad * world.employment_rate * wages[:, 1, 0] * world.tax_rate
            )
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
        capital_dev = outcome.capital_income[world.developed].sum()
        capital_devg = outcome.capital_income[~world.developed].sum()
        private = groups[:, 1].copy()
        private[0] += capital_dev
        private[2] += capital_devg
        # remittances received (after fees) are income of the families at home, valued at
        # the receiving region's prices (PPP $)
        received_ppp = received.sum(axis=0) / self.price
        private[0] += received_ppp[world.developed].sum()
        private[2] += received_ppp[~world.developed].sum()
        self.records["welfare"].append(
            pl.DataFrame(
                {
                    "year": np.full(len(WELFARE_GROUPS), year, dtype=np.int64),
                    "group": list(WELFARE_GROUPS),
                    "people": groups[:, 0],
                    "private_income": private,
                    "public_income": groups[:, 2],
                }
            )
        )


class EducationStep:
    name = "education"

    def __init__(self, sim: Any, conf: EconomyConf, behaviour: Any, policy=None):
        self.world, self.conf, self.behaviour = sim.world, conf, behaviour
        self.policy = None  # the base calibration is the status quo's
        R = self.world.n_regions
        self.base_income = expected_income(self.world, base_wages(self.world), behaviour)
        p_high, p_low = self.emigration_rates(sim)
        self.intercept = np.zeros(R)
        log_return, dlog = self.log_return(sim, p_high, p_low)
        target = np.clip(self.world.tertiary_share, 1e-4, 0.999)
        # beta: doubling skilled emigration prospects raises H_ex by the BDR elasticity,
        # ln(H(2p) / H(p)) / ln 2 = 0.05 on average over developing origins (bisection;
        # the intercept reproduces the base-year share for each beta)
        dev = ~self.world.developed if (~self.world.developed).any() else np.ones(R, bool)
        doubled, _ = self.log_return(sim, np.minimum(2 * p_high, 0.99), p_low)
        logit = np.log(target / (1 - target))

        def response(beta):
            h2 = 1.0 / (1.0 + np.exp(-(logit + beta * (doubled - log_return))))
            return float(np.mean(np.log(h2 / target)[dev])) / np.log(2.0)

        lo, hi = 0.0, 50.0
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if response(mid) < conf.brain_gain_elasticity:
                lo = mid
            else:
                hi = mid
        self.beta = 0.5 * (lo + hi)
        self.intercept = logit - self.beta * log_return
        del dlog
        self.policy = policy

    def emigration_rates(self, sim) -> tuple[np.ndarray, np.ndarray]:
        """Docquier-Marfouk emigration rates of people aged 25+ by origin and skill."""
        people = getattr(sim, "cells", None)  # (o, loc, s, g, b, st) from the last record
        if people is None:
            people = sim.cell_people()
        R = self.world.n_regions
        adult = people[:, :, :, :, ADULT_BANDS, :].sum(axis=(3, 4))  # o loc s st
        abroad = np.zeros((R, 2))
        home = np.zeros((R, 2))
        for o in range(R):
            abroad[o] = adult[o].sum(axis=(0, 2)) - adult[o, o].sum(axis=1) + adult[o, o, :, 4]
            home[o] = adult[o, o].sum(axis=1) - adult[o, o, :, 4]
        rate = abroad / np.maximum(abroad + home, 1.0)
        return rate[:, 1], rate[:, 0]

    def log_return(self, sim, p_high, p_low):
        y = self.income(sim)
        R = self.world.n_regions
        dest = sim.stock_matrix / np.maximum(sim.stock_matrix.sum(axis=1, keepdims=True), 1.0)
        abroad = np.einsum("od,ods->os", dest, y)
        home = np.stack([y[o, o] for o in range(R)])
        with_degree = (1 - p_high) * home[:, 1] + p_high * abroad[:, 1]
        without = (1 - p_low) * home[:, 0] + p_low * abroad[:, 0]
        log_return = np.log(with_degree / without)
        dlog = p_high * (abroad[:, 1] - home[:, 1]) / with_degree
        return log_return, dlog

    def income(self, sim):
        wages = sim.wages if sim.wages is not None else base_wages(self.world)
        return expected_income(self.world, wages, self.behaviour)

    def ex_ante_share(self, sim) -> np.ndarray:
        p_high, p_low = self.emigration_rates(sim)
        log_return, _ = self.log_return(sim, p_high, p_low)
        z = self.intercept + self.beta * log_return
        h = 1.0 / (1.0 + np.exp(-z))
        if self.policy is not None:
            h = np.minimum(h + self.policy.training_boost, 0.99)
        return h, p_high

    def base_year_values(self, sim) -> None:
        h_ex, p_high = self.ex_ante_share(sim)
        sim.region_extra["ex_ante_tertiary_share"] = h_ex
        sim.region_extra["skilled_emigration_rate"] = p_high

    def run(self, sim, year: int) -> None:
        h_ex, p_high = self.ex_ante_share(sim)
        out = sim.people.sum(passes.graduate, sim.key, year, h_ex)
        counts = out * sim.weight[:, None]  # (o, [deciders, graduates]) people
        if self.policy is not None and self.policy.training_boost.any():
            # graduates owed to a skill partnership, financed by the partner destinations
            sim.partnership_graduates = counts[:, 0] * self.policy.training_boost
        sim.region_extra["graduates"] = counts[:, 1]
        sim.region_extra["ex_ante_tertiary_share"] = h_ex
        sim.region_extra["skilled_emigration_rate"] = p_high


def brain_gain_response(step: EducationStep, sim, factor: float = 2.0) -> dict:
    """H_ex and resident H_post when skilled emigration prospects are multiplied by factor."""
    p_high, p_low = step.emigration_rates(sim)
    out = {}
    for label, ph in (("base", p_high), ("scaled", np.minimum(p_high * factor, 0.99))):
        log_return, _ = step.log_return(sim, ph, p_low)
        h = 1.0 / (1.0 + np.exp(-(step.intercept + step.beta * log_return)))
        post = (1 - ph) * h / (1 - ph * h - p_low * (1 - h))
        out[label] = {"ex_ante": h, "post": post, "p_high": ph}
    return out
