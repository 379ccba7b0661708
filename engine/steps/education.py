"""Education in the yearly loop (before migration): people turning 22 complete tertiary
education with the ex-ante probability H_ex[o], which rises with R_o, the expected income
with a degree relative to without one, averaged over staying and emigrating with the
origin's current skilled and unskilled emigration rates (Stark; Mountford; Beine, Docquier &
Rapoport; docs/model.md).

Two cost distributions (`economy.education_response`):

- threshold (the default): a person's cost of a degree, in log units of R, is normal with
  an origin mean and a common spread 1/beta, and they study iff it lies below ln R_o:
  H_ex[o] = Phi(z_o + beta (ln R_o - ln R_o,base)), z_o = Phi^-1(base-year cohort share).
  The elasticity of H_ex to the prospect is beta phi(z)/Phi(z) d ln R/d ln p_s: the lower
  an origin's threshold sits in the cost distribution (the lower its tertiary share), the
  larger its response, and the response per point of p_s is largest at low p_s (R is
  concave in p_s), so low-H, low-p origins can gain from skilled emigration.
- logistic: H_ex[o] = logistic(a_o + beta ln R_o), whose response scales with 1 - H.

A third rule is not a cost distribution but Beine, Docquier & Rapoport's reduced form
(`loglinear`): ln H_ex[o] = a_o + beta ln p_s[o] (p_s floored at PROSPECT_FLOOR, H_ex capped
at SHARE_CAP), the same elasticity beta at every origin and at every p_s, and no wage in it.

Each way the origin term reproduces the base-year cohort share and beta is bisected so
that doubling skilled emigration prospects raises H_ex by the short-run elasticity 0.05
(BDR 2008 [V]) on average over developing origins (for the loglinear rule beta is that
elasticity, but where the doubled prospect or the share is capped).

The cohort share (`World.cohort_tertiary_share`) is the tertiary share of people aged 25-29
in the base year (Barro-Lee's age groups; the adults' share where a region has none): the
population starts with degrees by age (older cohorts hold fewer), so the adults' share rises
as cohorts replace each other even at constant H_ex. A scenario's `cohort_tertiary_share`
path moves the origin term so that H_ex at the base-year prospect follows it (`year_shift`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.core.labels import AGE_BANDS
from migsim.kernels import cellsums
from migsim.kernels.cellsums import CellBlocks
from migsim.model.brain_gain import PROSPECT_FLOOR, capped_exp, normal_cdf, normal_quantile
from migsim.model.brain_gain import logistic as _logistic
from migsim.model.incomes import base_wages, expected_income
from migsim.people import passes
from migsim.runtime.state import cell_blocks, has_cells
from migsim.steps.registry import Column, Step, StepContext, step

ADULT_BANDS = slice(3, len(AGE_BANDS))  # 25+


@step("education")
class EducationStep(Step):
    """Tertiary education at 22 given expected returns at home and abroad (brain gain)."""

    reads = ("cells", "stock_matrix", "wages")
    writes = ("partnership_graduates", "region_columns")
    columns = {
        "graduates": Column("people", "people completing tertiary education this year"),
        "ex_ante_tertiary_share": Column("share", "probability of a degree at 22, H_ex"),
        "skilled_emigration_rate": Column(
            "share",
            "tertiary-educated people 25+ born in the region living abroad, over all of them "
            "(abroad and at home), from the previous year's counts: the prospect the year's "
            "education choice responds to",
        ),
        "brain_gain": Column(
            "share",
            "resident tertiary share H_post minus its value were the tertiary-educated's "
            "emigration prospect the others' (Beine, Docquier & Rapoport's counterfactual)",
        ),
    }

    @classmethod
    def enabled(cls, cfg) -> bool:
        return bool(cfg.economy.enabled and cfg.economy.education)

    @classmethod
    def build(cls, ctx: StepContext) -> EducationStep:
        cfg = ctx.cfg
        return cls(ctx.sim, cfg.economy, cfg.behaviour, ctx.policy)

    def __init__(self, sim: Any, conf: Any, behaviour: Any, policy=None):
        self.world, self.conf, self.behaviour = sim.world, conf, behaviour
        self.policy = None  # the base calibration is the status quo's
        R = self.world.n_regions
        self.base_income = expected_income(self.world, base_wages(self.world), behaviour)
        p_high, p_low = self.emigration_rates(sim)
        self.intercept = np.zeros(R)
        self.response = str(getattr(conf, "education_response", "logistic"))
        base_index = self.index(sim, p_high, p_low)
        target = np.clip(self.world.cohort_tertiary_share, 1e-4, 0.999)
        # beta: doubling skilled emigration prospects raises H_ex by the BDR elasticity,
        # ln(H(2p) / H(p)) / ln 2 = 0.05 on average over developing origins (bisection;
        # the intercept reproduces the base-year share for each beta)
        dev = ~self.world.developed if (~self.world.developed).any() else np.ones(R, bool)
        doubled = self.index(sim, np.minimum(2 * p_high, 0.99), p_low)
        self.origin_term = origin_term = self.link(target)
        self.shift = np.zeros(R)  # a scenario's cohort path in link units (`year_shift`)

        def response(beta):
            h2 = self.cdf(origin_term + beta * (doubled - base_index))
            with np.errstate(divide="ignore"):
                each = np.log(h2 / target)[dev]
            # an origin whose share underflows to 0 at the doubled prospect (an extreme
            # return, from extreme but allowed inputs) has no finite response to average
            each = each[np.isfinite(each)]
            return float(np.mean(each)) / np.log(2.0) if each.size else 0.0

        lo, hi = 0.0, 50.0
        if self.response == "threshold":
            # the mean response is not monotone in beta on the countries world (an origin
            # whose return falls with p_s and whose threshold sits deep in the lower tail
            # drags it back down at large beta): bracket its first crossing from below
            hi = 1e-3
            while response(hi) < conf.brain_gain_elasticity and hi < 50.0:
                lo, hi = hi, 2.0 * hi
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if response(mid) < conf.brain_gain_elasticity:
                lo = mid
            else:
                hi = mid
        self.beta = 0.5 * (lo + hi)
        self.intercept = origin_term - self.beta * base_index
        self.policy = policy

    @property
    def cdf(self):
        """The education choice's cost distribution (a function, so not kept as state: a
        checkpoint stores the response's name)."""
        if self.response == "threshold":
            return normal_cdf
        return capped_exp if self.response == "loglinear" else _logistic

    def link(self, share: np.ndarray) -> np.ndarray:
        """The inverse of `cdf`: the index at which the rule gives `share`."""
        if self.response == "threshold":
            return normal_quantile(share)
        if self.response == "loglinear":
            return np.log(share)
        return np.log(share / (1 - share))

    def share(self, log_return: np.ndarray) -> np.ndarray:
        """H_ex by origin at the index `log_return` (`index`: the log return, or for the
        loglinear rule the log prospect), before any training boost; a scenario's cohort
        path moves it through `shift`."""
        return self.cdf(self.intercept + getattr(self, "shift", 0.0) + self.beta * log_return)

    def year_shift(self, sim) -> None:
        """Follow a scenario's `cohort_tertiary_share` (`migsim.scenarios.exogenous`): the
        origin term moves so that H_ex at the base-year prospect is the path's value, a
        shift of the cost distribution's threshold; the prospect acts on top as in the base
        year (so an observed path that already holds the response to emigration counts that
        response twice, a small term at the calibrated elasticity). Without the variable the
        shift is zero."""
        exo = getattr(sim, "exogenous", None)
        path = getattr(exo, "cohort_tertiary", None) if exo is not None else None
        if path is None:
            return
        self.shift = self.link(np.clip(path, 1e-4, 0.999)) - self.origin_term

    def index(self, sim, p_high, p_low) -> np.ndarray:
        """What H_ex is a function of, by origin, at these emigration rates: ln R_o (the
        threshold and logistic rules), or ln max(p_s, PROSPECT_FLOOR) (the loglinear one)."""
        if self.response == "loglinear":
            return np.log(np.maximum(np.asarray(p_high, dtype=float), PROSPECT_FLOOR))
        return self.log_return(sim, p_high, p_low)

    def emigration_rates(self, sim) -> tuple[np.ndarray, np.ndarray]:
        """Docquier-Marfouk emigration rates of people aged 25+ by origin and skill."""
        blocks = cell_blocks(sim.state)  # the last record's, in a world of many regions
        people = blocks if blocks is not None else sim.state.cells  # (o, loc, s, g, b, st)
        cached = getattr(self, "_rates_of_cells", None)
        if people is not None and cached is not None and cached[0] is people:
            return cached[1]  # asked twice a year (graduation, then the step) of one record
        rates = self._emigration_rates(sim.cell_people() if people is None else people)
        if people is not None:
            self._rates_of_cells = (people, rates)
        return rates

    def _emigration_rates(self, people) -> tuple[np.ndarray, np.ndarray]:
        """people: the record's dense cells, or its `CellBlocks`."""
        R = self.world.n_regions
        if isinstance(people, CellBlocks) or R > cellsums.DENSE_CELLS_MAX_REGIONS:
            # the peopled pairs' cells, or one pass over the dense cells by origin
            adult = cellsums.band_sums_of(people, ADULT_BANDS.start, people.shape[4])
            diag = adult[np.arange(R), np.arange(R)]  # (o, s, st) living where born
            home = diag.sum(axis=2) - diag[:, :, 4]
            abroad = adult.sum(axis=(1, 3)) - diag.sum(axis=2) + diag[:, :, 4]
            rate = abroad / np.maximum(abroad + home, 1.0)
            return rate[:, 1], rate[:, 0]
        adult = people[:, :, :, :, ADULT_BANDS, :].sum(axis=(3, 4))  # o loc s st
        abroad = np.zeros((R, 2))
        home = np.zeros((R, 2))
        for o in range(R):
            abroad[o] = adult[o].sum(axis=(0, 2)) - adult[o, o].sum(axis=1) + adult[o, o, :, 4]
            home[o] = adult[o, o].sum(axis=1) - adult[o, o, :, 4]
        rate = abroad / np.maximum(abroad + home, 1.0)
        return rate[:, 1], rate[:, 0]

    def log_return(self, sim, p_high, p_low) -> np.ndarray:
        """ln R_o (docs/model.md §2.3) by origin at these emigration rates."""
        y = self.income(sim)
        R = self.world.n_regions
        stock = sim.state.stock_matrix
        dest = stock / np.maximum(stock.sum(axis=1, keepdims=True), 1.0)
        abroad = np.einsum("od,ods->os", dest, y)
        home = y[np.arange(R), np.arange(R)]  # (o, s) at home
        with_degree = (1 - p_high) * home[:, 1] + p_high * abroad[:, 1]
        without = (1 - p_low) * home[:, 0] + p_low * abroad[:, 0]
        return np.log(with_degree / without)

    def income(self, sim):
        """Expected incomes (o, d, s) at this year's wages, made once per wages array (the
        step asks for them four times a year)."""
        wages = sim.state.wages
        cached = getattr(self, "_income_of", None)
        if cached is not None and cached[0] is wages:
            return cached[1]
        y = expected_income(
            self.world, base_wages(self.world) if wages is None else wages, self.behaviour
        )
        self._income_of = (wages, y)
        return y

    def ex_ante_share(self, sim) -> np.ndarray:
        self.year_shift(sim)
        p_high, p_low = self.emigration_rates(sim)
        self.rates = (p_high, p_low)
        h = self.share(self.index(sim, p_high, p_low))
        if self.policy is not None:
            h = np.minimum(h + self.policy.training_boost, 0.99)
        return h, p_high

    def base_year_values(self, sim) -> None:
        h_ex, p_high = self.ex_ante_share(sim)
        sim.state.region_columns["ex_ante_tertiary_share"] = h_ex
        sim.state.region_columns["skilled_emigration_rate"] = p_high
        sim.state.region_columns["brain_gain"] = brain_gain(self, sim, *self.rates)["gain"]

    def graduation_levers(self, sim, year: int):
        """(H_ex, secondary share) by origin for graduating in the year's demography pass,
        which the loop asks of its first step before demography (nothing the shares depend
        on changes in between), or None where `run` is not this class's own."""
        if type(self).run is not EducationStep.run or not has_cells(sim.state):
            return None  # (without the last record's cells, the rates would count people)
        h_ex, _ = self.ex_ante_share(sim)
        return h_ex, np.asarray(self.world.secondary_share, dtype=np.float64)

    def run(self, sim, year: int) -> None:
        h_ex, p_high = self.ex_ante_share(sim)
        secondary = np.asarray(self.world.secondary_share, dtype=np.float64)
        early = getattr(sim, "graduated", None)
        if early is not None and early[0] == year:
            out = early[1]  # graduated in the demography pass (Simulation.fused_ageing)
        else:
            out = sim.people.sum(passes.graduate, sim.key, year, h_ex, secondary)
        counts = out * sim.weight[:, None]  # (o, [deciders, graduates]) people
        if self.policy is not None and self.policy.training_boost.any():
            # graduates owed to a skill partnership, financed by the partner destinations
            sim.state.partnership_graduates = counts[:, 0] * self.policy.training_boost
        sim.state.region_columns["graduates"] = counts[:, 1]
        sim.state.region_columns["ex_ante_tertiary_share"] = h_ex
        sim.state.region_columns["skilled_emigration_rate"] = p_high
        sim.state.region_columns["brain_gain"] = brain_gain(self, sim, *self.rates)["gain"]


