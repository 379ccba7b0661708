"""The migration step of the yearly loop: cell probabilities, quotas, then one kernel pass.

Per year: expected incomes from the current wages (base-year wages until a market step
provides new ones), the diaspora term from last year's stocks, the regime's policy arrays,
the behaviour module's utility -> nested-logit probabilities per home cell, quota
admission probabilities, and finally `migsim.kernels.migration.decide` over people.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np

from migsim.core.errors import InputError
from migsim.core.world import AGE_BAND_OF_AGE
from migsim.kernels import applicants as applicants_k
from migsim.kernels import cellsums, logit
from migsim.kernels.bundles import Cells, Levers
from migsim.model.calibration import Calibration, desired_extra
from migsim.model.cells import base_cells
from migsim.model.choice import N_BANDS, CellContext, default_utility, log_sum, nested_logit
from migsim.model.costs import return_hazard_table, upfront_cost
from migsim.model.incomes import base_wages, expected_income
from migsim.model.plugin_params import params_array, plugin_params
from migsim.model.plugins import Behaviour, check_utility, plugin_call
from migsim.model.returns import destination_scales, return_factor
from migsim.people import passes
from migsim.regimes import Policy, entry_temporary_share
from migsim.steps.registry import Column, Step, StepContext, step

STATUS_QUO_PORTABILITY = 0.3  # share of pension rights portable without agreements [A]
PENSION_RETURN_EFFECT = 1.0  # relative rise in the 50+ return hazard per unit portability [A]


@step("migration")
class MigrationStep(Step):
    """Stay, move or return for everyone, from cell probabilities, quotas and one kernel pass."""

    reads = ("cells", "stock_matrix", "wages")
    writes = ("moves", "region_columns")
    columns = {
        "temporary_visas_offered": Column(
            "people/yr", "extra temporary visas a Mode 4 offer adds (when one is offered)"
        ),
        "quota_shadow_price_low": Column(
            "utility", "price on entry that fits non-tertiary movers into a priced quota"
        ),
        "quota_shadow_price_high": Column(
            "utility", "price on entry that fits tertiary movers into a priced quota"
        ),
        "pent_up_moves": Column("people", "arrivals of the catch_up component's first year"),
        "pent_up_desired": Column("people", "arrivals the calibration's split desires at once"),
        "blocked_by_liquidity": Column("people", "would-be movers who could not pay the move"),
        "intra_regional_moves": Column("people", "moves between countries of the region"),
        "access_value": Column(
            "log points", "value of the regime's policy costs to people at home, vs status quo"
        ),
    }

    @classmethod
    def enabled(cls, cfg) -> bool:
        return bool(cfg.behaviour.migration)

    @classmethod
    def build(cls, ctx: StepContext) -> MigrationStep:
        from migsim.model.behaviour import load_behaviour

        cfg = ctx.cfg
        behaviour = load_behaviour(cfg.behaviour)
        from migsim.runtime.assemble import wealth_age_of

        wealth_age = wealth_age_of(cfg, ctx.sim.world)
        args = (cfg.behaviour, cfg.population, behaviour, ctx.calibration, ctx.policy)
        return cls(ctx.sim, *args, wealth_age=wealth_age)

    def __init__(
        self,
        sim: Any,
        conf: Any,
        pop_conf: Any,
        behaviour: Behaviour,
        calibration: Calibration,
        policy: Policy,
        wealth_age: np.ndarray | None = None,
    ):
        world = sim.world
        self.wealth_age = wealth_age  # base-year wealth by age (None: flat), for catch_up
        self.world = world
        self.conf = conf
        self.pop_conf = pop_conf
        self.behaviour = behaviour
        self.calibration = calibration
        self.productivity_sigma = float(pop_conf.productivity_sigma)
        self.base_wages = base_wages(world)
        # destination scales of the return hazard, fitted at base-year incomes to the OECD
        # exit rates (migsim.model.returns); the income gap term follows incomes each year
        self.return_scales = destination_scales(world, conf, self.base_wages)
        # share of movers who leave close family at origin, by age band
        self.family_left = np.asarray(list(conf.family_left_share), dtype=np.float64)
        self.age_shift = np.log(np.asarray(conf.age_profile, dtype=np.float64))
        if self.age_shift.shape[0] != N_BANDS or not np.isfinite(self.age_shift).all():
            raise InputError(
                "behaviour.age_profile",
                f"{list(conf.age_profile)}",
                f"{N_BANDS} positive numbers (one per age band)",
            )
        self.eta = np.array([conf.network_elasticity_low, conf.network_elasticity_high])
        self.base_diaspora = None
        # a plug-in's checked parameters (defaults filled in): a utility receives the dict,
        # an individual term or a kernel the float64 array in the order of declaration
        self.plugin_params = plugin_params(behaviour, conf)
        self.term_params = params_array(behaviour, self.plugin_params)
        self.last = {}
        self.baseline_admissions = calibration.target_flow.sum(axis=(0, 3))  # (d, s)
        self.regularised = False
        # corridors whose holders of tied permits have been made permanent (settlement)
        self.settled = np.zeros((world.n_regions, world.n_regions), dtype=bool)
        self.shadow = np.zeros((world.n_regions, 2))  # quota shadow prices, utility units
        self.base_cells = None
        self.use_policy(policy)

    def use_policy(self, policy: Policy) -> None:
        """Take the year's policy and the arrays derived from it: return hazards (pension
        portability, irregular status), corridor constants (removed incompressible costs)."""
        conf, calibration = self.conf, self.calibration
        self.policy = policy
        # pension portability: migrants aged 50+ return more often when accrued pension
        # rights follow them (docs/model.md §3.6, §6.10): hazard x (1 + beta (pi - pi_0))
        # with beta = 1 [A] and pi_0 = 0.3 the status-quo portability
        age_factor = np.ones(N_BANDS)
        age_factor[7:] = 1.0 + PENSION_RETURN_EFFECT * (
            policy.pension_portability - STATUS_QUO_PORTABILITY
        )
        self.hazard = return_hazard_table(conf, np.maximum(age_factor, 0.0))
        self.hazard[3] *= policy.irregular_hazard_factor
        self.hazard = np.ascontiguousarray(self.hazard)
        np.clip(self.hazard, 0.0, 1.0, out=self.hazard)
        # corridor constants with the regime's removal of incompressible costs
        relief = policy.incompressible_relief
        self.corridor_constant = (
            calibration.corridor_constant
            + (relief * calibration.incompressible_cost)[:, :, :, None]
        )
        # the base-year stocks by corridor and skill the calibration split (for catch_up)
        if policy.catch_up and self.base_cells is None:
            self.base_cells = base_cells(
                self.world, conf, self.base_wages, self.pop_conf, self.wealth_age
            )

    def constants_in(self, year: int) -> np.ndarray:
        """The corridor constants of `year` (`corridor_constants_in`)."""
        after = self.conf.corridor_trend_after
        return corridor_constants_in(self.calibration, self.corridor_constant, year, after)

    def wages(self, sim) -> np.ndarray:
        """The wages in force: the market step's, or the base year's before it has run (times
        a scenario's income path, when the economy is off)."""
        if sim.state.wages is not None:
            return sim.state.wages
        exo = getattr(sim, "exogenous", None)
        if exo is not None and exo.income_factor is not None:
            return self.base_wages * exo.income_factor[:, None]
        return self.base_wages

    def utility(self, sim, year: int, policy_cost: np.ndarray) -> np.ndarray:
        """Systematic utility V[o, s, g, b, d] of this year's decision with the policy cost
        `policy_cost` (R, R, 2) [o, d, s] (the behaviour module's, or the default)."""
        world, conf, R = self.world, self.conf, self.world.n_regions
        # diaspora of o-born people in d, floored at one agent's weight so that a corridor
        # with no agent in the base year cannot jump by ln(weight) when its first agent
        # arrives (sampling noise in small runs)
        floor = sim.weight[:, None]
        diaspora = np.maximum(sim.state.stock_matrix, floor)
        if self.base_diaspora is None:
            self.base_diaspora = np.maximum(self.world.migrant_stock, floor)
        # the network elasticity is estimated on observed variation in diasporas: its effect
        # saturates at `network_max_ratio` times the base-year diaspora (otherwise a large
        # policy change feeds on itself: flow ~ D^eta squares the multiplier at eta = 0.5)
        cap = np.log(self.conf.network_max_ratio)
        ratio = np.clip(np.log(diaspora / self.base_diaspora), -cap, cap)
        network = self.eta[None, None, :] * ratio[:, :, None]
        # copies: a utility plug-in may change the context's arrays in place without
        # reaching the calibration, the policy or the next year (R x R cells: small)
        ctx = CellContext(
            income=expected_income(
                world, self.wages(sim), conf, self.policy.credential_transfer_scale
            ),
            corridor_constant=self.constants_in(year).copy(),
            policy_cost=np.array(policy_cost, dtype=float),
            network=network,
            age_shift=self.age_shift.copy(),
            income_elasticity=conf.income_elasticity,
            nest_dissimilarity=conf.nest_dissimilarity,
            year=year,
            world=world,
            params=dict(self.plugin_params),
        )
        # Bhagwati-type levy lowers the net income of emigrants abroad
        if self.policy.emigrant_levy.any():
            levy = self.policy.emigrant_levy
            for o in range(R):
                keep = ctx.income[o, o].copy()
                ctx.income[o] *= (1.0 - levy[o])[None, :]
                ctx.income[o, o] = keep
        shape = (R, 2, 2, N_BANDS, R)
        if self.behaviour.utility is not None:
            with plugin_call(self.behaviour, "utility", year):
                V = self.behaviour.utility(ctx)
            return check_utility(self.behaviour.name, V, shape, year)
        return default_utility(ctx)

    def _policy_cost(self, shadow: np.ndarray | None) -> np.ndarray:
        cost = self.policy.policy_cost
        return cost if shadow is None else cost + shadow[None, :, :]

    def probabilities(
        self, sim, year: int, shadow: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """P(move) per home cell and destination CDFs; `shadow` (R, 2) [d, s] is a quota's
        shadow price added to the policy cost of entering d with skill s."""
        R = self.world.n_regions
        V = self.utility(sim, year, self._policy_cost(shadow))
        if R > cellsums.DENSE_CELLS_MAX_REGIONS:  # one pass over V (migsim.kernels.logit)
            rows = np.ascontiguousarray(V.reshape(-1, R), dtype=np.float64)
            return logit.move_and_destinations(rows, float(self.conf.nest_dissimilarity))
        p_move, dest = nested_logit(V, self.conf.nest_dissimilarity)
        p_move = np.ascontiguousarray(p_move.reshape(-1))
        cdf = np.cumsum(dest.reshape(-1, R), axis=1)
        cdf[:, -1] = 1.0
        return p_move, np.ascontiguousarray(cdf)

    def catch_up_probabilities(self, sim) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The regime's pent-up moves (component `catch_up`): people who would live abroad
        under the regime's costs but do not under the status quo's move in the regime's first
        year instead of over decades of yearly flows. Desired extra E[o, d, s] = S (F_regime /
        F_sq - 1) by the split the calibration uses (`engine/model/calibration.py`, `desired_extra`:
        the base-year stocks S of the world tables times the decision model's own change in
        yearly flows, so that the yearly flows afterwards keep the stock where the catch-up
        put it; DMS's S (e^c - 1) under the multinomial logit), clipped at 0 (flows diverted
        from a corridor shrink it through the yearly flows, not at once). Each home cell
        (o, s, g, b) of the people at home at the start of the year gets the probability
        E w_b / sum N w_b over its origin and skill, with w_b the decision model's age
        profile, capped at 1: the people who move at once are aged like movers, not like the
        base-year stock (older, after years abroad; with the stock's ages E8's 10-year gain
        is about 0.8 point lower, since fewer movers are still of working age by then).
        Returns (q_move (H,), destination CDF (H, R), E (R, R, 2) people)."""
        R = self.world.n_regions
        cal = self.calibration
        xi_sq = cal.corridor_constant - cal.policy_cost[:, :, :, None]
        xi_new = self.corridor_constant - self.policy.policy_cost[:, :, :, None]
        desired = desired_extra(
            self.world, self.conf, self.base_cells, self.base_wages, xi_sq, xi_new
        )
        desired = np.maximum(desired, 0.0)
        desired[np.arange(R), np.arange(R)] = 0.0
        cells = sim.state.cells  # (o, loc, s, g, b, st) people
        home = np.stack([cells[o, o].sum(axis=-1) for o in range(R)])  # (o, s, g, b)
        w = np.exp(self.age_shift)
        exposed = (home * w).sum(axis=(2, 3))  # (o, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(
                exposed[:, :, None] > 0, desired.transpose(0, 2, 1) / exposed[:, :, None], 0.0
            )  # (o, s, d)
        q = np.broadcast_to(
            rate[:, :, None, None, :] * w[None, None, None, :, None], (R, 2, 2, w.shape[0], R)
        )  # (o, s, g, b, d)
        total = q.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dest = np.where(total[..., None] > 0, q / total[..., None], 0.0)
        cdf = np.cumsum(dest, axis=-1).reshape(-1, R)
        cdf[:, -1] = 1.0
        q_move = np.minimum(total, 1.0).reshape(-1)
        return np.ascontiguousarray(q_move), np.ascontiguousarray(cdf), desired

    def access_value(self, sim, year: int, shadow: np.ndarray | None = None) -> np.ndarray:
        """The value to each origin's people at home of the regime's policy costs against the
        status quo's (the calibrated c_pol), (R,) in log points of income: the change in the
        expected maximum utility of this year's decision (`log_sum`), divided by the income
        elasticity lambda, averaged over the people living in their region of birth (the
        decision's population, weighted by cell). Incomes, diasporas and everything else are
        this year's in both, so only the policy costs (plus a quota's shadow price) differ:
        it is 0 in the status quo and wherever a region's people face unchanged costs, and
        positive where destinations opened to them. A quota rationed by lottery is not in
        the utility and not in this value."""
        R = self.world.n_regions
        cost = self._policy_cost(shadow)
        status_quo = self.calibration.policy_cost
        if cost.shape == status_quo.shape and np.array_equal(cost, status_quo):
            return np.zeros(R)
        rho, lam = self.conf.nest_dissimilarity, self.conf.income_elasticity
        gain = (
            log_sum(self.utility(sim, year, cost), rho)
            - log_sum(self.utility(sim, year, status_quo), rho)
        ) / lam  # (R, 2, 2, B)
        cells = sim.state.cells
        if cells is None:
            return np.zeros(R)
        diag = np.arange(R)
        home = cells[diag, diag].sum(axis=-1)  # (o, s, g, b) people living where born
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (gain * home).sum(axis=(1, 2, 3)) / home.sum(axis=(1, 2, 3))
        return np.nan_to_num(mean)

    def run(self, sim, year: int) -> None:
        world, policy = self.world, self.policy
        R = world.n_regions
        p_move, dest_cdf = self.probabilities(sim, year)
        wages = self.wages(sim)
        F = upfront_cost(world, wages, self.conf) * policy.upfront_cost_scale
        home_income = (wages if wages.ndim == 2 else wages[:, :, 0]).astype(np.float64)
        if policy.regularise and not self.regularised:
            sim.people.map(passes.regularise)
            self.regularised = True
        new = None if policy.settle is None else policy.settle & ~self.settled
        if new is not None and new.any():
            sim.people.map(passes.settle, new)
            self.settled |= new
        accept = np.ones((R, 2))
        quota = policy.quota
        temporary_share = entry_temporary_share(policy)
        offered = policy.temporary_offer > 0  # (d, s)
        if offered.any():
            # Mode 4 offer (Walmsley & Winters: temporary workers up to `offer` x the labour
            # force): yearly admissions = the status-quo flow + offer x labour force / visa
            # length, so the stock of temporary workers reaches the offer
            cells = sim.state.cells  # (o, loc, s, g, b, st)
            labour = cells[:, :, :, :, 2:8, :].sum(axis=(0, 3, 4, 5))  # (loc, s), 20-64
            extra = policy.temporary_offer * labour / np.maximum(policy.visa_years, 1)[:, None]
            quota = np.where(offered, self.baseline_admissions + extra, quota)
            sim.state.region_columns["temporary_visas_offered"] = extra.sum(axis=1)
        return_factor_now = return_factor(self.return_scales, self.conf, home_income)
        levers = Levers(
            F,
            home_income,
            float(self.conf.borrowing),
            accept,
            temporary_share,
            policy.irregular_share,
            policy.visa_years.astype(np.uint8),
            policy.overstay,
            self.hazard,
            float(self.conf.onward_share),
            self.calibration.intra_rate,
            self.calibration.intra_return,
            self.productivity_sigma,
            return_factor_now,
            self.family_left,
            np.clip(self.conf.family_reunification * policy.family_reunification, 0.0, 1.0),
            float(np.exp(self.conf.family_return_effect)),
        )
        shadow = None  # a quota's shadow price, when it prices entry
        if np.isfinite(quota).any():

            def applicants_for(p_move, dest_cdf):
                # expected applicants (people), not a count of drawn ones: the lottery then
                # admits min(applicants, quota) in expectation at any number of agents
                cells = Cells(AGE_BAND_OF_AGE, N_BANDS, p_move, dest_cdf)
                fixed = sim.people.sum(passes.expected_applicants, sim.key, year, cells, levers)
                return fixed / float(2**applicants_k.EXPECTED_SCALE_BITS)

            people = applicants_for(p_move, dest_cdf)
            if policy.quota_rationing == "shadow_price":
                # a price mu[d, s] >= 0 on entry, found so that would-be movers who can pay
                # fit the quota (complementary slackness: mu > 0 only where it binds);
                # a contraction on log applicants, warm-started from last year
                capped = np.isfinite(quota)
                mu = self.shadow.copy()
                for _ in range(30):
                    with np.errstate(divide="ignore", invalid="ignore"):
                        gap = np.where(
                            capped & (people > 0),
                            np.log(np.maximum(people, 1e-9) / np.maximum(quota, 1e-9)),
                            0.0,
                        )
                    gap = np.where((mu <= 0) & (gap < 0), 0.0, gap)
                    if np.abs(gap).max() < 0.01:
                        break
                    mu = np.maximum(mu + self.conf.nest_dissimilarity * gap, 0.0)
                    p_move, dest_cdf = self.probabilities(sim, year, mu)
                    people = applicants_for(p_move, dest_cdf)
                self.shadow = mu
                shadow = mu
                sim.state.region_columns["quota_shadow_price_low"] = mu[:, 0]
                sim.state.region_columns["quota_shadow_price_high"] = mu[:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                # lottery rationing (or the last 1% after the shadow price)
                accept = np.where(people > quota, quota / people, 1.0)
            if offered.any():
                # only admissions beyond the base-year status-quo flow are temporary visas
                admitted = np.minimum(people, quota)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(
                        offered & (admitted > 0),
                        np.clip((admitted - self.baseline_admissions) / admitted, 0.0, 1.0),
                        0.0,
                    )
                temporary_share = np.maximum(temporary_share, share[None, :, :])
        cells = Cells(AGE_BAND_OF_AGE, N_BANDS, p_move, dest_cdf)
        levers = levers._replace(accept=accept, temporary_share=temporary_share)
        catch = None
        if policy.catch_up and year == max(sim.base_year + 1, policy.catch_up_year):
            # computed on the stocks at the start of the year, drawn after the decisions
            catch = self.catch_up_probabilities(sim)
        # only a plug-in's code is the user's: an error of migsim's own decision pass is a bug
        part = "kernel" if self.behaviour.kernel is not None else "individual_term"
        plugged = self.behaviour.kernel is not None or self.behaviour.individual_term is not None
        # the next step's labour supply in the decision pass (Simulation.supply_levers): the
        # decisions are the year's last change to people unless a catch-up pass follows
        supply = getattr(sim, "supply_levers", None) if not plugged and catch is None else None
        if supply is not None:
            *decided, out, hist = sim.people.sum(
                passes.decide_and_supply, sim.key, year, cells, levers, supply
            )
            moves, blocked, intra, invalid, excess = decided
            sim.supply_taken = (year, (out, hist))
        else:
            with plugin_call(self.behaviour, part, year) if plugged else nullcontext():
                moves, blocked, intra, invalid, excess = sim.people.sum(
                    passes.decide,
                    sim.key,
                    year,
                    cells,
                    levers,
                    self.behaviour.kernel,
                    self.behaviour.individual_term,
                    self.term_params,
                )
        if invalid:
            raise InputError(
                f"behaviour plug-in '{self.behaviour.name}'",
                f"individual term returned NaN or infinity for {invalid} agents in {year}",
                "finite numbers",
            )
        if excess:
            raise InputError(
                f"behaviour plug-in '{self.behaviour.name}'",
                f"kernel recorded {excess} moves beyond one per row of its chunk in {year}",
                "at most one add_move per person and pass",
            )
        sim.state.moves += moves
        weight = sim.weight
        if catch is not None:
            q_move, q_cdf, desired = catch
            pent_up = sim.people.sum(
                passes.catch_up,
                sim.key,
                year,
                Cells(AGE_BAND_OF_AGE, N_BANDS, q_move, q_cdf),
                levers,
            )
            sim.state.moves += pent_up
            # people by destination: moved at once, and desired by the split
            sim.state.region_columns["pent_up_moves"] = (
                pent_up.by("origin", "destination") * weight[:, None]
            ).sum(axis=0)
            sim.state.region_columns["pent_up_desired"] = desired.sum(axis=(0, 2))
        sim.state.region_columns["blocked_by_liquidity"] = blocked * weight
        sim.state.region_columns["intra_regional_moves"] = intra * weight
        # the option value of the regime's policy costs to the people at home (migsim.games.payoffs)
        sim.state.region_columns["access_value"] = self.access_value(sim, year, shadow)


def corridor_constants_in(
    calibration, constants: np.ndarray, year: int, after: str = "hold"
) -> np.ndarray:
    """`constants` (R, R, 2, 2), the calibration's with the regime's relief, in `year`: plus
    the calibration's corridor trend (R, R) times the years from its base year to `year`,
    counted up to its end year only (the history fit of a world built at 1990,
    `migsim.worldbuild.history_sim`: the trend describes the fit window and the constants
    are held at their value of its last year after it), or every year with `after`
    "continue" (behaviour.corridor_trend_after); unchanged without a trend."""
    trend = calibration.corridor_trend
    if trend is None:
        return constants
    provenance = calibration.provenance
    end = year if after == "continue" else min(year, int(provenance["trend_end_year"]))
    years = end - int(provenance["trend_base_year"])
    return constants + (trend * max(years, 0))[:, :, None, None]
