"""Expected base-year cell populations from the world tables (no sampled people): people at
home by origin, skill, sex and age band, migrant stocks by corridor, their exit rates and the
share able to pay the up-front cost. The calibration and the `catch_up` component use them,
so both are independent of the seed and of the number of agents."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from migsim.core.labels import AGE_BAND_EDGES, AGE_BANDS, N_AGES
from migsim.core.world import AGE_BAND_OF_AGE, World
from migsim.core.world_education import TERTIARY_MIN_AGE
from migsim.model.costs import upfront_cost
from migsim.model.durations import (
    IRREGULAR,
    PERMANENT,
    TEMPORARY,
    durations,
    origin_mean_hazard,
)
from migsim.model.wealth_profile import band_scale
from migsim.people.population import native_pyramids
from migsim.regimes import initial_irregular_share, tied_corridors

B = len(AGE_BANDS)
BAND_LOWER = np.array(AGE_BAND_EDGES[:-1], dtype=np.float64)  # first age of each band


@dataclass
class BaseCells:
    home: np.ndarray  # (R, 2, 2, B) people at home by origin, skill, sex, band
    stock: np.ndarray  # (R, R, 2, 2) migrants by origin, destination, skill, sex
    exit_rate: np.ndarray  # (R, R, 2, 2) mortality + return hazard of the stock
    feasible: np.ndarray  # (R, 2, 2, B, R) share able to pay the up-front cost


def _tertiary_by_age(share: float) -> np.ndarray:
    ages = np.arange(N_AGES)
    return np.where(ages >= TERTIARY_MIN_AGE, share, 0.0)


def base_cells(
    world: World, conf: Any, wages: np.ndarray, pop_conf: Any, wealth_age=None
) -> BaseCells:
    R = world.n_regions
    natives = native_pyramids(world)  # (R, 2, N_AGES)
    home = np.zeros((R, 2, 2, B))
    profile = world.tertiary_age_profile  # natives' degrees by age (as synthesised)
    for o in range(R):
        t = _tertiary_by_age(world.tertiary_share[o])
        if profile is not None:
            t = np.minimum(t * profile[o], 1.0)
        for g in range(2):
            high = natives[o, g] * t
            low = natives[o, g] - high
            home[o, 0, g] = np.bincount(AGE_BAND_OF_AGE, weights=low, minlength=B)
            home[o, 1, g] = np.bincount(AGE_BAND_OF_AGE, weights=high, minlength=B)
    age = world.migrant_age_share
    # years abroad of a migrant aged a: the steady state under the return hazard with the
    # corridor's destination scale and income gap (migsim.model.durations, as synthesised)
    dur = durations(world, conf, wages)
    irregular = initial_irregular_share(world)
    tied = tied_corridors(world)
    stock = np.zeros((R, R, 2, 2))
    exit_rate = np.zeros((R, R, 2, 2))
    for o in range(R):
        # regular migrants: permanent, or on employer-tied temporary permits
        mean_perm = np.where(
            tied[o][:, None],
            origin_mean_hazard(dur, o, TEMPORARY),
            origin_mean_hazard(dur, o, PERMANENT),
        )  # (R, N_AGES)
        mean_irr = origin_mean_hazard(dur, o, IRREGULAR)
        for d in range(R):
            if o == d:
                continue
            M = world.migrant_stock[o, d]
            fem = world.migrant_female_share[o, d]
            t = _tertiary_by_age(world.migrant_tertiary_share[o, d])
            for g, share_g in ((0, fem), (1, 1.0 - fem)):
                for s in range(2):
                    dist = age * (t if s == 1 else 1.0 - t)
                    mass = dist.sum()
                    stock[o, d, s, g] = M * share_g * mass
                    if mass > 0:
                        q = world.death_probability[d, g]
                        irr = irregular[o, d] * (1 / 3 if s == 1 else 1.0)
                        mean_h = (1 - irr) * mean_perm[d] + irr * mean_irr[d]
                        exit_rate[o, d, s, g] = ((q + mean_h) * dist).sum() / mass
    feasible = feasible_shares(world, conf, wages, pop_conf, world.gdp_per_capita, wealth_age)
    return BaseCells(home, stock, exit_rate, feasible)


def feasible_shares(
    world: World,
    conf: Any,
    wages: np.ndarray,
    pop_conf: Any,
    gdp_per_capita: np.ndarray,
    wealth_age=None,
) -> np.ndarray:
    """(R, 2, 2, B, R) share of each home cell able to pay the up-front cost of each
    destination: wealth ~ lognormal with mean `wealth_to_income` times GDP per capita times
    the band's wealth by age (`migsim.model.wealth_profile.band_scale`: a fifth of it below
    18 without `wealth_age`) plus borrowing `borrowing` times the home wage. `wages` and
    `gdp_per_capita` are the year's (the base year's for the calibration)."""
    R = world.n_regions
    # liquidity: wealth ~ lognormal(mean m * scale, sigma); borrowing b * home wage
    F = upfront_cost(world, wages, conf)
    sigma = pop_conf.wealth_sigma
    scales = band_scale(world, wealth_age)  # (R, B)
    feasible = np.ones((R, 2, 2, B, R))
    for o in range(R):
        mean_w = pop_conf.wealth_to_income * gdp_per_capita[o]
        scale = scales[o]
        for s in range(2):
            need = F[o][None, :] - conf.borrowing * wages[o, s]
            for b in range(B):
                if mean_w * scale[b] > 0:
                    mu = math.log(mean_w * scale[b]) - 0.5 * sigma**2
                    with np.errstate(divide="ignore"):
                        z = (np.log(np.maximum(need[0], 1e-12)) - mu) / max(sigma, 1e-9)
                    share = 0.5 * np.vectorize(math.erfc)(z / math.sqrt(2.0))
                else:  # no wealth at this age (the steady-state profile's children)
                    share = np.zeros(R)
                share = np.where(need[0] <= 0, 1.0, share)
                feasible[o, s, :, b, :] = share[None, :]
    return feasible


# A cell's yearly flow targets are infeasible when the people who would have to choose its
# destinations exceed the people at home: only a share `feasible` of those choosing d can
# pay its up-front cost, so meeting target t_d takes t_d / feasible_d choosers (feasible_d
# averaged over the cell's age bands, as when everyone leaves), and their sum over
# destinations cannot pass the cell's home population however large the constants grow
# (the contraction then climbs without end). Poor origins with rich, distant destinations
# meet this (Liberia's, Burundi's and DR Congo's graduates need 40-70 times their number in
# the 232-country world); the shipped aggregate worlds stay below 0.8. An infeasible cell's
# targets are scaled down together, keeping their destination mix, until its choosers are
# TARGET_CAP_SCALED_TO of the people at home, which the contraction reaches at a finite
# emigration probability. A cell just below 1 is infeasible in practice too: the
# contraction closes a cell's gap by a factor 1 - rho (1 - P(move)) a step, so a cell that
# must send nearly all its payers never converges (in the 232-country world a cell at
# 0.99996 left a 1e-3 gap after 1,500 steps); cells above TARGET_CAP_FROM are scaled too.
TARGET_CAP_SCALED_TO = 0.5
TARGET_CAP_FROM = 0.95


def cap_infeasible_targets(
    target: np.ndarray, cells: BaseCells, codes: list
) -> tuple[np.ndarray, dict]:
    """Targets (R, R, 2, 2) with infeasible origin cells scaled down, and a report for the
    calibration provenance: how many cells, how much flow was dropped and the worst ones."""
    payers = np.transpose((cells.home[..., None] * cells.feasible).sum(axis=3), (0, 3, 1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        # share of the cell that must choose: sum_d t_d / (people at home able to pay for d)
        need = np.where(target > 0, target / payers, 0.0).sum(axis=1)  # o s g
    need = np.nan_to_num(need, nan=np.inf)
    bad = need > TARGET_CAP_FROM
    scale = np.where(bad, TARGET_CAP_SCALED_TO / np.where(bad, need, 1.0), 1.0)
    capped = target * scale[:, None]
    order = np.argsort(-need, axis=None)[: min(int(bad.sum()), 10)]
    worst = []
    for k in order:
        o, s, g = np.unravel_index(k, need.shape)
        worst.append(
            f"{codes[o]} {'tertiary' if s else 'other'} {'men' if g else 'women'}: "
            f"choosers {need[o, s, g]:.3g} x home"
        )
    report = {
        "capped_cells": int(bad.sum()),
        "capped_flow_dropped": float(target.sum() - capped.sum()),
        "capped_worst": worst,
    }
    return capped, report


def within_region_base(world: World) -> tuple[np.ndarray, np.ndarray]:
    """(R,) the base year's natives of working age (15-64) at home who are not within-region
    migrants (80% of those taken to be of working age), the people a within-region rate
    applies to, and (R,) the natives' yearly death probability."""
    natives = native_pyramids(world)
    working = natives[:, :, 15:65].sum(axis=(1, 2)) - world.intra_migrants * 0.8
    death = (world.death_probability * natives).sum(axis=(1, 2)) / natives.sum(axis=(1, 2))
    return working, death


def within_region_levers(rate: np.ndarray, hazard: float, bands: int):
    """(R, B) intra_rate (`rate` per region at the working-age bands 15-64, zero elsewhere)
    and (R, B) intra_return (`hazard` at every band)."""
    R = len(rate)
    intra_rate = np.zeros((R, bands))
    intra_rate[:, (BAND_LOWER >= 15) & (BAND_LOWER < 65)] = np.asarray(rate)[:, None]
    return intra_rate, np.full((R, bands), float(hazard))