def brain_gain_response(step: EducationStep, sim, factor: float = 2.0) -> dict:
    """H_ex and resident H_post when skilled emigration prospects are multiplied by factor."""
    p_high, p_low = step.emigration_rates(sim)
    out = {}
    for label, ph in (("base", p_high), ("scaled", np.minimum(p_high * factor, 0.99))):
        h = step.share(step.index(sim, ph, p_low))
        out[label] = {"ex_ante": h, "post": resident_share(h, ph, p_low), "p_high": ph}
    return out


def resident_share(h_ex, p_high, p_low):
    """H_post: the tertiary share of the natives who stay, (1 - p_s) H / (1 - p_s H - p_u (1 -
    H)) (Beine, Docquier & Rapoport); undefined (NaN) where every native would leave."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1 - p_high) * h_ex / (1 - p_high * h_ex - p_low * (1 - h_ex))


def brain_gain(step: EducationStep, sim, p_high=None, p_low=None) -> dict[str, np.ndarray]:
    """Net human-capital change from skilled emigration by origin (Beine, Docquier & Rapoport
    2008's counterfactual): the resident tertiary share H_post at the current emigration
    rates, minus the share had the tertiary-educated the emigration prospects of the others
    (p_s = p_u; then no selective drain, and H_post = H_ex at that prospect). Same state,
    same wages, no draw: the difference is the prospect alone. Positive: a brain gain."""
    if p_high is None:
        p_high, p_low = step.emigration_rates(sim)
    h_ex = step.share(step.index(sim, p_high, p_low))
    post = resident_share(h_ex, p_high, p_low)
    h_without = step.share(step.index(sim, p_low, p_low))
    return {
        "p_high": p_high,
        "p_low": p_low,
        "ex_ante": h_ex,
        "post": post,
        "without": h_without,
        "gain": post - h_without,
    }
